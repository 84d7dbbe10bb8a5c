package ams

import (
	"math"
	"strings"
	"testing"
)

func TestCurrencyExponent(t *testing.T) {
	for code, want := range map[string]int{
		"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "UGX": 0, "XAF": 0, "XOF": 0, "PYG": 0,
		"BIF": 0, "DJF": 0, "GNF": 0, "KMF": 0, "RWF": 0, "VUV": 0, "XPF": 0, "UYI": 0,
		"KWD": 3, "BHD": 3, "OMR": 3, "JOD": 3, "TND": 3, "LYD": 3, "IQD": 3,
		"CLF": 4, "UYW": 4,
		"USD": 2, "EUR": 2, "GBP": 2, "CNY": 2, "HKD": 2, "IDR": 2, "TWD": 2, "HUF": 2,
		"IRR": 2, "LAK": 2, "MGA": 2, "MRU": 2, "XCG": 2, "ZWG": 2, "SLE": 2, "VES": 2, "VED": 2,
	} {
		got, ok := CurrencyExponent(code)
		if !ok || got != want {
			t.Errorf("CurrencyExponent(%q) = %d, %v; want %d, true", code, got, ok, want)
		}
	}
	for _, code := range []string{
		"", "usd", "Usd", "US", "USDD", " USD",
		"XAU", "XAG", "XPT", "XPD", "XDR", "XTS", "XXX", "XSU", "XUA", "XBA",
		"HRK", "SLL", "ZWL", "VEF", "MRO", "STD", "BTC",
	} {
		if exp, ok := CurrencyExponent(code); ok {
			t.Errorf("CurrencyExponent(%q) = %d, true; want not found", code, exp)
		}
	}
}

func TestExponentTableShape(t *testing.T) {
	if len(exponents) < 150 {
		t.Errorf("only %d codes; the ISO list has about 160 with a minor unit", len(exponents))
	}
	for code, exp := range exponents {
		if len(code) != 3 || strings.ToUpper(code) != code || strings.Trim(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			t.Errorf("bad code %q", code)
		}
		if exp != 0 && exp != 2 && exp != 3 && exp != 4 {
			t.Errorf("%s: exponent %d", code, exp)
		}
	}
}

func TestParseMinor(t *testing.T) {
	ok := map[string]int64{
		"1":                1,
		"100":              100,
		"1050":             1050,
		"10":               10,
		"9999999999999999": MaxMinor,
		"1000000000000000": 1_000_000_000_000_000,
	}
	for in, want := range ok {
		got, err := ParseMinor(in)
		if err != nil || got != want {
			t.Errorf("ParseMinor(%q) = %d, %v; want %d", in, got, err, want)
		}
	}

	bad := []struct{ in, msg string }{
		{"", "empty"},
		{"0", "greater than 0"},
		{"00", "leading zero"},
		{"01", "leading zero"},
		{"0100", "leading zero"},
		{"-1", "sign"},
		{"+1", "sign"},
		{"1.00", "decimal point"},
		{"1,00", "decimal point"},
		{".5", "decimal point"},
		{"1e3", "exponent"},
		{" 1", "whitespace"},
		{"1 ", "whitespace"},
		{"1\n", "whitespace"},
		{"12a", "unexpected character"},
		{"0x10", "unexpected character"},
		{"١٢٣", "ASCII"},                     // Arabic-Indic digits
		{"１２３", "ASCII"},                     // fullwidth digits
		{"1²", "ASCII"},                      // superscript two
		{"10000000000000000", "too large"},   // 17 digits
		{"9223372036854775807", "too large"}, // int64 max
		{"9223372036854775808", "too large"}, // overflows int64
		{strings.Repeat("9", 1000), "too large"},
	}
	for _, c := range bad {
		n, err := ParseMinor(c.in)
		if err == nil {
			t.Errorf("ParseMinor(%q) = %d, want error", c.in, n)
			continue
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("ParseMinor(%q) error %q does not mention %q", c.in, err, c.msg)
		}
		if len(err.Error()) > 200 {
			t.Errorf("ParseMinor(%s) error is %d bytes long", quoteShort(c.in), len(err.Error()))
		}
	}
}

func TestFormatMajor(t *testing.T) {
	for _, c := range []struct {
		cur   string
		minor int64
		want  string
	}{
		{"USD", 1050, "10.50"},
		{"USD", 1, "0.01"},
		{"USD", 10, "0.10"},
		{"USD", 100, "1.00"},
		{"USD", 0, "0.00"},
		{"USD", -1050, "-10.50"},
		{"USD", -5, "-0.05"},
		{"USD", MaxMinor, "99999999999999.99"},
		{"JPY", 100, "100"},
		{"JPY", 0, "0"},
		{"JPY", -7, "-7"},
		{"KRW", 1234567, "1234567"},
		{"KWD", 1234, "1.234"},
		{"KWD", 5, "0.005"},
		{"BHD", 1000, "1.000"},
		{"CLF", 12345, "1.2345"},
		{"CLF", 1, "0.0001"},
		{"UYW", 10000, "1.0000"},
		{"ZZZ", 1050, "10.50"}, // unknown: two decimals
		{"USD", math.MaxInt64, "92233720368547758.07"},
		{"USD", math.MinInt64, "-92233720368547758.08"},
		{"JPY", math.MinInt64, "-9223372036854775808"},
	} {
		if got := FormatMajor(c.cur, c.minor); got != c.want {
			t.Errorf("FormatMajor(%s, %d) = %q, want %q", c.cur, c.minor, got, c.want)
		}
	}
}
