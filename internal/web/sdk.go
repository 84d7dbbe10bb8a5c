package web

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/httpapi"
)

// The browser SDK (web-sdk.md). The merchant's page loads /sdk/ams-checkout.js; the SDK puts
// an iframe of /sdk/form/{token} into the page, and that frame, on cashier's origin, sends
// the card to the JSON endpoints under /sdk/api/{token} with fetch. Card data never passes
// through the merchant's page: the frame and the SDK exchange only events and views.
//
//	GET  /sdk/ams-checkout.js        the SDK, UMD (window.AMSCashierPayment, AMSCheckout, AMSVaulting)
//	GET  /sdk/ams-checkout.mjs       the same SDK as an ES module
//	GET  /sdk/ams-checkout.d.ts      TypeScript declarations
//	GET  /sdk/frame.js               the frame's side of the postMessage channel
//	GET  /sdk/form/{token}           the card form for the frame (?origin=&locale=&showSubmitButton=&needCVV=&redirect=)
//	GET  /sdk/api/{token}            the payment's view, JSON
//	POST /sdk/api/{token}/card       the card form            → Flow.SubmitCard
//	POST /sdk/api/{token}/cvv        a saved card's CVV       → Flow.SubmitCVV
//	POST /sdk/api/{token}/challenge  the 3-D Secure challenge → Flow.CompleteChallenge
//	GET  /sdk/api/{token}/installments?bin=&locale=  the plans the card form offers → Flow.InstallmentPlans
//
// The posts are JSON only, at most MaxBodyBytes, and carry the form page's CSRF token in the
// X-Cashier-CSRF header, the cookie-less form of csrfGuard's. The custom header and the JSON
// content type also make every cross-origin post a CORS preflight, which cashier never
// grants, and a browser's Sec-Fetch-Site must say same-origin.

// SDKPrefix is where the browser SDK's files and pages are served.
const SDKPrefix = "/sdk/"

// sdkFrame serves the browser SDK's frame, /sdk/form/{token}, and the JSON endpoints the
// frame posts to.
type sdkFrame struct {
	flow       Flow
	log        *slog.Logger
	view       *renderer
	csrf       *csrfGuard
	sameOrigin *http.CrossOriginProtection
}

// parseOrigin returns s when it is a serialized http(s) origin ("https://shop.example",
// "http://127.0.0.1:8080"), else "".
func parseOrigin(s string) string {
	if s == "" || len(s) > 256 {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "#") {
		return ""
	}
	if u.Scheme+"://"+strings.ToLower(u.Host) != s {
		return ""
	}
	return s
}

// sdkLocale is the frame's locale: the SDK's ?locale= (unknown values give en_US, as the SDK
// does), else the browser's, else en_US. Nothing is remembered in a cookie.
func sdkLocale(r *http.Request) string {
	if q := r.URL.Query(); q.Has("locale") {
		if loc := normalizeLocale(q.Get("locale")); loc != "" {
			return loc
		}
		return defaultLocale
	}
	if loc := acceptLanguage(r.Header.Get("Accept-Language")); loc != "" {
		return loc
	}
	return defaultLocale
}

func flag(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// form renders the frame: the page for the payment's current step, embedded.
func (s *sdkFrame) form(w http.ResponseWriter, r *http.Request) {
	setFrameHeaders(w, r)
	token := r.PathValue("token")
	q := r.URL.Query()
	sdk := &frameParams{
		origin: parseOrigin(q.Get("origin")), showSubmit: flag(q.Get("showSubmitButton")),
		needCVV: flag(q.Get("needCVV")), redirect: flag(q.Get("redirect")),
	}
	loc := sdkLocale(r)
	if sdk.origin == "" {
		// Without the parent's origin frame.js cannot talk; the SDK times out.
		s.log.WarnContext(r.Context(), "web: SDK frame without a valid origin", "token", redact(token))
		s.view.renderError(w, r, loc, token, http.StatusBadRequest, sdk)
		return
	}
	view, err := viewOrErr(s.flow.HostedPage(r.Context(), token))
	if err != nil {
		status, movedOn := flowStatus(err)
		if movedOn {
			status = http.StatusInternalServerError
		}
		logFlowError(s.log, r, status, "HostedPage", token, err)
		s.view.renderError(w, r, loc, token, status, sdk)
		return
	}
	s.view.render(w, r, loc, http.StatusOK, view, formValues{}, sdk)
}

// ---- the JSON endpoints ----

// apiError is the body of a refused JSON request.
type apiError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func jsonError(w http.ResponseWriter, status int, code, message string) {
	httpapi.WriteJSON(w, status, apiError{Error: code, Message: message})
}

// readJSON checks a frame's post (same origin, JSON, CSRF token, size) and decodes its body
// into v. On failure it has answered. Nothing of the body is ever logged.
func (s *sdkFrame) readJSON(w http.ResponseWriter, r *http.Request, token string, v any) bool {
	if err := s.sameOrigin.Check(r); err != nil {
		s.log.WarnContext(r.Context(), "web: SDK post from another site", "token", redact(token), "endpoint", path.Base(r.URL.Path),
			"sec_fetch_site", r.Header.Get("Sec-Fetch-Site"), "origin", r.Header.Get("Origin"))
		jsonError(w, http.StatusForbidden, "forbidden", "the request must come from cashier's own form")
		return false
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		jsonError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send application/json")
		return false
	}
	if !s.csrf.frameValid(token, r.Header.Get(CSRFHeader), time.Now()) {
		s.log.WarnContext(r.Context(), "web: SDK post without a valid CSRF token", "token", redact(token), "endpoint", path.Base(r.URL.Path))
		jsonError(w, http.StatusForbidden, "csrf", "the form's security token is missing or has expired; reload the form")
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			jsonError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the body is larger than %d bytes", MaxBodyBytes))
		} else {
			jsonError(w, http.StatusBadRequest, "bad_request", "the body could not be read")
		}
		return false
	}
	// The one strict reading of every outside body: a key twice, in two cases, or a control
	// character is refused here as on the API.
	if err := ams.Decode(body, v); err != nil {
		// The decoder's message may quote the body: it is not logged or returned.
		jsonError(w, http.StatusBadRequest, "bad_request", "the body is not the expected JSON object")
		return false
	}
	return true
}

// apiLocale is a post's locale field, else the request's.
func apiLocale(r *http.Request, field string) string {
	if loc := normalizeLocale(field); loc != "" {
		return loc
	}
	return sdkLocale(r)
}

// answer writes a Flow's result as JSON; a failed call as an error, except that a post that
// lost a race with the payment's state gets the payment's view as it is now.
func (s *sdkFrame) answer(w http.ResponseWriter, r *http.Request, loc, token, op string, v *checkout.HostedView, vals formValues, err error, post bool) {
	v, err = viewOrErr(v, err)
	if err == nil {
		httpapi.WriteJSON(w, http.StatusOK, s.view.sdkViewOf(loc, v, vals))
		return
	}
	status, movedOn := flowStatus(err)
	if movedOn && post {
		v, err := s.flow.HostedPage(r.Context(), token)
		s.answer(w, r, loc, token, "HostedPage", v, formValues{}, err, false)
		return
	}
	if movedOn {
		status = http.StatusInternalServerError
	}
	logFlowError(s.log, r, status, op, token, err)
	switch status {
	case http.StatusNotFound:
		jsonError(w, status, "not_found", "no such payment")
	case http.StatusBadRequest:
		jsonError(w, status, "bad_request", "the request was refused")
	default:
		jsonError(w, status, "internal", "the request could not be processed; try again")
	}
}

func (s *sdkFrame) getView(w http.ResponseWriter, r *http.Request) {
	setAPIHeaders(w, r)
	token := r.PathValue("token")
	v, err := s.flow.HostedPage(r.Context(), token)
	s.answer(w, r, sdkLocale(r), token, "HostedPage", v, formValues{}, err, false)
}

// sdkCardBody is the card form as frame.js posts it. It must never be logged.
type sdkCardBody struct {
	CardNo      string `json:"cardNo"`
	Expiry      string `json:"expiry"`
	ExpiryMonth string `json:"expiryMonth"`
	ExpiryYear  string `json:"expiryYear"`
	CVV         string `json:"cvv"`
	HolderName  string `json:"holderName"`
	SaveCard    bool   `json:"saveCard"`
	Region      string `json:"region"`
	State       string `json:"state"`
	City        string `json:"city"`
	Address1    string `json:"address1"`
	Address2    string `json:"address2"`
	ZipCode     string `json:"zipCode"`
	// SelectedCardBrand is the buyer's choice for a co-badged card, as the hosted form names it.
	SelectedCardBrand string `json:"selectedCardBrand"`
	// Installments is the plan select's value, as the hosted form posts it.
	Installments string `json:"installments"`
	Locale       string `json:"locale"`
}

// values is the body as the hosted form's fields, for parseCardForm.
func (b *sdkCardBody) values() url.Values {
	v := url.Values{
		"cardNo": {b.CardNo}, "expiry": {b.Expiry}, "expiryMonth": {b.ExpiryMonth}, "expiryYear": {b.ExpiryYear},
		"cvv": {b.CVV}, "holderName": {b.HolderName}, "region": {b.Region}, "state": {b.State}, "city": {b.City},
		"address1": {b.Address1}, "address2": {b.Address2}, "zipCode": {b.ZipCode}, "selectedCardBrand": {b.SelectedCardBrand},
		"installments": {b.Installments},
	}
	if b.SaveCard {
		v.Set("saveCard", "on")
	}
	return v
}

// String keeps card data out of any accidental %v.
func (b *sdkCardBody) String() string { return "sdkCardBody{…}" }

func (s *sdkFrame) postCard(w http.ResponseWriter, r *http.Request) {
	setAPIHeaders(w, r)
	token := r.PathValue("token")
	var body sdkCardBody
	if !s.readJSON(w, r, token, &body) {
		return
	}
	loc := apiLocale(r, body.Locale)
	ctx := r.Context()
	v, err := s.flow.HostedPage(ctx, token)
	if err != nil || v == nil || v.Step != checkout.StepCard {
		// Not on the card form (paid in another tab, a double submit): the view as it is.
		s.answer(w, r, loc, token, "HostedPage", v, formValues{}, err, false)
		return
	}
	in, vals := parseCardForm(body.values(), v.SaveCardOffered)
	body = sdkCardBody{}
	vals.brand = card.DetectBrand(in.Number)
	v, err = s.flow.SubmitCard(ctx, token, in)
	s.answer(w, r, loc, token, "SubmitCard", v, vals, err, true)
}

type sdkCVVBody struct {
	CVV string `json:"cvv"`
	// Installments is the checked plan of the saved card's page, as the hosted form posts it.
	Installments string `json:"installments"`
	Locale       string `json:"locale"`
}

func (b *sdkCVVBody) String() string { return "sdkCVVBody{…}" }

func (s *sdkFrame) postCVV(w http.ResponseWriter, r *http.Request) {
	setAPIHeaders(w, r)
	token := r.PathValue("token")
	var body sdkCVVBody
	if !s.readJSON(w, r, token, &body) {
		return
	}
	loc := apiLocale(r, body.Locale)
	ctx := r.Context()
	v, err := s.flow.HostedPage(ctx, token)
	if err != nil || v == nil || v.Step != checkout.StepCVV {
		s.answer(w, r, loc, token, "HostedPage", v, formValues{}, err, false)
		return
	}
	cvv := stripSpace(body.CVV)
	vals := formValues{emptyCVV: cvv == "", cvvLen: len(cvv), brand: v.CardBrand}
	v, err = s.flow.SubmitCVV(ctx, token, cvv, parsePlan(body.Installments))
	s.answer(w, r, loc, token, "SubmitCVV", v, vals, err, true)
}

type sdkChallengeBody struct {
	OTP    string `json:"otp"`
	Action string `json:"action"` // "", "submit" or "cancel"
	Locale string `json:"locale"`
}

func (s *sdkFrame) postChallenge(w http.ResponseWriter, r *http.Request) {
	setAPIHeaders(w, r)
	token := r.PathValue("token")
	var body sdkChallengeBody
	if !s.readJSON(w, r, token, &body) {
		return
	}
	loc := apiLocale(r, body.Locale)
	var cancel bool
	switch body.Action {
	case "", "submit":
	case "cancel":
		cancel = true
	default:
		jsonError(w, http.StatusBadRequest, "bad_request", "action must be submit or cancel")
		return
	}
	ctx := r.Context()
	v, err := s.flow.HostedPage(ctx, token)
	if err != nil || v == nil || v.Step != checkout.StepChallenge {
		s.answer(w, r, loc, token, "HostedPage", v, formValues{}, err, false)
		return
	}
	// A blank code is the Flow's to ask again, as on the hosted page.
	code := ""
	if !cancel {
		code = stripSpace(body.OTP)
	}
	v, err = s.flow.CompleteChallenge(ctx, token, code, cancel)
	s.answer(w, r, loc, token, "CompleteChallenge", v, formValues{emptyOTP: code == ""}, err, true)
}
