// Package card holds the rules about card data that the gateway must apply itself, before
// any issuer sees a payment: what a well-formed PAN, expiry and CVV are, which brand a
// number belongs to, and how much of a PAN may be shown. They are hand-written and
// dependency-free because the hosted card page repeats them in the browser and both sides
// must agree on every digit.
package card

import (
	"strings"
	"time"
)

// Error is a problem with the card data itself. Code is the Antom result code the gateway
// answers with; Message is safe to show to merchant and buyer alike because it never quotes
// the card data.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// The card data errors. They are values, not types, so callers may use errors.Is for one
// case or errors.As with *Error to read the result code of any.
var (
	ErrInvalidNumber = &Error{Code: "INVALID_CARD_NUMBER", Message: "The card number is invalid."}
	ErrNotSupported  = &Error{Code: "CARD_NOT_SUPPORTED", Message: "The card number belongs to no card brand cashier accepts."}
	ErrInvalidExpiry = &Error{Code: "INVALID_EXPIRATION_DATE", Message: "The card expiry month or year is invalid."}
	ErrExpired       = &Error{Code: "CARD_EXPIRED", Message: "The card has expired."}
	ErrInvalidCVV    = &Error{Code: "INVALID_CVV", Message: "The card security code is invalid."}
)

// PAN lengths allowed by ISO/IEC 7812 for the brands Antom accepts.
const (
	minPANLen = 12
	maxPANLen = 19
)

// Normalize turns what a buyer typed into a bare PAN: spaces and dashes are dropped because
// people copy numbers grouped in fours; anything else that is not a digit makes it invalid.
// It reports false unless 12 to 19 digits remain. It does not check the Luhn digit.
func Normalize(s string) (string, bool) {
	p := stripSeparators(s)
	if len(p) < minPANLen || len(p) > maxPANLen || !allDigits(p) {
		return "", false
	}
	return p, true
}

// Luhn reports whether pan, digits only, ends with a correct Luhn check digit. A single digit
// is refused: it would be its own check digit and "0" would pass.
func Luhn(pan string) bool {
	if len(pan) < 2 {
		return false
	}
	sum := 0
	double := false
	for i := len(pan) - 1; i >= 0; i-- {
		c := pan[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// Mask hides the middle of a PAN, keeping the first six and the last four digits that PCI DSS
// allows to be displayed: 4054695723100768 becomes 405469******0768. A string too short to
// be a PAN is hidden entirely, since showing ten of its digits would show most of it.
func Mask(pan string) string {
	if len(pan) < minPANLen {
		return strings.Repeat("*", len(pan))
	}
	return pan[:6] + strings.Repeat("*", len(pan)-10) + pan[len(pan)-4:]
}

// BIN returns the first six digits of a PAN (Antom's cardBin), or "" when pan is too short
// to be one, for the same reason as Mask.
func BIN(pan string) string {
	if len(pan) < minPANLen {
		return ""
	}
	return pan[:6]
}

// Last4 returns the last four digits of a PAN (Antom's lastFour), or "" when pan is too short
// to be one.
func Last4(pan string) string {
	if len(pan) < minPANLen {
		return ""
	}
	return pan[len(pan)-4:]
}

// ValidCVV reports whether cvv has the form the brand prints on its cards: four digits for
// AMEX, three for every other brand (including unknown ones, the common case).
func ValidCVV(cvv, brand string) bool {
	want := 3
	if brand == Amex {
		want = 4
	}
	return len(cvv) == want && allDigits(cvv)
}

// Validate checks the card data of a payment in the order a buyer fixes it on the card form:
// number (well formed, then of a recognized scheme), expiry, then CVV, and returns the first
// problem as one of the Err values. pan may
// still contain spaces or dashes. An empty cvv passes, because stored-card and
// merchant-initiated payments have none; whether one is required is the caller's rule.
func Validate(pan, month, year, cvv string, now time.Time) error {
	p, ok := Normalize(pan)
	if !ok || !Luhn(p) {
		return ErrInvalidNumber
	}
	if !Recognized(p) {
		return ErrNotSupported
	}
	if err := ValidExpiry(month, year, now); err != nil {
		return err
	}
	if cvv != "" && !ValidCVV(cvv, DetectBrand(p)) {
		return ErrInvalidCVV
	}
	return nil
}

func stripSeparators(s string) string {
	if !strings.ContainsAny(s, " -") {
		return s
	}
	return strings.NewReplacer(" ", "", "-", "").Replace(s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
