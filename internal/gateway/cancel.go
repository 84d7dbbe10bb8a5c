package gateway

import (
	"context"
	"errors"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// Cancel voids a payment that is processing or authorized and not captured. Repeating it
// is safe. Cancel sends no notification (Antom's cancel is synchronous only). Result codes:
// SUCCESS; ORDER_NOT_EXIST; the codes of payment.CheckCancel; PARAM_ILLEGAL.
func (g *Gateway) Cancel(ctx context.Context, m *payment.Merchant, req *ams.CancelRequest) (*ams.CancelResponse, error) {
	p, err := g.findPayment(ctx, m, req.PaymentID, req.PaymentRequestID)
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
	return &ams.CancelResponse{Result: ams.SuccessResult(), PaymentID: p.ID, PaymentRequestID: p.RequestID, CancelTime: wireTime(p.CancelledAt)}, nil
}

// findPayment looks a payment up by id, or else by request id. Result codes:
// ORDER_NOT_EXIST, PARAM_ILLEGAL.
func (g *Gateway) findPayment(ctx context.Context, m *payment.Merchant, id, requestID string) (*payment.Payment, error) {
	if id == "" && requestID == "" {
		return nil, paramError("paymentId", "or paymentRequestId is required")
	}
	if err := maxString("paymentId", id, 64); err != nil {
		return nil, err
	}
	if err := maxString("paymentRequestId", requestID, 64); err != nil {
		return nil, err
	}
	var p *payment.Payment
	var err error
	if id != "" {
		p, err = g.store.PaymentGet(ctx, m.ID, id)
	} else {
		p, err = g.store.PaymentGetByRequestID(ctx, m.ID, requestID)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, g.internalError(ctx, "payment lookup", err)
	}
	return p, nil
}
