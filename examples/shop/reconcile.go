package main

import (
	"context"
	"slices"

	"github.com/cashierpay/cashier/ams"
)

// reconcile asks the gateway about every attempt of an order that has no final state, and
// about a requested capture, and settles duplicate successes still pending. A notification
// can be lost or late; inquiryPayment makes sure the buyer is not left waiting for it.
func (g *gateway) reconcile(ctx context.Context, orderID string) {
	type ask struct {
		a         *Attempt
		requestID string
	}
	var asks []ask
	b := g.book
	b.mu.Lock()
	o := b.order(orderID)
	if o == nil {
		b.mu.Unlock()
		return
	}
	for _, a := range o.Attempts {
		captureOpen := a.N == o.Winner && a.CaptureState == captureRequested
		if (o.Winner == 0 && !finalStatus(a.Status)) || captureOpen {
			asks = append(asks, ask{a, a.RequestID})
		}
	}
	b.mu.Unlock()

	var dups []int
	for _, q := range asks {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		resp, err := g.c.InquiryPayment(cctx, &ams.InquiryPaymentRequest{PaymentRequestID: q.requestID})
		cancel()
		b.mu.Lock()
		if dup := b.applyInquiry(ctx, o, q.a, resp, err); dup {
			dups = append(dups, q.a.N)
		}
		b.mu.Unlock()
	}
	b.mu.Lock()
	for _, a := range o.Attempts {
		if a.Duplicate == dupPending && !slices.Contains(dups, a.N) {
			dups = append(dups, a.N)
		}
	}
	b.mu.Unlock()
	for _, n := range dups {
		g.settleDuplicate(ctx, orderID, n)
	}
}

// attemptByPaymentID finds the attempt of a payment; for a payment id the shop has not seen
// yet (notifyCapture can overtake notifyPayment) it asks inquiryPayment for its
// paymentRequestId.
func (g *gateway) attemptByPaymentID(ctx context.Context, paymentID string) (*Order, *Attempt, error) {
	b := g.book
	b.mu.Lock()
	o, a := b.find("", paymentID)
	b.mu.Unlock()
	if a != nil || paymentID == "" {
		return o, a, nil
	}
	resp, err := g.c.InquiryPayment(ctx, &ams.InquiryPaymentRequest{PaymentID: paymentID})
	if err != nil {
		return nil, nil, err
	}
	if resp.Result.ResultStatus != ams.StatusSuccess {
		return nil, nil, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	o, a = b.find(resp.PaymentRequestID, "")
	if a != nil {
		b.linkPayment(a, paymentID)
	}
	return o, a, nil
}

// settleDuplicate undoes a second successful payment for an order that another attempt
// already paid: the order keeps the first success. An uncaptured authorization is voided
// (cancel), a captured payment refunded in full (refund). Whatever fails is retried by the
// next reconcile.
func (g *gateway) settleDuplicate(ctx context.Context, orderID string, n int) {
	b := g.book
	b.mu.Lock()
	o := b.order(orderID)
	var a *Attempt
	if o != nil {
		a = o.attempt(n)
	}
	if a == nil || a.Duplicate != dupPending || a.settling {
		b.mu.Unlock()
		return
	}
	a.settling = true
	requestID, paymentID := a.RequestID, a.PaymentID
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		a.settling = false
		b.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(ctx, 3*callTimeout)
	defer cancel()

	// Is it captured? A captured payment cannot be cancelled, only refunded.
	inq, err := g.c.InquiryPayment(ctx, &ams.InquiryPaymentRequest{PaymentRequestID: requestID})
	if err != nil || inq.Result.ResultStatus != ams.StatusSuccess {
		b.mu.Lock()
		b.logEvent(ctx, o, "error", "duplicate attempt %d: inquiryPayment failed (%v%s); will retry", n, err, resultText(inq))
		b.mu.Unlock()
		return
	}
	if paymentID == "" {
		paymentID = inq.PaymentID
	}
	captured := false
	for _, t := range inq.Transactions {
		if t.TransactionType == ams.TransactionCapture && t.TransactionStatus == ams.PaymentSuccess {
			captured = true
		}
	}
	if inq.PaymentStatus == ams.PaymentCancelled {
		b.mu.Lock()
		a.Duplicate = dupCancelled
		b.apply(ctx, o, a, ams.PaymentCancelled, inq.PaymentResultCode, inq.PaymentResultMessage, "inquiryPayment")
		b.logEvent(ctx, o, "duplicate", "duplicate attempt %d is already cancelled", n)
		b.mu.Unlock()
		return
	}
	if !captured && !g.voidDuplicate(ctx, o, a, paymentID) {
		return
	}
	g.refundDuplicate(ctx, o, a, paymentID)
}

// voidDuplicate cancels the uncaptured authorization of duplicate attempt a. It reports
// whether the payment was captured meanwhile, so that it must be refunded instead.
func (g *gateway) voidDuplicate(ctx context.Context, o *Order, a *Attempt, paymentID string) (refund bool) {
	resp, err := g.c.Cancel(ctx, &ams.CancelRequest{PaymentID: paymentID})
	b := g.book
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case err != nil:
		b.logEvent(ctx, o, "error", "cancel of duplicate attempt %d (paymentId %s): no answer (%v); will retry", a.N, paymentID, err)
	case resp.Result.ResultStatus == ams.StatusSuccess:
		a.Duplicate = dupCancelled
		b.apply(ctx, o, a, ams.PaymentCancelled, ams.CodeOrderIsCanceled, "cancelled as a duplicate", "cancel")
		b.logEvent(ctx, o, "cancel", "cancel of duplicate attempt %d (paymentId %s): SUCCESS, the authorization is voided", a.N, paymentID)
	case resp.Result.ResultCode == ams.CodeOrderStatusInvalid:
		b.logEvent(ctx, o, "cancel", "cancel of duplicate attempt %d: %s (%s); refunding instead", a.N, resp.Result.ResultCode, resp.Result.ResultMessage)
		return true
	case resp.Result.ResultStatus == ams.StatusUnknown:
		b.logEvent(ctx, o, "error", "cancel of duplicate attempt %d: %s; will retry", a.N, resp.Result.ResultCode)
	default:
		a.Duplicate = dupFailed
		b.logEvent(ctx, o, "error", "cancel of duplicate attempt %d refused: %s %s; needs manual handling", a.N, resp.Result.ResultCode, resp.Result.ResultMessage)
	}
	return false
}

// refundDuplicate refunds captured duplicate attempt a in full. The refundRequestId is the
// attempt's own, not a fresh one, so that a retry after no answer cannot refund twice.
func (g *gateway) refundDuplicate(ctx context.Context, o *Order, a *Attempt, paymentID string) {
	refundRequestID := a.RequestID + "-refund"
	amount := o.Product.Amount()
	b := g.book
	b.mu.Lock()
	a.RefundRequestID = refundRequestID
	b.mu.Unlock()
	resp, err := g.c.Refund(ctx, &ams.RefundRequest{
		RefundRequestID: refundRequestID, PaymentID: paymentID, RefundAmount: amount,
		RefundReason: "duplicate payment for order " + o.ID, RefundNotifyURL: g.notifyURL,
	})
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case err != nil:
		b.logEvent(ctx, o, "error", "refund of duplicate attempt %d: no answer (%v); will retry with the same refundRequestId", a.N, err)
	case resp.Result.ResultStatus == ams.StatusSuccess:
		a.Duplicate, a.RefundID = dupRefunded, resp.RefundID
		b.logEvent(ctx, o, "refund", "refund of duplicate attempt %d (paymentId %s): SUCCESS, %s refunded in full (refundId %s)", a.N, paymentID, formatMoney(amount.Currency, o.Product.Value), resp.RefundID)
	case resp.Result.ResultStatus == ams.StatusUnknown:
		a.Duplicate, a.RefundID = dupRefundPending, resp.RefundID
		b.logEvent(ctx, o, "refund", "refund of duplicate attempt %d: %s, waiting for notifyRefund", a.N, resp.Result.ResultCode)
	default:
		a.Duplicate = dupFailed
		b.logEvent(ctx, o, "error", "refund of duplicate attempt %d refused: %s %s; needs manual handling", a.N, resp.Result.ResultCode, resp.Result.ResultMessage)
	}
}

func resultText(r *ams.InquiryPaymentResponse) string {
	if r == nil {
		return ""
	}
	return r.Result.ResultCode
}
