package web

import (
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/payment"
)

// fuzzSteps are the steps a fuzzed payment may be on when the post arrives.
var fuzzSteps = []checkout.Step{checkout.StepCard, checkout.StepCVV, checkout.StepChallenge, checkout.StepIssuer, checkout.StepResult}

// setFuzzFlow puts the fake flow's payment on a step and decides what the flow answers a
// post: the result, the same form with every field refused (which shows the form again with
// what the buyer typed), a refused request, or a payment that moved on meanwhile.
func setFuzzFlow(f *fakeFlow, step, outcome uint8) {
	s := fuzzSteps[int(step)%len(fuzzSteps)]
	page := baseView(s)
	page.SaveCardOffered, page.CardMasked, page.CardBrand, page.IssuerBrand = true, "424242******4242", "VISA", "HYUNDAI"
	f.page, f.next, f.nextErr = page, nil, nil
	switch outcome % 4 {
	case 0:
		next := baseView(checkout.StepResult)
		next.Status, next.ResultCode, next.ResultMessage = payment.Success, payment.CodeSuccess, "success"
		f.next = next
	case 1:
		next := baseView(s)
		next.DeclineCode, next.DeclineMessage = "DO_NOT_HONOR", "declined"
		next.FieldErrors = map[string]string{}
		for _, field := range []string{"cardNo", "expiryMonth", "expiryYear", "cvv", "holderName", "otp", "region", "zipCode"} {
			next.FieldErrors[field] = payment.CodeParamIllegal
		}
		next.FieldErrors["cardNo"] = payment.CodeInvalidCardNumber
		f.next = next
	case 2:
		f.nextErr = payment.Invalid("cardNo", "is refused")
	default:
		f.nextErr = payment.NewError(payment.CodeOrderStatusInvalid, "moved on")
	}
}

// typedCardNumbers are the card numbers among fields, as the forms read them (grouping
// spaces and dashes out), that look like one (12 digits or more) and that no other field
// holds, so that finding one in an answer means the card number was echoed.
func typedCardNumbers(fields map[string][]string) []string {
	var out []string
	for k, vs := range fields {
		if k != "cardNo" {
			continue
		}
	numbers:
		for _, v := range vs {
			n := strings.Map(func(r rune) rune {
				if r == '-' || r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v' {
					return -1
				}
				return r
			}, v)
			if len(n) < 12 || !isDigits(n) {
				continue
			}
			for k2, others := range fields {
				for _, o := range others {
					if k2 != "cardNo" && strings.Contains(o, n) {
						continue numbers
					}
				}
			}
			out = append(out, n)
		}
	}
	return out
}

// checkNoCardNumber fails when an answer or a log line holds one of the card numbers.
func checkNoCardNumber(t *testing.T, numbers []string, w *httptest.ResponseRecorder, logs string) {
	t.Helper()
	for _, n := range numbers {
		for where, s := range map[string]string{"body": w.Body.String(), "Location": w.Header().Get("Location"), "logs": logs} {
			if strings.Contains(s, n) {
				t.Fatalf("the card number %s is in the %s: %s", n, where, s)
			}
		}
	}
}

// FuzzHostedPost posts any url-encoded body, behind a valid CSRF token, to the hosted card
// form, the challenge and the issuer's form, on a payment at any step and with any answer of
// the flow: never a panic or a 5xx, and the card number is in neither the answer nor the logs.
//
//	go test ./internal/web -run '^$' -fuzz FuzzHostedPost -fuzztime 60s
func FuzzHostedPost(f *testing.F) {
	h := newHarness(f, baseView(checkout.StepCard))
	cookie, csrf := h.session(f)
	f.Add(uint8(0), uint8(0), uint8(1), "cardNo=4242+4242-4242+4242&expiry=12%2F30&cvv=123&holderName=++Jane+Doe&region=us&city=Springfield&zipCode=12345&saveCard=on")
	f.Add(uint8(0), uint8(0), uint8(0), "cardNo=4242424242424242&expiryMonth=1&expiryYear=2030&cvv=1234&locale=ja_JP")
	f.Add(uint8(0), uint8(0), uint8(1), "cardNo=4006055482525268&expiry=12%2F30&cvv=123&holderName=Ada&installments=6")
	f.Add(uint8(0), uint8(0), uint8(1), "cardNo=4006055482525268&expiry=12%2F30&cvv=123&holderName=Ada&installments=-99999999999999999999")
	f.Add(uint8(0), uint8(1), uint8(1), "cvv=+9+8+7+")
	f.Add(uint8(1), uint8(2), uint8(1), "otp=123456&action=submit")
	f.Add(uint8(1), uint8(2), uint8(3), "action=cancel")
	f.Add(uint8(2), uint8(3), uint8(0), "action=approve")
	f.Add(uint8(2), uint8(3), uint8(2), "action=nope")
	f.Add(uint8(0), uint8(4), uint8(0), "cardNo=4242424242424242")
	f.Add(uint8(0), uint8(0), uint8(2), "cardNo=4242424242424242&holderName=%00%ff&expiry=%2F%2F&cardNo=1")
	f.Add(uint8(0), uint8(0), uint8(1), "cardNo=%zz&csrf=x")
	f.Add(uint8(0), uint8(0), uint8(1), "expiry=123456&cardNo="+strings.Repeat("9", 40)+"&city="+strings.Repeat("x", 300))

	paths := []string{pagePathT, pagePathT + "/challenge", pagePathT + "/issuer"}
	f.Fuzz(func(t *testing.T, endpoint, step, outcome uint8, body string) {
		setFuzzFlow(h.flow, step, outcome)
		h.logs.Reset()
		r := httptest.NewRequest(http.MethodPost, paths[int(endpoint)%len(paths)], strings.NewReader("csrf="+url.QueryEscape(csrf)+"&"+body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
		w := h.do(r)
		if w.Code >= 500 {
			t.Fatalf("status %d for %q\n%s", w.Code, body, w.Body)
		}
		form, _ := url.ParseQuery(body)
		checkNoCardNumber(t, typedCardNumbers(form), w, h.logs.String())
	})
}

// FuzzSDKPost posts any body, behind a valid CSRF token, to the SDK frame's card, CVV and
// challenge endpoints, on a payment at any step and with any answer of the flow: the answer
// is the payment's view (2xx) or the JSON error (4xx), never a panic or a 5xx, and the card
// number is in neither the answer nor the logs.
//
//	go test ./internal/web -run '^$' -fuzz FuzzSDKPost -fuzztime 60s
func FuzzSDKPost(f *testing.F) {
	h, guard := newSDKHarness(f, baseView(checkout.StepCard))
	f.Add(uint8(0), uint8(0), uint8(1), []byte(cardJSON))
	f.Add(uint8(0), uint8(0), uint8(0), []byte(`{"cardNo":"4242424242424242","expiryMonth":"1","expiryYear":"2030","cvv":"1234"}`))
	f.Add(uint8(0), uint8(0), uint8(1), []byte(`{"cardNo":"4006055482525268","expiry":"12/30","cvv":"123","holderName":"Ada","installments":"3"}`))
	f.Add(uint8(0), uint8(0), uint8(1), []byte(`{"cardNo":"4006055482525268","installments":3}`))
	f.Add(uint8(0), uint8(0), uint8(1), []byte(`{"cardNo":"4242424242424242","CARDNO":"1"}`))
	f.Add(uint8(0), uint8(0), uint8(2), []byte(`{"cardNo":4242424242424242}`))
	f.Add(uint8(0), uint8(0), uint8(1), []byte(`{"cardNo":"4242424242424242\u0000","holderName":"\ud800"}`))
	f.Add(uint8(0), uint8(0), uint8(1), []byte(`{"cardNo":{"$ref":"$.x"},"x":"4242424242424242"}`))
	f.Add(uint8(1), uint8(1), uint8(1), []byte(`{"cvv":" 987 ","locale":"zh_CN"}`))
	f.Add(uint8(2), uint8(2), uint8(1), []byte(`{"otp":"","action":"submit"}`))
	f.Add(uint8(2), uint8(2), uint8(3), []byte(`{"action":"cancel"}`))
	f.Add(uint8(2), uint8(2), uint8(0), []byte(`{"action":"approve"}`))
	f.Add(uint8(0), uint8(4), uint8(0), []byte(`{}`))
	f.Add(uint8(0), uint8(0), uint8(0), []byte(`[] `))
	f.Add(uint8(1), uint8(0), uint8(0), []byte(``))

	endpoints := []string{"/card", "/cvv", "/challenge"}
	f.Fuzz(func(t *testing.T, endpoint, step, outcome uint8, body []byte) {
		setFuzzFlow(h.flow, step, outcome)
		h.logs.Reset()
		w := h.api(apiCall{path: sdkAPIPathT + endpoints[int(endpoint)%len(endpoints)], body: string(body), csrf: guard.frameToken(testToken, time.Now())})
		if ct := w.Header().Get("Content-Type"); w.Code >= 500 || ct != "application/json; charset=utf-8" {
			t.Fatalf("status %d, Content-Type %q for %q\n%s", w.Code, ct, body, w.Body)
		}
		if w.Code < 300 {
			var v sdkView
			if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || v.Step == "" {
				t.Fatalf("status %d with %s, not a view (%v)", w.Code, w.Body, err)
			}
		} else {
			var e apiError
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" || e.Message == "" {
				t.Fatalf("status %d with %s, not the JSON error (%v)", w.Code, w.Body, err)
			}
		}
		checkNoCardNumber(t, typedCardNumbers(jsonStrings(body)), w, h.logs.String())
	})
}

// jsonStrings are the string members of a JSON object by key, as a lenient reader sees them
// (keys in any case fold onto cardNo, the form's field).
func jsonStrings(body []byte) map[string][]string {
	var m map[string]any
	json.Unmarshal(body, &m)
	out := map[string][]string{}
	for k, v := range m {
		if s, ok := v.(string); ok {
			if strings.EqualFold(k, "cardNo") {
				k = "cardNo"
			}
			out[k] = append(out[k], s)
		}
	}
	return out
}

// FuzzSDKForm opens the SDK's frame with any query string and Accept-Language: the frame, or
// the 400 page of a frame without a usable origin, never a panic or a 5xx; the origin the
// frame will talk to is exactly the one the SDK named, and only a serialized http(s) origin.
//
//	go test ./internal/web -run '^$' -fuzz FuzzSDKForm -fuzztime 60s
func FuzzSDKForm(f *testing.F) {
	h, _ := newSDKHarness(f, baseView(checkout.StepCard))
	f.Add("origin=https://shop.example&locale=de_DE&showSubmitButton=true&needCVV=1&redirect=yes", "")
	f.Add("origin=http%3A%2F%2F127.0.0.1%3A8080", "ja-JP,ja;q=0.9")
	f.Add("origin=HTTPS://Shop.Example", "*")
	f.Add("origin=https://shop.example/&locale=xx", "en;q=abc, zh-Hant-TW")
	f.Add("origin=https://u:p@shop.example", "")
	f.Add("origin=https://shop.example?&origin=https://evil.example", "")
	f.Add("origin=javascript:alert(1)", "")
	f.Add("origin=https://%5B::1%5D:443", ";;;,,,q=1")
	f.Add("origin=%zz&locale", "\xff")

	f.Fuzz(func(t *testing.T, query, acceptLanguage string) {
		r := httptest.NewRequest(http.MethodGet, sdkFormPathT, nil)
		r.URL.RawQuery = query
		r.Header["Accept-Language"] = []string{acceptLanguage}
		w := h.do(r)
		origin := parseOrigin(r.URL.Query().Get("origin"))
		if origin != "" {
			u, err := url.Parse(origin)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || origin != u.Scheme+"://"+u.Host {
				t.Fatalf("parseOrigin accepted %q", origin)
			}
		}
		switch {
		case origin == "" && w.Code == http.StatusBadRequest:
		case origin != "" && w.Code == http.StatusOK:
			cfg := frameConfigOf(t, w.Body.String())
			if cfg.Origin != origin {
				t.Fatalf("the frame talks to %q, the SDK named %q", cfg.Origin, origin)
			}
			if !slices.Contains(supportedLocales, cfg.Locale) {
				t.Fatalf("locale %q is not one of %v", cfg.Locale, supportedLocales)
			}
		default:
			t.Fatalf("status %d for origin %q (query %q)", w.Code, origin, query)
		}
	})
}

// FuzzCSRFToken checks both CSRF tokens against any value: the frame's verifies only as the
// token the key made for this page at a time within its lifetime, the hosted form's only as
// the MAC of this browser's cookie for this page; a byte off either verifies nowhere.
//
//	go test ./internal/web -run '^$' -fuzz FuzzCSRFToken -fuzztime 60s
func FuzzCSRFToken(f *testing.F) {
	guard := newCSRFGuard(testKey)
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	f.Add(testToken, guard.frameToken(testToken, now), int64(0), uint(10), byte(1))
	f.Add(testToken, guard.frameToken(testToken, now.Add(-time.Hour)), int64(7199), uint(0), byte(0x20))
	f.Add("pay_1.x", "AAAAAAAAAAA.AAAA", int64(-300), uint(11), byte('.'))
	f.Add("", "", int64(7201), uint(0), byte(0))
	f.Add("t", ".", int64(-301), uint(1), byte(0x80))

	const nonce = "q9a3vQ2kQjdX6sQ0l7bNf2mBv1cR4tY8uW5zP0eHk3I"
	f.Fuzz(func(t *testing.T, pageToken, value string, age int64, pos uint, flip byte) {
		if guard.frameValid(pageToken, value, now) {
			ts, _, _ := strings.Cut(value, ".")
			raw, _ := b64.DecodeString(ts)
			issued := time.Unix(int64(binary.BigEndian.Uint64(raw)), 0)
			if guard.frameToken(pageToken, issued) != value {
				t.Fatalf("frame token %q verifies for %q but is not the one made at %v", value, pageToken, issued)
			}
		}
		age %= 4 * 3600
		minted := guard.frameToken(pageToken, now.Add(-time.Duration(age)*time.Second))
		if got, want := guard.frameValid(pageToken, minted, now), age >= -300 && age <= 7200; got != want {
			t.Fatalf("frame token of %q issued %ds ago: valid %v, want %v", pageToken, age, got, want)
		}
		if guard.frameValid(pageToken+"x", minted, now) || newCSRFGuard([]byte(strings.Repeat("k", 32))).frameValid(pageToken, minted, now) {
			t.Fatalf("frame token of %q verifies for another page or under another key", pageToken)
		}
		field := b64.EncodeToString(guard.mac(formCSRFLabel, pageToken, []byte(nonce)))
		candidates := map[string]bool{value: value == field, field: true}
		if flip != 0 {
			b := []byte(minted)
			b[pos%uint(len(b))] ^= flip
			if guard.frameValid(pageToken, string(b), now) {
				t.Fatalf("frame token %q, a byte off %q, verifies", b, minted)
			}
			b = []byte(field)
			b[pos%uint(len(b))] ^= flip
			candidates[string(b)] = false
		}
		for v, want := range candidates {
			r := httptest.NewRequest(http.MethodPost, pagePath(pageToken), nil)
			r.AddCookie(&http.Cookie{Name: csrfCookie, Value: nonce})
			r.PostForm = url.Values{"csrf": {v}}
			if got := guard.formValid(r, pageToken); got != want {
				t.Fatalf("form field %q for page %q: valid %v, want %v", v, pageToken, got, want)
			}
		}
	})
}
