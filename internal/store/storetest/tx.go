package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

func testTxCommit(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := newPayment(m, now())
	c := newCapture(p, now())
	n := newNotification(p, now())
	err := s.Tx(ctx, func(q store.Tx) error {
		if err := q.PaymentInsert(ctx, p); err != nil {
			return err
		}
		// The transaction reads its own writes.
		got, err := q.PaymentGet(ctx, p.ID)
		if err != nil {
			return fmt.Errorf("PaymentGet inside the transaction: %w", err)
		}
		same(t, "payment read inside the transaction", p, got)
		p.Status, p.Stage = payment.Success, payment.StageNone
		if err := q.PaymentUpdate(ctx, p); err != nil {
			return err
		}
		if err := q.CaptureInsert(ctx, c); err != nil {
			return err
		}
		return q.NotificationInsert(ctx, n)
	})
	ok(t, err, "Tx")

	got, err := s.PaymentGet(ctx, p.ID)
	ok(t, err, "PaymentGet after commit")
	same(t, "payment after commit", p, got)
	if got.Version != 2 {
		t.Errorf("Version after commit: got %d, want 2", got.Version)
	}
	captures, err := s.CaptureListByPayment(ctx, p.ID)
	ok(t, err, "CaptureListByPayment")
	same(t, "captures after commit", []*payment.Capture{c}, captures)
	notes, err := s.NotificationListByPayment(ctx, p.ID)
	ok(t, err, "NotificationListByPayment")
	same(t, "notifications after commit", []*payment.Notification{n}, notes)
}

// An insert's error that reaches fn only through a later statement (PostgreSQL sends the
// insert with it: store.Store.Tx) is not that statement's own: a conditional update must
// not answer a payment's taken request id with a conflict or a stale version of its own.
// And when fn gives up before the insert's error has reached it, Tx returns the insert's
// error all the same, as it would had fn heard of it.
func testTxInsertErrorLater(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	existing := addPayment(t, s, m)
	dup := func() *payment.Payment {
		p := newPayment(m, now())
		p.RequestID = existing.RequestID
		return p
	}
	err := s.Tx(ctx, func(q store.Tx) error {
		if err := q.PaymentInsert(ctx, dup()); err != nil {
			return err
		}
		e := *existing
		e.RefundedValue = 1
		err := q.PaymentUpdate(ctx, &e)
		switch {
		case err == nil:
			t.Errorf("PaymentUpdate after a failed insert: got no error")
		case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrStale):
			t.Errorf("PaymentUpdate after a taken request id: got %v, as its own", err)
		}
		return err
	})
	wantErr(t, err, store.ErrConflict, "Tx with a taken request id")

	errTyped := &txError{"fn gave up"}
	err = s.Tx(ctx, func(q store.Tx) error {
		if err := q.PaymentInsert(ctx, dup()); err != nil {
			return err
		}
		return errTyped
	})
	wantErr(t, err, store.ErrConflict, "Tx giving up after an insert with a taken request id")
}

type txError struct{ msg string }

func (e *txError) Error() string { return e.msg }

func testTxRollback(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	existing := addPayment(t, s, m)

	tests := []struct {
		name string
		// fn writes p (fresh for the case) and more, then fails with err.
		fn func(q store.Queries, p *payment.Payment) error
		// is is what the error Tx returns must match with errors.Is.
		is error
	}{
		{"insert then error", func(q store.Queries, p *payment.Payment) error {
			if err := q.PaymentInsert(ctx, p); err != nil {
				return err
			}
			return errBoom
		}, errBoom},
		{"many writes then a typed error", func(q store.Queries, p *payment.Payment) error {
			if err := q.PaymentInsert(ctx, p); err != nil {
				return err
			}
			p.Status = payment.Success
			if err := q.PaymentUpdate(ctx, p); err != nil {
				return err
			}
			if err := q.CaptureInsert(ctx, newCapture(p, now())); err != nil {
				return err
			}
			if err := q.RefundInsert(ctx, newRefund(p, now())); err != nil {
				return err
			}
			if err := q.NotificationInsert(ctx, newNotification(p, now())); err != nil {
				return err
			}
			if err := q.MerchantSetNotifyURL(ctx, m.ClientID, "https://rolled.back.example"); err != nil {
				return err
			}
			existing := *existing
			existing.RefundedValue = 777
			if err := q.PaymentUpdate(ctx, &existing); err != nil {
				return err
			}
			return errTyped
		}, errTyped},
		{"wrapped sentinel", func(q store.Queries, p *payment.Payment) error {
			if err := q.PaymentInsert(ctx, p); err != nil {
				return err
			}
			return fmt.Errorf("refund: %w", store.ErrStale)
		}, store.ErrStale},
		{"store error from a statement", func(q store.Queries, p *payment.Payment) error {
			if err := q.PaymentInsert(ctx, p); err != nil {
				return err
			}
			dup := newPayment(m, now())
			dup.RequestID = p.RequestID
			return q.PaymentInsert(ctx, dup)
		}, store.ErrConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPayment(m, now())
			var returned error
			err := s.Tx(ctx, func(q store.Tx) error {
				returned = tc.fn(q, p)
				return returned
			})
			if !errors.Is(err, tc.is) {
				t.Errorf("Tx returned %v, want an error matching %v", err, tc.is)
			}
			// The insert's error may come from Tx alone (store.Store.Tx), fn having heard nil.
			if returned != nil && err != returned {
				t.Errorf("Tx returned %#v, want fn's error %#v unchanged", err, returned)
			}

			_, err = s.PaymentGet(ctx, p.ID)
			wantErr(t, err, store.ErrNotFound, "PaymentGet after rollback")
			_, err = s.PaymentGetByRequestID(ctx, m.ID, p.RequestID)
			wantErr(t, err, store.ErrNotFound, "PaymentGetByRequestID after rollback")
			captures, err := s.CaptureListByPayment(ctx, p.ID)
			ok(t, err, "CaptureListByPayment")
			same(t, "captures after rollback", nil, captures)
			refunds, err := s.RefundListByPayment(ctx, p.ID)
			ok(t, err, "RefundListByPayment")
			same(t, "refunds after rollback", nil, refunds)
			notes, err := s.NotificationListByPayment(ctx, p.ID)
			ok(t, err, "NotificationListByPayment")
			same(t, "notifications after rollback", nil, notes)
			gotM, err := s.MerchantGetByClientID(ctx, m.ClientID)
			ok(t, err, "MerchantGetByClientID")
			same(t, "merchant after rollback", m, gotM)
			gotP, err := s.PaymentGet(ctx, existing.ID)
			ok(t, err, "PaymentGet")
			same(t, "existing payment after rollback", existing, gotP)

			// The store is usable after a rollback.
			after := newPayment(m, now())
			ok(t, s.Tx(ctx, func(q store.Tx) error { return q.PaymentInsert(ctx, after) }), "Tx after rollback")
			_, err = s.PaymentGet(ctx, after.ID)
			ok(t, err, "PaymentGet of a payment committed after a rollback")
		})
	}
}

var (
	errBoom  = errors.New("storetest: boom")
	errTyped = &txError{"storetest: typed"}
)
