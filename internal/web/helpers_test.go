package web

import (
	"bytes"
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/payment"
)

// fakeFlow stands in for the gateway: HostedPage returns page, every other method records
// its arguments and returns next.
type fakeFlow struct {
	mu      sync.Mutex
	page    *checkout.HostedView
	pageErr error
	next    *checkout.HostedView
	nextErr error

	calls   []string
	card    checkout.CardInput
	cvv     string
	plan    int // SubmitCVV's installments
	code    string
	cancel  bool
	approve bool
	bin     string
	plans   []checkout.PlanOption
	logo    *payment.Logo
}

func (f *fakeFlow) record(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, name)
}

func (f *fakeFlow) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeFlow) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
}

func copyView(v *checkout.HostedView) *checkout.HostedView {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}

func (f *fakeFlow) HostedPage(ctx context.Context, token string) (*checkout.HostedView, error) {
	f.record("HostedPage")
	if f.pageErr != nil {
		return nil, f.pageErr
	}
	return copyView(f.page), nil
}

func (f *fakeFlow) SubmitCard(ctx context.Context, token string, in checkout.CardInput) (*checkout.HostedView, error) {
	f.record("SubmitCard")
	f.card = in
	return copyView(f.next), f.nextErr
}

func (f *fakeFlow) SubmitCVV(ctx context.Context, token, cvv string, installments int) (*checkout.HostedView, error) {
	f.record("SubmitCVV")
	f.cvv, f.plan = cvv, installments
	return copyView(f.next), f.nextErr
}

func (f *fakeFlow) CompleteChallenge(ctx context.Context, token, code string, cancel bool) (*checkout.HostedView, error) {
	f.record("CompleteChallenge")
	f.code, f.cancel = code, cancel
	return copyView(f.next), f.nextErr
}

func (f *fakeFlow) CompleteIssuerAuth(ctx context.Context, token string, approve bool) (*checkout.HostedView, error) {
	f.record("CompleteIssuerAuth")
	f.approve = approve
	return copyView(f.next), f.nextErr
}

func (f *fakeFlow) InstallmentPlans(ctx context.Context, token, bin string) ([]checkout.PlanOption, error) {
	f.record("InstallmentPlans")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bin = bin
	return f.plans, f.nextErr
}

func (f *fakeFlow) UseAnotherCard(ctx context.Context, token string) (*checkout.HostedView, error) {
	f.record("UseAnotherCard")
	return copyView(f.next), f.nextErr
}

func (f *fakeFlow) MerchantLogo(ctx context.Context, digest string) (*payment.Logo, error) {
	f.record("MerchantLogo")
	if f.logo == nil || f.logo.Digest != digest {
		return nil, nil
	}
	return f.logo, nil
}

const testToken = "tok_abc123XYZ"

var testKey = bytes.Repeat([]byte{7}, 32)

// baseView is a payment on its card step.
func baseView(step checkout.Step) *checkout.HostedView {
	return &checkout.HostedView{
		Token:            testToken,
		Step:             step,
		PaymentID:        "pay_1",
		MerchantName:     "Acme Books",
		OrderDescription: "Two paperbacks",
		Amount:           payment.Amount{Currency: "USD", Value: 1050},
		TerminalType:     "WEB",
		Status:           payment.Processing,
		RedirectURL:      "https://merchant.example/return?order=42&src=cashier",
		ExpiresAt:        time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

type harness struct {
	flow *fakeFlow
	mux  *http.ServeMux
	logs *bytes.Buffer
}

func newHarness(t testing.TB, page *checkout.HostedView) *harness {
	t.Helper()
	h := &harness{flow: &fakeFlow{page: page}, mux: http.NewServeMux(), logs: &bytes.Buffer{}}
	logger := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	New(Config{Flow: h.flow, Logger: logger, CSRFKey: testKey}).Register(h.mux)
	return h
}

func (h *harness) do(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.mux.ServeHTTP(w, r)
	return w
}

func (h *harness) get(path string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return h.do(r)
}

// session opens the page and returns its CSRF cookie and form field.
func (h *harness) session(t testing.TB) (*http.Cookie, string) {
	t.Helper()
	w := h.get("/checkout/" + testToken)
	if w.Code != http.StatusOK {
		t.Fatalf("GET page: status %d\n%s", w.Code, w.Body)
	}
	var cookie *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == csrfCookie {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatal("GET page set no cashier_csrf cookie")
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatal("page has no csrf field")
	}
	h.flow.reset()
	return cookie, html.UnescapeString(m[1])
}

func (h *harness) post(path string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		if c != nil {
			r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
	}
	return h.do(r)
}

// tag returns the start tag of the element with the id, failing the test when there is none
// or more than one.
func tag(t *testing.T, body, id string) map[string]string {
	t.Helper()
	re := regexp.MustCompile(`<([a-z]+)\b([^>]*\sid="` + regexp.QuoteMeta(id) + `"[^>]*)>`)
	all := re.FindAllStringSubmatch(body, -1)
	if len(all) != 1 {
		t.Fatalf("want one element with id=%q, found %d", id, len(all))
	}
	attrs := map[string]string{"<": all[0][1]}
	for _, a := range regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9:-]*)(?:="([^"]*)")?`).FindAllStringSubmatch(all[0][2], -1) {
		attrs[a[1]] = html.UnescapeString(a[2])
	}
	return attrs
}

func hasID(body, id string) bool {
	return strings.Contains(body, ` id="`+id+`"`)
}

// text returns the text content of the element with the id (no nested tags expected).
func text(t *testing.T, body, id string) string {
	t.Helper()
	m := regexp.MustCompile(`\sid="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no element with id=%q", id)
	}
	return html.UnescapeString(m[1])
}

var wantHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
	"Cache-Control":           "no-store",
	"Pragma":                  "no-cache",
	"X-Content-Type-Options":  "nosniff",
	"Referrer-Policy":         "no-referrer",
	"X-Frame-Options":         "DENY",
}

func checkHeaders(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	for k, v := range wantHeaders {
		if got := w.Header().Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if ct := w.Header().Get("Content-Type"); w.Code != http.StatusSeeOther && ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
}
