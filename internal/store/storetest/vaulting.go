package storetest

import (
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// newVaulting has every field set, as a vaulting that ended.
func newVaulting(m *payment.Merchant, created time.Time) *payment.Vaulting {
	id := newID()
	return &payment.Vaulting{
		ID: id, MerchantID: m.ID, RequestID: "vault-" + id, KeyHash: "kh-" + id, Status: payment.Fail,
		Stage: payment.StageAwaitingChallenge, NotifyURL: "https://shop.example/vaulted?é=1", RedirectURL: "https://shop.example/back",
		Region: "US", Session: true, Force3DS: true, CardID: newID(),
		Card: payment.CardResult{Masked: "************0002", Brand: "VISA", BIN: "400000", Last4: "0002", ExpiryMonth: "12",
			ExpiryYear: "30", HolderName: "Zoë Ångström", Funding: "CREDIT", IssuingCountry: "US", Token: "tok-" + id,
			AVS: "Y", CVV: "D", NetworkTransactionID: "ntid-1", AuthCode: "A1", AcquirerName: "CASHIER_SANDBOX", AcquirerMerchantID: "100000000000001",
			ThreeDS: &payment.ThreeDS{Version: "2.2.0", ECI: "05", CAVV: "AAAB", DSTransactionID: "ds-1", Challenged: true}},
		ResultCode: payment.CodeVerificationFail, ResultMessage: "Refusé — DO_NOT_HONOR",
		CreatedAt: created, UpdatedAt: created.Add(time.Second + 3*time.Microsecond), ExpiresAt: created.Add(payment.VaultingExpiry),
		Version: 1,
	}
}

func testVaultingRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	m1, m2 := addMerchant(t, s), addMerchant(t, s)
	v := newVaulting(m1, now())
	ok(t, s.VaultingInsert(ctx, v), "VaultingInsert")
	minimal := &payment.Vaulting{ID: newID(), MerchantID: m1.ID, RequestID: "vault-min", KeyHash: "kh", Status: payment.Processing,
		CreatedAt: now(), UpdatedAt: now(), ExpiresAt: now(), Version: 1}
	ok(t, s.VaultingInsert(ctx, minimal), "VaultingInsert of a minimal vaulting")
	for _, want := range []*payment.Vaulting{v, minimal} {
		got, err := s.VaultingGet(ctx, want.ID)
		ok(t, err, "VaultingGet")
		same(t, "vaulting by id", want, got)
		got, err = s.VaultingGetByRequestID(ctx, m1.ID, want.RequestID)
		ok(t, err, "VaultingGetByRequestID")
		same(t, "vaulting by request id", want, got)
	}
	allSet(t, v)

	_, err := s.VaultingGetByRequestID(ctx, m2.ID, v.RequestID)
	wantErr(t, err, store.ErrNotFound, "VaultingGetByRequestID by another merchant")
	_, err = s.VaultingGet(ctx, v.RequestID)
	wantErr(t, err, store.ErrNotFound, "VaultingGet with the request id as id")

	dup := newVaulting(m1, now())
	dup.RequestID = v.RequestID
	wantErr(t, s.VaultingInsert(ctx, dup), store.ErrConflict, "VaultingInsert of a taken request id")
	other := newVaulting(m2, now())
	other.RequestID = v.RequestID
	ok(t, s.VaultingInsert(ctx, other), "VaultingInsert of the same request id by another merchant")
}

func testVaultingUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	v := &payment.Vaulting{ID: newID(), MerchantID: m.ID, RequestID: "vault-upd", KeyHash: "kh", Status: payment.Processing,
		Stage: payment.StageAwaitingCard, Session: true, CreatedAt: now(), UpdatedAt: now(), ExpiresAt: now().Add(time.Minute), Version: 1}
	ok(t, s.VaultingInsert(ctx, v), "VaultingInsert")
	stale := *v

	v.Status, v.Stage, v.CardID, v.ResultCode, v.ResultMessage = payment.Success, payment.StageNone, newID(), "", ""
	v.Card = payment.CardResult{Masked: "************4242", Brand: "VISA", Token: "tok-1"}
	v.UpdatedAt, v.ExpiresAt = now().Add(time.Second), now().Add(2*time.Minute)
	ok(t, s.VaultingUpdate(ctx, v), "VaultingUpdate")
	if v.Version != 2 {
		t.Errorf("Version after the update = %d, want 2", v.Version)
	}
	got, err := s.VaultingGet(ctx, v.ID)
	ok(t, err, "VaultingGet")
	same(t, "updated vaulting", v, got)

	stale.Status = payment.Fail
	wantErr(t, s.VaultingUpdate(ctx, &stale), store.ErrStale, "VaultingUpdate of a version read before the update")
	got, err = s.VaultingGet(ctx, v.ID)
	ok(t, err, "VaultingGet")
	same(t, "vaulting after the stale update", v, got)
	if stale.Version != 1 {
		t.Errorf("a stale update moved Version to %d", stale.Version)
	}
	wantErr(t, s.VaultingUpdate(ctx, &payment.Vaulting{ID: newID(), Version: 1}), store.ErrStale, "VaultingUpdate of an unknown id")
}

// testVaultingListExpired: only the processing vaultings whose expiry has come are listed,
// the earliest first, at most Limit of them.
func testVaultingListExpired(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	base := now()
	add := func(reqID string, status payment.Status, expires time.Time) *payment.Vaulting {
		v := &payment.Vaulting{ID: newID(), MerchantID: m.ID, RequestID: reqID, KeyHash: "kh", Status: status,
			Stage: payment.StageAwaitingCard, Session: true, CreatedAt: base, UpdatedAt: base, ExpiresAt: expires, Version: 1}
		ok(t, s.VaultingInsert(ctx, v), "VaultingInsert")
		return v
	}
	late := add("vault-late", payment.Processing, base.Add(-time.Minute))
	early := add("vault-early", payment.Processing, base.Add(-2*time.Minute))
	add("vault-open", payment.Processing, base.Add(time.Minute))
	add("vault-done", payment.Success, base.Add(-3*time.Minute))
	add("vault-failed", payment.Fail, base.Add(-3*time.Minute))

	got, err := s.VaultingListExpired(ctx, store.Due{Until: base, Limit: 10})
	ok(t, err, "VaultingListExpired")
	same(t, "expired vaultings", []*payment.Vaulting{early, late}, got)
	got, err = s.VaultingListExpired(ctx, store.Due{Until: base, Limit: 1})
	ok(t, err, "VaultingListExpired with a limit")
	same(t, "the earliest expired vaulting", []*payment.Vaulting{early}, got)
}

func testCardTokenize(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	c := newCard(m, now())
	c.Token, c.Funding, c.IssuingCountry = "", "", ""
	ok(t, s.CardInsert(ctx, c), "CardInsert")
	c.Token, c.Funding, c.IssuingCountry = "tok-"+newID(), "DEBIT", "GB"
	ok(t, s.CardTokenize(ctx, c), "CardTokenize")
	got, err := s.CardGetByToken(ctx, m.ID, c.Token)
	ok(t, err, "CardGetByToken")
	same(t, "tokenized card", c, got)

	again := *c
	again.Token = "tok-" + newID()
	wantErr(t, s.CardTokenize(ctx, &again), store.ErrStale, "CardTokenize of a card with a token")
	got, err = s.CardGet(ctx, c.ID)
	ok(t, err, "CardGet")
	same(t, "card after the second CardTokenize", c, got)
}
