package ams_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/ams"
)

func TestBoolAcceptsBooleansAndStrings(t *testing.T) {
	cases := []struct {
		json string
		want ams.Bool
	}{
		{`true`, true},
		{`"true"`, true},
		{`false`, false},
		{`"false"`, false},
		{`null`, false},
		{` true `, true},
	}
	for _, tc := range cases {
		var pf ams.PaymentFactor
		body := `{"isAuthorization":` + tc.json + `,"captureMode":"MANUAL"}`
		if err := ams.Decode([]byte(body), &pf); err != nil {
			t.Errorf("Decode(%s) = %v", body, err)
			continue
		}
		if pf.IsAuthorization != tc.want {
			t.Errorf("Decode(%s): isAuthorization = %v, want %v", body, pf.IsAuthorization, tc.want)
		}
		if pf.CaptureMode != "MANUAL" {
			t.Errorf("Decode(%s): captureMode lost", body)
		}
	}
	// A field that is absent stays false.
	var pf ams.PaymentFactor
	if err := ams.Decode([]byte(`{}`), &pf); err != nil || pf.IsAuthorization {
		t.Errorf("absent flag: %v, %v", pf.IsAuthorization, err)
	}
	// null leaves an earlier true alone? encoding/json calls UnmarshalJSON with null for
	// non-pointer Unmarshalers, and Bool sets false.
	b := ams.Bool(true)
	if err := json.Unmarshal([]byte(`null`), &b); err != nil || b {
		t.Errorf("null: %v, %v", b, err)
	}
}

func TestBoolRejectsOthersNamingTheField(t *testing.T) {
	for _, v := range []string{`1`, `0`, `"yes"`, `"1"`, `"t"`, `{}`, `[]`, `[true]`, `1.5`} {
		body := `{"productCode":"CASHIER_PAYMENT","paymentFactor":{"isAuthorization":` + v + `}}`
		var req ams.PayRequest
		err := ams.Decode([]byte(body), &req)
		var fe *ams.FieldError
		if !errors.As(err, &fe) {
			t.Errorf("isAuthorization=%s: err = %v (%T), want *FieldError", v, err, err)
			continue
		}
		if fe.Field != "paymentFactor.isAuthorization" {
			t.Errorf("isAuthorization=%s: Field = %q, want paymentFactor.isAuthorization", v, fe.Field)
		}
		if !strings.Contains(fe.Error(), "paymentFactor.isAuthorization") || !strings.Contains(fe.Reason, "boolean") {
			t.Errorf("isAuthorization=%s: message %q does not name field and type", v, fe.Error())
		}
	}
}

func TestBoolMarshalsAsJSONBoolean(t *testing.T) {
	b, err := json.Marshal(ams.PaymentFactor{IsAuthorization: true, CaptureMode: ams.CaptureManual})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"isAuthorization":true,"captureMode":"MANUAL"}` {
		t.Errorf("Marshal = %s", b)
	}
	b, _ = json.Marshal(ams.PaymentFactor{})
	if string(b) != `{}` {
		t.Errorf("false flag not omitted: %s", b)
	}
}

func TestDecodeNamesNestedFields(t *testing.T) {
	cases := []struct {
		name, body, field, want string
	}{
		{"amount value as number", `{"paymentAmount":{"currency":"USD","value":1000}}`, "paymentAmount.value", "string"},
		{"amount as string", `{"paymentAmount":"1000"}`, "paymentAmount", "object"},
		{"currency as number", `{"paymentAmount":{"currency":840,"value":"1000"}}`, "paymentAmount.currency", "string"},
		{"timeZoneOffset as string", `{"env":{"timeZoneOffset":"480"}}`, "env.timeZoneOffset", "number"},
		{"deep in order", `{"order":{"buyer":{"successfulOrderCount":"3"}}}`, "order.buyer.successfulOrderCount", "number"},
		{"in array element", `{"order":{"goods":[{"goodsName":"a"},{"goodsUnitAmount":{"value":5}}]}}`, "order.goods.goodsUnitAmount.value", "string"},
		{"goods not array", `{"order":{"goods":{}}}`, "order.goods", "array"},
		{"bool in payment method", `{"paymentMethod":{"paymentMethodType":"CARD","requireIssuerAuthentication":"maybe"}}`, "paymentMethod.requireIssuerAuthentication", "boolean"},
		{"top-level string field", `{"paymentRequestId":12}`, "paymentRequestId", "string"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var req ams.PayRequest
			err := ams.Decode([]byte(tc.body), &req)
			var fe *ams.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v (%T), want *FieldError", err, err)
			}
			if fe.Field != tc.field {
				t.Errorf("Field = %q, want %q (error %q)", fe.Field, tc.field, fe.Error())
			}
			if !strings.Contains(fe.Reason, "want "+tc.want) {
				t.Errorf("Reason = %q, want it to mention %q", fe.Reason, "want "+tc.want)
			}
		})
	}
}

func TestDecodeWholeBodyErrors(t *testing.T) {
	cases := map[string]string{
		"":                         "empty",
		"  \n":                     "empty",
		`[]`:                       "JSON object",
		`"x"`:                      "JSON object",
		`{"productCode":`:          "truncated",
		`{"productCode" "x"}`:      "not valid JSON",
		`{"productCode":"x"} {}`:   "after the JSON object",
		`{"productCode":"x"} junk`: "after the JSON object",
	}
	for body, want := range cases {
		var req ams.PayRequest
		err := ams.Decode([]byte(body), &req)
		var fe *ams.FieldError
		if !errors.As(err, &fe) {
			t.Errorf("Decode(%q) = %v (%T), want *FieldError", body, err, err)
			continue
		}
		if fe.Field != "" {
			t.Errorf("Decode(%q): Field = %q, want none", body, fe.Field)
		}
		if !strings.Contains(fe.Error(), want) {
			t.Errorf("Decode(%q) = %q, want it to mention %q", body, fe.Error(), want)
		}
	}
}

func TestDecodeIgnoresUnknownFieldsAndKeepsValues(t *testing.T) {
	body := `{"productCode":"CASHIER_PAYMENT","paymentRequestId":"R1","sdkOnly":{"x":[1,2]},` +
		`"paymentAmount":{"currency":"USD","value":"1000"},` +
		`"paymentMethod":{"paymentMethodType":"CARD","paymentMethodMetaData":{"cardNo":"4054695723100768","is3DSAuthentication":"true"}},` +
		`"paymentFactor":{"isAuthorization":true,"captureMode":"MANUAL"},"env":{"terminalType":"WEB","timeZoneOffset":-480}}`
	var req ams.PayRequest
	if err := ams.Decode([]byte(body), &req); err != nil {
		t.Fatal(err)
	}
	if req.PaymentRequestID != "R1" || req.PaymentAmount == nil || req.PaymentAmount.Value != "1000" ||
		!bool(req.PaymentFactor.IsAuthorization) || req.Env.TimeZoneOffset != -480 {
		t.Fatalf("decoded %+v", req)
	}
	var md ams.CardMetaData
	if err := ams.Decode(req.PaymentMethod.PaymentMethodMetaData, &md); err != nil {
		t.Fatal(err)
	}
	if md.CardNo != "4054695723100768" || !bool(md.Is3DSAuthentication) {
		t.Fatalf("metadata %+v", md)
	}
}

func TestDecodeCreatePaymentSessionRequest(t *testing.T) {
	body := `{"productCode":"CASHIER_PAYMENT","paymentRequestId":"S1","paymentAmount":{"currency":"SGD","value":"526"},` +
		`"paymentMethod":{"paymentMethodType":"CARD"},"paymentSessionExpiryTime":"2026-11-22T13:27:10+08:00",` +
		`"paymentRedirectUrl":"https://m.example/return","paymentNotifyUrl":"https://m.example/notify",` +
		`"paymentFactor":{"isAuthorization":"true"},"settlementStrategy":{"settlementCurrency":"SGD"},` +
		`"enableInstallmentCollection":"false","merchantRegion":"SG","env":{"terminalType":"WEB"},` +
		`"productScene":"CHECKOUT_PAYMENT","locale":"en_US"}`
	var req ams.CreatePaymentSessionRequest
	if err := ams.Decode([]byte(body), &req); err != nil {
		t.Fatal(err)
	}
	if req.PaymentRequestID != "S1" || req.ProductScene != "CHECKOUT_PAYMENT" || req.Locale != "en_US" ||
		bool(req.EnableInstallmentCollection) || !bool(req.PaymentFactor.IsAuthorization) ||
		req.PaymentSessionExpiryTime == "" || req.SettlementStrategy.SettlementCurrency != "SGD" {
		t.Fatalf("decoded %+v", req)
	}
	err := ams.Decode([]byte(`{"enableInstallmentCollection":1}`), &req)
	var fe *ams.FieldError
	if !errors.As(err, &fe) || fe.Field != "enableInstallmentCollection" {
		t.Fatalf("err = %v", err)
	}

	resp := ams.CreatePaymentSessionResponse{Result: ams.SuccessResult(), PaymentSessionData: "abc&&SG&&111", PaymentSessionID: "sid"}
	b, _ := json.Marshal(resp)
	want := `{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentSessionData":"abc\u0026\u0026SG\u0026\u0026111","paymentSessionId":"sid"}`
	if string(b) != want {
		t.Errorf("Marshal = %s\nwant      %s", b, want)
	}
}

// TestCreditPayPlan: installmentNum and feePercentage are numbers in the SDKs and strings in
// Antom's documentation; both decode, and the plan is written back with numbers.
func TestCreditPayPlan(t *testing.T) {
	for _, body := range []string{
		`{"creditPayPlan":{"installmentNum":3,"interval":"MONTH","creditPayFeeType":"PERCENTAGE","feePercentage":2}}`,
		`{"creditPayPlan":{"installmentNum":"3","interval":"MONTH","creditPayFeeType":"PERCENTAGE","feePercentage":"2"}}`,
	} {
		var req ams.PayRequest
		if err := ams.Decode([]byte(body), &req); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(req.CreditPayPlan)
		if want := `{"installmentNum":3,"interval":"MONTH","creditPayFeeType":"PERCENTAGE","feePercentage":2}`; string(b) != want {
			t.Errorf("%s: %s, want %s", body, b, want)
		}
	}
	for _, bad := range []string{`"3.0"`, `3.5`, `"x"`, `true`, `2147483648`, `{}`} {
		var req ams.PayRequest
		err := ams.Decode([]byte(`{"creditPayPlan":{"installmentNum":`+bad+`}}`), &req)
		var fe *ams.FieldError
		if !errors.As(err, &fe) || fe.Field != "creditPayPlan.installmentNum" {
			t.Errorf("installmentNum %s: %v", bad, err)
		}
	}
}

func TestFieldErrorMessage(t *testing.T) {
	if got := (&ams.FieldError{Field: "a.b", Reason: "is required"}).Error(); got != "a.b is required" {
		t.Errorf("got %q", got)
	}
	if got := (&ams.FieldError{Reason: "request body is empty"}).Error(); got != "request body is empty" {
		t.Errorf("got %q", got)
	}
}

func TestAckBodyAndResults(t *testing.T) {
	b, err := json.Marshal(ams.ErrorResponse{Result: ams.SuccessResult()})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != ams.AckBody {
		t.Errorf("SuccessResult marshals to %s, want %s", b, ams.AckBody)
	}
	for code, st := range map[string]string{
		ams.CodeSuccess: ams.StatusSuccess, ams.CodePaymentInProcess: ams.StatusUnknown,
		ams.CodeUnknownException: ams.StatusUnknown, ams.CodeDoNotHonor: ams.StatusFail,
		ams.CodeVerificationInProcess: ams.StatusUnknown, ams.CodeVerificationFail: ams.StatusFail,
		"SOMETHING_NEW": ams.StatusFail,
	} {
		if got := ams.CodeStatus(code); got != st {
			t.Errorf("CodeStatus(%s) = %s, want %s", code, got, st)
		}
	}
}

func TestTimeRoundTrip(t *testing.T) {
	for _, s := range []string{"2026-11-22T12:27:10+08:00", "2019-04-04T12:08:56+05:30", "2023-04-06T03:28:49-07:00"} {
		tm, err := ams.ParseTime(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := ams.FormatTime(tm); got != s {
			t.Errorf("FormatTime(ParseTime(%s)) = %s", s, got)
		}
	}
	if _, err := ams.ParseTime("2023-04-06T03:28:49.123Z"); err != nil {
		t.Errorf("fractional Z time: %v", err)
	}
	if _, err := ams.ParseTime("1685599933871"); err == nil {
		t.Error("epoch accepted as ISO time")
	}
}

// BenchmarkDecodePayRequest decodes a server-to-server card pay as a merchant's SDK sends
// it, through the strict decoder every request goes through. CI runs it briefly so that it
// keeps building; docs/performance.md says how to read it.
func BenchmarkDecodePayRequest(b *testing.B) {
	body := []byte(`{"productCode":"CASHIER_PAYMENT","paymentRequestId":"R1","order":{"referenceOrderId":"O1","orderDescription":"A book","orderAmount":{"currency":"USD","value":"1000"},"buyer":{"referenceBuyerId":"B1"},"env":{"terminalType":"WEB"}},"paymentAmount":{"currency":"USD","value":"1000"},"paymentMethod":{"paymentMethodType":"CARD","paymentMethodMetaData":{"cardNo":"4054695723100768","cvv":"123","expiryYear":"29","expiryMonth":"02","cardholderName":{"firstName":"A","lastName":"B"},"billingAddress":{"region":"US"}}},"paymentRedirectUrl":"https://m.example/r","paymentNotifyUrl":"https://m.example/n","paymentFactor":{"isAuthorization":true,"captureMode":"MANUAL"},"settlementStrategy":{"settlementCurrency":"USD"},"env":{"terminalType":"WEB","browserInfo":{"userAgent":"x"}}}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var req ams.PayRequest
		if err := ams.Decode(body, &req); err != nil {
			b.Fatal(err)
		}
		var meta ams.CardMetaData
		if err := ams.Decode(req.PaymentMethod.PaymentMethodMetaData, &meta); err != nil {
			b.Fatal(err)
		}
	}
}
