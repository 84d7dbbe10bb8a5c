package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
	"github.com/cashierpay/cashier/internal/antom"
	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/cli"
)

// Sandbox cards (docs/test-cards.md).
const (
	cardOK      = "4054695723100768"
	cardDecline = "4054692760174822"
)

// env is a real cashier sandbox gateway in process, and the shop in front of it, each on its
// own httptest server, so notifications travel over HTTP as in production.
type env struct {
	t        *testing.T
	app      *cli.App
	gwURL    string
	c        *client.Client
	shop     *Shop
	shopURL  string
	http     *http.Client // follows no redirects
	offset   atomic.Int64 // the shop's clock offset, nanoseconds
	drop     atomic.Bool  // refuse notifications (HTTP 503) while set
	received atomic.Int32 // notifications that reached the shop, dropped or not
	// frameGate, while set, holds the gateway's answer for the SDK's card frame until the
	// channel closes: the popup stays loading for as long as a test needs.
	frameGate atomic.Pointer[chan struct{}]

	mu   sync.Mutex
	raws []rawNotification // notifications delivered, for replays
}

type rawNotification struct {
	header http.Header
	body   []byte
}

type envOptions struct {
	inquiryInterval time.Duration
	product         Product
}

func newEnv(t *testing.T, opts envOptions) *env {
	t.Helper()
	e := &env{t: t}
	quiet := slog.New(slog.DiscardHandler)

	gw := httptest.NewUnstartedServer(nil)
	e.gwURL = "http://" + gw.Listener.Addr().String()
	app, err := cli.Open(context.Background(), cli.Options{DataDir: t.TempDir(), PublicURL: e.gwURL, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	e.app = app
	gw.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gate := e.frameGate.Load(); gate != nil && strings.HasPrefix(r.URL.Path, "/sdk/form/") {
			select {
			case <-*gate:
			case <-r.Context().Done():
				return
			}
		}
		app.Handler.ServeHTTP(w, r)
	})
	gw.Start()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { app.Run(ctx); close(done) }()

	sm := app.SandboxClient
	e.c, err = client.New(client.Config{BaseURL: e.gwURL, ClientID: sm.ClientID, MerchantPrivateKey: sm.MerchantPrivateKey, GatewayPublicKey: sm.GatewayPublicKey})
	if err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewUnstartedServer(nil)
	e.shopURL = "http://" + srv.Listener.Addr().String()
	if opts.inquiryInterval == 0 {
		opts.inquiryInterval = -1 // every status call may inquire
	}
	e.shop = New(Config{
		Client: e.c, GatewayURL: e.gwURL, PublicURL: e.shopURL, InquiryInterval: opts.inquiryInterval,
		Product: opts.product, Logger: quiet,
		Now: func() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) },
	})
	h := e.shop.Handler()
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/antom/notify" {
			e.received.Add(1)
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if e.drop.Load() {
				http.Error(w, "dropped by the test", http.StatusServiceUnavailable)
				return
			}
			e.mu.Lock()
			e.raws = append(e.raws, rawNotification{header: r.Header.Clone(), body: body})
			e.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
	srv.Start()
	e.http = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
		gw.Close()
		app.Close()
	})
	return e
}

func (e *env) post(path string, form url.Values) *http.Response {
	e.t.Helper()
	resp, err := e.http.PostForm(e.shopURL+path, form)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func (e *env) get(path string) (*http.Response, string) {
	e.t.Helper()
	resp, err := e.http.Get(e.shopURL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// checkout posts the product page's form and returns the new order's id and where the
// buyer was sent.
func (e *env) checkout(mode string, manual bool) (orderID, location string) {
	e.t.Helper()
	form := url.Values{"mode": {mode}}
	if manual {
		form.Set("capture", "manual")
	}
	resp := e.post("/checkout", form)
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("checkout %s: HTTP %d, want 303", mode, resp.StatusCode)
	}
	ids := e.shop.orderIDsForTest()
	return ids[len(ids)-1], resp.Header.Get("Location")
}

// retry starts a new attempt for an order and returns where the buyer was sent.
func (e *env) retry(orderID, mode string) string {
	e.t.Helper()
	resp := e.post("/orders/"+orderID+"/retry", url.Values{"mode": {mode}})
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("retry: HTTP %d, want 303", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// hostedToken is the page token of a hosted page URL.
func (e *env) hostedToken(normalURL string) string {
	e.t.Helper()
	prefix := e.gwURL + "/checkout/"
	if !strings.HasPrefix(normalURL, prefix) {
		e.t.Fatalf("buyer sent to %q, want the gateway's hosted page %s...", normalURL, prefix)
	}
	return strings.TrimPrefix(normalURL, prefix)
}

// payPage types a card on a hosted page (or into a session's card form) the way the buyer's
// browser would submit it.
func (e *env) payPage(token, cardNo string) *checkout.HostedView {
	e.t.Helper()
	v, err := e.app.Checkout.SubmitCard(context.Background(), token, checkout.CardInput{
		Number: cardNo, ExpiryMonth: "12", ExpiryYear: "30", CVV: "123", HolderName: "Ada",
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// payUntilFinal types the card on a hosted page again after each decline, as a buyer who
// keeps trying would, until the payment is final: at the latest when the gateway closes it
// at its bound on card attempts.
func (e *env) payUntilFinal(token, cardNo string) *checkout.HostedView {
	e.t.Helper()
	v := e.payPage(token, cardNo)
	for i := 0; v.Step == checkout.StepCard && i < 10; i++ {
		v = e.payPage(token, cardNo)
	}
	return v
}

// status calls the shop's status endpoint, as the order page's script does.
func (e *env) status(orderID string) statusJSON {
	e.t.Helper()
	resp, body := e.get("/orders/" + orderID + "/status")
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("status: HTTP %d: %s", resp.StatusCode, body)
	}
	var s statusJSON
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		e.t.Fatalf("status: %v: %s", err, body)
	}
	return s
}

// waitOrder waits until cond holds for the order, reading the shop's memory directly (no
// status call, so no inquiryPayment: only notifications move the order meanwhile).
func (e *env) waitOrder(orderID, what string, cond func(o *Order) bool) {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		b := e.shop.gw.book
		b.mu.Lock()
		o := b.orders[orderID]
		ok := o != nil && cond(o)
		var state string
		var events []Event
		if o != nil {
			state, events = o.State(), append(events, o.Events...)
		}
		b.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("order %s: timed out waiting for %s; state %s, events:\n%s", orderID, what, state, eventText(events))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *env) waitState(orderID, state string) {
	e.t.Helper()
	e.waitOrder(orderID, "state "+state, func(o *Order) bool { return o.State() == state })
}

func (e *env) order(orderID string) (state string, attempts []Attempt, events []Event) {
	b := e.shop.gw.book
	b.mu.Lock()
	defer b.mu.Unlock()
	o := b.orders[orderID]
	for _, a := range o.Attempts {
		attempts = append(attempts, *a)
	}
	return o.State(), attempts, append(events, o.Events...)
}

func (s *Shop) orderIDsForTest() []string {
	b := s.gw.book
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.ordering...)
}

func eventText(events []Event) string {
	var b strings.Builder
	for _, ev := range events {
		fmt.Fprintf(&b, "  [%s] %s\n", ev.Kind, ev.Text)
	}
	return b.String()
}

func hasEvent(events []Event, kind, substr string) bool {
	for _, ev := range events {
		if (kind == "" || ev.Kind == kind) && strings.Contains(ev.Text, substr) {
			return true
		}
	}
	return false
}

func (e *env) inquiry(requestID string) *ams.InquiryPaymentResponse {
	e.t.Helper()
	resp, err := e.c.InquiryPayment(context.Background(), &ams.InquiryPaymentRequest{PaymentRequestID: requestID})
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.Result.ResultStatus != ams.StatusSuccess {
		e.t.Fatalf("inquiryPayment %s: %+v", requestID, resp.Result)
	}
	return resp
}

func transactions(resp *ams.InquiryPaymentResponse, typ, status string) []ams.Transaction {
	var out []ams.Transaction
	for _, t := range resp.Transactions {
		if t.TransactionType == typ && t.TransactionStatus == status {
			out = append(out, t)
		}
	}
	return out
}

// TestHostedCheckoutPaid: pay without card data, the buyer pays on the hosted page, the
// verified notification makes the order paid.
func TestHostedCheckoutPaid(t *testing.T) {
	e := newEnv(t, envOptions{inquiryInterval: time.Hour})
	id, loc := e.checkout(ModeHosted, false)
	token := e.hostedToken(loc)

	// What the shop sent to pay.
	p, err := e.app.Store.PaymentGetByRequestID(context.Background(), e.app.SandboxClient.ClientID, id+"-1")
	if err != nil {
		t.Fatalf("no payment with paymentRequestId %s-1: %v", id, err)
	}
	if p.Order.ReferenceOrderID != id || p.RedirectURL != e.shopURL+"/orders/"+id || p.NotifyURL != e.shopURL+"/antom/notify" ||
		p.Amount.Currency != "USD" || p.Amount.Value != 1250 || p.CaptureMode != ams.CaptureAutomatic {
		t.Fatalf("pay sent referenceOrderId %q, redirect %q, notify %q, amount %+v, capture %s",
			p.Order.ReferenceOrderID, p.RedirectURL, p.NotifyURL, p.Amount, p.CaptureMode)
	}
	if state, _, _ := e.order(id); state != StatePending {
		t.Fatalf("before paying, the order is %s", state)
	}

	if v := e.payPage(token, cardOK); v.Status != "SUCCESS" {
		t.Fatalf("hosted page: %s %s", v.Status, v.ResultCode)
	}
	e.waitState(id, StatePaid)
	e.waitOrder(id, "notifyCapture", func(o *Order) bool { return hasEvent(o.Events, "notification", "notifyCapture") })
	_, attempts, events := e.order(id)
	if !hasEvent(events, "notification", "notifyPayment for attempt 1") || hasEvent(events, "inquiry", "") {
		t.Fatalf("the order was not paid by the notification alone:\n%s", eventText(events))
	}
	if a := attempts[0]; a.PaymentID != p.ID || a.Status != ams.PaymentSuccess || a.CaptureState != captureDone {
		t.Fatalf("attempt: %+v", a)
	}

	s := e.status(id)
	if s.State != StatePaid || !s.Final || s.Winner != 1 || s.CanCapture || s.CanRetry || len(s.Attempts) != 1 ||
		s.Attempts[0].PaymentRequestID != id+"-1" || s.Amount != "USD 12.50" {
		t.Fatalf("status: %+v", s)
	}
	resp, page := e.get("/orders/" + id)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="state"`) || !strings.Contains(page, `data-state="paid"`) ||
		!strings.Contains(page, `id="events"`) || !strings.Contains(page, "notifyPayment for attempt 1") {
		t.Fatalf("order page (HTTP %d):\n%s", resp.StatusCode, page)
	}
}

// TestDeclineThenNewAttempt: a declined card leaves the hosted page open for another; once
// the attempt fails (its last card declined), paying again makes a new attempt with a new
// paymentRequestId and the same referenceOrderId.
func TestDeclineThenNewAttempt(t *testing.T) {
	e := newEnv(t, envOptions{inquiryInterval: time.Hour})
	id, loc := e.checkout(ModeHosted, false)
	v := e.payPage(e.hostedToken(loc), cardDecline)
	if v.Step != checkout.StepCard || v.DeclineCode != "DO_NOT_HONOR" {
		t.Fatalf("decline card: %s %s", v.Step, v.Status)
	}
	if v = e.payUntilFinal(e.hostedToken(loc), cardDecline); v.Status != "FAIL" {
		t.Fatalf("declines up to the bound: %s", v.Status)
	}
	e.waitState(id, StateFailed)
	s := e.status(id)
	if s.State != StateFailed || !s.CanRetry || s.Attempts[0].Status != ams.PaymentFail || s.Attempts[0].ResultCode != "RISK_REJECT" {
		t.Fatalf("after the decline: %+v", s)
	}
	if _, page := e.get("/orders/" + id); !strings.Contains(page, `id="retry"`) || regexp.MustCompile(`id="retry-form"[^>]*hidden`).MatchString(page) {
		t.Fatal("the order page does not offer to pay again")
	}

	loc2 := e.retry(id, ModeHosted)
	if loc2 == loc {
		t.Fatal("the new attempt reuses the old hosted page")
	}
	p1, err := e.app.Store.PaymentGetByRequestID(context.Background(), e.app.SandboxClient.ClientID, id+"-1")
	if err != nil {
		t.Fatal(err)
	}
	p2, err := e.app.Store.PaymentGetByRequestID(context.Background(), e.app.SandboxClient.ClientID, id+"-2")
	if err != nil {
		t.Fatalf("no payment with paymentRequestId %s-2: %v", id, err)
	}
	if p2.ID == p1.ID || p2.Order.ReferenceOrderID != id || p1.Order.ReferenceOrderID != id {
		t.Fatalf("attempt 1: payment %s order %s; attempt 2: payment %s order %s", p1.ID, p1.Order.ReferenceOrderID, p2.ID, p2.Order.ReferenceOrderID)
	}
	if s := e.status(id); s.State != StatePending || s.CanRetry {
		t.Fatalf("with a new attempt under way: %+v", s)
	}
	e.payPage(e.hostedToken(loc2), cardOK)
	e.waitState(id, StatePaid)
	if s := e.status(id); s.Winner != 2 || s.Attempts[0].Status != ams.PaymentFail || s.Attempts[1].Status != ams.PaymentSuccess {
		t.Fatalf("after paying attempt 2: %+v", s)
	}
	// A paid order takes no new attempt.
	if loc := e.retry(id, ModeHosted); loc != "/orders/"+id {
		t.Fatalf("retry of a paid order sent the buyer to %q", loc)
	}
	if _, attempts, _ := e.order(id); len(attempts) != 2 {
		t.Fatalf("%d attempts", len(attempts))
	}
}

// TestSecondSuccessIsVoidedOrRefunded: the buyer pays the same order twice in two tabs. The
// order keeps the first success; the second is cancelled (manual capture: an uncaptured
// authorization) or refunded in full (automatic capture).
func TestSecondSuccessIsVoidedOrRefunded(t *testing.T) {
	for _, tc := range []struct {
		name   string
		manual bool
		state  string
		dup    string
	}{
		{"automatic capture: refund", false, StatePaid, dupRefunded},
		{"manual capture: cancel", true, StateAuthorized, dupCancelled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOptions{inquiryInterval: time.Hour})
			id, loc1 := e.checkout(ModeHosted, tc.manual)
			loc2 := e.retry(id, ModeHosted) // the second tab
			e.payPage(e.hostedToken(loc1), cardOK)
			e.waitState(id, tc.state)
			e.payPage(e.hostedToken(loc2), cardOK)
			// Settled means the shop's own call has returned too: notifyRefund can reach the
			// shop before the refund's answer, and marks the attempt refunded on its own.
			e.waitOrder(id, "the duplicate settled", func(o *Order) bool {
				return o.Attempts[1].Duplicate == tc.dup && (tc.manual || hasEvent(o.Events, "refund", "refunded in full"))
			})

			state, attempts, events := e.order(id)
			if state != tc.state || attempts[0].Duplicate != dupNone {
				t.Fatalf("order %s, first attempt %+v", state, attempts[0])
			}
			first, second := e.inquiry(id+"-1"), e.inquiry(id+"-2")
			if first.PaymentStatus != ams.PaymentSuccess || len(transactions(first, ams.TransactionRefund, ams.PaymentSuccess)) != 0 {
				t.Fatalf("the first payment was touched: %s %+v", first.PaymentStatus, first.Transactions)
			}
			if tc.manual {
				if second.PaymentStatus != ams.PaymentCancelled || !hasEvent(events, "cancel", "SUCCESS") {
					t.Fatalf("second payment %s; events:\n%s", second.PaymentStatus, eventText(events))
				}
			} else {
				refunds := transactions(second, ams.TransactionRefund, ams.PaymentSuccess)
				if len(refunds) != 1 || refunds[0].TransactionAmount.Value != "1250" || !hasEvent(events, "refund", "refunded in full") {
					t.Fatalf("second payment's refunds %+v; events:\n%s", second.Transactions, eventText(events))
				}
				e.waitOrder(id, "notifyRefund", func(o *Order) bool { return hasEvent(o.Events, "notification", "notifyRefund") })
			}
			s := e.status(id)
			if s.State != tc.state || s.Winner != 1 || s.Attempts[1].Duplicate != tc.dup {
				t.Fatalf("status: %+v", s)
			}
			if _, page := e.get("/orders/" + id); !strings.Contains(page, "also succeeded") || !strings.Contains(page, tc.dup) {
				t.Fatalf("the order page does not show what was done:\n%s", page)
			}
		})
	}
}

// TestManualCapture: a manual-capture order is authorized; the Capture button captures it in
// full and notifyCapture makes it captured.
func TestManualCapture(t *testing.T) {
	e := newEnv(t, envOptions{inquiryInterval: time.Hour})
	id, loc := e.checkout(ModeHosted, true)
	e.payPage(e.hostedToken(loc), cardOK)
	e.waitState(id, StateAuthorized)
	if s := e.status(id); !s.CanCapture || !s.CanCancel || s.CaptureMode != ams.CaptureManual {
		t.Fatalf("authorized order: %+v", s)
	}
	if _, page := e.get("/orders/" + id); !strings.Contains(page, `id="capture"`) || regexp.MustCompile(`id="capture-form"[^>]*hidden`).MatchString(page) {
		t.Fatal("no Capture button on the authorized order's page")
	}
	if inq := e.inquiry(id + "-1"); len(transactions(inq, ams.TransactionCapture, ams.PaymentSuccess)) != 0 {
		t.Fatal("captured before the button was pressed")
	}

	if resp := e.post("/orders/"+id+"/capture", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("capture: HTTP %d", resp.StatusCode)
	}
	e.waitState(id, StateCaptured)
	_, attempts, events := e.order(id)
	if !hasEvent(events, "notification", "notifyCapture for attempt 1 (captureRequestId "+id+"-capture-1") {
		t.Fatalf("captured without notifyCapture:\n%s", eventText(events))
	}
	caps := transactions(e.inquiry(id+"-1"), ams.TransactionCapture, ams.PaymentSuccess)
	if len(caps) != 1 || caps[0].TransactionRequestID != id+"-capture-1" || caps[0].TransactionAmount.Value != "1250" ||
		attempts[0].CaptureID != caps[0].TransactionID {
		t.Fatalf("gateway captures %+v, shop capture id %q", caps, attempts[0].CaptureID)
	}
	if s := e.status(id); s.State != StateCaptured || !s.Final || s.CanCapture {
		t.Fatalf("captured order: %+v", s)
	}
	// Nothing left to capture.
	if resp := e.post("/orders/"+id+"/capture", nil); resp.StatusCode != http.StatusConflict {
		t.Fatalf("second capture: HTTP %d, want 409", resp.StatusCode)
	}
}

// TestManualCancel: the shop voids an authorization it will not capture.
func TestManualCancel(t *testing.T) {
	e := newEnv(t, envOptions{inquiryInterval: time.Hour})
	id, loc := e.checkout(ModeHosted, true)
	e.payPage(e.hostedToken(loc), cardOK)
	e.waitState(id, StateAuthorized)
	if resp := e.post("/orders/"+id+"/cancel", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: HTTP %d", resp.StatusCode)
	}
	if s := e.status(id); s.State != StateCancelled || s.CanCapture || s.CanCancel {
		t.Fatalf("after cancel: %+v", s)
	}
	if inq := e.inquiry(id + "-1"); inq.PaymentStatus != ams.PaymentCancelled {
		t.Fatalf("gateway: %s", inq.PaymentStatus)
	}
	if resp := e.post("/orders/"+id+"/capture", nil); resp.StatusCode != http.StatusConflict {
		t.Fatalf("capture after cancel: HTTP %d, want 409", resp.StatusCode)
	}
}

// TestAutomaticOrderHasNoCapture: an automatic-capture order has nothing to capture.
func TestAutomaticOrderHasNoCapture(t *testing.T) {
	e := newEnv(t, envOptions{})
	id, loc := e.checkout(ModeHosted, false)
	e.payPage(e.hostedToken(loc), cardOK)
	e.waitState(id, StatePaid)
	if resp := e.post("/orders/"+id+"/capture", nil); resp.StatusCode != http.StatusConflict {
		t.Fatalf("capture of an automatic order: HTTP %d, want 409", resp.StatusCode)
	}
}

// TestStatusFallsBackToInquiry: the notification never arrives (the shop's notify URL
// fails); the status endpoint asks inquiryPayment, no more often than InquiryInterval.
func TestStatusFallsBackToInquiry(t *testing.T) {
	e := newEnv(t, envOptions{inquiryInterval: 5 * time.Second})
	e.drop.Store(true)
	id, loc := e.checkout(ModeHosted, false)
	if s := e.status(id); s.State != StatePending || s.Final {
		t.Fatalf("before paying: %+v", s)
	}
	e.payPage(e.hostedToken(loc), cardOK)
	deadline := time.Now().Add(10 * time.Second)
	for e.received.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the gateway never tried to notify the shop")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Within the interval the status endpoint does not ask again: still pending.
	if s := e.status(id); s.State != StatePending {
		t.Fatalf("status inquired again within the interval, or the dropped notification got through: %+v", s)
	}
	e.offset.Add(int64(6 * time.Second))
	s := e.status(id)
	if s.State != StatePaid || !s.Final || s.Attempts[0].PaymentID == "" {
		t.Fatalf("after the interval: %+v\n%s", s, eventText(s.Events))
	}
	if !hasEvent(s.Events, "inquiry", "inquiryPayment for attempt 1: SUCCESS") || hasEvent(s.Events, "notification", "") {
		t.Fatalf("events:\n%s", eventText(s.Events))
	}
	// A paid order is final: no more inquiries.
	e.offset.Add(int64(time.Minute))
	if s2 := e.status(id); len(s2.Events) != len(s.Events) {
		t.Fatalf("a final order was inquired again:\n%s", eventText(s2.Events))
	}
}

// TestNotificationsDeduplicated: a notification delivered twice is acknowledged both times
// and processed once; an unsigned one is refused.
func TestNotificationsDeduplicated(t *testing.T) {
	e := newEnv(t, envOptions{inquiryInterval: time.Hour})
	id, loc := e.checkout(ModeHosted, false)
	e.payPage(e.hostedToken(loc), cardOK)
	e.waitState(id, StatePaid)
	e.waitOrder(id, "notifyCapture", func(o *Order) bool { return hasEvent(o.Events, "notification", "notifyCapture") })

	e.mu.Lock()
	raws := append([]rawNotification(nil), e.raws...)
	e.mu.Unlock()
	if len(raws) < 2 {
		t.Fatalf("%d notifications recorded", len(raws))
	}
	_, _, before := e.order(id)
	for _, n := range raws {
		req, _ := http.NewRequest(http.MethodPost, e.shopURL+"/antom/notify", bytes.NewReader(n.body))
		req.Header = n.header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != ams.AckBody {
			t.Fatalf("replayed notification: HTTP %d %s", resp.StatusCode, body)
		}
	}
	_, attempts, after := e.order(id)
	added := after[len(before):]
	if len(added) != len(raws) {
		t.Fatalf("replays added %d events, want %d:\n%s", len(added), len(raws), eventText(added))
	}
	for _, ev := range added {
		if !strings.Contains(ev.Text, "duplicate ignored") {
			t.Fatalf("a replay was processed again:\n%s", eventText(added))
		}
	}
	if attempts[0].Status != ams.PaymentSuccess || attempts[0].Duplicate != dupNone {
		t.Fatalf("attempt after replays: %+v", attempts[0])
	}

	// Unsigned, or signed by someone else: refused, nothing recorded.
	forged := bytes.Replace(raws[0].body, []byte(`"SUCCESS"`), []byte(`"FAIL"`), 1)
	req, _ := http.NewRequest(http.MethodPost, e.shopURL+"/antom/notify", bytes.NewReader(forged))
	req.Header = raws[0].header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("forged notification: HTTP %d, want 401", resp.StatusCode)
	}
	if _, _, now := e.order(id); len(now) != len(after) {
		t.Fatal("a forged notification was recorded")
	}
}

// sessionToken is the card form's page token in paymentSessionData
// (base64(token)&&region&&111&&base64(json)).
func sessionToken(t *testing.T, data string) string {
	t.Helper()
	parts := strings.Split(data, "&&")
	if len(parts) != 4 {
		t.Fatalf("paymentSessionData %q has %d segments", data, len(parts))
	}
	raw, err := base64.StdEncoding.DecodeString(parts[3])
	if err != nil {
		t.Fatal(err)
	}
	var cfg antom.SessionConfig
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Cashier.Token
}

var (
	dataSession   = regexp.MustCompile(`data-session="([^"]+)"`)
	inlineScript  = regexp.MustCompile(`(?s)<script(?:\s[^>]*)?>\s*[^<\s]`)
	scriptNoSrc   = regexp.MustCompile(`<script(?:\s+[a-z-]+(?:="[^"]*")?)*\s*>`)
	inlineHandler = regexp.MustCompile(`\son[a-z]+=`)
)

func checkNoInlineScript(t *testing.T, page string) {
	t.Helper()
	if inlineScript.MatchString(page) || inlineHandler.MatchString(page) {
		t.Fatalf("inline script in page:\n%s", page)
	}
	for _, tag := range scriptNoSrc.FindAllString(page, -1) {
		if !strings.Contains(tag, "src=") {
			t.Fatalf("script without src: %s", tag)
		}
	}
}

// TestSDKCheckout: popup and embedded checkouts create a payment session and render the SDK
// page; paying in the session's card form makes the order paid through the notification.
func TestSDKCheckout(t *testing.T) {
	for _, mode := range []string{ModePopup, ModeEmbedded} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, envOptions{inquiryInterval: time.Hour})
			id, loc := e.checkout(mode, mode == ModeEmbedded)
			if loc != "/orders/"+id+"/attempts/1" {
				t.Fatalf("buyer sent to %q", loc)
			}
			resp, page := e.get(loc)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("SDK page: HTTP %d", resp.StatusCode)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			scriptSrc, _, _ := strings.Cut(strings.SplitN(csp, "script-src ", 2)[1], ";")
			if scriptSrc != "'self' "+e.gwURL || !strings.Contains(csp, "frame-src "+e.gwURL) {
				t.Fatalf("CSP %q", csp)
			}
			checkNoInlineScript(t, page)
			sdk := `<script src="` + e.gwURL + `/sdk/ams-checkout.js"></script>`
			own := `<script src="/static/checkout.js"></script>`
			if !strings.Contains(page, sdk) || !strings.Contains(page, own) || strings.Index(page, sdk) > strings.Index(page, own) {
				t.Fatalf("SDK page scripts:\n%s", page)
			}
			for _, want := range []string{`id="checkout"`, `data-mode="` + mode + `"`, `id="sdk-message"`, `id="reopen"`, `id="restart"`,
				`data-order-url="/orders/` + id + `"`, `data-environment="sandbox"`, `data-expired="false"`} {
				if !strings.Contains(page, want) {
					t.Fatalf("SDK page lacks %s:\n%s", want, page)
				}
			}
			embeddedOnly := strings.Contains(page, `id="card-element"`) && strings.Contains(page, `id="sdk-pay"`)
			if embeddedOnly != (mode == ModeEmbedded) {
				t.Fatalf("%s page: #card-element and #sdk-pay present: %v", mode, embeddedOnly)
			}
			m := dataSession.FindStringSubmatch(page)
			if m == nil {
				t.Fatal("no session data on the page")
			}
			session := strings.ReplaceAll(m[1], "&amp;", "&")
			_, attempts, _ := e.order(id)
			if session != attempts[0].SessionData || attempts[0].RequestID != id+"-1" {
				t.Fatalf("page session %q, attempt %+v", session, attempts[0])
			}
			p, err := e.app.Store.PaymentGetByRequestID(context.Background(), e.app.SandboxClient.ClientID, id+"-1")
			if err != nil || p.Order.ReferenceOrderID != id || !p.Order.Session || p.NotifyURL != e.shopURL+"/antom/notify" {
				t.Fatalf("session payment %+v, %v", p, err)
			}

			// A decline within a session leaves the order open (the SDK shows SDK_PAYMENT_FAIL
			// and the buyer may try another card), then a good card pays it.
			token := sessionToken(t, session)
			e.payPage(token, cardDecline)
			if s := e.status(id); s.State != StatePending {
				t.Fatalf("after a declined card in the session: %+v", s)
			}
			e.payPage(token, cardOK)
			want := StatePaid
			if mode == ModeEmbedded {
				want = StateAuthorized
			}
			e.waitState(id, want)
			_, _, events := e.order(id)
			if !hasEvent(events, "notification", "notifyPayment for attempt 1") {
				t.Fatalf("events:\n%s", eventText(events))
			}
			// A paid order's SDK page sends the buyer to the order.
			if resp, _ := e.get(loc); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/orders/"+id {
				t.Fatalf("SDK page of a paid order: HTTP %d to %q", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}

// TestSDKSessionExpired: an expired session's page says so and offers a new attempt, which
// gets a new paymentRequestId and a new session.
func TestSDKSessionExpired(t *testing.T) {
	e := newEnv(t, envOptions{})
	id, loc := e.checkout(ModePopup, false)
	e.offset.Add(int64(2 * time.Hour))
	_, page := e.get(loc)
	if !strings.Contains(page, `data-expired="true"`) || !strings.Contains(page, `action="/orders/`+id+`/retry"`) {
		t.Fatalf("expired SDK page:\n%s", page)
	}
	e.offset.Store(0) // the gateway's clock is the real one: back to it for the new session
	loc2 := e.retry(id, ModePopup)
	if loc2 != "/orders/"+id+"/attempts/2" {
		t.Fatalf("restart sent the buyer to %q", loc2)
	}
	_, attempts, _ := e.order(id)
	if len(attempts) != 2 || attempts[1].RequestID != id+"-2" || attempts[1].SessionData == "" || attempts[1].SessionData == attempts[0].SessionData {
		t.Fatalf("attempts: %+v", attempts)
	}
	if _, page := e.get(loc2); !strings.Contains(page, `data-expired="false"`) {
		t.Fatal("the new attempt's page is expired")
	}
}

// TestPages: the product page's form and ids, static files, headers, and unknown orders.
func TestPages(t *testing.T) {
	e := newEnv(t, envOptions{})
	resp, page := e.get("/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: HTTP %d", resp.StatusCode)
	}
	checkNoInlineScript(t, page)
	for _, want := range []string{`id="pay-hosted"`, `id="pay-popup"`, `id="pay-embedded"`, `id="capture-manual"`, `type="checkbox"`,
		"Cashier mug", "USD 12.50", `action="/checkout"`} {
		if !strings.Contains(page, want) {
			t.Fatalf("product page lacks %s", want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-src "+e.gwURL) {
		t.Fatalf("CSP %q", csp)
	}
	for _, f := range []string{"/static/checkout.js", "/static/order.js", "/static/shop.css"} {
		resp, body := e.get(f)
		if resp.StatusCode != http.StatusOK || len(body) < 100 {
			t.Fatalf("%s: HTTP %d, %d bytes", f, resp.StatusCode, len(body))
		}
	}
	_, js := e.get("/static/checkout.js")
	for _, code := range []string{"SDK_PAYMENT_SUCCESSFUL", "SDK_PAYMENT_FAIL", "SDK_PAYMENT_PROCESSING", "SDK_PAYMENT_CANCEL",
		"SDK_FORM_VERIFICATION_FAILED", "SDK_PAYMENT_CHALLENGE", "SDK_CREATEPAYMENT_PARAMETER_ERROR", "createComponent", "mountComponent", "submit()"} {
		if !strings.Contains(js, code) {
			t.Fatalf("checkout.js does not handle %s", code)
		}
	}
	if resp, _ := e.get("/orders/NOPE"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown order: HTTP %d", resp.StatusCode)
	}
	if resp, _ := e.get("/orders/NOPE/status"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown order status: HTTP %d", resp.StatusCode)
	}
	if resp := e.post("/checkout", url.Values{"mode": {"bitcoin"}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown mode: HTTP %d", resp.StatusCode)
	}
	// Cross-site form posts are refused.
	req, _ := http.NewRequest(http.MethodPost, e.shopURL+"/checkout", strings.NewReader("mode=hosted"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	cresp, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	cresp.Body.Close()
	if cresp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site checkout: HTTP %d, want 403", cresp.StatusCode)
	}
}

// TestRefusedPay: a pay the gateway refuses (the sandbox's risk rule on amount 11) fails the
// attempt at once and shows the reason, with a way to try again.
func TestRefusedPay(t *testing.T) {
	e := newEnv(t, envOptions{product: Product{ID: "risky", Name: "Risky thing", Currency: "USD", Value: 11}})
	resp, err := e.http.PostForm(e.shopURL+"/checkout", url.Values{"mode": {ModeHosted}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// Hosted pay has no card yet: the sandbox issuer refuses once the card is typed.
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("checkout: HTTP %d: %s", resp.StatusCode, body)
	}
	id := e.shop.orderIDsForTest()[0]
	e.payUntilFinal(e.hostedToken(resp.Header.Get("Location")), cardOK)
	e.waitState(id, StateFailed)
	s := e.status(id)
	if s.Attempts[0].ResultCode != ams.CodeRiskReject || !s.CanRetry {
		t.Fatalf("risk rejection: %+v", s)
	}
	if _, page := e.get("/orders/" + id); !strings.Contains(page, "RISK_REJECT") || !strings.Contains(page, stateTexts[StateFailed]) {
		t.Fatalf("order page:\n%s", page)
	}
}

// TestSubscriptionRenewals: a subscription's first payment saves the card on file (the buyer
// agreeing on the hosted page); the shop then charges renewals as merchant-initiated
// payments with the token and the first payment's networkTransactionId, with no buyer. The
// sandbox card whose stored credential was revoked declines them. A product that does not
// renew has nothing to renew.
func TestSubscriptionRenewals(t *testing.T) {
	for _, tt := range []struct{ card, code string }{
		{cardOK, ams.CodeSuccess},
		{"4000000000006025", "ISSUER_REJECTS_TRANSACTION"},
	} {
		e := newEnv(t, envOptions{inquiryInterval: time.Hour, product: SubscriptionProduct})
		id, loc := e.checkout(ModeHosted, false)
		if resp := e.post("/orders/"+id+"/renew", url.Values{}); resp.StatusCode != http.StatusConflict {
			t.Fatalf("renewing an unpaid subscription: HTTP %d", resp.StatusCode)
		}
		v, err := e.app.Checkout.SubmitCard(context.Background(), e.hostedToken(loc), checkout.CardInput{
			Number: tt.card, ExpiryMonth: "12", ExpiryYear: "30", CVV: "123", HolderName: "Ada", SaveCard: true,
		})
		if err != nil || v.Status != "SUCCESS" {
			t.Fatalf("first payment: %+v %v", v, err)
		}
		e.waitState(id, StatePaid)
		e.waitOrder(id, "the card on file", func(o *Order) bool { return o.Saved != nil })
		for n := 1; n <= 2; n++ {
			if resp := e.post("/orders/"+id+"/renew", url.Values{}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("renew: HTTP %d", resp.StatusCode)
			}
			e.waitOrder(id, "the renewal's answer", func(o *Order) bool { return len(o.Renewals) == n && o.Renewals[n-1].Status != "" })
			_, _, events := e.order(id)
			e.shop.gw.book.mu.Lock()
			r := *e.shop.gw.book.order(id).Renewals[n-1]
			e.shop.gw.book.mu.Unlock()
			if r.ResultCode != tt.code || r.RequestID != fmt.Sprintf("%s-renewal-%d", id, n) || !hasEvent(events, "subscription", "renewal") {
				t.Fatalf("%s renewal %d: %+v\n%s", tt.card, n, r, eventText(events))
			}
			p, err := e.app.Store.PaymentGetByRequestID(context.Background(), e.app.SandboxClient.ClientID, r.RequestID)
			if err != nil || p.Order.RecurringType != ams.RecurringScheduled || p.Amount.Value != SubscriptionProduct.Value {
				t.Fatalf("the gateway's renewal: %+v %v", p, err)
			}
		}
		if _, page := e.get("/orders/" + id); !strings.Contains(page, `id="renewals"`) || !strings.Contains(page, id+"-renewal-2") {
			t.Fatalf("order page without its renewals:\n%s", page)
		}
	}
	e := newEnv(t, envOptions{inquiryInterval: time.Hour})
	id, loc := e.checkout(ModeHosted, false)
	e.payPage(e.hostedToken(loc), cardOK)
	e.waitState(id, StatePaid)
	if resp := e.post("/orders/"+id+"/renew", url.Values{}); resp.StatusCode != http.StatusConflict {
		t.Fatalf("renewing a mug: HTTP %d", resp.StatusCode)
	}
}
