package main

import (
	"context"
	"fmt"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
)

// handleNotification processes a notification that client.NotificationHandler has
// verified. Returning nil acknowledges it; an error makes the gateway send it again later.
// Notifications arrive at least once, so each is processed once per notifyType plus
// paymentId, captureId or refundId; repeats are acknowledged and logged.
func (s *Shop) handleNotification(ctx context.Context, n client.Notification) error {
	switch n.Type {
	case ams.NotifyPaymentResult:
		return s.onPayment(ctx, n.Payment)
	case ams.NotifyCaptureResult:
		return s.onCapture(ctx, n.Capture)
	case ams.NotifyRefundResult:
		return s.onRefund(ctx, n.Refund)
	}
	s.log.InfoContext(ctx, "notification of an unknown type acknowledged", "notifyType", n.Type)
	return nil
}

// seenLocked checks and marks a notification's de-duplication key. s.mu must be held.
func (s *Shop) seenLocked(key string) bool {
	if s.seen[key] {
		return true
	}
	s.seen[key] = true
	return false
}

func (s *Shop) onPayment(ctx context.Context, p *ams.PaymentNotification) error {
	key := ams.NotifyPaymentResult + "/" + p.PaymentID
	s.mu.Lock()
	a := s.byReqID[p.PaymentRequestID]
	if a == nil && p.PaymentID != "" {
		a = s.byPayID[p.PaymentID]
	}
	if a == nil {
		s.mu.Unlock()
		// Not an order of this process (state is in memory): acknowledge, or the gateway
		// would retry for a day.
		s.log.WarnContext(ctx, "notifyPayment for an unknown payment acknowledged", "paymentRequestId", p.PaymentRequestID, "paymentId", p.PaymentID)
		return nil
	}
	o := s.orderOf[a]
	if s.seenLocked(key) {
		s.logEvent(ctx, o, "notification", "notifyPayment for attempt %d received again: duplicate ignored", a.N)
		s.mu.Unlock()
		return nil
	}
	if p.PaymentID != "" && a.PaymentID == "" {
		a.PaymentID = p.PaymentID
		s.byPayID[p.PaymentID] = a
	}
	status := ams.PaymentFail
	if p.Result.ResultStatus == ams.StatusSuccess {
		status = ams.PaymentSuccess
	}
	card := ""
	if i := p.PaymentResultInfo; i != nil && i.CardNo != "" {
		card = fmt.Sprintf(", card %s %s", i.CardBrand, i.CardNo)
	}
	s.logEvent(ctx, o, "notification", "notifyPayment for attempt %d (paymentId %s): %s %s%s", a.N, p.PaymentID, p.Result.ResultStatus, p.Result.ResultCode, card)
	var dup bool
	if p.Result.ResultStatus == ams.StatusUnknown {
		s.logEvent(ctx, o, "notification", "notifyPayment with status U: waiting for the final result")
	} else {
		dup = s.apply(ctx, o, a, status, p.Result.ResultCode, p.Result.ResultMessage, "notifyPayment")
	}
	orderID, n := o.ID, a.N
	s.mu.Unlock()
	if dup {
		// The notification is recorded whatever happens next: a failed cancel or refund is
		// retried by the status endpoint.
		s.settleDuplicate(ctx, orderID, n)
	}
	return nil
}

// attemptByPaymentID finds the attempt of a payment; for a payment id the shop has not seen
// yet (notifyCapture can overtake notifyPayment) it asks inquiryPayment for its
// paymentRequestId.
func (s *Shop) attemptByPaymentID(ctx context.Context, paymentID string) (*Attempt, error) {
	s.mu.Lock()
	a := s.byPayID[paymentID]
	s.mu.Unlock()
	if a != nil || paymentID == "" {
		return a, nil
	}
	resp, err := s.c.InquiryPayment(ctx, &ams.InquiryPaymentRequest{PaymentID: paymentID})
	if err != nil {
		return nil, err
	}
	if resp.Result.ResultStatus != ams.StatusSuccess {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a = s.byReqID[resp.PaymentRequestID]
	if a != nil && a.PaymentID == "" {
		a.PaymentID = paymentID
		s.byPayID[paymentID] = a
	}
	return a, nil
}

func (s *Shop) onCapture(ctx context.Context, c *ams.CaptureNotification) error {
	a, err := s.attemptByPaymentID(ctx, c.PaymentID)
	if err != nil {
		return fmt.Errorf("looking up payment %s: %w", c.PaymentID, err)
	}
	if a == nil {
		s.log.WarnContext(ctx, "notifyCapture for an unknown payment acknowledged", "paymentId", c.PaymentID, "captureId", c.CaptureID)
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orderOf[a]
	if s.seenLocked(ams.NotifyCaptureResult + "/" + c.CaptureID) {
		s.logEvent(ctx, o, "notification", "notifyCapture %s received again: duplicate ignored", c.CaptureID)
		return nil
	}
	s.logEvent(ctx, o, "notification", "notifyCapture for attempt %d (captureRequestId %s, captureId %s): %s %s",
		a.N, c.CaptureRequestID, c.CaptureID, c.Result.ResultStatus, c.Result.ResultCode)
	switch c.Result.ResultStatus {
	case ams.StatusSuccess:
		s.captured(ctx, o, a, c.CaptureID, "notifyCapture")
	case ams.StatusFail:
		if a.CaptureState != captureDone {
			a.CaptureState = captureFailed
			s.logEvent(ctx, o, "capture", "capture %s of attempt %d failed: %s %s", c.CaptureRequestID, a.N, c.Result.ResultCode, c.Result.ResultMessage)
		}
	}
	return nil
}

func (s *Shop) onRefund(ctx context.Context, r *ams.RefundNotification) error {
	s.mu.Lock()
	var a *Attempt
	for at := range s.orderOf {
		if at.RefundRequestID != "" && at.RefundRequestID == r.RefundRequestID {
			a = at
			break
		}
	}
	s.mu.Unlock()
	if a == nil {
		var err error
		if a, err = s.attemptByPaymentID(ctx, r.PaymentID); err != nil {
			return fmt.Errorf("looking up payment %s: %w", r.PaymentID, err)
		}
	}
	if a == nil {
		s.log.WarnContext(ctx, "notifyRefund for an unknown refund acknowledged", "refundRequestId", r.RefundRequestID, "refundId", r.RefundID)
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orderOf[a]
	if s.seenLocked(ams.NotifyRefundResult + "/" + r.RefundID) {
		s.logEvent(ctx, o, "notification", "notifyRefund %s received again: duplicate ignored", r.RefundID)
		return nil
	}
	s.logEvent(ctx, o, "notification", "notifyRefund for attempt %d (refundId %s): %s", a.N, r.RefundID, r.RefundStatus)
	switch r.RefundStatus {
	case ams.RefundSuccess:
		if a.Duplicate == dupRefundPending || a.Duplicate == dupPending {
			a.Duplicate, a.RefundID = dupRefunded, r.RefundID
		}
	case ams.RefundFail:
		if a.Duplicate == dupRefundPending {
			a.Duplicate = dupFailed
			s.logEvent(ctx, o, "error", "refund %s of attempt %d failed: needs manual handling", r.RefundID, a.N)
		}
	}
	return nil
}
