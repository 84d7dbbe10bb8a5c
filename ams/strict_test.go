package ams_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/ams"
)

// TestDecodeRefusesSecondReadings: a body that another JSON parser would read differently
// from encoding/json (equal keys, keys equal ignoring case, a case variant of a field), or
// whose text a database cannot hold, is a FieldError naming the field, at any depth.
func TestDecodeRefusesSecondReadings(t *testing.T) {
	const amount = `{"currency":"USD","value":"10000"}`
	// Past the size up to which keys are compared pairwise, they are compared folded.
	var many strings.Builder
	for i := range 20 {
		fmt.Fprintf(&many, `"k%d":%d,`, i, i)
	}
	cases := []struct {
		name, body, field, reason string
	}{
		{"same key twice", `{"paymentAmount":` + amount + `,"paymentAmount":{"currency":"JPY","value":"7"}}`, "paymentAmount", "twice"},
		{"key again in upper case", `{"paymentAmount":` + amount + `,"PAYMENTAMOUNT":{"currency":"JPY","value":"7"}}`, "paymentAmount", `"PAYMENTAMOUNT"`},
		{"case variant of a field", `{"PaymentAmount":` + amount + `}`, "PaymentAmount", "paymentAmount"},
		{"case variant of a nested field", `{"paymentAmount":{"Currency":"USD","value":"1"}}`, "paymentAmount.Currency", "currency"},
		{"nested duplicate", `{"order":{"buyer":{"referenceBuyerId":"a","REFERENCEBUYERID":"b"}}}`, "order.buyer.referenceBuyerId", "differ only in case"},
		{"duplicate in an array element", `{"order":{"goods":[{"goodsName":"a"},{"goodsName":"b","goodsName":"c"}]}}`, "order.goods[1].goodsName", "twice"},
		{"duplicate inside raw metadata", `{"paymentMethod":{"paymentMethodType":"CARD","paymentMethodMetaData":{"cardNo":"4054695723100768","cardNo":"5162770472561357"}}}`, "paymentMethod.paymentMethodMetaData.cardNo", "twice"},
		{"duplicate under an unknown field", `{"sdkOnly":{"a":1,"A":2}}`, "sdkOnly.a", "differ only in case"},
		{"duplicate top-level unknown field", `{"x":1,"x":2}`, "x", "twice"},
		{"keys equal under Unicode folding", `{"kid":1,"\u212aid":2}`, "kid", "differ only in case"},
		{"duplicate in a large object", `{"x":{` + many.String() + `"k7":0}}`, "x.k7", "twice"},
		{"folded duplicate in a large object", `{"x":{` + many.String() + `"\u212a7":0}}`, "x.k7", "differ only in case"},
		{"escaped spelling of the same key", `{"paymentRequestId":"a","payment\u0052equestId":"b"}`, "paymentRequestId", "twice"},
		{"case variant once a reference is resolved", `{"x":{"Currency":"JPY","value":"1"},"paymentAmount":{"$ref":"$.x"}}`, "paymentAmount.Currency", "case-sensitive"},
		{"NUL", `{"paymentRequestId":"a\u0000b"}`, "paymentRequestId", "U+0000"},
		{"unit separator", `{"paymentRequestId":"a\u001f"}`, "paymentRequestId", "U+001F"},
		{"backspace escape", `{"order":{"orderDescription":"a\bb"}}`, "order.orderDescription", "U+0008"},
		{"form feed escape", `{"order":{"orderDescription":"a\fb"}}`, "order.orderDescription", "U+000C"},
		{"DEL escaped", `{"paymentRequestId":"a\u007f"}`, "paymentRequestId", "U+007F"},
		{"DEL raw", "{\"paymentRequestId\":\"a\x7f\"}", "paymentRequestId", "U+007F"},
		{"NUL deep in metadata", `{"paymentMethod":{"paymentMethodMetaData":{"cardholderName":{"fullName":"A\u0000B"}}}}`, "paymentMethod.paymentMethodMetaData.cardholderName.fullName", "U+0000"},
		{"NUL under an unknown field", `{"sdkOnly":["ok","\u0000"]}`, "sdkOnly[1]", "U+0000"},
		{"NUL in a key", `{"order":{"a\u0000":1}}`, "order", "has a key that holds the control character U+0000"},
		{"invalid UTF-8", "{\"paymentRequestId\":\"a\xffb\"}", "paymentRequestId", "UTF-8"},
		{"invalid UTF-8 in a key", "{\"a\xff\":1}", "", "request body has a key that is not valid UTF-8"},
		{"lone high surrogate", `{"paymentRequestId":"a\ud800b"}`, "paymentRequestId", "surrogate"},
		{"high surrogate at the end", `{"paymentRequestId":"a\ud800"}`, "paymentRequestId", "surrogate"},
		{"high surrogate before a non-surrogate", `{"paymentRequestId":"\ud800\u0041"}`, "paymentRequestId", "surrogate"},
		{"lone low surrogate", `{"paymentRequestId":"\udc00"}`, "paymentRequestId", "surrogate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var req ams.PayRequest
			err := ams.Decode([]byte(tc.body), &req)
			var fe *ams.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode = %v (%T), want *FieldError", err, err)
			}
			if fe.Field != tc.field || !strings.Contains(fe.Error(), tc.reason) {
				t.Errorf("Decode = field %q, %q; want field %q and a message with %q", fe.Field, fe.Error(), tc.field, tc.reason)
			}
		})
	}
}

// TestDecodeStrictAcceptsWhatSDKsSend: exact names, distinct keys, unknown fields, line
// breaks and tabs in text, and any valid Unicode stay accepted.
func TestDecodeStrictAcceptsWhatSDKsSend(t *testing.T) {
	body := `{"productCode":"CASHIER_PAYMENT","paymentRequestId":"R1","unknownField":{"a":1,"b":[{"a":1},{"a":2}]},` +
		`"order":{"orderDescription":"line 1\nline 2\r\n\ttabbed 😀 \ud83d\ude00 日本","referenceOrderId":"O1"},` +
		`"paymentAmount":{"currency":"USD","value":"1"},"metadata":"{\n  \"k\": \"v\"\n}",` +
		`"paymentMethod":{"paymentMethodType":"CARD","paymentMethodMetaData":{"cardNo":"4054695723100768","CARDNO_EXTRA":"x"}}}`
	var req ams.PayRequest
	if err := ams.Decode([]byte(body), &req); err != nil {
		t.Fatal(err)
	}
	if req.Order.OrderDescription != "line 1\nline 2\r\n\ttabbed 😀 😀 日本" || req.PaymentAmount.Value != "1" {
		t.Errorf("decoded %+v", req)
	}
	var md ams.CardMetaData
	if err := ams.Decode(req.PaymentMethod.PaymentMethodMetaData, &md); err != nil || md.CardNo != "4054695723100768" {
		t.Errorf("metadata: %+v, %v", md, err)
	}
}

// TestDecodeStrictKnowsEveryTarget: the case-variant rule follows the target type, so a raw
// JSON field's own fields are checked when it is decoded in turn, and a map target has no
// fields to vary but still no duplicate keys.
func TestDecodeStrictKnowsEveryTarget(t *testing.T) {
	var md ams.CardMetaData
	err := ams.Decode([]byte(`{"CardNo":"4054695723100768"}`), &md)
	var fe *ams.FieldError
	if !errors.As(err, &fe) || fe.Field != "CardNo" {
		t.Errorf("CardNo into CardMetaData: %v", err)
	}
	var m map[string]any
	if err := ams.Decode([]byte(`{"CardNo":"1"}`), &m); err != nil {
		t.Errorf("map: %v", err)
	}
	if err := ams.Decode([]byte(`{"a":{"b":1,"B":2}}`), &m); !errors.As(err, &fe) || fe.Field != "a.b" {
		t.Errorf("map with nested duplicate: %v", err)
	}
	var embedded struct {
		ams.Amount
		Note string `json:"note"`
	}
	if err := ams.Decode([]byte(`{"Value":"1"}`), &embedded); !errors.As(err, &fe) || fe.Field != "Value" {
		t.Errorf("case variant of a promoted field: %v", err)
	}
	if err := ams.Decode([]byte(`{"value":"1","note":"n"}`), &embedded); err != nil || embedded.Value != "1" {
		t.Errorf("promoted field: %v", err)
	}
}
