package store

import (
	"context"
	"sync"

	"github.com/cashierpay/cashier/internal/payment"
)

// ConfigCache keeps what every API call reads before its work, the merchant of its
// Client-Id with its keys and the sandbox's simulation rules, for as long as the
// configuration revision (Queries.ConfigRevision) stays where it was when they were read.
// Each call still reads the revision, one row by its primary key, so a change committed
// anywhere (the CLI's own store, another node) is seen by the very next call, as it would
// be without the cache; what the cache saves is the reads themselves.
//
// A value is kept under the revision read before it, never after: a change that commits
// between the two reads has moved the revision past the one the value is kept under, so
// the next call reads it again. Kept under a revision read after it, a value read just
// before a change would pass for the new configuration until the next change.
type ConfigCache struct {
	q  Queries
	mu sync.RWMutex
	// rev is the revision every value below was read at or after; values of an older one
	// are dropped when a newer one is seen, since the revision never goes back.
	rev       int64
	merchants map[string]*payment.Merchant // by client id
	rules     map[rulesKey][]*SandboxSimulation
}

type rulesKey struct{ merchantID, api string }

// maxCached bounds each of the cache's maps. Merchants are few, and only merchants found
// are kept (anyone may send a Client-Id); past the bound, reads go to the database.
const maxCached = 4096

// NewConfigCache returns an empty cache over q.
func NewConfigCache(q Queries) *ConfigCache {
	return &ConfigCache{q: q, merchants: map[string]*payment.Merchant{}, rules: map[rulesKey][]*SandboxSimulation{}}
}

// revisionKey is the context key of the revision Pin read.
type revisionKey struct{}

// Pin reads the revision once for a call: the cache's reads under the context returned
// are as of it, so that a call reads the revision once however many things it reads, and
// reads them all as of one moment.
func (c *ConfigCache) Pin(ctx context.Context) (context.Context, error) {
	rev, err := c.q.ConfigRevision(ctx)
	if err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, revisionKey{}, rev), nil
}

// Merchant is Queries.MerchantGetByClientID as of the revision ctx is pinned at (or read
// now). The merchant returned is shared with other calls: callers read it and never
// change it.
func (c *ConfigCache) Merchant(ctx context.Context, clientID string) (*payment.Merchant, error) {
	return cached(ctx, c, c.merchants, clientID, c.q.MerchantGetByClientID)
}

// Simulations is Queries.SandboxSimulationList as of the revision ctx is pinned at (or
// read now). The rules returned are shared with other calls, as Merchant's merchant is.
func (c *ConfigCache) Simulations(ctx context.Context, merchantID, api string) ([]*SandboxSimulation, error) {
	return cached(ctx, c, c.rules, rulesKey{merchantID, api}, func(ctx context.Context, k rulesKey) ([]*SandboxSimulation, error) {
		return c.q.SandboxSimulationList(ctx, k.merchantID, k.api)
	})
}

// cached answers key from m if it was read at the revision of ctx, and else reads it and
// keeps it under that revision, which was read before it. An error (ErrNotFound
// included) is never kept.
func cached[K comparable, V any](ctx context.Context, c *ConfigCache, m map[K]V, key K, read func(context.Context, K) (V, error)) (V, error) {
	rev, pinned := ctx.Value(revisionKey{}).(int64)
	if !pinned {
		var err error
		if rev, err = c.q.ConfigRevision(ctx); err != nil {
			var zero V
			return zero, err
		}
	}
	c.mu.RLock()
	v, ok := m[key]
	hit := ok && rev == c.rev
	c.mu.RUnlock()
	if hit {
		return v, nil
	}
	v, err := read(ctx, key)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if rev > c.rev {
		c.rev = rev
		clear(c.merchants)
		clear(c.rules)
	}
	// A call pinned at an older revision than the cache's keeps nothing: its value may be
	// older than what a newer call read.
	if rev == c.rev && len(m) < maxCached {
		m[key] = v
	}
	return v, nil
}
