package bench

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestBuckets: every value falls in a bucket whose upper bound is at least the value and
// within 1/subBuckets of it, and the buckets are contiguous.
func TestBuckets(t *testing.T) {
	for i := 1; i < 63*subBuckets; i++ {
		if upper(i-1)+1 != lowerOf(i) {
			t.Fatalf("bucket %d starts at %d; bucket %d ends at %d", i, lowerOf(i), i-1, upper(i-1))
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		d := time.Duration(r.Int64N(int64(time.Hour)) >> r.IntN(40))
		b := bucket(d)
		if up := upper(b); up < d || float64(up-d) > float64(d)/subBuckets {
			t.Fatalf("%d in bucket %d, upper %d", d, b, up)
		}
	}
}

// lowerOf is the smallest latency of bucket i: one past the previous bucket's upper bound.
func lowerOf(i int) time.Duration {
	if i == 0 {
		return 0
	}
	return upper(i-1) + 1
}

// TestQuantiles: against the exact nearest-rank quantiles of a sorted sample, within the
// bucket precision; Max is exact; merging two halves gives the whole.
func TestQuantiles(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 || h.Max() != 0 {
		t.Fatal("empty histogram")
	}
	r := rand.New(rand.NewPCG(3, 4))
	var a, b Histogram
	var all []time.Duration
	for i := range 20000 {
		// Log-normal-ish latencies from 100 µs to seconds.
		d := time.Duration(float64(time.Millisecond) * r.ExpFloat64() * r.ExpFloat64() * 3)
		all = append(all, d)
		if i%2 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	h.Merge(&a)
	h.Merge(&b)
	slices.Sort(all)
	if h.Count() != uint64(len(all)) || h.Max() != all[len(all)-1] {
		t.Fatalf("count %d max %v; want %d %v", h.Count(), h.Max(), len(all), all[len(all)-1])
	}
	for _, q := range []float64{0, 0.5, 0.9, 0.99, 0.999, 1} {
		rank := max(int(q*float64(len(all))+0.999999999), 1)
		want, got := all[rank-1], h.Quantile(q)
		if got < want || float64(got-want) > float64(want)/subBuckets {
			t.Errorf("q%v = %v; exact %v", q, got, want)
		}
	}
	// Nearest rank: p99 of 1..100 ms is 99 ms, p50 is 50 ms.
	var hundred Histogram
	for i := 1; i <= 100; i++ {
		hundred.Record(time.Duration(i) * time.Millisecond)
	}
	for q, want := range map[float64]time.Duration{0.5: 50 * time.Millisecond, 0.99: 99 * time.Millisecond, 1: 100 * time.Millisecond} {
		if got := hundred.Quantile(q); got < want || got > want+want/subBuckets {
			t.Errorf("1..100 ms: q%v = %v, want %v", q, got, want)
		}
	}
}
