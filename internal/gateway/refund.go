package gateway

import (
	"context"
	"errors"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// Refund refunds part or all of a captured payment; several refunds may follow each other
// while their total stays within the captured amount. It is idempotent on refundRequestId.
// Result codes: SUCCESS; REFUND_IN_PROCESS (U); the codes of payment.CheckRefund;
// ORDER_NOT_EXIST; REPEAT_REQ_INCONSISTENT; PARAM_ILLEGAL; the issuer's refund failure code.
func (g *Gateway) Refund(ctx context.Context, m *payment.Merchant, req *ams.RefundRequest) (*ams.RefundResponse, error) {
	if err := requireRequestID("refundRequestId", req.RefundRequestID); err != nil {
		return nil, err
	}
	if err := requireString("paymentId", req.PaymentID, 64); err != nil {
		return nil, err
	}
	amount, perr := parseAmount("refundAmount", req.RefundAmount)
	if perr != nil {
		return nil, perr
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"referenceRefundId", req.ReferenceRefundID, 64}, {"refundReason", req.RefundReason, 256}, {"captureId", req.CaptureID, 64}} {
		if err := maxString(f.name, f.v, f.max); err != nil {
			return nil, err
		}
	}
	if err := maxString("refundNotifyUrl", req.RefundNotifyURL, 1024); err != nil {
		return nil, err
	}
	if err := validURL("refundNotifyUrl", req.RefundNotifyURL, false); err != nil {
		return nil, err
	}
	if r, err := g.store.RefundGetByRequestID(ctx, m.ID, req.RefundRequestID); err == nil {
		return g.replayRefund(ctx, r, req.PaymentID, amount)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, g.internalError(ctx, "refund lookup", err)
	}
	now := g.now()
	r := &payment.Refund{
		ID: newID(), PaymentID: req.PaymentID, MerchantID: m.ID, RequestID: req.RefundRequestID,
		ReferenceRefundID: req.ReferenceRefundID, Amount: amount, Reason: req.RefundReason,
		NotifyURL: req.RefundNotifyURL, Status: payment.Processing, CreatedAt: now,
	}
	var p *payment.Payment
	err := g.tx(ctx, func(q store.Queries) error {
		var err error
		p, err = paymentForUpdate(ctx, q, m, req.PaymentID)
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
		existing, gerr := g.store.RefundGetByRequestID(ctx, m.ID, req.RefundRequestID)
		if gerr != nil {
			return nil, g.internalError(ctx, "refund lookup after conflict", gerr)
		}
		return g.replayRefund(ctx, existing, req.PaymentID, amount)
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
	return refundResponse(r), nil
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
func (g *Gateway) replayRefund(ctx context.Context, r *payment.Refund, paymentID string, amount payment.Amount) (*ams.RefundResponse, error) {
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
	return refundResponse(r), nil
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

func refundResponse(r *payment.Refund) *ams.RefundResponse {
	return &ams.RefundResponse{
		Result: refundResult(r), RefundRequestID: r.RequestID, RefundID: r.ID, PaymentID: r.PaymentID,
		RefundAmount: wireAmount(r.Amount), RefundTime: refundTime(r),
	}
}

// refundTime is set once a refund has succeeded.
func refundTime(r *payment.Refund) string {
	if r.Status != payment.Success {
		return ""
	}
	return wireTime(r.CompletedAt)
}

// InquiryRefund reports a refund by refundId or refundRequestId. Result codes: SUCCESS
// (the inquiry worked; refundStatus tells the refund's state); ORDER_NOT_EXIST; PARAM_ILLEGAL.
func (g *Gateway) InquiryRefund(ctx context.Context, m *payment.Merchant, req *ams.InquiryRefundRequest) (*ams.InquiryRefundResponse, error) {
	if req.RefundID == "" && req.RefundRequestID == "" {
		return nil, paramError("refundId", "or refundRequestId is required")
	}
	if err := maxString("refundId", req.RefundID, 64); err != nil {
		return nil, err
	}
	if err := maxString("refundRequestId", req.RefundRequestID, 64); err != nil {
		return nil, err
	}
	var r *payment.Refund
	var err error
	if req.RefundID != "" {
		r, err = g.store.RefundGet(ctx, m.ID, req.RefundID)
	} else {
		r, err = g.store.RefundGetByRequestID(ctx, m.ID, req.RefundRequestID)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, payment.NewError(payment.CodeOrderNotExist, "no such refund for this merchant")
	}
	if err != nil {
		return nil, g.internalError(ctx, "refund lookup", err)
	}
	return &ams.InquiryRefundResponse{
		Result: ams.SuccessResult(), RefundID: r.ID, RefundRequestID: r.RequestID, PaymentID: r.PaymentID,
		RefundAmount: wireAmount(r.Amount), RefundTime: refundTime(r), RefundStatus: refundStatus(r),
	}, nil
}
