package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

func testCaptureInsertGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	m1, m2 := addMerchant(t, s), addMerchant(t, s)
	p := addPayment(t, s, m1)
	c := newCapture(p, now())
	c.Status, c.ResultCode, c.ResultMessage = payment.Success, "SUCCESS", "Success é"
	c.IssuerRef, c.CompletedAt, c.ARN = "iss-cap-1", c.CreatedAt.Add(1500*time.Millisecond+7*time.Microsecond), "24488996034012345678901"
	allSet(t, c)
	ok(t, s.CaptureInsert(ctx, c), "CaptureInsert")
	got, err := s.CaptureGetByRequestID(ctx, m1.ID, c.RequestID)
	ok(t, err, "CaptureGetByRequestID")
	same(t, "capture", c, got)

	processing := newCapture(p, now())
	ok(t, s.CaptureInsert(ctx, processing), "CaptureInsert")
	got, err = s.CaptureGetByRequestID(ctx, m1.ID, processing.RequestID)
	ok(t, err, "CaptureGetByRequestID")
	same(t, "processing capture with a zero CompletedAt", processing, got)

	missing := []struct{ name, merchant, requestID string }{
		{"another merchant", m2.ID, c.RequestID},
		{"unknown request id", m1.ID, "cap-unknown"},
		{"capture id as request id", m1.ID, c.ID},
	}
	for _, tc := range missing {
		got, err := s.CaptureGetByRequestID(ctx, tc.merchant, tc.requestID)
		wantErr(t, err, store.ErrNotFound, "CaptureGetByRequestID: "+tc.name)
		if got != nil {
			t.Errorf("CaptureGetByRequestID: %s: returned %+v with its error", tc.name, got)
		}
	}
}

func testCaptureDuplicateRequestID(t *testing.T, s store.Store) {
	ctx := t.Context()
	m1, m2 := addMerchant(t, s), addMerchant(t, s)
	p1, p2 := addPayment(t, s, m1), addPayment(t, s, m2)
	c := newCapture(p1, now())
	ok(t, s.CaptureInsert(ctx, c), "CaptureInsert")

	dup := newCapture(p1, now())
	dup.RequestID = c.RequestID
	wantErr(t, s.CaptureInsert(ctx, dup), store.ErrConflict, "CaptureInsert of a taken request id")
	otherPayment := addPayment(t, s, m1)
	dup = newCapture(otherPayment, now())
	dup.RequestID = c.RequestID
	wantErr(t, s.CaptureInsert(ctx, dup), store.ErrConflict, "CaptureInsert of a taken request id on another payment")

	other := newCapture(p2, now())
	other.RequestID = c.RequestID
	ok(t, s.CaptureInsert(ctx, other), "CaptureInsert of the same request id for another merchant")

	for _, want := range []*payment.Capture{c, other} {
		got, err := s.CaptureGetByRequestID(ctx, want.MerchantID, want.RequestID)
		ok(t, err, "CaptureGetByRequestID")
		same(t, "capture", want, got)
	}
	list, err := s.CaptureListByPayment(ctx, otherPayment.ID)
	ok(t, err, "CaptureListByPayment")
	same(t, "captures of the payment whose insert conflicted", nil, list)
}

func testCaptureUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := addPayment(t, s, m)
	c := newCapture(p, now())
	ok(t, s.CaptureInsert(ctx, c), "CaptureInsert")

	done := *c
	done.Status, done.ResultCode, done.ResultMessage = payment.Success, "SUCCESS", "Success."
	done.IssuerRef, done.CompletedAt, done.ARN = "iss-cap", now().Add(time.Second), "24488996034000000000012"

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
		wantErr(t, s.CaptureUpdate(ctx, &u, tc.from), store.ErrStale, "CaptureUpdate "+tc.name)
		got, err := s.CaptureGetByRequestID(ctx, m.ID, c.RequestID)
		ok(t, err, "CaptureGetByRequestID")
		same(t, "capture after a stale update ("+tc.name+")", c, got)
	}

	ok(t, s.CaptureUpdate(ctx, &done, payment.Processing), "CaptureUpdate")
	got, err := s.CaptureGetByRequestID(ctx, m.ID, c.RequestID)
	ok(t, err, "CaptureGetByRequestID")
	same(t, "capture after the update", &done, got)

	// A second writer that also read PROCESSING loses.
	late := *c
	late.Status, late.ResultCode = payment.Fail, "LATE"
	wantErr(t, s.CaptureUpdate(ctx, &late, payment.Processing), store.ErrStale, "CaptureUpdate of a capture already moved")
	got, err = s.CaptureGetByRequestID(ctx, m.ID, c.RequestID)
	ok(t, err, "CaptureGetByRequestID")
	same(t, "capture after a late update", &done, got)

	unknown := newCapture(p, now())
	wantErr(t, s.CaptureUpdate(ctx, unknown, payment.Processing), store.ErrStale, "CaptureUpdate of an unknown capture")
}

func testCaptureListByPayment(t *testing.T, s store.Store) {
	testListByPayment(t, s, "CaptureListByPayment", newCapture, s.CaptureInsert, s.CaptureListByPayment)
}

// testListByPayment checks a per-payment list, captures or refunds alike: a payment's rows
// oldest first, no other payment's, none for a payment without rows or an unknown id.
func testListByPayment[T any](t *testing.T, s store.Store, what string, newRow func(*payment.Payment, time.Time) *T,
	insert func(context.Context, *T) error, list func(context.Context, string) ([]*T, error)) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p, other, none := addPayment(t, s, m), addPayment(t, s, m), addPayment(t, s, m)
	base := now()
	second, third, first := newRow(p, base.Add(time.Second)), newRow(p, base.Add(2*time.Second)), newRow(p, base)
	elsewhere := newRow(other, base.Add(-time.Second))
	for _, r := range []*T{second, elsewhere, third, first} {
		ok(t, insert(ctx, r), what+": insert")
	}
	tests := []struct {
		name    string
		payment string
		want    []*T
	}{
		{"payment with three rows", p.ID, []*T{first, second, third}},
		{"payment with one row", other.ID, []*T{elsewhere}},
		{"payment without rows", none.ID, nil},
		{"unknown payment", newID(), nil},
	}
	for _, tc := range tests {
		got, err := list(ctx, tc.payment)
		ok(t, err, what+": "+tc.name)
		same(t, what+": "+tc.name, tc.want, got)
	}
}
