// Command shop is a demo merchant shop that takes card payments through cashier (or Antom)
// in the three ways Antom's Checkout Payment offers: the hosted card page, the web SDK's
// popup, and the web SDK's embedded form. It follows Antom's integration best practices,
// and its code is split by who is talking, so that each practice has one place:
//
//   - orderBook (book.go, order.go) is what the shop knows: orders, their payment attempts
//     and the state machine that only the gateway's answers, verified notifications and
//     inquiryPayment move, never the buyer's browser.
//   - gateway (payments.go, reconcile.go) makes every call to the gateway, with timeouts
//     and a request id of its own for each payment, capture and refund: pay and
//     createPaymentSession, capture, cancel, and inquiryPayment to reconcile what a lost
//     notification did not say, voiding or refunding a duplicate payment.
//   - notifier (notify.go) records the notifications client.NotificationHandler verified,
//     each once however often it arrives.
//   - wallet (cards.go) keeps the cards the buyer saved on the gateway's vaulting form
//     (createVaultingSession), by token, from notifyVaulting and inquireVaulting.
//   - pages (pages.go, views.go) serves the buyer's pages and the status endpoint they poll.
//
// README.md maps each practice to its code.
package main

import (
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cashierpay/cashier/client"
)

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
	log      *slog.Logger
	gwOrigin string
	gw       *gateway
	pages    *pages
	notifier *notifier
}

// New builds a Shop. It panics on a Config without Client, GatewayURL or PublicURL.
func New(cfg Config) *Shop {
	if cfg.Client == nil {
		panic("shop: Config.Client is required")
	}
	gwURL, err := url.Parse(strings.TrimRight(cfg.GatewayURL, "/"))
	if err != nil || gwURL.Scheme == "" || gwURL.Host == "" {
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
	book := newOrderBook(cfg.Now, cfg.Logger)
	gw := &gateway{c: cfg.Client, book: book, wallet: &wallet{}, notifyURL: cfg.PublicURL + "/antom/notify", publicURL: cfg.PublicURL, locale: cfg.Locale}
	return &Shop{
		log: cfg.Logger, gwOrigin: gwURL.Scheme + "://" + gwURL.Host, gw: gw,
		pages:    newPages(cfg, book, gw),
		notifier: &notifier{book: book, gw: gw, log: cfg.Logger, seen: map[string]bool{}},
	}
}

// NotifyURL is the paymentNotifyUrl (and refundNotifyUrl) the shop sends.
func (s *Shop) NotifyURL() string { return s.gw.notifyURL }

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
//	POST /orders/{id}/renew             charge a subscription's next period to its card on file (MIT)
//	GET  /cards                         saved cards, each with a button that pays with it
//	POST /cards                         a vaulting session, then the gateway's form that saves a card (mode=sdk: in this page, AMSVaulting)
//	POST /antom/notify                  notifyPayment, notifyCapture, notifyRefund, notifyVaulting
//	GET  /static/...                    CSS and the pages' scripts
func (s *Shop) Handler() http.Handler {
	p := s.pages
	pages := http.NewServeMux()
	pages.HandleFunc("GET /{$}", p.index)
	pages.HandleFunc("POST /checkout", p.checkout)
	pages.HandleFunc("GET /orders/{id}", p.orderPage)
	pages.HandleFunc("GET /orders/{id}/status", p.status)
	pages.HandleFunc("GET /orders/{id}/attempts/{n}", p.sdkPage)
	pages.HandleFunc("POST /orders/{id}/retry", p.retry)
	pages.HandleFunc("POST /orders/{id}/capture", p.capture)
	pages.HandleFunc("POST /orders/{id}/cancel", p.cancelOrder)
	pages.HandleFunc("POST /orders/{id}/renew", p.renew)
	pages.HandleFunc("GET /cards", p.cards)
	pages.HandleFunc("POST /cards", p.saveCard)
	static, _ := fs.Sub(staticFS, "static")
	pages.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))

	mux := http.NewServeMux()
	mux.Handle("/antom/notify", client.NotificationHandler(client.HandlerConfig{
		GatewayPublicKey: s.gw.c.GatewayPublicKey(), GatewayPublicKeys: s.gw.c.GatewayPublicKeys(), ClientID: s.gw.c.ClientID(), Handle: s.notifier.handle,
		OnError: func(r *http.Request, err error) {
			s.log.WarnContext(r.Context(), "notification not acknowledged", "err", err)
		},
	}))
	// Browser routes refuse cross-site form posts.
	mux.Handle("/", http.NewCrossOriginProtection().Handler(secure(pages, s.gwOrigin)))
	return mux
}

// secure adds the security headers: no inline script anywhere, scripts only from the shop
// and the gateway (the web SDK), frames only from the gateway (the SDK's card form).
func secure(h http.Handler, gw string) http.Handler {
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
