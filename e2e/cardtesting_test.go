package e2e

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/cli"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/limit"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/sandbox"
	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/store/sqlite"
)

// countingIssuer is the sandbox issuer, counting the authorizations it is asked for.
type countingIssuer struct {
	issuer.Processor
	auths atomic.Int64
}

func (c *countingIssuer) Authorize(ctx context.Context, r issuer.AuthRequest) (issuer.AuthResult, error) {
	c.auths.Add(1)
	return c.Processor.Authorize(ctx, r)
}

// newCardTestingEnv starts a gateway with limits and an issuer that counts its calls.
func newCardTestingEnv(t *testing.T, l checkout.Limits) (*env, *countingIssuer) {
	t.Helper()
	// The issuer keeps its records in a database of its own, as an acquirer would.
	records, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "acquirer.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { records.Close() })
	iss := &countingIssuer{Processor: sandbox.NewIssuer(clock.Real{}, records)}
	return newEnvWith(t, cli.Options{CardTesting: &l, Issuer: iss, ACS: sandbox.ACS{}}), iss
}

// openSession opens a browser-SDK session and returns its page token and payment id.
func (e *env) openSession(t *testing.T) (token, paymentID string) {
	t.Helper()
	resp, err := e.c.CreatePaymentSession(context.Background(), sessionReq(1250))
	if err != nil {
		t.Fatal(err)
	}
	wantResult(t, resp.Result, "S", "SUCCESS")
	token, _ = sessionToken(t, resp.PaymentSessionData)
	v, err := e.app.Checkout.HostedPage(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return token, v.PaymentID
}

func declining() checkout.CardInput {
	c := goodCard
	c.Number = visaDecl
	return c
}

// wantClosedAtBound checks a payment closed at its bound: FAIL RISK_REJECT for the merchant,
// with one notification saying so, and its attempts counted in the store.
func wantClosedAtBound(t *testing.T, e *env, paymentID string, attempts int) {
	t.Helper()
	inq := e.inquiry(paymentID)
	if inq.PaymentStatus != "FAIL" || inq.PaymentResultCode != "RISK_REJECT" {
		t.Fatalf("merchant sees %s %s (%s), want FAIL RISK_REJECT", inq.PaymentStatus, inq.PaymentResultCode, inq.PaymentResultMessage)
	}
	p, err := e.app.Store.PaymentGet(context.Background(), paymentID)
	if err != nil {
		t.Fatal(err)
	}
	if p.CardAttempts != attempts {
		t.Fatalf("stored attempts %d, want %d", p.CardAttempts, attempts)
	}
	ns, err := e.app.Store.NotificationListByPayment(context.Background(), paymentID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 1 || ns[0].Kind != payment.NotifyPayment || !strings.Contains(string(ns[0].Body), `"resultCode":"RISK_REJECT","resultStatus":"F"`) {
		t.Fatalf("notifications of the closed payment: %d %s", len(ns), firstBody(ns))
	}
}

func firstBody(ns []*payment.Notification) string {
	if len(ns) == 0 {
		return ""
	}
	return string(ns[0].Body)
}

// TestCardAttemptBound: a session takes five cards; the fifth decline closes the payment
// with RISK_REJECT and its notification, and a sixth card never reaches the issuer.
func TestCardAttemptBound(t *testing.T) {
	t.Parallel()
	e, iss := newCardTestingEnv(t, checkout.Limits{Attempts: 5})
	ctx := context.Background()
	token, id := e.openSession(t)
	for i := 1; i <= 4; i++ {
		v, err := e.app.Checkout.SubmitCard(ctx, token, declining())
		if err != nil || v.Step != checkout.StepCard || v.DeclineCode != "DO_NOT_HONOR" {
			t.Fatalf("decline %d: %+v %v", i, v, err)
		}
	}
	v, err := e.app.Checkout.SubmitCard(ctx, token, declining())
	if err != nil || v.Step != checkout.StepResult || v.Status != payment.Fail || v.ResultCode != "RISK_REJECT" ||
		!strings.Contains(v.ResultMessage, "after 5 declined card attempts") {
		t.Fatalf("fifth decline: %+v %v", v, err)
	}
	v, err = e.app.Checkout.SubmitCard(ctx, token, goodCard)
	if err != nil || v.Step != checkout.StepResult || v.Status != payment.Fail || v.ResultCode != "RISK_REJECT" {
		t.Fatalf("sixth card: %+v %v", v, err)
	}
	if n := iss.auths.Load(); n != 5 {
		t.Fatalf("the issuer was asked %d times, want 5", n)
	}
	wantClosedAtBound(t, e, id, 5)
	if got := metricValue(t, e, `cashier_card_testing_refused_total{limit="payment"}`); got != 1 {
		t.Fatalf("payments closed at the bound: metric %v, want 1", got)
	}
}

// TestCardAttemptBoundConcurrent: cards posted at once on one session, round after round,
// reach the issuer no more often than the bound allows.
func TestCardAttemptBoundConcurrent(t *testing.T) {
	t.Parallel()
	e, iss := newCardTestingEnv(t, checkout.Limits{Attempts: 5})
	ctx := context.Background()
	token, id := e.openSession(t)
	for round := 0; ; round++ {
		v, err := e.app.Checkout.HostedPage(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if v.Step == checkout.StepResult {
			break
		}
		if round == 10 {
			t.Fatalf("still open after %d rounds: %+v", round, v)
		}
		const posts = 12
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, posts)
		for i := range posts {
			wg.Go(func() {
				<-start
				_, errs[i] = e.app.Checkout.SubmitCard(ctx, token, declining())
			})
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
	}
	if n := iss.auths.Load(); n != 5 {
		t.Fatalf("the issuer was asked %d times, want 5", n)
	}
	wantClosedAtBound(t, e, id, 5)
}

// TestCardAttemptBoundAfterCrash: a payment left waiting with no attempt left (the gateway
// stopped between the last decline and the close) closes on the next card, which never
// reaches the issuer.
func TestCardAttemptBoundAfterCrash(t *testing.T) {
	t.Parallel()
	e, iss := newCardTestingEnv(t, checkout.Limits{Attempts: 5})
	ctx := context.Background()
	token, id := e.openSession(t)
	err := e.app.Store.Tx(ctx, func(q store.Tx) error {
		p, err := q.PaymentLock(ctx, id)
		if err != nil {
			return err
		}
		p.CardAttempts = 5
		return q.PaymentUpdate(ctx, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.app.Checkout.SubmitCard(ctx, token, goodCard)
	if err != nil || v.Status != payment.Fail || v.ResultCode != "RISK_REJECT" {
		t.Fatalf("a card on a payment with no attempt left: %+v %v", v, err)
	}
	if n := iss.auths.Load(); n != 0 {
		t.Fatalf("the issuer was asked %d times, want 0", n)
	}
	wantClosedAtBound(t, e, id, 5)
}

// cardPolicy delays from the third decline, 1 s then 2 s then 4 s, then refuses for an hour.
var cardPolicy = limit.Policy{Free: 2, Window: time.Hour, Delay: time.Second, MaxDelay: 4 * time.Second, Delayed: 3, CoolOff: time.Hour}

// delayedAttempt submits in on a new session from ip, expecting the limit named by which to
// delay it by want: it waits for the delay to be reported, then moves the test clock past it.
func (e *env) delayedAttempt(t *testing.T, ip string, in checkout.CardInput, which string, want time.Duration) *checkout.HostedView {
	t.Helper()
	token, _ := e.openSession(t)
	sum := `cashier_card_testing_delay_seconds_sum{limit="` + which + `"}`
	count := `cashier_card_testing_delay_seconds_count{limit="` + which + `"}`
	before, n := metricValue(t, e, sum), metricValue(t, e, count)
	type result struct {
		v   *checkout.HostedView
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := e.app.Checkout.SubmitCard(buyer(ip), token, in)
		done <- result{v, err}
	}()
	eventually(t, "the delay to be imposed", func() bool { return metricValue(t, e, count) == n+1 })
	if got := time.Duration((metricValue(t, e, sum) - before) * float64(time.Second)); got != want {
		t.Fatalf("delay %v, want %v", got, want)
	}
	e.advance(want)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

func buyer(ip string) context.Context {
	return gateway.WithBuyerIP(context.Background(), netip.MustParseAddr(ip))
}

// attempt submits in on a new session from ip.
func (e *env) attempt(t *testing.T, ip string, in checkout.CardInput) *checkout.HostedView {
	t.Helper()
	token, _ := e.openSession(t)
	v, err := e.app.Checkout.SubmitCard(buyer(ip), token, in)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wantRefused checks that an attempt was answered with the gateway's own decline.
func wantCardRefused(t *testing.T, what string, v *checkout.HostedView) {
	t.Helper()
	if v.Step != checkout.StepCard || v.DeclineCode != "RISK_REJECT" {
		t.Fatalf("%s: %+v, want the card form with a RISK_REJECT decline", what, v)
	}
}

// TestCardTestingPerIP: declines from one buyer IP, across payments, delay its attempts
// 1 s, 2 s, 4 s, then get them refused, valid card or not, without asking the issuer, for
// the cool-off; other IPs are not held back.
func TestCardTestingPerIP(t *testing.T) {
	t.Parallel()
	e, iss := newCardTestingEnv(t, checkout.Limits{Attempts: 5, IP: cardPolicy})
	const ip = "203.0.113.7"
	for i := range 2 {
		if v := e.attempt(t, ip, declining()); v.DeclineCode != "DO_NOT_HONOR" {
			t.Fatalf("free decline %d: %+v", i+1, v)
		}
	}
	for _, d := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		if v := e.delayedAttempt(t, ip, declining(), "ip", d); v.DeclineCode != "DO_NOT_HONOR" {
			t.Fatalf("delayed decline: %+v", v)
		}
	}
	asked := iss.auths.Load()
	wantCardRefused(t, "a declining card after the delays", e.attempt(t, ip, declining()))
	wantCardRefused(t, "a valid card after the delays", e.attempt(t, ip, goodCard))
	if n := iss.auths.Load(); n != asked {
		t.Fatalf("refused attempts reached the issuer: %d calls, want %d", n, asked)
	}
	// Another IP is not held back.
	if v := e.attempt(t, "198.51.100.9", goodCard); v.Status != payment.Success {
		t.Fatalf("another IP: %+v", v)
	}
	if got := metricValue(t, e, `cashier_card_testing_refused_total{limit="ip"}`); got != 2 {
		t.Fatalf("refusals by IP: metric %v, want 2", got)
	}
	e.advance(time.Hour)
	if v := e.attempt(t, ip, goodCard); v.Status != payment.Success {
		t.Fatalf("after the cool-off: %+v", v)
	}
}

// TestCardTestingPerCard: one card declined from ever new IPs is delayed by its fingerprint,
// then refused.
func TestCardTestingPerCard(t *testing.T) {
	t.Parallel()
	p := cardPolicy
	p.Delayed = 1
	e, iss := newCardTestingEnv(t, checkout.Limits{Attempts: 5, Card: p})
	e.attempt(t, "192.0.2.1", declining())
	e.attempt(t, "2001:db8::1", declining())
	if v := e.delayedAttempt(t, "192.0.2.3", declining(), "card", time.Second); v.DeclineCode != "DO_NOT_HONOR" {
		t.Fatalf("delayed decline: %+v", v)
	}
	asked := iss.auths.Load()
	wantCardRefused(t, "the card from a fourth IP", e.attempt(t, "192.0.2.4", declining()))
	if n := iss.auths.Load(); n != asked {
		t.Fatalf("a refused attempt reached the issuer")
	}
	if v := e.attempt(t, "192.0.2.4", goodCard); v.Status != payment.Success {
		t.Fatalf("another card from that IP: %+v", v)
	}
}

// TestCardTestingDelayCancelled: a buyer who leaves during the delay ends it; nothing is
// recorded and the issuer is not asked.
func TestCardTestingDelayCancelled(t *testing.T) {
	t.Parallel()
	// A delay no slow machine outlasts before the buyer leaves: the test clock runs on with
	// the wall clock, and a 1 s delay once ended before the cancel.
	long := cardPolicy
	long.Delay, long.MaxDelay = time.Hour, time.Hour
	e, iss := newCardTestingEnv(t, checkout.Limits{Attempts: 5, IP: long})
	const ip = "203.0.113.8"
	e.attempt(t, ip, declining())
	e.attempt(t, ip, declining())
	token, id := e.openSession(t)
	ctx, cancel := context.WithCancel(buyer(ip))
	done := make(chan error, 1)
	go func() {
		_, err := e.app.Checkout.SubmitCard(ctx, token, declining())
		done <- err
	}()
	count := `cashier_card_testing_delay_seconds_count{limit="ip"}`
	eventually(t, "the delay to be imposed", func() bool { return metricValue(t, e, count) == 1 })
	asked := iss.auths.Load()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled during the delay: %v", err)
	}
	p, err := e.app.Store.PaymentGet(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if p.Stage != payment.StageAwaitingCard || p.CardAttempts != 0 || iss.auths.Load() != asked {
		t.Fatalf("a cancelled attempt left %s with %d attempts", p.Stage, p.CardAttempts)
	}
}

// TestAPIRateLimit: past its burst, a merchant's calls answer REQUEST_TRAFFIC_EXCEED_LIMIT
// with status U in a signed answer; unsigned calls spend nothing; time refills the bucket.
func TestAPIRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, cli.Options{APIRate: &limit.Rate{PerSecond: 0.01, Burst: 3}})
	ctx := context.Background()
	for range 5 {
		resp, body := e.rawCall("POST", "/ams/sandbox/api/v1/payments/inquiryPayment", []byte(`{"paymentRequestId":"x"}`),
			map[string][]string{"Client-Id": {e.app.SandboxClient.ClientID}, "Request-Time": {"1"}, "Signature": {"algorithm=RSA256,keyVersion=1,signature=AAAA"}})
		if resp.StatusCode != 200 || !strings.Contains(string(body), "INVALID_SIGNATURE") {
			t.Fatalf("unsigned call: %d %s", resp.StatusCode, body)
		}
	}
	inquire := func() ams.Result {
		resp, err := e.c.InquiryPayment(ctx, &ams.InquiryPaymentRequest{PaymentRequestID: "none"})
		if err != nil {
			t.Fatal(err) // the client verified the answer's signature
		}
		return resp.Result
	}
	for i := range 3 {
		if r := inquire(); r.ResultCode != "ORDER_NOT_EXIST" {
			t.Fatalf("call %d of the burst: %+v", i+1, r)
		}
	}
	wantResult(t, inquire(), "U", "REQUEST_TRAFFIC_EXCEED_LIMIT")
	if got := metricValue(t, e, `cashier_api_throttled_total{client_id="`+e.app.SandboxClient.ClientID+`"}`); got != 1 {
		t.Fatalf("throttled calls: metric %v, want 1", got)
	}
	e.advance(100 * time.Second)
	if r := inquire(); r.ResultCode != "ORDER_NOT_EXIST" {
		t.Fatalf("after a refill: %+v", r)
	}
}

// metricValue reads one sample from /metrics; 0 when it is absent.
func metricValue(t *testing.T, e *env, sample string) float64 {
	t.Helper()
	_, body := get(t, e.baseURL+"/metrics")
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// postHostedCard pays a new hosted payment by filling its card form over HTTP, as a browser
// would, with xff as X-Forwarded-For ("" for none); it returns the card's outcome: the
// decline the form shows again, or the payment's result code.
func (e *env) postHostedCard(t *testing.T, cardNo, xff string) string {
	t.Helper()
	resp := e.pay(hostedReq("USD", 100, ""))
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	r, err := c.Get(resp.NormalURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(r.Body)
	r.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF field on the card page: %d", r.StatusCode)
	}
	form := url.Values{"csrf": {string(m[1])}, "cardNo": {cardNo}, "expiry": {"12/30"}, "cvv": {"123"}, "holderName": {"Ada Lovelace"}}
	req, _ := http.NewRequest("POST", resp.NormalURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	r, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		t.Fatalf("card post: %d", r.StatusCode)
	}
	v, err := e.app.Checkout.HostedPage(context.Background(), pageToken(t, resp))
	if err != nil {
		t.Fatal(err)
	}
	if v.Step == checkout.StepCard {
		return v.DeclineCode
	}
	return v.ResultCode
}

// TestCardTestingBuyerIPOverHTTP: the per-IP limit counts the connection's address, and
// X-Forwarded-For only from a trusted proxy; a refused hosted card is declined with RISK_REJECT.
func TestCardTestingBuyerIPOverHTTP(t *testing.T) {
	t.Parallel()
	p := cardPolicy
	p.Free, p.Delayed = 1, 0
	for _, trusted := range []bool{false, true} {
		opts := cli.Options{CardTesting: &checkout.Limits{Attempts: 5, IP: p}}
		if trusted {
			opts.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
		}
		e := newEnvWith(t, opts)
		if code := e.postHostedCard(t, visaDecl, "198.51.100.1"); code != "DO_NOT_HONOR" {
			t.Fatalf("trusted %v: first decline %s", trusted, code)
		}
		// Another address in the header: a new buyer behind a trusted proxy, a lie otherwise.
		want := "RISK_REJECT"
		if trusted {
			want = "SUCCESS"
		}
		if code := e.postHostedCard(t, visaOK, "198.51.100.2"); code != want {
			t.Fatalf("trusted %v: a valid card from another forwarded address: %s, want %s", trusted, code, want)
		}
		if trusted {
			if code := e.postHostedCard(t, visaOK, "198.51.100.1"); code != "RISK_REJECT" {
				t.Fatalf("the forwarded address with the decline: %s, want RISK_REJECT", code)
			}
		}
	}
}

// TestCardTestingSavedCardCVV: a saved card's CVV is a card attempt too: counted on the
// payment, its decline counted against the card, and refused once the card has too many.
func TestCardTestingSavedCardCVV(t *testing.T) {
	t.Parallel()
	p := cardPolicy
	p.Free, p.Delayed = 1, 0
	e, iss := newCardTestingEnv(t, checkout.Limits{Attempts: 5, Card: p})
	ctx := context.Background()
	req := payReq(visaOK, "USD", 500)
	req.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":"` + visaOK + `","cvv":"123","expiryMonth":"12","expiryYear":"30","tokenize":true}`)
	cardToken := e.pay(req).PaymentResultInfo.CardToken
	savedCardSession := func(value string) (string, string) {
		t.Helper()
		sr := sessionReq(0)
		sr.PaymentAmount.Value = value
		sr.PaymentMethod.PaymentMethodID = cardToken
		sr.Order.Buyer = &ams.Buyer{ReferenceBuyerID: "buyer-1"}
		resp, err := e.c.CreatePaymentSession(ctx, sr)
		if err != nil {
			t.Fatal(err)
		}
		wantResult(t, resp.Result, "S", "SUCCESS")
		token, _ := sessionToken(t, resp.PaymentSessionData)
		v, err := e.app.Checkout.HostedPage(ctx, token)
		if err != nil || v.Step != checkout.StepCVV {
			t.Fatalf("saved-card session: %+v %v", v, err)
		}
		return token, v.PaymentID
	}
	// Amount 11 is the sandbox issuer's risk decline, whatever the card.
	token, id := savedCardSession("11")
	if v, err := e.app.Checkout.SubmitCVV(ctx, token, "123", 0); err != nil || v.DeclineCode != "RISK_REJECT" || strings.Contains(v.DeclineMessage, "gateway") {
		t.Fatalf("the issuer's decline: %+v %v", v, err)
	}
	if stored, _ := e.app.Store.PaymentGet(ctx, id); stored.CardAttempts != 1 {
		t.Fatalf("attempts after a CVV: %d, want 1", stored.CardAttempts)
	}
	asked := iss.auths.Load()
	token, _ = savedCardSession("1250")
	v, err := e.app.Checkout.SubmitCVV(ctx, token, "123", 0)
	if err != nil || v.DeclineCode != "RISK_REJECT" || !strings.Contains(v.DeclineMessage, "gateway's risk controls") {
		t.Fatalf("the card's next CVV: %+v %v, want the gateway's refusal", v, err)
	}
	if iss.auths.Load() != asked {
		t.Fatal("a refused CVV reached the issuer")
	}
}
