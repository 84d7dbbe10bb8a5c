package ams

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// exponents is ISO 4217 list one (Table A.1): the digits of each code's minor unit, which
// is what amount.value counts on the wire, so it belongs to the wire protocol: merchants
// need it to turn their prices into amount.value. It is written out by hand because Antom follows
// ISO here, while CLDR-derived tables (golang.org/x/text/currency, browsers' Intl) give the
// digits people write in practice and differ on a dozen codes (ISK, IQD, IRR, LAK, ...).
// Codes whose minor unit is "N.A." (metals, XDR, XSU, XUA, XTS, XXX, the bond units XBA-XBD)
// are left out: nothing can be paid in them. Do not drop a code when ISO withdraws it while
// payments in it may still be stored; their amounts would no longer render.
var exponents = map[string]int{
	"AED": 2, "AFN": 2, "ALL": 2, "AMD": 2, "AOA": 2, "ARS": 2, "AUD": 2, "AWG": 2, "AZN": 2,
	"BAM": 2, "BBD": 2, "BDT": 2, "BHD": 3, "BIF": 0, "BMD": 2, "BND": 2, "BOB": 2, "BOV": 2,
	"BRL": 2, "BSD": 2, "BTN": 2, "BWP": 2, "BYN": 2, "BZD": 2,
	"CAD": 2, "CDF": 2, "CHE": 2, "CHF": 2, "CHW": 2, "CLF": 4, "CLP": 0, "CNY": 2, "COP": 2,
	"COU": 2, "CRC": 2, "CUC": 2, "CUP": 2, "CVE": 2, "CZK": 2,
	"DJF": 0, "DKK": 2, "DOP": 2, "DZD": 2,
	"EGP": 2, "ERN": 2, "ETB": 2, "EUR": 2,
	"FJD": 2, "FKP": 2,
	"GBP": 2, "GEL": 2, "GHS": 2, "GIP": 2, "GMD": 2, "GNF": 0, "GTQ": 2, "GYD": 2,
	"HKD": 2, "HNL": 2, "HTG": 2, "HUF": 2,
	"IDR": 2, "ILS": 2, "INR": 2, "IQD": 3, "IRR": 2, "ISK": 0,
	"JMD": 2, "JOD": 3, "JPY": 0,
	"KES": 2, "KGS": 2, "KHR": 2, "KMF": 0, "KPW": 2, "KRW": 0, "KWD": 3, "KYD": 2, "KZT": 2,
	"LAK": 2, "LBP": 2, "LKR": 2, "LRD": 2, "LSL": 2, "LYD": 3,
	"MAD": 2, "MDL": 2, "MGA": 2, "MKD": 2, "MMK": 2, "MNT": 2, "MOP": 2, "MRU": 2, "MUR": 2,
	"MVR": 2, "MWK": 2, "MXN": 2, "MXV": 2, "MYR": 2, "MZN": 2,
	"NAD": 2, "NGN": 2, "NIO": 2, "NOK": 2, "NPR": 2, "NZD": 2,
	"OMR": 3,
	"PAB": 2, "PEN": 2, "PGK": 2, "PHP": 2, "PKR": 2, "PLN": 2, "PYG": 0,
	"QAR": 2,
	"RON": 2, "RSD": 2, "RUB": 2, "RWF": 0,
	"SAR": 2, "SBD": 2, "SCR": 2, "SDG": 2, "SEK": 2, "SGD": 2, "SHP": 2, "SLE": 2, "SOS": 2,
	"SRD": 2, "SSP": 2, "STN": 2, "SVC": 2, "SYP": 2, "SZL": 2,
	"THB": 2, "TJS": 2, "TMT": 2, "TND": 3, "TOP": 2, "TRY": 2, "TTD": 2, "TWD": 2, "TZS": 2,
	"UAH": 2, "UGX": 0, "USD": 2, "USN": 2, "UYI": 0, "UYU": 2, "UYW": 4, "UZS": 2,
	"VED": 2, "VES": 2, "VND": 0, "VUV": 0,
	"WST": 2,
	"XAF": 0, "XCD": 2, "XCG": 2, "XOF": 0, "XPF": 0,
	"YER": 2,
	"ZAR": 2, "ZMW": 2, "ZWG": 2,
	// Being replaced (ANG by XCG from 2025-03-31, BGN by EUR from 2026-01-01) and kept for
	// the reason above.
	"ANG": 2, "BGN": 2,
}

// CurrencyExponent returns the number of digits of code's minor unit: 2 for USD, 0 for JPY,
// 3 for KWD. code must be an upper-case ISO 4217 alphabetic code, as on the wire; "usd" is
// not found.
func CurrencyExponent(code string) (exp int, ok bool) {
	exp, ok = exponents[code]
	return exp, ok
}

// MaxMinor is the largest amount ParseMinor accepts: 16 digits, the length Antom allows for
// amount.value. Any sum of a payment's captures or refunds stays far inside int64.
const MaxMinor int64 = 9_999_999_999_999_999

// ParseMinor reads amount.value from the wire: a positive integer count of minor units,
// written in ASCII digits only. It is strict so that one amount has one spelling, which keeps
// idempotent-retry comparisons of requests honest:
//   - no sign, decimal point, exponent, spaces or non-ASCII digits;
//   - no leading zeros ("01" is refused);
//   - zero is refused: Antom requires a positive amount;
//   - at most MaxMinor.
//
// Error messages describe the problem without naming the field, so callers can prefix it.
func ParseMinor(value string) (int64, error) {
	if value == "" {
		return 0, errors.New("value is empty; want a positive integer in minor units")
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < '0' || c > '9' {
			return 0, fmt.Errorf("value %s is not a positive integer in minor units: %s", quoteShort(value), describe(value, i))
		}
	}
	if value == "0" {
		return 0, errors.New("value must be greater than 0")
	}
	if value[0] == '0' {
		return 0, fmt.Errorf("value %s has a leading zero", quoteShort(value))
	}
	if len(value) > len(strconv.FormatInt(MaxMinor, 10)) {
		return 0, fmt.Errorf("value %s is too large: at most %d digits", quoteShort(value), len(strconv.FormatInt(MaxMinor, 10)))
	}
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil || n > MaxMinor { // cannot happen after the checks above; kept as a guard
		return 0, fmt.Errorf("value %s is too large: at most %d", quoteShort(value), MaxMinor)
	}
	return n, nil
}

// describe says what is wrong with the byte at i, which is not an ASCII digit.
func describe(value string, i int) string {
	switch c := value[i]; {
	case c == '-' || c == '+':
		return "sign not allowed"
	case c == '.' || c == ',':
		return "decimal point not allowed (1.00 USD is \"100\")"
	case c == 'e' || c == 'E':
		return "exponent notation not allowed"
	case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		return "whitespace not allowed"
	case c >= 0x80:
		return "only ASCII digits 0-9 are allowed"
	default:
		return fmt.Sprintf("unexpected character %q", c)
	}
}

// quoteShort quotes client input for an error message without echoing a megabyte back.
func quoteShort(s string) string {
	const limit = 24
	if len(s) > limit {
		return strconv.Quote(s[:limit]) + "..."
	}
	return strconv.Quote(s)
}

// FormatMajor renders minor units as a decimal in major units, for people: USD 1050 is
// "10.50", JPY 100 is "100", KWD 1234 is "1.234". No grouping separators and no symbol.
// Negative amounts get a leading '-'. A currency missing from the table is shown with 2
// decimals, the most common exponent; amounts should not reach here with such a code,
// since CurrencyExponent is checked when a payment is created.
func FormatMajor(currency string, minor int64) string {
	exp, ok := CurrencyExponent(currency)
	if !ok {
		exp = 2
	}
	u := uint64(minor)
	if minor < 0 {
		u = -u // two's complement: right for math.MinInt64 too
	}
	s := strconv.FormatUint(u, 10)
	if exp > 0 {
		if len(s) <= exp {
			s = strings.Repeat("0", exp-len(s)+1) + s
		}
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if minor < 0 {
		s = "-" + s
	}
	return s
}
