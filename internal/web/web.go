package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"

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
	// SubmitCVV pays with a saved card; installments is the plan chosen on its page, as
	// CardInput's.
	SubmitCVV(ctx context.Context, token, cvv string, installments int) (*checkout.HostedView, error)
	CompleteChallenge(ctx context.Context, token, code string, cancel bool) (*checkout.HostedView, error)
	CompleteIssuerAuth(ctx context.Context, token string, approve bool) (*checkout.HostedView, error)
	InstallmentPlans(ctx context.Context, token, bin string) ([]checkout.PlanOption, error)
	// UseAnotherCard leaves a saved card's CVV page or a 3-D Secure challenge for the card
	// form, where the view offers it (AnotherCard).
	UseAnotherCard(ctx context.Context, token string) (*checkout.HostedView, error)
	// MerchantLogo is the logo a merchant has now under digest, nil when none has.
	MerchantLogo(ctx context.Context, digest string) (*payment.Logo, error)
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

// Pages serves the hosted payment pages and the browser SDK. The hosted pages and the SDK's
// frame are separate handlers because they answer differently (HTML with Post/Redirect/Get
// against JSON, a cookie against a header token); they share the renderer and the CSRF
// guard, so that both show the same page for a view and trust the same key.
type Pages struct {
	hosted *hostedPages
	sdk    *sdkFrame
	files  assets
	logos  Flow
	log    *slog.Logger
}

// MaxBodyBytes bounds a form post.
const MaxBodyBytes = 16 << 10

// StaticPrefix is where the pages' script, style sheet and brand table are served.
const StaticPrefix = "/checkout/static/"

// New builds the pages. It panics when cfg lacks the Flow or a CSRFKey of 32 bytes, or
// when the embedded templates or locales are broken: all are programming errors.
func New(cfg Config) *Pages {
	if cfg.Flow == nil {
		panic("web: Config.Flow is required")
	}
	if len(cfg.CSRFKey) < 32 {
		panic("web: Config.CSRFKey must be at least 32 bytes")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	brands := card.BrowserTable()
	msgs, err := loadCatalog(localeFS)
	if err != nil {
		panic(err)
	}
	templates, err := parseTemplates()
	if err != nil {
		panic(err)
	}
	files, err := loadAssets(brands)
	if err != nil {
		panic(err)
	}
	guard := newCSRFGuard(cfg.CSRFKey)
	view := &renderer{log: log, msgs: msgs, templates: templates, brands: brands, countries: countryLists(), csrf: guard}
	// sameOrigin refuses posts a browser made from another site (Sec-Fetch-Site, or Origin
	// against Host), before the CSRF tokens are even looked at.
	sameOrigin := http.NewCrossOriginProtection()
	return &Pages{
		hosted: &hostedPages{flow: cfg.Flow, log: log, view: view, csrf: guard, sameOrigin: sameOrigin},
		sdk:    &sdkFrame{flow: cfg.Flow, log: log, view: view, csrf: guard, sameOrigin: sameOrigin},
		files:  files,
		logos:  cfg.Flow,
		log:    log,
	}
}

// Register adds the routes to mux:
//
//	GET  /checkout/{token}            the page for the payment's current step
//	POST /checkout/{token}            the card form or the saved card's CVV form
//	POST /checkout/{token}/challenge  the 3-D Secure challenge (otp, action=submit|cancel)
//	POST /checkout/{token}/issuer     the Korean issuer's authentication (action=approve|cancel)
//	POST /checkout/{token}/another    leave a saved card or a 3-D Secure challenge for the card form
//	GET  /checkout/static/{file}      card.js, card.css, brands.json
//	GET  /checkout/logos/{digest}     a merchant's logo
//
// A GET of /checkout/{token}/challenge, /issuer or /another (back button, reload) goes to
// the page.
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
	mux.HandleFunc("GET /checkout/{token}", p.hosted.getPage)
	mux.HandleFunc("POST /checkout/{token}", p.hosted.postCard)
	mux.HandleFunc("POST /checkout/{token}/challenge", p.hosted.postChallenge)
	mux.HandleFunc("POST /checkout/{token}/issuer", p.hosted.postIssuer)
	mux.HandleFunc("POST /checkout/{token}/another", p.hosted.postAnother)
	mux.HandleFunc("GET /checkout/static/{file}", p.files.serveStatic)
	mux.HandleFunc("GET "+LogoPrefix+"{digest}", p.serveLogo)
	mux.HandleFunc("GET /checkout/{token}/{sub}", p.hosted.getSubpage)

	mux.HandleFunc("GET /sdk/{file}", p.files.serveSDKFile)
	mux.HandleFunc("GET /sdk/form/{token}", p.sdk.form)
	mux.HandleFunc("GET /sdk/api/{token}", p.sdk.getView)
	mux.HandleFunc("POST /sdk/api/{token}/card", p.sdk.postCard)
	mux.HandleFunc("POST /sdk/api/{token}/cvv", p.sdk.postCVV)
	mux.HandleFunc("POST /sdk/api/{token}/challenge", p.sdk.postChallenge)
	mux.HandleFunc("GET /sdk/api/{token}/installments", p.sdk.getPlans)
}

// pagePath is the URL path of a payment's page.
func pagePath(token string) string { return "/checkout/" + url.PathEscape(token) }

// errNoView is a Flow that answered neither a view nor an error.
var errNoView = errors.New("web: flow returned no view")

// viewOrErr takes a Flow call's results, so that a Flow that answered nothing at all fails
// like any other rather than leaving a nil view to the caller.
func viewOrErr(v *checkout.HostedView, err error) (*checkout.HostedView, error) {
	if err == nil && v == nil {
		return nil, errNoView
	}
	return v, err
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
func logFlowError(log *slog.Logger, r *http.Request, status int, op, token string, err error) {
	switch status {
	case http.StatusNotFound:
	case http.StatusBadRequest:
		log.WarnContext(r.Context(), "web: request refused", "op", op, "token", redact(token), "err", err)
	default:
		log.ErrorContext(r.Context(), "web: flow failed", "op", op, "token", redact(token), "err", err)
	}
}

// redact shortens a page token for logs: enough to correlate, not enough to open the page.
func redact(token string) string {
	if len(token) <= 8 {
		return "…"
	}
	return token[:6] + "…"
}
