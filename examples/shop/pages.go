package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/cashierpay/cashier/ams"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages serves the buyer's pages and the merchant's buttons on them. They show what the
// book knows and never move an order on what the browser says (a redirect back, an SDK
// event): only the gateway's answers, notifications and inquiryPayment do.
type pages struct {
	cfg       Config
	log       *slog.Logger
	book      *orderBook
	gw        *gateway
	templates map[string]*template.Template
}

func newPages(cfg Config, book *orderBook, gw *gateway) *pages {
	p := &pages{cfg: cfg, log: cfg.Logger, book: book, gw: gw, templates: map[string]*template.Template{}}
	for _, name := range []string{"index.html", "sdk.html", "order.html", "error.html", "cards.html"} {
		p.templates[name] = template.Must(template.New(name).Funcs(template.FuncMap{
			"money": formatMoney,
			"clock": func(t time.Time) string { return t.Format("15:04:05") },
			"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		}).ParseFS(templateFS, "templates/base.html", "templates/"+name))
	}
	return p
}

func orderPath(orderID string) string { return "/orders/" + orderID }

func attemptPath(orderID string, n int) string {
	return fmt.Sprintf("/orders/%s/attempts/%d", orderID, n)
}

func (p *pages) index(w http.ResponseWriter, r *http.Request) {
	v := indexView{Title: p.cfg.Product.Name, Product: p.cfg.Product}
	p.book.mu.Lock()
	for _, o := range p.book.newest(10) {
		v.Orders = append(v.Orders, orderSummary{ID: o.ID, State: o.State(), Price: o.Product.Price(), Mode: o.latestMode(), Created: o.CreatedAt})
	}
	p.book.mu.Unlock()
	p.render(w, http.StatusOK, "index.html", v)
}

// checkout creates an order and its first payment attempt.
func (p *pages) checkout(w http.ResponseWriter, r *http.Request) {
	mode := r.PostFormValue("mode")
	if !validMode(mode) {
		p.fail(w, http.StatusBadRequest, errorView{Message: "Choose how to pay: hosted page, popup or embedded form."})
		return
	}
	captureMode := "AUTOMATIC"
	if r.PostFormValue("capture") == "manual" {
		captureMode = "MANUAL"
	}
	o := &Order{ID: newOrderID(), Product: p.cfg.Product, CaptureMode: captureMode, CreatedAt: p.cfg.Now()}
	if mode == ModeSaved {
		c, ok := p.gw.wallet.saved(r.PostFormValue("card"))
		if !ok {
			p.fail(w, http.StatusBadRequest, errorView{Message: "That card is not saved."})
			return
		}
		o.CardToken = c.Token
	}
	o.event(o.CreatedAt, "order", "order created: %s, %s, capture %s", o.Product.Name, o.Product.Price(), strings.ToLower(captureMode))
	p.book.add(o)
	p.log.InfoContext(r.Context(), "order created", "order", o.ID, "capture", captureMode)
	p.startAttempt(w, r, o.ID, mode)
}

// retry starts a new attempt for an order that has no successful payment yet.
func (p *pages) retry(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	mode := r.PostFormValue("mode")
	p.book.mu.Lock()
	o := p.book.order(id)
	if o != nil && !validMode(mode) {
		mode = o.latestMode()
	}
	p.book.mu.Unlock()
	if o == nil {
		p.noOrder(w)
		return
	}
	if !validMode(mode) {
		mode = ModeHosted
	}
	p.startAttempt(w, r, id, mode)
}

// startAttempt sends the buyer to pay a new attempt, or to the error page when it could not
// start.
func (p *pages) startAttempt(w http.ResponseWriter, r *http.Request, orderID, mode string) {
	target, err := p.gw.start(r.Context(), orderID, mode, buyerEnv(r))
	var failure *startFailure
	switch {
	case errors.Is(err, errNoOrder):
		p.noOrder(w)
	case errors.As(err, &failure):
		p.fail(w, http.StatusBadGateway, errorView{Title: "Payment not started", Message: failure.message, OrderID: orderID, CanRetry: failure.canRetry, Mode: mode})
	default:
		http.Redirect(w, r, target, http.StatusSeeOther)
	}
}

// cards lists the saved cards, asking the gateway first about those still being verified.
func (p *pages) cards(w http.ResponseWriter, r *http.Request) {
	p.gw.refreshCards(r.Context())
	p.render(w, http.StatusOK, "cards.html", cardsView{Title: "Saved cards", Product: p.cfg.Product, Cards: p.gw.wallet.list()})
}

// saveCard sends the buyer to the gateway's form that saves a card, or with mode=sdk shows
// that form in the cards page, in the SDK's popup.
func (p *pages) saveCard(w http.ResponseWriter, r *http.Request) {
	s, err := p.gw.saveCard(r.Context())
	var failure *startFailure
	if errors.As(err, &failure) {
		p.fail(w, http.StatusBadGateway, errorView{Title: "Card not saved", Message: failure.message})
		return
	}
	if r.PostFormValue("mode") != "sdk" {
		http.Redirect(w, r, s.NormalURL, http.StatusSeeOther)
		return
	}
	p.render(w, http.StatusOK, "cards.html", cardsView{Title: "Saved cards", Product: p.cfg.Product, Cards: p.gw.wallet.list(),
		SessionData: s.VaultingSessionData, SDKURL: p.cfg.GatewayURL + "/sdk/ams-checkout.js", Environment: p.cfg.Environment, Locale: p.cfg.Locale})
}

// buyerEnv describes the buyer's browser for the gateway's risk checks and 3-D Secure.
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

func (p *pages) orderPage(w http.ResponseWriter, r *http.Request) {
	p.book.mu.Lock()
	o := p.book.order(r.PathValue("id"))
	var v orderView
	if o != nil {
		v = p.view(o)
	}
	p.book.mu.Unlock()
	if o == nil {
		p.noOrder(w)
		return
	}
	p.render(w, http.StatusOK, "order.html", v)
}

// sdkPage serves the page that runs the web SDK for a popup or embedded attempt. Reloading
// it reuses the same session while it is valid.
func (p *pages) sdkPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var n int
	if _, err := fmt.Sscan(r.PathValue("n"), &n); err != nil {
		p.fail(w, http.StatusNotFound, errorView{Message: "There is no such payment attempt."})
		return
	}
	p.book.mu.Lock()
	o := p.book.order(id)
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
			SessionData: a.SessionData, Expires: a.SessionExpiry, SDKURL: p.cfg.GatewayURL + "/sdk/ams-checkout.js",
			Environment: p.cfg.Environment, Locale: p.cfg.Locale,
		}
		v.Expired = !p.cfg.Now().Before(a.SessionExpiry) || finalStatus(a.Status)
	}
	p.book.mu.Unlock()
	switch {
	case a == nil || a.Mode == ModeHosted || v.SessionData == "":
		p.fail(w, http.StatusNotFound, errorView{Message: "There is no such payment attempt."})
		return
	case paid:
		http.Redirect(w, r, orderPath(id), http.StatusSeeOther)
		return
	}
	p.render(w, http.StatusOK, "sdk.html", v)
}

// status answers the order's state. While the order has no final state it asks the gateway
// itself (inquiryPayment, at most every InquiryInterval), so that a lost or late
// notification does not leave the buyer waiting; it also retries settling duplicates.
func (p *pages) status(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	p.book.mu.Lock()
	o := p.book.order(id)
	inquire := false
	if o != nil {
		now := p.cfg.Now()
		if !o.Final() && (p.cfg.InquiryInterval < 0 || now.Sub(o.lastInquiry) >= p.cfg.InquiryInterval) {
			o.lastInquiry, inquire = now, true
		}
	}
	p.book.mu.Unlock()
	if o == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such order"})
		return
	}
	if inquire {
		p.gw.reconcile(r.Context(), id)
	}
	p.book.mu.Lock()
	v := p.view(o)
	p.book.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, v.statusJSON())
}

func (p *pages) capture(w http.ResponseWriter, r *http.Request) {
	p.act(w, r, p.gw.capture, errorView{Title: "Cannot capture", Message: "This order has no authorization to capture."})
}

func (p *pages) renew(w http.ResponseWriter, r *http.Request) {
	p.act(w, r, p.gw.renew, errorView{Title: "Cannot renew", Message: "This order is not a paid subscription with a card on file."})
}

func (p *pages) cancelOrder(w http.ResponseWriter, r *http.Request) {
	p.act(w, r, p.gw.cancel, errorView{Title: "Cannot cancel", Message: "This order has no authorization to cancel."})
}

// act runs the merchant's action on an order and shows the order again: the action's
// outcome is in its state and event log.
func (p *pages) act(w http.ResponseWriter, r *http.Request, action func(ctx context.Context, orderID string) error, refused errorView) {
	id := r.PathValue("id")
	switch err := action(r.Context(), id); {
	case errors.Is(err, errNoOrder):
		p.noOrder(w)
	case errors.Is(err, errNotAllowed):
		refused.OrderID = id
		p.fail(w, http.StatusConflict, refused)
	default:
		http.Redirect(w, r, orderPath(id), http.StatusSeeOther)
	}
}

// render writes a page from templates/.
func (p *pages) render(w http.ResponseWriter, status int, page string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := p.templates[page].ExecuteTemplate(w, "base", data); err != nil {
		p.log.Error("render", "page", page, "err", err)
	}
}

func (p *pages) fail(w http.ResponseWriter, status int, v errorView) {
	if v.Title == "" {
		v.Title = http.StatusText(status)
	}
	p.render(w, status, "error.html", v)
}

func (p *pages) noOrder(w http.ResponseWriter) {
	p.fail(w, http.StatusNotFound, errorView{Message: "There is no such order."})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
