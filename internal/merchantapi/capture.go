package merchantapi

import (
	"context"
	"errors"

	"time"

	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// Capture captures a MANUAL authorization in full. It is idempotent on captureRequestId.
// Result codes: SUCCESS; CAPTURE_IN_PROCESS (U); the codes of payment.CheckCapture;
// ORDER_NOT_EXIST; REPEAT_REQ_INCONSISTENT; the issuer's capture failure code.
func (a *API) Capture(ctx context.Context, m *payment.Merchant, cmd CaptureCommand) (*payment.Capture, error) {
	amount := cmd.Amount
	if c, err := a.core.Store.CaptureGetByRequestID(ctx, m.ID, cmd.RequestID); err == nil {
		return a.replayCapture(c, cmd.PaymentID, amount)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, a.core.InternalError(ctx, "capture lookup", err)
	}
	now := a.core.Now()
	c := &payment.Capture{
		ID: gateway.NewID(), PaymentID: cmd.PaymentID, MerchantID: m.ID, RequestID: cmd.RequestID, Amount: amount,
		Status: payment.Processing, CreatedAt: now,
	}
	var p *payment.Payment
	err := a.core.Tx(ctx, func(q store.Tx) error {
		var err error
		p, err = paymentForUpdate(ctx, q, m, cmd.PaymentID)
		if err != nil {
			return err
		}
		if perr := p.CheckCapture(amount, now); perr != nil {
			return perr
		}
		p.CaptureState, p.UpdatedAt = payment.CaptureCapturing, now
		p.Schedule(time.Time{})
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
		existing, gerr := a.core.Store.CaptureGetByRequestID(ctx, m.ID, cmd.RequestID)
		if gerr != nil {
			return nil, a.core.InternalError(ctx, "capture lookup after conflict", gerr)
		}
		return a.replayCapture(existing, cmd.PaymentID, amount)
	case err != nil:
		return nil, a.core.InternalError(ctx, "capture reserve", err)
	}

	if err := a.core.CaptureAtIssuer(ctx, p, c); err != nil {
		return nil, err
	}
	return c, nil
}

func (a *API) replayCapture(c *payment.Capture, paymentID string, amount payment.Amount) (*payment.Capture, error) {
	if c.PaymentID != paymentID || c.Amount != amount {
		return nil, payment.NewError(payment.CodeRepeatReqInconsistent, "captureRequestId was used before with a different payment or amount; repeat it exactly or use a new captureRequestId")
	}
	return c, nil
}
