package antom

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/cashierpay/cashier/internal/payment"
)

// textRule bounds one string field: its length in characters, and whether it is free text,
// which may hold tabs and line breaks. ams.Decode has already refused every other control
// character, in every field.
type textRule struct {
	max      int
	freeText bool
}

// defaultText is the rule of a string field that Antom's docs give no length: long enough
// for any code, time or device detail the SDKs send, and one line.
var defaultText = textRule{max: 256}

// textRules are the string fields with a length from Antom's docs (or, for free text, their
// own rule), by the Go type that holds the field, then the field's JSON name. docs/api.md
// lists them.
var textRules = map[string]map[string]textRule{
	"Amount": {"currency": {max: 3}, "value": {max: 32}},
	"Name":   {"firstName": {max: 32}, "middleName": {max: 32}, "lastName": {max: 32}, "fullName": {max: payment.HolderNameLimit}},
	// Antom's card docs say state ≤8 and city ≤32, which real ones exceed ("California").
	"Address": addressRules(),
	"Buyer":   {"referenceBuyerId": {max: 64}, "buyerPhoneNo": {max: 24}, "buyerEmail": {max: 64}},
	"Goods":   {"referenceGoodsId": {max: 64}, "goodsName": {max: 256}, "goodsCategory": {max: 64}, "goodsUrl": {max: 2048}, "goodsImageUrl": {max: 2048}},
	"Order":   {"referenceOrderId": {max: 64}, "orderDescription": {max: 256, freeText: true}, "extendInfo": {max: 2048, freeText: true}},
	"MpiData": {"threeDSVersion": {max: 16}, "eci": {max: 2}, "cavv": {max: 64}, "dsTransactionId": {max: 64}},
	"CardMetaData": {
		"cardNo": {max: 32}, "cvv": {max: 4}, "expiryYear": {max: 2}, "expiryMonth": {max: 2}, "selectedCardBrand": {max: 64},
		"networkTransactionId": {max: 100}, "paymentMethodRegion": {max: 6}, "payerEmail": {max: 64},
	},
	"PaymentMethod":      {"paymentMethodType": {max: 64}, "paymentMethodId": {max: 128}, "customerId": {max: 32}, "extendInfo": {max: 2048, freeText: true}},
	"SettlementStrategy": {"settlementCurrency": {max: 3}},
	"Quote":              {"quoteId": {max: 64}, "quoteCurrencyPair": {max: 16}},
	"PayRequest": {
		"paymentRequestId": {max: 64}, "paymentRedirectUrl": {max: 2048}, "paymentNotifyUrl": {max: 2048},
		"merchantRegion": {max: 2}, "merchantAccountId": {max: 32}, "userRegion": {max: 2},
		"metadata": {max: 1024, freeText: true}, "extendInfo": {max: 2048, freeText: true},
	},
	"CardPaymentMethodDetail": {"cardNo": {max: 32}, "cvv": {max: 4}, "expiryYear": {max: 2}, "expiryMonth": {max: 2}, "brand": {max: 64}},
	"PaymentMethodDetail":     {"paymentMethodType": {max: 64}},
	"VaultPaymentMethodRequest": {
		"vaultingRequestId": {max: 64}, "vaultingNotificationUrl": {max: 2048}, "redirectUrl": {max: 2048}, "merchantRegion": {max: 2},
	},
	"CreateVaultingSessionRequest": {
		"paymentMethodType": {max: 64}, "vaultingRequestId": {max: 64}, "vaultingNotificationUrl": {max: 2048},
		"redirectUrl": {max: 2048}, "merchantRegion": {max: 2},
	},
	"InquireVaultingRequest": {"vaultingRequestId": {max: 64}, "merchantAccountId": {max: 64}},
	"CreatePaymentSessionRequest": {
		"paymentRequestId": {max: 64}, "paymentRedirectUrl": {max: 2048}, "paymentNotifyUrl": {max: 2048},
		"merchantRegion": {max: 2}, "productScene": {max: 32},
	},
	"InquiryPaymentRequest": {"paymentRequestId": {max: 64}, "paymentId": {max: 64}, "merchantAccountId": {max: 32}},
	"CaptureRequest":        {"captureRequestId": {max: 64}, "paymentId": {max: 64}},
	"CancelRequest":         {"paymentRequestId": {max: 64}, "paymentId": {max: 64}, "merchantAccountId": {max: 32}},
	"RefundRequest": {
		"refundRequestId": {max: 64}, "paymentId": {max: 64}, "referenceRefundId": {max: 64}, "refundReason": {max: 256, freeText: true},
		"refundNotifyUrl": {max: 1024}, "captureId": {max: 64}, "metadata": {max: 64, freeText: true},
	},
	"CurrencyPair":                   {"sellCurrency": {max: 3}, "buyCurrency": {max: 3}},
	"InquireExchangeRateRequest":     {"merchantAccountId": {max: 32}, "paymentCurrency": {max: 3}, "sellCurrency": {max: 3}, "buyCurrency": {max: 3}, "productCode": {max: 32}, "rateType": {max: 32}},
	"InquiryRefundRequest":           {"refundRequestId": {max: 64}, "refundId": {max: 64}, "merchantAccountId": {max: 32}},
	"AcceptDisputeRequest":           {"disputeId": {max: 64}},
	"SupplyDefenseDocumentRequest":   {"disputeId": {max: 64}, "disputeEvidence": {max: payment.EvidenceLimit}},
	"DownloadDisputeEvidenceRequest": {"disputeId": {max: 64}, "disputeEvidenceType": {max: 64}},
	"ConsultRequest":                 {"merchantRegion": {max: 2}, "merchantAccountId": {max: 32}, "userRegion": {max: 2}, "allowedPaymentMethodRegions": {max: 6}},
}

// checkText holds every string field of v, a decoded request or part of one at path, to its
// rule, walking the value so that no field, however deep or however new, goes unchecked.
// Result codes: PARAM_ILLEGAL naming the field.
func checkText(path string, v reflect.Value) *payment.Error {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	for _, f := range textPlanOf(v.Type()) {
		fv := v.Field(f.index)
		switch f.kind {
		case textString:
			if err := f.rule.check(path, f.name, fv.String()); err != nil {
				return err
			}
		case textSlice:
			for j := range fv.Len() {
				el := fv.Index(j)
				elField := joinPath(path, f.name) + "[" + strconv.Itoa(j) + "]"
				if el.Kind() == reflect.String {
					if err := f.rule.check(elField, "", el.String()); err != nil {
						return err
					}
				} else if err := checkText(elField, el); err != nil {
					return err
				}
			}
		case textNested:
			if fv.Kind() == reflect.Pointer && fv.IsNil() {
				continue // nothing to check, and no path to put together
			}
			if err := checkText(joinPath(path, f.name), fv); err != nil {
				return err
			}
		}
	}
	return nil
}

// textField is how checkText treats one field of a struct type.
type textField struct {
	index int
	name  string // JSON name
	rule  textRule
	kind  textKind
}

type textKind int

const (
	textString textKind = iota
	textSlice           // of strings or structs; not raw JSON
	textNested          // a struct or a pointer to one
)

// textPlans holds each request type's fields as checkText treats them, worked out once: the
// walk runs on every API call, and reading struct tags and rule tables for every field of
// every call was most of its cost.
var textPlans sync.Map // reflect.Type → []textField

func textPlanOf(t reflect.Type) []textField {
	if p, ok := textPlans.Load(t); ok {
		return p.([]textField)
	}
	var plan []textField
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		rule, ok := textRules[t.Name()][name]
		if !ok {
			rule = defaultText
		}
		tf := textField{index: i, name: name, rule: rule, kind: textNested}
		switch {
		case f.Type.Kind() == reflect.String:
			tf.kind = textString
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() != reflect.Uint8:
			tf.kind = textSlice
		case !walks(f.Type):
			continue
		}
		plan = append(plan, tf)
	}
	textPlans.Store(t, plan)
	return plan
}

// walks is whether checkText could find a string field inside a value of type t.
func walks(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct
}

// check holds v, the field name at path, to r. The field's full name is only put together
// for an error: most fields pass, on every call.
func (r textRule) check(path, name, v string) *payment.Error {
	if n := utf8.RuneCountInString(v); n > r.max {
		return paramError(joinPath(path, name), fmt.Sprintf("is longer than %d characters (it has %d)", r.max, n))
	}
	if !r.freeText && strings.ContainsAny(v, "\t\n\r") {
		return paramError(joinPath(path, name), "must be one line, without tabs or line breaks")
	}
	return nil
}

// addressRules are the domain's address limits, which the buyer's pages apply too.
func addressRules() map[string]textRule {
	rules := map[string]textRule{}
	for name, max := range payment.AddressLimits {
		rules[name] = textRule{max: max}
	}
	return rules
}

func joinPath(prefix, name string) string {
	if prefix == "" || name == "" {
		return prefix + name
	}
	return prefix + "." + name
}
