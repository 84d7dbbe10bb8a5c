package antom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
)

// commandParsers run each API's body through the endpoint table's own decoding (decode) and
// request check, and stop where the use case would start: what they answer is the command
// the use case would get, or the error the merchant would, before any store is touched.
var commandParsers = map[string]Endpoint{
	ams.APIPay: decode(nil, "", func(_ context.Context, _ *payment.Merchant, r *ams.PayRequest) (any, error) {
		return answer(parsePay(r))
	}, nil),
	ams.APICreatePaymentSession: decode(nil, "", func(_ context.Context, _ *payment.Merchant, r *ams.CreatePaymentSessionRequest) (any, error) {
		return answer(parseSession(r, time.Now()))
	}, nil),
	ams.APIInquiryPayment: decode(nil, "", func(_ context.Context, _ *payment.Merchant, r *ams.InquiryPaymentRequest) (any, error) {
		return answer(parseLookup("paymentId", r.PaymentID, "paymentRequestId", r.PaymentRequestID))
	}, nil),
	ams.APICapture: decode(nil, "", func(_ context.Context, _ *payment.Merchant, r *ams.CaptureRequest) (any, error) {
		return answer(parseCapture(r))
	}, nil),
	ams.APICancel: decode(nil, "", func(_ context.Context, _ *payment.Merchant, r *ams.CancelRequest) (any, error) {
		return answer(parseLookup("paymentId", r.PaymentID, "paymentRequestId", r.PaymentRequestID))
	}, nil),
	ams.APIRefund: decode(nil, "", func(_ context.Context, _ *payment.Merchant, r *ams.RefundRequest) (any, error) {
		return answer(parseRefund(r))
	}, nil),
	ams.APIInquiryRefund: decode(nil, "", func(_ context.Context, _ *payment.Merchant, r *ams.InquiryRefundRequest) (any, error) {
		return answer(parseLookup("refundId", r.RefundID, "refundRequestId", r.RefundRequestID))
	}, nil),
	ams.APIConsult: decode(nil, "", func(_ context.Context, _ *payment.Merchant, r *ams.ConsultRequest) (any, error) {
		amount, terminal, perr := parseConsult(r)
		return answer(consultCommand{Amount: amount, TerminalType: terminal}, perr)
	}, nil),
}

// consultCommand is what consult hands on (it has no use case command of its own).
type consultCommand struct {
	Amount       payment.Amount
	TerminalType string
}

// answer keeps a nil *payment.Error from becoming a non-nil error.
func answer[C any](cmd C, perr *payment.Error) (any, error) {
	if perr != nil {
		return nil, perr
	}
	return cmd, nil
}

// parseCommand is the command an API's body gives, or the error the merchant gets.
func parseCommand(api string, body []byte) (any, error) {
	return commandParsers[api](context.Background(), nil, body)
}

// commandRule is a command field's bound, restated from Antom's docs (docs/api.md) rather than
// read from textRules, so that the fuzzer checks the table instead of trusting it.
type commandRule struct {
	max       int
	multiline bool
	pattern   *regexp.Regexp
}

var (
	requestIDRule = commandRule{max: 64, pattern: regexp.MustCompile(`^[\x21-\x7e]+$`)}
	currencyRule  = commandRule{max: 3, pattern: regexp.MustCompile(`^[A-Z]{3}$`)}
	terminalRule  = commandRule{max: 8, pattern: regexp.MustCompile(`^(WEB|WAP|APP|MINI_APP)$`)}
	captureRule   = commandRule{max: 9, pattern: regexp.MustCompile(`^(AUTOMATIC|MANUAL)$`)}
	recurringRule = commandRule{max: 11, pattern: regexp.MustCompile(`^(SCHEDULED|UNSCHEDULED)$`)}
)

// orderRules and cardRules are shared by pay and createPaymentSession.
var orderRules = map[string]commandRule{
	"Amount.Currency": currencyRule, "CaptureMode": captureRule,
	"Order.ReferenceOrderID": {max: 64}, "Order.Description": {max: 256, multiline: true}, "Order.BuyerID": {max: 64},
	"Order.TerminalType": terminalRule, "Order.IssuerBrand": {max: 64}, "Order.DeviceLanguage": {max: 256},
	"Order.RecurringType": recurringRule, "RedirectURL": {max: 2048}, "NotifyURL": {max: 2048}, "Token": {max: 128},
	"RequestID":           requestIDRule,
	"Order.Plan.Interval": {max: 5, pattern: regexp.MustCompile(`^MONTH$`)}, "Order.Plan.FeeType": {max: 10, pattern: regexp.MustCompile(`^PERCENTAGE$`)},
}

var payRules = merged(orderRules, map[string]commandRule{
	"Card.Number": {max: 32}, "Card.CVV": {max: 4}, "Card.ExpiryMonth": {max: 2}, "Card.ExpiryYear": {max: 2},
	"Card.HolderName": {max: 128}, "Card.Billing.Region": {max: 2}, "Card.Billing.State": {max: 128},
	"Card.Billing.City": {max: 128}, "Card.Billing.Address1": {max: 256}, "Card.Billing.Address2": {max: 256},
	"Card.Billing.ZipCode": {max: 32}, "CVV": {max: 4}, "NetworkTransactionID": {max: 100}, "SelectedBrand": {max: 64},
	"ThreeDS.Version": {max: 16}, "ThreeDS.ECI": {max: 2}, "ThreeDS.CAVV": {max: 64}, "ThreeDS.DSTransactionID": {max: 64},
})

// commandRules are the rules of every string a command holds, by command type, then field
// path. A string field missing here fails the fuzzer: a new field needs its bound.
var commandRules = map[string]map[string]commandRule{
	"PayCommand":     payRules,
	"SessionCommand": orderRules,
	"Lookup":         {"ID": {max: 64}, "RequestID": {max: 64}},
	"CaptureCommand": {"RequestID": requestIDRule, "PaymentID": {max: 64}, "Amount.Currency": currencyRule},
	"RefundCommand": {
		"RequestID": requestIDRule, "PaymentID": {max: 64}, "Amount.Currency": currencyRule, "ReferenceRefundID": {max: 64},
		"Reason": {max: 256, multiline: true}, "NotifyURL": {max: 1024},
	},
	"consultCommand": {"Amount.Currency": currencyRule, "TerminalType": terminalRule},
}

func merged(a, b map[string]commandRule) map[string]commandRule {
	m := make(map[string]commandRule, len(a)+len(b))
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

// resultCodes are the codes an API may answer before its use case runs.
var resultCodes = map[string]map[string]bool{
	ams.APIPay:                  {payment.CodeParamIllegal: true, payment.CodeCurrencyNotSupport: true, payment.CodeSelectedCardBrandUnavailable: true},
	ams.APICreatePaymentSession: {payment.CodeParamIllegal: true, payment.CodeCurrencyNotSupport: true, payment.CodeSelectedCardBrandUnavailable: true},
	ams.APIInquiryPayment:       {payment.CodeParamIllegal: true},
	ams.APICapture:              {payment.CodeParamIllegal: true, payment.CodeCurrencyNotSupport: true},
	ams.APICancel:               {payment.CodeParamIllegal: true},
	ams.APIRefund:               {payment.CodeParamIllegal: true, payment.CodeCurrencyNotSupport: true},
	ams.APIInquiryRefund:        {payment.CodeParamIllegal: true},
	ams.APIConsult:              {payment.CodeParamIllegal: true, payment.CodeCurrencyNotSupport: true},
}

// namesField: a PARAM_ILLEGAL message is the field's JSON path (which holds whatever keys the
// body has, spaces included), or "request body", then what is wrong with it.
var namesField = regexp.MustCompile(`^.+ [a-z]`)

// FuzzAPIRequest feeds any body to every API's decoding and request check, as the endpoint
// table runs them, and checks that the answer is either a command whose every string is one
// line of text (unless free text) without control characters and within its documented length,
// with an amount that survives the wire, or a *payment.Error with one of the API's early
// result codes and a message naming the field, which never repeats the card number.
//
//	go test ./internal/antom -run '^$' -fuzz FuzzAPIRequest -fuzztime 60s
func FuzzAPIRequest(f *testing.F) {
	card := `"paymentMethod":{"paymentMethodType":"CARD","paymentMethodMetaData":{"cardNo":"4054695723100768","cvv":"123","expiryYear":"30","expiryMonth":"12","cardholderName":{"firstName":"Ada","middleName":"K","lastName":"Lovelace"},"billingAddress":{"region":"US","city":"Springfield","address1":"1 Main St","zipCode":"12345"},"is3DSAuthentication":"true","mpiData":{"threeDSVersion":"2.2.0","eci":"05","cavv":"AAAB","dsTransactionId":"d1"}}}`
	order := `"order":{"referenceOrderId":"O1","orderDescription":"Tea\nand cake","orderAmount":{"currency":"USD","value":"1000"},"buyer":{"referenceBuyerId":"B1"},"goods":[{"goodsName":"Tea"}]}`
	for _, s := range []string{
		`{"productCode":"CASHIER_PAYMENT","paymentRequestId":"R1",` + order + `,"paymentAmount":{"currency":"USD","value":"1000"},` + card + `,"paymentRedirectUrl":"https://m.example/r","paymentNotifyUrl":"https://m.example/n","paymentFactor":{"captureMode":"MANUAL"},"env":{"terminalType":"WEB"}}`,
		`{"productCode":"CASHIER_PAYMENT","paymentRequestId":"R2",` + order + `,"paymentAmount":{"currency":"KRW","value":"1000"},"paymentMethod":{"paymentMethodType":"CARD","requireIssuerAuthentication":true,"paymentMethodMetaData":{"selectedCardBrand":"HYUNDAI"}},"paymentRedirectUrl":"https://m.example/r","env":{"terminalType":"APP"}}`,
		`{"productCode":"CASHIER_PAYMENT","paymentRequestId":"R3",` + order + `,"paymentAmount":{"currency":"JPY","value":"7"},"paymentMethod":{"paymentMethodType":"CARD","paymentMethodId":"tok_1","paymentMethodMetaData":{"cvv":"123","networkTransactionId":"n1"}},"paymentRedirectUrl":"https://m.example/r","env":{"terminalType":"WAP"}}`,
		`{"productCode":"CASHIER_PAYMENT","paymentRequestId":"S1",` + order + `,"paymentAmount":{"currency":"USD","value":"1"},"paymentRedirectUrl":"https://m.example/r","paymentNotifyUrl":"http://127.0.0.1:8080/n","productScene":"CHECKOUT_PAYMENT"}`,
		`{"productCode":"CASHIER_PAYMENT","paymentRequestId":"R4",` + order + `,"paymentAmount":{"currency":"MXN","value":"100000"},` + card + `,"creditPayPlan":{"installmentNum":"3","interval":"MONTH","creditPayFeeType":"PERCENTAGE","feePercentage":0},"paymentRedirectUrl":"https://m.example/r","env":{"terminalType":"WEB"}}`,
		`{"productCode":"CASHIER_PAYMENT","paymentRequestId":"S2",` + order + `,"paymentAmount":{"currency":"BRL","value":"1000"},"enableInstallmentCollection":"true","creditPayPlan":{"installmentNum":2},"paymentRedirectUrl":"https://m.example/r"}`,
		`{"paymentId":"P1"}`,
		`{"paymentRequestId":"R1","merchantAccountId":"A"}`,
		`{"captureRequestId":"C1","paymentId":"P1","captureAmount":{"currency":"USD","value":"1000"},"isLastCapture":true}`,
		`{"refundRequestId":"F1","paymentId":"P1","refundAmount":{"currency":"EUR","value":"1"},"refundReason":"broken\ncup","refundNotifyUrl":"https://m.example/rn","referenceRefundId":"X"}`,
		`{"refundId":"F1","refundRequestId":"F2"}`,
		`{"productCode":"CASHIER_PAYMENT","paymentAmount":{"currency":"USD","value":"1"},"env":{"terminalType":"MINI_APP"},"allowedPaymentMethodRegions":["GLOBAL"]}`,
		`{"productCode":"CASHIER_PAYMENT","paymentAmount":{"currency":"XXX","value":"0"}}`,
		`{"paymentAmount":{"currency":"USD","value":"1"},"PAYMENTAMOUNT":{"currency":"JPY","value":"7"}}`,
		`{"paymentMethod":{"paymentMethodType":"CARD","paymentMethodMetaData":{"cardNo":4054695723100768,"cardNo":"4054695723100768"}}}`,
		`{"paymentMethod":{"paymentMethodType":"CARD","paymentMethodMetaData":"{\"cardNo\":\"4054695723100768\"}"}}`,
		`{"paymentId":"a\u0000","paymentRequestId":"\t"}`,
		`{"a":{"$ref":"$.b"},"b":{"paymentId":"P"},"paymentId":{"$ref":"$.b.paymentId"}}`,
		`null`, `[]`, ``, "\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		cardNos := cardNumbers(body)
		for api := range commandParsers {
			cmd, err := parseCommand(api, bytes.Clone(body))
			if err != nil {
				checkRefusal(t, api, body, err, cardNos)
				continue
			}
			checkCommand(t, api, body, cmd)
		}
	})
}

func checkRefusal(t *testing.T, api string, body []byte, err error, cardNos []string) {
	t.Helper()
	var pe *payment.Error
	if !errors.As(err, &pe) {
		t.Fatalf("%s(%q): error %v is %T, want *payment.Error", api, body, err, err)
	}
	if !resultCodes[api][pe.Code] {
		t.Fatalf("%s(%q): result code %s, want one of %v", api, body, pe.Code, resultCodes[api])
	}
	if pe.Code == payment.CodeParamIllegal && !namesField.MatchString(pe.Message) {
		t.Fatalf("%s(%q): message %q names no field", api, body, pe.Message)
	}
	for _, n := range cardNos {
		if strings.Contains(pe.Message, n) {
			t.Fatalf("%s(%q): message %q repeats the card number", api, body, pe.Message)
		}
	}
}

func checkCommand(t *testing.T, api string, body []byte, cmd any) {
	t.Helper()
	v := reflect.ValueOf(cmd)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	rules, ok := commandRules[v.Type().Name()]
	if !ok {
		t.Fatalf("%s answered a %T, which the fuzzer has no rules for", api, cmd)
	}
	walkStrings(v, "", func(path, s string) {
		rule, ok := rules[path]
		if !ok {
			t.Fatalf("%s: %s.%s is a string the fuzzer has no rule for", api, v.Type().Name(), path)
		}
		switch {
		case !utf8.ValidString(s):
			t.Fatalf("%s(%q): %s = %q is not UTF-8", api, body, path, s)
		case utf8.RuneCountInString(s) > rule.max:
			t.Fatalf("%s(%q): %s has %d characters, more than %d", api, body, path, utf8.RuneCountInString(s), rule.max)
		case rule.pattern != nil && s != "" && !rule.pattern.MatchString(s):
			t.Fatalf("%s(%q): %s = %q does not match %v", api, body, path, s, rule.pattern)
		}
		for _, r := range s {
			if r == 0x7f || (r < 0x20 && !(rule.multiline && (r == '\t' || r == '\n' || r == '\r'))) {
				t.Fatalf("%s(%q): %s = %q holds control character %U", api, body, path, s, r)
			}
		}
	})
	if a := v.FieldByName("Amount"); a.IsValid() {
		amount := a.Interface().(payment.Amount)
		back, perr := parseAmount("amount", wireAmount(amount))
		if perr != nil || back != amount || amount.Value <= 0 {
			t.Fatalf("%s(%q): amount %+v does not survive the wire: %+v, %v", api, body, amount, back, perr)
		}
	}
}

// walkStrings calls fn with the path and value of every string in v, however deep.
func walkStrings(v reflect.Value, path string, fn func(path, s string)) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			walkStrings(v.Elem(), path, fn)
		}
	case reflect.String:
		fn(path, v.String())
	case reflect.Struct:
		for i := range v.NumField() {
			name := v.Type().Field(i).Name
			if path != "" {
				name = path + "." + name
			}
			walkStrings(v.Field(i), name, fn)
		}
	}
}

// cardNumbers are the cardNo values of a body, in any case and at any depth, including the
// ones a duplicate key hides and those in a paymentMethodMetaData sent as a JSON string: the
// card data no error may repeat. Short ones are left out, as they occur by chance.
func cardNumbers(body []byte) []string {
	var out []string
	var value func(dec *json.Decoder, key string, depth int) error
	value = func(dec *json.Decoder, key string, depth int) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok := tok.(type) {
		case json.Delim:
			for dec.More() {
				k := key
				if tok == '{' {
					kt, err := dec.Token()
					if err != nil {
						return err
					}
					k, _ = kt.(string)
				}
				if err := value(dec, k, depth); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		case string:
			if s := strings.TrimSpace(tok); strings.EqualFold(key, "cardNo") && len(s) >= 8 {
				out = append(out, s)
			}
			if depth < 2 {
				dec := json.NewDecoder(strings.NewReader(tok))
				dec.UseNumber()
				value(dec, "", depth+1)
			}
		case json.Number:
			if strings.EqualFold(key, "cardNo") && len(tok) >= 8 {
				out = append(out, tok.String())
			}
		}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	value(dec, "", 0)
	return out
}
