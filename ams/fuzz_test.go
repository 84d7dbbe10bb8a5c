package ams_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/ams"
)

// FuzzParseSignatureHeader checks that no Signature header makes the parser panic, that
// every error wraps ErrSignatureHeader, and that whatever FormatSignatureHeader writes
// parses back to the same bytes.
//
//	go test ./ams -run '^$' -fuzz FuzzParseSignatureHeader -fuzztime 10s
func FuzzParseSignatureHeader(f *testing.F) {
	f.Add(vectorHeader, []byte{0xfb, 0xff})
	f.Add(strings.ReplaceAll(vectorHeader, ",", ", "), []byte("x"))
	f.Add("algorithm=RSA256, keyVersion=1, signature=%2B%2F8%3D", []byte{0, 1, 2})
	f.Add("signature=", []byte{})
	f.Add("algorithm=RSA512,signature=AAAA", []byte{0xff})
	f.Add("keyVersion=,signature=%ZZ", []byte("\x00\x00\x00"))
	f.Add("signature=%0A", []byte("+/="))
	f.Add(",,,=,signature=signature=", []byte(strings.Repeat("\xfb", 256)))
	f.Add("", []byte(nil))

	f.Fuzz(func(t *testing.T, header string, sig []byte) {
		h, err := ams.ParseSignatureHeader(header)
		if err != nil {
			if !errors.Is(err, ams.ErrSignatureHeader) {
				t.Fatalf("ParseSignatureHeader(%q) error %v does not wrap ErrSignatureHeader", header, err)
			}
		} else if h.Algorithm != "" && h.Algorithm != "RSA256" {
			t.Fatalf("ParseSignatureHeader(%q) accepted algorithm %q", header, h.Algorithm)
		}

		formatted := ams.FormatSignatureHeader("1", sig)
		value, ok := strings.CutPrefix(formatted, "algorithm=RSA256,keyVersion=1,signature=")
		if !ok || strings.ContainsAny(value, " +/=,") {
			t.Fatalf("formatted header is not in the SDK form: %q", formatted)
		}
		back, err := ams.ParseSignatureHeader(formatted)
		if len(sig) == 0 {
			if err == nil && len(back.Signature) != 0 {
				t.Fatalf("empty signature came back as %x", back.Signature)
			}
			return
		}
		if err != nil {
			t.Fatalf("ParseSignatureHeader(FormatSignatureHeader(%x)) = %v", sig, err)
		}
		if !bytes.Equal(back.Signature, sig) {
			t.Fatalf("round trip: got %x, want %x", back.Signature, sig)
		}
		if back.Algorithm != "RSA256" || back.KeyVersion != "1" {
			t.Fatalf("round trip: algorithm %q keyVersion %q", back.Algorithm, back.KeyVersion)
		}
		// The same header in the documentation's spaced form parses identically.
		spaced, err := ams.ParseSignatureHeader(strings.ReplaceAll(formatted, ",", ", "))
		if err != nil || !bytes.Equal(spaced.Signature, sig) {
			t.Fatalf("spaced round trip: %v", err)
		}
	})
}

// requestTypes are the bodies cashier decodes from merchants. Each call returns a fresh
// pointer so that one decode does not leak into the next.
var requestTypes = []struct {
	name string
	new  func() any
}{
	{"PayRequest", func() any { return new(ams.PayRequest) }},
	{"CreatePaymentSessionRequest", func() any { return new(ams.CreatePaymentSessionRequest) }},
	{"InquiryPaymentRequest", func() any { return new(ams.InquiryPaymentRequest) }},
	{"CaptureRequest", func() any { return new(ams.CaptureRequest) }},
	{"CancelRequest", func() any { return new(ams.CancelRequest) }},
	{"RefundRequest", func() any { return new(ams.RefundRequest) }},
	{"InquiryRefundRequest", func() any { return new(ams.InquiryRefundRequest) }},
	{"ConsultRequest", func() any { return new(ams.ConsultRequest) }},
	{"CardMetaData", func() any { return new(ams.CardMetaData) }},
}

// FuzzDecodePayRequest checks that Decode never panics on any body for any request type,
// that every failure is a *FieldError, and that an accepted body survives a re-encode.
//
//	go test ./ams -run '^$' -fuzz FuzzDecodePayRequest -fuzztime 10s
func FuzzDecodePayRequest(f *testing.F) {
	f.Add([]byte(vectorBody))
	f.Add([]byte(`{"productCode":"CASHIER_PAYMENT","paymentRequestId":"R1","order":{"referenceOrderId":"O1","orderAmount":{"currency":"USD","value":"1000"},"buyer":{"referenceBuyerId":"B1","successfulOrderCount":3},"goods":[{"goodsName":"\u003cb\u003e","goodsUnitAmount":{"currency":"USD","value":"500"}}],"env":{"terminalType":"WEB"}},"paymentAmount":{"currency":"USD","value":"1000"},"paymentMethod":{"paymentMethodType":"CARD","paymentMethodMetaData":{"cardNo":"4054695723100768","cvv":"123","expiryYear":"29","expiryMonth":"02","cardholderName":{"firstName":"A","lastName":"B"},"billingAddress":{"region":"US"},"is3DSAuthentication":"true"}},"paymentRedirectUrl":"https://m.example/r","paymentNotifyUrl":"https://m.example/n","paymentFactor":{"isAuthorization":true,"captureMode":"MANUAL"},"settlementStrategy":{"settlementCurrency":"USD"},"env":{"terminalType":"WEB","timeZoneOffset":-480,"browserInfo":{"userAgent":"x"}}}`))
	f.Add([]byte(`{"productCode":"CASHIER_PAYMENT","paymentRequestId":"S1","enableInstallmentCollection":"false","productScene":"CHECKOUT_PAYMENT","locale":"en_US","paymentSessionExpiryTime":"2026-11-22T13:27:10+08:00"}`))
	f.Add([]byte(`{"captureRequestId":"C1","paymentId":"P1","captureAmount":{"currency":"USD","value":"1000"},"isLastCapture":true}`))
	f.Add([]byte(`{"refundRequestId":"F1","paymentId":"P1","refundAmount":{"currency":"USD","value":"1"},"refundReason":"x"}`))
	f.Add([]byte(`{"paymentId":"P1","paymentRequestId":"R1"}`))
	f.Add([]byte(`{"productCode":"CASHIER_PAYMENT","paymentAmount":{"currency":"USD","value":"1"},"allowedPaymentMethodRegions":["GLOBAL"]}`))
	f.Add([]byte(`{"paymentAmount":{"currency":"USD","value":1000}}`))
	f.Add([]byte(`{"paymentFactor":{"isAuthorization":"yes"}}`))
	f.Add([]byte(`{"creditPayPlan":{"installmentNum":"3","interval":"MONTH","creditPayFeeType":"PERCENTAGE","feePercentage":0}}`))
	f.Add([]byte(`{"creditPayPlan":{"installmentNum":2147483648}}`))
	f.Add([]byte(`{"env":{"timeZoneOffset":1e999}}`))
	f.Add([]byte(`{"order":{"goods":[{},null,1]}}`))
	f.Add([]byte(`{"a":1} trailing`))
	f.Add([]byte(`[`))
	f.Add([]byte(`null`))
	f.Add([]byte(``))
	f.Add([]byte("\xff\xfe{}"))
	f.Add([]byte(`{"paymentAmount":{"currency":"USD","value":"1"},"PAYMENTAMOUNT":{"currency":"JPY","value":"7"},"x":{"k":1,"\u212a":2}}`))
	f.Add([]byte(`{"paymentRequestId":"a\u0000\ud800\udc00\ud800","order":{"orderDescription":"\t\n\u007f"}}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		for _, rt := range requestTypes {
			v := rt.new()
			err := ams.Decode(data, v)
			if err != nil {
				if _, ok := err.(*ams.FieldError); !ok {
					t.Fatalf("Decode into %s: error %v is %T, want *ams.FieldError", rt.name, err, err)
				}
				if err.Error() == "" {
					t.Fatalf("Decode into %s: empty error message", rt.name)
				}
				continue
			}
			// Whatever was accepted must encode and decode again.
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("Decode into %s accepted %q but Marshal fails: %v", rt.name, data, err)
			}
			if err := ams.Decode(out, rt.new()); err != nil {
				t.Fatalf("Decode into %s accepted %q but not its re-encoding %s: %v", rt.name, data, out, err)
			}
		}
	})
}

// FuzzResolveRefs checks that no body makes ResolveRefs panic, that every failure is a
// *FieldError about valid JSON, that a body without references comes back untouched, and
// that a resolved body is valid JSON without references, which resolving again leaves as it is.
//
//	go test ./ams -run '^$' -fuzz FuzzResolveRefs -fuzztime 30s
func FuzzResolveRefs(f *testing.F) {
	f.Add([]byte(javaSDKPayBody))
	f.Add(payBody(`{"$ref":"$.order.orderAmount"}`))
	f.Add([]byte(`{"list":[{"x":1},{"$ref":"$.list[0]"}],"m":[[1,2],[3,{"$ref":"$.m[0][1]"}]]}`))
	f.Add([]byte(`[{"x":1},{"$ref":"$[0]"},{"$ref":"@"},{"$ref":".."}]`))
	f.Add([]byte(`{"a":{"x":1,"b":{"c":{"$ref":".."},"d":{"$ref":"@"},"e":{"$ref":"$"}}}}`))
	f.Add([]byte(`{"a":{"$ref":"$.b"},"b":{"$ref":"$.c"},"c":{"$ref":"$.a.x"}}`))
	f.Add([]byte(`{"a":{"p":{"$ref":"$.b"}},"b":{"q":{"$ref":"$.a"}}}`))
	f.Add([]byte(`{"a.b":1,"it's":2,"c":[{"$ref":"$['a.b']"},{"$ref":"$[\"it's\"]"},{"$ref":"$.a\\.b"},{"$ref":"$['it\\'s']"}]}`))
	f.Add([]byte(`{"a":1,"b":{"\u0024ref":"$.a"},"c":{"$\u0072ef":"\u0024.a"},"d":{"$ref":"$.a","x":1},"e":{"$ref":1},"f":{"$ref":"$.a","$ref":"$.a"}}`))
	f.Add([]byte(`{"n":1e400,"m":12345678901234567890,"s":"日本\ud83d\ude00<>&","c":[{"$ref":"$.n"},{"$ref":"$.m"},{"$ref":"$.s"}]}`))
	f.Add([]byte(`{"l":[1],"c":[{"$ref":"$.l[1]"},{"$ref":"$.l[-1]"},{"$ref":"$.nope"},{"$ref":""},{"$ref":"$..l"},{"$ref":"$['l"}]}`))
	f.Add([]byte(doublingBody(8, 4)))
	f.Add([]byte(`{"$ref":"$"}`))
	f.Add([]byte(`{"a":{"$ref":"$"}`))
	f.Add([]byte(`{"orderDescription":"$10 off"}`))
	f.Add([]byte(`{"$r\u0065f":"$"} {}`))
	f.Add([]byte(``))

	f.Fuzz(func(t *testing.T, data []byte) {
		in := bytes.Clone(data)
		out, err := ams.ResolveRefs(data)
		if !bytes.Equal(data, in) {
			t.Fatalf("ResolveRefs(%q) changed its argument", in)
		}
		valid := json.Valid(data)
		if err != nil {
			if _, ok := err.(*ams.FieldError); !ok || err.Error() == "" {
				t.Fatalf("ResolveRefs(%q): error %v is %T, want *ams.FieldError with a message", data, err, err)
			}
			if !valid {
				t.Fatalf("ResolveRefs(%q) = %v for invalid JSON, want it back unchanged", data, err)
			}
			return
		}
		if !valid || !holdsRef(t, data) {
			if !sameSlice(out, data) {
				t.Fatalf("ResolveRefs(%q) = %q, want the same slice back", data, out)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("ResolveRefs(%q) = %q, not valid JSON", data, out)
		}
		if holdsRef(t, out) {
			t.Fatalf("ResolveRefs(%q) = %q, which still holds a reference", data, out)
		}
		again, err := ams.ResolveRefs(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("ResolveRefs(%q) = %q, %v; want it unchanged", out, again, err)
		}
	})
}
