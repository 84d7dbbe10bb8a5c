package antom

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
)

// parsed runs a body through the API's decoding and its request check, without a use case:
// what it answers is what the merchant would get before anything is stored.
func parsed(api string, body []byte) error {
	_, err := parseCommand(api, body)
	return err
}

func validPay() (*ams.PayRequest, *ams.CardMetaData) {
	return &ams.PayRequest{
			ProductCode: ams.ProductCashierPayment, PaymentRequestID: "R1",
			Order:         &ams.Order{ReferenceOrderID: "O1", OrderDescription: "Tea", Buyer: &ams.Buyer{ReferenceBuyerID: "B1"}},
			PaymentAmount: &ams.Amount{Currency: "USD", Value: "1000"}, Env: &ams.Env{TerminalType: "WEB"},
			PaymentMethod:      &ams.PaymentMethod{PaymentMethodType: ams.PaymentMethodCard},
			PaymentRedirectURL: "https://m.example/return", PaymentNotifyURL: "https://m.example/notify",
		}, &ams.CardMetaData{
			CardNo: "4054695723100768", CVV: "123", ExpiryYear: "30", ExpiryMonth: "12",
			CardholderName: &ams.Name{FullName: "Ada Lovelace"},
			BillingAddress: &ams.Address{Region: "US", City: "Springfield", Address1: "1 Main St", ZipCode: "12345"},
		}
}

func payBody(t testing.TB, edit func(*ams.PayRequest, *ams.CardMetaData)) []byte {
	t.Helper()
	req, md := validPay()
	edit(req, md)
	raw, err := json.Marshal(md)
	if err != nil {
		t.Fatal(err)
	}
	req.PaymentMethod.PaymentMethodMetaData = raw
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// TestRequestText: every string field of every request has a length in characters and, unless
// it is free text, no tab or line break; URLs to call or send the buyer to are absolute
// http(s) without credentials. Each failure is PARAM_ILLEGAL naming the field by its path.
func TestRequestText(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	type edit = func(*ams.PayRequest, *ams.CardMetaData)
	cases := []struct {
		name  string
		edit  edit
		field string // "" when accepted
		why   string
	}{
		{"valid", func(*ams.PayRequest, *ams.CardMetaData) {}, "", ""},
		{"fullName at its limit in characters, not bytes", func(_ *ams.PayRequest, m *ams.CardMetaData) {
			m.CardholderName.FullName = strings.Repeat("日", 128)
		}, "", ""},
		{"200 KB fullName", func(_ *ams.PayRequest, m *ams.CardMetaData) { m.CardholderName.FullName = long(200 << 10) },
			"paymentMethod.paymentMethodMetaData.cardholderName.fullName", "longer than 128"},
		{"fullName one over", func(_ *ams.PayRequest, m *ams.CardMetaData) { m.CardholderName.FullName = strings.Repeat("日", 129) },
			"paymentMethod.paymentMethodMetaData.cardholderName.fullName", "longer than 128"},
		{"10 KB billing line", func(_ *ams.PayRequest, m *ams.CardMetaData) { m.BillingAddress.Address1 = long(10 << 10) },
			"paymentMethod.paymentMethodMetaData.billingAddress.address1", "longer than 256"},
		{"billing city", func(_ *ams.PayRequest, m *ams.CardMetaData) { m.BillingAddress.City = long(129) },
			"paymentMethod.paymentMethodMetaData.billingAddress.city", "longer than 128"},
		{"line break in a name", func(_ *ams.PayRequest, m *ams.CardMetaData) { m.CardholderName.FirstName = "Ada\nEve" },
			"paymentMethod.paymentMethodMetaData.cardholderName.firstName", "one line"},
		{"cardNo", func(_ *ams.PayRequest, m *ams.CardMetaData) { m.CardNo = long(33) },
			"paymentMethod.paymentMethodMetaData.cardNo", "longer than 32"},
		{"line breaks in orderDescription", func(r *ams.PayRequest, _ *ams.CardMetaData) { r.Order.OrderDescription = "Tea\r\n\tand cake" }, "", ""},
		{"orderDescription", func(r *ams.PayRequest, _ *ams.CardMetaData) { r.Order.OrderDescription = long(257) },
			"order.orderDescription", "longer than 256"},
		{"tab in referenceOrderId", func(r *ams.PayRequest, _ *ams.CardMetaData) { r.Order.ReferenceOrderID = "O\t1" },
			"order.referenceOrderId", "one line"},
		{"referenceBuyerId", func(r *ams.PayRequest, _ *ams.CardMetaData) { r.Order.Buyer.ReferenceBuyerID = long(65) },
			"order.buyer.referenceBuyerId", "longer than 64"},
		{"a goods line", func(r *ams.PayRequest, _ *ams.CardMetaData) {
			r.Order.Goods = []ams.Goods{{GoodsName: "ok"}, {GoodsName: long(257)}}
		}, "order.goods[1].goodsName", "longer than 256"},
		{"a field without a documented length", func(r *ams.PayRequest, _ *ams.CardMetaData) { r.Env.DeviceModel = long(257) },
			"env.deviceModel", "longer than 256"},
		{"paymentRequestId", func(r *ams.PayRequest, _ *ams.CardMetaData) { r.PaymentRequestID = long(65) },
			"paymentRequestId", "longer than 64"},
		{"metadata is free text", func(r *ams.PayRequest, _ *ams.CardMetaData) { r.Metadata = "{\n  \"k\": 1\n}" }, "", ""},
		{"notify URL with credentials", func(r *ams.PayRequest, _ *ams.CardMetaData) { r.PaymentNotifyURL = "https://user:pass@m.example/n" },
			"paymentNotifyUrl", "credentials"},
		{"notify URL with a user only", func(r *ams.PayRequest, _ *ams.CardMetaData) { r.PaymentNotifyURL = "https://user@m.example/n" },
			"paymentNotifyUrl", "credentials"},
		{"notify URL not http", func(r *ams.PayRequest, _ *ams.CardMetaData) { r.PaymentNotifyURL = "gopher://m.example/n" },
			"paymentNotifyUrl", "absolute http"},
		{"notify URL without a host", func(r *ams.PayRequest, _ *ams.CardMetaData) { r.PaymentNotifyURL = "http://:8080/n" },
			"paymentNotifyUrl", "absolute http"},
		{"notify URL relative", func(r *ams.PayRequest, _ *ams.CardMetaData) { r.PaymentNotifyURL = "/notify" },
			"paymentNotifyUrl", "absolute http"},
		{"notify URL too long", func(r *ams.PayRequest, _ *ams.CardMetaData) { r.PaymentNotifyURL = "https://m.example/" + long(2048) },
			"paymentNotifyUrl", "longer than 2048"},
		{"redirect URL with credentials", func(r *ams.PayRequest, _ *ams.CardMetaData) { r.PaymentRedirectURL = "http://a:b@m.example/" },
			"paymentRedirectUrl", "credentials"},
		{"notify URL on a port", func(r *ams.PayRequest, _ *ams.CardMetaData) { r.PaymentNotifyURL = "http://127.0.0.1:8080/n?x=1" }, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantParamError(t, parsed(ams.APIPay, payBody(t, tc.edit)), tc.field, tc.why)
		})
	}
}

// TestOtherRequestsText: the same rules hold in every API's body.
func TestOtherRequestsText(t *testing.T) {
	cases := []struct {
		name, api, body, field, why string
	}{
		{"inquiry id", ams.APIInquiryPayment, `{"paymentId":"` + strings.Repeat("9", 65) + `"}`, "paymentId", "longer than 64"},
		{"NUL in an inquiry id", ams.APIInquiryPayment, `{"paymentRequestId":"a\u0000"}`, "paymentRequestId", "U+0000"},
		{"line feed in an inquiry id", ams.APIInquiryPayment, `{"paymentRequestId":"a\n"}`, "paymentRequestId", "one line"},
		{"refund metadata", ams.APIRefund, `{"refundRequestId":"F1","paymentId":"P1","refundAmount":{"currency":"USD","value":"1"},"metadata":"` + strings.Repeat("m", 65) + `"}`, "metadata", "longer than 64"},
		{"refund reason is free text", ams.APIRefund, `{"refundRequestId":"F1","paymentId":"P1","refundAmount":{"currency":"USD","value":"1"},"refundReason":"a\nb"}`, "", ""},
		{"refund notify URL with credentials", ams.APIRefund, `{"refundRequestId":"F1","paymentId":"P1","refundAmount":{"currency":"USD","value":"1"},"refundNotifyUrl":"https://u:p@m.example/"}`, "refundNotifyUrl", "credentials"},
		{"refund notify URL too long", ams.APIRefund, `{"refundRequestId":"F1","paymentId":"P1","refundAmount":{"currency":"USD","value":"1"},"refundNotifyUrl":"https://m.example/` + strings.Repeat("u", 1024) + `"}`, "refundNotifyUrl", "longer than 1024"},
		{"a region in a list", ams.APIConsult, `{"productCode":"CASHIER_PAYMENT","paymentAmount":{"currency":"USD","value":"1"},"allowedPaymentMethodRegions":["GLOBAL","GLOBALLY"]}`, "allowedPaymentMethodRegions[1]", "longer than 6"},
		{"session notify URL", ams.APICreatePaymentSession, `{"productCode":"CASHIER_PAYMENT","paymentRequestId":"S1","order":{"referenceOrderId":"O1","orderDescription":"d"},"paymentAmount":{"currency":"USD","value":"1"},"paymentRedirectUrl":"https://m.example/r","paymentNotifyUrl":"https://x:y@m.example/n"}`, "paymentNotifyUrl", "credentials"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantParamError(t, parsed(tc.api, []byte(tc.body)), tc.field, tc.why)
		})
	}
}

func wantParamError(t *testing.T, err error, field, why string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	var pe *payment.Error
	if !errors.As(err, &pe) || pe.Code != payment.CodeParamIllegal {
		t.Fatalf("err = %v, want PARAM_ILLEGAL", err)
	}
	if !strings.HasPrefix(pe.Message, field+" ") || !strings.Contains(pe.Message, why) {
		t.Errorf("message %q, want it to name %s and say %q", pe.Message, field, why)
	}
}

// TestTextRulesNameRealFields: each rule is for a string field that a request has, so that a
// renamed field cannot silently fall back to the default rule.
func TestTextRulesNameRealFields(t *testing.T) {
	fields := map[string]map[string]bool{}
	var walk func(reflect.Type)
	walk = func(ty reflect.Type) {
		for ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Slice {
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct || fields[ty.Name()] != nil {
			return
		}
		fields[ty.Name()] = map[string]bool{}
		for i := range ty.NumField() {
			f := ty.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			ft := f.Type
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.String {
				fields[ty.Name()][name] = true
			}
			walk(f.Type)
		}
	}
	for _, v := range []any{
		ams.PayRequest{}, ams.CreatePaymentSessionRequest{}, ams.InquiryPaymentRequest{}, ams.CaptureRequest{},
		ams.CancelRequest{}, ams.RefundRequest{}, ams.InquiryRefundRequest{}, ams.ConsultRequest{}, ams.CardMetaData{}, ams.InquireExchangeRateRequest{},
		ams.AcceptDisputeRequest{}, ams.SupplyDefenseDocumentRequest{}, ams.DownloadDisputeEvidenceRequest{},
		ams.VaultPaymentMethodRequest{}, ams.CreateVaultingSessionRequest{}, ams.InquireVaultingRequest{},
	} {
		walk(reflect.TypeOf(v))
	}
	for typ, rules := range textRules {
		for name := range rules {
			if !fields[typ][name] {
				t.Errorf("textRules has %s.%s, which no request has as a string field", typ, name)
			}
		}
	}
}

// BenchmarkParsePay runs a server-to-server card pay's body through everything the API does
// to it before the use case: the strict decoder, the text rules of every field, the card's
// metadata. CI runs it briefly so that it keeps building; docs/performance.md says how to
// read it.
func BenchmarkParsePay(b *testing.B) {
	body := payBody(b, func(*ams.PayRequest, *ams.CardMetaData) {})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseCommand("pay", body); err != nil {
			b.Fatal(err)
		}
	}
}
