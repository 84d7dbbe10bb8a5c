package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
	"github.com/cashierpay/cashier/internal/cli"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/sandbox"
	"github.com/cashierpay/cashier/internal/store/sqlite"
)

// simulate runs cashier sandbox simulate with args on e's gateway and returns what it
// printed; it fails the test unless the exit code is want.
func (e *env) simulate(want int, args ...string) string {
	e.t.Helper()
	var out, errOut bytes.Buffer
	args = append(append([]string{"sandbox", "simulate"}, args...), "--data", e.dir, "--db", e.db)
	if code := cli.Main(context.Background(), args, &out, &errOut); code != want {
		e.t.Fatalf("cashier %s exited %d, want %d: %s%s", strings.Join(args, " "), code, want, out.String(), errOut.String())
	}
	return out.String() + errOut.String()
}

// simulations posts body to one of the /sandbox/simulations routes, signed by the sandbox
// merchant, and decodes the verified answer into v.
func (e *env) simulations(path, body string, v any) {
	e.t.Helper()
	x, err := e.c.Send(context.Background(), path, []byte(body))
	if err != nil {
		e.t.Fatalf("%s: %v", path, err)
	}
	if err := json.Unmarshal(x.ResponseBody, v); err != nil {
		e.t.Fatalf("%s answered %s: %v", path, x.ResponseBody, err)
	}
}

// TestSimulationByCLI: a rule set with the CLI while the gateway runs declines the next pay
// as the issuer would: the failed payment is signed and in Antom's shape, stored, notified,
// found by inquiry, and answers a retry of its paymentRequestId with the same decline; the
// pay after it is normal again. Rules Antom does not document for the API are refused.
func TestSimulationByCLI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	merchant := e.app.SandboxClient.ClientID

	out := e.simulate(0, "add", "--merchant", merchant, "--api", "pay", "--result-code", "DO_NOT_HONOR", "--times", "1")
	var rule sandbox.RuleJSON
	if err := json.Unmarshal([]byte(out), &rule); err != nil || rule.ID == "" || rule.Effect != "DECLINE" || rule.Times != 1 {
		t.Fatalf("simulate add printed %s (%v)", out, err)
	}

	req := payReq(visaOK, "USD", 1050)
	resp := e.pay(req) // the client verified the gateway's signature
	wantResult(t, resp.Result, "F", "DO_NOT_HONOR")
	if resp.PaymentID == "" || resp.PaymentRequestID != req.PaymentRequestID || !strings.Contains(resp.Result.ResultMessage, rule.ID) {
		t.Fatalf("declined pay answered %+v", resp)
	}
	inq := e.inquiry(resp.PaymentID)
	if inq.PaymentStatus != ams.PaymentFail || inq.PaymentResultCode != "DO_NOT_HONOR" {
		t.Fatalf("inquiry of the declined payment: %s/%s", inq.PaymentStatus, inq.PaymentResultCode)
	}
	notes, err := e.app.Store.NotificationListByPayment(ctx, resp.PaymentID)
	if err != nil || len(notes) != 1 || !bytes.Contains(notes[0].Body, []byte(`"DO_NOT_HONOR"`)) {
		t.Fatalf("notifications of the declined payment: %v %v", notes, err)
	}

	// The rule is spent: a retry of the same request id is the same final answer, as Antom
	// gives for a payment that failed; a new request id pays.
	again := e.pay(req)
	wantResult(t, again.Result, "F", "DO_NOT_HONOR")
	if again.PaymentID != resp.PaymentID {
		t.Fatalf("the retry answered payment %s, want %s", again.PaymentID, resp.PaymentID)
	}
	wantResult(t, e.pay(payReq(visaOK, "USD", 1050)).Result, "S", "SUCCESS")
	if out := e.simulate(0, "list", "--merchant", merchant); strings.TrimSpace(out) != "[]" {
		t.Fatalf("simulate list after the rule was spent: %s", out)
	}

	// Until cleared, matching one request id only.
	out = e.simulate(0, "add", "--merchant", merchant, "--api", "pay", "--result-code", "RISK_REJECT", "--times", "0", "--request-id", "order-sim-1")
	if err := json.Unmarshal([]byte(out), &rule); err != nil || rule.Times != 0 || rule.RequestID != "order-sim-1" {
		t.Fatalf("simulate add printed %s (%v)", out, err)
	}
	wantResult(t, e.pay(payReq(visaOK, "USD", 1050)).Result, "S", "SUCCESS")
	matching := payReq(visaOK, "USD", 1050)
	matching.PaymentRequestID = "order-sim-1"
	wantResult(t, e.pay(matching).Result, "F", "RISK_REJECT")
	var listed []sandbox.RuleJSON
	if err := json.Unmarshal([]byte(e.simulate(0, "list", "--merchant", merchant)), &listed); err != nil || len(listed) != 1 || listed[0].Used != 1 {
		t.Fatalf("simulate list: %+v %v", listed, err)
	}
	if out := e.simulate(0, "clear", "--merchant", merchant); !strings.Contains(out, `"cleared": 1`) {
		t.Fatalf("simulate clear printed %s", out)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--api", "capture", "--result-code", "DO_NOT_HONOR"}, "not a result code Antom documents for capture"},
		{[]string{"--api", "pay", "--result-code", "SUCCESS"}, "SUCCESS is what pay answers without a rule"},
		{[]string{"--api", "payy", "--result-code", "PROCESS_FAIL"}, `"payy" is not an API`},
		{[]string{"--api", "pay", "--result-code", "DO_NOT_HONOR", "--amount", "10.50"}, "such as USD:1050"},
	} {
		args := append([]string{"add", "--merchant", merchant}, tc.args...)
		if out := e.simulate(1, args...); !strings.Contains(out, tc.want) {
			t.Errorf("simulate %v said %q, want %q", tc.args, out, tc.want)
		}
	}
	if out := e.simulate(1, "list", "--merchant", "NOBODY"); !strings.Contains(out, `no merchant has client id "NOBODY"`) {
		t.Errorf("simulate list of an unknown merchant said %q", out)
	}
}

// TestSimulationByHTTP: rules set over the signed /sandbox/simulations routes: a refusal
// stores nothing and the retry of its request id pays; an "in process" capture did capture,
// which the inquiry shows and the retry confirms; a rule limited to an amount leaves other
// amounts alone; list and clear; a wrong rule is PARAM_ILLEGAL, signed; an unsigned call
// is refused.
func TestSimulationByHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()

	var added struct {
		Result     ams.Result       `json:"result"`
		Simulation sandbox.RuleJSON `json:"simulation"`
	}
	e.simulations("/sandbox/simulations", `{"api":"pay","resultCode":"PARAM_ILLEGAL","requestId":"order-http-1"}`, &added)
	wantResult(t, added.Result, "S", "SUCCESS")
	if added.Simulation.Effect != "REFUSE" || added.Simulation.Times != 1 {
		t.Fatalf("added %+v", added.Simulation)
	}
	req := payReq(visaOK, "USD", 2000)
	req.PaymentRequestID = "order-http-1"
	resp := e.pay(req)
	wantResult(t, resp.Result, "F", "PARAM_ILLEGAL")
	if resp.PaymentID != "" {
		t.Fatalf("a refused pay answered paymentId %s", resp.PaymentID)
	}
	inq, err := e.c.InquiryPayment(ctx, &ams.InquiryPaymentRequest{PaymentRequestID: "order-http-1"})
	if err != nil {
		t.Fatal(err)
	}
	wantResult(t, inq.Result, "F", "ORDER_NOT_EXIST")
	wantResult(t, e.pay(req).Result, "S", "SUCCESS")

	// CAPTURE_IN_PROCESS: the capture ran; its answer says "unknown".
	auth := e.pay(manual(payReq(visaOK, "EUR", 3000)))
	wantResult(t, auth.Result, "S", "SUCCESS")
	e.simulations("/sandbox/simulations", `{"api":"capture","resultCode":"CAPTURE_IN_PROCESS","amount":{"currency":"EUR","value":"3000"},"times":1}`, &added)
	wantResult(t, added.Result, "S", "SUCCESS")
	capReq := uniq("capture")
	captured := e.capture(auth.PaymentID, capReq, "EUR", 3000)
	wantResult(t, captured.Result, "U", "CAPTURE_IN_PROCESS")
	if got := e.inquiry(auth.PaymentID); len(got.Transactions) == 0 || !hasCapture(got.Transactions) {
		t.Fatalf("inquiry after the capture in process shows no capture: %+v", got.Transactions)
	}
	wantResult(t, e.capture(auth.PaymentID, capReq, "EUR", 3000).Result, "S", "SUCCESS")

	// Until cleared, for one amount only.
	e.simulations("/sandbox/simulations", `{"api":"pay","resultCode":"UNKNOWN_EXCEPTION","amount":{"currency":"JPY","value":"500"},"times":0}`, &added)
	wantResult(t, added.Result, "S", "SUCCESS")
	wantResult(t, e.pay(payReq(visaOK, "JPY", 501)).Result, "S", "SUCCESS")
	for range 2 {
		jpy := payReq(visaOK, "JPY", 500)
		wantResult(t, e.pay(jpy).Result, "U", "UNKNOWN_EXCEPTION")
		// The payment went through behind the unknown answer; the retry tells.
		wantResult(t, e.pay(jpy).Result, "U", "UNKNOWN_EXCEPTION")
		inq, err := e.c.InquiryPayment(ctx, &ams.InquiryPaymentRequest{PaymentRequestID: jpy.PaymentRequestID})
		if err != nil || inq.PaymentStatus != ams.PaymentSuccess {
			t.Fatalf("inquiry behind UNKNOWN_EXCEPTION: %+v %v", inq, err)
		}
	}
	var list struct {
		Result      ams.Result         `json:"result"`
		Simulations []sandbox.RuleJSON `json:"simulations"`
	}
	e.simulations("/sandbox/simulations/list", `{}`, &list)
	if len(list.Simulations) != 1 || list.Simulations[0].Used != 4 || list.Simulations[0].Amount.Value != "500" {
		t.Fatalf("list: %+v", list)
	}
	var cleared struct {
		Result  ams.Result `json:"result"`
		Cleared int        `json:"cleared"`
	}
	e.simulations("/sandbox/simulations/clear", `{"id":"`+list.Simulations[0].ID+`"}`, &cleared)
	if cleared.Cleared != 1 {
		t.Fatalf("clear: %+v", cleared)
	}
	wantResult(t, e.pay(payReq(visaOK, "JPY", 500)).Result, "S", "SUCCESS")

	var refused struct {
		Result ams.Result `json:"result"`
	}
	e.simulations("/sandbox/simulations", `{"api":"refund","resultCode":"DO_NOT_HONOR"}`, &refused)
	wantResult(t, refused.Result, "F", "PARAM_ILLEGAL")
	if !strings.Contains(refused.Result.ResultMessage, "not a result code Antom documents for refund") {
		t.Fatalf("refusal says %q", refused.Result.ResultMessage)
	}
	e.simulations("/sandbox/simulations", `{"api":"pay","times":2}`, &refused)
	wantResult(t, refused.Result, "F", "PARAM_ILLEGAL")
	if !strings.Contains(refused.Result.ResultMessage, "resultCode is required") {
		t.Fatalf("refusal says %q", refused.Result.ResultMessage)
	}

	hres, body := e.rawCall(http.MethodPost, "/sandbox/simulations", []byte(`{"api":"pay","resultCode":"DO_NOT_HONOR"}`), http.Header{
		"Client-Id": {e.app.SandboxClient.ClientID}, "Request-Time": {strconv.FormatInt(time.Now().UnixMilli(), 10)}})
	var unsigned struct{ Result ams.Result }
	if err := json.Unmarshal(body, &unsigned); err != nil {
		t.Fatal(err)
	}
	wantResult(t, unsigned.Result, "F", "INVALID_SIGNATURE")
	if err := e.verifyGatewaySignature("/sandbox/simulations", hres, body); err != nil {
		t.Fatalf("the refusal of an unsigned add is not signed: %v", err)
	}
	if rules, err := e.app.Store.SandboxSimulationList(ctx, e.app.SandboxClient.ClientID, ""); err != nil || len(rules) != 0 {
		t.Fatalf("rules after an unsigned add: %v %v", rules, err)
	}
}

func hasCapture(ts []ams.Transaction) bool {
	for _, tr := range ts {
		if tr.TransactionType == "CAPTURE" && tr.TransactionStatus == ams.PaymentSuccess {
			return true
		}
	}
	return false
}

// TestSimulationTimeout: a TIMEOUT rule holds the answer past the merchant's client
// timeout; the pay went through behind it, so a retry of the same paymentRequestId (the
// rule spent) answers the one payment's outcome and the inquiry agrees.
func TestSimulationTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.simulate(0, "add", "--merchant", e.app.SandboxClient.ClientID, "--api", "pay", "--result-code", "TIMEOUT")

	sm := e.app.SandboxClient
	impatient, err := client.New(client.Config{BaseURL: e.baseURL, ClientID: sm.ClientID, MerchantPrivateKey: sm.MerchantPrivateKey,
		GatewayPublicKey: sm.GatewayPublicKey, HTTPClient: &http.Client{Timeout: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	req := payReq(visaOK, "USD", 4200)
	if _, err := impatient.Pay(ctx, req); err == nil || !isTimeout(err) {
		t.Fatalf("pay under a TIMEOUT rule: %v, want the client's timeout", err)
	}
	again := e.pay(req)
	wantResult(t, again.Result, "S", "SUCCESS")
	if inq := e.inquiry(again.PaymentID); inq.PaymentStatus != ams.PaymentSuccess || inq.PaymentRequestID != req.PaymentRequestID {
		t.Fatalf("inquiry after the timeout: %+v", inq)
	}
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// TestSimulationNotInProduction: a production gateway serves no /sandbox/simulations route
// and never reads the rules, even one written into its database.
func TestSimulationNotInProduction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	records, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "acquirer.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { records.Close() })
	db := testDB(t)
	app, err := cli.Open(ctx, cli.Options{DataDir: dir, DB: db, Production: true, Issuer: sandbox.NewIssuer(clock.Real{}, records),
		ACS: sandbox.ACS{}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler)
	t.Cleanup(func() { srv.Close(); app.Close() })

	for _, path := range []string{"/sandbox/simulations", "/sandbox/simulations/list", "/sandbox/simulations/clear"} {
		hres, err := http.Post(srv.URL+path, "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, hres.Body)
		hres.Body.Close()
		if hres.StatusCode != http.StatusNotFound {
			t.Errorf("production POST %s: HTTP %d, want 404", path, hres.StatusCode)
		}
	}

	shop := addShop(ctx, t, app, dir, db, srv.URL)
	if code := cli.Main(ctx, []string{"sandbox", "simulate", "add", "--data", dir, "--db", db, "--merchant", "SHOP_1", "--api", "pay", "--result-code", "DO_NOT_HONOR"}, io.Discard, io.Discard); code != 0 {
		t.Fatalf("simulate add exited %d", code)
	}
	resp, err := shop.Pay(ctx, payReq(visaOK, "USD", 700))
	if err != nil {
		t.Fatal(err)
	}
	wantResult(t, resp.Result, "S", "SUCCESS")
}
