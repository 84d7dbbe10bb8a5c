package bench

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestBracket: a run's ceiling is the mean of the readings before and after it, signer by
// signer, with the ratio against that mean, the mean processor time a signature and the
// worse steal; a signer read only once is left out.
func TestBracket(t *testing.T) {
	s1, s2 := 0.5, 3.0
	before := []CeilingEntry{
		{Impl: "go", Cores: 2, SignsPerSecond: 1000, CPUMicrosPerSign: 2000, StealPercent: &s2},
		{Impl: "openssl", Cores: 2, SignsPerSecond: 4000, CPUMicrosPerSign: 500, StealPercent: &s1},
	}
	after := []CeilingEntry{
		{Impl: "openssl", Cores: 2, SignsPerSecond: 5000, CPUMicrosPerSign: 400, StealPercent: &s2},
		{Impl: "other", Cores: 2, SignsPerSecond: 7000},
		{Impl: "go", Cores: 2, SignsPerSecond: 1040, CPUMicrosPerSign: 1900, StealPercent: &s1},
	}
	got := Bracket(before, after, 900)
	if len(got) != 2 {
		t.Fatalf("Bracket = %+v, want openssl and go", got)
	}
	o, g := got[0], got[1]
	if o.Impl != "openssl" || o.Before != 4000 || o.After != 5000 || o.SignsPerSecond != 4500 || o.Ratio != 0.2 ||
		o.CPUMicrosPerSign != 450 || o.StealPercent == nil || *o.StealPercent != 3.0 {
		t.Errorf("openssl = %+v", o)
	}
	if g.Impl != "go" || g.SignsPerSecond != 1020 || g.CPUMicrosPerSign != 1950 || g.StealPercent == nil || *g.StealPercent != 3.0 {
		t.Errorf("go = %+v", g)
	}
	if d := o.drift(); d < 0.2222 || d > 0.2223 {
		t.Errorf("openssl drift = %v, want 1000/4500", d)
	}

	// The report says to measure again when the two readings are more than 10 % apart.
	var out strings.Builder
	(&Report{Ceiling: got}).WriteText(&out)
	text := out.String()
	for _, want := range []string{
		"ceiling      openssl signs 4500 RSA-2048 signatures/s on 2 cores (4000 before the run, 5000 after): pays/s are 0.20 of it; 450µs of processor time a signature\n" +
			"ceiling      openssl's rate moved 22% between before and after the run: the machine's speed, or other work on it, changed meanwhile; measure again\n",
		"ceiling      go signs 1020 RSA-2048 signatures/s on 2 cores (1000 before the run, 1040 after): pays/s are 0.88 of it; 1950µs of processor time a signature\n" +
			"steal        the host took 3.0% of this machine's time during go's ceiling",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks\n%s\nin\n%s", want, text)
		}
	}
	if strings.Contains(text, "go's rate moved") {
		t.Errorf("a 4 %% move is flagged:\n%s", text)
	}
}

// TestCeilingMeasures: each signer this build has signs on every core for the time given,
// and the reading has a rate and no ratio (Bracket gives that).
func TestCeilingMeasures(t *testing.T) {
	es, err := Ceiling(context.Background(), 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) == 0 {
		t.Fatal("no signer measured")
	}
	for _, e := range es {
		if e.SignsPerSecond <= 0 || e.Cores <= 0 || e.Ratio != 0 {
			t.Errorf("%+v", e)
		}
	}
}
