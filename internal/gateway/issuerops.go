package gateway

import (
	"context"
	"time"

	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// CaptureAtIssuer asks the issuer to capture c, reserved already on payment p, and records
// the answer with its notification. An issuer that does not answer leaves the capture
// processing, for the sweeper to ask again.
func (c *Core) CaptureAtIssuer(ctx context.Context, p *payment.Payment, capture *payment.Capture) error {
	ictx, cancel := c.IssuerCtx(ctx)
	charged := p.Charged(capture.Amount)
	res, err := c.Issuer.Capture(ictx, p.IssuerRef, charged.Currency, charged.Value)
	cancel()
	if err != nil {
		c.Log.WarnContext(ctx, "issuer capture failed", "payment", p.ID, "err", err)
		res = noAnswerResult
	}
	return c.finishCapture(ctx, capture, res)
}

// RefundAtIssuer asks the issuer to refund r, reserved already on payment p, and records the
// answer with its notification. An issuer that does not answer leaves the refund processing,
// with its amount reserved, for a retry to ask again.
func (c *Core) RefundAtIssuer(ctx context.Context, p *payment.Payment, r *payment.Refund) error {
	ictx, cancel := c.IssuerCtx(ctx)
	charged := p.Charged(r.Amount)
	res, err := c.Issuer.Refund(ictx, p.IssuerRef, charged.Currency, charged.Value)
	cancel()
	if err != nil {
		c.Log.WarnContext(ctx, "issuer refund failed", "payment", p.ID, "err", err)
		res = noAnswerResult
	}
	if err := c.finishRefund(ctx, r, res); err != nil && !isStale(err) {
		return err
	}
	return nil
}

// finishCapture records the issuer's answer to a capture and notifies it.
func (c *Core) finishCapture(ctx context.Context, capture *payment.Capture, res issuer.OpResult) error {
	if noAnswer(res) {
		return nil // stays processing; the sweeper asks again
	}
	now := c.Now()
	capture.CompletedAt, capture.IssuerRef = now, res.Ref
	if res.Success {
		capture.Status, capture.ResultCode, capture.ResultMessage, capture.ARN = payment.Success, payment.CodeSuccess, "success", res.ARN
	} else {
		capture.Status, capture.ResultCode, capture.ResultMessage = payment.Fail, res.ResultCode, res.Message
	}
	err := c.Tx(ctx, func(q store.Tx) error {
		p, err := q.PaymentLock(ctx, capture.PaymentID)
		if err != nil {
			return err
		}
		if err := q.CaptureUpdate(ctx, capture, payment.Processing); err != nil {
			return err
		}
		p.UpdatedAt = now
		if res.Success {
			p.CaptureState, p.CapturedValue = payment.CaptureCaptured, p.CapturedValue+capture.Amount.Value
		} else {
			p.CaptureState = payment.CaptureNone
		}
		p.Schedule(time.Time{})
		if err := q.PaymentUpdate(ctx, p); err != nil {
			return err
		}
		return c.notifyCaptured(ctx, q, p, capture, now)
	})
	if err != nil {
		return c.InternalError(ctx, "record capture", err)
	}
	return nil
}

// finishRefund records the issuer's answer, releases the reserved amount of a failed
// refund, and notifies the result.
func (c *Core) finishRefund(ctx context.Context, r *payment.Refund, res issuer.OpResult) error {
	if noAnswer(res) {
		return nil // stays processing with its amount reserved; a retry asks again
	}
	now := c.Now()
	r.CompletedAt, r.IssuerRef = now, res.Ref
	if res.Success {
		r.Status, r.ResultCode, r.ResultMessage, r.ARN = payment.Success, payment.CodeSuccess, "success", res.ARN
	} else {
		r.Status, r.ResultCode, r.ResultMessage = payment.Fail, res.ResultCode, res.Message
	}
	err := c.Tx(ctx, func(q store.Tx) error {
		p, err := q.PaymentLock(ctx, r.PaymentID)
		if err != nil {
			return err
		}
		if err := q.RefundUpdate(ctx, r, payment.Processing); err != nil {
			return err
		}
		if !res.Success {
			p.RefundedValue -= r.Amount.Value
			p.UpdatedAt = now
			if err := q.PaymentUpdate(ctx, p); err != nil {
				return err
			}
		}
		return c.NotifyRefund(ctx, q, p, r, now)
	})
	if err != nil {
		return c.InternalError(ctx, "record refund", err)
	}
	return nil
}

// RetryRefund asks the issuer again about a refund it did not answer; the merchant's retry
// and the sweeper both come here.
func (c *Core) RetryRefund(ctx context.Context, r *payment.Refund) error {
	p, err := c.Store.PaymentGet(ctx, r.PaymentID)
	if err != nil {
		return c.InternalError(ctx, "payment lookup", err)
	}
	return c.RefundAtIssuer(ctx, p, r)
}

// noAnswerResult stands for an issuer that did not answer a capture or refund: the
// operation stays processing and is asked again, never recorded as failed.
var noAnswerResult = issuer.OpResult{ResultCode: payment.CodeUnknownException, Message: "the issuer has not confirmed the operation yet"}

func noAnswer(r issuer.OpResult) bool {
	return !r.Success && r.ResultCode == payment.CodeUnknownException
}
