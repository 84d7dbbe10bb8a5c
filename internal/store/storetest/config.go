package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// testConfigRevision: every change of what an API call reads before its work (a merchant,
// its keys, its logo, a simulation rule) moves the configuration revision, whichever
// statement made it; a transaction rolled back does not; the writes of a payment do not,
// or the cache in front of the merchant's read would never hold.
func testConfigRevision(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := newMerchant(now())
	rev, err := s.ConfigRevision(ctx)
	ok(t, err, "ConfigRevision")
	step := func(what string, moves bool, change func() error) {
		t.Helper()
		ok(t, change(), what)
		got, err := s.ConfigRevision(ctx)
		ok(t, err, "ConfigRevision after "+what)
		switch {
		case moves && got <= rev:
			t.Errorf("%s: the revision stayed at %d", what, got)
		case !moves && got != rev:
			t.Errorf("%s: the revision moved from %d to %d", what, rev, got)
		}
		rev = got
	}
	logo := newLogo("image/png")
	rule := &store.SandboxSimulation{ID: newID(), MerchantID: m.ID, API: "pay", ResultCode: "DO_NOT_HONOR", Times: 2, CreatedAt: now()}
	step("MerchantInsert", true, func() error { return s.MerchantInsert(ctx, m) })
	step("MerchantSetNotifyURL", true, func() error { return s.MerchantSetNotifyURL(ctx, m.ClientID, "https://changed.example/n") })
	step("MerchantSetRequestWindow", true, func() error { return s.MerchantSetRequestWindow(ctx, m.ClientID, time.Minute) })
	step("MerchantKeyInsert", true, func() error {
		return s.MerchantKeyInsert(ctx, m.ID, payment.MerchantKey{Version: 7, PublicKey: "MIIB7", CreatedAt: now()})
	})
	step("MerchantKeyRetire", true, func() error {
		return s.MerchantKeyRetire(ctx, store.KeyRetire{MerchantID: m.ID, Version: 7, At: now(), Now: now()})
	})
	step("MerchantSetLogo", true, func() error { return s.MerchantSetLogo(ctx, m.ClientID, logo) })
	step("MerchantSetLogo replacing it", true, func() error { return s.MerchantSetLogo(ctx, m.ClientID, newLogo("image/webp")) })
	step("MerchantSetLogo removing it", true, func() error { return s.MerchantSetLogo(ctx, m.ClientID, nil) })
	step("SandboxSimulationInsert", true, func() error { return s.SandboxSimulationInsert(ctx, rule) })
	step("SandboxSimulationUse", true, func() error { return s.SandboxSimulationUse(ctx, rule.ID) })
	step("SandboxSimulationClear", true, func() error {
		_, err := s.SandboxSimulationClear(ctx, m.ID, rule.ID)
		return err
	})
	step("a key added in a transaction", true, func() error {
		return s.Tx(ctx, func(q store.Tx) error {
			if _, err := q.MerchantLock(ctx, m.ClientID); err != nil {
				return err
			}
			return q.MerchantKeyInsert(ctx, m.ID, payment.MerchantKey{Version: 8, PublicKey: "MIIB8", CreatedAt: now()})
		})
	})
	errUndo := errors.New("undo")
	step("a key added in a transaction rolled back", false, func() error {
		err := s.Tx(ctx, func(q store.Tx) error {
			if err := q.MerchantKeyInsert(ctx, m.ID, payment.MerchantKey{Version: 9, PublicKey: "MIIB9", CreatedAt: now()}); err != nil {
				return err
			}
			return errUndo
		})
		if !errors.Is(err, errUndo) {
			return err
		}
		return nil
	})
	p := newPayment(m, now())
	step("a payment and its notification", false, func() error {
		return s.Tx(ctx, func(q store.Tx) error {
			if err := q.PaymentInsert(ctx, p); err != nil {
				return err
			}
			return q.NotificationInsert(ctx, newNotification(p, now()))
		})
	})
	step("reads", false, func() error {
		_, err := s.MerchantGetByClientID(ctx, m.ClientID)
		return err
	})
}

// changeAfterRead is a store whose reads of a merchant and of simulation rules run change
// once they have read, before they return: a change committed while the cache holds a
// value read just before it and has not kept it yet.
type changeAfterRead struct {
	store.Store
	change func()
}

func (c *changeAfterRead) MerchantGetByClientID(ctx context.Context, clientID string) (*payment.Merchant, error) {
	m, err := c.Store.MerchantGetByClientID(ctx, clientID)
	c.changeOnce()
	return m, err
}

func (c *changeAfterRead) SandboxSimulationList(ctx context.Context, merchantID, api string) ([]*store.SandboxSimulation, error) {
	rules, err := c.Store.SandboxSimulationList(ctx, merchantID, api)
	c.changeOnce()
	return rules, err
}

func (c *changeAfterRead) changeOnce() {
	if f := c.change; f != nil {
		c.change = nil
		f()
	}
}

// testConfigCacheChangeBetweenReads: a change that commits while the cache reads a value
// is seen by the next read: the value is kept under the revision read before it, which
// the change has left behind. A cache that kept it under a revision read after it would
// answer the old value until the next change.
func testConfigCacheChangeBetweenReads(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	st := &changeAfterRead{Store: s}
	cache := store.NewConfigCache(st)

	st.change = func() { ok(t, s.MerchantSetRequestWindow(ctx, m.ClientID, 42*time.Second), "MerchantSetRequestWindow") }
	got, err := cache.Merchant(ctx, m.ClientID)
	ok(t, err, "Merchant")
	same(t, "the merchant read before the change", m, got)
	m.RequestWindow = 42 * time.Second
	got, err = cache.Merchant(ctx, m.ClientID)
	ok(t, err, "Merchant after the change")
	same(t, "the merchant after the change", m, got)

	rule := &store.SandboxSimulation{ID: newID(), MerchantID: m.ID, API: "pay", ResultCode: "DO_NOT_HONOR", Times: 1, CreatedAt: now()}
	st.change = func() { ok(t, s.SandboxSimulationInsert(ctx, rule), "SandboxSimulationInsert") }
	rules, err := cache.Simulations(ctx, m.ID, "pay")
	ok(t, err, "Simulations")
	same(t, "the rules read before the change", []*store.SandboxSimulation(nil), rules)
	rules, err = cache.Simulations(ctx, m.ID, "pay")
	ok(t, err, "Simulations after the change")
	same(t, "the rules after the change", []*store.SandboxSimulation{rule}, rules)
	ok(t, s.SandboxSimulationUse(ctx, rule.ID), "SandboxSimulationUse")
	rules, err = cache.Simulations(ctx, m.ID, "pay")
	ok(t, err, "Simulations after the rule was spent")
	same(t, "the rules after the rule was spent", []*store.SandboxSimulation(nil), rules)
}

// testConfigCacheConcurrent: calls reading a merchant through the cache while its request
// window changes never see a window older than one committed before the call began, and
// once the changes end, every call sees the last.
func testConfigCacheConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	cache := store.NewConfigCache(s)
	const changes = 50
	committed := make(chan time.Duration, changes)
	done := make(chan error, 1)
	go func() {
		defer close(committed)
		for i := 1; i <= changes; i++ {
			w := time.Duration(i) * time.Second
			if err := s.MerchantSetRequestWindow(ctx, m.ClientID, w); err != nil {
				done <- err
				return
			}
			committed <- w
		}
		done <- nil
	}()
	var last time.Duration
	for w := range committed {
		last = w
		for range 3 {
			got, err := cache.Merchant(ctx, m.ClientID)
			ok(t, err, "Merchant")
			if got.RequestWindow < w {
				t.Fatalf("the cache answered the window %v after %v was committed", got.RequestWindow, w)
			}
		}
	}
	ok(t, <-done, "MerchantSetRequestWindow")
	got, err := cache.Merchant(ctx, m.ClientID)
	ok(t, err, "Merchant after the changes")
	if got.RequestWindow != last {
		t.Fatalf("after the changes the cache answers the window %v, want %v", got.RequestWindow, last)
	}
}
