// Command shop is a demo merchant shop that takes card payments through cashier (or Antom)
// in the three ways Antom's Checkout Payment offers: the hosted card page, the web SDK's
// popup, and the web SDK's embedded form. It follows Antom's integration best practices:
// see README.md for where each one lives.
package main

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cashierpay/cashier/client"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// DefaultInquiryInterval is the least time between two inquiryPayment calls the status
// endpoint makes for one order.
const DefaultInquiryInterval = 4 * time.Second

// Config configures a Shop.
type Config struct {
	// Client calls the gateway with the merchant's keys. Required.
	Client *client.Client
	// GatewayURL is the gateway's address as the buyer's browser reaches it: the web SDK is
	// loaded from GatewayURL/sdk/ams-checkout.js. Required.
	GatewayURL string
	// PublicURL is the shop's own address as the gateway and the buyer reach it, for
	// paymentNotifyUrl (PublicURL/antom/notify) and paymentRedirectUrl
	// (PublicURL/orders/{id}). Required.
	PublicURL string
	// Product is what the shop sells; DefaultProduct if its Name is empty.
	Product Product
	// InquiryInterval spaces the status endpoint's inquiryPayment calls per order;
	// DefaultInquiryInterval if zero, no spacing if negative.
	InquiryInterval time.Duration
	// Environment is the web SDK's environment option: "sandbox" when empty and the client
	// id starts with SANDBOX_, else "prod".
	Environment string
	// Locale is the web SDK's locale; default en_US.
	Locale string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Now defaults to time.Now.
	Now func() time.Time
}

// Shop is the demo shop. Orders live in memory only: a restart forgets them.
type Shop struct {
	cfg       Config
	c         *client.Client
	log       *slog.Logger
	notifyURL string
	gwOrigin  string
	pages     map[string]*template.Template

	mu       sync.Mutex
	orders   map[string]*Order
	byReqID  map[string]*Attempt // paymentRequestId → attempt
	byPayID  map[string]*Attempt // paymentId → attempt
	orderOf  map[*Attempt]*Order
	seen     map[string]bool // notifyType/id of the notifications already processed
	ordering []string        // order ids, oldest first
}

// New builds a Shop. It panics on a Config without Client, GatewayURL or PublicURL.
func New(cfg Config) *Shop {
	if cfg.Client == nil {
		panic("shop: Config.Client is required")
	}
	gw, err := url.Parse(strings.TrimRight(cfg.GatewayURL, "/"))
	if err != nil || gw.Scheme == "" || gw.Host == "" {
		panic(fmt.Sprintf("shop: Config.GatewayURL %q is not an absolute URL", cfg.GatewayURL))
	}
	cfg.GatewayURL = strings.TrimRight(cfg.GatewayURL, "/")
	pub, err := url.Parse(strings.TrimRight(cfg.PublicURL, "/"))
	if err != nil || pub.Scheme == "" || pub.Host == "" {
		panic(fmt.Sprintf("shop: Config.PublicURL %q is not an absolute URL", cfg.PublicURL))
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.Product.Name == "" {
		cfg.Product = DefaultProduct
	}
	if cfg.InquiryInterval == 0 {
		cfg.InquiryInterval = DefaultInquiryInterval
	}
	if cfg.Environment == "" {
		cfg.Environment = "prod"
		if strings.HasPrefix(cfg.Client.ClientID(), client.SandboxPrefix) {
			cfg.Environment = "sandbox"
		}
	}
	if cfg.Locale == "" {
		cfg.Locale = "en_US"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Shop{
		cfg: cfg, c: cfg.Client, log: cfg.Logger,
		notifyURL: cfg.PublicURL + "/antom/notify",
		gwOrigin:  gw.Scheme + "://" + gw.Host,
		orders:    map[string]*Order{}, byReqID: map[string]*Attempt{}, byPayID: map[string]*Attempt{},
		orderOf: map[*Attempt]*Order{}, seen: map[string]bool{},
	}
	s.pages = map[string]*template.Template{}
	for _, p := range []string{"index.html", "sdk.html", "order.html", "error.html"} {
		s.pages[p] = template.Must(template.New(p).Funcs(template.FuncMap{
			"money": formatMoney,
			"clock": func(t time.Time) string { return t.Format("15:04:05") },
			"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		}).ParseFS(templateFS, "templates/base.html", "templates/"+p))
	}
	return s
}

// NotifyURL is the paymentNotifyUrl (and refundNotifyUrl) the shop sends.
func (s *Shop) NotifyURL() string { return s.notifyURL }

// Handler serves the shop:
//
//	GET  /                              product page and checkout form
//	POST /checkout                      new order and its first attempt (form: mode, capture)
//	GET  /orders/{id}                   order and result page (paymentRedirectUrl)
//	GET  /orders/{id}/status            the order's state as JSON; inquires the gateway when no final state
//	GET  /orders/{id}/attempts/{n}      web SDK page of a popup or embedded attempt
//	POST /orders/{id}/retry             a new attempt for the order (form: mode)
//	POST /orders/{id}/capture           capture a MANUAL authorization in full
//	POST /orders/{id}/cancel            void a MANUAL authorization
//	POST /antom/notify                  notifyPayment, notifyCapture, notifyRefund
//	GET  /static/...                    CSS and the pages' scripts
func (s *Shop) Handler() http.Handler {
	pages := http.NewServeMux()
	pages.HandleFunc("GET /{$}", s.index)
	pages.HandleFunc("POST /checkout", s.checkout)
	pages.HandleFunc("GET /orders/{id}", s.orderPage)
	pages.HandleFunc("GET /orders/{id}/status", s.status)
	pages.HandleFunc("GET /orders/{id}/attempts/{n}", s.sdkPage)
	pages.HandleFunc("POST /orders/{id}/retry", s.retry)
	pages.HandleFunc("POST /orders/{id}/capture", s.capture)
	pages.HandleFunc("POST /orders/{id}/cancel", s.cancelOrder)
	static, _ := fs.Sub(staticFS, "static")
	pages.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))

	mux := http.NewServeMux()
	mux.Handle("/antom/notify", client.NotificationHandler(client.HandlerConfig{
		GatewayPublicKey: s.c.GatewayPublicKey(), ClientID: s.c.ClientID(), Handle: s.handleNotification,
		OnError: func(r *http.Request, err error) {
			s.log.WarnContext(r.Context(), "notification not acknowledged", "err", err)
		},
	}))
	// Browser routes refuse cross-site form posts.
	mux.Handle("/", http.NewCrossOriginProtection().Handler(s.secure(pages)))
	return mux
}

// secure adds the security headers: no inline script anywhere, scripts only from the shop
// and the gateway (the web SDK), frames only from the gateway (the SDK's card form).
func (s *Shop) secure(h http.Handler) http.Handler {
	gw := s.gwOrigin
	csp := "default-src 'self'; script-src 'self' " + gw + "; frame-src " + gw + "; connect-src 'self' " + gw +
		"; img-src 'self' data: " + gw + "; style-src 'self' " + gw +
		"; form-action 'self' " + gw + "; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

func newOrderID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "ORD-" + strings.ToUpper(hex.EncodeToString(b))
}

// render writes a page from templates/.
func (s *Shop) render(w http.ResponseWriter, status int, page string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := s.pages[page].ExecuteTemplate(w, "base", data); err != nil {
		s.log.Error("render", "page", page, "err", err)
	}
}

type errorView struct {
	Title, Message string
	OrderID        string
	CanRetry       bool
	Mode           string
}

func (s *Shop) fail(w http.ResponseWriter, status int, v errorView) {
	if v.Title == "" {
		v.Title = http.StatusText(status)
	}
	s.render(w, status, "error.html", v)
}

type orderSummary struct {
	ID, State, Price, Mode string
	Created                time.Time
}

type indexView struct {
	Title   string
	Product Product
	Orders  []orderSummary
}

func (s *Shop) index(w http.ResponseWriter, r *http.Request) {
	v := indexView{Title: s.cfg.Product.Name, Product: s.cfg.Product}
	s.mu.Lock()
	for i := len(s.ordering) - 1; i >= 0 && len(v.Orders) < 10; i-- {
		o := s.orders[s.ordering[i]]
		mode := ""
		if a := o.latest(); a != nil {
			mode = a.Mode
		}
		v.Orders = append(v.Orders, orderSummary{ID: o.ID, State: o.State(), Price: o.Product.Price(), Mode: mode, Created: o.CreatedAt})
	}
	s.mu.Unlock()
	s.render(w, http.StatusOK, "index.html", v)
}

// checkout creates an order and its first payment attempt.
func (s *Shop) checkout(w http.ResponseWriter, r *http.Request) {
	mode := r.PostFormValue("mode")
	if !validMode(mode) {
		s.fail(w, http.StatusBadRequest, errorView{Message: "Choose how to pay: hosted page, popup or embedded form."})
		return
	}
	captureMode := "AUTOMATIC"
	if r.PostFormValue("capture") == "manual" {
		captureMode = "MANUAL"
	}
	o := &Order{ID: newOrderID(), Product: s.cfg.Product, CaptureMode: captureMode, CreatedAt: s.cfg.Now()}
	o.event(o.CreatedAt, "order", "order created: %s, %s, capture %s", o.Product.Name, o.Product.Price(), strings.ToLower(captureMode))
	s.mu.Lock()
	s.orders[o.ID] = o
	s.ordering = append(s.ordering, o.ID)
	s.mu.Unlock()
	s.log.InfoContext(r.Context(), "order created", "order", o.ID, "capture", captureMode)
	s.startAttempt(w, r, o.ID, mode)
}

// retry starts a new attempt for an order that has no successful payment yet.
func (s *Shop) retry(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	mode := r.PostFormValue("mode")
	s.mu.Lock()
	o := s.orders[id]
	if o != nil && !validMode(mode) {
		if a := o.latest(); a != nil {
			mode = a.Mode
		}
	}
	s.mu.Unlock()
	if o == nil {
		s.fail(w, http.StatusNotFound, errorView{Message: "There is no such order."})
		return
	}
	if !validMode(mode) {
		mode = ModeHosted
	}
	s.startAttempt(w, r, id, mode)
}

type attemptView struct {
	N                          int
	RequestID, PaymentID, Mode string
	Status, ResultCode         string
	ResultMessage              string
	Capture, Duplicate         string
	ContinueURL                string // where the buyer can still pay this attempt
}

type orderView struct {
	Title       string
	ID          string
	Product     Product
	Price       string
	CaptureMode string
	State       string
	StateText   string
	Final       bool
	CanCapture  bool
	CanCancel   bool
	CanRetry    bool
	Mode        string
	Winner      int
	Attempts    []attemptView
	Events      []Event
}

var stateTexts = map[string]string{
	StatePending:    "Waiting for the payment result…",
	StatePaid:       "Paid. Thank you for your order!",
	StateAuthorized: "Authorized: the amount is reserved on the card and awaits capture.",
	StateCaptured:   "Captured: the payment is complete. Thank you for your order!",
	StateFailed:     "The payment failed. You can try again.",
	StateCancelled:  "Cancelled: the payment was voided.",
}

// view renders the order for the page and the status endpoint. s.mu must be held.
func (s *Shop) view(o *Order) orderView {
	v := orderView{
		Title: "Order " + o.ID, ID: o.ID, Product: o.Product, Price: o.Product.Price(), CaptureMode: o.CaptureMode,
		State: o.State(), Final: o.Final(), CanCapture: o.canCapture(), CanCancel: o.canCancel(), CanRetry: o.offerRetry(),
		Winner: o.Winner, Events: append([]Event(nil), o.Events...),
	}
	v.StateText = stateTexts[v.State]
	if v.State == StateAuthorized && o.attempt(o.Winner).CaptureState == captureRequested {
		v.StateText = "Capture requested: waiting for the gateway to confirm it…"
	}
	if a := o.latest(); a != nil {
		v.Mode = a.Mode
	}
	now := s.cfg.Now()
	for _, a := range o.Attempts {
		av := attemptView{N: a.N, RequestID: a.RequestID, PaymentID: a.PaymentID, Mode: a.Mode, Status: a.Status,
			ResultCode: a.ResultCode, ResultMessage: a.ResultMessage, Capture: a.CaptureState, Duplicate: a.Duplicate}
		if av.Status == "" {
			av.Status = "UNKNOWN"
		}
		if o.Winner == 0 && !finalStatus(a.Status) {
			switch {
			case a.Mode == ModeHosted && a.NormalURL != "":
				av.ContinueURL = a.NormalURL
			case a.Mode != ModeHosted && a.SessionData != "" && now.Before(a.SessionExpiry):
				av.ContinueURL = fmt.Sprintf("/orders/%s/attempts/%d", o.ID, a.N)
			}
		}
		v.Attempts = append(v.Attempts, av)
	}
	return v
}

func (s *Shop) orderPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	o := s.orders[r.PathValue("id")]
	var v orderView
	if o != nil {
		v = s.view(o)
	}
	s.mu.Unlock()
	if o == nil {
		s.fail(w, http.StatusNotFound, errorView{Message: "There is no such order."})
		return
	}
	s.render(w, http.StatusOK, "order.html", v)
}

type sdkView struct {
	Title       string
	OrderID     string
	N           int
	Mode        string
	Price       string
	Product     Product
	SessionData string
	Expires     time.Time
	Expired     bool
	SDKURL      string
	Environment string
	Locale      string
}

// sdkPage serves the page that runs the web SDK for a popup or embedded attempt. Reloading
// it reuses the same session while it is valid.
func (s *Shop) sdkPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var n int
	if _, err := fmt.Sscan(r.PathValue("n"), &n); err != nil {
		s.fail(w, http.StatusNotFound, errorView{Message: "There is no such payment attempt."})
		return
	}
	s.mu.Lock()
	o := s.orders[id]
	var a *Attempt
	var v sdkView
	paid := false
	if o != nil {
		a = o.attempt(n)
		paid = o.Winner != 0
	}
	if a != nil {
		v = sdkView{
			Title: "Pay for order " + o.ID, OrderID: o.ID, N: a.N, Mode: a.Mode, Price: o.Product.Price(), Product: o.Product,
			SessionData: a.SessionData, Expires: a.SessionExpiry, SDKURL: s.cfg.GatewayURL + "/sdk/ams-checkout.js",
			Environment: s.cfg.Environment, Locale: s.cfg.Locale,
		}
		v.Expired = !s.cfg.Now().Before(a.SessionExpiry) || finalStatus(a.Status)
	}
	s.mu.Unlock()
	switch {
	case a == nil || a.Mode == ModeHosted || v.SessionData == "":
		s.fail(w, http.StatusNotFound, errorView{Message: "There is no such payment attempt."})
		return
	case paid:
		http.Redirect(w, r, "/orders/"+id, http.StatusSeeOther)
		return
	}
	s.render(w, http.StatusOK, "sdk.html", v)
}

// The status endpoint's answer.
type statusJSON struct {
	OrderID     string        `json:"orderId"`
	State       string        `json:"state"`
	StateText   string        `json:"stateText"`
	Final       bool          `json:"final"`
	CaptureMode string        `json:"captureMode"`
	Amount      string        `json:"amount"`
	CanCapture  bool          `json:"canCapture"`
	CanCancel   bool          `json:"canCancel"`
	CanRetry    bool          `json:"canRetry"`
	Winner      int           `json:"winningAttempt,omitempty"`
	Attempts    []attemptJSON `json:"attempts"`
	Events      []Event       `json:"events"`
}

type attemptJSON struct {
	N                int    `json:"n"`
	PaymentRequestID string `json:"paymentRequestId"`
	PaymentID        string `json:"paymentId,omitempty"`
	Mode             string `json:"mode"`
	Status           string `json:"status"`
	ResultCode       string `json:"resultCode,omitempty"`
	ResultMessage    string `json:"resultMessage,omitempty"`
	Capture          string `json:"capture,omitempty"`
	Duplicate        string `json:"duplicate,omitempty"`
	ContinueURL      string `json:"continueUrl,omitempty"`
}

// status answers the order's state. While the order has no final state it asks the gateway
// itself (inquiryPayment, at most every InquiryInterval), so that a lost or late
// notification does not leave the buyer waiting; it also retries settling duplicates.
func (s *Shop) status(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	o := s.orders[id]
	inquire := false
	if o != nil {
		now := s.cfg.Now()
		if !o.Final() && (s.cfg.InquiryInterval < 0 || now.Sub(o.lastInquiry) >= s.cfg.InquiryInterval) {
			o.lastInquiry, inquire = now, true
		}
	}
	s.mu.Unlock()
	if o == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such order"})
		return
	}
	if inquire {
		s.reconcile(r.Context(), id)
	}
	s.mu.Lock()
	v := s.view(o)
	s.mu.Unlock()
	out := statusJSON{
		OrderID: v.ID, State: v.State, StateText: v.StateText, Final: v.Final, CaptureMode: v.CaptureMode, Amount: v.Price,
		CanCapture: v.CanCapture, CanCancel: v.CanCancel, CanRetry: v.CanRetry, Winner: v.Winner, Events: v.Events,
		Attempts: []attemptJSON{},
	}
	for _, a := range v.Attempts {
		out.Attempts = append(out.Attempts, attemptJSON{N: a.N, PaymentRequestID: a.RequestID, PaymentID: a.PaymentID, Mode: a.Mode,
			Status: a.Status, ResultCode: a.ResultCode, ResultMessage: a.ResultMessage, Capture: a.Capture, Duplicate: a.Duplicate,
			ContinueURL: a.ContinueURL})
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

// logEvent appends to an order's log and to the process log. s.mu must be held.
func (s *Shop) logEvent(ctx context.Context, o *Order, kind, format string, args ...any) {
	o.event(s.cfg.Now(), kind, format, args...)
	level := slog.LevelInfo
	if kind == "error" {
		level = slog.LevelWarn
	}
	s.log.Log(ctx, level, o.Events[len(o.Events)-1].Text, "order", o.ID, "kind", kind)
}
