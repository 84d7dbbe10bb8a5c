package client_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
)

func payRequest(id string) *ams.PayRequest {
	return &ams.PayRequest{
		ProductCode:      ams.ProductCashierPayment,
		PaymentRequestID: id,
		Order: &ams.Order{
			ReferenceOrderID: "order-" + id,
			OrderDescription: "<Cable> & plug", // encoding/json escapes <>&
			OrderAmount:      &ams.Amount{Currency: "USD", Value: "1000"},
		},
		PaymentAmount:      &ams.Amount{Currency: "USD", Value: "1000"},
		PaymentMethod:      &ams.PaymentMethod{PaymentMethodType: ams.PaymentMethodCard},
		PaymentRedirectURL: "https://merchant.example/return?id=" + id,
		PaymentNotifyURL:   "https://merchant.example/notify",
		PaymentFactor:      &ams.PaymentFactor{IsAuthorization: true, CaptureMode: ams.CaptureManual},
		Env:                &ams.Env{TerminalType: "WEB"},
	}
}

func TestPayHappyPath(t *testing.T) {
	g := newGateway(t)
	g.respond = func(api string, body []byte) (int, string) {
		if api != "pay" {
			t.Errorf("api = %s", api)
		}
		var req ams.PayRequest
		if err := ams.Decode(body, &req); err != nil {
			t.Errorf("gateway cannot decode pay: %v", err)
		}
		return 200, fmt.Sprintf(`{"result":{"resultCode":"PAYMENT_IN_PROCESS","resultStatus":"U","resultMessage":"in process"},`+
			`"paymentRequestId":%q,"paymentId":"2026112200000001","paymentAmount":{"currency":"USD","value":"1000"},`+
			`"paymentCreateTime":"2026-11-22T12:27:10+08:00","normalUrl":"https://cashier.example/pay/abc","futureField":[1,2,3]}`, req.PaymentRequestID)
	}
	c := newClient(t, g, "MERCHANT_0001")
	req := payRequest("R-1")
	resp, err := c.Pay(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Result.ResultStatus != ams.StatusUnknown || resp.Result.ResultCode != ams.CodePaymentInProcess {
		t.Errorf("result = %+v", resp.Result)
	}
	if resp.PaymentID != "2026112200000001" || resp.PaymentRequestID != "R-1" || resp.NormalURL != "https://cashier.example/pay/abc" ||
		resp.PaymentAmount == nil || resp.PaymentAmount.Value != "1000" {
		t.Errorf("resp = %+v", resp)
	}
	s := g.last(t)
	checkWire(t, s, "/ams/api/v1/payments/pay", "MERCHANT_0001", req)
	if !strings.Contains(string(s.Body), `\u003cCable\u003e \u0026 plug`) || !strings.Contains(string(s.Body), `"isAuthorization":true`) {
		t.Errorf("body not encoded like the SDK: %s", s.Body)
	}
}

func TestEveryAPIPathAndType(t *testing.T) {
	g := newGateway(t)
	g.respond = func(api string, body []byte) (int, string) {
		return 200, `{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentId":"P1","refundId":"F1","captureId":"C1","paymentSessionData":"data&&SG&&111","paymentStatus":"SUCCESS","refundStatus":"SUCCESS","paymentOptions":[{"paymentMethodType":"CARD","enabled":true}]}`
	}
	ctx := context.Background()
	for _, sandbox := range []bool{false, true} {
		clientID := "MERCHANT_0001"
		prefix := "/ams/api/v1/payments/"
		if sandbox {
			clientID = "SANDBOX_5X00000000000000"
			prefix = "/ams/sandbox/api/v1/payments/"
		}
		c := newClient(t, g, clientID)
		if c.Sandbox() != sandbox {
			t.Errorf("%s: Sandbox() = %v", clientID, c.Sandbox())
		}
		calls := []struct {
			api  string
			req  any
			call func() (string, error)
		}{
			{"pay", payRequest("R"), func() (string, error) {
				r, err := c.Pay(ctx, payRequest("R"))
				return field(r, func() string { return r.PaymentID }), err
			}},
			{"createPaymentSession", &ams.CreatePaymentSessionRequest{ProductCode: ams.ProductCashierPayment, PaymentRequestID: "S", EnableInstallmentCollection: true, ProductScene: "CHECKOUT_PAYMENT"}, func() (string, error) {
				r, err := c.CreatePaymentSession(ctx, &ams.CreatePaymentSessionRequest{ProductCode: ams.ProductCashierPayment, PaymentRequestID: "S", EnableInstallmentCollection: true, ProductScene: "CHECKOUT_PAYMENT"})
				return field(r, func() string { return r.PaymentSessionData }), err
			}},
			{"inquiryPayment", &ams.InquiryPaymentRequest{PaymentID: "P1"}, func() (string, error) {
				r, err := c.InquiryPayment(ctx, &ams.InquiryPaymentRequest{PaymentID: "P1"})
				return field(r, func() string { return r.PaymentStatus }), err
			}},
			{"capture", &ams.CaptureRequest{CaptureRequestID: "C", PaymentID: "P1", CaptureAmount: &ams.Amount{Currency: "USD", Value: "1000"}}, func() (string, error) {
				r, err := c.Capture(ctx, &ams.CaptureRequest{CaptureRequestID: "C", PaymentID: "P1", CaptureAmount: &ams.Amount{Currency: "USD", Value: "1000"}})
				return field(r, func() string { return r.CaptureID }), err
			}},
			{"cancel", &ams.CancelRequest{PaymentID: "P1"}, func() (string, error) {
				r, err := c.Cancel(ctx, &ams.CancelRequest{PaymentID: "P1"})
				return field(r, func() string { return r.PaymentID }), err
			}},
			{"refund", &ams.RefundRequest{RefundRequestID: "F", PaymentID: "P1", RefundAmount: &ams.Amount{Currency: "USD", Value: "1"}}, func() (string, error) {
				r, err := c.Refund(ctx, &ams.RefundRequest{RefundRequestID: "F", PaymentID: "P1", RefundAmount: &ams.Amount{Currency: "USD", Value: "1"}})
				return field(r, func() string { return r.RefundID }), err
			}},
			{"inquiryRefund", &ams.InquiryRefundRequest{RefundID: "F1"}, func() (string, error) {
				r, err := c.InquiryRefund(ctx, &ams.InquiryRefundRequest{RefundID: "F1"})
				return field(r, func() string { return r.RefundStatus }), err
			}},
			{"consult", &ams.ConsultRequest{ProductCode: ams.ProductCashierPayment, PaymentAmount: &ams.Amount{Currency: "USD", Value: "1"}}, func() (string, error) {
				r, err := c.Consult(ctx, &ams.ConsultRequest{ProductCode: ams.ProductCashierPayment, PaymentAmount: &ams.Amount{Currency: "USD", Value: "1"}})
				return field(r, func() string {
					if len(r.PaymentOptions) == 0 {
						return ""
					}
					return r.PaymentOptions[0].PaymentMethodType
				}), err
			}},
		}
		for _, tc := range calls {
			got, err := tc.call()
			if err != nil {
				t.Errorf("%s %s: %v", clientID, tc.api, err)
				continue
			}
			if got == "" {
				t.Errorf("%s %s: response field not decoded", clientID, tc.api)
			}
			checkWire(t, g.last(t), prefix+tc.api, clientID, tc.req)
			if p := c.Path(tc.api); p != prefix+tc.api {
				t.Errorf("Path(%s) = %s", tc.api, p)
			}
		}
	}
}

func field[T any](r *T, f func() string) string {
	if r == nil {
		return ""
	}
	return f()
}

func TestSandboxPathRewrite(t *testing.T) {
	g := newGateway(t)
	yes, no := true, false
	cases := []struct {
		name     string
		clientID string
		sandbox  *bool
		api      string
		want     string
	}{
		{"SANDBOX_ id", "SANDBOX_5X00000000000000", nil, "pay", "/ams/sandbox/api/v1/payments/pay"},
		{"production id", "5X00000000000000", nil, "pay", "/ams/api/v1/payments/pay"},
		{"sandbox forced on", "5X00000000000000", &yes, "pay", "/ams/sandbox/api/v1/payments/pay"},
		{"sandbox forced off", "SANDBOX_5X00000000000000", &no, "pay", "/ams/api/v1/payments/pay"},
		{"lowercase prefix is production", "sandbox_5X", nil, "pay", "/ams/api/v1/payments/pay"},
		{"full path rewritten", "SANDBOX_5X", nil, "/ams/api/v1/vaults/inquireVaulting", "/ams/sandbox/api/v1/vaults/inquireVaulting"},
		{"full path kept", "5X", nil, "/ams/api/v1/vaults/inquireVaulting", "/ams/api/v1/vaults/inquireVaulting"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, g, tc.clientID, func(cfg *client.Config) { cfg.Sandbox = tc.sandbox })
			if got := c.Path(tc.api); got != tc.want {
				t.Errorf("Path = %s, want %s", got, tc.want)
			}
			var resp ams.ErrorResponse
			if err := c.Call(context.Background(), tc.api, map[string]string{"paymentId": "P1"}, &resp); err != nil {
				t.Fatal(err)
			}
			// The gateway verified the signature over the path it received: the client
			// signed the rewritten path.
			checkWire(t, g.last(t), tc.want, tc.clientID, map[string]string{"paymentId": "P1"})
			if resp.Result.ResultCode != ams.CodeSuccess {
				t.Errorf("result = %+v", resp.Result)
			}
		})
	}
}

func TestBaseURLTrailingSlash(t *testing.T) {
	g := newGateway(t)
	c := newClient(t, g, "MERCHANT_0001", func(cfg *client.Config) { cfg.BaseURL = g.srv.URL + "/" })
	if _, err := c.InquiryPayment(context.Background(), &ams.InquiryPaymentRequest{PaymentID: "P1"}); err != nil {
		t.Fatal(err)
	}
	if p := g.last(t).Path; p != "/ams/api/v1/payments/inquiryPayment" {
		t.Errorf("path = %q: trailing slash not trimmed", p)
	}
}

func TestFailResultIsNotAnError(t *testing.T) {
	g := newGateway(t)
	g.respond = func(api string, body []byte) (int, string) {
		return 200, `{"result":{"resultCode":"DO_NOT_HONOR","resultStatus":"F","resultMessage":"issuer declined"},"paymentRequestId":"R-2"}`
	}
	c := newClient(t, g, "MERCHANT_0001")
	resp, err := c.Pay(context.Background(), payRequest("R-2"))
	if err != nil {
		t.Fatalf("F result returned an error: %v", err)
	}
	if resp.Result.ResultStatus != ams.StatusFail || resp.Result.ResultCode != ams.CodeDoNotHonor || resp.Result.ResultMessage != "issuer declined" {
		t.Errorf("result = %+v", resp.Result)
	}
	if resp.PaymentRequestID != "R-2" {
		t.Errorf("resp = %+v", resp)
	}
}

func TestSignedErrorWithHTTPErrorStatusIsNotAnError(t *testing.T) {
	// The SDKs ignore the HTTP status; a signed answer is read whatever it is.
	g := newGateway(t)
	g.respond = func(api string, body []byte) (int, string) {
		return 500, `{"result":{"resultCode":"UNKNOWN_EXCEPTION","resultStatus":"U","resultMessage":"try again"}}`
	}
	c := newClient(t, g, "MERCHANT_0001")
	resp, err := c.Capture(context.Background(), &ams.CaptureRequest{CaptureRequestID: "C", PaymentID: "P"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Result.ResultStatus != ams.StatusUnknown || resp.Result.ResultCode != ams.CodeUnknownException {
		t.Errorf("result = %+v", resp.Result)
	}
}

func TestRequestSignatureRejectedByGateway(t *testing.T) {
	// A client with the wrong merchant key gets the gateway's signed INVALID_SIGNATURE
	// answer as a business failure, not as a Go error.
	g := newGateway(t)
	c := newClient(t, g, "MERCHANT_0001", func(cfg *client.Config) { cfg.MerchantPrivateKey = ams.EncodePrivateKey(strangerKey) })
	resp, err := c.Pay(context.Background(), payRequest("R-3"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Result.ResultCode != ams.CodeInvalidSignature || resp.Result.ResultStatus != ams.StatusFail {
		t.Errorf("result = %+v", resp.Result)
	}
	if g.last(t).VerifyOK {
		t.Error("gateway verified a request signed with the wrong key")
	}
}

func TestBadResponseSignatures(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(g *gateway)
		status int
	}{
		{"tampered body", func(g *gateway) {
			g.tamper = func(b []byte) []byte { return []byte(strings.Replace(string(b), `"S"`, `"F"`, 1)) }
		}, 200},
		{"extra whitespace in body", func(g *gateway) {
			g.tamper = func(b []byte) []byte { return append(b, '\n') }
		}, 200},
		{"missing signature", func(g *gateway) { g.unsigned = true }, 200},
		{"unsigned error page", func(g *gateway) {
			g.unsigned = true
			g.respond = func(string, []byte) (int, string) { return 502, "<html>Bad Gateway</html>" }
		}, 502},
		{"signed by another key", func(g *gateway) { g.signWith = strangerKey }, 200},
		{"signed by the merchant key", func(g *gateway) { g.signWith = merchantKey }, 200},
		{"response time changed", func(g *gateway) {
			g.respHeader = func(h http.Header) { h.Set("Response-Time", "2000-01-01T00:00:00+00:00") }
		}, 200},
		{"client id changed", func(g *gateway) {
			g.respHeader = func(h http.Header) { h.Set("Client-Id", "SOMEONE_ELSE") }
		}, 200},
		{"malformed header", func(g *gateway) {
			g.respHeader = func(h http.Header) { h.Set("Signature", "algorithm=RSA256,keyVersion=1,signature=***") }
		}, 200},
		{"header without signature", func(g *gateway) {
			g.respHeader = func(h http.Header) { h.Set("Signature", "algorithm=RSA256,keyVersion=1") }
		}, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := newGateway(t)
			tc.setup(g)
			c := newClient(t, g, "MERCHANT_0001")
			resp, err := c.Pay(context.Background(), payRequest("R-4"))
			var se *client.SignatureError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *client.SignatureError", err, err)
			}
			if resp != nil {
				t.Errorf("a response was returned with a bad signature: %+v", resp)
			}
			if se.Path != "/ams/api/v1/payments/pay" || se.StatusCode != tc.status {
				t.Errorf("SignatureError = %+v", se)
			}
			if !strings.Contains(err.Error(), "/ams/api/v1/payments/pay") {
				t.Errorf("message does not name the path: %v", err)
			}
		})
	}
}

func TestResponseSignatureWithSpaces(t *testing.T) {
	// The documentation's header form, with spaces, is accepted as well.
	g := newGateway(t)
	g.respHeader = func(h http.Header) { h.Set("Signature", strings.ReplaceAll(h.Get("Signature"), ",", ", ")) }
	c := newClient(t, g, "MERCHANT_0001")
	if _, err := c.Cancel(context.Background(), &ams.CancelRequest{PaymentID: "P1"}); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := map[string]string{
		"not JSON":       `Internal Server Error`,
		"no result":      `{"paymentId":"P1"}`,
		"empty result":   `{"result":{}}`,
		"wrong type":     `{"result":{"resultCode":"SUCCESS","resultStatus":"S"},"paymentAmount":{"currency":"USD","value":1000}}`,
		"result not obj": `{"result":"SUCCESS"}`,
		"truncated JSON": `{"result":{"resultCode":"SUCCESS","resultStatus":"S"`,
		"empty body":     ``,
		"array body":     `[]`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			g := newGateway(t)
			g.respond = func(string, []byte) (int, string) { return 200, body }
			c := newClient(t, g, "MERCHANT_0001")
			resp, err := c.Pay(context.Background(), payRequest("R-5"))
			if err == nil {
				t.Fatalf("no error; resp = %+v", resp)
			}
			var se *client.SignatureError
			if errors.As(err, &se) {
				t.Fatalf("signed body reported as a signature error: %v", err)
			}
			if resp != nil {
				t.Errorf("resp = %+v", resp)
			}
		})
	}
}

func TestCallWithNilResponse(t *testing.T) {
	g := newGateway(t)
	c := newClient(t, g, "MERCHANT_0001")
	if err := c.Call(context.Background(), ams.APICancel, &ams.CancelRequest{PaymentID: "P"}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestTransportErrors(t *testing.T) {
	g := newGateway(t)
	c := newClient(t, g, "MERCHANT_0001")
	g.srv.Close()
	_, err := c.Pay(context.Background(), payRequest("R-6"))
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v (%T), want a wrapped *url.Error", err, err)
	}
	var se *client.SignatureError
	if errors.As(err, &se) {
		t.Fatal("transport error reported as a signature error")
	}

	g2 := newGateway(t)
	c2 := newClient(t, g2, "MERCHANT_0001")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c2.Pay(ctx, payRequest("R-7")); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}

	g3 := newGateway(t)
	release := make(chan struct{})
	g3.respond = func(string, []byte) (int, string) { <-release; return 200, ams.AckBody }
	defer close(release)
	c3 := newClient(t, g3, "MERCHANT_0001", func(cfg *client.Config) { cfg.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond} })
	_, err = c3.Pay(context.Background(), payRequest("R-8"))
	if !errors.As(err, &ue) || !ue.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}
}

func TestConcurrentCalls(t *testing.T) {
	g := newGateway(t)
	g.respond = func(api string, body []byte) (int, string) {
		var req ams.InquiryPaymentRequest
		json.Unmarshal(body, &req)
		return 200, fmt.Sprintf(`{"result":{"resultCode":"SUCCESS","resultStatus":"S"},"paymentId":%q,"paymentStatus":"SUCCESS"}`, req.PaymentID)
	}
	c := newClient(t, g, "SANDBOX_5X")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("P%d", i)
			resp, err := c.InquiryPayment(context.Background(), &ams.InquiryPaymentRequest{PaymentID: id})
			if err != nil {
				t.Error(err)
				return
			}
			if resp.PaymentID != id {
				t.Errorf("got %s, want %s", resp.PaymentID, id)
			}
		}()
	}
	wg.Wait()
	for _, s := range g.requests() {
		if !s.VerifyOK {
			t.Errorf("request not verified: %v", s.VerifyEr)
		}
	}
}

func TestNewAcceptsKeyForms(t *testing.T) {
	keys(t)
	privDER, _ := x509.MarshalPKCS8PrivateKey(merchantKey)
	pubDER, _ := x509.MarshalPKIXPublicKey(&gatewayKey.PublicKey)
	privPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}))
	pubPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	for _, priv := range []string{ams.EncodePrivateKey(merchantKey), privPEM} {
		for _, pub := range []string{ams.EncodePublicKey(&gatewayKey.PublicKey), pubPEM} {
			c, err := client.New(client.Config{BaseURL: "https://cashier.example", ClientID: "M", MerchantPrivateKey: priv, GatewayPublicKey: pub})
			if err != nil {
				t.Fatal(err)
			}
			if !c.GatewayPublicKey().Equal(&gatewayKey.PublicKey) || c.ClientID() != "M" {
				t.Error("wrong key or client id")
			}
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	keys(t)
	good := client.Config{
		BaseURL:            "https://cashier.example",
		ClientID:           "M",
		MerchantPrivateKey: ams.EncodePrivateKey(merchantKey),
		GatewayPublicKey:   ams.EncodePublicKey(&gatewayKey.PublicKey),
	}
	if _, err := client.New(good); err != nil {
		t.Fatal(err)
	}
	bad := map[string]func(*client.Config){
		"no base URL":        func(c *client.Config) { c.BaseURL = "" },
		"relative base URL":  func(c *client.Config) { c.BaseURL = "cashier.example" },
		"ftp base URL":       func(c *client.Config) { c.BaseURL = "ftp://cashier.example" },
		"base URL query":     func(c *client.Config) { c.BaseURL = "https://cashier.example/?a=b" },
		"no client id":       func(c *client.Config) { c.ClientID = "" },
		"no private key":     func(c *client.Config) { c.MerchantPrivateKey = "" },
		"bad private key":    func(c *client.Config) { c.MerchantPrivateKey = "not a key" },
		"public as private":  func(c *client.Config) { c.MerchantPrivateKey = good.GatewayPublicKey },
		"no gateway key":     func(c *client.Config) { c.GatewayPublicKey = "" },
		"bad gateway key":    func(c *client.Config) { c.GatewayPublicKey = "AAAA" },
		"private as gateway": func(c *client.Config) { c.GatewayPublicKey = good.MerchantPrivateKey },
	}
	for name, mod := range bad {
		cfg := good
		mod(&cfg)
		if _, err := client.New(cfg); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
}

// TestPayCreditPayPlan: the plan goes out with the SDKs' JSON types and comes back typed in
// paymentResultInfo, whether the answer writes its numbers as numbers or as strings.
func TestPayCreditPayPlan(t *testing.T) {
	g := newGateway(t)
	g.respond = func(api string, body []byte) (int, string) {
		if !strings.Contains(string(body), `"creditPayPlan":{"installmentNum":6,"interval":"MONTH"}`) {
			t.Errorf("pay body %s", body)
		}
		return 200, `{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentId":"P1",` +
			`"paymentResultInfo":{"cardNo":"400605******5268","creditPayPlan":{"installmentNum":"6","interval":"MONTH","creditPayFeeType":"PERCENTAGE","feePercentage":0}}}`
	}
	req := payRequest("R-plan")
	req.CreditPayPlan = &ams.CreditPayPlan{InstallmentNum: 6, Interval: ams.IntervalMonth}
	resp, err := newClient(t, g, "MERCHANT_0001").Pay(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := ams.CreditPayPlan{InstallmentNum: 6, Interval: ams.IntervalMonth, CreditPayFeeType: ams.CreditPayFeePercent}
	if pl := resp.PaymentResultInfo.CreditPayPlan; pl == nil || *pl != want {
		t.Errorf("creditPayPlan %+v, want %+v", pl, want)
	}
}
