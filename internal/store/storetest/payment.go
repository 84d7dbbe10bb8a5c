package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

func testPaymentRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	c := newCard(m, now())
	ok(t, s.CardInsert(ctx, c), "CardInsert")
	p := fullPayment(m, c, now())
	allSet(t, p)
	ok(t, s.PaymentInsert(ctx, p), "PaymentInsert")

	reads := []struct {
		name string
		get  func() (*payment.Payment, error)
	}{
		{"PaymentGet", func() (*payment.Payment, error) { return s.PaymentGet(ctx, p.ID) }},
		{"PaymentGetByRequestID", func() (*payment.Payment, error) { return s.PaymentGetByRequestID(ctx, m.ID, p.RequestID) }},
		{"PaymentLock", func() (got *payment.Payment, err error) {
			txErr := s.Tx(ctx, func(q store.Tx) error {
				got, err = q.PaymentLock(ctx, p.ID)
				return nil
			})
			return got, errors.Join(err, txErr)
		}},
	}
	for _, r := range reads {
		got, err := r.get()
		ok(t, err, r.name)
		same(t, r.name, p, got)
	}
}

func testPaymentZeroTimes(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := newPayment(m, now())
	ok(t, s.PaymentInsert(ctx, p), "PaymentInsert")
	got, err := s.PaymentGet(ctx, p.ID)
	ok(t, err, "PaymentGet")
	same(t, "payment with zero times and no card", p, got)
	for name, tm := range map[string]time.Time{"PaidAt": got.PaidAt, "CancelledAt": got.CancelledAt, "NextActionAt": got.NextActionAt} {
		if !tm.IsZero() {
			t.Errorf("%s: got %v, want the zero time", name, tm)
		}
	}
	if got.Card.ThreeDS != nil {
		t.Errorf("Card.ThreeDS: got %+v, want nil", got.Card.ThreeDS)
	}

	// Times set and then cleared again read back as zero.
	got.PaidAt, got.CancelledAt, got.NextActionAt = now(), now(), now()
	ok(t, s.PaymentUpdate(ctx, got), "PaymentUpdate setting times")
	got.PaidAt, got.CancelledAt, got.NextActionAt = time.Time{}, time.Time{}, time.Time{}
	ok(t, s.PaymentUpdate(ctx, got), "PaymentUpdate clearing times")
	again, err := s.PaymentGet(ctx, p.ID)
	ok(t, err, "PaymentGet")
	same(t, "payment with times cleared", got, again)
}

func testPaymentDuplicateRequestID(t *testing.T, s store.Store) {
	ctx := t.Context()
	m1, m2 := addMerchant(t, s), addMerchant(t, s)
	p := addPayment(t, s, m1)

	dup := newPayment(m1, now())
	dup.RequestID = p.RequestID
	wantErr(t, s.PaymentInsert(ctx, dup), store.ErrConflict, "PaymentInsert of a taken request id")
	_, err := s.PaymentGet(ctx, dup.ID)
	wantErr(t, err, store.ErrNotFound, "PaymentGet of the conflicting payment")

	other := newPayment(m2, now())
	other.RequestID = p.RequestID
	ok(t, s.PaymentInsert(ctx, other), "PaymentInsert of the same request id for another merchant")

	for _, want := range []*payment.Payment{p, other} {
		got, err := s.PaymentGetByRequestID(ctx, want.MerchantID, want.RequestID)
		ok(t, err, "PaymentGetByRequestID")
		same(t, "payment by request id", want, got)
	}
}

func testPaymentScopedByMerchant(t *testing.T, s store.Store) {
	ctx := t.Context()
	m1, m2 := addMerchant(t, s), addMerchant(t, s)
	p := addPayment(t, s, m1)
	addPayment(t, s, m2) // m2 has payments, just not this one

	missing := []struct {
		name string
		get  func() (*payment.Payment, error)
	}{
		{"PaymentGet of an unknown id", func() (*payment.Payment, error) { return s.PaymentGet(ctx, newID()) }},
		{"PaymentGet with the request id as id", func() (*payment.Payment, error) { return s.PaymentGet(ctx, p.RequestID) }},
		{"PaymentGetByRequestID by another merchant", func() (*payment.Payment, error) {
			return s.PaymentGetByRequestID(ctx, m2.ID, p.RequestID)
		}},
		{"PaymentGetByRequestID of an unknown request id", func() (*payment.Payment, error) {
			return s.PaymentGetByRequestID(ctx, m1.ID, "req-unknown")
		}},
		{"PaymentLock of an unknown id", func() (got *payment.Payment, err error) {
			txErr := s.Tx(ctx, func(q store.Tx) error {
				got, err = q.PaymentLock(ctx, newID())
				return nil
			})
			return got, errors.Join(err, txErr)
		}},
	}
	for _, tc := range missing {
		got, err := tc.get()
		wantErr(t, err, store.ErrNotFound, tc.name)
		if got != nil {
			t.Errorf("%s: returned %+v with its error", tc.name, got)
		}
	}
}

func testPaymentUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	c := newCard(m, now())
	ok(t, s.CardInsert(ctx, c), "CardInsert")
	p := addPayment(t, s, m)

	// Every field an update may change, changed.
	full := fullPayment(m, c, now().Add(time.Minute))
	p.Status, p.Stage, p.ResultCode, p.ResultMessage = full.Status, full.Stage, full.ResultCode, full.ResultMessage
	p.CaptureState, p.CapturedValue, p.RefundedValue = full.CaptureState, full.CapturedValue, full.RefundedValue
	p.CancelReason, p.CardID, p.Card, p.IssuerRef, p.Order = full.CancelReason, full.CardID, full.Card, full.IssuerRef, full.Order
	p.UpdatedAt, p.PaidAt, p.CancelledAt = full.UpdatedAt, full.PaidAt, full.CancelledAt
	p.ExpiresAt, p.NextActionAt, p.CardAttempts, p.AuthAttempt = full.ExpiresAt, full.NextActionAt, full.CardAttempts, full.AuthAttempt

	ok(t, s.PaymentUpdate(ctx, p), "PaymentUpdate")
	if p.Version != 2 {
		t.Errorf("Version after the first update: got %d, want 2", p.Version)
	}
	got, err := s.PaymentGet(ctx, p.ID)
	ok(t, err, "PaymentGet")
	same(t, "payment after the update", p, got)

	p.Status, p.Stage, p.RefundedValue = payment.Cancelled, payment.StageNone, 0
	ok(t, s.PaymentUpdate(ctx, p), "second PaymentUpdate")
	if p.Version != 3 {
		t.Errorf("Version after the second update: got %d, want 3", p.Version)
	}
	got, err = s.PaymentGet(ctx, p.ID)
	ok(t, err, "PaymentGet")
	same(t, "payment after the second update", p, got)
}

func testPaymentUpdateStale(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := addPayment(t, s, m)

	// Two readers of version 1; the first to write wins.
	first, err := s.PaymentGet(ctx, p.ID)
	ok(t, err, "PaymentGet")
	second, err := s.PaymentGet(ctx, p.ID)
	ok(t, err, "PaymentGet")
	first.Status, first.RefundedValue = payment.Success, 100
	ok(t, s.PaymentUpdate(ctx, first), "PaymentUpdate")
	stored, err := s.PaymentGet(ctx, p.ID)
	ok(t, err, "PaymentGet")

	tests := []struct {
		name    string
		version int64
	}{
		{"version read before another update", 1},
		{"version from the future", 3},
		{"version zero", 0},
	}
	for _, tc := range tests {
		late := *second
		late.Version = tc.version
		late.Status, late.ResultCode, late.RefundedValue, late.NextActionAt, late.CardAttempts = payment.Fail, "LATE", 999, now(), 7
		wantErr(t, s.PaymentUpdate(ctx, &late), store.ErrStale, "PaymentUpdate with a "+tc.name)
		if late.Version != tc.version {
			t.Errorf("%s: failed PaymentUpdate moved Version from %d to %d", tc.name, tc.version, late.Version)
		}
		got, err := s.PaymentGet(ctx, p.ID)
		ok(t, err, "PaymentGet")
		same(t, "payment after a stale update ("+tc.name+")", stored, got)
	}

	unknown := newPayment(m, now())
	wantErr(t, s.PaymentUpdate(ctx, unknown), store.ErrStale, "PaymentUpdate of an unknown payment")
	_, err = s.PaymentGet(ctx, unknown.ID)
	wantErr(t, err, store.ErrNotFound, "PaymentGet after updating an unknown payment")
}

func testPaymentListDue(t *testing.T, s store.Store) {
	ctx := t.Context()
	m1, m2 := addMerchant(t, s), addMerchant(t, s)
	base := now()
	due := func(m *payment.Merchant, at time.Time) *payment.Payment {
		p := newPayment(m, base.Add(-time.Hour))
		p.NextActionAt = at
		ok(t, s.PaymentInsert(ctx, p), "PaymentInsert")
		return p
	}
	// Inserted out of order, across two merchants.
	b := due(m1, base.Add(-1*time.Minute))
	a := due(m1, base.Add(-3*time.Minute))
	d := due(m1, base) // at now: due
	g := due(m2, base.Add(-90*time.Second))
	c := due(m2, base.Add(-2*time.Minute))
	due(m1, base.Add(time.Microsecond)) // just after now
	due(m2, base.Add(time.Minute))
	due(m1, time.Time{}) // nothing scheduled
	due(m2, time.Time{})

	tests := []struct {
		name  string
		now   time.Time
		limit int
		want  []*payment.Payment
	}{
		{"all due", base, 100, []*payment.Payment{a, c, g, b, d}},
		{"limit", base, 2, []*payment.Payment{a, c}},
		{"limit one", base, 1, []*payment.Payment{a}},
		{"boundary is inclusive", base.Add(-2 * time.Minute), 100, []*payment.Payment{a, c}},
		{"a microsecond before", base.Add(-2*time.Minute - time.Microsecond), 100, []*payment.Payment{a}},
		{"none due", base.Add(-time.Hour), 100, nil},
	}
	for _, tc := range tests {
		got, err := s.PaymentListDue(ctx, store.Due{Until: tc.now, Limit: tc.limit})
		ok(t, err, "PaymentListDue: "+tc.name)
		same(t, "PaymentListDue: "+tc.name, tc.want, got)
	}

	// Unscheduling a payment takes it off the list.
	d.NextActionAt = time.Time{}
	ok(t, s.PaymentUpdate(ctx, d), "PaymentUpdate")
	got, err := s.PaymentListDue(ctx, store.Due{Until: base, Limit: 100})
	ok(t, err, "PaymentListDue")
	same(t, "PaymentListDue after unscheduling", []*payment.Payment{a, c, g, b}, got)
}

func testPaymentListByCard(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	c, other := newCard(m, now()), newCard(m, now())
	ok(t, s.CardInsert(ctx, c), "CardInsert")
	ok(t, s.CardInsert(ctx, other), "CardInsert")
	base := now()
	with := func(cardID string, created time.Time) *payment.Payment {
		p := newPayment(m, created)
		p.CardID = cardID
		ok(t, s.PaymentInsert(ctx, p), "PaymentInsert")
		return p
	}
	// Inserted out of order, among payments of another card and of none.
	b := with(c.ID, base)
	with(other.ID, base.Add(-time.Minute))
	a := with(c.ID, base.Add(-time.Hour))
	with("", base.Add(-2*time.Hour))

	got, err := s.PaymentListByCard(ctx, c.ID)
	ok(t, err, "PaymentListByCard")
	same(t, "PaymentListByCard", []*payment.Payment{a, b}, got)

	// A payment that takes the card later (the buyer typed it on the hosted page) joins.
	d := with("", base.Add(time.Minute))
	d.CardID = c.ID
	ok(t, s.PaymentUpdate(ctx, d), "PaymentUpdate")
	got, err = s.PaymentListByCard(ctx, c.ID)
	ok(t, err, "PaymentListByCard")
	same(t, "PaymentListByCard after the update", []*payment.Payment{a, b, d}, got)

	got, err = s.PaymentListByCard(ctx, newID())
	ok(t, err, "PaymentListByCard of a card without payments")
	same(t, "PaymentListByCard of a card without payments", nil, got)
}
