package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Load says how operations are offered: Concurrency workers each run one operation after
// another (closed loop), or, with Rate, operations start on a fixed schedule whatever the
// gateway's pace (open loop), on at most Concurrency workers.
type Load struct {
	// Ops is the number of operations; the run ends when they are all done or ctx ends.
	Ops int
	// Concurrency is the number of workers; at least 1.
	Concurrency int
	// Rate is the open loop's operations a second; 0 means a closed loop.
	Rate float64
}

// clock is the time a driver runs on: the wall clock, or a test's.
type clock interface {
	Now() time.Time
	// SleepUntil returns at t, or earlier when ctx ends.
	SleepUntil(ctx context.Context, t time.Time)
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) SleepUntil(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
	case <-ctx.Done():
	}
}

// scheduled is the time the i-th operation of an open loop at rate started at start is due.
// Later operations are due on this schedule whatever happened to earlier ones, so that a
// slow answer delays no later send's clock: latency is measured from this time, and time an
// operation waited for a free worker counts in it (no coordinated omission).
func scheduled(start time.Time, rate float64, i int) time.Time {
	return start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
}

// drive runs l.Ops operations and calls op(ctx, i, due) for each, with due the time the
// operation's latency counts from: its scheduled time in an open loop, the time a worker
// took it up in a closed one. It returns the start of the timed window.
func drive(ctx context.Context, clk clock, l Load, op func(ctx context.Context, i int, due time.Time)) time.Time {
	start := clk.Now()
	var wg sync.WaitGroup
	if l.Rate <= 0 {
		var next atomic.Int64
		for range max(l.Concurrency, 1) {
			wg.Go(func() {
				for ctx.Err() == nil {
					i := int(next.Add(1) - 1)
					if i >= l.Ops {
						return
					}
					op(ctx, i, clk.Now())
				}
			})
		}
		wg.Wait()
		return start
	}
	type job struct {
		i   int
		due time.Time
	}
	jobs := make(chan job)
	for range max(l.Concurrency, 1) {
		wg.Go(func() {
			for j := range jobs {
				op(ctx, j.i, j.due)
			}
		})
	}
	for i := 0; i < l.Ops && ctx.Err() == nil; i++ {
		due := scheduled(start, l.Rate, i)
		clk.SleepUntil(ctx, due)
		select {
		case jobs <- job{i, due}:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	return start
}
