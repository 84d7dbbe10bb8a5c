package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/payment"
)

// Flow is what the pages need from the gateway; *gateway.Gateway implements it. Every
// method takes the page token from the payment's normalUrl and returns what to show next.
// An unknown token is a *payment.Error with Code ORDER_NOT_EXIST.
type Flow interface {
	HostedPage(ctx context.Context, token string) (*checkout.HostedView, error)
	SubmitCard(ctx context.Context, token string, in checkout.CardInput) (*checkout.HostedView, error)
	SubmitCVV(ctx context.Context, token, cvv string) (*checkout.HostedView, error)
	CompleteChallenge(ctx context.Context, token, code string, cancel bool) (*checkout.HostedView, error)
	CompleteIssuerAuth(ctx context.Context, token string, approve bool) (*checkout.HostedView, error)
}

// Config is what Pages needs.
type Config struct {
	Flow Flow
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// CSRFKey signs the forms' CSRF tokens: at least 32 random bytes, the same on every node
	// that serves the pages (a form rendered by one node may be posted to another).
	CSRFKey []byte
}

// Pages serves the hosted payment pages.
type Pages struct {
	flow    Flow
	log     *slog.Logger
	csrfKey []byte
	msgs    catalog
	pages   map[string]*template.Template
	assets  map[string]asset
	brands  []card.BrandRange
	// now is the wall clock, for the SDK frame's CSRF tokens.
	now func() time.Time
	// sameOrigin refuses posts a browser made from another site (Sec-Fetch-Site, or
	// Origin against Host), before the CSRF tokens are even looked at.
	sameOrigin *http.CrossOriginProtection
}

// postedView reads where the payment is before a post acts on it; on failure it has
// answered the request.
func (p *Pages) postedView(w http.ResponseWriter, r *http.Request, loc, token string) (*checkout.HostedView, bool) {
	view, err := p.flow.HostedPage(r.Context(), token)
	if err == nil && view == nil {
		err = errNoView
	}
	if err != nil {
		p.flowError(w, r, loc, token, "HostedPage", err, true)
		return nil, false
	}
	return view, true
}

// errNoView is a Flow that answered neither a view nor an error.
var errNoView = errors.New("web: flow returned no view")

// MaxBodyBytes bounds a form post.
const MaxBodyBytes = 16 << 10

// StaticPrefix is where the pages' script, style sheet and brand table are served.
const StaticPrefix = "/checkout/static/"

// csp allows only the page's own script, style sheet and images (the brand logos). Forms
// post to the same origin; the result page's move to the merchant is a navigation, which
// form-action does not govern.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/card.js static/card.css static/sdk
var staticFS embed.FS

type asset struct {
	body  []byte
	ctype string
	etag  string
}

// New builds the pages. It panics when cfg lacks the Flow or a CSRFKey of 32 bytes, or
// when the embedded templates or locales are broken: all are programming errors.
func New(cfg Config) *Pages {
	if cfg.Flow == nil {
		panic("web: Config.Flow is required")
	}
	if len(cfg.CSRFKey) < 32 {
		panic("web: Config.CSRFKey must be at least 32 bytes")
	}
	p := &Pages{
		flow:    cfg.Flow,
		log:     cfg.Logger,
		csrfKey: append([]byte(nil), cfg.CSRFKey...),
		brands:  card.BrandRanges(),
		now:     time.Now,

		sameOrigin: http.NewCrossOriginProtection(),
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	msgs, err := loadCatalog()
	if err != nil {
		panic(err)
	}
	p.msgs = msgs
	if p.pages, err = parseTemplates(); err != nil {
		panic(err)
	}
	if p.assets, err = loadAssets(p.brands); err != nil {
		panic(err)
	}
	return p
}

func parseTemplates() (map[string]*template.Template, error) {
	base, err := template.New("layout").Option("missingkey=error").ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, name := range []string{"card", "cvv", "challenge", "issuer", "result", "error"} {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

func loadAssets(brands []card.BrandRange) (map[string]asset, error) {
	assets := map[string]asset{}
	add := func(name, ctype string, body []byte) {
		sum := sha256.Sum256(body)
		assets[name] = asset{body: body, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	}
	for name, ctype := range map[string]string{
		"card.js":  "text/javascript; charset=utf-8",
		"card.css": "text/css; charset=utf-8",
	} {
		b, err := staticFS.ReadFile("static/" + name)
		if err != nil {
			return nil, err
		}
		add(name, ctype, b)
	}
	b, err := json.Marshal(brands)
	if err != nil {
		return nil, err
	}
	add("brands.json", "application/json", b)
	if err := loadSDKAssets(add); err != nil {
		return nil, err
	}
	return assets, nil
}

// Register adds the routes to mux:
//
//	GET  /checkout/{token}            the page for the payment's current step
//	POST /checkout/{token}            the card form or the saved card's CVV form
//	POST /checkout/{token}/challenge  the 3-D Secure challenge (otp, action=submit|cancel)
//	POST /checkout/{token}/issuer     the Korean issuer's authentication (action=approve|cancel)
//	GET  /checkout/static/{file}      card.js, card.css, brands.json
//
// A GET of /checkout/{token}/challenge or /issuer (back button, reload) goes to the page.
//
// And the browser SDK's routes under /sdk/ (see sdk.go):
//
//	GET  /sdk/ams-checkout.js, .mjs, .d.ts, frame.js
//	GET  /sdk/form/{token}            the card form in the SDK's iframe
//	GET  /sdk/api/{token}             the payment's view, JSON
//	POST /sdk/api/{token}/card        JSON card form
//	POST /sdk/api/{token}/cvv         JSON CVV of a saved card
//	POST /sdk/api/{token}/challenge   JSON 3-D Secure challenge (otp, action=submit|cancel)
func (p *Pages) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /checkout/{token}", p.getPage)
	mux.HandleFunc("POST /checkout/{token}", p.postCard)
	mux.HandleFunc("POST /checkout/{token}/challenge", p.postChallenge)
	mux.HandleFunc("POST /checkout/{token}/issuer", p.postIssuer)
	mux.HandleFunc("GET /checkout/static/{file}", p.serveStatic)
	mux.HandleFunc("GET /checkout/{token}/{sub}", p.getSubpage)
	p.registerSDK(mux)
}

// overHTTPS reports whether the buyer's browser reached the page over HTTPS: directly, or
// through a proxy that says so in X-Forwarded-Proto. The transport drops that header
// unless the operator trusts the proxy in front.
func overHTTPS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// setCookie sets c, marked Secure when the page came over HTTPS, so that a cookie first
// set over HTTPS is never sent back in clear.
func setCookie(w http.ResponseWriter, r *http.Request, c *http.Cookie) {
	c.Secure = overHTTPS(r)
	http.SetCookie(w, c)
}

// setHSTS keeps a browser that reached the pages over HTTPS on HTTPS. Not on loopback
// names: browsers keep HSTS per host name, not per port, so it would also force HTTPS on
// every other development server the buyer's machine runs on localhost.
func setHSTS(w http.ResponseWriter, r *http.Request) {
	if !overHTTPS(r) || loopbackHost(r.Host) {
		return
	}
	w.Header().Set("Strict-Transport-Security", "max-age=31536000")
}

func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	return strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost")
}

// pagePath is the URL path of a payment's page.
func pagePath(token string) string { return "/checkout/" + url.PathEscape(token) }

func setSecurityHeaders(w http.ResponseWriter, r *http.Request) {
	setHSTS(w, r)
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}

func (p *Pages) getPage(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w, r)
	token := r.PathValue("token")
	loc := resolveLocale(w, r, token)
	view, err := p.flow.HostedPage(r.Context(), token)
	if err == nil && view == nil {
		err = errNoView
	}
	if err != nil {
		p.flowError(w, r, loc, token, "HostedPage", err, false)
		return
	}
	p.show(w, r, loc, http.StatusOK, view, formValues{})
}

func (p *Pages) getSubpage(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w, r)
	token := r.PathValue("token")
	switch r.PathValue("sub") {
	case "challenge", "issuer":
		http.Redirect(w, r, pagePath(token), http.StatusSeeOther)
	default:
		p.showError(w, r, resolveLocale(w, r, token), token, http.StatusNotFound)
	}
}

// readPost parses a form post within MaxBodyBytes and checks its CSRF token. On failure it
// has answered with an error page.
func (p *Pages) readPost(w http.ResponseWriter, r *http.Request, token string) (loc string, ok bool) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	err := r.ParseForm()
	loc = resolveLocale(w, r, token)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			p.showError(w, r, loc, token, http.StatusRequestEntityTooLarge)
		} else {
			p.showError(w, r, loc, token, http.StatusBadRequest)
		}
		return loc, false
	}
	if p.sameOrigin.Check(r) != nil || !p.csrfValid(r, token) {
		p.log.WarnContext(r.Context(), "web: form post without a valid CSRF token", "token", redact(token), "path", r.URL.Path)
		p.showError(w, r, loc, token, http.StatusForbidden)
		return loc, false
	}
	return loc, true
}

func (p *Pages) postCard(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w, r)
	token := r.PathValue("token")
	loc, ok := p.readPost(w, r, token)
	if !ok {
		return
	}
	ctx := r.Context()
	view, ok := p.postedView(w, r, loc, token)
	if !ok {
		return
	}
	var err error
	var vals formValues
	op := ""
	switch view.Step {
	case checkout.StepCard:
		var in checkout.CardInput
		in, vals = parseCardForm(r.PostForm, view.SaveCardOffered)
		vals.brand = card.DetectBrand(in.Number)
		op = "SubmitCard"
		view, err = p.flow.SubmitCard(ctx, token, in)
	case checkout.StepCVV:
		cvv := stripSpace(r.PostForm.Get("cvv"))
		vals.emptyCVV, vals.cvvLen = cvv == "", len(cvv)
		vals.brand = view.CardBrand
		op = "SubmitCVV"
		view, err = p.flow.SubmitCVV(ctx, token, cvv)
	default:
		// The payment moved on (a second tab, a double submit): show where it is.
		http.Redirect(w, r, pagePath(token), http.StatusSeeOther)
		return
	}
	if err == nil && view == nil {
		err = errNoView
	}
	if err != nil {
		p.flowError(w, r, loc, token, op, err, true)
		return
	}
	p.afterPost(w, r, loc, token, view, vals)
}

func (p *Pages) postChallenge(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w, r)
	token := r.PathValue("token")
	loc, ok := p.readPost(w, r, token)
	if !ok {
		return
	}
	var cancel bool
	switch r.PostForm.Get("action") {
	case "", "submit":
	case "cancel":
		cancel = true
	default:
		p.showError(w, r, loc, token, http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	view, ok := p.postedView(w, r, loc, token)
	if !ok {
		return
	}
	var err error
	if view.Step != checkout.StepChallenge {
		http.Redirect(w, r, pagePath(token), http.StatusSeeOther)
		return
	}
	code := ""
	if !cancel {
		code = stripSpace(r.PostForm.Get("otp"))
	}
	view, err = p.flow.CompleteChallenge(ctx, token, code, cancel)
	if err == nil && view == nil {
		err = errNoView
	}
	if err != nil {
		p.flowError(w, r, loc, token, "CompleteChallenge", err, true)
		return
	}
	p.afterPost(w, r, loc, token, view, formValues{emptyOTP: code == ""})
}

func (p *Pages) postIssuer(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w, r)
	token := r.PathValue("token")
	loc, ok := p.readPost(w, r, token)
	if !ok {
		return
	}
	var approve bool
	switch r.PostForm.Get("action") {
	case "approve":
		approve = true
	case "cancel":
	default:
		p.showError(w, r, loc, token, http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	view, ok := p.postedView(w, r, loc, token)
	if !ok {
		return
	}
	var err error
	if view.Step != checkout.StepIssuer {
		http.Redirect(w, r, pagePath(token), http.StatusSeeOther)
		return
	}
	view, err = p.flow.CompleteIssuerAuth(ctx, token, approve)
	if err == nil && view == nil {
		err = errNoView
	}
	if err != nil {
		p.flowError(w, r, loc, token, "CompleteIssuerAuth", err, true)
		return
	}
	p.afterPost(w, r, loc, token, view, formValues{})
}

// doneCookie marks the first showing of a result reached by this browser's own form post,
// so that a later visit can say the payment is already complete.
const doneCookie = "cashier_done"

// afterPost is Post/Redirect/Get: a form with errors is shown again at once (422), anything
// else is a 303 to the page, which shows the new step.
func (p *Pages) afterPost(w http.ResponseWriter, r *http.Request, loc, token string, view *checkout.HostedView, vals formValues) {
	if len(view.FieldErrors) > 0 && view.Step != checkout.StepResult {
		p.show(w, r, loc, http.StatusUnprocessableEntity, view, vals)
		return
	}
	if view.Step == checkout.StepResult {
		setCookie(w, r, &http.Cookie{
			Name: doneCookie, Value: "1", Path: pagePath(token), MaxAge: int((15 * time.Minute).Seconds()),
			HttpOnly: true, SameSite: http.SameSiteStrictMode,
		})
	}
	http.Redirect(w, r, pagePath(token), http.StatusSeeOther)
}

// flowStatus is the one table from a failed Flow call to an answer, for the hosted pages,
// the SDK's frame and its JSON alike: the HTTP status, and whether the payment merely moved
// on (a post that lost a race with its state, which shows the payment as it is now).
func flowStatus(err error) (status int, movedOn bool) {
	var pe *payment.Error
	if errors.As(err, &pe) {
		switch pe.Code {
		case ams.CodeOrderNotExist:
			return http.StatusNotFound, false
		case ams.CodeOrderStatusInvalid, ams.CodeOrderIsClosed, ams.CodeOrderIsCanceled:
			return http.StatusConflict, true
		case ams.CodeParamIllegal:
			return http.StatusBadRequest, false
		}
	}
	return http.StatusInternalServerError, false
}

// logFlowError logs a failed Flow call at the level its status deserves: a refused request
// is the buyer's, anything else is ours. status is what flowStatus said.
func (p *Pages) logFlowError(r *http.Request, status int, op, token string, err error) {
	switch status {
	case http.StatusNotFound:
	case http.StatusBadRequest:
		p.log.WarnContext(r.Context(), "web: request refused", "op", op, "token", redact(token), "err", err)
	default:
		p.log.ErrorContext(r.Context(), "web: flow failed", "op", op, "token", redact(token), "err", err)
	}
}

// flowError answers a failed Flow call on a hosted page: after a post that lost a race with
// the payment's state, the page as it is now; otherwise an error page.
func (p *Pages) flowError(w http.ResponseWriter, r *http.Request, loc, token, op string, err error, post bool) {
	status, movedOn := flowStatus(err)
	if movedOn && post {
		http.Redirect(w, r, pagePath(token), http.StatusSeeOther)
		return
	}
	if movedOn {
		status = http.StatusInternalServerError
	}
	p.logFlowError(r, status, op, token, err)
	p.showError(w, r, loc, token, status)
}

// redact shortens a page token for logs: enough to correlate, not enough to open the page.
func redact(token string) string {
	if len(token) <= 8 {
		return "…"
	}
	return token[:6] + "…"
}

func (p *Pages) serveStatic(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w, r)
	name := r.PathValue("file")
	a, ok := p.assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache") // revalidate: the ETag makes that cheap
	h.Del("Pragma")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
}

// execute renders a page template and writes it with status.
func (p *Pages) execute(w http.ResponseWriter, r *http.Request, status int, name string, pg *page) {
	var buf bytes.Buffer
	if err := p.pages[name].ExecuteTemplate(&buf, "layout", pg); err != nil {
		p.log.ErrorContext(r.Context(), "web: rendering failed", "page", name, "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintln(w, "Internal error")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
