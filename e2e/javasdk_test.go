package e2e

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/payment"
)

// javaBody is a request body exactly as Java SDK 2.0.21 sends it (testdata/sdk/README.md).
func javaBody(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/sdk/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// postSigned posts body byte for byte to the sandbox path of api, signed over those bytes,
// and decodes the verified answer into out.
func (e *env) postSigned(api string, body []byte, out any) {
	e.t.Helper()
	path := ams.SandboxPathPrefix + api
	resp, data := e.rawCall("POST", path, body, e.signedHeaders(path, strconv.FormatInt(time.Now().UnixMilli(), 10), body))
	if err := e.verifyGatewaySignature(path, resp, data); err != nil {
		e.t.Fatalf("%s: answer not signed: %v", api, err)
	}
	if err := json.Unmarshal(data, out); err != nil {
		e.t.Fatalf("%s: %v: %s", api, err, data)
	}
}

// TestJavaSDK2021Bodies sends the bodies Java SDK 2.0.21 writes for Antom's samples, with
// fastjson's "$ref" references, byte for byte. The samples share their paymentRequestId,
// so each runs on a gateway of its own.
func TestJavaSDK2021Bodies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("card pay", func(t *testing.T) {
		e := newEnv(t)
		var r ams.PayResponse
		e.postSigned(ams.APIPay, javaBody(t, "java-2.0.21-card-pay.json"), &r)
		// The sample's card number fails the Luhn check; what matters is that the
		// referenced amount was read.
		wantResult(t, r.Result, "F", "INVALID_CARD_NUMBER")
		if r.PaymentAmount == nil || *r.PaymentAmount != (ams.Amount{Currency: "BRL", Value: "4200"}) || r.PaymentID == "" {
			t.Fatalf("paymentAmount {\"$ref\":\"$.order.orderAmount\"} was not resolved: %+v", r)
		}
	})

	t.Run("createPaymentSession", func(t *testing.T) {
		e := newEnv(t)
		var r ams.CreatePaymentSessionResponse
		e.postSigned(ams.APICreatePaymentSession, javaBody(t, "java-2.0.21-create-payment-session.json"), &r)
		wantResult(t, r.Result, "S", "SUCCESS")
		if _, cfg := sessionToken(t, r.PaymentSessionData); cfg.PaymentSessionFactor.PaymentAmount.Value != "4200" {
			t.Fatalf("session amount: %+v", cfg.PaymentSessionFactor)
		}
	})

	t.Run("Korean issuer authentication with MANUAL capture", func(t *testing.T) {
		e := newEnv(t)
		var r ams.PayResponse
		e.postSigned(ams.APIPay, javaBody(t, "java-2.0.21-korean-issuer-auth-pay.json"), &r)
		token := pageToken(t, &r)
		v, err := e.app.Checkout.HostedPage(ctx, token)
		if err != nil || v.Step != checkout.StepIssuer || v.IssuerBrand != "HYUNDAI" {
			t.Fatalf("the docs' Korean request is not an issuer authentication: %+v %v", v, err)
		}
		if v, err = e.app.Checkout.CompleteIssuerAuth(ctx, token, true); err != nil || v.Status != payment.Success {
			t.Fatalf("issuer approved: %+v %v", v, err)
		}
		inq := e.inquiry(r.PaymentID)
		if len(inq.Transactions) != 0 || inq.PaymentAmount.Value != "15000" {
			t.Fatalf("MANUAL payment after authorization: %+v", inq)
		}
		wantResult(t, e.capture(r.PaymentID, uniq("cap"), "KRW", 15000).Result, "S", "SUCCESS")
	})

	t.Run("references that do not resolve", func(t *testing.T) {
		e := newEnv(t)
		for body, field := range map[string]string{
			strings.Replace(string(javaBody(t, "java-2.0.21-create-payment-session.json")), "$.order.orderAmount", "$.order.nothing", 1):               "paymentAmount",
			`{"productCode":"CASHIER_PAYMENT","paymentRequestId":"cycle","order":{"referenceOrderId":"o","orderDescription":"d","self":{"$ref":"@"}}}`: "order.self",
		} {
			var r ams.ErrorResponse
			e.postSigned(ams.APICreatePaymentSession, []byte(body), &r)
			if r.Result.ResultCode != "PARAM_ILLEGAL" || !strings.HasPrefix(r.Result.ResultMessage, field+" ") {
				t.Fatalf("%s: %+v, want PARAM_ILLEGAL naming %s", body, r.Result, field)
			}
		}
	})
}
