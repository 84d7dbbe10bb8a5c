package e2e

import (
	"strings"
	"testing"

	"github.com/cashierpay/cashier/ams"
)

// strictPayBody is a pay that the sandbox approves; each case below breaks it in one place.
const strictPayBody = `{"productCode":"CASHIER_PAYMENT","paymentRequestId":"REQ",` +
	`"paymentAmount":{"currency":"USD","value":"10000"},` +
	`"order":{"referenceOrderId":"O1","orderDescription":"Tea","buyer":{"referenceBuyerId":"B1"}},` +
	`"env":{"terminalType":"WEB"},"paymentRedirectUrl":"https://m.example/return","paymentNotifyUrl":"https://m.example/notify",` +
	`"paymentMethod":{"paymentMethodType":"CARD","paymentMethodMetaData":{"cardNo":"4054695723100768","cvv":"123",` +
	`"expiryYear":"30","expiryMonth":"12","cardholderName":{"fullName":"Ada Lovelace"},` +
	`"billingAddress":{"region":"US","city":"Springfield","address1":"1 Main St"}}}}`

// TestStrictBodies: a body with two readings (a key twice, keys equal but for case, a case
// variant of a field, at any depth), text a database cannot hold (NUL) or of unbounded
// length, or a notify URL with credentials, is PARAM_ILLEGAL naming the field, on both
// engines, before anything is stored: the request id stays unknown, and nothing is logged as
// an ERROR (PostgreSQL used to answer a NUL with UNKNOWN_EXCEPTION).
func TestStrictBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	post := func(api, body string) ams.Result {
		t.Helper()
		var r ams.ErrorResponse
		e.postSigned(api, []byte(body), &r)
		return r.Result
	}

	// The unbroken body pays, so each refusal below is the broken part's.
	ok := uniq("strict-ok")
	if r := post(ams.APIPay, strings.Replace(strictPayBody, "REQ", ok, 1)); r.ResultCode != "SUCCESS" {
		t.Fatalf("unbroken pay: %+v", r)
	}

	usd := `"paymentAmount":{"currency":"USD","value":"10000"}`
	card := `"cardNo":"4054695723100768"`
	name := `"fullName":"Ada Lovelace"`
	address := `"address1":"1 Main St"`
	pays := []struct {
		name, from, to, field, why string
	}{
		{"key twice, the second in upper case", usd, usd + `,"PAYMENTAMOUNT":{"currency":"JPY","value":"7"}`, "paymentAmount", "differ only in case"},
		{"same key twice", usd, usd + `,"paymentAmount":{"currency":"JPY","value":"7"}`, "paymentAmount", "twice"},
		{"case variant of a field", usd, strings.Replace(usd, "paymentAmount", "PaymentAmount", 1), "PaymentAmount", "case-sensitive"},
		{"duplicate inside paymentMethodMetaData", card, card + `,"cardNo":"5162770472561357"`, "paymentMethod.paymentMethodMetaData.cardNo", "twice"},
		{"NUL in cardholderName", name, `"fullName":"Ada\u0000Lovelace"`, "paymentMethod.paymentMethodMetaData.cardholderName.fullName", "U+0000"},
		{"200 KB cardholderName", name, `"fullName":"` + strings.Repeat("A", 200<<10) + `"`, "paymentMethod.paymentMethodMetaData.cardholderName.fullName", "longer than 128"},
		{"10 KB billing line", address, `"address1":"` + strings.Repeat("A", 10<<10) + `"`, "paymentMethod.paymentMethodMetaData.billingAddress.address1", "longer than 256"},
		{"notify URL with credentials", "https://m.example/notify", "https://user:pass@m.example/notify", "paymentNotifyUrl", "credentials"},
	}
	for _, tc := range pays {
		t.Run(tc.name, func(t *testing.T) {
			id := uniq("strict")
			body := strings.Replace(strings.Replace(strictPayBody, "REQ", id, 1), tc.from, tc.to, 1)
			if body == strings.Replace(strictPayBody, "REQ", id, 1) {
				t.Fatal("the case does not change the body")
			}
			wantRefused(t, post(ams.APIPay, body), tc.field, tc.why)
			if r := post(ams.APIInquiryPayment, `{"paymentRequestId":"`+id+`"}`); r.ResultCode != "ORDER_NOT_EXIST" {
				t.Errorf("the refused pay left something behind: inquiry answers %+v", r)
			}
		})
	}

	lookups := []struct {
		api, field string
	}{
		{ams.APIInquiryPayment, "paymentRequestId"}, {ams.APIInquiryPayment, "paymentId"},
		{ams.APICancel, "paymentRequestId"}, {ams.APICancel, "paymentId"},
		{ams.APIInquiryRefund, "refundRequestId"}, {ams.APIInquiryRefund, "refundId"},
	}
	for _, tc := range lookups {
		t.Run("NUL in "+tc.api+" "+tc.field, func(t *testing.T) {
			wantRefused(t, post(tc.api, `{"`+tc.field+`":"X\u0000Y"}`), tc.field, "U+0000")
		})
	}

	if logs := e.logs.String(); strings.Contains(logs, "level=ERROR") {
		t.Errorf("refused bodies were logged as errors:\n%s", logs)
	}
}

func wantRefused(t *testing.T, r ams.Result, field, why string) {
	t.Helper()
	if r.ResultStatus != "F" || r.ResultCode != "PARAM_ILLEGAL" || !strings.HasPrefix(r.ResultMessage, field+" ") || !strings.Contains(r.ResultMessage, why) {
		t.Errorf("result %+v, want F/PARAM_ILLEGAL naming %s (%q)", r, field, why)
	}
}
