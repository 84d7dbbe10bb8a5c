package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
)

const (
	visaOK     = "4054695723100768"
	mcOK       = "5162774114974622"
	visaDecl   = "4054692760174822"
	mcDecl     = "5162770472561357"
	hyundaiOK  = "9490220011669217"
	luhnBroken = "4054695723100769"
)

func TestPayAutomaticCapture(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	req := payReq(visaOK, "USD", 1050)
	resp := e.pay(req)
	wantResult(t, resp.Result, "S", "SUCCESS")
	if resp.PaymentID == "" || resp.PaymentRequestID != req.PaymentRequestID {
		t.Fatalf("ids: %+v", resp)
	}
	if *resp.PaymentAmount != (ams.Amount{Currency: "USD", Value: "1050"}) || resp.PaymentTime == "" || resp.AuthExpiryTime == "" {
		t.Fatalf("amount/times: %+v", resp)
	}
	info := resp.PaymentResultInfo
	if info == nil {
		t.Fatal("no paymentResultInfo")
	}
	if info.CardNo != "405469******0768" || info.CardBrand != "VISA" || info.CardBin != "405469" || info.LastFour != "0768" ||
		info.ExpiryMonth != "12" || info.ExpiryYear != "30" || info.Funding == "" || info.IssuingCountry == "" ||
		info.CvvResultRaw == "" || info.NetworkTransactionID == "" || info.CardholderName != "Ada Lovelace" {
		t.Fatalf("paymentResultInfo: %+v", info)
	}
	if info.CardToken != "" {
		t.Fatalf("token without tokenize: %q", info.CardToken)
	}
	inq := e.inquiry(resp.PaymentID)
	if inq.PaymentStatus != "SUCCESS" || inq.PaymentResultCode != "SUCCESS" || inq.PaymentRequestID != req.PaymentRequestID {
		t.Fatalf("inquiry: %+v", inq)
	}
	if len(inq.Transactions) != 1 || inq.Transactions[0].TransactionType != "CAPTURE" || inq.Transactions[0].TransactionStatus != "SUCCESS" ||
		inq.Transactions[0].TransactionAmount.Value != "1050" {
		t.Fatalf("transactions: %+v", inq.Transactions)
	}
	// Inquiry by request id gives the same payment.
	byReq, err := e.c.InquiryPayment(context.Background(), &ams.InquiryPaymentRequest{PaymentRequestID: req.PaymentRequestID})
	if err != nil || byReq.PaymentID != resp.PaymentID {
		t.Fatalf("inquiry by request id: %+v %v", byReq, err)
	}
	// Both the payment result and the automatic capture are in the outbox.
	ns, err := e.app.Store.NotificationListByPayment(context.Background(), resp.PaymentID)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, n := range ns {
		kinds[n.Kind] = true
	}
	if !kinds[payment.NotifyPayment] || !kinds[payment.NotifyCapture] || len(ns) != 2 {
		t.Fatalf("notifications: %v", kinds)
	}
}

func TestPayDeclinesAndCardErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		name   string
		req    *ams.PayRequest
		status string
		code   string
	}{
		{"visa decline", payReq(visaDecl, "USD", 1000), "F", "DO_NOT_HONOR"},
		{"mastercard decline", payReq(mcDecl, "USD", 1000), "F", "DO_NOT_HONOR"},
		{"mastercard success", payReq(mcOK, "USD", 1000), "S", "SUCCESS"},
		{"korean hyundai", payReq(hyundaiOK, "KRW", 15000), "S", "SUCCESS"},
		{"risk amount 11", payReq(visaOK, "USD", 11), "F", "RISK_REJECT"},
		{"luhn invalid", payReq(luhnBroken, "USD", 1000), "F", "INVALID_CARD_NUMBER"},
		{"no brand", withMeta(payReq(visaOK, "USD", 1000), `{"cardNo":"1000000000000008","cvv":"123","expiryMonth":"12","expiryYear":"30"}`), "F", "CARD_NOT_SUPPORTED"},
		{"month 13", withMeta(payReq(visaOK, "USD", 1000), `{"cardNo":"4054695723100768","cvv":"123","expiryMonth":"13","expiryYear":"30"}`), "F", "INVALID_EXPIRATION_DATE"},
		{"expired", withMeta(payReq(visaOK, "USD", 1000), `{"cardNo":"4054695723100768","cvv":"123","expiryMonth":"01","expiryYear":"20"}`), "F", "CARD_EXPIRED"},
		{"two-digit cvv", withMeta(payReq(visaOK, "USD", 1000), `{"cardNo":"4054695723100768","cvv":"99","expiryMonth":"12","expiryYear":"30"}`), "F", "INVALID_CVV"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.pay(tc.req)
			wantResult(t, resp.Result, tc.status, tc.code)
			if resp.PaymentID == "" {
				t.Fatal("no paymentId")
			}
			inq := e.inquiry(resp.PaymentID)
			wantStatus := map[string]string{"S": "SUCCESS", "F": "FAIL"}[tc.status]
			if inq.PaymentStatus != wantStatus || inq.PaymentResultCode != tc.code {
				t.Fatalf("inquiry: %s/%s", inq.PaymentStatus, inq.PaymentResultCode)
			}
		})
	}
}

func withMeta(r *ams.PayRequest, meta string) *ams.PayRequest {
	r.PaymentMethod.PaymentMethodMetaData = []byte(meta)
	return r
}

func TestPayValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		name  string
		edit  func(r *ams.PayRequest)
		code  string
		field string
	}{
		{"no productCode", func(r *ams.PayRequest) { r.ProductCode = "" }, "PARAM_ILLEGAL", "productCode"},
		{"no request id", func(r *ams.PayRequest) { r.PaymentRequestID = "" }, "PARAM_ILLEGAL", "paymentRequestId"},
		{"long request id", func(r *ams.PayRequest) { r.PaymentRequestID = strings.Repeat("x", 65) }, "PARAM_ILLEGAL", "paymentRequestId"},
		{"no amount", func(r *ams.PayRequest) { r.PaymentAmount = nil }, "PARAM_ILLEGAL", "paymentAmount"},
		{"decimal amount", func(r *ams.PayRequest) { r.PaymentAmount.Value = "10.50" }, "PARAM_ILLEGAL", "paymentAmount.value"},
		{"negative amount", func(r *ams.PayRequest) { r.PaymentAmount.Value = "-5" }, "PARAM_ILLEGAL", "paymentAmount.value"},
		{"zero amount", func(r *ams.PayRequest) { r.PaymentAmount.Value = "0" }, "PARAM_ILLEGAL", "paymentAmount.value"},
		{"unknown currency", func(r *ams.PayRequest) { r.PaymentAmount.Currency = "XYZ" }, "CURRENCY_NOT_SUPPORT", "paymentAmount.currency"},
		{"no order", func(r *ams.PayRequest) { r.Order = nil }, "PARAM_ILLEGAL", "order"},
		{"no env", func(r *ams.PayRequest) { r.Env = nil }, "PARAM_ILLEGAL", "env.terminalType"},
		{"bad terminal", func(r *ams.PayRequest) { r.Env.TerminalType = "TV" }, "PARAM_ILLEGAL", "env.terminalType"},
		{"no redirect", func(r *ams.PayRequest) { r.PaymentRedirectURL = "" }, "PARAM_ILLEGAL", "paymentRedirectUrl"},
		{"bad notify url", func(r *ams.PayRequest) { r.PaymentNotifyURL = "ftp://x" }, "PARAM_ILLEGAL", "paymentNotifyUrl"},
		{"bad capture mode", func(r *ams.PayRequest) { r.PaymentFactor.CaptureMode = "LATER" }, "PARAM_ILLEGAL", "paymentFactor.captureMode"},
		{"not card", func(r *ams.PayRequest) { r.PaymentMethod.PaymentMethodType = "ALIPAY_CN" }, "PARAM_ILLEGAL", "paymentMethod.paymentMethodType"},
		{"metadata type", func(r *ams.PayRequest) { r.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":4054695723100768}`) }, "PARAM_ILLEGAL", "paymentMethod.paymentMethodMetaData.cardNo"},
		{"metadata bool", func(r *ams.PayRequest) {
			r.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":"4054695723100768","expiryMonth":"12","expiryYear":"30","tokenize":"maybe"}`)
		}, "PARAM_ILLEGAL", "paymentMethod.paymentMethodMetaData.tokenize"},
		{"no expiry", func(r *ams.PayRequest) {
			r.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":"4054695723100768"}`)
		}, "PARAM_ILLEGAL", "expiryMonth"},
		{"unknown token", func(r *ams.PayRequest) {
			r.PaymentMethod.PaymentMethodMetaData = nil
			r.PaymentMethod.PaymentMethodID = "ctok_nope"
		}, "PARAM_ILLEGAL", "paymentMethod.paymentMethodId"},
		{"expiry in past", func(r *ams.PayRequest) { r.PaymentExpiryTime = "2001-01-01T00:00:00Z" }, "PARAM_ILLEGAL", "paymentExpiryTime"},
		{"expiry garbage", func(r *ams.PayRequest) { r.PaymentExpiryTime = "tomorrow" }, "PARAM_ILLEGAL", "paymentExpiryTime"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := payReq(visaOK, "USD", 1000)
			tc.edit(r)
			resp := e.pay(r)
			wantResult(t, resp.Result, "F", tc.code)
			if !strings.Contains(resp.Result.ResultMessage, tc.field) {
				t.Fatalf("message %q does not name %s", resp.Result.ResultMessage, tc.field)
			}
			if resp.PaymentID != "" {
				t.Fatalf("a rejected request made payment %s", resp.PaymentID)
			}
		})
	}
}

func TestCurrencyExponents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, cur := range []string{"USD", "JPY", "KRW", "KWD", "BHD", "EUR"} {
		resp := e.pay(payReq(mcOK, cur, 1234))
		wantResult(t, resp.Result, "S", "SUCCESS")
		if resp.PaymentAmount.Currency != cur || resp.PaymentAmount.Value != "1234" {
			t.Fatalf("%s amount echoed as %+v", cur, resp.PaymentAmount)
		}
	}
}

func TestTokenizeAndPayWithToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	req := payReq(visaOK, "USD", 500)
	req.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":"4054695723100768","cvv":"123","expiryMonth":"12","expiryYear":"30","tokenize":true}`)
	first := e.pay(req)
	wantResult(t, first.Result, "S", "SUCCESS")
	token := first.PaymentResultInfo.CardToken
	if token == "" {
		t.Fatal("tokenize=true returned no cardToken")
	}
	again := payReq(visaOK, "USD", 700)
	again.PaymentMethod = &ams.PaymentMethod{PaymentMethodType: "CARD", PaymentMethodID: token}
	second := e.pay(again)
	wantResult(t, second.Result, "S", "SUCCESS")
	if second.PaymentResultInfo.CardNo != "405469******0768" || second.PaymentResultInfo.CardToken != token {
		t.Fatalf("token payment result info: %+v", second.PaymentResultInfo)
	}
	// The token belongs to buyer-1; another buyer of the same merchant cannot use it.
	other := payReq(visaOK, "USD", 700)
	other.Order.Buyer.ReferenceBuyerID = "buyer-2"
	other.PaymentMethod = &ams.PaymentMethod{PaymentMethodType: "CARD", PaymentMethodID: token}
	wantResult(t, e.pay(other).Result, "F", "PARAM_ILLEGAL")
	// String booleans, as Antom's documentation writes them, tokenize too.
	strReq := payReq(mcOK, "USD", 500)
	strReq.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":"5162774114974622","cvv":"123","expiryMonth":"12","expiryYear":"30","tokenize":"true"}`)
	if tok := e.pay(strReq).PaymentResultInfo.CardToken; tok == "" || tok == token {
		t.Fatalf("string tokenize gave token %q", tok)
	}
}

func TestConsult(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp, err := e.c.Consult(context.Background(), &ams.ConsultRequest{ProductCode: "CASHIER_PAYMENT", PaymentAmount: &ams.Amount{Currency: "KRW", Value: "10000"}, Env: &ams.Env{TerminalType: "WAP"}})
	if err != nil {
		t.Fatal(err)
	}
	wantResult(t, resp.Result, "S", "SUCCESS")
	if len(resp.PaymentOptions) != 1 || !resp.PaymentOptions[0].Enabled {
		t.Fatalf("options: %+v", resp.PaymentOptions)
	}
	brands := map[string]string{}
	for _, b := range resp.PaymentOptions[0].PaymentOptionDetail.SupportCardBrands {
		brands[b.CardBrand] = b.Logo.LogoURL
	}
	// Maestro and Mir too: the sandbox issuer approves them, and the form shows their marks.
	if brands["VISA"] == "" || brands["HYUNDAI"] == "" || brands["MAESTRO"] == "" || brands["MIR"] == "" {
		t.Fatalf("KRW brands: %v", brands)
	}
	logo, err := http.Get(brands["VISA"])
	if err != nil || logo.StatusCode != 200 || logo.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("logo %s: %v %v", brands["VISA"], err, logo)
	}
	logo.Body.Close()
	usd, _ := e.c.Consult(context.Background(), &ams.ConsultRequest{ProductCode: "CASHIER_PAYMENT", PaymentAmount: &ams.Amount{Currency: "USD", Value: "100"}})
	for _, b := range usd.PaymentOptions[0].PaymentOptionDetail.SupportCardBrands {
		if b.CardBrand == "HYUNDAI" {
			t.Fatal("Korean local brand offered for USD")
		}
	}
	bad, _ := e.c.Consult(context.Background(), &ams.ConsultRequest{ProductCode: "CASHIER_PAYMENT", PaymentAmount: &ams.Amount{Currency: "ZZZ", Value: "100"}})
	wantResult(t, bad.Result, "F", "CURRENCY_NOT_SUPPORT")
}

// TestTestCardCatalogue pays with every card of GET /sandbox/test-cards and checks the
// documented outcome.
func TestTestCardCatalogue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp, err := http.Get(e.baseURL + "/sandbox/test-cards")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var cards []struct {
		CardNo       string `json:"cardNo"`
		Brand        string `json:"brand"`
		ResultCode   string `json:"resultCode"`
		ResultStatus string `json:"resultStatus"`
		AvsResultRaw string `json:"avsResultRaw"`
		CvvResultRaw string `json:"cvvResultRaw"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&cards); err != nil {
		t.Fatal(err)
	}
	if len(cards) < 20 {
		t.Fatalf("catalogue has only %d cards", len(cards))
	}
	for _, c := range cards {
		t.Run(c.CardNo, func(t *testing.T) {
			cvv := "123"
			if c.Brand == "AMEX" {
				cvv = "1234"
			}
			currency := "USD"
			if c.Brand == "HYUNDAI" || c.Brand == "SAMSUNG" || c.Brand == "KOOKMIN" || c.Brand == "SHINHAN" || c.Brand == "LOTTE" || c.Brand == "BC" {
				currency = "KRW"
			}
			req := payReq(c.CardNo, currency, 2500)
			req.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":"` + c.CardNo + `","cvv":"` + cvv + `","expiryMonth":"12","expiryYear":"30",
				"billingAddress":{"region":"US","zipCode":"94107","address1":"1 Main St","city":"SF"}}`)
			got := e.pay(req)
			wantResult(t, got.Result, c.ResultStatus, c.ResultCode)
			if got.PaymentResultInfo == nil || got.PaymentResultInfo.CardBrand != c.Brand {
				t.Fatalf("brand: %+v, want %s", got.PaymentResultInfo, c.Brand)
			}
			if c.AvsResultRaw != "" && got.PaymentResultInfo.AvsResultRaw != c.AvsResultRaw {
				t.Fatalf("avs %q, want %q", got.PaymentResultInfo.AvsResultRaw, c.AvsResultRaw)
			}
			if c.CvvResultRaw != "" && got.PaymentResultInfo.CvvResultRaw != c.CvvResultRaw {
				t.Fatalf("cvv %q, want %q", got.PaymentResultInfo.CvvResultRaw, c.CvvResultRaw)
			}
		})
	}
}

func TestIssuerPendingResolvesLater(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pending := catalogueCard(t, e, "PAYMENT_IN_PROCESS", "approved 30 s later")
	resp := e.pay(payReq(pending, "USD", 900))
	wantResult(t, resp.Result, "U", "PAYMENT_IN_PROCESS")
	if st := e.inquiry(resp.PaymentID).PaymentStatus; st != "PROCESSING" {
		t.Fatalf("status %s, want PROCESSING", st)
	}
	e.advance(31 * time.Second)
	eventually(t, "pending payment resolved", func() bool {
		return e.inquiry(resp.PaymentID).PaymentStatus != "PROCESSING"
	})
	inq := e.inquiry(resp.PaymentID)
	if inq.PaymentStatus != "SUCCESS" && inq.PaymentStatus != "FAIL" {
		t.Fatalf("resolved to %s", inq.PaymentStatus)
	}
}

func TestProcessingPaymentExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	req := payReq(visaOK, "USD", 900)
	req.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":"4054695723100768","cvv":"123","expiryMonth":"12","expiryYear":"30","is3DSAuthentication":true}`)
	resp := e.pay(req)
	wantResult(t, resp.Result, "U", "PAYMENT_IN_PROCESS")
	e.advance(payment.DefaultExpiry + time.Second)
	eventually(t, "payment closed", func() bool { return e.inquiry(resp.PaymentID).PaymentStatus == "FAIL" })
	if code := e.inquiry(resp.PaymentID).PaymentResultCode; code != "ORDER_IS_CLOSED" {
		t.Fatalf("closed with %s", code)
	}
}

// catalogueCard finds a catalogue card with the given result code and (optional) text in
// its description.
func catalogueCard(t *testing.T, e *env, code, descContains string) string {
	t.Helper()
	resp, err := http.Get(e.baseURL + "/sandbox/test-cards")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var cards []struct {
		CardNo, ResultCode, Description string
	}
	json.NewDecoder(resp.Body).Decode(&cards)
	for _, c := range cards {
		if c.ResultCode == code && strings.Contains(strings.ToLower(c.Description), descContains) {
			return c.CardNo
		}
	}
	t.Fatalf("no catalogue card with %s %q", code, descContains)
	return ""
}
