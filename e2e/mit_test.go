package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
)

// cardOnFile is a customer-initiated pay that saves cardNo for merchant-initiated payments.
func cardOnFile(cardNo string) *ams.PayRequest {
	req := payReq(cardNo, "EUR", 999)
	req.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":"` + cardNo + `","cvv":"123","expiryMonth":"12","expiryYear":"30","isCardOnFile":true}`)
	return req
}

// mitReq is a merchant-initiated pay on token under the series' networkTransactionId.
func mitReq(token, ntid, recurring string, value int64) *ams.PayRequest {
	req := payReq("", "EUR", value)
	meta, _ := json.Marshal(map[string]any{"recurringType": recurring, "networkTransactionId": ntid, "isCardOnFile": true})
	req.PaymentMethod = &ams.PaymentMethod{PaymentMethodType: ams.PaymentMethodCard, PaymentMethodID: token, PaymentMethodMetaData: meta}
	return req
}

// paymentNotification is the body of the notifyPayment stored for a payment.
func (e *env) paymentNotification(paymentID string) *ams.PaymentNotification {
	e.t.Helper()
	ns, err := e.app.Store.NotificationListByPayment(context.Background(), paymentID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, n := range ns {
		if n.Kind == payment.NotifyPayment {
			var body ams.PaymentNotification
			if err := json.Unmarshal(n.Body, &body); err != nil {
				e.t.Fatal(err)
			}
			return &body
		}
	}
	e.t.Fatalf("no notifyPayment for %s", paymentID)
	return nil
}

// TestMITSeries: a customer-initiated payment with isCardOnFile saves the card and returns
// the networkTransactionId; merchant-initiated payments on the token under it then run with
// no buyer, no CVV and no 3-D Secure, and report in pay, inquiryPayment and notifyPayment.
// Series mix-ups are PARAM_ILLEGAL before anything is stored; the sandbox's MIT cards
// decline as documented.
func TestMITSeries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.pay(cardOnFile(visaOK))
	wantResult(t, first.Result, "S", "SUCCESS")
	info := first.PaymentResultInfo
	if info == nil || info.CardToken == "" || info.NetworkTransactionID == "" {
		t.Fatalf("initial payment's paymentResultInfo: %+v", info)
	}
	token, ntid := info.CardToken, info.NetworkTransactionID

	for _, recurring := range []string{"SCHEDULED", "UNSCHEDULED"} {
		req := mitReq(token, ntid, recurring, 1500)
		resp := e.pay(req)
		wantResult(t, resp.Result, "S", "SUCCESS")
		got := resp.PaymentResultInfo
		if got == nil || got.CardNo != "405469******0768" || got.CardToken != token || got.ThreeDSResult != nil || got.CvvResultRaw != "" ||
			got.NetworkTransactionID == "" || resp.NormalURL != "" {
			t.Fatalf("%s MIT: %+v (normalUrl %q)", recurring, got, resp.NormalURL)
		}
		inq := e.inquiry(resp.PaymentID)
		if inq.PaymentStatus != "SUCCESS" || inq.PaymentResultInfo == nil || inq.PaymentResultInfo.NetworkTransactionID != got.NetworkTransactionID {
			t.Fatalf("%s MIT inquiry: %+v", recurring, inq)
		}
		if n := e.paymentNotification(resp.PaymentID); n.Result.ResultCode != "SUCCESS" || n.PaymentResultInfo == nil ||
			n.PaymentResultInfo.NetworkTransactionID != got.NetworkTransactionID {
			t.Fatalf("%s MIT notification: %+v", recurring, n)
		}
		p, err := e.app.Store.PaymentGet(context.Background(), resp.PaymentID)
		if err != nil || p.Order.RecurringType != recurring {
			t.Fatalf("%s MIT stored: %+v %v", recurring, p, err)
		}
	}

	// Another card's series, an unknown one, and a token of another card: refused, nothing stored.
	other := e.pay(cardOnFile(mcOK))
	wantResult(t, other.Result, "S", "SUCCESS")
	for name, req := range map[string]*ams.PayRequest{
		"another card's networkTransactionId": mitReq(token, other.PaymentResultInfo.NetworkTransactionID, "SCHEDULED", 100),
		"an unknown networkTransactionId":     mitReq(token, "000000000000000", "SCHEDULED", 100),
		"the series on another token":         mitReq(other.PaymentResultInfo.CardToken, ntid, "SCHEDULED", 100),
	} {
		resp := e.pay(req)
		wantResult(t, resp.Result, "F", "PARAM_ILLEGAL")
		if !strings.Contains(resp.Result.ResultMessage, "networkTransactionId") || resp.PaymentID != "" {
			t.Fatalf("%s: %+v", name, resp)
		}
		byReq, err := e.c.InquiryPayment(context.Background(), &ams.InquiryPaymentRequest{PaymentRequestID: req.PaymentRequestID})
		if err != nil || byReq.Result.ResultCode != "ORDER_NOT_EXIST" {
			t.Fatalf("%s: stored anyway: %+v %v", name, byReq, err)
		}
	}
	// What only a buyer could give is refused on a MIT.
	withCVV := mitReq(token, ntid, "SCHEDULED", 100)
	withCVV.PaymentMethod.PaymentMethodMetaData = []byte(`{"recurringType":"SCHEDULED","networkTransactionId":"` + ntid + `","cvv":"123"}`)
	resp := e.pay(withCVV)
	wantResult(t, resp.Result, "F", "PARAM_ILLEGAL")
	if !strings.Contains(resp.Result.ResultMessage, "cvv") {
		t.Fatalf("MIT with cvv: %+v", resp.Result)
	}
	noToken := payReq(visaOK, "EUR", 100)
	noToken.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":"4054695723100768","expiryMonth":"12","expiryYear":"30","recurringType":"SCHEDULED","networkTransactionId":"` + ntid + `"}`)
	resp = e.pay(noToken)
	wantResult(t, resp.Result, "F", "PARAM_ILLEGAL")
	if !strings.Contains(resp.Result.ResultMessage, "paymentMethodId") {
		t.Fatalf("MIT without token: %+v", resp.Result)
	}

	// The sandbox's MIT cards: approved while the buyer pays, declined as documented after.
	for _, tt := range []struct{ card, recurring, code string }{
		{"4000000000006017", "SCHEDULED", "SUCCESS"},
		{"4000000000006017", "UNSCHEDULED", "DO_NOT_HONOR"},
		{"4000000000006025", "SCHEDULED", "ISSUER_REJECTS_TRANSACTION"},
		{"4000000000003220", "UNSCHEDULED", "SUCCESS"}, // challenged when the buyer pays; never on a MIT
	} {
		initial := cardOnFile(tt.card)
		if tt.card == "4000000000003220" {
			// The 3-D Secure card's series starts from the merchant's own MPI result.
			initial.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":"` + tt.card + `","cvv":"123","expiryMonth":"12","expiryYear":"30","isCardOnFile":true,` +
				`"mpiData":{"threeDSVersion":"2.2.0","eci":"05","cavv":"AAABBBCCC","dsTransactionId":"f25084f0-5b16-4c0a-ae5d-b24808a95e4b"}}`)
		}
		cit := e.pay(initial)
		wantResult(t, cit.Result, "S", "SUCCESS")
		resp := e.pay(mitReq(cit.PaymentResultInfo.CardToken, cit.PaymentResultInfo.NetworkTransactionID, tt.recurring, 700))
		wantResult(t, resp.Result, ams.CodeStatus(tt.code), tt.code)
		if resp.PaymentID == "" || resp.NormalURL != "" {
			t.Fatalf("%s %s: %+v", tt.card, tt.recurring, resp)
		}
		if n := e.paymentNotification(resp.PaymentID); n.Result.ResultCode != tt.code {
			t.Fatalf("%s %s: notification %+v", tt.card, tt.recurring, n.Result)
		}
	}
}

// TestCoBadged: a co-badged card pays on its domestic brand unless selectedCardBrand names its
// other one; a brand the card does not carry is SELECTED_CARD_BRAND_NOT_AVAILABLE; the brand
// that authorized is cardBrand in pay, inquiryPayment and notifyPayment, and a saved
// co-badged card can be paid on either brand.
func TestCoBadged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const cbVisa = "4973010000000004"
	withBrand := func(cardNo, brand string, tokenize bool) *ams.PayRequest {
		req := payReq(cardNo, "EUR", 2500)
		meta, _ := json.Marshal(map[string]any{"cardNo": cardNo, "cvv": "123", "expiryMonth": "12", "expiryYear": "30", "selectedCardBrand": brand, "tokenize": tokenize})
		req.PaymentMethod.PaymentMethodMetaData = meta
		return req
	}
	for _, tt := range []struct{ card, brand, want string }{
		{cbVisa, "", "CARTES_BANCAIRES"},
		{cbVisa, "CARTES_BANCAIRES", "CARTES_BANCAIRES"},
		{cbVisa, "VISA", "VISA"},
		{"5137010000000004", "MASTERCARD", "MASTERCARD"},
		{"4576310000000009", "VISA", "VISA"},
		{"4576310000000009", "", "ELO"},
		{visaOK, "VISA", "VISA"},
	} {
		resp := e.pay(withBrand(tt.card, tt.brand, false))
		wantResult(t, resp.Result, "S", "SUCCESS")
		if resp.PaymentResultInfo.CardBrand != tt.want {
			t.Fatalf("%s choosing %q: cardBrand %s, want %s", tt.card, tt.brand, resp.PaymentResultInfo.CardBrand, tt.want)
		}
		if inq := e.inquiry(resp.PaymentID); inq.PaymentResultInfo.CardBrand != tt.want {
			t.Fatalf("%s choosing %q: inquiry cardBrand %s", tt.card, tt.brand, inq.PaymentResultInfo.CardBrand)
		}
		if n := e.paymentNotification(resp.PaymentID); n.PaymentResultInfo.CardBrand != tt.want {
			t.Fatalf("%s choosing %q: notification cardBrand %s", tt.card, tt.brand, n.PaymentResultInfo.CardBrand)
		}
	}
	for _, tt := range []struct{ card, brand string }{
		{cbVisa, "MASTERCARD"},
		{cbVisa, "ELO"},
		{visaOK, "CARTES_BANCAIRES"},
		{cbVisa, "NOSUCH"},
	} {
		req := withBrand(tt.card, tt.brand, false)
		resp := e.pay(req)
		wantResult(t, resp.Result, "F", "SELECTED_CARD_BRAND_NOT_AVAILABLE")
		if resp.PaymentID != "" || !strings.Contains(resp.Result.ResultMessage, tt.brand) {
			t.Fatalf("%s choosing %s: %+v", tt.card, tt.brand, resp)
		}
	}
	// Saved on Visa, paid again on Cartes Bancaires, then on the saved brand.
	saved := e.pay(withBrand(cbVisa, "VISA", true))
	wantResult(t, saved.Result, "S", "SUCCESS")
	for _, tt := range []struct{ brand, want string }{{"CARTES_BANCAIRES", "CARTES_BANCAIRES"}, {"", "VISA"}} {
		again := payReq("", "EUR", 300)
		meta, _ := json.Marshal(map[string]any{"selectedCardBrand": tt.brand})
		again.PaymentMethod = &ams.PaymentMethod{PaymentMethodType: "CARD", PaymentMethodID: saved.PaymentResultInfo.CardToken, PaymentMethodMetaData: meta}
		resp := e.pay(again)
		wantResult(t, resp.Result, "S", "SUCCESS")
		if resp.PaymentResultInfo.CardBrand != tt.want {
			t.Fatalf("token choosing %q: cardBrand %s, want %s", tt.brand, resp.PaymentResultInfo.CardBrand, tt.want)
		}
	}
}
