package bench

import (
	"context"
	"sync"
	"testing"
	"time"
)

// fakeClock moves only when told: sleeping until t jumps to t, and each operation of the
// tests below takes a fixed service time by advancing it.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) SleepUntil(_ context.Context, t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
}

func (c *fakeClock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

func TestSchedule(t *testing.T) {
	start := time.Unix(1000, 0)
	for _, c := range []struct {
		rate float64
		i    int
		want time.Duration
	}{{100, 0, 0}, {100, 1, 10 * time.Millisecond}, {100, 250, 2500 * time.Millisecond}, {3, 1, 333333333}, {0.5, 3, 6 * time.Second}} {
		if got := scheduled(start, c.rate, c.i).Sub(start); got != c.want {
			t.Errorf("rate %v op %d due at +%v; want +%v", c.rate, c.i, got, c.want)
		}
	}
}

// TestOpenLoopCountsQueueing: at 1000 operations a second on one worker whose operations
// take 10 ms each, operation i is due at i ms and done at (i+1)·10 ms, and its latency is
// measured from its due time: the waiting behind earlier operations counts, as a buyer
// arriving on schedule would feel it.
func TestOpenLoopCountsQueueing(t *testing.T) {
	clk := &fakeClock{now: time.Unix(0, 0)}
	lat := make([]time.Duration, 20)
	start := drive(context.Background(), clk, Load{Ops: len(lat), Concurrency: 1, Rate: 1000}, func(_ context.Context, i int, due time.Time) {
		if want := scheduled(time.Unix(0, 0), 1000, i); !due.Equal(want) {
			t.Errorf("op %d due %v; want %v", i, due, want)
		}
		lat[i] = clk.advance(10 * time.Millisecond).Sub(due)
	})
	if !start.Equal(time.Unix(0, 0)) {
		t.Errorf("start %v", start)
	}
	for i, d := range lat {
		// The scheduler may sleep the fake clock to the next due time (1 ms on) before the
		// worker takes op i up, so one scheduling step more is allowed, never less.
		if want := time.Duration(i+1)*10*time.Millisecond - time.Duration(i)*time.Millisecond; d < want || d > want+time.Millisecond {
			t.Errorf("op %d latency %v; want %v (+1 ms at most)", i, d, want)
		}
	}
}

// TestClosedLoop: every operation runs exactly once, on at most Concurrency workers at a
// time, and its latency counts from when a worker took it up.
func TestClosedLoop(t *testing.T) {
	clk := &fakeClock{now: time.Unix(0, 0)}
	var mu sync.Mutex
	seen := map[int]int{}
	running, most := 0, 0
	drive(context.Background(), clk, Load{Ops: 500, Concurrency: 4}, func(_ context.Context, i int, due time.Time) {
		mu.Lock()
		seen[i]++
		running++
		most = max(most, running)
		mu.Unlock()
		mu.Lock()
		running--
		mu.Unlock()
	})
	if len(seen) != 500 || most > 4 {
		t.Fatalf("%d operations run, at most %d at once", len(seen), most)
	}
	for i, n := range seen {
		if n != 1 || i < 0 || i >= 500 {
			t.Fatalf("op %d run %d times", i, n)
		}
	}
}

// TestCancelStops: a cancelled run starts no more operations.
func TestCancelStops(t *testing.T) {
	for _, rate := range []float64{0, 100} {
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		var mu sync.Mutex
		drive(ctx, &fakeClock{now: time.Unix(0, 0)}, Load{Ops: 1000, Concurrency: 1, Rate: rate}, func(context.Context, int, time.Time) {
			mu.Lock()
			defer mu.Unlock()
			if n++; n == 10 {
				cancel()
			}
		})
		if n > 11 {
			t.Errorf("rate %v: %d operations after the cancel at 10", rate, n)
		}
	}
}
