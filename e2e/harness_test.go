// Package e2e drives the gateway through real HTTP with the project's client package,
// exactly as a merchant would.
package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
	"github.com/cashierpay/cashier/internal/browsertest"
	"github.com/cashierpay/cashier/internal/cli"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/store/pgtest"
)

// syncBuffer collects the gateway's log lines so tests can scan them.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type env struct {
	t       testing.TB
	dir     string
	db      string // --db; "" for SQLite in dir
	app     *cli.App
	srv     *httptest.Server
	c       *client.Client
	clock   *clock.Test
	logs    *syncBuffer
	baseURL string
	// stop stops this node (its server, sweeper and notification worker) before the test
	// ends, leaving the data dir and database to the others.
	stop func()
}

// newEnv starts a sandbox gateway on a temp data dir with a test clock, its sweeper and its
// notification worker.
//
// Every test has a gateway, data dir, database, clock and browser of its own, so the tests
// call t.Parallel: a test that waits (for a browser, a retry, a lease, a process) leaves the
// other core to another test, and the package, the longest of CI, takes less wall time. A
// test that cannot run beside others (t.Setenv) says why it does not.
func newEnv(t testing.TB) *env {
	return newEnvWith(t, cli.Options{})
}

// newEnvWith is newEnv with some options set; DataDir, PublicURL, Clock and Logger are the
// harness's.
func newEnvWith(t testing.TB, opts cli.Options) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), clock: clock.NewTest(), logs: &syncBuffer{}, db: testDB(t)}
	e.start(opts)
	return e
}

// peer starts a second node of e's gateway: the same data dir, database and clock.
func (e *env) peer() *env {
	e.t.Helper()
	p := &env{t: e.t, dir: e.dir, clock: e.clock, logs: e.logs, db: e.db}
	p.start(cli.Options{})
	return p
}

// start opens the gateway on e's data dir and database and serves it.
func (e *env) start(opts cli.Options) {
	t := e.t
	t.Helper()
	e.srv = httptest.NewUnstartedServer(nil)
	e.baseURL = "http://" + e.srv.Listener.Addr().String()
	opts.DataDir, opts.PublicURL, opts.Clock, opts.DB = e.dir, e.baseURL, e.clock, e.db
	opts.Logger = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	app, err := cli.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	e.app = app
	e.srv.Config.Handler = app.Handler
	e.srv.Start()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { app.Run(ctx); close(done) }()
	e.stop = sync.OnceFunc(func() {
		cancel()
		<-done
		e.srv.Close()
		app.Close()
	})
	t.Cleanup(e.stop)
	sm := app.SandboxClient
	e.c, err = client.New(client.Config{BaseURL: e.baseURL, ClientID: sm.ClientID, MerchantPrivateKey: sm.MerchantPrivateKey, GatewayPublicKey: sm.GatewayPublicKey, GatewayPublicKeys: sm.GatewayPublicKeys})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMain stops the throwaway PostgreSQL cluster and the Chromium that the browser tests
// share (each in a browser context of its own) once the tests are done.
func TestMain(m *testing.M) {
	stop := browsertest.Share()
	code := pgtest.RunMain(m)
	stop()
	os.Exit(code)
}

// onPostgres says whether the suite runs on PostgreSQL: CASHIER_TEST_ENGINE=postgres.
func onPostgres() bool { return os.Getenv("CASHIER_TEST_ENGINE") == "postgres" }

// testDB is the --db of a test's gateway: a fresh PostgreSQL database, or "" for the SQLite
// file in the data dir.
func testDB(t testing.TB) string {
	if onPostgres() {
		return pgtest.URL(t)
	}
	return ""
}

var seq atomic.Int64

// uniq makes request ids unique within the test binary. The count is glued to a letter: a
// count standing alone could be a test card's CVV (846), which scanForCardData looks for as
// a value of its own in what the gateway stored; the tests run in parallel, so which test
// gets which count is not fixed.
func uniq(prefix string) string {
	return fmt.Sprintf("%s-%d-n%d", prefix, time.Now().UnixNano(), seq.Add(1))
}

// payReq is a server-to-server card pay request for cardNo and amount (minor units).
func payReq(cardNo, currency string, value int64) *ams.PayRequest {
	meta := fmt.Sprintf(`{"cardNo":%q,"cvv":"123","expiryMonth":"12","expiryYear":"30","cardholderName":{"firstName":"Ada","lastName":"Lovelace"}}`, cardNo)
	return &ams.PayRequest{
		ProductCode: ams.ProductCashierPayment, PaymentRequestID: uniq("pay"),
		Order:              &ams.Order{ReferenceOrderID: uniq("order"), OrderDescription: "Test order", Buyer: &ams.Buyer{ReferenceBuyerID: "buyer-1"}},
		PaymentAmount:      &ams.Amount{Currency: currency, Value: strconv.FormatInt(value, 10)},
		PaymentMethod:      &ams.PaymentMethod{PaymentMethodType: ams.PaymentMethodCard, PaymentMethodMetaData: []byte(meta)},
		PaymentRedirectURL: "https://merchant.example/return",
		Env:                &ams.Env{TerminalType: "WEB"},
		PaymentFactor:      &ams.PaymentFactor{IsAuthorization: true},
	}
}

func manual(r *ams.PayRequest) *ams.PayRequest {
	r.PaymentFactor = &ams.PaymentFactor{IsAuthorization: true, CaptureMode: ams.CaptureManual}
	return r
}

func (e *env) pay(req *ams.PayRequest) *ams.PayResponse {
	e.t.Helper()
	resp, err := e.c.Pay(context.Background(), req)
	if err != nil {
		e.t.Fatalf("pay: %v", err)
	}
	return resp
}

func (e *env) inquiry(paymentID string) *ams.InquiryPaymentResponse {
	e.t.Helper()
	resp, err := e.c.InquiryPayment(context.Background(), &ams.InquiryPaymentRequest{PaymentID: paymentID})
	if err != nil {
		e.t.Fatalf("inquiryPayment: %v", err)
	}
	if resp.Result.ResultStatus != ams.StatusSuccess {
		e.t.Fatalf("inquiryPayment result %+v", resp.Result)
	}
	return resp
}

func (e *env) capture(paymentID, requestID, currency string, value int64) *ams.CaptureResponse {
	e.t.Helper()
	resp, err := e.c.Capture(context.Background(), &ams.CaptureRequest{
		CaptureRequestID: requestID, PaymentID: paymentID, CaptureAmount: &ams.Amount{Currency: currency, Value: strconv.FormatInt(value, 10)},
	})
	if err != nil {
		e.t.Fatalf("capture: %v", err)
	}
	return resp
}

func (e *env) refund(paymentID, requestID, currency string, value int64) *ams.RefundResponse {
	e.t.Helper()
	resp, err := e.c.Refund(context.Background(), &ams.RefundRequest{
		RefundRequestID: requestID, PaymentID: paymentID, RefundAmount: &ams.Amount{Currency: currency, Value: strconv.FormatInt(value, 10)},
	})
	if err != nil {
		e.t.Fatalf("refund: %v", err)
	}
	return resp
}

func (e *env) cancel(paymentID string) *ams.CancelResponse {
	e.t.Helper()
	resp, err := e.c.Cancel(context.Background(), &ams.CancelRequest{PaymentID: paymentID})
	if err != nil {
		e.t.Fatalf("cancel: %v", err)
	}
	return resp
}

// advance moves the test clock and gives the sweeper a moment to act on what became due.
func (e *env) advance(d time.Duration) {
	e.clock.Advance(d)
}

// eventually polls cond for up to 20 s of wall time (a loaded CI machine is slow).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func wantResult(t testing.TB, got ams.Result, status, code string) {
	t.Helper()
	if got.ResultStatus != status || got.ResultCode != code {
		t.Fatalf("result = %s/%s (%s), want %s/%s", got.ResultStatus, got.ResultCode, got.ResultMessage, status, code)
	}
}

// rawCall sends body to api with the given headers, signed by sign (nil: unsigned), and
// returns the HTTP response and its body; it checks that the gateway signed the answer.
func (e *env) rawCall(method, path string, body []byte, header http.Header) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.baseURL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

// signedHeaders signs body for path as the sandbox merchant would.
func (e *env) signedHeaders(path, requestTime string, body []byte) http.Header {
	e.t.Helper()
	key, err := ams.ParsePrivateKey(e.app.SandboxClient.MerchantPrivateKey)
	if err != nil {
		e.t.Fatal(err)
	}
	sig, err := ams.SignHeader(ams.RSASigner{Key: key}, "1", "POST", path, e.app.SandboxClient.ClientID, requestTime, body)
	if err != nil {
		e.t.Fatal(err)
	}
	h := http.Header{}
	h.Set("Client-Id", e.app.SandboxClient.ClientID)
	h.Set("Request-Time", requestTime)
	h.Set("Signature", sig)
	h.Add("Content-Type", "application/json")
	h.Add("Content-Type", "application/json; charset=UTF-8")
	return h
}

// verifyGatewaySignature checks a raw response the way the official SDKs do.
func (e *env) verifyGatewaySignature(path string, resp *http.Response, body []byte) error {
	pub, err := ams.ParsePublicKey(e.app.SandboxClient.GatewayPublicKey)
	if err != nil {
		return err
	}
	return ams.VerifyHeader(pub, "POST", path, resp.Header.Get("Client-Id"), resp.Header.Get("Response-Time"), body, resp.Header.Get("Signature"))
}

func readJSON(t testing.TB, resp *http.Response, v any) {
	t.Helper()
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// addShop adds merchant SHOP_1 with a new key through the CLI, as an operator of a gateway
// opened by hand does, and returns that merchant's client for the gateway at baseURL.
func addShop(ctx context.Context, t testing.TB, app *cli.App, dir, db, baseURL string) *client.Client {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	if code := cli.Main(ctx, []string{"merchant", "add", "--data", dir, "--db", db, "--client-id", "SHOP_1", "--public-key", ams.EncodePublicKey(&key.PublicKey)}, io.Discard, io.Discard); code != 0 {
		t.Fatalf("merchant add exited %d", code)
	}
	shop, err := client.New(client.Config{BaseURL: baseURL, ClientID: "SHOP_1", MerchantPrivateKey: ams.EncodePrivateKey(key), GatewayPublicKey: ams.EncodePublicKey(&app.GatewayKey.PublicKey)})
	if err != nil {
		t.Fatal(err)
	}
	return shop
}
