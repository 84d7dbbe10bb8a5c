package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
)

// notifier records what the gateway's notifications say. client.NotificationHandler (see
// Shop.Handler) has verified each one's signature before handle sees it, and acknowledges
// it with the exact body Antom expects.
type notifier struct {
	book *orderBook
	gw   *gateway
	log  *slog.Logger
	// seen holds notifyType/id of the notifications already processed; book.mu guards it.
	seen map[string]bool
}

// handle processes a verified notification. Returning nil acknowledges it; an error makes
// the gateway send it again later. Notifications arrive at least once, so each is processed
// once per notifyType plus paymentId, captureId or refundId; repeats are acknowledged and
// logged.
func (n *notifier) handle(ctx context.Context, note client.Notification) error {
	switch note.Type {
	case ams.NotifyPaymentResult:
		return n.onPayment(ctx, note.Payment)
	case ams.NotifyCaptureResult:
		return n.onCapture(ctx, note.Capture)
	case ams.NotifyRefundResult:
		return n.onRefund(ctx, note.Refund)
	}
	n.log.InfoContext(ctx, "notification of an unknown type acknowledged", "notifyType", note.Type)
	return nil
}

// repeated checks and marks a notification's de-duplication key. book.mu must be held.
func (n *notifier) repeated(key string) bool {
	if n.seen[key] {
		return true
	}
	n.seen[key] = true
	return false
}

func (n *notifier) onPayment(ctx context.Context, p *ams.PaymentNotification) error {
	b := n.book
	b.mu.Lock()
	o, a := b.find(p.PaymentRequestID, p.PaymentID)
	if o, r := b.findRenewal(p.PaymentRequestID); r != nil {
		// A renewal's pay answered at once; the notification confirms it (or, after an
		// answer lost on the way, gives it).
		if r.Status != p.Result.ResultStatus {
			b.logEvent(ctx, o, "notification", "notifyPayment for renewal %d: %s %s", r.N, p.Result.ResultStatus, p.Result.ResultCode)
			r.PaymentID, r.Status, r.ResultCode, r.ResultMessage = p.PaymentID, p.Result.ResultStatus, p.Result.ResultCode, p.Result.ResultMessage
		}
		b.mu.Unlock()
		return nil
	}
	if a == nil {
		b.mu.Unlock()
		// Not an order of this process (state is in memory): acknowledge, or the gateway
		// would retry for a day.
		n.log.WarnContext(ctx, "notifyPayment for an unknown payment acknowledged", "paymentRequestId", p.PaymentRequestID, "paymentId", p.PaymentID)
		return nil
	}
	if n.repeated(ams.NotifyPaymentResult + "/" + p.PaymentID) {
		b.logEvent(ctx, o, "notification", "notifyPayment for attempt %d received again: duplicate ignored", a.N)
		b.mu.Unlock()
		return nil
	}
	b.linkPayment(a, p.PaymentID)
	status := ams.PaymentFail
	if p.Result.ResultStatus == ams.StatusSuccess {
		status = ams.PaymentSuccess
	}
	card := ""
	if i := p.PaymentResultInfo; i != nil && i.CardNo != "" {
		card = fmt.Sprintf(", card %s %s", i.CardBrand, i.CardNo)
	}
	b.logEvent(ctx, o, "notification", "notifyPayment for attempt %d (paymentId %s): %s %s%s", a.N, p.PaymentID, p.Result.ResultStatus, p.Result.ResultCode, card)
	var dup bool
	if p.Result.ResultStatus == ams.StatusUnknown {
		b.logEvent(ctx, o, "notification", "notifyPayment with status U: waiting for the final result")
	} else {
		dup = b.apply(ctx, o, a, status, p.Result.ResultCode, p.Result.ResultMessage, "notifyPayment")
		if status == ams.PaymentSuccess {
			b.saveCard(ctx, o, p.PaymentResultInfo, "notifyPayment")
		}
	}
	b.mu.Unlock()
	if dup {
		// The notification is recorded whatever happens next: a failed cancel or refund is
		// retried by the status endpoint.
		n.gw.settleDuplicate(ctx, o.ID, a.N)
	}
	return nil
}

func (n *notifier) onCapture(ctx context.Context, c *ams.CaptureNotification) error {
	o, a, err := n.gw.attemptByPaymentID(ctx, c.PaymentID)
	if err != nil {
		return fmt.Errorf("looking up payment %s: %w", c.PaymentID, err)
	}
	if a == nil {
		n.log.WarnContext(ctx, "notifyCapture for an unknown payment acknowledged", "paymentId", c.PaymentID, "captureId", c.CaptureID)
		return nil
	}
	b := n.book
	b.mu.Lock()
	defer b.mu.Unlock()
	if n.repeated(ams.NotifyCaptureResult + "/" + c.CaptureID) {
		b.logEvent(ctx, o, "notification", "notifyCapture %s received again: duplicate ignored", c.CaptureID)
		return nil
	}
	b.logEvent(ctx, o, "notification", "notifyCapture for attempt %d (captureRequestId %s, captureId %s): %s %s",
		a.N, c.CaptureRequestID, c.CaptureID, c.Result.ResultStatus, c.Result.ResultCode)
	switch c.Result.ResultStatus {
	case ams.StatusSuccess:
		b.captured(ctx, o, a, c.CaptureID, "notifyCapture")
	case ams.StatusFail:
		if a.CaptureState != captureDone {
			a.CaptureState = captureFailed
			b.logEvent(ctx, o, "capture", "capture %s of attempt %d failed: %s %s", c.CaptureRequestID, a.N, c.Result.ResultCode, c.Result.ResultMessage)
		}
	}
	return nil
}

func (n *notifier) onRefund(ctx context.Context, r *ams.RefundNotification) error {
	b := n.book
	b.mu.Lock()
	o, a := b.findRefund(r.RefundRequestID)
	b.mu.Unlock()
	if a == nil {
		var err error
		if o, a, err = n.gw.attemptByPaymentID(ctx, r.PaymentID); err != nil {
			return fmt.Errorf("looking up payment %s: %w", r.PaymentID, err)
		}
	}
	if a == nil {
		n.log.WarnContext(ctx, "notifyRefund for an unknown refund acknowledged", "refundRequestId", r.RefundRequestID, "refundId", r.RefundID)
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if n.repeated(ams.NotifyRefundResult + "/" + r.RefundID) {
		b.logEvent(ctx, o, "notification", "notifyRefund %s received again: duplicate ignored", r.RefundID)
		return nil
	}
	b.logEvent(ctx, o, "notification", "notifyRefund for attempt %d (refundId %s): %s", a.N, r.RefundID, r.RefundStatus)
	switch r.RefundStatus {
	case ams.RefundSuccess:
		if a.Duplicate == dupRefundPending || a.Duplicate == dupPending {
			a.Duplicate, a.RefundID = dupRefunded, r.RefundID
		}
	case ams.RefundFail:
		if a.Duplicate == dupRefundPending {
			a.Duplicate = dupFailed
			b.logEvent(ctx, o, "error", "refund %s of attempt %d failed: needs manual handling", r.RefundID, a.N)
		}
	}
	return nil
}
