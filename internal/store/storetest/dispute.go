package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

func newDispute(p *payment.Payment, raised time.Time) *payment.Dispute {
	d := &payment.Dispute{
		ID: newID(), PaymentID: p.ID, MerchantID: p.MerchantID, PaymentRequestID: p.RequestID, Amount: p.Amount,
		ReasonCode: "10.4", ReasonMsg: "Other fraud — card absent", Source: "VISA", IssuerRef: "simdsp_win_" + newID()[:8], ARN: "24488996034012345678901",
		Status: payment.DisputeScheduled, RaisedAt: raised,
	}
	d.Schedule()
	return d
}

// raise opens d as if its payment were captured in full.
func raise(d *payment.Dispute, at time.Time) {
	d.Raise(&payment.Payment{CapturedValue: d.Amount.Value}, at)
}

func testDisputeInsertGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	base := now()
	full := newDispute(addPayment(t, s, m), base)
	raise(full, base)
	full.Alerted = true
	full.Respond("JVBERi0xLjQ=", "PDF", base.Add(time.Hour))
	full.Close(payment.VerdictBuyerWins, base.Add(3*24*time.Hour+7*time.Microsecond))
	full.AcceptReason, full.NextActionAt, full.Version = payment.AcceptedByMerchant, base.Add(time.Minute), 1
	allSet(t, full)
	ok(t, s.DisputeInsert(ctx, full), "DisputeInsert")
	if full.Version != 1 {
		t.Errorf("DisputeInsert: version %d, want 1", full.Version)
	}
	scheduled := newDispute(addPayment(t, s, m), base.Add(24*time.Hour))
	ok(t, s.DisputeInsert(ctx, scheduled), "DisputeInsert scheduled")
	for _, want := range []*payment.Dispute{full, scheduled} {
		got, err := s.DisputeGet(ctx, want.ID)
		ok(t, err, "DisputeGet")
		same(t, "dispute by id", want, got)
	}
	_, err := s.DisputeGet(ctx, newID())
	wantErr(t, err, store.ErrNotFound, "DisputeGet of an unknown id")
	got, err := s.DisputeGetByPayment(ctx, scheduled.PaymentID)
	ok(t, err, "DisputeGetByPayment")
	same(t, "dispute by payment", scheduled, got)
	_, err = s.DisputeGetByPayment(ctx, addPayment(t, s, m).ID)
	wantErr(t, err, store.ErrNotFound, "DisputeGetByPayment of an undisputed payment")

	// One dispute per payment.
	again := newDispute(&payment.Payment{ID: full.PaymentID, MerchantID: m.ID, RequestID: "x", Amount: full.Amount}, base)
	wantErr(t, s.DisputeInsert(ctx, again), store.ErrConflict, "DisputeInsert of a second dispute of a payment")
}

func testDisputeUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	base := now()
	d := newDispute(addPayment(t, s, m), base)
	ok(t, s.DisputeInsert(ctx, d), "DisputeInsert")
	stale := *d
	// Raised for what a partial refund left: the amount is written too.
	d.Raise(&payment.Payment{CapturedValue: d.Amount.Value, RefundedValue: 1}, base.Add(time.Second))
	ok(t, s.DisputeUpdate(ctx, d), "DisputeUpdate")
	if d.Version != 2 {
		t.Errorf("DisputeUpdate: version %d, want 2", d.Version)
	}
	got, err := s.DisputeGet(ctx, d.ID)
	ok(t, err, "DisputeGet")
	same(t, "raised dispute", d, got)

	raise(&stale, base.Add(2*time.Second))
	wantErr(t, s.DisputeUpdate(ctx, &stale), store.ErrStale, "DisputeUpdate on a version read before another update")
	got, err = s.DisputeGet(ctx, d.ID)
	ok(t, err, "DisputeGet")
	same(t, "dispute after a stale update", d, got)
}

// Two responses to one dispute read at once: exactly one is written.
func testDisputeUpdateConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	base := now()
	d := newDispute(addPayment(t, s, addMerchant(t, s)), base)
	raise(d, base)
	ok(t, s.DisputeInsert(ctx, d), "DisputeInsert")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := *d
			evidence := ""
			if i == 1 {
				evidence = "JVBERi0x"
			}
			mine.Respond(evidence, "PDF", base.Add(time.Minute))
			errs[i] = s.Tx(ctx, func(q store.Tx) error { return q.DisputeUpdate(ctx, &mine) })
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			wantErr(t, err, store.ErrStale, "the losing DisputeUpdate")
		}
	}
	if won != 1 {
		t.Fatalf("%d concurrent updates of one version succeeded, want 1", won)
	}
}

func testDisputeListDue(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	base := now().Add(-time.Hour)
	late := newDispute(addPayment(t, s, m), base.Add(2*time.Minute))
	early := newDispute(addPayment(t, s, m), base.Add(time.Minute))
	future := newDispute(addPayment(t, s, m), base.Add(48*time.Hour))
	final := newDispute(addPayment(t, s, m), base)
	raise(final, base)
	final.Close(payment.VerdictWithdrawn, base)
	for _, d := range []*payment.Dispute{late, early, future, final} {
		ok(t, s.DisputeInsert(ctx, d), "DisputeInsert")
	}
	got, err := s.DisputeListDue(ctx, store.Due{Until: base.Add(time.Hour), Limit: 10})
	ok(t, err, "DisputeListDue")
	same(t, "due disputes, oldest first", []*payment.Dispute{early, late}, got)
	got, err = s.DisputeListDue(ctx, store.Due{Until: base.Add(time.Hour), Limit: 1})
	ok(t, err, "DisputeListDue")
	same(t, "due disputes, limited", []*payment.Dispute{early}, got)
}

func testDisputeList(t *testing.T, s store.Store) {
	ctx := t.Context()
	m, other := addMerchant(t, s), addMerchant(t, s)
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	raisedIn := newDispute(addPayment(t, s, m), day.Add(time.Hour))
	raise(raisedIn, raisedIn.RaisedAt)
	lostIn := newDispute(addPayment(t, s, m), day.Add(-5*24*time.Hour))
	raise(lostIn, lostIn.RaisedAt)
	lostIn.Close(payment.VerdictBuyerWins, day.Add(2*time.Hour))
	before := newDispute(addPayment(t, s, m), day.Add(-time.Hour))
	raise(before, before.RaisedAt)
	after := newDispute(addPayment(t, s, m), day.Add(24*time.Hour))
	raise(after, after.RaisedAt)
	scheduled := newDispute(addPayment(t, s, m), day.Add(3*time.Hour))
	dropped := newDispute(addPayment(t, s, m), day.Add(4*time.Hour))
	dropped.Raise(&payment.Payment{CapturedValue: dropped.Amount.Value, RefundedValue: dropped.Amount.Value}, dropped.RaisedAt)
	others := newDispute(addPayment(t, s, other), day.Add(time.Hour))
	raise(others, others.RaisedAt)
	for _, d := range []*payment.Dispute{raisedIn, lostIn, before, after, scheduled, dropped, others} {
		ok(t, s.DisputeInsert(ctx, d), "DisputeInsert")
	}
	got, err := s.DisputeList(ctx, store.DisputeFilter{MerchantID: m.ID, From: day, Until: day.Add(24 * time.Hour)})
	ok(t, err, "DisputeList")
	same(t, "the day's disputes", []*payment.Dispute{lostIn, raisedIn}, got)
	if got[0].JudgedAmount != lostIn.Amount {
		t.Errorf("lost dispute debits %+v, want %+v", got[0].JudgedAmount, lostIn.Amount)
	}
}
