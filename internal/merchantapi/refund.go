package merchantapi

import (
	"context"
	"errors"

	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// Refund refunds part or all of a captured payment; several refunds may follow each other
// while their total stays within the captured amount. It is idempotent on refundRequestId.
// Result codes: SUCCESS; REFUND_IN_PROCESS (U); the codes of payment.CheckRefund;
// ORDER_NOT_EXIST; REPEAT_REQ_INCONSISTENT; the issuer's refund failure code.
func (a *API) Refund(ctx context.Context, m *payment.Merchant, cmd RefundCommand) (*payment.Refund, error) {
	amount := cmd.Amount
	if r, err := a.core.Store.RefundGetByRequestID(ctx, m.ID, cmd.RequestID); err == nil {
		return a.replayRefund(ctx, r, cmd.PaymentID, amount)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, a.core.InternalError(ctx, "refund lookup", err)
	}
	now := a.core.Now()
	r := &payment.Refund{
		ID: gateway.NewID(), PaymentID: cmd.PaymentID, MerchantID: m.ID, RequestID: cmd.RequestID,
		ReferenceRefundID: cmd.ReferenceRefundID, Amount: amount, Reason: cmd.Reason,
		NotifyURL: cmd.NotifyURL, Status: payment.Processing, CreatedAt: now,
	}
	var p *payment.Payment
	err := a.core.Tx(ctx, func(q store.Tx) error {
		var err error
		p, err = paymentForUpdate(ctx, q, m, cmd.PaymentID)
		if err != nil {
			return err
		}
		if perr := p.CheckRefund(amount, now); perr != nil {
			return perr
		}
		if err := checkDisputed(ctx, q, p, amount.Value); err != nil {
			return err
		}
		// Reserve the amount now so that concurrent refunds cannot exceed the capture.
		p.RefundedValue += amount.Value
		p.UpdatedAt = now
		if err := q.PaymentUpdate(ctx, p); err != nil {
			return err
		}
		return q.RefundInsert(ctx, r)
	})
	var perr2 *payment.Error
	switch {
	case errors.As(err, &perr2):
		return nil, perr2
	case errors.Is(err, store.ErrNotFound):
		return nil, errNotFound
	case errors.Is(err, store.ErrConflict):
		existing, gerr := a.core.Store.RefundGetByRequestID(ctx, m.ID, cmd.RequestID)
		if gerr != nil {
			return nil, a.core.InternalError(ctx, "refund lookup after conflict", gerr)
		}
		return a.replayRefund(ctx, existing, cmd.PaymentID, amount)
	case err != nil:
		return nil, a.core.InternalError(ctx, "refund reserve", err)
	}

	if err := a.core.RefundAtIssuer(ctx, p, r); err != nil {
		return nil, err
	}
	return r, nil
}

// replayRefund answers a repeated refund. A refund the issuer never answered is asked
// again, as Antom tells merchants to retry a timed-out refund with the same refundRequestId.
func (a *API) replayRefund(ctx context.Context, r *payment.Refund, paymentID string, amount payment.Amount) (*payment.Refund, error) {
	if r.PaymentID != paymentID || r.Amount != amount {
		return nil, payment.NewError(payment.CodeRepeatReqInconsistent, "refundRequestId was used before with a different payment or amount; repeat it exactly or use a new refundRequestId")
	}
	if r.Status == payment.Processing && a.core.Now().Sub(r.CreatedAt) > a.core.IssuerTimeout {
		if err := a.core.RetryRefund(ctx, r); err != nil {
			return nil, err
		}
		var err error
		if r, err = a.core.Store.RefundGet(ctx, r.ID); err != nil {
			return nil, a.core.InternalError(ctx, "refund reload", err)
		}
	}
	return r, nil
}

// InquiryRefund reports a refund by refundId or refundRequestId. Result codes: SUCCESS
// (the inquiry worked; refundStatus tells the refund's state); ORDER_NOT_EXIST.
func (a *API) InquiryRefund(ctx context.Context, m *payment.Merchant, l Lookup) (*payment.Refund, error) {
	var r *payment.Refund
	var err error
	if l.ID != "" {
		r, err = a.core.Store.RefundGet(ctx, l.ID)
	} else {
		r, err = a.core.Store.RefundGetByRequestID(ctx, m.ID, l.RequestID)
	}
	if err == nil && r.MerchantID != m.ID {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, payment.NewError(payment.CodeOrderNotExist, "no such refund for this merchant")
	}
	if err != nil {
		return nil, a.core.InternalError(ctx, "refund lookup", err)
	}
	return r, nil
}
