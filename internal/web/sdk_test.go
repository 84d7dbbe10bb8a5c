package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/payment"
)

const (
	shopOrigin   = "https://shop.example"
	sdkFormPathT = "/sdk/form/" + testToken
	sdkAPIPathT  = "/sdk/api/" + testToken
)

// newSDKHarness is a harness with the CSRF guard its pages use, to mint frame tokens of any
// age and check the ones the frame was given.
func newSDKHarness(t testing.TB, page *checkout.HostedView) (*harness, *csrfGuard) {
	t.Helper()
	h := &harness{flow: &fakeFlow{page: page}, mux: http.NewServeMux(), logs: &bytes.Buffer{}}
	logger := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p := New(Config{Flow: h.flow, Logger: logger, CSRFKey: testKey})
	p.Register(h.mux)
	return h, p.sdk.csrf
}

func formURL(query string) string {
	return sdkFormPathT + "?origin=" + shopOrigin + "&" + query
}

// frameConfigOf reads the page's sdk-config block.
func frameConfigOf(t *testing.T, body string) frameConfig {
	t.Helper()
	m := regexp.MustCompile(`<script type="application/json" id="sdk-config">([^<]*)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no sdk-config block:\n%s", body)
	}
	var cfg frameConfig
	if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
		t.Fatalf("sdk-config: %v\n%s", err, m[1])
	}
	return cfg
}

// checkFrameHeaders: the hosted pages' headers, except that the frame may be embedded.
func checkFrameHeaders(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	csp := w.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors *", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	if xfo := w.Header().Get("X-Frame-Options"); xfo != "" {
		t.Errorf("X-Frame-Options %q on the SDK frame", xfo)
	}
	for k, v := range map[string]string{"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Content-Type": "text/html; charset=utf-8"} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if c := w.Header().Values("Set-Cookie"); len(c) != 0 {
		t.Errorf("the frame sets cookies (third-party context): %v", c)
	}
}

func TestSDKAssets(t *testing.T) {
	h, _ := newSDKHarness(t, nil)
	for file, ctype := range map[string]string{
		"ams-checkout.js":   "text/javascript; charset=utf-8",
		"ams-checkout.mjs":  "text/javascript; charset=utf-8",
		"ams-checkout.d.ts": "application/typescript; charset=utf-8",
		"frame.js":          "text/javascript; charset=utf-8",
	} {
		w := h.get(SDKPrefix + file)
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != ctype || w.Body.Len() == 0 {
			t.Errorf("%s: status %d type %q len %d", file, w.Code, w.Header().Get("Content-Type"), w.Body.Len())
			continue
		}
		hd := w.Header()
		if hd.Get("X-Content-Type-Options") != "nosniff" || hd.Get("ETag") == "" {
			t.Errorf("%s: headers %v", file, hd)
		}
		public := file != "frame.js"
		if got := hd.Get("Access-Control-Allow-Origin"); (got == "*") != public {
			t.Errorf("%s: Access-Control-Allow-Origin %q", file, got)
		}
		if cc := hd.Get("Cache-Control"); public && !strings.Contains(cc, "max-age=") {
			t.Errorf("%s: Cache-Control %q, want cacheable", file, cc)
		}
		r := httptest.NewRequest(http.MethodGet, SDKPrefix+file, nil)
		r.Header.Set("If-None-Match", hd.Get("ETag"))
		if w2 := h.do(r); w2.Code != http.StatusNotModified {
			t.Errorf("%s: revalidation status %d", file, w2.Code)
		}
	}
	umd := h.get(SDKPrefix + "ams-checkout.js").Body.String()
	esm := h.get(SDKPrefix + "ams-checkout.mjs").Body.String()
	for _, s := range []string{"root.AMSCashierPayment", "root.AMSCheckout", "define.amd", "module.exports", "document.currentScript"} {
		if !strings.Contains(umd, s) {
			t.Errorf("UMD lacks %q", s)
		}
	}
	if strings.Contains(esm, sdkCorePlaceholder) || !strings.Contains(esm, "function cashierSDK(scriptURL)") ||
		!strings.Contains(esm, "import.meta.url") || !strings.Contains(esm, "export default") || !strings.Contains(esm, "export const AMSCheckout") {
		t.Errorf("ESM is not the template filled with the core:\n%.400s", esm)
	}
	for _, bad := range []string{"/sdk/form.js", "/sdk/secret.go", "/sdk/card.js"} {
		if w := h.get(bad); w.Code != http.StatusNotFound {
			t.Errorf("%s: status %d", bad, w.Code)
		}
	}
	if calls := h.flow.Calls(); len(calls) != 0 {
		t.Errorf("static files called the Flow: %v", calls)
	}
}

func TestBuildESM(t *testing.T) {
	umd := []byte("(wrap,\n" + sdkCoreBegin + "function cashierSDK(u) { return {}; }\n" + sdkCoreEnd + ");\n")
	got, err := buildESM(umd, []byte("const cashierSDK = "+sdkCorePlaceholder+";\nexport default 1;\n"))
	if err != nil || string(got) != "const cashierSDK = function cashierSDK(u) { return {}; };\nexport default 1;\n" {
		t.Errorf("buildESM = %q, %v", got, err)
	}
	if _, err := buildESM([]byte("no markers"), []byte(sdkCorePlaceholder)); err == nil {
		t.Error("buildESM accepted a script without markers")
	}
	if _, err := buildESM(umd, []byte("no placeholder")); err == nil {
		t.Error("buildESM accepted a template without its placeholder")
	}
}

// TestSDKScriptsUnderNode checks that the served scripts parse, and runs the constructor's
// checks of the UMD under Node (CommonJS). Skipped without node.
func TestSDKScriptsUnderNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	h, _ := newSDKHarness(t, nil)
	dir := t.TempDir()
	for _, f := range []string{"ams-checkout.js", "ams-checkout.mjs", "frame.js"} {
		path := filepath.Join(dir, f)
		if err := os.WriteFile(path, h.get(SDKPrefix+f).Body.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(node, "--check", path).CombinedOutput(); err != nil {
			t.Errorf("%s does not parse: %v\n%s", f, err, out)
		}
	}
	prog := `
const sdk = require(process.argv[1]);
const out = {};
out.same = sdk.AMSCheckout === sdk.AMSCashierPayment && sdk.default === sdk.AMSCashierPayment;
const v = sdk.AMSVaulting({environment: 'sandbox', locale: 'de_DE'});
out.vaulting = v instanceof sdk.AMSVaulting && v instanceof sdk.AMSCashierPayment && sdk.AMSVaulting !== sdk.AMSCashierPayment &&
  v.options.environment === 'sandbox' && v.options.locale === 'de_DE' && typeof v.createComponent === 'function' && typeof v.unmount === 'function';
try { new sdk.AMSVaulting({onLog: 1}); out.vaultingThrew = ''; } catch (e) { out.vaultingThrew = e.message; }
try { new sdk.AMSCashierPayment({onEventCallback: 'nope'}); out.threw = ''; } catch (e) { out.threw = e.message; }
out.newCallbacks = ['onPaymentMethodSelected', 'onChange', 'onBeforeSubmit'].map(name => {
  try { new sdk.AMSCashierPayment({[name]: 'nope'}); return ''; } catch (e) { return e.message; }
});
let initErr = null;
try { new sdk.AMSCashierPayment({onError: e => { initErr = e; }, onClose: 5}); } catch (e) {}
out.initErr = initErr;
const warnings = [];
console.warn = m => warnings.push(String(m));
const a = new sdk.AMSCashierPayment({environment: 'staging', locale: 'xx_XX', analytics: {enabled: true}, whatever: 1});
out.env = a.options.environment; out.locale = a.options.locale; out.warned = warnings.length;
const b = new sdk.AMSCashierPayment({environment: 'light_sandbox', locale: 'zh_HK'});
out.env2 = b.options.environment; out.locale2 = b.options.locale;
// Without a page there is nothing to preload, and nothing may throw.
out.preload = [sdk.AMSCashierPayment.preload({environment: 'sandbox', securityRegion: 'SG'}), b.preloadComponent(['CASHIER_PAYMENT_CARD'], '1.0')];
Promise.all([b.validateFields(), b.submit({billingAddress: {region: 'US'}}).then(() => 'resolved', e => e.code),
  b.canMakePayments(), b.canMakePayments('ApplePay')]).then(r => {
  out.validate = r[0]; out.submit = r[1]; out.can = [r[2], r[3]];
  process.stdout.write(JSON.stringify(out));
});`
	umd := filepath.Join(dir, "ams-checkout.js")
	cmd := exec.Command(node, "-e", prog, umd)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	var out struct {
		Same                       bool
		Vaulting                   bool
		VaultingThrew              string
		Threw                      string
		InitErr                    map[string]string
		Env, Locale, Env2, Locale2 string
		Warned                     int
		Validate                   map[string]bool
		Submit                     string
		NewCallbacks               []string
		Preload                    []any
		Can                        []bool
	}
	if err := json.Unmarshal(outb, &out); err != nil {
		t.Fatalf("%v: %s", err, outb)
	}
	if !out.Same || !out.Vaulting || out.VaultingThrew != "Parameter type should be function" || out.Threw != "Parameter type should be function" || out.InitErr["code"] != "SDK_INIT_PARAMETER_ERROR" ||
		// The locale is passed on as given, as the real package does.
		out.Env != "prod" || out.Locale != "xx_XX" || out.Warned != 1 || out.Env2 != "light_sandbox" || out.Locale2 != "zh_HK" ||
		out.Validate == nil || out.Validate["isValid"] || out.Submit != "SDK_CREATECOMPONENT_ERROR" ||
		strings.Join(out.NewCallbacks, "|") != "Parameter type should be function|Parameter type should be function|Parameter type should be function" ||
		len(out.Preload) != 2 || out.Preload[0] != nil || out.Preload[1] != nil || len(out.Can) != 2 || !out.Can[0] || out.Can[1] {
		t.Errorf("SDK under node: %+v", out)
	}
}

func TestSDKFormPage(t *testing.T) {
	v := baseView(checkout.StepCard)
	v.SaveCardOffered = true
	h, guard := newSDKHarness(t, v)
	w := h.get(formURL("locale=de_DE&showSubmitButton=0&needCVV=1&redirect=1&mode=embedded"))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d\n%s", w.Code, w.Body)
	}
	checkFrameHeaders(t, w)
	body := w.Body.String()
	if !strings.Contains(body, `<html lang="de-DE" dir="ltr" data-step="card" class="embedded" data-sdk>`) {
		t.Errorf("root element: %.300s", body)
	}
	for _, id := range []string{"summary", "merchant", "pay"} {
		if hasID(body, id) {
			t.Errorf("embedded form without its own button has #%s", id)
		}
	}
	input(t, body, "cardNo", map[string]string{"autocomplete": "cc-number"})
	input(t, body, "expiry", map[string]string{"autocomplete": "cc-exp"})
	input(t, body, "cvv", map[string]string{"autocomplete": "cc-csc"})
	input(t, body, "holderName", map[string]string{"autocomplete": "cc-name"})
	input(t, body, "saveCard", map[string]string{"type": "checkbox"})
	for _, id := range []string{"cardNo-error", "expiry-error", "cvv-error", "holderName-error", "form-error"} {
		if !hasID(body, id) {
			t.Errorf("no #%s", id)
		}
	}
	if strings.Contains(body, "http-equiv") {
		t.Error("the frame has a meta refresh")
	}
	for _, m := range regexp.MustCompile(`<script(?: [^>]*)?>`).FindAllString(body, -1) {
		if !strings.Contains(m, `type="application/json"`) && !strings.Contains(m, `src="/checkout/static/card.js"`) && !strings.Contains(m, `src="/sdk/frame.js"`) {
			t.Errorf("unexpected script: %s", m)
		}
	}
	cfg := frameConfigOf(t, body)
	if cfg.Origin != shopOrigin || cfg.Locale != "de_DE" || cfg.API != sdkAPIPathT || cfg.Step != "card" || !cfg.NeedCVV || cfg.Error != 0 {
		t.Errorf("config %+v", cfg)
	}
	if cfg.View == nil || cfg.View.Step != "card" || cfg.View.Status != "PROCESSING" || cfg.View.Final || cfg.View.RedirectURL != v.RedirectURL {
		t.Errorf("config view %+v", cfg.View)
	}
	if cfg.Messages["close"] != "Schließen" || cfg.Messages["frameTitle"] == "" || cfg.Messages["errNetwork"] == "" {
		t.Errorf("config messages %v", cfg.Messages)
	}
	if !guard.frameValid(testToken, cfg.CSRF, time.Now()) {
		t.Errorf("config CSRF %q does not verify", cfg.CSRF)
	}
	if field := tag(t, body, "card-form"); field["data-form"] != "card" {
		t.Errorf("card form %v", field)
	}

	// With its own button (the popup's default).
	w = h.get(formURL("showSubmitButton=1"))
	if a := tag(t, w.Body.String(), "pay"); a["<"] != "button" || a["type"] != "submit" {
		t.Errorf("#pay = %v", a)
	}
	if cfg := frameConfigOf(t, w.Body.String()); cfg.Locale != "en_US" {
		t.Errorf("default locale %q", cfg.Locale)
	}
	// An unknown locale is en_US, as in the SDK.
	if cfg := frameConfigOf(t, h.get(formURL("locale=xx_YY")).Body.String()); cfg.Locale != "en_US" {
		t.Errorf("unknown locale gives %q", cfg.Locale)
	}
}

// TestSDKFormVaulting: a vaulting session's frame is the hosted vaulting form, and its view
// says it is one, for the SDK to tell AMSVaulting's sessions from AMSCashierPayment's.
func TestSDKFormVaulting(t *testing.T) {
	v := baseView(checkout.StepCard)
	v.Vaulting, v.Amount = true, payment.Amount{}
	h, _ := newSDKHarness(t, v)
	body := h.get(formURL("showSubmitButton=1")).Body.String()
	cfg := frameConfigOf(t, body)
	if cfg.View == nil || !cfg.View.Vaulting || cfg.Messages["frameTitle"] != "Save your card" {
		t.Errorf("vaulting frame: view %+v, messages %v", cfg.View, cfg.Messages)
	}
	if got := text(t, body, "pay"); got != "Save card" {
		t.Errorf("the vaulting frame's button says %q", got)
	}
	h, _ = newSDKHarness(t, baseView(checkout.StepCard))
	if cfg := frameConfigOf(t, h.get(formURL("")).Body.String()); cfg.View == nil || cfg.View.Vaulting || cfg.Messages["frameTitle"] != "Card payment form" {
		t.Errorf("payment frame: view %+v, messages %v", cfg.View, cfg.Messages)
	}
}

func TestSDKFormOrigin(t *testing.T) {
	h, _ := newSDKHarness(t, baseView(checkout.StepCard))
	for _, origin := range []string{"", "null", "javascript:alert(1)", "https://shop.example/", "https://shop.example/path",
		"https://user@shop.example", "ftp://shop.example", "https://SHOP.example", "https://shop.example?x", "//shop.example"} {
		h.flow.reset()
		w := h.get(sdkFormPathT + "?origin=" + strings.ReplaceAll(origin, "?", "%3F"))
		if w.Code != http.StatusBadRequest {
			t.Errorf("origin %q: status %d", origin, w.Code)
			continue
		}
		checkFrameHeaders(t, w)
		if cfg := frameConfigOf(t, w.Body.String()); cfg.Origin != "" || cfg.Error != http.StatusBadRequest {
			t.Errorf("origin %q: config %+v", origin, cfg)
		}
		if calls := h.flow.Calls(); len(calls) != 0 {
			t.Errorf("origin %q: Flow called %v", origin, calls)
		}
	}
	for _, origin := range []string{"https://shop.example", "http://127.0.0.1:8080", "https://shop.example:8443"} {
		if got := parseOrigin(origin); got != origin {
			t.Errorf("parseOrigin(%q) = %q", origin, got)
		}
	}
}

func TestSDKFormErrors(t *testing.T) {
	h, _ := newSDKHarness(t, nil)
	h.flow.pageErr = payment.NewError("ORDER_NOT_EXIST", "no such page")
	w := h.get(formURL(""))
	if w.Code != http.StatusNotFound {
		t.Fatalf("status %d", w.Code)
	}
	checkFrameHeaders(t, w)
	body := w.Body.String()
	if cfg := frameConfigOf(t, body); cfg.Error != http.StatusNotFound || cfg.Origin != shopOrigin || cfg.CSRF != "" {
		t.Errorf("config %+v", cfg)
	}
	if hasID(body, "back") {
		t.Error("the frame's error page links out")
	}
	h.flow.pageErr = errors.New("database is down")
	w = h.get(formURL(""))
	if w.Code != http.StatusInternalServerError || frameConfigOf(t, w.Body.String()).Error != http.StatusInternalServerError {
		t.Errorf("flow failure: status %d", w.Code)
	}
	if logs := h.logs.String(); !strings.Contains(logs, "database is down") || strings.Contains(logs, testToken) {
		t.Errorf("logs: %s", logs)
	}
}

func TestSDKFormSteps(t *testing.T) {
	// The challenge renders inside the frame, with stable ids.
	v := baseView(checkout.StepChallenge)
	v.CardMasked, v.CardBrand = "400000******3220", "VISA"
	h, _ := newSDKHarness(t, v)
	body := h.get(formURL("showSubmitButton=0")).Body.String()
	input(t, body, "otp", map[string]string{"autocomplete": "one-time-code", "inputmode": "numeric"})
	button(t, body, "challenge-submit", "action", "submit")
	button(t, body, "challenge-cancel", "action", "cancel")
	if cfg := frameConfigOf(t, body); cfg.Step != "challenge" || cfg.View.CardMasked != v.CardMasked {
		t.Errorf("config %+v", cfg)
	}

	// A declined card leaves the form open, with the reason.
	v = baseView(checkout.StepCard)
	v.Session, v.DeclineCode, v.DeclineMessage = true, "DO_NOT_HONOR", "the issuer declined"
	h.flow.page = v
	body = h.get(formURL("locale=fr_FR")).Body.String()
	if got := text(t, body, "form-error"); got != catalogFor(t, "fr_FR")["rc_DO_NOT_HONOR"] {
		t.Errorf("decline message %q", got)
	}

	// A result: no refresh, no link out; the SDK moves the buyer on.
	for _, status := range []payment.Status{payment.Success, payment.Fail, payment.Processing} {
		v = baseView(checkout.StepResult)
		v.Status = status
		h.flow.page = v
		body = h.get(formURL("redirect=1")).Body.String()
		if strings.Contains(body, "http-equiv") || hasID(body, "return") || strings.Contains(body, `href="https://merchant.example`) {
			t.Errorf("%s: result page in the frame refreshes or links out:\n%s", status, body)
		}
		cfg := frameConfigOf(t, body)
		if cfg.View.Final != (status != payment.Processing) || cfg.View.Status != string(status) {
			t.Errorf("%s: view %+v", status, cfg.View)
		}
	}
}

func catalogFor(t *testing.T, loc string) map[string]string {
	c, err := loadCatalog(localeFS)
	if err != nil {
		t.Fatal(err)
	}
	return c[loc]
}

func TestSDKFormInEveryLocale(t *testing.T) {
	for _, step := range []checkout.Step{checkout.StepCard, checkout.StepCVV, checkout.StepChallenge, checkout.StepIssuer, checkout.StepResult} {
		v := baseView(step)
		v.SaveCardOffered, v.CardBrand, v.CardMasked, v.IssuerBrand = true, "AMEX", "378282*****0005", "KOOKMIN"
		if step == checkout.StepResult {
			v.Status, v.ResultCode = payment.Fail, "DO_NOT_HONOR"
		}
		h, _ := newSDKHarness(t, v)
		for _, loc := range supportedLocales {
			w := h.get(formURL("locale=" + loc + "&showSubmitButton=1"))
			if w.Code != http.StatusOK {
				t.Errorf("%s %s: status %d %s", step, loc, w.Code, h.logs)
				continue
			}
			if cfg := frameConfigOf(t, w.Body.String()); cfg.Locale != loc || cfg.Step != string(step) {
				t.Errorf("%s %s: config %+v", step, loc, cfg)
			}
		}
	}
}

// ---- the JSON endpoints ----

type apiCall struct {
	path, body, csrf, ctype, site, origin string
}

func (h *harness) api(c apiCall) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, c.path, strings.NewReader(c.body))
	if c.ctype == "" {
		c.ctype = "application/json"
	}
	r.Header.Set("Content-Type", c.ctype)
	if c.csrf != "" {
		r.Header.Set(CSRFHeader, c.csrf)
	}
	if c.site != "" {
		r.Header.Set("Sec-Fetch-Site", c.site)
	}
	if c.origin != "" {
		r.Header.Set("Origin", c.origin)
	}
	return h.do(r)
}

func decodeView(t *testing.T, w *httptest.ResponseRecorder) sdkView {
	t.Helper()
	checkAPIHeaders(t, w)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var v sdkView
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("%v: %s", err, w.Body)
	}
	return v
}

func checkAPIHeaders(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	for k, v := range map[string]string{"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Error("the JSON API allows other origins")
	}
}

const (
	secretPAN = "4242424242424242"
	secretCVV = "987"
)

var cardJSON = `{"cardNo":"4242 4242 4242 4242","expiry":"12/30","cvv":"987","holderName":" Jane  Doe ","saveCard":true,` +
	`"region":"us","city":"Springfield","zipCode":"12345","selectedCardBrand":"VISA","locale":"de_DE"}`

func noCardData(t *testing.T, where, s string) {
	t.Helper()
	for _, secret := range []string{secretPAN, "4242 4242 4242 4242", `"987"`, "cvv\":\"9"} {
		if strings.Contains(s, secret) {
			t.Errorf("%s contains %q: %s", where, secret, s)
		}
	}
}

func TestSDKAPIRefusals(t *testing.T) {
	h, guard := newSDKHarness(t, baseView(checkout.StepCard))
	csrf := guard.frameToken(testToken, time.Now())
	wrongKey := newCSRFGuard([]byte(strings.Repeat("k", 32)))
	cases := []struct {
		name   string
		call   apiCall
		status int
	}{
		{"no CSRF", apiCall{path: sdkAPIPathT + "/card", body: cardJSON}, http.StatusForbidden},
		{"CSRF of another page", apiCall{path: sdkAPIPathT + "/card", body: cardJSON, csrf: guard.frameToken("tok_other", time.Now())}, http.StatusForbidden},
		{"CSRF under another key", apiCall{path: sdkAPIPathT + "/card", body: cardJSON, csrf: wrongKey.frameToken(testToken, time.Now())}, http.StatusForbidden},
		{"stale CSRF", apiCall{path: sdkAPIPathT + "/card", body: cardJSON, csrf: guard.frameToken(testToken, time.Now().Add(-3*time.Hour))}, http.StatusForbidden},
		{"future CSRF", apiCall{path: sdkAPIPathT + "/card", body: cardJSON, csrf: guard.frameToken(testToken, time.Now().Add(time.Hour))}, http.StatusForbidden},
		{"garbled CSRF", apiCall{path: sdkAPIPathT + "/card", body: cardJSON, csrf: garble(csrf)}, http.StatusForbidden},
		{"cookie CSRF field", apiCall{path: sdkAPIPathT + "/cvv", body: `{"cvv":"123"}`, csrf: b64.EncodeToString(guard.mac(formCSRFLabel, testToken, []byte("x")))}, http.StatusForbidden},
		{"cross-site", apiCall{path: sdkAPIPathT + "/card", body: cardJSON, csrf: csrf, site: "cross-site"}, http.StatusForbidden},
		{"same-site other origin", apiCall{path: sdkAPIPathT + "/challenge", body: `{"otp":"123456"}`, csrf: csrf, site: "same-site"}, http.StatusForbidden},
		{"other Origin, no Sec-Fetch-Site", apiCall{path: sdkAPIPathT + "/card", body: cardJSON, csrf: csrf, origin: "https://evil.example"}, http.StatusForbidden},
		{"form post", apiCall{path: sdkAPIPathT + "/card", body: "cardNo=4242424242424242", csrf: csrf, ctype: "application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType},
		{"text/plain", apiCall{path: sdkAPIPathT + "/card", body: cardJSON, csrf: csrf, ctype: "text/plain"}, http.StatusUnsupportedMediaType},
		{"not JSON", apiCall{path: sdkAPIPathT + "/card", body: `{"cardNo":`, csrf: csrf}, http.StatusBadRequest},
		{"two objects", apiCall{path: sdkAPIPathT + "/card", body: cardJSON + cardJSON, csrf: csrf}, http.StatusBadRequest},
		{"wrong type", apiCall{path: sdkAPIPathT + "/card", body: `{"saveCard":"4242424242424242"}`, csrf: csrf}, http.StatusBadRequest},
		{"a key twice", apiCall{path: sdkAPIPathT + "/card", body: `{"cardNo":"4242424242424242","cardNo":"5555555555554444"}`, csrf: csrf}, http.StatusBadRequest},
		{"a key in two cases", apiCall{path: sdkAPIPathT + "/cvv", body: `{"cvv":"123","CVV":"999"}`, csrf: csrf}, http.StatusBadRequest},
		{"a NUL", apiCall{path: sdkAPIPathT + "/challenge", body: `{"otp":"123\u0000456"}`, csrf: csrf}, http.StatusBadRequest},
		{"too large", apiCall{path: sdkAPIPathT + "/card", body: `{"holderName":"` + strings.Repeat("x", MaxBodyBytes) + `"}`, csrf: csrf}, http.StatusRequestEntityTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.flow.reset()
			w := h.api(tc.call)
			if w.Code != tc.status {
				t.Errorf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			checkAPIHeaders(t, w)
			var e apiError
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Errorf("error body %s", w.Body)
			}
			noCardData(t, "answer", w.Body.String())
			if calls := h.flow.Calls(); len(calls) != 0 {
				t.Errorf("Flow called: %v", calls)
			}
		})
	}
	h.flow.next = baseView(checkout.StepResult)
	if w := h.api(apiCall{path: sdkAPIPathT + "/card", body: cardJSON, csrf: csrf, site: "same-origin"}); w.Code != http.StatusOK {
		t.Errorf("same-origin post: status %d", w.Code)
	}
	noCardData(t, "logs", h.logs.String())
	if strings.Contains(h.logs.String(), testToken) {
		t.Errorf("logs hold the page token: %s", h.logs)
	}
	// GET of a post route, and a post to the view.
	if w := h.get(sdkAPIPathT + "/card"); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET card: status %d", w.Code)
	}
	if w := h.api(apiCall{path: sdkAPIPathT, body: "{}", csrf: csrf}); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST view: status %d", w.Code)
	}
}

func TestSDKAPICard(t *testing.T) {
	v := baseView(checkout.StepCard)
	v.SaveCardOffered, v.Session = true, true
	h, guard := newSDKHarness(t, v)
	csrf := guard.frameToken(testToken, time.Now())

	// Approved.
	done := baseView(checkout.StepResult)
	done.Status, done.ResultCode, done.ResultMessage = payment.Success, "SUCCESS", "success"
	done.CardMasked, done.CardBrand = "424242******4242", "VISA"
	h.flow.next = done
	w := h.api(apiCall{path: sdkAPIPathT + "/card", body: cardJSON, csrf: csrf})
	got := decodeView(t, w)
	if calls := h.flow.Calls(); !reflect.DeepEqual(calls, []string{"HostedPage", "SubmitCard"}) {
		t.Errorf("calls %v", calls)
	}
	in := h.flow.card
	if in.Number != secretPAN || in.ExpiryMonth != "12" || in.ExpiryYear != "30" || in.CVV != secretCVV || in.HolderName != "Jane Doe" ||
		!in.SaveCard || in.Billing == nil || in.Billing.Region != "US" || in.Billing.City != "Springfield" || in.Billing.ZipCode != "12345" || in.Brand != "VISA" {
		t.Errorf("card input %+v", in)
	}
	want := sdkView{Step: "result", Status: "SUCCESS", ResultCode: "SUCCESS", ResultStatus: "S", ResultMessage: "success",
		Message: catalogFor(t, "de_DE")["resultSuccess"], RedirectURL: done.RedirectURL, CardMasked: done.CardMasked, CardBrand: "VISA", Final: true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("view\n got %+v\nwant %+v", got, want)
	}
	noCardData(t, "answer", w.Body.String())

	// Field errors: the codes and the messages in the frame's language.
	h.flow.reset()
	bad := baseView(checkout.StepCard)
	bad.FieldErrors = map[string]string{"cardNo": "INVALID_CARD_NUMBER", "expiryMonth": "CARD_EXPIRED", "cvv": "INVALID_CVV"}
	h.flow.next = bad
	w = h.api(apiCall{path: sdkAPIPathT + "/card", body: `{"cardNo":"4242424242424241","expiry":"01/20","cvv":"12","holderName":"J","locale":"en_US"}`, csrf: csrf})
	got = decodeView(t, w)
	en := catalogFor(t, "en_US")
	if got.Step != "card" || got.Final || !reflect.DeepEqual(got.FieldErrors, bad.FieldErrors) || got.FormError != en["formErrors"] ||
		!reflect.DeepEqual(got.FieldMessages, map[string]string{"cardNo": en["errCardNoInvalid"], "expiry": en["errExpiryPast"], "cvv": en["errCvvInvalid3"]}) {
		t.Errorf("field errors view %+v", got)
	}
	if strings.Contains(w.Body.String(), "4242424242424241") {
		t.Error("the answer echoes the card number")
	}

	// An issuer's decline in a session: back on the card step, with the reason.
	h.flow.reset()
	decl := baseView(checkout.StepCard)
	decl.Session, decl.DeclineCode, decl.DeclineMessage, decl.ResultCode = true, "DO_NOT_HONOR", "declined by the issuer", "PAYMENT_IN_PROCESS"
	h.flow.next = decl
	got = decodeView(t, h.api(apiCall{path: sdkAPIPathT + "/card", body: cardJSON, csrf: csrf}))
	if got.Step != "card" || got.DeclineCode != "DO_NOT_HONOR" || got.DeclineMessage != "declined by the issuer" ||
		got.Message != catalogFor(t, "de_DE")["rc_DO_NOT_HONOR"] || got.Final || got.ResultStatus != "U" {
		t.Errorf("decline view %+v", got)
	}

	// 3-D Secure: the challenge step.
	h.flow.reset()
	ch := baseView(checkout.StepChallenge)
	ch.CardMasked, ch.CardBrand = "400000******3220", "VISA"
	h.flow.next = ch
	if got = decodeView(t, h.api(apiCall{path: sdkAPIPathT + "/card", body: cardJSON, csrf: csrf})); got.Step != "challenge" || got.CardMasked != ch.CardMasked {
		t.Errorf("challenge view %+v", got)
	}

	// The flow fails: a 500 without the card in the answer or the logs.
	h.flow.reset()
	h.flow.next, h.flow.nextErr = nil, errors.New("database is down")
	w = h.api(apiCall{path: sdkAPIPathT + "/card", body: cardJSON, csrf: csrf})
	if w.Code != http.StatusInternalServerError {
		t.Errorf("flow failure: status %d", w.Code)
	}
	checkAPIHeaders(t, w)
	if logs := h.logs.String(); !strings.Contains(logs, "database is down") || !strings.Contains(logs, "SubmitCard") {
		t.Errorf("failure not logged: %s", logs)
	}
	noCardData(t, "logs", h.logs.String())
	if strings.Contains(h.logs.String(), "Jane") {
		t.Errorf("logs hold the holder's name: %s", h.logs)
	}

	// A payment that lost a race (paid in another tab): the view as it is now.
	h.flow.reset()
	h.flow.nextErr = payment.NewError("ORDER_STATUS_INVALID", "moved on")
	if got = decodeView(t, h.api(apiCall{path: sdkAPIPathT + "/card", body: cardJSON, csrf: csrf})); got.Step != "card" {
		t.Errorf("race view %+v", got)
	}
	if calls := h.flow.Calls(); !reflect.DeepEqual(calls, []string{"HostedPage", "SubmitCard", "HostedPage"}) {
		t.Errorf("race: calls %v", calls)
	}
	h.flow.page = done

	// Not on the card step: no SubmitCard, the current view.
	h.flow.reset()
	h.flow.nextErr = nil
	if got = decodeView(t, h.api(apiCall{path: sdkAPIPathT + "/card", body: cardJSON, csrf: csrf})); got.Step != "result" {
		t.Errorf("view %+v", got)
	}
	if calls := h.flow.Calls(); !reflect.DeepEqual(calls, []string{"HostedPage"}) {
		t.Errorf("calls %v", calls)
	}

	// Unknown token.
	h.flow.pageErr = payment.NewError("ORDER_NOT_EXIST", "no such page")
	if w := h.api(apiCall{path: sdkAPIPathT + "/card", body: cardJSON, csrf: csrf}); w.Code != http.StatusNotFound {
		t.Errorf("unknown token: status %d", w.Code)
	}
}

func TestSDKAPICVVAndChallenge(t *testing.T) {
	v := baseView(checkout.StepCVV)
	v.CardBrand, v.CardMasked = "AMEX", "378282*****0005"
	h, guard := newSDKHarness(t, v)
	csrf := guard.frameToken(testToken, time.Now())
	h.flow.next = baseView(checkout.StepResult)
	got := decodeView(t, h.api(apiCall{path: sdkAPIPathT + "/cvv", body: `{"cvv":" 1234 "}`, csrf: csrf}))
	if h.flow.cvv != "1234" || got.Step != "result" {
		t.Errorf("cvv %q view %+v", h.flow.cvv, got)
	}
	if calls := h.flow.Calls(); !reflect.DeepEqual(calls, []string{"HostedPage", "SubmitCVV"}) {
		t.Errorf("calls %v", calls)
	}

	h.flow.page = baseView(checkout.StepChallenge)
	for _, tc := range []struct {
		body   string
		code   string
		cancel bool
	}{
		{`{"otp":" 123456 ","action":"submit"}`, "123456", false},
		{`{"otp":"654321"}`, "654321", false},
		{`{"otp":"123456","action":"cancel"}`, "", true},
	} {
		h.flow.reset()
		h.flow.next = baseView(checkout.StepResult)
		decodeView(t, h.api(apiCall{path: sdkAPIPathT + "/challenge", body: tc.body, csrf: csrf}))
		if h.flow.code != tc.code || h.flow.cancel != tc.cancel {
			t.Errorf("%s: code %q cancel %v", tc.body, h.flow.code, h.flow.cancel)
		}
	}
	// A blank code goes to the Flow, which asks for it again (checkout's TestChallengeTries);
	// the message says it was missing.
	h.flow.reset()
	again := baseView(checkout.StepChallenge)
	again.FieldErrors = map[string]string{"otp": payment.CodeParamIllegal}
	h.flow.next = again
	got = decodeView(t, h.api(apiCall{path: sdkAPIPathT + "/challenge", body: `{"otp":"  ","action":"submit","locale":"en_US"}`, csrf: csrf}))
	if got.Step != "challenge" || got.FieldMessages["otp"] != catalogFor(t, "en_US")["errOtpRequired"] {
		t.Errorf("blank otp view %+v", got)
	}
	if calls := h.flow.Calls(); !reflect.DeepEqual(calls, []string{"HostedPage", "CompleteChallenge"}) || h.flow.code != "" || h.flow.cancel {
		t.Errorf("blank otp: calls %v, code %q, cancel %v", calls, h.flow.code, h.flow.cancel)
	}
	h.flow.reset()
	if w := h.api(apiCall{path: sdkAPIPathT + "/challenge", body: `{"otp":"1","action":"approve"}`, csrf: csrf}); w.Code != http.StatusBadRequest {
		t.Errorf("bad action: status %d", w.Code)
	}
	if calls := h.flow.Calls(); len(calls) != 0 {
		t.Errorf("bad action: calls %v", calls)
	}
}

func TestSDKAPIView(t *testing.T) {
	v := baseView(checkout.StepResult)
	v.Status, v.ResultCode, v.ResultMessage, v.Expired = payment.Fail, "ORDER_IS_CLOSED", "expired", true
	v.RedirectURL = "javascript:alert(1)"
	h, _ := newSDKHarness(t, v)
	got := decodeView(t, h.get(sdkAPIPathT+"?locale=en_US"))
	if got.Step != "result" || !got.Expired || !got.Final || got.Status != "FAIL" || got.ResultStatus != "F" || got.RedirectURL != "" ||
		got.Message != catalogFor(t, "en_US")["resultExpired"] {
		t.Errorf("view %+v", got)
	}
	h.flow.pageErr = payment.NewError("ORDER_NOT_EXIST", "no such page")
	w := h.get(sdkAPIPathT)
	checkAPIHeaders(t, w)
	if w.Code != http.StatusNotFound {
		t.Errorf("unknown token: status %d", w.Code)
	}
}
