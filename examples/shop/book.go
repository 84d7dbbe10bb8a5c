package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/cashierpay/cashier/ams"
)

// orderBook is what the shop knows: its orders, their payment attempts and event logs, in
// memory (a real shop keeps them in its database). The book never calls the gateway; the
// gateway's answers, notifications and inquiryPayment results are recorded here, and only
// they move an order.
//
// mu guards every order and attempt in the book, and the notifier's de-duplication keys,
// so that a notification is recorded and marked processed at once. Gateway calls are made
// with mu released, so a slow gateway holds up no other buyer.
type orderBook struct {
	now func() time.Time
	log *slog.Logger

	mu       sync.Mutex
	orders   map[string]*Order
	ordering []string            // order ids, oldest first
	byReqID  map[string]*Attempt // paymentRequestId → attempt
	byPayID  map[string]*Attempt // paymentId → attempt
	orderOf  map[*Attempt]*Order
}

func newOrderBook(now func() time.Time, log *slog.Logger) *orderBook {
	return &orderBook{
		now: now, log: log,
		orders: map[string]*Order{}, byReqID: map[string]*Attempt{}, byPayID: map[string]*Attempt{},
		orderOf: map[*Attempt]*Order{},
	}
}

func (b *orderBook) add(o *Order) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.orders[o.ID] = o
	b.ordering = append(b.ordering, o.ID)
}

// order is nil for an id the book does not know. mu must be held.
func (b *orderBook) order(id string) *Order { return b.orders[id] }

// lockOrder locks the book for a step on the order that can allows (canCapture, ...); the
// book stays locked for the caller to unlock, unless there is an error.
func (b *orderBook) lockOrder(id string, can func(*Order) bool) (*Order, error) {
	b.mu.Lock()
	o := b.order(id)
	switch {
	case o == nil:
		b.mu.Unlock()
		return nil, errNoOrder
	case !can(o):
		b.mu.Unlock()
		return nil, errNotAllowed
	}
	return o, nil
}

// newest lists up to n orders, newest first. mu must be held.
func (b *orderBook) newest(n int) []*Order {
	var out []*Order
	for i := len(b.ordering) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, b.orders[b.ordering[i]])
	}
	return out
}

// newAttempt adds a payment attempt to an order. Its paymentRequestId, <order id>-<n>, is
// new: a new attempt is a new payment, and reusing a request id would make the gateway
// answer for the old one. mu must be held.
func (b *orderBook) newAttempt(ctx context.Context, o *Order, mode string) *Attempt {
	a := &Attempt{N: len(o.Attempts) + 1, Mode: mode, CreatedAt: b.now()}
	a.RequestID = fmt.Sprintf("%s-%d", o.ID, a.N)
	o.Attempts = append(o.Attempts, a)
	b.byReqID[a.RequestID] = a
	b.orderOf[a] = o
	b.logEvent(ctx, o, "attempt", "attempt %d (%s): paymentRequestId %s", a.N, mode, a.RequestID)
	return a
}

// linkPayment records the paymentId the gateway gave an attempt, so that notifications
// and calls naming only the paymentId find it. mu must be held.
func (b *orderBook) linkPayment(a *Attempt, paymentID string) {
	if paymentID != "" && a.PaymentID == "" {
		a.PaymentID = paymentID
		b.byPayID[paymentID] = a
	}
}

// find looks an attempt up by paymentRequestId, else by paymentId; nil if the book does
// not know it. mu must be held.
func (b *orderBook) find(requestID, paymentID string) (*Order, *Attempt) {
	a := b.byReqID[requestID]
	if a == nil {
		a = b.byPayID[paymentID]
	}
	if a == nil {
		return nil, nil
	}
	return b.orderOf[a], a
}

// saveCard keeps the card a subscription's successful payment saved, once: the first
// success's card is the one on file. mu must be held.
func (b *orderBook) saveCard(ctx context.Context, o *Order, info *ams.PaymentResultInfo, source string) {
	if !o.Product.Renews || o.Saved != nil || info == nil {
		return
	}
	if info.CardToken == "" || info.NetworkTransactionID == "" {
		b.logEvent(ctx, o, "error", "%s: the payment saved no card (the buyer did not agree to save it); renewals cannot be charged", source)
		return
	}
	o.Saved = &SavedCard{Token: info.CardToken, NetworkTransactionID: info.NetworkTransactionID, Card: strings.TrimSpace(info.CardBrand + " " + info.CardNo)}
	b.logEvent(ctx, o, "subscription", "card on file from %s: %s, networkTransactionId %s", source, o.Saved.Card, info.NetworkTransactionID)
}

// findRenewal looks up a subscription's renewal by its paymentRequestId. mu must be held.
func (b *orderBook) findRenewal(requestID string) (*Order, *Renewal) {
	for _, o := range b.orders {
		for _, r := range o.Renewals {
			if r.RequestID == requestID {
				return o, r
			}
		}
	}
	return nil, nil
}

// findRefund looks up the attempt a refund was made for. mu must be held.
func (b *orderBook) findRefund(refundRequestID string) (*Order, *Attempt) {
	for a, o := range b.orderOf {
		if a.RefundRequestID != "" && a.RefundRequestID == refundRequestID {
			return o, a
		}
	}
	return nil, nil
}

// logEvent appends to an order's log and to the process log. mu must be held.
func (b *orderBook) logEvent(ctx context.Context, o *Order, kind, format string, args ...any) {
	o.event(b.now(), kind, format, args...)
	level := slog.LevelInfo
	if kind == "error" {
		level = slog.LevelWarn
	}
	b.log.Log(ctx, level, o.Events[len(o.Events)-1].Text, "order", o.ID, "kind", kind)
}

// apply records a payment status from a notification, inquiryPayment or cancel, logs what
// changed, and reports whether the attempt became a duplicate success to settle. mu must
// be held.
func (b *orderBook) apply(ctx context.Context, o *Order, a *Attempt, status, code, msg, source string) bool {
	before := len(o.Events)
	dup := o.applyStatus(b.now(), a, status, code, msg, source)
	for _, e := range o.Events[before:] {
		b.log.InfoContext(ctx, e.Text, "order", o.ID, "kind", e.Kind)
	}
	return dup
}

// applyInquiry records what inquiryPayment said about an attempt: its status, and the
// outcome of a capture whose notifyCapture may have been lost. mu must be held.
func (b *orderBook) applyInquiry(ctx context.Context, o *Order, a *Attempt, resp *ams.InquiryPaymentResponse, err error) (duplicate bool) {
	if err != nil {
		b.logEvent(ctx, o, "error", "inquiryPayment for attempt %d failed: %v", a.N, err)
		return false
	}
	if resp.Result.ResultStatus != ams.StatusSuccess {
		if resp.Result.ResultCode == ams.CodeOrderNotExist && a.Status == "" {
			// pay or createPaymentSession never reached the gateway.
			b.logEvent(ctx, o, "inquiry", "inquiryPayment for attempt %d: ORDER_NOT_EXIST, the payment was never created", a.N)
			return b.apply(ctx, o, a, ams.PaymentFail, ams.CodeOrderNotExist, "the payment was never created", "inquiryPayment")
		}
		b.logEvent(ctx, o, "error", "inquiryPayment for attempt %d: %s %s", a.N, resp.Result.ResultCode, resp.Result.ResultMessage)
		return false
	}
	b.linkPayment(a, resp.PaymentID)
	if resp.PaymentStatus != a.lastInquired {
		b.logEvent(ctx, o, "inquiry", "inquiryPayment for attempt %d: %s %s", a.N, resp.PaymentStatus, resp.PaymentResultCode)
		a.lastInquired = resp.PaymentStatus
	}
	duplicate = b.apply(ctx, o, a, resp.PaymentStatus, resp.PaymentResultCode, resp.PaymentResultMessage, "inquiryPayment")
	if resp.PaymentStatus == ams.PaymentSuccess {
		b.saveCard(ctx, o, resp.PaymentResultInfo, "inquiryPayment")
	}
	for _, t := range resp.Transactions {
		if t.TransactionType != ams.TransactionCapture {
			continue
		}
		switch t.TransactionStatus {
		case ams.PaymentSuccess:
			b.captured(ctx, o, a, t.TransactionID, "inquiryPayment")
		case ams.PaymentFail:
			if a.CaptureState == captureRequested && t.TransactionRequestID == a.CaptureRequestID {
				a.CaptureState = captureFailed
				b.logEvent(ctx, o, "capture", "inquiryPayment: capture %s failed: %s", t.TransactionRequestID, t.TransactionResult.ResultCode)
			}
		}
	}
	return duplicate
}

// captured records a successful capture of attempt a, as notifyCapture or inquiryPayment
// confirmed it: capture's own answer is not enough. mu must be held.
func (b *orderBook) captured(ctx context.Context, o *Order, a *Attempt, captureID, source string) {
	if a.CaptureState == captureDone {
		return
	}
	a.CaptureState, a.CaptureID = captureDone, captureID
	if o.manual() && a.N == o.Winner {
		b.logEvent(ctx, o, "capture", "capture %s of attempt %d succeeded (%s): the order is captured", captureID, a.N, source)
	} else {
		b.logEvent(ctx, o, "capture", "capture %s of attempt %d succeeded (%s)", captureID, a.N, source)
	}
}
