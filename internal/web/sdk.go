package web

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	"github.com/cashierpay/cashier/internal/payment"
)

// The browser SDK (web-sdk.md). The merchant's page loads /sdk/ams-checkout.js; the SDK puts
// an iframe of /sdk/form/{token} into the page, and that frame, on cashier's origin, sends
// the card to the JSON endpoints under /sdk/api/{token} with fetch. Card data never passes
// through the merchant's page: the frame and the SDK exchange only events and views.
//
//	GET  /sdk/ams-checkout.js        the SDK, UMD (window.AMSCashierPayment, AMSCheckout)
//	GET  /sdk/ams-checkout.mjs       the same SDK as an ES module
//	GET  /sdk/ams-checkout.d.ts      TypeScript declarations
//	GET  /sdk/frame.js               the frame's side of the postMessage channel
//	GET  /sdk/form/{token}           the card form for the frame (?origin=&locale=&showSubmitButton=&needCVV=&redirect=)
//	GET  /sdk/api/{token}            the payment's view, JSON
//	POST /sdk/api/{token}/card       the card form            → Flow.SubmitCard
//	POST /sdk/api/{token}/cvv        a saved card's CVV       → Flow.SubmitCVV
//	POST /sdk/api/{token}/challenge  the 3-D Secure challenge → Flow.CompleteChallenge
//
// The posts are JSON only, at most MaxBodyBytes, and carry the form page's CSRF token in the
// X-Cashier-CSRF header. No cookie is involved: in a merchant's page the frame is a
// third-party context, where browsers drop or block cookies. The token is an HMAC under
// Config.CSRFKey of the page token and the time it was issued; the custom header and the JSON
// content type also make every cross-origin post a CORS preflight, which cashier never
// grants, and a browser's Sec-Fetch-Site must say same-origin.

// SDKPrefix is where the browser SDK's files and pages are served.
const SDKPrefix = "/sdk/"

// CSRFHeader carries the SDK frame's CSRF token on its JSON posts.
const CSRFHeader = "X-Cashier-CSRF"

// sdkCSRFLifetime bounds a frame's CSRF token; a session lasts at most an hour.
const sdkCSRFLifetime = 2 * time.Hour

// frameCSP is the hosted pages' policy, except that a merchant's page of any origin may frame
// the form (the origin the SDK names is checked by frame.js before it says anything) and
// frame.js may fetch from cashier.
const frameCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors *; base-uri 'none'"

// apiCSP is for the JSON answers, which nothing should render or frame.
const apiCSP = "default-src 'none'; frame-ancestors 'none'"

// sdkAssets are the SDK's files: the public ones may be loaded by any origin.
var sdkAssets = map[string]struct {
	ctype  string
	public bool
}{
	"ams-checkout.js":   {"text/javascript; charset=utf-8", true},
	"ams-checkout.mjs":  {"text/javascript; charset=utf-8", true},
	"ams-checkout.d.ts": {"application/typescript; charset=utf-8", true},
	"frame.js":          {"text/javascript; charset=utf-8", false},
}

// The SDK's logic lives once, in ams-checkout.js, between these markers; ams-checkout.mjs is
// a template whose placeholder is replaced with it when the assets load.
const (
	sdkCoreBegin       = "// @cashier-sdk-core-begin\n"
	sdkCoreEnd         = "// @cashier-sdk-core-end\n"
	sdkCorePlaceholder = "/* @cashier-sdk-core */ null"
)

// buildESM makes the ES module from the UMD script and the module template.
func buildESM(umd, tmpl []byte) ([]byte, error) {
	s := string(umd)
	i := strings.Index(s, sdkCoreBegin)
	j := strings.Index(s, sdkCoreEnd)
	if i < 0 || j < i || strings.Count(s, sdkCoreBegin) != 1 || strings.Count(s, sdkCoreEnd) != 1 {
		return nil, errors.New("web: ams-checkout.js lacks its core markers")
	}
	core := strings.TrimSpace(s[i+len(sdkCoreBegin) : j])
	t := string(tmpl)
	if strings.Count(t, sdkCorePlaceholder) != 1 {
		return nil, errors.New("web: ams-checkout.mjs lacks its core placeholder")
	}
	return []byte(strings.Replace(t, sdkCorePlaceholder, core, 1)), nil
}

func loadSDKAssets(add func(name, ctype string, body []byte)) error {
	files := map[string][]byte{}
	for _, name := range []string{"ams-checkout.js", "ams-checkout.mjs", "ams-checkout.d.ts", "frame.js"} {
		b, err := staticFS.ReadFile("static/sdk/" + name)
		if err != nil {
			return err
		}
		files[name] = b
	}
	esm, err := buildESM(files["ams-checkout.js"], files["ams-checkout.mjs"])
	if err != nil {
		return err
	}
	files["ams-checkout.mjs"] = esm
	for name, b := range files {
		add("sdk/"+name, sdkAssets[name].ctype, b)
	}
	return nil
}

func (p *Pages) registerSDK(mux *http.ServeMux) {
	mux.HandleFunc("GET /sdk/{file}", p.serveSDKFile)
	mux.HandleFunc("GET /sdk/form/{token}", p.sdkForm)
	mux.HandleFunc("GET /sdk/api/{token}", p.sdkGetView)
	mux.HandleFunc("POST /sdk/api/{token}/card", p.sdkPostCard)
	mux.HandleFunc("POST /sdk/api/{token}/cvv", p.sdkPostCVV)
	mux.HandleFunc("POST /sdk/api/{token}/challenge", p.sdkPostChallenge)
}

func (p *Pages) serveSDKFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	info, known := sdkAssets[name]
	a, ok := p.assets["sdk/"+name]
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if !known || !ok {
		http.NotFound(w, r)
		return
	}
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	if info.public {
		// Merchants' pages of any origin load these, as classic scripts or as modules (which
		// are fetched with CORS). Short-lived in caches, revalidated cheaply by ETag.
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		h.Set("Cache-Control", "public, max-age=300")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
}

// frameParams are what the SDK says about the frame it opens.
type frameParams struct {
	origin     string // the merchant page's origin, "" when the SDK named none usable
	showSubmit bool   // the form shows its own pay button
	needCVV    bool
	redirect   bool // the SDK sends the buyer to paymentRedirectUrl after a final result
}

// frameConfig is the JSON that the frame page hands to frame.js (id="sdk-config").
type frameConfig struct {
	Origin   string            `json:"origin"`
	Locale   string            `json:"locale"`
	API      string            `json:"api"`
	CSRF     string            `json:"csrf,omitempty"`
	Step     string            `json:"step"`
	Error    int               `json:"error,omitempty"`
	NeedCVV  bool              `json:"needCVV,omitempty"`
	View     *sdkView          `json:"view,omitempty"`
	Messages map[string]string `json:"messages"`
}

// sdkView is the JSON view of a payment for the SDK frame. It holds no card data beyond the
// masked number; the messages are in the frame's language.
type sdkView struct {
	Step           string            `json:"step"`
	Status         string            `json:"status"`
	ResultCode     string            `json:"resultCode"`
	ResultStatus   string            `json:"resultStatus"`
	ResultMessage  string            `json:"resultMessage"`
	DeclineCode    string            `json:"declineCode,omitempty"`
	DeclineMessage string            `json:"declineMessage,omitempty"`
	FieldErrors    map[string]string `json:"fieldErrors,omitempty"`   // form field → result code
	FieldMessages  map[string]string `json:"fieldMessages,omitempty"` // input id → message
	FormError      string            `json:"formError,omitempty"`
	Message        string            `json:"message,omitempty"` // the decline or the result, for people
	RedirectURL    string            `json:"redirectUrl,omitempty"`
	CardMasked     string            `json:"cardMasked,omitempty"`
	CardBrand      string            `json:"cardBrand,omitempty"`
	Expired        bool              `json:"expired"`
	Final          bool              `json:"final"`
}

// frameMessages are the catalog messages frame.js and the SDK show.
var frameMessages = []string{"frameTitle", "close", "errNetwork", "errorBody", "formErrors"}

func (p *Pages) sdkViewOf(loc string, v *checkout.HostedView, vals formValues) *sdkView {
	t := p.msgs[loc]
	sv := &sdkView{
		Step: string(v.Step), Status: string(v.Status), ResultCode: v.ResultCode, ResultMessage: v.ResultMessage,
		DeclineCode: v.DeclineCode, DeclineMessage: v.DeclineMessage, RedirectURL: safeRedirect(v.RedirectURL),
		CardMasked: v.CardMasked, CardBrand: v.CardBrand, Expired: v.Expired,
	}
	if sv.Status == "" {
		sv.Status = string(payment.Processing)
	}
	if v.ResultCode != "" {
		sv.ResultStatus = ams.CodeStatus(v.ResultCode)
	}
	sv.Final = v.Step == checkout.StepResult && v.Status != payment.Processing && v.Status != ""
	if len(v.FieldErrors) > 0 && v.Step != checkout.StepResult {
		sv.FieldErrors = make(map[string]string, len(v.FieldErrors))
		for k, c := range v.FieldErrors {
			sv.FieldErrors[k] = c
		}
		fe, summary := fieldMessages(t, v.FieldErrors, vals)
		sv.FieldMessages, sv.FormError = fe.byID(), summary
	}
	switch {
	case v.Step == checkout.StepResult:
		res := resultFor(t, v, false)
		sv.Message = res.Heading
		if res.Message != "" {
			sv.Message = res.Message
		}
	case v.DeclineCode != "":
		sv.Message = reason(t, v.DeclineCode, v.DeclineMessage)
	}
	return sv
}

// byID maps the messages to the ids of their inputs.
func (e fieldErrors) byID() map[string]string {
	m := map[string]string{}
	for id, msg := range map[string]string{
		"cardNo": e.CardNo, "expiry": e.Expiry, "cvv": e.CVV, "holderName": e.HolderName, "region": e.Region,
		"state": e.State, "city": e.City, "address1": e.Address1, "address2": e.Address2, "zipCode": e.ZipCode, "otp": e.OTP,
	} {
		if msg != "" {
			m[id] = msg
		}
	}
	return m
}

func (p *Pages) frameConfig(loc, csrf string, sdk *frameParams, token, step string) *frameConfig {
	t := p.msgs[loc]
	cfg := &frameConfig{
		Origin: sdk.origin, Locale: loc, API: SDKPrefix + "api/" + url.PathEscape(token), CSRF: csrf, Step: step,
		NeedCVV: sdk.needCVV, Messages: make(map[string]string, len(frameMessages)),
	}
	for _, k := range frameMessages {
		cfg.Messages[k] = t[k]
	}
	return cfg
}

// embed turns a rendered page into the SDK frame's variant.
func (p *Pages) embed(pg *page, token string, v *checkout.HostedView, vals formValues, sdk *frameParams) {
	t := pg.T
	pg.Embedded, pg.Refresh, pg.HideSubmit, pg.HideCVV = true, "", !sdk.showSubmit, !sdk.needCVV
	if v.Step == checkout.StepResult {
		// The SDK moves the buyer on (or not: notRedirectAfterComplete); the frame links nowhere.
		pg.Title = pg.Result.Heading
		pg.Result.Note = ""
		if sdk.redirect && pg.Result.Final && pg.Result.RedirectURL != "" {
			pg.Result.Note = t["redirecting"]
		}
		pg.Result.RedirectURL = ""
	}
	if v.Step == checkout.StepCard && v.DeclineCode != "" && pg.FormError == "" {
		pg.FormError = reason(t, v.DeclineCode, v.DeclineMessage)
	}
	pg.SDKConfig = p.frameConfig(pg.Locale, pg.CSRF, sdk, token, string(v.Step))
	pg.SDKConfig.View = p.sdkViewOf(pg.Locale, v, vals)
}

// embedError turns an error page into the SDK frame's variant; frame.js tells the SDK.
func (p *Pages) embedError(pg *page, token string, status int, sdk *frameParams) {
	pg.Embedded, pg.Refresh = true, ""
	pg.Error.Back = ""
	pg.SDKConfig = p.frameConfig(pg.Locale, "", sdk, token, "error")
	pg.SDKConfig.Error = status
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

func setFrameHeaders(w http.ResponseWriter, r *http.Request) {
	setHSTS(w, r)
	h := w.Header()
	h.Set("Content-Security-Policy", frameCSP)
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// sdkForm renders the frame: the page for the payment's current step, embedded.
func (p *Pages) sdkForm(w http.ResponseWriter, r *http.Request) {
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
		p.log.WarnContext(r.Context(), "web: SDK frame without a valid origin", "token", redact(token))
		p.renderError(w, r, loc, token, http.StatusBadRequest, sdk)
		return
	}
	view, err := p.flow.HostedPage(r.Context(), token)
	if err == nil && view == nil {
		err = errNoView
	}
	if err != nil {
		status, movedOn := flowStatus(err)
		if movedOn {
			status = http.StatusInternalServerError
		}
		p.logFlowError(r, status, "HostedPage", token, err)
		p.renderError(w, r, loc, token, status, sdk)
		return
	}
	p.render(w, r, loc, http.StatusOK, view, formValues{}, sdk)
}

// ---- the JSON endpoints ----

func setAPIHeaders(w http.ResponseWriter, r *http.Request) {
	setHSTS(w, r)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Security-Policy", apiCSP)
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}

// apiError is the body of a refused JSON request.
type apiError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func jsonError(w http.ResponseWriter, status int, code, message string) {
	httpapi.WriteJSON(w, status, apiError{Error: code, Message: message})
}

// sdkCSRF issues the frame's CSRF token for the page token at now.
func (p *Pages) sdkCSRF(token string, now time.Time) string {
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(now.Unix()))
	return b64.EncodeToString(ts[:]) + "." + b64.EncodeToString(p.sdkCSRFMAC(token, ts[:]))
}

func (p *Pages) sdkCSRFMAC(token string, ts []byte) []byte {
	m := hmac.New(sha256.New, p.csrfKey)
	m.Write([]byte("cashier-sdk-csrf\x00"))
	m.Write([]byte(token))
	m.Write([]byte{0})
	m.Write(ts)
	return m.Sum(nil)
}

// sdkCSRFValid checks a frame's CSRF token: issued for this page token, by a node with the
// same key, not in the future and not older than sdkCSRFLifetime.
func (p *Pages) sdkCSRFValid(token, value string, now time.Time) bool {
	a, b, ok := strings.Cut(value, ".")
	if !ok {
		return false
	}
	ts, err1 := b64.DecodeString(a)
	mac, err2 := b64.DecodeString(b)
	if err1 != nil || err2 != nil || len(ts) != 8 || len(mac) != sha256.Size {
		return false
	}
	if !hmac.Equal(mac, p.sdkCSRFMAC(token, ts)) {
		return false
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(ts)), 0)
	return !issued.After(now.Add(5*time.Minute)) && now.Sub(issued) <= sdkCSRFLifetime
}

// readJSON checks a frame's post (same origin, JSON, CSRF token, size) and decodes its body
// into v. On failure it has answered. Nothing of the body is ever logged.
func (p *Pages) readJSON(w http.ResponseWriter, r *http.Request, token string, v any) bool {
	if err := p.sameOrigin.Check(r); err != nil {
		p.log.WarnContext(r.Context(), "web: SDK post from another site", "token", redact(token), "endpoint", path.Base(r.URL.Path),
			"sec_fetch_site", r.Header.Get("Sec-Fetch-Site"), "origin", r.Header.Get("Origin"))
		jsonError(w, http.StatusForbidden, "forbidden", "the request must come from cashier's own form")
		return false
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		jsonError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send application/json")
		return false
	}
	if !p.sdkCSRFValid(token, r.Header.Get(CSRFHeader), p.now()) {
		p.log.WarnContext(r.Context(), "web: SDK post without a valid CSRF token", "token", redact(token), "endpoint", path.Base(r.URL.Path))
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
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil || dec.More() {
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
func (p *Pages) answer(w http.ResponseWriter, r *http.Request, loc, token, op string, v *checkout.HostedView, vals formValues, err error, post bool) {
	if err == nil && v == nil {
		err = errNoView
	}
	if err == nil {
		httpapi.WriteJSON(w, http.StatusOK, p.sdkViewOf(loc, v, vals))
		return
	}
	status, movedOn := flowStatus(err)
	if movedOn && post {
		v, err := p.flow.HostedPage(r.Context(), token)
		p.answer(w, r, loc, token, "HostedPage", v, formValues{}, err, false)
		return
	}
	if movedOn {
		status = http.StatusInternalServerError
	}
	p.logFlowError(r, status, op, token, err)
	switch status {
	case http.StatusNotFound:
		jsonError(w, status, "not_found", "no such payment")
	case http.StatusBadRequest:
		jsonError(w, status, "bad_request", "the request was refused")
	default:
		jsonError(w, status, "internal", "the request could not be processed; try again")
	}
}

func (p *Pages) sdkGetView(w http.ResponseWriter, r *http.Request) {
	setAPIHeaders(w, r)
	token := r.PathValue("token")
	v, err := p.flow.HostedPage(r.Context(), token)
	p.answer(w, r, sdkLocale(r), token, "HostedPage", v, formValues{}, err, false)
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
	Locale      string `json:"locale"`
}

// values is the body as the hosted form's fields, for parseCardForm.
func (b *sdkCardBody) values() url.Values {
	v := url.Values{
		"cardNo": {b.CardNo}, "expiry": {b.Expiry}, "expiryMonth": {b.ExpiryMonth}, "expiryYear": {b.ExpiryYear},
		"cvv": {b.CVV}, "holderName": {b.HolderName}, "region": {b.Region}, "state": {b.State}, "city": {b.City},
		"address1": {b.Address1}, "address2": {b.Address2}, "zipCode": {b.ZipCode},
	}
	if b.SaveCard {
		v.Set("saveCard", "on")
	}
	return v
}

// String keeps card data out of any accidental %v.
func (b *sdkCardBody) String() string { return "sdkCardBody{…}" }

func (p *Pages) sdkPostCard(w http.ResponseWriter, r *http.Request) {
	setAPIHeaders(w, r)
	token := r.PathValue("token")
	var body sdkCardBody
	if !p.readJSON(w, r, token, &body) {
		return
	}
	loc := apiLocale(r, body.Locale)
	ctx := r.Context()
	v, err := p.flow.HostedPage(ctx, token)
	if err != nil || v == nil || v.Step != checkout.StepCard {
		// Not on the card form (paid in another tab, a double submit): the view as it is.
		p.answer(w, r, loc, token, "HostedPage", v, formValues{}, err, false)
		return
	}
	in, vals := parseCardForm(body.values(), v.SaveCardOffered)
	body = sdkCardBody{}
	vals.brand = card.DetectBrand(in.Number)
	v, err = p.flow.SubmitCard(ctx, token, in)
	p.answer(w, r, loc, token, "SubmitCard", v, vals, err, true)
}

type sdkCVVBody struct {
	CVV    string `json:"cvv"`
	Locale string `json:"locale"`
}

func (b *sdkCVVBody) String() string { return "sdkCVVBody{…}" }

func (p *Pages) sdkPostCVV(w http.ResponseWriter, r *http.Request) {
	setAPIHeaders(w, r)
	token := r.PathValue("token")
	var body sdkCVVBody
	if !p.readJSON(w, r, token, &body) {
		return
	}
	loc := apiLocale(r, body.Locale)
	ctx := r.Context()
	v, err := p.flow.HostedPage(ctx, token)
	if err != nil || v == nil || v.Step != checkout.StepCVV {
		p.answer(w, r, loc, token, "HostedPage", v, formValues{}, err, false)
		return
	}
	cvv := stripSpace(body.CVV)
	vals := formValues{emptyCVV: cvv == "", cvvLen: len(cvv), brand: v.CardBrand}
	v, err = p.flow.SubmitCVV(ctx, token, cvv)
	p.answer(w, r, loc, token, "SubmitCVV", v, vals, err, true)
}

type sdkChallengeBody struct {
	OTP    string `json:"otp"`
	Action string `json:"action"` // "", "submit" or "cancel"
	Locale string `json:"locale"`
}

func (p *Pages) sdkPostChallenge(w http.ResponseWriter, r *http.Request) {
	setAPIHeaders(w, r)
	token := r.PathValue("token")
	var body sdkChallengeBody
	if !p.readJSON(w, r, token, &body) {
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
	v, err := p.flow.HostedPage(ctx, token)
	if err != nil || v == nil || v.Step != checkout.StepChallenge {
		p.answer(w, r, loc, token, "HostedPage", v, formValues{}, err, false)
		return
	}
	code := ""
	if !cancel {
		code = stripSpace(body.OTP)
		if code == "" {
			// A blank code is a slip, not a failed authentication: ask again.
			v.FieldErrors = map[string]string{"otp": ams.CodeParamIllegal}
			p.answer(w, r, loc, token, "HostedPage", v, formValues{emptyOTP: true}, nil, false)
			return
		}
	}
	v, err = p.flow.CompleteChallenge(ctx, token, code, cancel)
	p.answer(w, r, loc, token, "CompleteChallenge", v, formValues{emptyOTP: code == ""}, err, true)
}
