package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/antom"
	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/payment"
)

func sessionReq(value int64) *ams.CreatePaymentSessionRequest {
	return &ams.CreatePaymentSessionRequest{
		ProductCode: "CASHIER_PAYMENT", PaymentRequestID: uniq("sess"),
		Order:              &ams.Order{ReferenceOrderID: uniq("order"), OrderDescription: "Cashier mug"},
		PaymentAmount:      &ams.Amount{Currency: "USD", Value: "1250"},
		PaymentMethod:      &ams.PaymentMethod{PaymentMethodType: "CARD"},
		PaymentRedirectURL: "https://shop.example/return",
		ProductScene:       "CHECKOUT_PAYMENT",
	}
}

// sessionToken decodes the session data as the browser SDK does.
func sessionToken(t *testing.T, data string) (string, antom.SessionConfig) {
	t.Helper()
	parts := strings.Split(data, "&&")
	if len(parts) != 4 {
		t.Fatalf("session data has %d segments: %s", len(parts), data)
	}
	tok, err := base64.StdEncoding.DecodeString(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	js, err := base64.StdEncoding.DecodeString(parts[3])
	if err != nil {
		t.Fatal(err)
	}
	var cfg antom.SessionConfig
	if err := json.Unmarshal(js, &cfg); err != nil {
		t.Fatal(err)
	}
	return string(tok), cfg
}

func TestCreatePaymentSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	req := sessionReq(1250)
	resp, err := e.c.CreatePaymentSession(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	wantResult(t, resp.Result, "S", "SUCCESS")
	if resp.PaymentSessionID == "" || resp.NormalURL == "" {
		t.Fatalf("session: %+v", resp)
	}
	exp, _ := ams.ParseTime(resp.PaymentSessionExpiryTime)
	if d := exp.Sub(e.clock.Now()); d < 59*time.Minute || d > 61*time.Minute {
		t.Fatalf("session lasts %v, want an hour", d)
	}
	token, cfg := sessionToken(t, resp.PaymentSessionData)
	if cfg.PaymentSessionConfig.ProductScene != "CASHIER_PAYMENT" || cfg.PaymentSessionConfig.PaymentMethodCategoryType != "CARD" ||
		cfg.Cashier.Gateway != e.baseURL || cfg.Cashier.Token != token || len(strings.SplitN(token, ".", 2)[1]) < 22 {
		t.Fatalf("session config: %+v", cfg)
	}
	// Idempotent: the same request gives the same session; other parameters are refused.
	again, _ := e.c.CreatePaymentSession(ctx, req)
	if again.PaymentSessionData != resp.PaymentSessionData || again.PaymentSessionID != resp.PaymentSessionID {
		t.Fatal("a repeated createPaymentSession made another session")
	}
	req.PaymentAmount.Value = "999"
	bad, _ := e.c.CreatePaymentSession(ctx, req)
	wantResult(t, bad.Result, "F", "REPEAT_REQ_INCONSISTENT")

	// Within the session the buyer may retry after a decline.
	decl := goodCard
	decl.Number = visaDecl
	v, err := e.app.Checkout.SubmitCard(ctx, token, decl)
	if err != nil || v.Step != checkout.StepCard || v.DeclineCode != "DO_NOT_HONOR" || v.Status != payment.Processing {
		t.Fatalf("decline in a session: %+v %v", v, err)
	}
	v, err = e.app.Checkout.SubmitCard(ctx, token, goodCard)
	if err != nil || v.Status != payment.Success {
		t.Fatalf("retry in the session: %+v %v", v, err)
	}
	if inq, _ := e.c.InquiryPayment(ctx, &ams.InquiryPaymentRequest{PaymentRequestID: req.PaymentRequestID}); inq.PaymentStatus != "SUCCESS" {
		t.Fatalf("merchant sees %s after the retry", inq.PaymentStatus)
	}
	// Once final, the session is of no more use.
	if v, _ = e.app.Checkout.SubmitCard(ctx, token, goodCard); v.Step != checkout.StepResult {
		t.Fatalf("a finished session takes another card: %+v", v)
	}

	// A shorter expiry is honoured; one beyond an hour is refused; an expired session closes.
	short := sessionReq(500)
	short.PaymentSessionExpiryTime = ams.FormatTime(e.clock.Now().Add(10 * time.Minute))
	sresp, _ := e.c.CreatePaymentSession(ctx, short)
	wantResult(t, sresp.Result, "S", "SUCCESS")
	long := sessionReq(500)
	long.PaymentSessionExpiryTime = ams.FormatTime(e.clock.Now().Add(2 * time.Hour))
	lresp, _ := e.c.CreatePaymentSession(ctx, long)
	wantResult(t, lresp.Result, "F", "PARAM_ILLEGAL")
	stoken, _ := sessionToken(t, sresp.PaymentSessionData)
	e.advance(11 * time.Minute)
	if v, _ = e.app.Checkout.HostedPage(ctx, stoken); !v.Expired {
		t.Fatalf("expired session: %+v", v)
	}
	// Card data does not belong in a session.
	withCard := sessionReq(500)
	withCard.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":"4054695723100768"}`)
	cresp, _ := e.c.CreatePaymentSession(ctx, withCard)
	wantResult(t, cresp.Result, "F", "PARAM_ILLEGAL")
}
