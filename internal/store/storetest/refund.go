package storetest

import (
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

func testRefundInsertGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	m1, m2 := addMerchant(t, s), addMerchant(t, s)
	p := addPayment(t, s, m1)
	r := newRefund(p, now())
	r.Status, r.ResultCode, r.ResultMessage = payment.Fail, "REFUND_AMOUNT_EXCEED", "Too much — é"
	r.IssuerRef, r.CompletedAt, r.ARN = "iss-ref-1", r.CreatedAt.Add(2500*time.Millisecond+3*time.Microsecond), "74488996034012345678902"
	allSet(t, r)
	ok(t, s.RefundInsert(ctx, r), "RefundInsert")

	processing := newRefund(p, now())
	processing.ReferenceRefundID, processing.Reason, processing.NotifyURL = "", "", ""
	ok(t, s.RefundInsert(ctx, processing), "RefundInsert")

	for _, want := range []*payment.Refund{r, processing} {
		got, err := s.RefundGet(ctx, want.ID)
		ok(t, err, "RefundGet")
		same(t, "refund by id", want, got)
		got, err = s.RefundGetByRequestID(ctx, m1.ID, want.RequestID)
		ok(t, err, "RefundGetByRequestID")
		same(t, "refund by request id", want, got)
	}

	missing := []struct {
		name string
		get  func() (*payment.Refund, error)
	}{
		{"RefundGet of an unknown id", func() (*payment.Refund, error) { return s.RefundGet(ctx, newID()) }},
		{"RefundGet with the request id as id", func() (*payment.Refund, error) { return s.RefundGet(ctx, r.RequestID) }},
		{"RefundGetByRequestID by another merchant", func() (*payment.Refund, error) {
			return s.RefundGetByRequestID(ctx, m2.ID, r.RequestID)
		}},
		{"RefundGetByRequestID of an unknown request id", func() (*payment.Refund, error) {
			return s.RefundGetByRequestID(ctx, m1.ID, "ref-unknown")
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

func testRefundDuplicateRequestID(t *testing.T, s store.Store) {
	ctx := t.Context()
	m1, m2 := addMerchant(t, s), addMerchant(t, s)
	p1, p2 := addPayment(t, s, m1), addPayment(t, s, m2)
	r := newRefund(p1, now())
	ok(t, s.RefundInsert(ctx, r), "RefundInsert")

	dup := newRefund(p1, now())
	dup.RequestID = r.RequestID
	wantErr(t, s.RefundInsert(ctx, dup), store.ErrConflict, "RefundInsert of a taken request id")
	_, err := s.RefundGet(ctx, dup.ID)
	wantErr(t, err, store.ErrNotFound, "RefundGet of the conflicting refund")
	otherPayment := addPayment(t, s, m1)
	dup = newRefund(otherPayment, now())
	dup.RequestID = r.RequestID
	wantErr(t, s.RefundInsert(ctx, dup), store.ErrConflict, "RefundInsert of a taken request id on another payment")

	other := newRefund(p2, now())
	other.RequestID = r.RequestID
	ok(t, s.RefundInsert(ctx, other), "RefundInsert of the same request id for another merchant")

	for _, want := range []*payment.Refund{r, other} {
		got, err := s.RefundGetByRequestID(ctx, want.MerchantID, want.RequestID)
		ok(t, err, "RefundGetByRequestID")
		same(t, "refund", want, got)
	}
}

func testRefundUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := addPayment(t, s, m)
	r := newRefund(p, now())
	ok(t, s.RefundInsert(ctx, r), "RefundInsert")

	done := *r
	done.Status, done.ResultCode, done.ResultMessage = payment.Success, "SUCCESS", "Success."
	done.IssuerRef, done.CompletedAt, done.ARN = "iss-ref", now().Add(time.Second), "74488996034000000000013"

	stale := []struct {
		name string
		from payment.Status
	}{
		{"from the wrong status", payment.Success},
		{"from another wrong status", payment.Fail},
		{"from an empty status", ""},
	}
	for _, tc := range stale {
		u := done
		wantErr(t, s.RefundUpdate(ctx, &u, tc.from), store.ErrStale, "RefundUpdate "+tc.name)
		got, err := s.RefundGet(ctx, r.ID)
		ok(t, err, "RefundGet")
		same(t, "refund after a stale update ("+tc.name+")", r, got)
	}

	ok(t, s.RefundUpdate(ctx, &done, payment.Processing), "RefundUpdate")
	got, err := s.RefundGet(ctx, r.ID)
	ok(t, err, "RefundGet")
	same(t, "refund after the update", &done, got)

	late := *r
	late.Status, late.ResultCode = payment.Fail, "LATE"
	wantErr(t, s.RefundUpdate(ctx, &late, payment.Processing), store.ErrStale, "RefundUpdate of a refund already moved")
	got, err = s.RefundGet(ctx, r.ID)
	ok(t, err, "RefundGet")
	same(t, "refund after a late update", &done, got)

	unknown := newRefund(p, now())
	wantErr(t, s.RefundUpdate(ctx, unknown, payment.Processing), store.ErrStale, "RefundUpdate of an unknown refund")
}

func testRefundListByPayment(t *testing.T, s store.Store) {
	testListByPayment(t, s, "RefundListByPayment", newRefund, s.RefundInsert, s.RefundListByPayment)
}

func testRefundListProcessing(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p, other := addPayment(t, s, m), addPayment(t, s, m)
	base := now()
	old2, old1, recent := newRefund(p, base.Add(-time.Minute)), newRefund(other, base.Add(-2*time.Minute)), newRefund(p, base)
	done := newRefund(p, base.Add(-3*time.Minute))
	for _, r := range []*payment.Refund{old2, recent, done, old1} {
		ok(t, s.RefundInsert(ctx, r), "RefundInsert")
	}
	done.Status, done.ResultCode, done.CompletedAt = payment.Success, "SUCCESS", base
	ok(t, s.RefundUpdate(ctx, done, payment.Processing), "RefundUpdate")
	tests := []struct {
		name   string
		before time.Time
		limit  int
		want   []*payment.Refund
	}{
		{"all old processing refunds, oldest first", base, 10, []*payment.Refund{old1, old2}},
		{"limit", base, 1, []*payment.Refund{old1}},
		{"created exactly at before is excluded", base.Add(-time.Minute), 10, []*payment.Refund{old1}},
		{"including the recent one", base.Add(time.Microsecond), 10, []*payment.Refund{old1, old2, recent}},
		{"nothing that old", base.Add(-time.Hour), 10, nil},
	}
	for _, tc := range tests {
		got, err := s.RefundListProcessing(ctx, store.Due{Until: tc.before, Limit: tc.limit})
		ok(t, err, "RefundListProcessing: "+tc.name)
		same(t, "RefundListProcessing: "+tc.name, tc.want, got)
	}
}
