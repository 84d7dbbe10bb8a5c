package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/cashierpay/cashier/internal/payment"
)

// countedQueries answers the reads ConfigCache makes from memory and counts the reads of
// merchants; the engines' own behaviour is storetest's (ConfigCache*).
type countedQueries struct {
	Queries
	rev       int64
	merchants map[string]*payment.Merchant
	reads     int
}

func (q *countedQueries) ConfigRevision(context.Context) (int64, error) { return q.rev, nil }

func (q *countedQueries) MerchantGetByClientID(_ context.Context, clientID string) (*payment.Merchant, error) {
	q.reads++
	if m, ok := q.merchants[clientID]; ok {
		return m, nil
	}
	return nil, ErrNotFound
}

// TestConfigCacheKeeps: a merchant is read once per revision; unknown client ids are read
// every time and never kept, and the merchants kept are bounded.
func TestConfigCacheKeeps(t *testing.T) {
	ctx := t.Context()
	q := &countedQueries{rev: 1, merchants: map[string]*payment.Merchant{}}
	for i := range maxCached + 10 {
		id := fmt.Sprint("client-", i)
		q.merchants[id] = &payment.Merchant{ID: fmt.Sprint("m-", i), ClientID: id}
	}
	c := NewConfigCache(q)
	read := func(clientID string, wantReads int) {
		t.Helper()
		_, err := c.Merchant(ctx, clientID)
		if err != nil && err != ErrNotFound {
			t.Fatal(err)
		}
		if q.reads != wantReads {
			t.Fatalf("after reading %s: %d reads of the database, want %d", clientID, q.reads, wantReads)
		}
	}
	read("client-0", 1)
	read("client-0", 1)
	q.rev++
	read("client-0", 2)
	read("client-0", 2)

	for range 3 {
		read("no-such-client", q.reads+1)
	}
	if len(c.merchants) != 1 {
		t.Fatalf("%d merchants kept after unknown client ids, want 1", len(c.merchants))
	}

	for i := range maxCached + 10 {
		c.Merchant(ctx, fmt.Sprint("client-", i))
	}
	if len(c.merchants) != maxCached {
		t.Fatalf("%d merchants kept, want the bound %d", len(c.merchants), maxCached)
	}

	// A call pinned before a newer call read keeps nothing under the newer revision.
	old, err := c.Pin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	q.rev++
	read("client-1", q.reads+1)
	q.merchants["client-2"] = &payment.Merchant{ID: "m-2", ClientID: "client-2", Name: "read at an old revision"}
	if _, err := c.Merchant(old, "client-2"); err != nil {
		t.Fatal(err)
	}
	if m, ok := c.merchants["client-2"]; ok {
		t.Fatalf("a merchant read under an older revision was kept: %+v", m)
	}
}
