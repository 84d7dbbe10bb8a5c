// Package limit holds the gateway's limits against abuse: a token bucket per merchant for
// the Antom API, and, against card testing, a delay that grows and then a refusal for the
// buyer IPs and cards whose attempts keep being declined.
//
// The counts live in this process's memory, as most gateways keep them at the edge: they
// cost no database write on the buyer's path and are lost on restart. With several nodes
// behind a load balancer each counts on its own, so a client that reaches every node has
// that many times the budget; the bound on attempts per payment, which the store keeps,
// holds whatever node serves the buyer. Time is what the caller says it is, so that tests
// and the sandbox's test clock drive the limits without waiting.
package limit

import (
	"net/netip"
	"sync"
	"time"
)

// maxKeys bounds the keys one limiter tracks, so that a flood of distinct keys (IPv6
// addresses, generated card numbers) cannot exhaust memory. Past it, keys whose counts have
// lapsed are dropped; if none have, a new key goes untracked until some lapse.
const maxKeys = 1 << 16

// Rate is a token bucket: PerSecond tokens a second, at most Burst at once.
type Rate struct {
	// PerSecond is the sustained rate; 0 turns the limit off.
	PerSecond float64
	Burst     int
}

// Buckets holds one token bucket per key. Its zero value and nil allow everything.
type Buckets struct {
	rate Rate
	mu   sync.Mutex
	m    map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewBuckets builds a token bucket per key at rate r.
func NewBuckets(r Rate) *Buckets {
	return &Buckets{rate: r, m: map[string]*bucket{}}
}

// Allow takes a token from key's bucket at now and says whether there was one. A new key
// starts with a full bucket.
func (b *Buckets) Allow(key string, now time.Time) bool {
	if b == nil || b.rate.PerSecond <= 0 {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	k, ok := b.m[key]
	if !ok {
		if len(b.m) >= maxKeys {
			b.pruneFull(now)
		}
		k = &bucket{tokens: float64(b.rate.Burst), at: now}
		b.m[key] = k
	}
	if elapsed := now.Sub(k.at); elapsed > 0 {
		k.tokens = min(float64(b.rate.Burst), k.tokens+elapsed.Seconds()*b.rate.PerSecond)
		k.at = now
	}
	if k.tokens < 1 {
		return false
	}
	k.tokens--
	return true
}

// pruneFull drops the buckets that have refilled: they hold nothing a new bucket would not.
func (b *Buckets) pruneFull(now time.Time) {
	for key, k := range b.m {
		if k.tokens+now.Sub(k.at).Seconds()*b.rate.PerSecond >= float64(b.rate.Burst) {
			delete(b.m, key)
		}
	}
}

// Policy says how attempts are answered once a key's attempts have been declined.
type Policy struct {
	// Free is how many declines within Window pass without delay; 0 turns the limit off.
	Free int
	// Window is how long declines count, from the first one.
	Window time.Duration
	// Delay is the wait before the first attempt past Free declines; it doubles with each
	// further decline, up to MaxDelay.
	Delay, MaxDelay time.Duration
	// Delayed is how many declines are answered with a delay; the next attempt, and every
	// attempt for CoolOff after that last decline, is refused.
	Delayed int
	CoolOff time.Duration
}

// Decision is how to answer one attempt: wait Delay before it, or refuse it.
type Decision struct {
	Delay   time.Duration
	Refused bool
}

// Declines counts the declined attempts of each key under one Policy.
type Declines struct {
	p  Policy
	mu sync.Mutex
	m  map[string]*record
}

type record struct {
	since        time.Time // the first decline counted
	n            int
	refusedUntil time.Time
}

// lapsed says whether a record no longer holds anything back at now.
func (r *record) lapsed(now time.Time, window time.Duration) bool {
	if !r.refusedUntil.IsZero() {
		return !now.Before(r.refusedUntil)
	}
	return !now.Before(r.since.Add(window))
}

// NewDeclines builds a counter of declines under p.
func NewDeclines(p Policy) *Declines {
	return &Declines{p: p, m: map[string]*record{}}
}

// Check says how to answer an attempt of key at now.
func (d *Declines) Check(key string, now time.Time) Decision {
	if d == nil || d.p.Free <= 0 {
		return Decision{}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.m[key]
	switch {
	case !ok:
		return Decision{}
	case r.lapsed(now, d.p.Window):
		delete(d.m, key)
		return Decision{}
	case !r.refusedUntil.IsZero():
		return Decision{Refused: true}
	case r.n < d.p.Free:
		return Decision{}
	}
	delay := d.p.Delay
	for range r.n - d.p.Free {
		if delay >= d.p.MaxDelay {
			break
		}
		delay *= 2
	}
	return Decision{Delay: min(delay, d.p.MaxDelay)}
}

// Decline counts a declined attempt of key at now.
func (d *Declines) Decline(key string, now time.Time) {
	if d == nil || d.p.Free <= 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.m[key]
	if ok && r.lapsed(now, d.p.Window) {
		ok = false
	}
	if !ok {
		if _, tracked := d.m[key]; !tracked && len(d.m) >= maxKeys {
			for k, old := range d.m {
				if old.lapsed(now, d.p.Window) {
					delete(d.m, k)
				}
			}
			if len(d.m) >= maxKeys {
				return
			}
		}
		r = &record{since: now}
		d.m[key] = r
	}
	r.n++
	if r.n >= d.p.Free+d.p.Delayed && r.refusedUntil.IsZero() {
		r.refusedUntil = now.Add(d.p.CoolOff)
	}
}

// AddrKey is the key of a client address: the address itself for IPv4, its /64 for IPv6,
// since one subscriber commonly holds a whole /64.
func AddrKey(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
