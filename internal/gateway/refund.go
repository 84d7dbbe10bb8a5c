package gateway

import (
	"context"
	"errors"

	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// Refund refunds part or all of a captured payment; several refunds may follow each other
// while their total stays within the captured amount. It is idempotent on refundRequestId.
// Result codes: SUCCESS; REFUND_IN_PROCESS (U); the codes of payment.CheckRefund;
// ORDER_NOT_EXIST; REPEAT_REQ_INCONSISTENT; the issuer's refund failure code.
func (g *Gateway) Refund(ctx context.Context, m *payment.Merchant, cmd RefundCommand) (*payment.Refund, error) {
	amount := cmd.Amount
	if r, err := g.store.RefundGetByRequestID(ctx, m.ID, cmd.RequestID); err == nil {
		return g.replayRefund(ctx, r, cmd.PaymentID, amount)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, g.internalError(ctx, "refund lookup", err)
	}
	now := g.now()
	r := &payment.Refund{
		ID: newID(), PaymentID: cmd.PaymentID, MerchantID: m.ID, RequestID: cmd.RequestID,
		ReferenceRefundID: cmd.ReferenceRefundID, Amount: amount, Reason: cmd.Reason,
		NotifyURL: cmd.NotifyURL, Status: payment.Processing, CreatedAt: now,
	}
	var p *payment.Payment
	err := g.tx(ctx, func(q store.Queries) error {
		var err error
		p, err = paymentForUpdate(ctx, q, m, cmd.PaymentID)
		if err != nil {
			return err
		}
		if perr := p.CheckRefund(amount, now); perr != nil {
			return perr
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
		existing, gerr := g.store.RefundGetByRequestID(ctx, m.ID, cmd.RequestID)
		if gerr != nil {
			return nil, g.internalError(ctx, "refund lookup after conflict", gerr)
		}
		return g.replayRefund(ctx, existing, cmd.PaymentID, amount)
	case err != nil:
		return nil, g.internalError(ctx, "refund reserve", err)
	}

	ictx, cancel := g.issuerCtx(ctx)
	res, err := g.issuer.Refund(ictx, p.IssuerRef, amount.Currency, amount.Value)
	cancel()
	if err != nil {
		g.log.WarnContext(ctx, "issuer refund failed", "payment", p.ID, "err", err)
		res = noAnswerResult
	}
	if err := g.finishRefund(ctx, r, res); err != nil {
		return nil, err
	}
	return r, nil
}

// finishRefund records the issuer's answer, releases the reserved amount of a failed
// refund, and notifies the result.
func (g *Gateway) finishRefund(ctx context.Context, r *payment.Refund, res issuer.OpResult) error {
	if noAnswer(res) {
		return nil // stays processing with its amount reserved; a retry asks again
	}
	now := g.now()
	r.CompletedAt, r.IssuerRef = now, res.Ref
	if res.Success {
		r.Status, r.ResultCode, r.ResultMessage = payment.Success, payment.CodeSuccess, "success"
	} else {
		r.Status, r.ResultCode, r.ResultMessage = payment.Fail, res.ResultCode, res.Message
	}
	err := g.tx(ctx, func(q store.Queries) error {
		p, err := q.PaymentGetForUpdate(ctx, r.PaymentID)
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
		return g.notifyRefund(ctx, q, p, r, now)
	})
	if err != nil {
		return g.internalError(ctx, "record refund", err)
	}
	return nil
}

// replayRefund answers a repeated refund. A refund the issuer never answered is asked
// again, as Antom tells merchants to retry a timed-out refund with the same refundRequestId.
func (g *Gateway) replayRefund(ctx context.Context, r *payment.Refund, paymentID string, amount payment.Amount) (*payment.Refund, error) {
	if r.PaymentID != paymentID || r.Amount != amount {
		return nil, payment.NewError(payment.CodeRepeatReqInconsistent, "refundRequestId was used before with a different payment or amount; repeat it exactly or use a new refundRequestId")
	}
	if r.Status == payment.Processing && g.now().Sub(r.CreatedAt) > g.issuerTimeout {
		if err := g.retryRefund(ctx, r); err != nil {
			return nil, err
		}
		var err error
		if r, err = g.store.RefundGet(ctx, r.MerchantID, r.ID); err != nil {
			return nil, g.internalError(ctx, "refund reload", err)
		}
	}
	return r, nil
}

// retryRefund asks the issuer again about a refund it did not answer; the merchant's retry
// and the sweeper both come here.
func (g *Gateway) retryRefund(ctx context.Context, r *payment.Refund) error {
	p, err := g.store.PaymentGet(ctx, r.MerchantID, r.PaymentID)
	if err != nil {
		return g.internalError(ctx, "payment lookup", err)
	}
	ictx, cancel := g.issuerCtx(ctx)
	res, err := g.issuer.Refund(ictx, p.IssuerRef, r.Amount.Currency, r.Amount.Value)
	cancel()
	if err != nil {
		res = noAnswerResult
	}
	if err := g.finishRefund(ctx, r, res); err != nil && !isStale(err) {
		return err
	}
	return nil
}

// InquiryRefund reports a refund by refundId or refundRequestId. Result codes: SUCCESS
// (the inquiry worked; refundStatus tells the refund's state); ORDER_NOT_EXIST.
func (g *Gateway) InquiryRefund(ctx context.Context, m *payment.Merchant, l Lookup) (*payment.Refund, error) {
	var r *payment.Refund
	var err error
	if l.ID != "" {
		r, err = g.store.RefundGet(ctx, m.ID, l.ID)
	} else {
		r, err = g.store.RefundGetByRequestID(ctx, m.ID, l.RequestID)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, payment.NewError(payment.CodeOrderNotExist, "no such refund for this merchant")
	}
	if err != nil {
		return nil, g.internalError(ctx, "refund lookup", err)
	}
	return r, nil
}
