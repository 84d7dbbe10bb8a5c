package web

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/browsertest"
)

// moneyCase is an amount in minor units for a buyer reading loc, and how it reads.
type moneyCase struct {
	loc, cur string
	minor    int64
	want     string
}

// moneyCases: grouping, decimal separator, symbol and its place per locale; minor units
// per ISO 4217 (KRW and JPY 0, KWD 3); IDR without its unused decimals.
var moneyCases = []moneyCase{
	{"en_US", "USD", 123456, "$1,234.56"},
	{"en_US", "KRW", 3000000, "₩3,000,000"},
	{"en_US", "IDR", 125000000, "IDR~1,250,000"},
	{"en_US", "KWD", 1234567, "KWD~1,234.567"},
	{"de_DE", "EUR", 123456, "1.234,56~€"},
	{"de_DE", "USD", 1050, "10,50~$"},
	{"es_ES", "EUR", 123456, "1234,56~€"},
	{"es_ES", "EUR", 1234567, "12.345,67~€"},
	{"fr_FR", "EUR", 123456, "1^234,56~€"},
	{"fr_FR", "USD", 123456, "1^234,56~$US"},
	{"it_IT", "EUR", 99, "0,99~€"},
	{"nl_NL", "EUR", 123456, "€~1.234,56"},
	{"pt_BR", "BRL", 123456, "R$~1.234,56"},
	{"pt_BR", "USD", 1050, "US$~10,50"},
	{"ko_KR", "KRW", 30000, "₩30,000"},
	{"ko_KR", "USD", 1050, "US$10.50"},
	{"in_ID", "IDR", 125000000, "Rp~1.250.000"},
	{"in_ID", "IDR", 125000050, "Rp~1.250.000,50"},
	{"ms_MY", "MYR", 123456, "RM~1,234.56"},
	{"th_TH", "THB", 123456, "฿1,234.56"},
	{"vi_VN", "VND", 30000, "30.000~₫"},
	{"tl_PH", "PHP", 123456, "₱1,234.56"},
	{"zh_CN", "CNY", 123456, "¥1,234.56"},
	{"zh_CN", "USD", 1050, "US$10.50"},
	{"zh_CN", "KRW", 30000, "₩30,000"},
	{"zh_HK", "HKD", 123456, "HK$1,234.56"},
	{"zh_HK", "JPY", 5000, "¥5,000"},
}

// spaces writes a moneyCase's want with its real spaces.
var spaces = strings.NewReplacer("~", nbsp, "^", "\u202f")

func TestFormatMoney(t *testing.T) {
	for _, tc := range moneyCases {
		if got, want := formatMoney(tc.loc, tc.cur, tc.minor), spaces.Replace(tc.want); got != want {
			t.Errorf("formatMoney(%s, %s, %d) = %q, want %q", tc.loc, tc.cur, tc.minor, got, want)
		}
	}
}

// TestFormatMoneyAsIntl: the server writes an amount as Intl.NumberFormat does in Chromium
// for the page's language, with the decimals the gateway says (displayDigits), so that the
// pages and any script that formats an amount in the browser agree.
func TestFormatMoneyAsIntl(t *testing.T) {
	ctx := browsertest.Tab(t, browsertest.New(t), 800, 600, false)
	type intlCase struct {
		Lang     string `json:"lang"`
		Currency string `json:"currency"`
		Major    string `json:"major"`
		Digits   int    `json:"digits"`
	}
	var in []intlCase
	for _, tc := range moneyCases {
		in = append(in, intlCase{htmlLang(tc.loc), tc.cur, ams.FormatMajor(tc.cur, tc.minor), displayDigits(tc.cur, tc.minor)})
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	browsertest.Do(t, ctx, chromedp.Navigate("about:blank"))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(`+string(b)+`).map(c => new Intl.NumberFormat(c.lang,
		{style: 'currency', currency: c.currency, minimumFractionDigits: c.digits, maximumFractionDigits: c.digits}).format(c.major))`))
	if err != nil || len(got) != len(moneyCases) {
		t.Fatalf("Intl: %v %q", err, got)
	}
	for i, tc := range moneyCases {
		if server := formatMoney(tc.loc, tc.cur, tc.minor); server != got[i] {
			t.Errorf("%s %s %d: server %q, Intl %q", tc.loc, tc.cur, tc.minor, server, got[i])
		}
	}
}
