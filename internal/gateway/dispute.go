package gateway

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// notifyCaptured writes notifyCapture for a capture of p that is final and, when it
// succeeded and the processor announces a chargeback of the payment, schedules the dispute,
// in the transaction of q.
func (c *Core) notifyCaptured(ctx context.Context, q store.Tx, p *payment.Payment, capture *payment.Capture, now time.Time) error {
	if err := c.NotifyCapture(ctx, q, p, capture, now); err != nil {
		return err
	}
	if capture.Status != payment.Success || c.Disputes == nil {
		return nil
	}
	cb, ok := c.Disputes.Chargeback(p.IssuerRef, capture.Amount, now)
	if !ok {
		return nil
	}
	// A payment has one dispute. Look before inserting rather than insert and ignore the
	// conflict: on PostgreSQL a failed statement aborts the whole transaction, capture and
	// notification with it. The payment is locked by this transaction, so nobody races us.
	if _, err := q.DisputeGetByPayment(ctx, p.ID); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	disputed := capture.Amount
	if cb.Amount > 0 && cb.Amount < disputed.Value {
		// Never more than was captured (0 says the whole); Raise trims what refunds took.
		disputed.Value = cb.Amount
	}
	d := &payment.Dispute{
		ID: NewID(), PaymentID: p.ID, MerchantID: p.MerchantID, PaymentRequestID: p.RequestID, Amount: disputed,
		ReasonCode: cb.ReasonCode, ReasonMsg: cb.ReasonMsg, Source: cb.Source, IssuerRef: cb.Ref, ARN: capture.ARN,
		Status: payment.DisputeScheduled, RaisedAt: cb.RaiseAt.UTC().Truncate(time.Microsecond),
	}
	d.Schedule()
	return q.DisputeInsert(ctx, d)
}

// NotifyDispute writes notifyDispute of type note for d in the transaction of q. It goes to
// the merchant's notify URL: Antom sends dispute notifications to the address configured
// for the merchant, not to a request's paymentNotifyUrl.
func (c *Core) NotifyDispute(ctx context.Context, q store.Tx, d *payment.Dispute, note string, now time.Time) error {
	// The payment says which acquirer processed it, for acquirerInfo; its capture is the one
	// disputed, for captureId.
	p, err := q.PaymentGet(ctx, d.PaymentID)
	if err != nil {
		return err
	}
	capture, err := disputedCapture(ctx, q, d)
	if err != nil {
		return err
	}
	return c.notify(ctx, q, d.MerchantID, d.PaymentID, payment.NotifyDispute, "", now, func() ([]byte, error) { return c.bodies.Dispute(p, capture, d, note) })
}

// disputedCapture is the capture d disputes: the payment's successful one. A payment is
// captured once (a failed capture may precede it), and a dispute is scheduled only when
// that capture succeeded (notifyCaptured).
func disputedCapture(ctx context.Context, q store.Tx, d *payment.Dispute) (*payment.Capture, error) {
	captures, err := q.CaptureListByPayment(ctx, d.PaymentID)
	if err != nil {
		return nil, err
	}
	for _, capture := range captures {
		if capture.Status == payment.Success {
			return capture, nil
		}
	}
	return nil, fmt.Errorf("dispute %s: payment %s has no successful capture", d.ID, d.PaymentID)
}
