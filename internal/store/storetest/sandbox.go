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
