package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
)

// callTimeout bounds one call to the gateway. Antom asks for at least 10 s; after a timeout
// the result comes from the notification or inquiryPayment.
const callTimeout = 20 * time.Second

var (
	errNoOrder    = errors.New("no such order")
	errNotAllowed = errors.New("not possible in the order's state")
)

// startFailure is why a payment attempt could not start, for the buyer's error page.
type startFailure struct {
	message  string
	canRetry bool
}

func (f *startFailure) Error() string { return f.message }

// gateway makes the shop's calls to the gateway (cashier, or Antom itself) and records the
// answers in the book. Each payment, capture and refund has a request id of its own
// (paymentRequestId, captureRequestId, refundRequestId), so that the gateway takes a
// repeated call for what it is and never pays, captures or refunds twice. This file has
// the calls the buyer or the merchant starts; reconcile.go has those that find out what
// happened.
type gateway struct {
	c         *client.Client
	book      *orderBook
	wallet    *wallet
	notifyURL string
	publicURL string
	locale    string
}

// start creates a new payment attempt for an order and returns where to send the buyer to
// pay it: the hosted card page (pay) or the shop's web SDK page (createPaymentSession). A
// paid order gets no new attempt; the buyer goes back to it.
func (g *gateway) start(ctx context.Context, orderID, mode string, env *ams.Env) (target string, err error) {
	b := g.book
	b.mu.Lock()
	o := b.order(orderID)
	if o == nil {
		b.mu.Unlock()
		return "", errNoOrder
	}
	if o.Winner != 0 {
		b.mu.Unlock()
		return orderPath(orderID), nil
	}
	a := b.newAttempt(ctx, o, mode)
	product, captureMode, token := o.Product, o.CaptureMode, o.CardToken
	b.mu.Unlock()

	order := &ams.Order{
		ReferenceOrderID: orderID, OrderDescription: product.Name, OrderAmount: product.Amount(),
		Goods: []ams.Goods{{ReferenceGoodsID: product.ID, GoodsName: product.Name, GoodsUnitAmount: product.Amount(), GoodsQuantity: "1"}},
	}
	factor := &ams.PaymentFactor{IsAuthorization: true, CaptureMode: captureMode}
	method := &ams.PaymentMethod{PaymentMethodType: ams.PaymentMethodCard}
	if product.Renews {
		// The first payment of a subscription saves the card on file; the order is the
		// buyer the token belongs to, as the shop keeps no accounts.
		order.Buyer = &ams.Buyer{ReferenceBuyerID: orderID}
		method.PaymentMethodMetaData = []byte(`{"isCardOnFile":true}`)
	}
	redirect := g.publicURL + orderPath(orderID)
	if mode == ModeSaved {
		// The saved card pays at once; a card its issuer wants 3-D Secure for gets normalUrl.
		method.PaymentMethodID = token
		mode = ModeHosted
	}
	if mode == ModeHosted {
		return g.pay(ctx, o, a, &ams.PayRequest{
			ProductCode: ams.ProductCashierPayment, PaymentRequestID: a.RequestID, Order: order,
			PaymentAmount: product.Amount(), PaymentMethod: method,
			PaymentRedirectURL: redirect, PaymentNotifyURL: g.notifyURL, PaymentFactor: factor, Env: env,
		})
	}
	return g.createSession(ctx, o, a, &ams.CreatePaymentSessionRequest{
		ProductCode: ams.ProductCashierPayment, PaymentRequestID: a.RequestID, Order: order,
		PaymentAmount: product.Amount(), PaymentMethod: method,
		PaymentRedirectURL: redirect, PaymentNotifyURL: g.notifyURL, PaymentFactor: factor, Env: env,
		Locale: g.locale,
	})
}

// pay starts a hosted attempt: pay without card data, then the buyer goes to normalUrl.
func (g *gateway) pay(ctx context.Context, o *Order, a *Attempt, req *ams.PayRequest) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	resp, err := g.c.Pay(cctx, req)
	cancel()
	b := g.book
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		// The payment may exist anyway: inquiryPayment will tell.
		b.logEvent(ctx, o, "error", "pay for attempt %d: no answer (%v); the result page will ask the gateway", a.N, err)
		return "", &startFailure{"The payment could not be started. Please try again.", o.canRetry()}
	}
	b.linkPayment(a, resp.PaymentID)
	res := resp.Result
	b.logEvent(ctx, o, "attempt", "pay for attempt %d: %s %s (paymentId %s)", a.N, res.ResultStatus, res.ResultCode, resp.PaymentID)
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
		return target, nil
	case res.ResultStatus == ams.StatusFail:
		// Refused before any payment was made (a bad request, a risk rule): nothing
		// will be notified, so the attempt fails here.
		b.apply(ctx, o, a, ams.PaymentFail, res.ResultCode, res.ResultMessage, "pay")
		return "", &startFailure{"The payment could not be started: " + res.ResultMessage, o.canRetry()}
	}
	// S without a page, or U without a URL: the notification or inquiryPayment decides;
	// the result page waits for it.
	return req.PaymentRedirectURL, nil
}

// createSession starts a popup or embedded attempt: createPaymentSession, whose
// paymentSessionData the shop's SDK page hands to the web SDK unchanged.
func (g *gateway) createSession(ctx context.Context, o *Order, a *Attempt, req *ams.CreatePaymentSessionRequest) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	resp, err := g.c.CreatePaymentSession(cctx, req)
	cancel()
	b := g.book
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		b.logEvent(ctx, o, "error", "createPaymentSession for attempt %d: no answer (%v)", a.N, err)
		return "", &startFailure{"The payment could not be started. Please try again.", o.canRetry()}
	}
	res := resp.Result
	b.logEvent(ctx, o, "attempt", "createPaymentSession for attempt %d: %s %s (session expires %s)", a.N, res.ResultStatus, res.ResultCode, resp.PaymentSessionExpiryTime)
	if res.ResultStatus != ams.StatusSuccess || resp.PaymentSessionData == "" {
		b.apply(ctx, o, a, ams.PaymentFail, res.ResultCode, res.ResultMessage, "createPaymentSession")
		return "", &startFailure{"The payment could not be started: " + res.ResultMessage, o.canRetry()}
	}
	a.SessionData = resp.PaymentSessionData
	a.SessionExpiry = b.now().Add(time.Hour)
	if t, err := ams.ParseTime(resp.PaymentSessionExpiryTime); err == nil {
		a.SessionExpiry = t
	}
	if a.Status == "" {
		a.Status = ams.PaymentProcessing
	}
	return attemptPath(o.ID, a.N), nil
}

// capture captures the winning authorization of a MANUAL order in full, with a fresh
// captureRequestId. The order becomes captured when notifyCapture (or inquiryPayment)
// confirms it.
func (g *gateway) capture(ctx context.Context, orderID string) error {
	b := g.book
	o, err := b.lockOrder(orderID, (*Order).canCapture)
	if err != nil {
		return err
	}
	wa := o.attempt(o.Winner)
	o.Captures++
	wa.CaptureState = captureRequested
	wa.CaptureRequestID = fmt.Sprintf("%s-capture-%d", o.ID, o.Captures)
	req := &ams.CaptureRequest{CaptureRequestID: wa.CaptureRequestID, PaymentID: wa.PaymentID, CaptureAmount: o.Product.Amount()}
	b.logEvent(ctx, o, "capture", "capture requested: captureRequestId %s for %s", req.CaptureRequestID, o.Product.Price())
	b.mu.Unlock()

	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	resp, err := g.c.Capture(cctx, req)
	cancel()
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case err != nil:
		b.logEvent(ctx, o, "error", "capture %s: no answer (%v); waiting for notifyCapture or inquiryPayment", req.CaptureRequestID, err)
	case resp.Result.ResultStatus == ams.StatusFail:
		wa.CaptureState = captureFailed
		b.logEvent(ctx, o, "capture", "capture %s refused: %s %s", req.CaptureRequestID, resp.Result.ResultCode, resp.Result.ResultMessage)
	case wa.CaptureState == captureDone:
		// notifyCapture overtook the answer.
		b.logEvent(ctx, o, "capture", "capture %s answered %s %s (captureId %s)", req.CaptureRequestID, resp.Result.ResultStatus, resp.Result.ResultCode, resp.CaptureID)
	default:
		b.logEvent(ctx, o, "capture", "capture %s answered %s %s (captureId %s); waiting for notifyCapture", req.CaptureRequestID, resp.Result.ResultStatus, resp.Result.ResultCode, resp.CaptureID)
	}
	return nil
}

// cancel voids the winning authorization of a MANUAL order that is not captured. cancel
// is synchronous only (Antom never notifies it), so its SUCCESS answer moves the order.
func (g *gateway) cancel(ctx context.Context, orderID string) error {
	b := g.book
	o, err := b.lockOrder(orderID, (*Order).canCancel)
	if err != nil {
		return err
	}
	wa := o.attempt(o.Winner)
	paymentID := wa.PaymentID
	b.logEvent(ctx, o, "cancel", "cancel requested for attempt %d (paymentId %s)", wa.N, paymentID)
	b.mu.Unlock()

	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	resp, err := g.c.Cancel(cctx, &ams.CancelRequest{PaymentID: paymentID})
	cancel()
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case err != nil:
		b.logEvent(ctx, o, "error", "cancel of attempt %d: no answer (%v)", wa.N, err)
	case resp.Result.ResultStatus == ams.StatusSuccess:
		b.logEvent(ctx, o, "cancel", "cancel of attempt %d: SUCCESS", wa.N)
		b.apply(ctx, o, wa, ams.PaymentCancelled, ams.CodeOrderIsCanceled, "cancelled by the shop", "cancel")
	default:
		b.logEvent(ctx, o, "cancel", "cancel of attempt %d refused: %s %s", wa.N, resp.Result.ResultCode, resp.Result.ResultMessage)
	}
	return nil
}

// renew charges a subscription's next period to the card on file: a merchant-initiated pay
// (recurringType SCHEDULED) with the token and the networkTransactionId of the payment that
// saved it. No buyer is there, so the answer is final at once (but for an issuer that has
// not answered, which the notification settles).
func (g *gateway) renew(ctx context.Context, orderID string) error {
	b := g.book
	o, err := b.lockOrder(orderID, (*Order).canRenew)
	if err != nil {
		return err
	}
	r := &Renewal{N: len(o.Renewals) + 1}
	r.RequestID = fmt.Sprintf("%s-renewal-%d", o.ID, r.N)
	o.Renewals = append(o.Renewals, r)
	meta, err := json.Marshal(ams.CardMetaData{IsCardOnFile: true, RecurringType: ams.RecurringScheduled, NetworkTransactionID: o.Saved.NetworkTransactionID})
	if err != nil {
		b.mu.Unlock()
		return err
	}
	product := o.Product
	req := &ams.PayRequest{
		ProductCode: ams.ProductCashierPayment, PaymentRequestID: r.RequestID,
		Order: &ams.Order{
			ReferenceOrderID: o.ID, OrderDescription: product.Name + ", renewal " + strconv.Itoa(r.N), OrderAmount: product.Amount(),
			Buyer: &ams.Buyer{ReferenceBuyerID: o.ID},
		},
		PaymentAmount:      product.Amount(),
		PaymentMethod:      &ams.PaymentMethod{PaymentMethodType: ams.PaymentMethodCard, PaymentMethodID: o.Saved.Token, PaymentMethodMetaData: meta},
		PaymentRedirectURL: g.publicURL + orderPath(o.ID), PaymentNotifyURL: g.notifyURL,
		PaymentFactor: &ams.PaymentFactor{IsAuthorization: true, CaptureMode: ams.CaptureAutomatic},
		Env:           &ams.Env{TerminalType: "WEB"},
	}
	b.logEvent(ctx, o, "subscription", "renewal %d: merchant-initiated pay for %s (paymentRequestId %s)", r.N, product.Price(), r.RequestID)
	b.mu.Unlock()

	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	resp, err := g.c.Pay(cctx, req)
	cancel()
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		b.logEvent(ctx, o, "error", "renewal %d: no answer (%v); notifyPayment will tell", r.N, err)
		return nil
	}
	if r.Status == "" {
		r.PaymentID, r.Status, r.ResultCode, r.ResultMessage = resp.PaymentID, resp.Result.ResultStatus, resp.Result.ResultCode, resp.Result.ResultMessage
	}
	b.logEvent(ctx, o, "subscription", "renewal %d: %s %s", r.N, resp.Result.ResultStatus, resp.Result.ResultCode)
	return nil
}
