package antom

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
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
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		field, fv := joinPath(path, name), v.Field(i)
		rule, ok := textRules[t.Name()][name]
		if !ok {
			rule = defaultText
		}
		switch {
		case fv.Kind() == reflect.String:
			if err := rule.check(field, fv.String()); err != nil {
				return err
			}
		case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() != reflect.Uint8: // not raw JSON
			for j := range fv.Len() {
				el, elField := fv.Index(j), field+"["+strconv.Itoa(j)+"]"
				if el.Kind() == reflect.String {
					if err := rule.check(elField, el.String()); err != nil {
						return err
					}
				} else if err := checkText(elField, el); err != nil {
					return err
				}
			}
		default:
			if err := checkText(field, fv); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r textRule) check(field, v string) *payment.Error {
	if n := utf8.RuneCountInString(v); n > r.max {
		return paramError(field, fmt.Sprintf("is longer than %d characters (it has %d)", r.max, n))
	}
	if !r.freeText && strings.ContainsAny(v, "\t\n\r") {
		return paramError(field, "must be one line, without tabs or line breaks")
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
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}
