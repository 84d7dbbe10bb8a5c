package limit

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestBucketsBurstThenRate(t *testing.T) {
	b := NewBuckets(Rate{PerSecond: 2, Burst: 3})
	for i := range 3 {
		if !b.Allow("m1", t0) {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	if b.Allow("m1", t0) {
		t.Fatal("a request past the burst was allowed")
	}
	if !b.Allow("m2", t0) {
		t.Fatal("another merchant's first request was refused: buckets are per key")
	}
	// Half a second refills one token at 2/s: one request, not two.
	at := t0.Add(500 * time.Millisecond)
	if !b.Allow("m1", at) || b.Allow("m1", at) {
		t.Fatal("after half a second at 2/s, want exactly one more request")
	}
	// A long pause refills no more than the burst.
	at = at.Add(time.Hour)
	for i := range 3 {
		if !b.Allow("m1", at) {
			t.Fatalf("request %d after a pause refused", i+1)
		}
	}
	if b.Allow("m1", at) {
		t.Fatal("a pause refilled more than the burst")
	}
	// A clock that steps back refills nothing and takes nothing extra.
	if b.Allow("m1", at.Add(-time.Minute)) {
		t.Fatal("a clock stepping back refilled the bucket")
	}
}

func TestBucketsOff(t *testing.T) {
	var nilBuckets *Buckets
	off := NewBuckets(Rate{})
	for range 1000 {
		if !nilBuckets.Allow("m", t0) || !off.Allow("m", t0) {
			t.Fatal("a limit that is off refused a request")
		}
	}
}

func TestBucketsBoundedKeys(t *testing.T) {
	b := NewBuckets(Rate{PerSecond: 1, Burst: 1})
	for i := range maxKeys + 10 {
		b.Allow(fmt.Sprint("k", i), t0.Add(time.Duration(i)*time.Second))
	}
	if len(b.m) > maxKeys {
		t.Fatalf("%d buckets kept, want at most %d", len(b.m), maxKeys)
	}
}

func TestDeclinesDelayGrowsThenRefusalThenCoolOff(t *testing.T) {
	p := Policy{Free: 3, Window: time.Hour, Delay: time.Second, MaxDelay: 4 * time.Second, Delayed: 4, CoolOff: 30 * time.Minute}
	d := NewDeclines(p)
	at := t0
	var got []Decision
	for range 8 {
		got = append(got, d.Check("ip", at))
		if !got[len(got)-1].Refused {
			d.Decline("ip", at)
		}
		at = at.Add(time.Second)
	}
	want := []Decision{
		{}, {}, {}, // free
		{Delay: time.Second}, {Delay: 2 * time.Second}, {Delay: 4 * time.Second}, {Delay: 4 * time.Second}, // capped
		{Refused: true},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("attempt %d: got %+v, want %+v", i+1, got[i], want[i])
		}
	}
	if dec := d.Check("other", at); dec != (Decision{}) {
		t.Errorf("another key: got %+v, want no delay", dec)
	}
	// The refusal lasts CoolOff after the last decline, whatever the window says.
	last := t0.Add(6 * time.Second)
	if dec := d.Check("ip", last.Add(p.CoolOff-time.Microsecond)); !dec.Refused {
		t.Errorf("just before the cool-off ends: got %+v, want a refusal", dec)
	}
	if dec := d.Check("ip", last.Add(p.CoolOff)); dec != (Decision{}) {
		t.Errorf("after the cool-off: got %+v, want a fresh start", dec)
	}
}

func TestDeclinesWindow(t *testing.T) {
	d := NewDeclines(Policy{Free: 2, Window: 10 * time.Minute, Delay: time.Second, MaxDelay: time.Minute, Delayed: 5, CoolOff: time.Hour})
	d.Decline("card", t0)
	d.Decline("card", t0.Add(9*time.Minute))
	if dec := d.Check("card", t0.Add(9*time.Minute)); dec.Delay != time.Second {
		t.Fatalf("two declines in the window: got %+v, want a delay of 1s", dec)
	}
	if dec := d.Check("card", t0.Add(10*time.Minute)); dec != (Decision{}) {
		t.Fatalf("the window over: got %+v, want no delay", dec)
	}
	d.Decline("card", t0.Add(11*time.Minute))
	if dec := d.Check("card", t0.Add(11*time.Minute)); dec != (Decision{}) {
		t.Fatalf("one decline in a new window: got %+v, want no delay", dec)
	}
}

func TestDeclinesOff(t *testing.T) {
	var nilDeclines *Declines
	off := NewDeclines(Policy{Delay: time.Second, MaxDelay: time.Second, Window: time.Hour})
	for range 100 {
		nilDeclines.Decline("k", t0)
		off.Decline("k", t0)
	}
	if nilDeclines.Check("k", t0) != (Decision{}) || off.Check("k", t0) != (Decision{}) {
		t.Fatal("a limit that is off delayed or refused")
	}
}

func TestDeclinesBoundedKeys(t *testing.T) {
	d := NewDeclines(Policy{Free: 1, Window: time.Minute, Delay: time.Second, MaxDelay: time.Second, Delayed: 1, CoolOff: time.Minute})
	for i := range maxKeys + 10 {
		d.Decline(fmt.Sprint("k", i), t0)
	}
	if len(d.m) != maxKeys {
		t.Fatalf("%d keys kept, want %d", len(d.m), maxKeys)
	}
	// Once counts lapse, new keys are tracked again.
	later := t0.Add(2 * time.Minute)
	d.Decline("new", later)
	if dec := d.Check("new", later); dec.Delay != time.Second {
		t.Fatalf("a key after the old ones lapsed: got %+v, want it counted", dec)
	}
}

func TestAddrKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":             "203.0.113.7",
		"::ffff:203.0.113.7":      "203.0.113.7",
		"2001:db8:1:2:3:4:5:6":    "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::9999": "2001:db8:1:2::/64",
	} {
		if got := AddrKey(netip.MustParseAddr(in)); got != want {
			t.Errorf("AddrKey(%s) = %s, want %s", in, got, want)
		}
	}
}
