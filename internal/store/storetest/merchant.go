package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

func testMerchantInsertGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := newMerchant(now())
	logo := newLogo("image/png")
	m.LogoDigest = logo.Digest // set apart from the insert: MerchantSetLogo
	allSet(t, m)
	ok(t, s.MerchantInsert(ctx, m), "MerchantInsert")
	ok(t, s.MerchantSetLogo(ctx, m.ClientID, logo), "MerchantSetLogo")
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

// A merchant is written with its keys or not at all: a key that cannot be written leaves
// no merchant without keys behind.
func testMerchantInsertAllOrNothing(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := newMerchant(now())
	m.Keys[1].Version = m.Keys[0].Version
	wantErr(t, s.MerchantInsert(ctx, m), store.ErrConflict, "MerchantInsert with two keys of one version")
	_, err := s.MerchantGetByClientID(ctx, m.ClientID)
	wantErr(t, err, store.ErrNotFound, "MerchantGetByClientID after the failed insert")
	list, err := s.MerchantList(ctx)
	ok(t, err, "MerchantList")
	same(t, "merchants after the failed insert", []*payment.Merchant(nil), list)
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
	logo := newLogo("image/png")
	m.LogoDigest = logo.Digest // set apart from the insert: MerchantSetLogo
	allSet(t, m)
	ok(t, s.MerchantInsert(ctx, m), "MerchantInsert")
	ok(t, s.MerchantSetLogo(ctx, m.ClientID, logo), "MerchantSetLogo")
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

// testMerchantKeys: keys are added under new versions only, read back in version order
// with the merchant, and retired only while active; another merchant's keys are untouched.
func testMerchantKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	m, other := addMerchant(t, s), addMerchant(t, s)
	base := now()

	k3 := payment.MerchantKey{Version: 3, PublicKey: "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA3", CreatedAt: base.Add(time.Second)}
	ok(t, s.MerchantKeyInsert(ctx, m.ID, k3), "MerchantKeyInsert")
	m.Keys = append(m.Keys, k3)
	dup := k3
	dup.PublicKey = "another key"
	wantErr(t, s.MerchantKeyInsert(ctx, m.ID, dup), store.ErrConflict, "MerchantKeyInsert of a taken version")
	got, err := s.MerchantGetByClientID(ctx, m.ClientID)
	ok(t, err, "MerchantGetByClientID")
	same(t, "merchant with a third key", m, got)

	// Retired now, a key reads as retired; retired again, it is stale. A key with a
	// retirement ahead is still active, so its retirement may move.
	ok(t, s.MerchantKeyRetire(ctx, store.KeyRetire{MerchantID: m.ID, Version: 2, At: base, Now: base}), "MerchantKeyRetire")
	m.Keys[1].RetiredAt = base
	wantErr(t, s.MerchantKeyRetire(ctx, store.KeyRetire{MerchantID: m.ID, Version: 2, At: base.Add(time.Second), Now: base.Add(time.Second)}), store.ErrStale,
		"MerchantKeyRetire of a retired key")
	later := m.Keys[0].RetiredAt.Add(time.Hour)
	ok(t, s.MerchantKeyRetire(ctx, store.KeyRetire{MerchantID: m.ID, Version: 1, At: later, Now: base}), "MerchantKeyRetire of a key retiring ahead")
	m.Keys[0].RetiredAt = later
	wantErr(t, s.MerchantKeyRetire(ctx, store.KeyRetire{MerchantID: m.ID, Version: 9, At: base, Now: base}), store.ErrStale, "MerchantKeyRetire of no key")
	wantErr(t, s.MerchantKeyRetire(ctx, store.KeyRetire{MerchantID: other.ID, Version: 3, At: base, Now: base}), store.ErrStale,
		"MerchantKeyRetire of a version only another merchant has")

	got, err = s.MerchantGet(ctx, m.ID)
	ok(t, err, "MerchantGet")
	same(t, "merchant after retirements", m, got)
	list, err := s.MerchantList(ctx)
	ok(t, err, "MerchantList")
	same(t, "merchants with their keys", []*payment.Merchant{m, other}, list)

	var locked *payment.Merchant
	ok(t, s.Tx(ctx, func(tx store.Tx) error {
		var err error
		locked, err = tx.MerchantLock(ctx, m.ClientID)
		return err
	}), "MerchantLock")
	same(t, "locked merchant", m, locked)
	err = s.Tx(ctx, func(tx store.Tx) error {
		_, err := tx.MerchantLock(ctx, "no-such-client")
		return err
	})
	wantErr(t, err, store.ErrNotFound, "MerchantLock of an unknown client")
}

// testMerchantLockAddsInTurn: changes of a merchant's keys that each lock it, read the
// next version and add it never collide, however many run at once.
func testMerchantLockAddsInTurn(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Tx(ctx, func(tx store.Tx) error {
				locked, err := tx.MerchantLock(ctx, m.ClientID)
				if err != nil {
					return err
				}
				return tx.MerchantKeyInsert(ctx, m.ID, payment.MerchantKey{Version: locked.Keys.NextVersion(), PublicKey: "k", CreatedAt: now()})
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		ok(t, err, fmt.Sprintf("key change %d", i))
	}
	got, err := s.MerchantGet(ctx, m.ID)
	ok(t, err, "MerchantGet")
	if len(got.Keys) != len(m.Keys)+n || got.Keys.NextVersion() != len(m.Keys)+n+1 {
		t.Fatalf("after %d locked additions: %d keys, next version %d", n, len(got.Keys), got.Keys.NextVersion())
	}
}

func newLogo(contentType string) *payment.Logo {
	id := newID()
	return &payment.Logo{ContentType: contentType, Data: []byte("\x89PNG\r\n\x1a\n\x00\xff\xfe" + id), Digest: "sha256-" + id}
}

// testMerchantLogo: a merchant's logo is set, replaced and removed by client id, read back
// byte for byte by its digest, and named by the merchant's reads; other merchants keep
// theirs; two merchants may have the same image.
func testMerchantLogo(t *testing.T, s store.Store) {
	ctx := t.Context()
	m, other := addMerchant(t, s), addMerchant(t, s)
	check := func(what string) {
		t.Helper()
		got, err := s.MerchantGetByClientID(ctx, m.ClientID)
		ok(t, err, "MerchantGetByClientID")
		same(t, what+": merchant by client id", m, got)
		got, err = s.MerchantGet(ctx, m.ID)
		ok(t, err, "MerchantGet")
		same(t, what+": merchant by id", m, got)
		list, err := s.MerchantList(ctx)
		ok(t, err, "MerchantList")
		same(t, what+": merchants", []*payment.Merchant{m, other}, list)
	}
	if other.CreatedAt.Equal(m.CreatedAt) && other.ClientID < m.ClientID {
		m, other = other, m
	}

	png := newLogo("image/png")
	ok(t, s.MerchantSetLogo(ctx, m.ClientID, png), "MerchantSetLogo")
	m.LogoDigest = png.Digest
	check("with a logo")
	got, err := s.MerchantLogo(ctx, png.Digest)
	ok(t, err, "MerchantLogo")
	same(t, "logo", png, got)

	// A new logo replaces the old, whose digest is no longer served.
	webp := newLogo("image/webp")
	ok(t, s.MerchantSetLogo(ctx, m.ClientID, webp), "MerchantSetLogo again")
	m.LogoDigest = webp.Digest
	check("with a new logo")
	got, err = s.MerchantLogo(ctx, webp.Digest)
	ok(t, err, "MerchantLogo of the new logo")
	same(t, "new logo", webp, got)
	_, err = s.MerchantLogo(ctx, png.Digest)
	wantErr(t, err, store.ErrNotFound, "MerchantLogo of the replaced logo")

	// Two merchants with the same image: removing one's leaves the other's.
	ok(t, s.MerchantSetLogo(ctx, other.ClientID, webp), "MerchantSetLogo of the same image")
	other.LogoDigest = webp.Digest
	ok(t, s.MerchantSetLogo(ctx, m.ClientID, nil), "MerchantSetLogo(nil)")
	m.LogoDigest = ""
	check("without a logo")
	got, err = s.MerchantLogo(ctx, webp.Digest)
	ok(t, err, "MerchantLogo of the other's")
	same(t, "the other's logo", webp, got)
	ok(t, s.MerchantSetLogo(ctx, m.ClientID, nil), "MerchantSetLogo(nil) without a logo")
	check("still without a logo")

	for _, logo := range []*payment.Logo{png, nil} {
		wantErr(t, s.MerchantSetLogo(ctx, "no-such-client", logo), store.ErrNotFound, "MerchantSetLogo of an unknown client")
	}
	for _, digest := range []string{"sha256-unknown", ""} {
		got, err := s.MerchantLogo(ctx, digest)
		wantErr(t, err, store.ErrNotFound, fmt.Sprintf("MerchantLogo(%q)", digest))
		if got != nil {
			t.Errorf("MerchantLogo(%q) returned %+v with its error", digest, got)
		}
	}
}
