// Package clock gives the gateway its notion of now. Logic never calls time.Now directly:
// the sandbox runs on a test clock that tests and operators can move forward, so captures
// windows, expiries and retries can be exercised without waiting.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time and lets waiters know when it jumps.
type Clock interface {
	Now() time.Time
	// Changed returns a channel closed the next time the clock is moved by hand. The real
	// clock is never moved, so its channel is never closed.
	Changed() <-chan struct{}
}

// Real is the wall clock.
type Real struct{}

var never = make(chan struct{})

// Now implements Clock.
func (Real) Now() time.Time { return time.Now() }

// Changed implements Clock.
func (Real) Changed() <-chan struct{} { return never }

// Test is a clock that runs at wall-clock speed from an offset that Advance increases.
// Time keeps flowing between advances so that timeouts and tickers still behave, unless the
// clock was made stopped (NewStopped).
type Test struct {
	mu      sync.Mutex
	offset  time.Duration
	changed chan struct{}
	stopped time.Time // set: the clock stands at stopped+offset instead of flowing
}

// NewTest returns a test clock that starts at the wall clock.
func NewTest() *Test { return &Test{changed: make(chan struct{})} }

// NewStopped returns a test clock that stands at at and moves only by Advance, for tests
// that compare times to a deadline: on a flowing clock, a slow machine's wall time would
// move them past it.
func NewStopped(at time.Time) *Test { return &Test{changed: make(chan struct{}), stopped: at} }

func (c *Test) base() time.Time {
	if c.stopped.IsZero() {
		return time.Now()
	}
	return c.stopped
}

// Now implements Clock.
func (c *Test) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base().Add(c.offset)
}

// Changed implements Clock.
func (c *Test) Changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed
}

// Advance moves the clock forward by d (never backward) and wakes every waiter.
func (c *Test) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	if d > 0 {
		c.offset += d
	}
	now := c.base().Add(c.offset)
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	return now
}

// Offset reports how far the clock is ahead of the wall clock.
func (c *Test) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}

// SetOffset sets the clock's lead over the wall clock, for a test clock shared through a
// database; it wakes waiters when the offset grows.
func (c *Test) SetOffset(d time.Duration) {
	c.mu.Lock()
	grew := d > c.offset
	if grew {
		c.offset = d
		close(c.changed)
		c.changed = make(chan struct{})
	}
	c.mu.Unlock()
}

// Sleep waits until d has passed on clk or ctx-like done is closed; it returns early when the
// clock is moved so that callers can re-check what became due.
func Sleep(clk Clock, d time.Duration, done <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-clk.Changed():
	case <-done:
	}
}
