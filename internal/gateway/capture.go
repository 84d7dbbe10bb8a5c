package gateway

import (
	"context"
	"errors"

	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// Capture captures a MANUAL authorization in full. It is idempotent on captureRequestId.
// Result codes: SUCCESS; CAPTURE_IN_PROCESS (U); the codes of payment.CheckCapture;
// ORDER_NOT_EXIST; REPEAT_REQ_INCONSISTENT; the issuer's capture failure code.
func (g *Gateway) Capture(ctx context.Context, m *payment.Merchant, cmd CaptureCommand) (*payment.Capture, error) {
	amount := cmd.Amount
	if c, err := g.store.CaptureGetByRequestID(ctx, m.ID, cmd.RequestID); err == nil {
		return g.replayCapture(c, cmd.PaymentID, amount)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, g.internalError(ctx, "capture lookup", err)
	}
	now := g.now()
	c := &payment.Capture{
		ID: newID(), PaymentID: cmd.PaymentID, MerchantID: m.ID, RequestID: cmd.RequestID, Amount: amount,
		Status: payment.Processing, CreatedAt: now,
	}
	var p *payment.Payment
	err := g.tx(ctx, func(q store.Queries) error {
		var err error
		p, err = paymentForUpdate(ctx, q, m, cmd.PaymentID)
		if err != nil {
			return err
		}
		if perr := p.CheckCapture(amount, now); perr != nil {
			return perr
		}
		p.CaptureState, p.UpdatedAt = payment.CaptureCapturing, now
		p.Schedule(timeZero)
		if err := q.PaymentUpdate(ctx, p); err != nil {
			return err
		}
		return q.CaptureInsert(ctx, c)
	})
	var perr2 *payment.Error
	switch {
	case errors.As(err, &perr2):
		return nil, perr2
	case errors.Is(err, store.ErrNotFound):
		return nil, errNotFound
	case errors.Is(err, store.ErrConflict):
		existing, gerr := g.store.CaptureGetByRequestID(ctx, m.ID, cmd.RequestID)
		if gerr != nil {
			return nil, g.internalError(ctx, "capture lookup after conflict", gerr)
		}
		return g.replayCapture(existing, cmd.PaymentID, amount)
	case err != nil:
		return nil, g.internalError(ctx, "capture reserve", err)
	}

	ictx, cancel := g.issuerCtx(ctx)
	res, err := g.issuer.Capture(ictx, p.IssuerRef, amount.Currency, amount.Value)
	cancel()
	if err != nil {
		g.log.WarnContext(ctx, "issuer capture failed", "payment", p.ID, "err", err)
		res = noAnswerResult
	}
	if err := g.finishCapture(ctx, c, res); err != nil {
		return nil, err
	}
	return c, nil
}

// finishCapture records the issuer's answer to a capture and notifies it.
func (g *Gateway) finishCapture(ctx context.Context, c *payment.Capture, res issuer.OpResult) error {
	if noAnswer(res) {
		return nil // stays processing; the sweeper asks again
	}
	now := g.now()
	c.CompletedAt, c.IssuerRef = now, res.Ref
	if res.Success {
		c.Status, c.ResultCode, c.ResultMessage = payment.Success, payment.CodeSuccess, "success"
	} else {
		c.Status, c.ResultCode, c.ResultMessage = payment.Fail, res.ResultCode, res.Message
	}
	err := g.tx(ctx, func(q store.Queries) error {
		p, err := q.PaymentGetForUpdate(ctx, c.PaymentID)
		if err != nil {
			return err
		}
		if err := q.CaptureUpdate(ctx, c, payment.Processing); err != nil {
			return err
		}
		p.UpdatedAt = now
		if res.Success {
			p.CaptureState, p.CapturedValue = payment.CaptureCaptured, p.CapturedValue+c.Amount.Value
		} else {
			p.CaptureState = payment.CaptureNone
		}
		p.Schedule(timeZero)
		if err := q.PaymentUpdate(ctx, p); err != nil {
			return err
		}
		return g.notifyCapture(ctx, q, p, c, now)
	})
	if err != nil {
		return g.internalError(ctx, "record capture", err)
	}
	return nil
}

func (g *Gateway) replayCapture(c *payment.Capture, paymentID string, amount payment.Amount) (*payment.Capture, error) {
	if c.PaymentID != paymentID || c.Amount != amount {
		return nil, payment.NewError(payment.CodeRepeatReqInconsistent, "captureRequestId was used before with a different payment or amount; repeat it exactly or use a new captureRequestId")
	}
	return c, nil
}

// retryCapture asks the issuer again about a capture it did not answer.
func (g *Gateway) retryCapture(ctx context.Context, p *payment.Payment) error {
	captures, err := g.store.CaptureListByPayment(ctx, p.ID)
	if err != nil {
		return err
	}
	for _, c := range captures {
		if c.Status != payment.Processing {
			continue
		}
		ictx, cancel := g.issuerCtx(ctx)
		res, err := g.issuer.Capture(ictx, p.IssuerRef, c.Amount.Currency, c.Amount.Value)
		cancel()
		if err != nil {
			res = noAnswerResult
		}
		if err := g.finishCapture(ctx, c, res); err != nil {
			return err
		}
	}
	return g.reschedule(ctx, p.ID, timeZero)
}
