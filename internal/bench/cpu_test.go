package bench

import (
	"strings"
	"testing"
	"time"
)

func TestStatCPU(t *testing.T) {
	// A command name with spaces and a parenthesis, as a renamed thread can have.
	line := "4242 (cashier (x) y) S 1 4242 4242 0 -1 4194560 9171 0 0 0 1234 567 0 0 20 0 9 0 123 456 789\n"
	d, err := statCPU([]byte(line))
	if err != nil || d != 18010*time.Millisecond {
		t.Fatalf("statCPU = %v, %v; want 18.01s", d, err)
	}
	if _, err := statCPU([]byte("4242 (short) S 1 2")); err == nil {
		t.Fatal("a truncated line parsed")
	}
}

func TestStatMachine(t *testing.T) {
	stat := "cpu  217739 0 31635 194408 3230 0 3596 7307 0 0\ncpu0 108000 0 15000 97000 1600 0 1800 3600 0 0\nintr 1 2 3\n"
	m, err := statMachine([]byte(stat))
	if err != nil || m != (machineTicks{steal: 7307, total: 217739 + 31635 + 194408 + 3230 + 3596 + 7307}) {
		t.Fatalf("statMachine = %+v, %v", m, err)
	}
	for _, bad := range []string{"", "cpu0 1 2 3 4 5 6 7 8\n", "cpu  1 2 3\n", "cpu  1 2 3 4 5 6 7 x\n"} {
		if _, err := statMachine([]byte(bad)); err == nil {
			t.Errorf("statMachine(%q) parsed", bad)
		}
	}
}

func TestStealPercent(t *testing.T) {
	a, b := machineTicks{steal: 100, total: 10000}, machineTicks{steal: 130, total: 10200}
	if got := stealPercent(a, b); got != 15 {
		t.Errorf("stealPercent = %v, want 15", got)
	}
	if got := stealPercent(a, a); got != 0 {
		t.Errorf("stealPercent over no time = %v, want 0", got)
	}
}

func TestStealLine(t *testing.T) {
	var out strings.Builder
	low, high := 0.4, 6.2
	stealLine(&out, "the run", nil)
	if out.Len() != 0 {
		t.Errorf("no reading printed %q", out.String())
	}
	stealLine(&out, "the run", &low)
	stealLine(&out, "openssl's ceiling", &high)
	want := "steal        0.4% of this machine's time during the run\n" +
		"steal        the host took 6.2% of this machine's time during openssl's ceiling: its figures measure the host's load too; measure again\n"
	if out.String() != want {
		t.Errorf("stealLine printed\n%s\nwant\n%s", out.String(), want)
	}
}

func TestCPUReportsSteal(t *testing.T) {
	if _, ok := readMachine(); !ok {
		t.Skip("no /proc/stat on this system")
	}
	r := startCPU(0).per(1)
	if r == nil || r.StealPercent == nil || *r.StealPercent < 0 || *r.StealPercent > 100 {
		t.Fatalf("per = %+v", r)
	}
}
