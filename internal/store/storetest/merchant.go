package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

func testMerchantInsertGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := newMerchant(now())
	allSet(t, m)
	ok(t, s.MerchantInsert(ctx, m), "MerchantInsert")
	got, err := s.MerchantGetByClientID(ctx, m.ClientID)
	ok(t, err, "MerchantGetByClientID")
	same(t, "merchant", m, got)
}

func testMerchantDuplicateClientID(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	dup := newMerchant(now())
	dup.ClientID = m.ClientID
	wantErr(t, s.MerchantInsert(ctx, dup), store.ErrConflict, "MerchantInsert with a taken client id")

	got, err := s.MerchantGetByClientID(ctx, m.ClientID)
	ok(t, err, "MerchantGetByClientID")
	same(t, "merchant after the conflict", m, got)
	list, err := s.MerchantList(ctx)
	ok(t, err, "MerchantList")
	same(t, "merchants after the conflict", []*payment.Merchant{m}, list)
}

func testMerchantGetUnknown(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	for _, clientID := range []string{"no-such-client", "", m.ID} {
		got, err := s.MerchantGetByClientID(ctx, clientID)
		wantErr(t, err, store.ErrNotFound, fmt.Sprintf("MerchantGetByClientID(%q)", clientID))
		if got != nil {
			t.Errorf("MerchantGetByClientID(%q) returned %+v with its error", clientID, got)
		}
	}
}

func testMerchantList(t *testing.T, s store.Store) {
	ctx := t.Context()
	list, err := s.MerchantList(ctx)
	ok(t, err, "MerchantList on an empty store")
	if len(list) != 0 {
		t.Fatalf("MerchantList on an empty store: got %d merchants", len(list))
	}

	// Inserted out of creation order: the list is in creation order.
	base := now()
	second, third, first := newMerchant(base.Add(time.Second)), newMerchant(base.Add(2*time.Second)), newMerchant(base)
	for _, m := range []*payment.Merchant{second, third, first} {
		ok(t, s.MerchantInsert(ctx, m), "MerchantInsert")
	}
	list, err = s.MerchantList(ctx)
	ok(t, err, "MerchantList")
	same(t, "merchants", []*payment.Merchant{first, second, third}, list)
}

func testMerchantSetNotifyURL(t *testing.T, s store.Store) {
	ctx := t.Context()
	m, other := addMerchant(t, s), addMerchant(t, s)
	for _, url := range []string{"https://new.example/hook?x=1&y=é", ""} {
		ok(t, s.MerchantSetNotifyURL(ctx, m.ClientID, url), "MerchantSetNotifyURL")
		m.NotifyURL = url
		got, err := s.MerchantGetByClientID(ctx, m.ClientID)
		ok(t, err, "MerchantGetByClientID")
		same(t, fmt.Sprintf("merchant after setting %q", url), m, got)
	}
	got, err := s.MerchantGetByClientID(ctx, other.ClientID)
	ok(t, err, "MerchantGetByClientID")
	same(t, "the other merchant", other, got)

	wantErr(t, s.MerchantSetNotifyURL(ctx, "no-such-client", "https://x.example"), store.ErrNotFound,
		"MerchantSetNotifyURL of an unknown client")
}

func testMerchantGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := newMerchant(now())
	allSet(t, m)
	ok(t, s.MerchantInsert(ctx, m), "MerchantInsert")
	other := addMerchant(t, s)
	for _, want := range []*payment.Merchant{m, other} {
		got, err := s.MerchantGet(ctx, want.ID)
		ok(t, err, "MerchantGet")
		same(t, "merchant by id", want, got)
	}

	// After a change, MerchantGet reads the stored row, not a copy of the insert.
	ok(t, s.MerchantSetNotifyURL(ctx, m.ClientID, "https://changed.example/hook"), "MerchantSetNotifyURL")
	m.NotifyURL = "https://changed.example/hook"
	got, err := s.MerchantGet(ctx, m.ID)
	ok(t, err, "MerchantGet")
	same(t, "merchant by id after MerchantSetNotifyURL", m, got)

	missing := []struct{ name, id string }{
		{"unknown id", newID()},
		{"empty id", ""},
		{"client id as id", m.ClientID},
	}
	for _, tc := range missing {
		got, err := s.MerchantGet(ctx, tc.id)
		wantErr(t, err, store.ErrNotFound, "MerchantGet: "+tc.name)
		if got != nil {
			t.Errorf("MerchantGet: %s: returned %+v with its error", tc.name, got)
		}
	}
}

// testMerchantSetRequestWindow: the window is stored to the millisecond, 0 turns it off, a
// merchant without one reads 0, another merchant is untouched.
func testMerchantSetRequestWindow(t *testing.T, s store.Store) {
	ctx := t.Context()
	m, other := addMerchant(t, s), addMerchant(t, s)
	plain := newMerchant(now())
	plain.RequestWindow = 0
	ok(t, s.MerchantInsert(ctx, plain), "MerchantInsert without a window")
	got, err := s.MerchantGetByClientID(ctx, plain.ClientID)
	ok(t, err, "MerchantGetByClientID")
	same(t, "merchant without a window", plain, got)

	for _, w := range []time.Duration{90 * time.Second, 24*time.Hour + time.Millisecond, 0} {
		ok(t, s.MerchantSetRequestWindow(ctx, m.ClientID, w), "MerchantSetRequestWindow")
		m.RequestWindow = w
		got, err := s.MerchantGet(ctx, m.ID)
		ok(t, err, "MerchantGet")
		same(t, fmt.Sprintf("merchant after setting %s", w), m, got)
	}
	got, err = s.MerchantGetByClientID(ctx, other.ClientID)
	ok(t, err, "MerchantGetByClientID")
	same(t, "the other merchant", other, got)

	wantErr(t, s.MerchantSetRequestWindow(ctx, "no-such-client", time.Minute), store.ErrNotFound,
		"MerchantSetRequestWindow of an unknown client")
}
