package storetest

import (
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// testSandboxRates: a rate set replaces the one before it, rates list by currency, and a
// rate's decimal text comes back as written.
func testSandboxRates(t *testing.T, s store.Store) {
	ctx := t.Context()
	list, err := s.SandboxRateList(ctx)
	ok(t, err, "SandboxRateList of an empty table")
	same(t, "empty table", []*store.SandboxRate(nil), list)
	base := now()
	eur := &store.SandboxRate{Currency: "EUR", PerUSD: "0.92000000", UpdatedAt: base}
	jpy := &store.SandboxRate{Currency: "JPY", PerUSD: "150.125", UpdatedAt: base.Add(time.Second)}
	ok(t, s.SandboxRateSet(ctx, jpy), "SandboxRateSet JPY")
	ok(t, s.SandboxRateSet(ctx, eur), "SandboxRateSet EUR")
	list, err = s.SandboxRateList(ctx)
	ok(t, err, "SandboxRateList")
	same(t, "rates", []*store.SandboxRate{eur, jpy}, list)
	eur2 := &store.SandboxRate{Currency: "EUR", PerUSD: "0.9", UpdatedAt: base.Add(2 * time.Second)}
	ok(t, s.Tx(ctx, func(q store.Tx) error { return q.SandboxRateSet(ctx, eur2) }), "SandboxRateSet again in a Tx")
	list, err = s.SandboxRateList(ctx)
	ok(t, err, "SandboxRateList after the change")
	same(t, "rates after the change", []*store.SandboxRate{eur2, jpy}, list)
}

// testReportPeriod: a period lists the merchant's payments authorized or cancelled within
// it, and its captures and refunds completed within it, From included and To not; never
// another merchant's, never one not completed.
func testReportPeriod(t *testing.T, s store.Store) {
	ctx := t.Context()
	m, other := newMerchant(now()), newMerchant(now())
	ok(t, s.MerchantInsert(ctx, m), "MerchantInsert")
	ok(t, s.MerchantInsert(ctx, other), "MerchantInsert other")
	from := now().Truncate(time.Hour)
	to := from.Add(24 * time.Hour)
	at := func(d time.Duration) time.Time { return from.Add(d) }

	pay := func(m *payment.Merchant, created, paid, cancelled time.Time) *payment.Payment {
		p := newPayment(m, created)
		p.Status, p.Stage, p.PaidAt, p.CancelledAt = payment.Success, payment.StageNone, paid, cancelled
		ok(t, s.PaymentInsert(ctx, p), "PaymentInsert")
		return p
	}
	paidBefore := pay(m, at(-2*time.Hour), at(-time.Hour), time.Time{})
	paidFirst := pay(m, at(-time.Minute), from, time.Time{})
	cancelledIn := pay(m, at(-3*time.Hour), at(-2*time.Hour), at(time.Hour)) // paid before, cancelled within
	paidLast := pay(m, at(23*time.Hour), to.Add(-time.Microsecond), time.Time{})
	pay(m, at(24*time.Hour), to, time.Time{})             // paid at To: the next period's
	pay(m, at(2*time.Hour), time.Time{}, time.Time{})     // never authorized
	pay(other, at(time.Hour), at(time.Hour), time.Time{}) // another merchant's
	per := store.Period{MerchantID: m.ID, From: from, To: to}
	ps, err := s.PaymentListPeriod(ctx, per)
	ok(t, err, "PaymentListPeriod")
	same(t, "payments of the period", []*payment.Payment{cancelledIn, paidFirst, paidLast}, ps)

	capture := func(p *payment.Payment, completed time.Time, status payment.Status) *payment.Capture {
		c := newCapture(p, completed.Add(-time.Second))
		c.Status, c.CompletedAt = status, completed
		ok(t, s.CaptureInsert(ctx, c), "CaptureInsert")
		return c
	}
	c1 := capture(paidFirst, at(time.Minute), payment.Success)
	c2 := capture(paidLast, at(23*time.Hour+30*time.Minute), payment.Fail)
	capture(paidBefore, at(-time.Minute), payment.Success)
	capture(paidBefore, to, payment.Success)
	cs, err := s.CaptureListCompleted(ctx, per)
	ok(t, err, "CaptureListCompleted")
	same(t, "captures of the period", []*payment.Capture{c1, c2}, cs)

	refund := func(p *payment.Payment, completed time.Time) *payment.Refund {
		r := newRefund(p, completed.Add(-time.Second))
		r.Status, r.CompletedAt = payment.Success, completed
		ok(t, s.RefundInsert(ctx, r), "RefundInsert")
		return r
	}
	r1 := refund(paidFirst, from)
	refund(paidFirst, to)
	processing := newRefund(paidFirst, at(time.Hour))
	ok(t, s.RefundInsert(ctx, processing), "RefundInsert processing")
	rs, err := s.RefundListCompleted(ctx, per)
	ok(t, err, "RefundListCompleted")
	same(t, "refunds of the period", []*payment.Refund{r1}, rs)

	for _, empty := range []store.Period{{MerchantID: other.ID, From: to, To: to.Add(time.Hour)}, {MerchantID: "nobody", From: from, To: to}} {
		ps, err := s.PaymentListPeriod(ctx, empty)
		ok(t, err, "PaymentListPeriod of nothing")
		cs, err2 := s.CaptureListCompleted(ctx, empty)
		ok(t, err2, "CaptureListCompleted of nothing")
		if len(ps) != 0 || len(cs) != 0 {
			t.Errorf("period %+v lists %d payments, %d captures", empty, len(ps), len(cs))
		}
	}
}

// testSandboxQuotes: a kept quote reads back whole; keeping the id again changes nothing;
// an id never kept is ErrNotFound.
func testSandboxQuotes(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, err := s.SandboxQuoteGet(ctx, "FXQ-none")
	wantErr(t, err, store.ErrNotFound, "SandboxQuoteGet of an unknown id")
	start := now().Truncate(24 * time.Hour)
	q := &payment.Quote{ID: "FXQ-1", Sell: "USD", Buy: "JPY", Price: "150.125", Start: start, Expiry: start.Add(24 * time.Hour), SellExp: 2, BuyExp: 0}
	ok(t, s.SandboxQuoteKeep(ctx, q), "SandboxQuoteKeep")
	other := *q
	other.Price = "151"
	ok(t, s.Tx(ctx, func(tx store.Tx) error { return tx.SandboxQuoteKeep(ctx, &other) }), "SandboxQuoteKeep of the same id in a Tx")
	got, err := s.SandboxQuoteGet(ctx, q.ID)
	ok(t, err, "SandboxQuoteGet")
	same(t, "kept quote", q, got)
}
