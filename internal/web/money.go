package web

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/cashierpay/cashier/ams"
)

// Amounts for people, as CLDR writes them and as Intl.NumberFormat does in the buyer's
// browser: "$1,234.56", "1.234,56 €", "₩30,000", "Rp 1.250.000". The minor units are
// ams.CurrencyExponent's (ISO 4217), never x/text's, which differ for several codes.

// nbsp joins a symbol to its number, as CLDR's patterns and currency spacing do.
const nbsp = "\u00a0"

// numberStyle is how a locale writes a currency amount (CLDR's decimal and group symbols,
// minimumGroupingDigits and standard currency pattern).
type numberStyle struct {
	decimal, group string
	// minGroup: the integer part is grouped only with at least this many digits before
	// the first separator (es: 1234,56 but 12.345,67).
	minGroup int
	// after: the pattern is "#,##0.00 ¤"; spaced: "¤ #,##0.00".
	after, spaced bool
}

var numberStyles = map[string]numberStyle{
	"en_US": {".", ",", 1, false, false},
	"pt_BR": {",", ".", 1, false, true},
	"ko_KR": {".", ",", 1, false, false},
	"es_ES": {",", ".", 2, true, false},
	"ms_MY": {".", ",", 1, false, false},
	"in_ID": {",", ".", 1, false, false},
	"tl_PH": {".", ",", 1, false, false},
	"th_TH": {".", ",", 1, false, false},
	"vi_VN": {",", ".", 1, true, false},
	"fr_FR": {",", "\u202f", 1, true, false},
	"nl_NL": {",", ".", 1, false, true},
	"it_IT": {",", ".", 1, true, false},
	"de_DE": {",", ".", 1, true, false},
	"zh_CN": {".", ",", 1, false, false},
	"zh_HK": {".", ",", 1, false, false},
}

// symbolFixes are the symbols where x/text's CLDR data is older than the browsers' and
// differs from what Intl shows.
var symbolFixes = map[string]map[string]string{
	"zh_CN": {"CNY": "¥", "KRW": "₩"},
	"th_TH": {"THB": "฿"},
}

// noMinorUnit are currencies whose minor unit is not used in practice (CLDR's cash digits
// are 0): their whole amounts are shown without decimals, "Rp 1.250.000", while an amount
// with a fraction still shows it, so that the buyer sees what is charged.
var noMinorUnit = map[string]bool{"IDR": true, "HUF": true, "TWD": true}

// displayDigits is how many decimals an amount of minor units is shown with: the
// currency's exponent, or none for a whole amount of a currency in noMinorUnit.
func displayDigits(cur string, minor int64) int {
	exp, ok := ams.CurrencyExponent(cur)
	if !ok {
		exp = 2
	}
	if noMinorUnit[cur] {
		scale := int64(1)
		for range exp {
			scale *= 10
		}
		if minor%scale == 0 {
			return 0
		}
	}
	return exp
}

// currencySymbol is the currency's symbol in the locale, or its code when CLDR has none.
func currencySymbol(loc, cur string) string {
	if s, ok := symbolFixes[loc][cur]; ok {
		return s
	}
	u, err := currency.ParseISO(cur)
	if err != nil {
		return cur
	}
	return message.NewPrinter(localeTag(loc)).Sprint(currency.Symbol(u))
}

// localeTag is the BCP 47 tag whose CLDR data a locale's amounts follow.
func localeTag(loc string) language.Tag {
	switch loc {
	case "zh_CN":
		return language.MustParse("zh-Hans-CN")
	case "zh_HK":
		return language.MustParse("zh-Hant-HK")
	case "tl_PH":
		return language.MustParse("fil-PH")
	}
	return language.MustParse(htmlLang(loc))
}

// formatMoney writes minor units of cur for a buyer reading loc.
func formatMoney(loc, cur string, minor int64) string {
	st, ok := numberStyles[loc]
	if !ok {
		loc, st = defaultLocale, numberStyles[defaultLocale]
	}
	major := ams.FormatMajor(cur, minor)
	whole, frac, _ := strings.Cut(strings.TrimPrefix(major, "-"), ".")
	num := group(whole, st)
	if displayDigits(cur, minor) > 0 {
		num += st.decimal + frac
	}
	if strings.HasPrefix(major, "-") {
		num = "-" + num
	}
	sym := currencySymbol(loc, cur)
	if st.after {
		return num + nbsp + sym
	}
	// CLDR's currency spacing: a symbol that ends in a letter ("Rp", "IDR") keeps a space
	// from the digits even where the pattern has none.
	last, _ := utf8.DecodeLastRuneInString(sym)
	if st.spaced || !unicode.IsSymbol(last) {
		return sym + nbsp + num
	}
	return sym + num
}

// group puts the locale's group separator between each three digits of whole.
func group(whole string, st numberStyle) string {
	if len(whole) < 4+st.minGroup-1 {
		return whole
	}
	var b strings.Builder
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(st.group)
		}
		b.WriteRune(d)
	}
	return b.String()
}
