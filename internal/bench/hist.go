package bench

import (
	"math/bits"
	"time"
)

// subBuckets is the number of linear buckets in each power of two: a recorded latency is
// known to within 1/subBuckets (under 1.6 %), whatever its size, in a fixed few kilobytes.
const (
	subBits    = 6
	subBuckets = 1 << subBits
)

// Histogram counts latencies in log-linear buckets, as HdrHistogram does: exact below
// subBuckets nanoseconds, then subBuckets buckets per power of two. Max is exact. The zero
// value is empty and ready; it is not safe for concurrent use.
type Histogram struct {
	counts [64 * subBuckets]uint64
	n      uint64
	max    time.Duration
}

// bucket is the index of d's bucket.
func bucket(d time.Duration) int {
	v := uint64(max(d, 0))
	if v < subBuckets {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1 // v>>shift is in [subBuckets, 2*subBuckets)
	return (shift+1)*subBuckets + int(v>>shift) - subBuckets
}

// upper is the largest latency in bucket i.
func upper(i int) time.Duration {
	if i < subBuckets {
		return time.Duration(i)
	}
	shift := i/subBuckets - 1
	return time.Duration((uint64(i%subBuckets+subBuckets+1) << shift) - 1)
}

// Record adds one latency; a negative one counts as 0.
func (h *Histogram) Record(d time.Duration) {
	h.counts[bucket(d)]++
	h.n++
	h.max = max(h.max, d)
}

// Merge adds o's latencies to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// Count is the number of latencies recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Max is the largest latency recorded, exactly.
func (h *Histogram) Max() time.Duration { return h.max }

// Quantile is the latency that q (0 to 1) of the recorded ones do not exceed, as the upper
// bound of its bucket (never above Max); 0 when nothing was recorded. The rank is
// ceil(q·n), the nearest-rank definition, so p99 of 100 latencies is the 99th.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.999999999)
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(upper(i), h.max)
		}
	}
	return h.max
}
