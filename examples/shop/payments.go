package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/cashierpay/cashier/ams"
)

// callTimeout bounds one call to the gateway. Antom asks for at least 10 s; after a timeout
// the result comes from the notification or inquiryPayment.
const callTimeout = 20 * time.Second

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// apply records a payment status from a notification, inquiryPayment or cancel, logs what
// changed, and reports whether the attempt became a duplicate success to settle. s.mu must
// be held.
func (s *Shop) apply(ctx context.Context, o *Order, a *Attempt, status, code, msg, source string) bool {
	before := len(o.Events)
	dup := o.applyStatus(s.cfg.Now(), a, status, code, msg, source)
	for _, e := range o.Events[before:] {
		s.log.InfoContext(ctx, e.Text, "order", o.ID, "kind", e.Kind)
	}
	return dup
}

// env describes the buyer's browser for the gateway's risk checks and 3-D Secure.
func buyerEnv(r *http.Request) *ams.Env {
	env := &ams.Env{TerminalType: "WEB"}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		env.ClientIP = host
	}
	info := map[string]string{"userAgent": clip(r.UserAgent(), 512), "acceptHeader": clip(r.Header.Get("Accept"), 256)}
	if lang := r.Header.Get("Accept-Language"); lang != "" {
		info["language"] = clip(strings.Split(lang, ",")[0], 32)
	}
	env.BrowserInfo, _ = json.Marshal(info)
	return env
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// startAttempt creates a new payment attempt for an order, with a fresh paymentRequestId,
// and sends the buyer to pay it: to the hosted card page (pay) or to the shop's web SDK page
// (createPaymentSession).
func (s *Shop) startAttempt(w http.ResponseWriter, r *http.Request, orderID, mode string) {
	ctx := r.Context()
	s.mu.Lock()
	o := s.orders[orderID]
	if o == nil {
		s.mu.Unlock()
		s.fail(w, http.StatusNotFound, errorView{Message: "There is no such order."})
		return
	}
	if o.Winner != 0 {
		s.mu.Unlock()
		http.Redirect(w, r, "/orders/"+orderID, http.StatusSeeOther)
		return
	}
	a := &Attempt{N: len(o.Attempts) + 1, Mode: mode, CreatedAt: s.cfg.Now()}
	a.RequestID = fmt.Sprintf("%s-%d", o.ID, a.N)
	o.Attempts = append(o.Attempts, a)
	s.byReqID[a.RequestID] = a
	s.orderOf[a] = o
	s.logEvent(ctx, o, "attempt", "attempt %d (%s): paymentRequestId %s", a.N, mode, a.RequestID)
	product, captureMode := o.Product, o.CaptureMode
	s.mu.Unlock()

	order := &ams.Order{
		ReferenceOrderID: orderID, OrderDescription: product.Name, OrderAmount: product.Amount(),
		Goods: []ams.Goods{{ReferenceGoodsID: product.ID, GoodsName: product.Name, GoodsUnitAmount: product.Amount(), GoodsQuantity: "1"}},
	}
	factor := &ams.PaymentFactor{IsAuthorization: true, CaptureMode: captureMode}
	redirect := s.cfg.PublicURL + "/orders/" + orderID
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()

	if mode == ModeHosted {
		resp, err := s.c.Pay(cctx, &ams.PayRequest{
			ProductCode: ams.ProductCashierPayment, PaymentRequestID: a.RequestID, Order: order,
			PaymentAmount: product.Amount(), PaymentMethod: &ams.PaymentMethod{PaymentMethodType: ams.PaymentMethodCard},
			PaymentRedirectURL: redirect, PaymentNotifyURL: s.notifyURL, PaymentFactor: factor, Env: buyerEnv(r),
		})
		s.mu.Lock()
		defer s.mu.Unlock()
		if err != nil {
			// The payment may exist anyway: inquiryPayment will tell.
			s.logEvent(ctx, o, "error", "pay for attempt %d: no answer (%v); the result page will ask the gateway", a.N, err)
			s.failLocked(w, o, mode, "The payment could not be started. Please try again.")
			return
		}
		if resp.PaymentID != "" {
			a.PaymentID = resp.PaymentID
			s.byPayID[resp.PaymentID] = a
		}
		res := resp.Result
		s.logEvent(ctx, o, "attempt", "pay for attempt %d: %s %s (paymentId %s)", a.N, res.ResultStatus, res.ResultCode, resp.PaymentID)
		target := resp.NormalURL
		if target == "" && resp.RedirectActionForm != nil {
			target = resp.RedirectActionForm.RedirectURL
		}
		switch {
		case res.ResultStatus == ams.StatusUnknown && res.ResultCode == ams.CodePaymentInProcess && target != "":
			if a.Status == "" {
				a.Status = ams.PaymentProcessing
			}
			a.NormalURL = target
			http.Redirect(w, r, target, http.StatusSeeOther)
		case res.ResultStatus == ams.StatusFail:
			// Refused before any payment was made (a bad request, a risk rule): nothing
			// will be notified, so the attempt fails here.
			s.apply(ctx, o, a, ams.PaymentFail, res.ResultCode, res.ResultMessage, "pay")
			s.failLocked(w, o, mode, "The payment could not be started: "+res.ResultMessage)
		default:
			// S without a page, or U without a URL: the notification or inquiryPayment
			// decides; the result page waits for it.
			http.Redirect(w, r, redirect, http.StatusSeeOther)
		}
		return
	}

	resp, err := s.c.CreatePaymentSession(cctx, &ams.CreatePaymentSessionRequest{
		ProductCode: ams.ProductCashierPayment, PaymentRequestID: a.RequestID, Order: order,
		PaymentAmount: product.Amount(), PaymentMethod: &ams.PaymentMethod{PaymentMethodType: ams.PaymentMethodCard},
		PaymentRedirectURL: redirect, PaymentNotifyURL: s.notifyURL, PaymentFactor: factor, Env: buyerEnv(r),
		Locale: s.cfg.Locale,
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.logEvent(ctx, o, "error", "createPaymentSession for attempt %d: no answer (%v)", a.N, err)
		s.failLocked(w, o, mode, "The payment could not be started. Please try again.")
		return
	}
	res := resp.Result
	s.logEvent(ctx, o, "attempt", "createPaymentSession for attempt %d: %s %s (session expires %s)", a.N, res.ResultStatus, res.ResultCode, resp.PaymentSessionExpiryTime)
	if res.ResultStatus != ams.StatusSuccess || resp.PaymentSessionData == "" {
		s.apply(ctx, o, a, ams.PaymentFail, res.ResultCode, res.ResultMessage, "createPaymentSession")
		s.failLocked(w, o, mode, "The payment could not be started: "+res.ResultMessage)
		return
	}
	a.SessionData = resp.PaymentSessionData
	a.SessionExpiry = s.cfg.Now().Add(time.Hour)
	if t, err := ams.ParseTime(resp.PaymentSessionExpiryTime); err == nil {
		a.SessionExpiry = t
	}
	if a.Status == "" {
		a.Status = ams.PaymentProcessing
	}
	http.Redirect(w, r, fmt.Sprintf("/orders/%s/attempts/%d", o.ID, a.N), http.StatusSeeOther)
}

// failLocked renders the error page of an attempt that could not start. s.mu must be held.
func (s *Shop) failLocked(w http.ResponseWriter, o *Order, mode, msg string) {
	s.fail(w, http.StatusBadGateway, errorView{Title: "Payment not started", Message: msg, OrderID: o.ID, CanRetry: o.canRetry(), Mode: mode})
}

// reconcile asks the gateway about every attempt of an order that has no final state, and
// about a requested capture, and settles duplicate successes still pending.
func (s *Shop) reconcile(ctx context.Context, orderID string) {
	type ask struct {
		a         *Attempt
		requestID string
	}
	var asks []ask
	s.mu.Lock()
	o := s.orders[orderID]
	if o == nil {
		s.mu.Unlock()
		return
	}
	for _, a := range o.Attempts {
		captureOpen := a.N == o.Winner && a.CaptureState == captureRequested
		if (o.Winner == 0 && !finalStatus(a.Status)) || captureOpen {
			asks = append(asks, ask{a, a.RequestID})
		}
	}
	s.mu.Unlock()

	var dups []int
	for _, q := range asks {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		resp, err := s.c.InquiryPayment(cctx, &ams.InquiryPaymentRequest{PaymentRequestID: q.requestID})
		cancel()
		s.mu.Lock()
		if dup := s.applyInquiry(ctx, o, q.a, resp, err); dup {
			dups = append(dups, q.a.N)
		}
		s.mu.Unlock()
	}
	s.mu.Lock()
	for _, a := range o.Attempts {
		if a.Duplicate == dupPending && !containsInt(dups, a.N) {
			dups = append(dups, a.N)
		}
	}
	s.mu.Unlock()
	for _, n := range dups {
		s.settleDuplicate(ctx, orderID, n)
	}
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// applyInquiry records what inquiryPayment said about an attempt. s.mu must be held.
func (s *Shop) applyInquiry(ctx context.Context, o *Order, a *Attempt, resp *ams.InquiryPaymentResponse, err error) (duplicate bool) {
	if err != nil {
		s.logEvent(ctx, o, "error", "inquiryPayment for attempt %d failed: %v", a.N, err)
		return false
	}
	if resp.Result.ResultStatus != ams.StatusSuccess {
		if resp.Result.ResultCode == ams.CodeOrderNotExist && a.Status == "" {
			// pay or createPaymentSession never reached the gateway.
			s.logEvent(ctx, o, "inquiry", "inquiryPayment for attempt %d: ORDER_NOT_EXIST, the payment was never created", a.N)
			return s.apply(ctx, o, a, ams.PaymentFail, ams.CodeOrderNotExist, "the payment was never created", "inquiryPayment")
		}
		s.logEvent(ctx, o, "error", "inquiryPayment for attempt %d: %s %s", a.N, resp.Result.ResultCode, resp.Result.ResultMessage)
		return false
	}
	if resp.PaymentID != "" && a.PaymentID == "" {
		a.PaymentID = resp.PaymentID
		s.byPayID[resp.PaymentID] = a
	}
	if resp.PaymentStatus != a.lastInquired {
		s.logEvent(ctx, o, "inquiry", "inquiryPayment for attempt %d: %s %s", a.N, resp.PaymentStatus, resp.PaymentResultCode)
		a.lastInquired = resp.PaymentStatus
	}
	duplicate = s.apply(ctx, o, a, resp.PaymentStatus, resp.PaymentResultCode, resp.PaymentResultMessage, "inquiryPayment")
	for _, t := range resp.Transactions {
		if t.TransactionType != ams.TransactionCapture {
			continue
		}
		switch t.TransactionStatus {
		case ams.PaymentSuccess:
			s.captured(ctx, o, a, t.TransactionID, "inquiryPayment")
		case ams.PaymentFail:
			if a.CaptureState == captureRequested && t.TransactionRequestID == a.CaptureRequestID {
				a.CaptureState = captureFailed
				s.logEvent(ctx, o, "capture", "inquiryPayment: capture %s failed: %s", t.TransactionRequestID, t.TransactionResult.ResultCode)
			}
		}
	}
	return duplicate
}

// captured records a successful capture of attempt a. s.mu must be held.
func (s *Shop) captured(ctx context.Context, o *Order, a *Attempt, captureID, source string) {
	if a.CaptureState == captureDone {
		return
	}
	a.CaptureState, a.CaptureID = captureDone, captureID
	if o.manual() && a.N == o.Winner {
		s.logEvent(ctx, o, "capture", "capture %s of attempt %d succeeded (%s): the order is captured", captureID, a.N, source)
	} else {
		s.logEvent(ctx, o, "capture", "capture %s of attempt %d succeeded (%s)", captureID, a.N, source)
	}
}

// settleDuplicate voids (cancel) or refunds (refund, in full) a second successful payment
// for an order that another attempt already paid. The order keeps the first success.
func (s *Shop) settleDuplicate(ctx context.Context, orderID string, n int) {
	s.mu.Lock()
	o := s.orders[orderID]
	var a *Attempt
	if o != nil {
		a = o.attempt(n)
	}
	if a == nil || a.Duplicate != dupPending || a.settling {
		s.mu.Unlock()
		return
	}
	a.settling = true
	requestID, paymentID, amount := a.RequestID, a.PaymentID, o.Product.Amount()
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		a.settling = false
		s.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(ctx, 3*callTimeout)
	defer cancel()

	// Is it captured? A captured payment cannot be cancelled, only refunded.
	inq, err := s.c.InquiryPayment(ctx, &ams.InquiryPaymentRequest{PaymentRequestID: requestID})
	if err != nil || inq.Result.ResultStatus != ams.StatusSuccess {
		s.mu.Lock()
		s.logEvent(ctx, o, "error", "duplicate attempt %d: inquiryPayment failed (%v%s); will retry", n, err, resultText(inq))
		s.mu.Unlock()
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
		s.mu.Lock()
		a.Duplicate = dupCancelled
		s.apply(ctx, o, a, ams.PaymentCancelled, inq.PaymentResultCode, inq.PaymentResultMessage, "inquiryPayment")
		s.logEvent(ctx, o, "duplicate", "duplicate attempt %d is already cancelled", n)
		s.mu.Unlock()
		return
	}

	if !captured {
		resp, err := s.c.Cancel(ctx, &ams.CancelRequest{PaymentID: paymentID})
		s.mu.Lock()
		switch {
		case err != nil:
			s.logEvent(ctx, o, "error", "cancel of duplicate attempt %d (paymentId %s): no answer (%v); will retry", n, paymentID, err)
			s.mu.Unlock()
			return
		case resp.Result.ResultStatus == ams.StatusSuccess:
			a.Duplicate = dupCancelled
			s.apply(ctx, o, a, ams.PaymentCancelled, ams.CodeOrderIsCanceled, "cancelled as a duplicate", "cancel")
			s.logEvent(ctx, o, "cancel", "cancel of duplicate attempt %d (paymentId %s): SUCCESS, the authorization is voided", n, paymentID)
			s.mu.Unlock()
			return
		case resp.Result.ResultCode == ams.CodeOrderStatusInvalid:
			// Captured meanwhile: refund it.
			s.logEvent(ctx, o, "cancel", "cancel of duplicate attempt %d: %s (%s); refunding instead", n, resp.Result.ResultCode, resp.Result.ResultMessage)
			s.mu.Unlock()
		case resp.Result.ResultStatus == ams.StatusUnknown:
			s.logEvent(ctx, o, "error", "cancel of duplicate attempt %d: %s; will retry", n, resp.Result.ResultCode)
			s.mu.Unlock()
			return
		default:
			a.Duplicate = dupFailed
			s.logEvent(ctx, o, "error", "cancel of duplicate attempt %d refused: %s %s; needs manual handling", n, resp.Result.ResultCode, resp.Result.ResultMessage)
			s.mu.Unlock()
			return
		}
	}

	refundRequestID := requestID + "-refund"
	s.mu.Lock()
	a.RefundRequestID = refundRequestID
	s.mu.Unlock()
	resp, err := s.c.Refund(ctx, &ams.RefundRequest{
		RefundRequestID: refundRequestID, PaymentID: paymentID, RefundAmount: amount,
		RefundReason: "duplicate payment for order " + orderID, RefundNotifyURL: s.notifyURL,
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err != nil:
		s.logEvent(ctx, o, "error", "refund of duplicate attempt %d: no answer (%v); will retry with the same refundRequestId", n, err)
	case resp.Result.ResultStatus == ams.StatusSuccess:
		a.Duplicate, a.RefundID = dupRefunded, resp.RefundID
		s.logEvent(ctx, o, "refund", "refund of duplicate attempt %d (paymentId %s): SUCCESS, %s refunded in full (refundId %s)", n, paymentID, formatMoney(amount.Currency, o.Product.Value), resp.RefundID)
	case resp.Result.ResultStatus == ams.StatusUnknown:
		a.Duplicate, a.RefundID = dupRefundPending, resp.RefundID
		s.logEvent(ctx, o, "refund", "refund of duplicate attempt %d: %s, waiting for notifyRefund", n, resp.Result.ResultCode)
	default:
		a.Duplicate = dupFailed
		s.logEvent(ctx, o, "error", "refund of duplicate attempt %d refused: %s %s; needs manual handling", n, resp.Result.ResultCode, resp.Result.ResultMessage)
	}
}

func resultText(r *ams.InquiryPaymentResponse) string {
	if r == nil {
		return ""
	}
	return r.Result.ResultCode
}

// capture captures the winning authorization of a MANUAL order in full, with a fresh
// captureRequestId. The order becomes captured when notifyCapture (or inquiryPayment)
// confirms it.
func (s *Shop) capture(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	s.mu.Lock()
	o := s.orders[id]
	if o == nil {
		s.mu.Unlock()
		s.fail(w, http.StatusNotFound, errorView{Message: "There is no such order."})
		return
	}
	if !o.canCapture() {
		s.mu.Unlock()
		s.fail(w, http.StatusConflict, errorView{Title: "Cannot capture", Message: "This order has no authorization to capture.", OrderID: id})
		return
	}
	wa := o.attempt(o.Winner)
	o.Captures++
	wa.CaptureState = captureRequested
	wa.CaptureRequestID = fmt.Sprintf("%s-capture-%d", o.ID, o.Captures)
	req := &ams.CaptureRequest{CaptureRequestID: wa.CaptureRequestID, PaymentID: wa.PaymentID, CaptureAmount: o.Product.Amount()}
	s.logEvent(ctx, o, "capture", "capture requested: captureRequestId %s for %s", req.CaptureRequestID, o.Product.Price())
	s.mu.Unlock()

	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	resp, err := s.c.Capture(cctx, req)
	cancel()
	s.mu.Lock()
	switch {
	case err != nil:
		s.logEvent(ctx, o, "error", "capture %s: no answer (%v); waiting for notifyCapture or inquiryPayment", req.CaptureRequestID, err)
	case resp.Result.ResultStatus == ams.StatusFail:
		wa.CaptureState = captureFailed
		s.logEvent(ctx, o, "capture", "capture %s refused: %s %s", req.CaptureRequestID, resp.Result.ResultCode, resp.Result.ResultMessage)
	case wa.CaptureState == captureDone:
		// notifyCapture overtook the answer.
		s.logEvent(ctx, o, "capture", "capture %s answered %s %s (captureId %s)", req.CaptureRequestID, resp.Result.ResultStatus, resp.Result.ResultCode, resp.CaptureID)
	default:
		s.logEvent(ctx, o, "capture", "capture %s answered %s %s (captureId %s); waiting for notifyCapture", req.CaptureRequestID, resp.Result.ResultStatus, resp.Result.ResultCode, resp.CaptureID)
	}
	s.mu.Unlock()
	http.Redirect(w, r, "/orders/"+id, http.StatusSeeOther)
}

// cancelOrder voids the winning authorization of a MANUAL order that is not captured.
// cancel is synchronous only (no notification), so its SUCCESS answer moves the order.
func (s *Shop) cancelOrder(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	s.mu.Lock()
	o := s.orders[id]
	if o == nil {
		s.mu.Unlock()
		s.fail(w, http.StatusNotFound, errorView{Message: "There is no such order."})
		return
	}
	if !o.canCancel() {
		s.mu.Unlock()
		s.fail(w, http.StatusConflict, errorView{Title: "Cannot cancel", Message: "This order has no authorization to cancel.", OrderID: id})
		return
	}
	wa := o.attempt(o.Winner)
	paymentID := wa.PaymentID
	s.logEvent(ctx, o, "cancel", "cancel requested for attempt %d (paymentId %s)", wa.N, paymentID)
	s.mu.Unlock()

	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	resp, err := s.c.Cancel(cctx, &ams.CancelRequest{PaymentID: paymentID})
	cancel()
	s.mu.Lock()
	switch {
	case err != nil:
		s.logEvent(ctx, o, "error", "cancel of attempt %d: no answer (%v)", wa.N, err)
	case resp.Result.ResultStatus == ams.StatusSuccess:
		s.logEvent(ctx, o, "cancel", "cancel of attempt %d: SUCCESS", wa.N)
		s.apply(ctx, o, wa, ams.PaymentCancelled, ams.CodeOrderIsCanceled, "cancelled by the shop", "cancel")
	default:
		s.logEvent(ctx, o, "cancel", "cancel of attempt %d refused: %s %s", wa.N, resp.Result.ResultCode, resp.Result.ResultMessage)
	}
	s.mu.Unlock()
	http.Redirect(w, r, "/orders/"+id, http.StatusSeeOther)
}
