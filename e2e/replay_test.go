package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/cli"
)

// TestRequestWindow: with merchant set --request-window, a signed pay whose Request-Time is
// missing, unreadable or outside the window is refused PARAM_ILLEGAL naming the header, in a
// signed answer, and nothing is stored; the forms the SDKs send inside it pass. Off (the
// default, and after --request-window 0) any Request-Time passes.
func TestRequestWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	path := "/ams/sandbox/api/v1/payments/pay"
	setWindow := func(w string) {
		t.Helper()
		var out bytes.Buffer
		args := []string{"merchant", "set", "--client-id", e.app.SandboxClient.ClientID, "--request-window", w, "--data", e.dir, "--db", e.db}
		if code := cli.Main(ctx, args, &out, os.Stderr); code != 0 {
			t.Fatalf("merchant set --request-window %s: exit %d", w, code)
		}
	}
	call := func(requestTime string) (req *ams.PayRequest, r ams.ErrorResponse) {
		t.Helper()
		req = payReq(visaOK, "USD", 500)
		body, _ := json.Marshal(req)
		resp, data := e.rawCall("POST", path, body, e.signedHeaders(path, requestTime, body))
		if err := e.verifyGatewaySignature(path, resp, data); err != nil {
			t.Fatalf("Request-Time %q: answer not signed: %v", requestTime, err)
		}
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatal(err)
		}
		return req, r
	}
	ms := func(d time.Duration) string { return strconv.FormatInt(time.Now().Add(d).UnixMilli(), 10) }
	tenYears := 10 * 365 * 24 * time.Hour

	setWindow("5m")
	for _, rt := range []string{"0", "abc", ms(-tenYears), ms(tenYears), ms(-6 * time.Minute), ms(6 * time.Minute)} {
		req, r := call(rt)
		if r.Result.ResultStatus != "F" || r.Result.ResultCode != "PARAM_ILLEGAL" || !strings.Contains(r.Result.ResultMessage, "Request-Time") {
			t.Errorf("Request-Time %q: %+v; want F PARAM_ILLEGAL naming Request-Time", rt, r.Result)
		}
		if _, err := e.app.Store.PaymentGetByRequestID(ctx, e.app.SandboxClient.ClientID, req.PaymentRequestID); err == nil {
			t.Errorf("Request-Time %q: the refused pay was stored", rt)
		}
	}
	for _, rt := range []string{ms(0), ms(-4 * time.Minute), strconv.FormatInt(time.Now().UnixNano(), 10), ams.FormatTime(time.Now())} {
		if _, r := call(rt); r.Result.ResultCode != "SUCCESS" {
			t.Errorf("Request-Time %q inside the window: %+v", rt, r.Result)
		}
	}
	wantResult(t, e.pay(payReq(visaOK, "USD", 500)).Result, "S", "SUCCESS") // the client, as the SDKs, sends milliseconds

	setWindow("0")
	for _, rt := range []string{"0", "abc", ms(-tenYears)} {
		if _, r := call(rt); r.Result.ResultCode != "SUCCESS" {
			t.Errorf("Request-Time %q with the window off: %+v", rt, r.Result)
		}
	}
}
