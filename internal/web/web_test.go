package web

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/payment"
)

const pagePathT = "/checkout/" + testToken

// The buyer's flow is the Flow the pages run on.
var _ Flow = (*checkout.Flow)(nil)

// input checks that an input exists with the attributes and has a <label for>.
func input(t *testing.T, body, id string, want map[string]string) {
	t.Helper()
	a := tag(t, body, id)
	if a["<"] != "input" {
		t.Errorf("#%s is <%s>, want <input>", id, a["<"])
	}
	if a["name"] != id {
		t.Errorf("#%s name=%q, want %q", id, a["name"], id)
	}
	for k, v := range want {
		if got, ok := a[k]; !ok || got != v {
			t.Errorf("#%s %s=%q (present %v), want %q", id, k, got, ok, v)
		}
	}
	if !strings.Contains(body, `<label for="`+id+`"`) {
		t.Errorf("#%s has no <label for>", id)
	}
}

func button(t *testing.T, body, id, name, value string) {
	t.Helper()
	a := tag(t, body, id)
	if a["<"] != "button" || a["type"] != "submit" {
		t.Errorf("#%s: <%s type=%q>, want a submit button", id, a["<"], a["type"])
	}
	if a["name"] != name || a["value"] != value {
		t.Errorf("#%s: name=%q value=%q, want %q %q", id, a["name"], a["value"], name, value)
	}
}

func dataStep(t *testing.T, body, want string) {
	t.Helper()
	m := regexp.MustCompile(`<html lang="([^"]+)" dir="ltr" data-step="([^"]+)">`).FindStringSubmatch(body)
	if m == nil || m[2] != want {
		t.Errorf("root data-step = %v, want %q", m, want)
	}
	if n := strings.Count(body, "data-step="); n != 1 {
		t.Errorf("data-step appears %d times, want once (on the root)", n)
	}
}

func TestCardPage(t *testing.T) {
	v := baseView(checkout.StepCard)
	v.SaveCardOffered = true
	h := newHarness(t, v)
	w := h.get(pagePathT)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	checkHeaders(t, w)
	body := w.Body.String()
	dataStep(t, body, "card")
	for _, s := range []string{"Acme Books", "Two paperbacks", "$10.50", "Pay $10.50"} {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	input(t, body, "cardNo", map[string]string{"autocomplete": "cc-number", "inputmode": "numeric", "aria-describedby": "cardNo-error", "aria-invalid": "false"})
	input(t, body, "expiry", map[string]string{"autocomplete": "cc-exp", "inputmode": "numeric", "aria-describedby": "expiry-error"})
	input(t, body, "cvv", map[string]string{"autocomplete": "cc-csc", "inputmode": "numeric", "aria-describedby": "cvv-hint cvv-error"})
	input(t, body, "holderName", map[string]string{"autocomplete": "cc-name", "aria-describedby": "holderName-error"})
	if a := tag(t, body, "region"); a["<"] != "select" || a["name"] != "region" || a["autocomplete"] != "country" || !strings.Contains(body, `<label for="region"`) {
		t.Errorf("#region = %v", a)
	}
	input(t, body, "state", map[string]string{"autocomplete": "address-level1"})
	input(t, body, "city", map[string]string{"autocomplete": "address-level2"})
	input(t, body, "address1", map[string]string{"autocomplete": "address-line1"})
	input(t, body, "address2", map[string]string{"autocomplete": "address-line2"})
	input(t, body, "zipCode", map[string]string{"autocomplete": "postal-code"})
	input(t, body, "saveCard", map[string]string{"type": "checkbox", "value": "on"})
	for _, id := range []string{"cardNo-error", "expiry-error", "cvv-error", "holderName-error"} {
		if !hasID(body, id) {
			t.Errorf("no #%s", id)
		}
	}
	if a := tag(t, body, "pay"); a["<"] != "button" || a["type"] != "submit" {
		t.Errorf("#pay = %v", a)
	}
	if a := tag(t, body, "billing"); a["<"] != "details" {
		t.Errorf("billing is <%s>, want <details>", a["<"])
	}
	form := tag(t, body, "card-form")
	if form["method"] != "post" || form["action"] != pagePathT {
		t.Errorf("form method=%q action=%q", form["method"], form["action"])
	}
	// Assets from our own origin only, no inline executable script, no inline style.
	for _, re := range []string{`<script(?: [^>]*)?>`, `<link [^>]*>`, `<img [^>]*>`} {
		for _, m := range regexp.MustCompile(re).FindAllString(body, -1) {
			if strings.Contains(m, "http:") || strings.Contains(m, "https:") || strings.Contains(m, "//") {
				t.Errorf("external resource: %s", m)
			}
			if strings.HasPrefix(m, "<script") && !strings.Contains(m, `type="application/json"`) && !strings.Contains(m, `src="/checkout/static/card.js"`) {
				t.Errorf("inline script: %s", m)
			}
		}
	}
	if strings.Contains(body, "style=") || strings.Contains(body, "<style") {
		t.Error("inline style breaks style-src 'self'")
	}
	// The data blocks card.js reads are JSON.
	var msgs map[string]string
	if err := json.Unmarshal([]byte(scriptBlock(t, body, "i18n")), &msgs); err != nil || msgs["errCardNoInvalid"] != "The card number is invalid." {
		t.Errorf("i18n block: %v %v", err, msgs)
	}
	var table card.Table
	if err := json.Unmarshal([]byte(scriptBlock(t, body, "brands")), &table); err != nil || !reflect.DeepEqual(table, card.BrowserTable()) {
		t.Errorf("brands block does not hold card.BrowserTable(): %v", err)
	}
	// The page is the merchant's: its name in the title; the CVV's place for any card
	// until the number tells the brand.
	if m := regexp.MustCompile(`<title>([^<]*)</title>`).FindStringSubmatch(body); m == nil || m[1] != "Acme Books" {
		t.Errorf("title %v, want the merchant's name", m)
	}
	if got := text(t, body, "cvv-hint"); got != msgs["cvvHint"] || !strings.Contains(got, "American Express") {
		t.Errorf("cvv hint %q", got)
	}
	if alts := acceptedMarks(body); alts[card.CUP] != "UnionPay" || alts[card.Visa] != "Visa" || alts[card.Hyundai] != "" {
		t.Errorf("marks of a USD payment %v", alts)
	}

	// CSRF cookie.
	var c *http.Cookie
	for _, x := range w.Result().Cookies() {
		if x.Name == csrfCookie {
			c = x
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != pagePathT || c.Secure {
		t.Fatalf("csrf cookie = %+v", c)
	}
	if b, err := b64.DecodeString(c.Value); err != nil || len(b) != 32 {
		t.Errorf("csrf cookie value %q is not 32 bytes base64url", c.Value)
	}
}

func scriptBlock(t *testing.T, body, id string) string {
	t.Helper()
	m := regexp.MustCompile(`<script type="application/json" id="` + id + `">([^<]*)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no JSON block #%s", id)
	}
	return m[1]
}

func TestCardPageWithoutSaveCardOffer(t *testing.T) {
	h := newHarness(t, baseView(checkout.StepCard))
	body := h.get(pagePathT).Body.String()
	if hasID(body, "saveCard") {
		t.Error("saveCard shown although the merchant did not ask to tokenize")
	}
	if !hasID(body, "cardNo") {
		t.Error("not the card page")
	}
}

// TestHTTPSPages: over HTTPS, directly or through a proxy that says so (the transport drops
// X-Forwarded-Proto unless the proxy is trusted), cookies are Secure and pages send HSTS,
// except on loopback names, where HSTS would bind every local server of that name.
func TestHTTPSPages(t *testing.T) {
	h := newHarness(t, baseView(checkout.StepCard))
	for _, c := range []struct {
		name, host string
		tls        bool
		forwarded  string
		secure     bool
		hsts       bool
	}{
		{"TLS", "pay.example", true, "", true, true},
		{"TLS on 127.0.0.1", "127.0.0.1:8443", true, "", true, false},
		{"TLS on localhost", "localhost:8443", true, "", true, false},
		{"TLS on ::1", "[::1]:8443", true, "", true, false},
		{"TLS on a .localhost name", "shop.localhost", true, "", true, false},
		{"forwarded https", "pay.example", false, "https", true, true},
		{"forwarded http", "pay.example", false, "http", false, false},
		{"plain HTTP", "pay.example", false, "", false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, path := range []string{pagePathT + "?locale=de_DE", sdkFormPathT + "?origin=" + shopOrigin} {
				r := httptest.NewRequest(http.MethodGet, path, nil)
				r.Host = c.host
				if c.tls {
					r.TLS = &tls.ConnectionState{}
				}
				if c.forwarded != "" {
					r.Header.Set("X-Forwarded-Proto", c.forwarded)
				}
				w := h.do(r)
				if got := w.Header().Get("Strict-Transport-Security") != ""; got != c.hsts {
					t.Errorf("%s: HSTS %v, want %v", path, got, c.hsts)
				}
				for _, ck := range w.Result().Cookies() {
					if ck.Secure != c.secure {
						t.Errorf("%s: cookie %s Secure %v, want %v", path, ck.Name, ck.Secure, c.secure)
					}
				}
			}
			if n := len(h.get(pagePathT + "?locale=de_DE").Result().Cookies()); n != 2 {
				t.Errorf("%d cookies, want csrf and locale", n)
			}
		})
	}
}

func TestCVVPage(t *testing.T) {
	v := baseView(checkout.StepCVV)
	v.CardMasked, v.CardBrand = "405469******0768", "VISA"
	h := newHarness(t, v)
	w := h.get(pagePathT)
	checkHeaders(t, w)
	body := w.Body.String()
	dataStep(t, body, "cvv")
	input(t, body, "cvv", map[string]string{"autocomplete": "cc-csc", "inputmode": "numeric", "aria-describedby": "cvv-hint cvv-error"})
	if hasID(body, "cardNo") || hasID(body, "expiry") {
		t.Error("the CVV page asks for the card again")
	}
	if got := text(t, body, "card-masked"); got != "•••• 0768" {
		t.Errorf("masked card %q", got)
	}
	if a := tag(t, body, "card-logo"); a["src"] != "/static/logos/VISA.svg" || a["alt"] != "Visa" {
		t.Errorf("logo %v", a)
	}
	if a := tag(t, body, "pay"); a["<"] != "button" {
		t.Error("no pay button")
	}
	if a := tag(t, body, "cvv-form"); a["action"] != pagePathT || a["data-brand"] != "VISA" {
		t.Errorf("cvv form %v", a)
	}
	if got := text(t, body, "cvv-hint"); got != "3 digits on the back of the card." {
		t.Errorf("cvv hint for a Visa: %q", got)
	}
}

func TestChallengePage(t *testing.T) {
	v := baseView(checkout.StepChallenge)
	v.CardMasked, v.CardBrand, v.ChallengeHint = "405469******0768", "VISA", "123456"
	h := newHarness(t, v)
	w := h.get(pagePathT)
	checkHeaders(t, w)
	body := w.Body.String()
	dataStep(t, body, "challenge")
	input(t, body, "otp", map[string]string{"autocomplete": "one-time-code", "inputmode": "numeric", "aria-describedby": "otp-error", "autofocus": ""})
	button(t, body, "challenge-submit", "action", "submit")
	button(t, body, "challenge-cancel", "action", "cancel")
	if got := text(t, body, "card-masked"); got != "•••• 0768" || strings.Contains(body, "405469") {
		t.Errorf("the buyer sees the card as %q", got)
	}
	if text(t, body, "sandbox-code") != "123456" || !strings.Contains(body, "sandbox 3-D Secure server") {
		t.Error("the challenge page does not tell the sandbox code")
	}
	if a := tag(t, body, "challenge-form"); a["action"] != pagePathT+"/challenge" {
		t.Errorf("challenge form posts to %q", a["action"])
	}
	// A real ACS gives no hint: no sandbox note.
	v.ChallengeHint = ""
	if body := newHarness(t, v).get(pagePathT).Body.String(); hasID(body, "sandbox-note") {
		t.Error("a sandbox note without a sandbox ACS")
	}
}

// TestCardPageAfterDecline: a payment open after a declined card shows the card form again
// with the reason in the alert, which takes the focus; the first showing has neither.
func TestCardPageAfterDecline(t *testing.T) {
	v := baseView(checkout.StepCard)
	body := newHarness(t, v).get(pagePathT).Body.String()
	if _, hidden := tag(t, body, "form-error")["hidden"]; !hidden || strings.Contains(body, "autofocus") {
		t.Error("a fresh card form shows a form error or moves the focus")
	}
	v.DeclineCode, v.DeclineMessage = "DO_NOT_HONOR", "Do not honor."
	w := newHarness(t, v).get(pagePathT)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	body = w.Body.String()
	dataStep(t, body, "card")
	a := tag(t, body, "form-error")
	_, hidden := a["hidden"]
	_, autofocus := a["autofocus"]
	if hidden || !autofocus || a["role"] != "alert" || a["tabindex"] != "-1" {
		t.Errorf("form-error after a decline: %v", a)
	}
	if got := text(t, body, "form-error"); got != "Your bank declined the payment. Use another card or contact your bank." {
		t.Errorf("decline reason %q", got)
	}
	input(t, body, "cardNo", map[string]string{"aria-invalid": "false"})
	if strings.Count(body, "autofocus") != 1 {
		t.Error("more than one element asks for the focus")
	}
}

func TestIssuerPage(t *testing.T) {
	v := baseView(checkout.StepIssuer)
	v.IssuerBrand = "HYUNDAI"
	h := newHarness(t, v)
	w := h.get(pagePathT)
	checkHeaders(t, w)
	body := w.Body.String()
	dataStep(t, body, "issuer")
	button(t, body, "issuer-approve", "action", "approve")
	button(t, body, "issuer-cancel", "action", "cancel")
	if got := text(t, body, "issuer-prompt"); got != "Authenticate with your HYUNDAI card" {
		t.Errorf("prompt %q", got)
	}
	if a := tag(t, body, "issuer-logo"); a["src"] != "/static/logos/HYUNDAI.svg" {
		t.Errorf("logo %v", a)
	}
	if a := tag(t, body, "issuer-form"); a["action"] != pagePathT+"/issuer" {
		t.Errorf("issuer form posts to %q", a["action"])
	}

	ko := h.get(pagePathT + "?locale=ko_KR").Body.String()
	if got := text(t, ko, "issuer-prompt"); got != "현대카드로 인증하세요" {
		t.Errorf("ko_KR prompt %q", got)
	}
	if !strings.Contains(ko, `lang="ko-KR"`) {
		t.Error("ko_KR page not lang=ko-KR")
	}
}

func TestResultPage(t *testing.T) {
	const redirect = "https://merchant.example/return?order=42&src=cashier"
	cases := []struct {
		name            string
		mod             func(v *checkout.HostedView)
		status, heading string
		message         string // "" for no message
		waiting         bool   // the page asks for the outcome in the background, with a link to ask by hand
	}{
		{"success", func(v *checkout.HostedView) {
			v.Status, v.ResultCode, v.CardMasked, v.CardBrand = payment.Success, "SUCCESS", "405469******0768", "VISA"
		}, "SUCCESS", "Payment successful", "", false},
		{"declined, translated", func(v *checkout.HostedView) {
			v.Status, v.ResultCode, v.ResultMessage = payment.Fail, "DO_NOT_HONOR", "Do not honor."
		}, "FAIL", "Payment failed", "Your bank declined the payment. Use another card or contact your bank.", false},
		{"declined, untranslated", func(v *checkout.HostedView) {
			v.Status, v.ResultCode, v.ResultMessage = payment.Fail, "SOMETHING_NEW", "A reason from the issuer."
		}, "FAIL", "Payment failed", "A reason from the issuer.", false},
		{"processing", func(v *checkout.HostedView) { v.Status, v.ResultCode = payment.Processing, "PAYMENT_IN_PROCESS" },
			"PROCESSING", "Payment is processing", "We are waiting for your bank's answer. Select “Check status” to see whether it has arrived.", true},
		{"cancelled", func(v *checkout.HostedView) { v.Status, v.ResultCode = payment.Cancelled, "ORDER_IS_CANCELED" },
			"CANCELLED", "Payment cancelled", "This payment was cancelled.", false},
		{"expired", func(v *checkout.HostedView) {
			v.Status, v.ResultCode, v.Expired = payment.Fail, "ORDER_IS_CLOSED", true
		}, "FAIL", "This payment page has expired.", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := baseView(checkout.StepResult)
			tc.mod(v)
			h := newHarness(t, v)
			w := h.get(pagePathT)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			checkHeaders(t, w)
			body := w.Body.String()
			dataStep(t, body, "result")
			res := tag(t, body, "result")
			if res["data-status"] != tc.status || res["data-code"] != v.ResultCode {
				t.Errorf("#result data-status=%q data-code=%q, want %q %q", res["data-status"], res["data-code"], tc.status, v.ResultCode)
			}
			if got := text(t, body, "result-heading"); got != tc.heading {
				t.Errorf("heading %q, want %q", got, tc.heading)
			}
			if tc.message != "" {
				if got := text(t, body, "result-message"); got != tc.message {
					t.Errorf("message %q, want %q", got, tc.message)
				}
			}
			// No page leaves or reloads by a timer (WCAG 2.2.1).
			if strings.Contains(body, `http-equiv="refresh"`) {
				t.Error("the page has a meta refresh")
			}
			if tc.waiting {
				if res["data-poll"] != "/sdk/api/"+testToken || tag(t, body, "check-status")["href"] != pagePathT ||
					!strings.Contains(body, `src="/checkout/static/card.js"`) {
					t.Errorf("a payment waiting on the issuer: poll %q, no check-status link to the page or no card.js:\n%s", res["data-poll"], body)
				}
				// The page says it updates by itself only once card.js runs.
				if got := tag(t, body, "result-message")["data-live"]; got != "We are waiting for your bank's answer. This page updates by itself." {
					t.Errorf("live wording %q", got)
				}
			} else if hasID(body, "check-status") || res["data-poll"] != "" {
				t.Error("a final page asks for its status")
			}
			if !tc.waiting && strings.Contains(body, "returned to the merchant in a few seconds") {
				t.Error("a final page announces a redirect that never comes")
			}
			if a := tag(t, body, "return"); a["href"] != redirect {
				t.Errorf("return link %q, want the merchant's URL as given", a["href"])
			}
			if hasID(body, "csrf") || strings.Contains(body, `name="csrf"`) {
				t.Error("result page has a form")
			}
			// Only a payment that went through gets a receipt: amount, card, reference.
			if got := hasID(body, "receipt"); got != (tc.status == "SUCCESS") {
				t.Fatalf("receipt shown: %v", got)
			}
			// The amount is "paid" once it is, to a screen reader too; "due" before.
			if paid := strings.Contains(body, `<span class="visually-hidden">Amount paid: </span>`) && strings.Contains(body, "<dt>Amount paid</dt>"); paid != (tc.status == "SUCCESS") ||
				strings.Contains(body, "Amount due") == (tc.status == "SUCCESS") {
				t.Errorf("amount labelled paid: %v, for a %s payment", paid, tc.status)
			}
			if tc.status == "SUCCESS" {
				if text(t, body, "receipt-amount") == "" || !strings.Contains(body, "•••• 0768") || strings.Contains(body, "405469") ||
					!strings.Contains(body, `id="receipt-reference"><code>`+v.PaymentID+`</code>`) {
					t.Errorf("receipt: %s", body)
				}
			}
		})
	}
}

func TestResultRevisit(t *testing.T) {
	v := baseView(checkout.StepResult)
	v.Status, v.ResultCode = payment.Success, "SUCCESS"
	h := newHarness(t, v)

	// A later visit, without this browser's post: "already complete".
	body := h.get(pagePathT).Body.String()
	if !strings.Contains(text(t, body, "result-note"), "This payment is already complete.") {
		t.Error("revisit does not say the payment is already complete")
	}

	// Straight after the buyer's own post: no such note, and the mark is consumed.
	r := httptest.NewRequest(http.MethodGet, pagePathT, nil)
	r.AddCookie(&http.Cookie{Name: doneCookie, Value: "1"})
	w := h.do(r)
	if strings.Contains(w.Body.String(), "already complete") {
		t.Error("the first showing of the result says already complete")
	}
	cleared := false
	for _, c := range w.Result().Cookies() {
		if c.Name == doneCookie && c.MaxAge < 0 {
			cleared = true
		}
	}
	if !cleared {
		t.Error("the done mark was not cleared")
	}
}

func TestResultUnsafeRedirect(t *testing.T) {
	v := baseView(checkout.StepResult)
	v.Status, v.ResultCode = payment.Success, "SUCCESS"
	v.RedirectURL = "javascript:alert(1)"
	h := newHarness(t, v)
	body := h.get(pagePathT).Body.String()
	if strings.Contains(body, "http-equiv") || hasID(body, "return") || strings.Contains(body, "alert(1)") {
		t.Error("a javascript: redirect URL is linked or refreshed to")
	}
	tag(t, body, "result")
}

func TestUnknownToken(t *testing.T) {
	h := newHarness(t, nil)
	h.flow.pageErr = payment.NewError("ORDER_NOT_EXIST", "no such page")
	w := h.get("/checkout/forged")
	if w.Code != http.StatusNotFound {
		t.Fatalf("status %d, want 404", w.Code)
	}
	checkHeaders(t, w)
	body := w.Body.String()
	dataStep(t, body, "error")
	if !strings.Contains(body, "Payment not found") {
		t.Error("404 page does not say the payment was not found")
	}

	// A valid post to an unknown page is a 404 too.
	h.flow.pageErr = nil
	h.flow.page = baseView(checkout.StepCard)
	cookie, csrf := h.session(t)
	h.flow.pageErr = payment.NewError("ORDER_NOT_EXIST", "no such page")
	if w := h.post(pagePathT, url.Values{"csrf": {csrf}, "cardNo": {"4242"}}, cookie); w.Code != http.StatusNotFound {
		t.Errorf("POST status %d, want 404", w.Code)
	}
	if got := h.flow.Calls(); !reflect.DeepEqual(got, []string{"HostedPage"}) {
		t.Errorf("calls %v", got)
	}
}

func TestFlowErrorIsLoggedWithoutFormValues(t *testing.T) {
	h := newHarness(t, baseView(checkout.StepCard))
	cookie, csrf := h.session(t)
	h.flow.nextErr = errors.New("database is down")
	w := h.post(pagePathT, url.Values{
		"csrf": {csrf}, "cardNo": {"4242424242424242"}, "expiry": {"12/30"}, "cvv": {"987"}, "holderName": {"JANE SECRET"},
	}, cookie)
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", w.Code)
	}
	checkHeaders(t, w)
	if !strings.Contains(w.Body.String(), "Something went wrong") {
		t.Error("500 page is not the friendly one")
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "database is down") || !strings.Contains(logs, "SubmitCard") {
		t.Errorf("error not logged: %s", logs)
	}
	for _, secret := range []string{"4242424242424242", "987", "JANE SECRET", testToken} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q: %s", secret, logs)
		}
	}
}

func TestCSRF(t *testing.T) {
	h := newHarness(t, baseView(checkout.StepCard))
	cookie, csrf := h.session(t)
	fieldForOtherToken := b64.EncodeToString(newCSRFGuard(testKey).mac(formCSRFLabel, "tok_other", []byte(cookie.Value)))
	wrongKey := newCSRFGuard([]byte(strings.Repeat("k", 32)))
	fieldUnderOtherKey := b64.EncodeToString(wrongKey.mac(formCSRFLabel, testToken, []byte(cookie.Value)))
	card := url.Values{"cardNo": {"4242424242424242"}, "expiry": {"12/30"}, "cvv": {"123"}, "holderName": {"J"}}
	with := func(field string) url.Values {
		v := url.Values{}
		for k, x := range card {
			v[k] = x
		}
		if field != "" {
			v.Set("csrf", field)
		}
		return v
	}
	forged := &http.Cookie{Name: csrfCookie, Value: b64.EncodeToString(make([]byte, 32))}
	cases := []struct {
		name   string
		path   string
		form   url.Values
		cookie *http.Cookie
	}{
		{"no cookie", pagePathT, with(csrf), nil},
		{"no field", pagePathT, with(""), cookie},
		{"wrong field", pagePathT, with(garble(csrf)), cookie},
		{"field of another page", pagePathT, with(fieldForOtherToken), cookie},
		{"field under another key", pagePathT, with(fieldUnderOtherKey), cookie},
		{"other cookie", pagePathT, with(csrf), forged},
		{"challenge, no field", pagePathT + "/challenge", url.Values{"otp": {"123456"}, "action": {"submit"}}, cookie},
		{"issuer, no cookie", pagePathT + "/issuer", url.Values{"csrf": {csrf}, "action": {"approve"}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.flow.reset()
			w := h.post(tc.path, tc.form, tc.cookie)
			if w.Code != http.StatusForbidden {
				t.Errorf("status %d, want 403", w.Code)
			}
			checkHeaders(t, w)
			if calls := h.flow.Calls(); len(calls) != 0 {
				t.Errorf("Flow called: %v", calls)
			}
		})
	}
	// The same post with both halves goes through.
	h.flow.reset()
	h.flow.next = baseView(checkout.StepResult)
	if w := h.post(pagePathT, with(csrf), cookie); w.Code != http.StatusSeeOther {
		t.Errorf("valid post: status %d", w.Code)
	}
	if calls := h.flow.Calls(); !reflect.DeepEqual(calls, []string{"HostedPage", "SubmitCard"}) {
		t.Errorf("valid post: calls %v", calls)
	}
}

func TestPostCard(t *testing.T) {
	v := baseView(checkout.StepCard)
	v.SaveCardOffered = true
	h := newHarness(t, v)
	cookie, csrf := h.session(t)
	next := baseView(checkout.StepChallenge)
	h.flow.next = next
	w := h.post(pagePathT, url.Values{
		"csrf": {csrf}, "cardNo": {" 4242 4242-4242 4242 "}, "expiry": {"12/30"}, "cvv": {"123"},
		"holderName": {"  Jane   Doe "}, "region": {"us"}, "city": {"Springfield"}, "zipCode": {"12345"},
		"saveCard": {"on"}, "selectedCardBrand": {" VISA "},
	}, cookie)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != pagePathT {
		t.Fatalf("status %d Location %q, want 303 to the page", w.Code, w.Header().Get("Location"))
	}
	checkHeaders(t, w)
	want := checkout.CardInput{
		Number: "4242424242424242", ExpiryMonth: "12", ExpiryYear: "30", CVV: "123", HolderName: "Jane Doe",
		Billing:  &payment.Address{Region: "US", City: "Springfield", ZipCode: "12345"},
		SaveCard: true, Brand: "VISA",
	}
	if !reflect.DeepEqual(h.flow.card, want) {
		t.Errorf("CardInput\n got %+v %+v\nwant %+v %+v", h.flow.card, h.flow.card.Billing, want, want.Billing)
	}
	if calls := h.flow.Calls(); !reflect.DeepEqual(calls, []string{"HostedPage", "SubmitCard"}) {
		t.Errorf("calls %v", calls)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == doneCookie {
			t.Error("done mark set although the payment is not final")
		}
	}
}

func TestPostCardResultSetsDoneMark(t *testing.T) {
	h := newHarness(t, baseView(checkout.StepCard))
	cookie, csrf := h.session(t)
	h.flow.next = baseView(checkout.StepResult)
	w := h.post(pagePathT, url.Values{"csrf": {csrf}, "cardNo": {"4242424242424242"}}, cookie)
	var done *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == doneCookie {
			done = c
		}
	}
	if done == nil || done.Path != pagePathT || !done.HttpOnly {
		t.Errorf("done mark %+v", done)
	}
}

func TestParseCardForm(t *testing.T) {
	cases := []struct {
		form          url.Values
		offered       bool
		month, year   string
		billing, save bool
	}{
		{url.Values{"expiry": {"12/30"}}, false, "12", "30", false, false},
		{url.Values{"expiry": {" 1 / 30"}}, false, "01", "30", false, false},
		{url.Values{"expiry": {"12/2030"}}, false, "12", "30", false, false},
		{url.Values{"expiry": {"1230"}}, false, "12", "30", false, false},
		{url.Values{"expiryMonth": {"7"}, "expiryYear": {"2031"}}, false, "07", "31", false, false},
		{url.Values{"expiry": {"13/30"}}, false, "13", "30", false, false}, // the gateway refuses it
		{url.Values{"expiry": {"ab"}}, false, "ab", "", false, false},
		{url.Values{"saveCard": {"on"}}, false, "", "", false, false}, // not offered: no consent
		{url.Values{"saveCard": {"on"}}, true, "", "", false, true},
		{url.Values{"address1": {"1 Main St"}}, false, "", "", true, false},
	}
	for _, tc := range cases {
		in, _ := parseCardForm(tc.form, tc.offered)
		if in.ExpiryMonth != tc.month || in.ExpiryYear != tc.year || (in.Billing != nil) != tc.billing || in.SaveCard != tc.save {
			t.Errorf("%v: got month %q year %q billing %v save %v", tc.form, in.ExpiryMonth, in.ExpiryYear, in.Billing, in.SaveCard)
		}
	}
}

func TestPostCVV(t *testing.T) {
	v := baseView(checkout.StepCVV)
	v.CardMasked, v.CardBrand = "405469******0768", "VISA"
	h := newHarness(t, v)
	cookie, csrf := h.session(t)
	h.flow.next = baseView(checkout.StepResult)
	w := h.post(pagePathT, url.Values{"csrf": {csrf}, "cvv": {" 321 "}, "cardNo": {"4111111111111111"}}, cookie)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status %d", w.Code)
	}
	if calls := h.flow.Calls(); !reflect.DeepEqual(calls, []string{"HostedPage", "SubmitCVV"}) {
		t.Errorf("calls %v", calls)
	}
	if h.flow.cvv != "321" {
		t.Errorf("cvv %q", h.flow.cvv)
	}
}

func TestPostAfterPaymentMovedOn(t *testing.T) {
	h := newHarness(t, baseView(checkout.StepCard))
	cookie, csrf := h.session(t)
	h.flow.page = baseView(checkout.StepResult)
	for _, path := range []string{pagePathT, pagePathT + "/challenge", pagePathT + "/issuer"} {
		h.flow.reset()
		w := h.post(path, url.Values{"csrf": {csrf}, "cardNo": {"4242424242424242"}, "action": {"cancel"}}, cookie)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != pagePathT {
			t.Errorf("%s: status %d Location %q", path, w.Code, w.Header().Get("Location"))
		}
		if calls := h.flow.Calls(); !reflect.DeepEqual(calls, []string{"HostedPage"}) {
			t.Errorf("%s: calls %v", path, calls)
		}
	}
}

func TestFieldErrorsRerender(t *testing.T) {
	const number, cvv = "4000056655665556", "987"
	v := baseView(checkout.StepCard)
	v.SaveCardOffered = true
	h := newHarness(t, v)
	cookie, csrf := h.session(t)
	next := baseView(checkout.StepCard)
	next.SaveCardOffered = true
	next.FieldErrors = map[string]string{"cardNo": "INVALID_CARD_NUMBER", "expiryMonth": "CARD_EXPIRED", "cvv": "INVALID_CVV"}
	h.flow.next = next
	w := h.post(pagePathT, url.Values{
		"csrf": {csrf}, "cardNo": {"4000 0566 5566 5556"}, "expiry": {"01/20"}, "cvv": {cvv},
		"holderName": {"JANE DOE"}, "city": {"Springfield"}, "saveCard": {"on"},
	}, cookie)
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", w.Code)
	}
	checkHeaders(t, w)
	body := w.Body.String()
	dataStep(t, body, "card")
	field := regexp.MustCompile(`name="csrf" value="[^"]*"`).FindString(body)
	if field == "" {
		t.Fatal("re-rendered form has no csrf field")
	}
	scrubbed := strings.Replace(body, field, "", 1)
	for _, secret := range []string{number, "4000 0566 5566 5556", "5556", cvv} {
		if strings.Contains(scrubbed, secret) {
			t.Errorf("page echoes %q", secret)
		}
	}
	if a := tag(t, body, "cardNo"); a["aria-invalid"] != "true" || a["value"] != "" {
		t.Errorf("cardNo %v", a)
	}
	if got := text(t, body, "cardNo-error"); got != "The card number is invalid." {
		t.Errorf("cardNo-error %q", got)
	}
	if got := text(t, body, "expiry-error"); got != "This card has expired." {
		t.Errorf("expiry-error %q", got)
	}
	if got := text(t, body, "cvv-error"); got != "The security code is invalid." {
		t.Errorf("cvv-error %q", got)
	}
	if a := tag(t, body, "holderName"); a["value"] != "JANE DOE" || a["aria-invalid"] != "false" {
		t.Errorf("holderName %v", a)
	}
	if a := tag(t, body, "expiry"); a["value"] != "01/20" {
		t.Errorf("expiry %v", a)
	}
	if a := tag(t, body, "city"); a["value"] != "Springfield" {
		t.Errorf("city %v", a)
	}
	if _, ok := tag(t, body, "billing")["open"]; !ok {
		t.Error("billing details closed although it holds values")
	}
	if _, ok := tag(t, body, "saveCard")["checked"]; !ok {
		t.Error("saveCard consent lost")
	}
	if got := text(t, body, "form-error"); got != "Please correct the highlighted fields." {
		t.Errorf("form-error %q", got)
	}
}

func TestFieldErrorsEmptyFields(t *testing.T) {
	h := newHarness(t, baseView(checkout.StepCard))
	cookie, csrf := h.session(t)
	next := baseView(checkout.StepCard)
	next.FieldErrors = map[string]string{"cardNo": "INVALID_CARD_NUMBER", "expiryYear": "INVALID_EXPIRATION_DATE", "cvv": "INVALID_CVV", "holderName": "PARAM_ILLEGAL"}
	h.flow.next = next
	body := h.post(pagePathT+"?locale=zh_CN", url.Values{"csrf": {csrf}}, cookie).Body.String()
	for id, want := range map[string]string{
		"cardNo-error": "请输入卡号。", "expiry-error": "请输入有效期。", "cvv-error": "请输入安全码。", "holderName-error": "请输入持卡人姓名。",
	} {
		if got := text(t, body, id); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
}

func TestChallengePost(t *testing.T) {
	v := baseView(checkout.StepChallenge)
	h := newHarness(t, v)
	cookie, csrf := h.session(t)
	h.flow.next = baseView(checkout.StepResult)

	w := h.post(pagePathT+"/challenge", url.Values{"csrf": {csrf}, "otp": {"123 456"}, "action": {"submit"}}, cookie)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != pagePathT {
		t.Fatalf("submit: status %d Location %q", w.Code, w.Header().Get("Location"))
	}
	if h.flow.code != "123456" || h.flow.cancel {
		t.Errorf("submit: code %q cancel %v", h.flow.code, h.flow.cancel)
	}

	h.flow.reset()
	h.post(pagePathT+"/challenge", url.Values{"csrf": {csrf}, "otp": {"999999"}, "action": {"cancel"}}, cookie)
	if !h.flow.cancel || h.flow.code != "" {
		t.Errorf("cancel: code %q cancel %v", h.flow.code, h.flow.cancel)
	}
	if calls := h.flow.Calls(); !reflect.DeepEqual(calls, []string{"HostedPage", "CompleteChallenge"}) {
		t.Errorf("calls %v", calls)
	}

	h.flow.reset()
	if w := h.post(pagePathT+"/challenge", url.Values{"csrf": {csrf}, "action": {"steal"}}, cookie); w.Code != http.StatusBadRequest {
		t.Errorf("unknown action: status %d", w.Code)
	}
	if calls := h.flow.Calls(); len(calls) != 0 {
		t.Errorf("unknown action: calls %v", calls)
	}

	// A wrong code comes back as a field error on the challenge form.
	wrong := baseView(checkout.StepChallenge)
	wrong.FieldErrors = map[string]string{"otp": "USER_PAYMENT_VERIFICATION_FAILED"}
	h.flow.next = wrong
	w = h.post(pagePathT+"/challenge", url.Values{"csrf": {csrf}, "otp": {"111111"}, "action": {"submit"}}, cookie)
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("wrong code: status %d", w.Code)
	}
	body := w.Body.String()
	dataStep(t, body, "challenge")
	if got := text(t, body, "otp-error"); got != "The code is incorrect. Try again." {
		t.Errorf("otp-error %q", got)
	}
	if strings.Contains(body, "111111") {
		t.Error("the typed code is echoed")
	}

	// Back button on the challenge URL goes to the page.
	if w := h.get(pagePathT + "/challenge"); w.Code != http.StatusSeeOther || w.Header().Get("Location") != pagePathT {
		t.Errorf("GET challenge: %d %q", w.Code, w.Header().Get("Location"))
	}
}

func TestIssuerPost(t *testing.T) {
	v := baseView(checkout.StepIssuer)
	v.IssuerBrand = "SAMSUNG"
	h := newHarness(t, v)
	cookie, csrf := h.session(t)
	h.flow.next = baseView(checkout.StepResult)
	for _, tc := range []struct {
		action  string
		approve bool
	}{{"approve", true}, {"cancel", false}} {
		h.flow.reset()
		h.flow.approve = !tc.approve
		w := h.post(pagePathT+"/issuer", url.Values{"csrf": {csrf}, "action": {tc.action}}, cookie)
		if w.Code != http.StatusSeeOther {
			t.Errorf("%s: status %d", tc.action, w.Code)
		}
		if h.flow.approve != tc.approve {
			t.Errorf("%s: approve %v", tc.action, h.flow.approve)
		}
		if calls := h.flow.Calls(); !reflect.DeepEqual(calls, []string{"HostedPage", "CompleteIssuerAuth"}) {
			t.Errorf("%s: calls %v", tc.action, calls)
		}
	}
	h.flow.reset()
	if w := h.post(pagePathT+"/issuer", url.Values{"csrf": {csrf}}, cookie); w.Code != http.StatusBadRequest {
		t.Errorf("no action: status %d", w.Code)
	}
	if calls := h.flow.Calls(); len(calls) != 0 {
		t.Errorf("no action: calls %v", calls)
	}
}

func TestBodyLimit(t *testing.T) {
	h := newHarness(t, baseView(checkout.StepCard))
	cookie, csrf := h.session(t)
	w := h.post(pagePathT, url.Values{"csrf": {csrf}, "holderName": {strings.Repeat("x", MaxBodyBytes)}}, cookie)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", w.Code)
	}
	checkHeaders(t, w)
	if calls := h.flow.Calls(); len(calls) != 0 {
		t.Errorf("Flow called: %v", calls)
	}
}

func TestStatic(t *testing.T) {
	h := newHarness(t, nil)
	for file, ctype := range map[string]string{
		"card.js": "text/javascript; charset=utf-8", "card.css": "text/css; charset=utf-8", "brands.json": "application/json",
	} {
		w := h.get(StaticPrefix + file)
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != ctype || w.Body.Len() == 0 {
			t.Errorf("%s: status %d type %q len %d", file, w.Code, w.Header().Get("Content-Type"), w.Body.Len())
		}
		if w.Header().Get("X-Content-Type-Options") != "nosniff" || w.Header().Get("ETag") == "" {
			t.Errorf("%s: headers %v", file, w.Header())
		}
		r := httptest.NewRequest(http.MethodGet, StaticPrefix+file, nil)
		r.Header.Set("If-None-Match", w.Header().Get("ETag"))
		if w2 := h.do(r); w2.Code != http.StatusNotModified {
			t.Errorf("%s: revalidation status %d", file, w2.Code)
		}
	}
	var table card.Table
	if err := json.Unmarshal(h.get(StaticPrefix+"brands.json").Body.Bytes(), &table); err != nil || !reflect.DeepEqual(table, card.BrowserTable()) {
		t.Errorf("brands.json is not card.BrowserTable(): %v", err)
	}
	if w := h.get(StaticPrefix + "secret.go"); w.Code != http.StatusNotFound {
		t.Errorf("unknown asset: status %d", w.Code)
	}
	if calls := h.flow.Calls(); len(calls) != 0 {
		t.Errorf("static files called the Flow: %v", calls)
	}
}

func TestNewRequiresKey(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New accepted a short CSRF key")
		}
	}()
	New(Config{Flow: &fakeFlow{}, CSRFKey: []byte("short")})
}

// TestEveryPageInEveryLocale renders each step in each locale: a template that names a
// missing message fails here, not in front of a buyer.
func TestEveryPageInEveryLocale(t *testing.T) {
	for _, step := range []checkout.Step{checkout.StepCard, checkout.StepCVV, checkout.StepChallenge, checkout.StepIssuer, checkout.StepResult} {
		v := baseView(step)
		v.SaveCardOffered, v.CardBrand, v.CardMasked, v.IssuerBrand = true, "AMEX", "378282*****0005", "KOOKMIN"
		v.FieldErrors = map[string]string{"cardNo": "INVALID_CARD_NUMBER", "otp": "X", "region": "PARAM_ILLEGAL"}
		if step == checkout.StepResult {
			v.FieldErrors, v.Status, v.ResultCode = nil, payment.Fail, "DO_NOT_HONOR"
		}
		h := newHarness(t, v)
		for _, loc := range supportedLocales {
			w := h.get(pagePathT + "?locale=" + loc)
			if w.Code != http.StatusOK {
				t.Errorf("%s %s: status %d %s", step, loc, w.Code, h.logs)
				continue
			}
			body := w.Body.String()
			if !strings.Contains(body, `<html lang="`+htmlLang(loc)+`"`) {
				t.Errorf("%s %s: wrong lang", step, loc)
			}
			dataStep(t, body, string(step))
		}
	}
	h := newHarness(t, nil)
	h.flow.pageErr = errors.New("boom")
	for _, loc := range supportedLocales {
		if w := h.get(pagePathT + "?locale=" + loc); w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), `id="error"`) {
			t.Errorf("error page %s: %d", loc, w.Code)
		}
	}
}

// garble changes one character of a base64url token where all six of its bits count: the
// last character of a MAC carries unused bits, and changing only those would leave the token
// valid now and then.
func garble(token string) string {
	i := len(token) - 5
	c := byte('A')
	if token[i] == c {
		c = 'B'
	}
	return token[:i] + string(c) + token[i+1:]
}

// The CVV page's hint follows the saved card's brand: an AMEX hint on a Mastercard sends
// the buyer looking on the wrong side of the card.
func TestCVVHintFollowsBrand(t *testing.T) {
	for brand, want := range map[string]string{
		"MASTERCARD": "3 digits on the back of the card.",
		"AMEX":       "4 digits on the front of the card.",
		"HYUNDAI":    "3 digits on the back of the card.",
		"":           "3 digits on the back of the card (4 on the front for American Express).",
	} {
		v := baseView(checkout.StepCVV)
		v.CardMasked, v.CardBrand = "516277******4622", brand
		body := newHarness(t, v).get(pagePathT).Body.String()
		if got := text(t, body, "cvv-hint"); got != want {
			t.Errorf("%q: hint %q, want %q", brand, got, want)
		}
		if m := regexp.MustCompile(`<title>([^<]*)</title>`).FindStringSubmatch(body); m == nil || m[1] != "Confirm your card – Acme Books" {
			t.Errorf("%q: title %v", brand, m)
		}
	}
}

// acceptedMarks are the card form's accepted brands: code → accessible name.
func acceptedMarks(body string) map[string]string {
	alts := map[string]string{}
	for _, m := range regexp.MustCompile(`<li><img src="/static/logos/([A-Z_]+)\.svg" alt="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		alts[m[1]] = m[2]
	}
	return alts
}

// A KRW payment's form shows every accepted brand, the Korean local ones included, each
// named for people.
func TestAcceptedMarksKRW(t *testing.T) {
	v := baseView(checkout.StepCard)
	v.Amount = payment.Amount{Currency: "KRW", Value: 15000}
	alts := acceptedMarks(newHarness(t, v).get(pagePathT).Body.String())
	for _, b := range card.Brands() {
		if got, ok := alts[b.Code]; ok != b.Accepted || (ok && got != b.Name) {
			t.Errorf("mark of %s: %q shown %v, want %q shown %v", b.Code, got, ok, b.Name, b.Accepted)
		}
	}
}

// TestBackToMerchant: the card form and the saved card's CVV form link back to the
// merchant's paymentRedirectUrl by its name, in the page's language; the later steps, the
// SDK's frame and a merchant URL that is not http(s) have no such link.
func TestBackToMerchant(t *testing.T) {
	for _, step := range []checkout.Step{checkout.StepCard, checkout.StepCVV} {
		v := baseView(step)
		h := newHarness(t, v)
		body := h.get(pagePathT).Body.String()
		if a := tag(t, body, "back"); a["href"] != v.RedirectURL || !strings.Contains(body, `</span>Back to Acme Books</a>`) {
			t.Errorf("%s: back link %v", step, a)
		}
		if ko := h.get(pagePathT + "?locale=ko_KR").Body.String(); !strings.Contains(ko, `</span>Acme Books(으)로 돌아가기</a>`) {
			t.Errorf("%s: no Korean back link", step)
		}
		v.RedirectURL = "javascript:alert(1)"
		if body := newHarness(t, v).get(pagePathT).Body.String(); hasID(body, "back") {
			t.Errorf("%s: a javascript: URL is linked", step)
		}
	}
	for _, step := range []checkout.Step{checkout.StepChallenge, checkout.StepIssuer, checkout.StepResult} {
		if body := newHarness(t, baseView(step)).get(pagePathT).Body.String(); hasID(body, "back") {
			t.Errorf("%s has the back link", step)
		}
	}
	if body := newHarness(t, baseView(checkout.StepCard)).get(formURL("")).Body.String(); !hasID(body, "cardNo") || hasID(body, "back") {
		t.Errorf("the SDK's frame: no form, or the back link:\n%s", body)
	}
}

// TestUseAnotherCard: where the view offers it, the saved card's CVV page and the 3-D
// Secure page have a "Use another card" form posting to /another, which asks the flow with
// a valid CSRF token only and then shows the page; the SDK's frame has no such form.
func TestUseAnotherCard(t *testing.T) {
	for _, step := range []checkout.Step{checkout.StepCVV, checkout.StepChallenge} {
		v := baseView(step)
		v.CardMasked, v.CardBrand = "516277******4622", "MASTERCARD"
		if body := newHarness(t, v).get(pagePathT).Body.String(); hasID(body, "another-card") {
			t.Errorf("%s: offered where the view does not", step)
		}
		v.AnotherCard = true
		body := newHarness(t, v).get(pagePathT).Body.String()
		if f := tag(t, body, "another-form"); f["action"] != pagePathT+"/another" || f["method"] != "post" || text(t, body, "another-card") != "Use another card" {
			t.Errorf("%s: form %v", step, f)
		}
		if body := newHarness(t, v).get(formURL("")).Body.String(); !hasID(body, "main") || hasID(body, "another-card") {
			t.Errorf("%s: the SDK's frame offers another card", step)
		}
	}
	v := baseView(checkout.StepCVV)
	v.AnotherCard = true
	h := newHarness(t, v)
	cookie, csrf := h.session(t)
	h.flow.next = baseView(checkout.StepCard)
	if w := h.post(pagePathT+"/another", url.Values{"csrf": {"forged"}}, cookie); w.Code != http.StatusForbidden || len(h.flow.Calls()) != 0 {
		t.Errorf("forged: status %d calls %v", w.Code, h.flow.Calls())
	}
	w := h.post(pagePathT+"/another", url.Values{"csrf": {csrf}}, cookie)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != pagePathT || !reflect.DeepEqual(h.flow.Calls(), []string{"UseAnotherCard"}) {
		t.Errorf("post: status %d Location %q calls %v", w.Code, w.Header().Get("Location"), h.flow.Calls())
	}
	if w := h.get(pagePathT + "/another"); w.Code != http.StatusSeeOther || w.Header().Get("Location") != pagePathT {
		t.Errorf("GET /another: %d", w.Code)
	}
}

// TestBillingAddress: the billing address reads in the usual order, country first, and the
// country is chosen by its name in the page's language, sorted as that language sorts; the
// value is the ISO code, and a form shown again keeps the choice.
func TestBillingAddress(t *testing.T) {
	v := baseView(checkout.StepCard)
	h := newHarness(t, v)
	body := h.get(pagePathT).Body.String()
	var order []string
	for _, m := range regexp.MustCompile(`<label for="(region|address1|address2|city|state|zipCode)"`).FindAllStringSubmatch(body, -1) {
		order = append(order, m[1])
	}
	if want := []string{"region", "address1", "address2", "city", "state", "zipCode"}; !reflect.DeepEqual(order, want) {
		t.Errorf("billing fields in the order %v, want %v", order, want)
	}
	options := func(body string) map[string]string {
		out := map[string]string{}
		for _, m := range regexp.MustCompile(`<option value="([A-Z]{2})"[^>]*>([^<]+)</option>`).FindAllStringSubmatch(body, -1) {
			out[m[1]] = html.UnescapeString(m[2])
		}
		return out
	}
	en := options(body)
	if en["US"] != "United States" || en["DE"] != "Germany" || en["XK"] != "Kosovo" || len(en) < 240 || len(en) > 252 {
		t.Errorf("%d countries: US %q DE %q XK %q", len(en), en["US"], en["DE"], en["XK"])
	}
	for _, gone := range []string{"YU", "SU", "EU", "UN", "ZZ", "AA", "UK"} {
		if _, ok := en[gone]; ok {
			t.Errorf("%s is offered as a country", gone)
		}
	}
	de := h.get(pagePathT + "?locale=de_DE").Body.String()
	if names := options(de); names["DE"] != "Deutschland" || names["US"] != "Vereinigte Staaten" {
		t.Errorf("German names: DE %q US %q", names["DE"], names["US"])
	}
	// Alphabetical as German sorts: Österreich among the Os, not after Z.
	if i, j, k := strings.Index(de, ">Oman<"), strings.Index(de, ">Österreich<"), strings.Index(de, ">Pakistan<"); !(i < j && j < k) {
		t.Errorf("German order: Oman %d, Österreich %d, Pakistan %d", i, j, k)
	}

	// Shown again after an error: the country is still chosen.
	cookie, csrf := h.session(t)
	again := baseView(checkout.StepCard)
	again.FieldErrors = map[string]string{"cardNo": "INVALID_CARD_NUMBER"}
	h.flow.next = again
	w := h.post(pagePathT, url.Values{"csrf": {csrf}, "cardNo": {"4111"}, "region": {"de"}, "city": {"Berlin"}}, cookie)
	if !regexp.MustCompile(`<option value="DE" selected>`).MatchString(w.Body.String()) || h.flow.card.Billing == nil || h.flow.card.Billing.Region != "DE" {
		t.Errorf("country not kept: %d, billing %+v", w.Code, h.flow.card.Billing)
	}
}
