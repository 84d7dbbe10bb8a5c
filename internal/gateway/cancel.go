package gateway

import (
	"context"
	"errors"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// Cancel voids a payment that is processing or authorized and not captured. Repeating it
// is safe. Cancel sends no notification (Antom's cancel is synchronous only). Result codes:
// SUCCESS; ORDER_NOT_EXIST; the codes of payment.CheckCancel.
func (g *Gateway) Cancel(ctx context.Context, m *payment.Merchant, l Lookup) (*payment.Payment, error) {
	p, err := g.findPayment(ctx, m, l)
	if err != nil {
		return nil, err
	}
	now := g.now()
	var voidRef string
	err = g.tx(ctx, func(q store.Queries) error {
		p, err = paymentForUpdate(ctx, q, m, p.ID)
		if err != nil {
			return err
		}
		done, perr := p.CheckCancel(now)
		if perr != nil {
			return perr
		}
		if done {
			return nil
		}
		if p.Status == payment.Success {
			voidRef = p.IssuerRef
		}
		p.Status, p.Stage, p.CancelReason, p.CancelledAt, p.UpdatedAt = payment.Cancelled, payment.StageNone, payment.CancelByMerchant, now, now
		p.ResultCode, p.ResultMessage = payment.CodeOrderIsCanceled, "the payment was cancelled by the merchant"
		p.Schedule(timeZero)
		return q.PaymentUpdate(ctx, p)
	})
	var perr *payment.Error
	switch {
	case errors.As(err, &perr):
		return nil, perr
	case err != nil:
		return nil, g.internalError(ctx, "cancel", err)
	}
	if voidRef != "" {
		ictx, cancel := g.issuerCtx(ctx)
		res, err := g.issuer.Void(ictx, voidRef)
		cancel()
		if err != nil || !res.Success {
			// The authorization is released by the issuer at expiry anyway; the payment
			// stays cancelled on our side.
			g.log.WarnContext(ctx, "issuer void failed", "payment", p.ID, "err", err, "code", res.ResultCode)
		}
	}
	return p, nil
}

// findPayment looks a payment up by id, or else by request id. Result codes:
// ORDER_NOT_EXIST.
func (g *Gateway) findPayment(ctx context.Context, m *payment.Merchant, l Lookup) (*payment.Payment, error) {
	var p *payment.Payment
	var err error
	if l.ID != "" {
		p, err = g.store.PaymentGet(ctx, m.ID, l.ID)
	} else {
		p, err = g.store.PaymentGetByRequestID(ctx, m.ID, l.RequestID)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, g.internalError(ctx, "payment lookup", err)
	}
	return p, nil
}
