package merchantapi

import (
	"context"
	"errors"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// Cancel voids a payment that is processing or authorized and not captured. Repeating it
// is safe. Cancel sends no notification (Antom's cancel is synchronous only). Result codes:
// SUCCESS; ORDER_NOT_EXIST; the codes of payment.CheckCancel.
func (a *API) Cancel(ctx context.Context, m *payment.Merchant, l Lookup) (*payment.Payment, error) {
	p, err := a.findPayment(ctx, m, l)
	if err != nil {
		return nil, err
	}
	now := a.core.Now()
	var voidRef string
	err = a.core.Tx(ctx, func(q store.Tx) error {
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
		switch {
		case p.Status == payment.Success:
			voidRef = p.IssuerRef
		case p.Stage == payment.StageAuthorizing || p.Stage == payment.StageIssuerPending:
			// An authorization may be in flight, or stranded by a crash with no request left
			// to void it: a technical cancel by the gateway's own reference releases it.
			voidRef = p.AuthRef()
		}
		p.Status, p.Stage, p.CancelReason, p.CancelledAt, p.UpdatedAt = payment.Cancelled, payment.StageNone, payment.CancelByMerchant, now, now
		p.ResultCode, p.ResultMessage = payment.CodeOrderIsCanceled, "the payment was cancelled by the merchant"
		p.Schedule(time.Time{})
		return q.PaymentUpdate(ctx, p)
	})
	var perr *payment.Error
	switch {
	case errors.As(err, &perr):
		return nil, perr
	case err != nil:
		return nil, a.core.InternalError(ctx, "cancel", err)
	}
	if voidRef != "" {
		ictx, cancel := a.core.IssuerCtx(ctx)
		res, err := a.core.Issuer.Void(ictx, voidRef)
		cancel()
		if err != nil || !res.Success {
			// The authorization is released by the issuer at expiry anyway; the payment
			// stays cancelled on our side.
			a.core.Log.WarnContext(ctx, "issuer void failed", "payment", p.ID, "err", err, "code", res.ResultCode)
		}
	}
	return p, nil
}

// findPayment looks a payment up by id, or else by request id. Result codes:
// ORDER_NOT_EXIST.
func (a *API) findPayment(ctx context.Context, m *payment.Merchant, l Lookup) (*payment.Payment, error) {
	var p *payment.Payment
	var err error
	if l.ID != "" {
		p, err = a.core.Store.PaymentGet(ctx, l.ID)
	} else {
		p, err = a.core.Store.PaymentGetByRequestID(ctx, m.ID, l.RequestID)
	}
	// Ids are global; another merchant's payment is reported exactly as a missing one.
	if err == nil && p.MerchantID != m.ID {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, a.core.InternalError(ctx, "payment lookup", err)
	}
	return p, nil
}
