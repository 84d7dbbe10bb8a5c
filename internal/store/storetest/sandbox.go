package storetest

import (
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// testSandboxAuth: the simulated issuer's records round-trip, one per reference (the first
// stands), and a reference without one is ErrNotFound; a transaction's insert is undone
// with it.
func testSandboxAuth(t *testing.T, s store.Store) {
	ctx := t.Context()
	ref := "pay-" + newID() + "-1"
	_, err := s.SandboxAuthGet(ctx, ref)
	wantErr(t, err, store.ErrNotFound, "SandboxAuthGet before any insert")

	a := &store.SandboxAuth{Reference: ref, IssuerRef: "sim_ok_0_visa_YY-_0123456789ab",
		Amount: payment.Amount{Currency: "JPY", Value: 123456789012}, CreatedAt: now().Add(time.Microsecond)}
	ok(t, s.SandboxAuthInsert(ctx, a), "SandboxAuthInsert")
	got, err := s.SandboxAuthGet(ctx, ref)
	ok(t, err, "SandboxAuthGet")
	same(t, "sandbox authorization", a, got)

	second := &store.SandboxAuth{Reference: ref, IssuerRef: "sim_do-not-honor_0_visa_YY-_ba9876543210", CreatedAt: now()}
	wantErr(t, s.SandboxAuthInsert(ctx, second), store.ErrConflict, "SandboxAuthInsert of a taken reference")
	got, err = s.SandboxAuthGet(ctx, ref)
	ok(t, err, "SandboxAuthGet after the conflict")
	same(t, "sandbox authorization after the conflict", a, got)

	// A technical cancel records the reference with no authorization.
	voided := &store.SandboxAuth{Reference: "pay-" + newID() + "-1", CreatedAt: now()}
	ok(t, s.SandboxAuthInsert(ctx, voided), "SandboxAuthInsert of a cancel")
	got, err = s.SandboxAuthGet(ctx, voided.Reference)
	ok(t, err, "SandboxAuthGet of a cancel")
	same(t, "cancelled reference", voided, got)

	rolledBack := &store.SandboxAuth{Reference: "pay-" + newID() + "-1", IssuerRef: a.IssuerRef, CreatedAt: now()}
	err = s.Tx(ctx, func(q store.Tx) error {
		if err := q.SandboxAuthInsert(ctx, rolledBack); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, err, errBoom, "Tx(SandboxAuthInsert) returning an error")
	_, err = s.SandboxAuthGet(ctx, rolledBack.Reference)
	wantErr(t, err, store.ErrNotFound, "SandboxAuthGet of a rolled-back insert")
}

// testSandboxSimulation: a merchant's rules list oldest first, by API or all, never another
// merchant's; a counted rule is used exactly Times times, then spent (unlisted, ErrStale);
// a rule until cleared never runs out, a spent one is gone; clearing takes one rule or all of a merchant's.
func testSandboxSimulation(t *testing.T, s store.Store) {
	ctx := t.Context()
	m, other := newMerchant(now()), newMerchant(now())
	ok(t, s.MerchantInsert(ctx, m), "MerchantInsert")
	ok(t, s.MerchantInsert(ctx, other), "MerchantInsert other")
	base := now()
	once := &store.SandboxSimulation{ID: newID(), MerchantID: m.ID, API: "pay", ResultCode: "DO_NOT_HONOR",
		RequestID: "order-ü-1", Amount: payment.Amount{Currency: "JPY", Value: 123456789012}, Times: 2, CreatedAt: base}
	always := &store.SandboxSimulation{ID: newID(), MerchantID: m.ID, API: "pay", ResultCode: "TIMEOUT", CreatedAt: base.Add(time.Microsecond)}
	refund := &store.SandboxSimulation{ID: newID(), MerchantID: m.ID, API: "refund", ResultCode: "REFUND_IN_PROCESS", Times: 1, CreatedAt: base.Add(2 * time.Microsecond)}
	theirs := &store.SandboxSimulation{ID: newID(), MerchantID: other.ID, API: "pay", ResultCode: "RISK_REJECT", Times: 1, CreatedAt: base}
	for _, r := range []*store.SandboxSimulation{refund, always, once, theirs} {
		ok(t, s.SandboxSimulationInsert(ctx, r), "SandboxSimulationInsert")
	}
	wantErr(t, s.SandboxSimulationInsert(ctx, once), store.ErrConflict, "SandboxSimulationInsert of a taken id")

	list := func(api string) []*store.SandboxSimulation {
		t.Helper()
		got, err := s.SandboxSimulationList(ctx, m.ID, api)
		ok(t, err, "SandboxSimulationList")
		return got
	}
	same(t, "pay rules", []*store.SandboxSimulation{once, always}, list("pay"))
	same(t, "all rules", []*store.SandboxSimulation{once, always, refund}, list(""))

	for range 2 {
		ok(t, s.SandboxSimulationUse(ctx, once.ID), "SandboxSimulationUse")
	}
	wantErr(t, s.SandboxSimulationUse(ctx, once.ID), store.ErrStale, "SandboxSimulationUse of a spent rule")
	for range 3 {
		ok(t, s.SandboxSimulationUse(ctx, always.ID), "SandboxSimulationUse of a rule until cleared")
	}
	always.Used = 3
	same(t, "pay rules after use", []*store.SandboxSimulation{always}, list("pay"))

	n, err := s.SandboxSimulationClear(ctx, m.ID, theirs.ID)
	ok(t, err, "SandboxSimulationClear of another merchant's rule")
	if n != 0 {
		t.Fatalf("SandboxSimulationClear cleared %d of another merchant's rules", n)
	}
	n, err = s.SandboxSimulationClear(ctx, m.ID, refund.ID)
	ok(t, err, "SandboxSimulationClear of one rule")
	if n != 1 {
		t.Fatalf("SandboxSimulationClear of one rule cleared %d", n)
	}
	wantErr(t, s.SandboxSimulationUse(ctx, refund.ID), store.ErrStale, "SandboxSimulationUse of a cleared rule")
	n, err = s.SandboxSimulationClear(ctx, m.ID, "")
	ok(t, err, "SandboxSimulationClear of all")
	if n != 1 { // the spent rule went when it was spent
		t.Fatalf("SandboxSimulationClear of all cleared %d, want 1", n)
	}
	same(t, "rules after clearing", []*store.SandboxSimulation(nil), list(""))
	got, err := s.SandboxSimulationList(ctx, other.ID, "")
	ok(t, err, "SandboxSimulationList of the other merchant")
	same(t, "the other merchant's rules", []*store.SandboxSimulation{theirs}, got)
}
