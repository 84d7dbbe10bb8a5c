package antom

import (
	"fmt"
	"net/url"
	"regexp"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
)

// paramError is PARAM_ILLEGAL with a message that names the field.
var paramError = payment.Invalid

// require says that a field is missing; its length and characters are checkText's.
func require(field, v string) *payment.Error {
	if v == "" {
		return paramError(field, "is required")
	}
	return nil
}

// requestIDPattern keeps request ids printable ASCII: Antom asks merchants not to use
// other characters in them, and they end up in logs and URLs.
var requestIDPattern = regexp.MustCompile(`^[\x21-\x7e]+$`)

func requireRequestID(field, v string) *payment.Error {
	if err := require(field, v); err != nil {
		return err
	}
	if !requestIDPattern.MatchString(v) {
		return paramError(field, "must be printable ASCII without spaces")
	}
	return nil
}

// parseAmount validates a wire amount. Result codes: PARAM_ILLEGAL, CURRENCY_NOT_SUPPORT.
func parseAmount(field string, a *ams.Amount) (payment.Amount, *payment.Error) {
	if a == nil {
		return payment.Amount{}, paramError(field, "is required")
	}
	if a.Currency == "" {
		return payment.Amount{}, paramError(field+".currency", "is required")
	}
	if _, ok := ams.CurrencyExponent(a.Currency); !ok {
		return payment.Amount{}, payment.NewError(payment.CodeCurrencyNotSupport, fmt.Sprintf("%s.currency %q is not a supported ISO 4217 currency", field, a.Currency))
	}
	if a.Value == "" {
		return payment.Amount{}, paramError(field+".value", "is required")
	}
	v, err := ams.ParseMinor(a.Value)
	if err != nil {
		return payment.Amount{}, paramError(field+".value", "must be a positive integer number of minor units as a string: "+err.Error())
	}
	return payment.Amount{Currency: a.Currency, Value: v}, nil
}

func wireAmount(a payment.Amount) *ams.Amount {
	return &ams.Amount{Currency: a.Currency, Value: fmt.Sprint(a.Value)}
}

// validURL checks a URL the merchant gives cashier to post to or to send the buyer to. The
// gateway will make requests to the notify URLs itself: user:pass@ would hand credentials
// to whatever the host turns out to be, and any scheme but http(s) is not a place to post.
// Which addresses may be dialled is decided at delivery time (internal/notify).
func validURL(field, v string, required bool) *payment.Error {
	if v == "" {
		if required {
			return paramError(field, "is required")
		}
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return paramError(field, "must be an absolute http or https URL")
	}
	if u.User != nil {
		return paramError(field, "must not carry credentials (user:password@)")
	}
	return nil
}

func parseExpiry(field, v string) (time.Time, *payment.Error) {
	t, err := ams.ParseTime(v)
	if err != nil {
		return time.Time{}, paramError(field, "must be an ISO 8601 time with an offset, like 2026-11-25T12:00:00+08:00")
	}
	return t.UTC().Truncate(time.Microsecond), nil
}
