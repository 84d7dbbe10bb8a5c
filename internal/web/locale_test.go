package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/internal/checkout"
)

func TestLocaleSelection(t *testing.T) {
	h := newHarness(t, baseView(checkout.StepCard))

	zh := h.get(pagePathT + "?locale=zh_CN")
	body := zh.Body.String()
	for _, s := range []string{`<html lang="zh-CN"`, "卡号", "有效期", "持卡人姓名", "支付 USD 10.50"} {
		if !strings.Contains(body, s) {
			t.Errorf("zh_CN page lacks %q", s)
		}
	}
	if strings.Contains(body, ">Card number<") {
		t.Error("zh_CN page has the English label")
	}
	var cookie *http.Cookie
	for _, c := range zh.Result().Cookies() {
		if c.Name == localeCookie {
			cookie = c
		}
	}
	if cookie == nil || cookie.Value != "zh_CN" || cookie.Path != pagePathT || !cookie.HttpOnly {
		t.Fatalf("locale cookie %+v", cookie)
	}

	// The cookie keeps the locale after the redirects of the flow, over Accept-Language.
	r := httptest.NewRequest(http.MethodGet, pagePathT, nil)
	r.AddCookie(&http.Cookie{Name: localeCookie, Value: cookie.Value})
	r.Header.Set("Accept-Language", "de-DE")
	if b := h.do(r).Body.String(); !strings.Contains(b, `lang="zh-CN"`) || !strings.Contains(b, "卡号") {
		t.Error("locale cookie not honoured")
	}

	// Unknown locale: English, even when the browser prefers another language.
	en := h.get(pagePathT+"?locale=xx_YY", "Accept-Language", "fr-FR").Body.String()
	if !strings.Contains(en, `lang="en-US"`) || !strings.Contains(en, ">Card number<") {
		t.Error("unknown locale is not English")
	}

	// No choice: Accept-Language, then English.
	for header, want := range map[string]string{
		"de-DE,de;q=0.9,en;q=0.8":  `lang="de-DE"`,
		"fr;q=0.5, zh-TW;q=0.8":    `lang="zh-HK"`,
		"id":                       `lang="id-ID"`,
		"pt":                       `lang="pt-BR"`,
		"sv-SE, ja;q=0.9":          `lang="en-US"`,
		"":                         `lang="en-US"`,
		"ko-KR;q=0, es-MX;q=0.1":   `lang="es-ES"`,
		"zh-Hant-TW":               `lang="zh-HK"`,
		"zh":                       `lang="zh-CN"`,
		"EN-gb":                    `lang="en-US"`,
		"th-TH,th;q=0.9,en;q=0.1":  `lang="th-TH"`,
		"fil-PH":                   `lang="tl-PH"`,
		"nl-BE;q=0.9, it-IT;q=0.8": `lang="nl-NL"`,
	} {
		b := h.get(pagePathT, "Accept-Language", header).Body.String()
		if !strings.Contains(b, want) {
			t.Errorf("Accept-Language %q: want %s, got %s", header, want, regexp.MustCompile(`lang="[^"]+"`).FindString(b))
		}
	}
}

func TestNormalizeLocale(t *testing.T) {
	for in, want := range map[string]string{
		"zh_CN": "zh_CN", "zh-cn": "zh_CN", "ZH_hk": "zh_HK", "id_ID": "in_ID", "in-ID": "in_ID",
		"en": "", "xx_YY": "", "": "", "en_US;drop": "",
	} {
		if got := normalizeLocale(in); got != want {
			t.Errorf("normalizeLocale(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	for _, tc := range []struct{ loc, cur, major, want string }{
		{"en_US", "USD", "10.50", "USD 10.50"},
		{"zh_CN", "CNY", "10.50", "CNY 10.50"},
		{"de_DE", "EUR", "10.50", "10,50 EUR"},
		{"ko_KR", "KRW", "1000", "KRW 1000"},
		{"fr_FR", "KWD", "1.234", "1,234 KWD"},
	} {
		if got := formatAmount(tc.loc, tc.cur, tc.major); got != tc.want {
			t.Errorf("formatAmount(%s, %s, %s) = %q, want %q", tc.loc, tc.cur, tc.major, got, tc.want)
		}
	}
}

// TestCatalog checks the message files: all fifteen locales, en_US and zh_CN complete, no
// key unknown to en_US, the same placeholders as en_US, and a real translation of the main
// labels everywhere.
func TestCatalog(t *testing.T) {
	if len(supportedLocales) != 15 {
		t.Fatalf("%d locales, want 15", len(supportedLocales))
	}
	entries, err := localeFS.ReadDir("locales")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		files = append(files, strings.TrimSuffix(e.Name(), ".json"))
	}
	want := append([]string(nil), supportedLocales...)
	sort.Strings(want)
	sort.Strings(files)
	if strings.Join(files, ",") != strings.Join(want, ",") {
		t.Errorf("locale files %v, want %v", files, want)
	}
	raw := map[string]map[string]string{}
	for _, loc := range supportedLocales {
		b, _ := localeFS.ReadFile("locales/" + loc + ".json")
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", loc, err)
		}
		raw[loc] = m
	}
	en := raw["en_US"]
	placeholder := regexp.MustCompile(`\{[a-z]+\}`)
	for _, loc := range supportedLocales {
		for k, v := range raw[loc] {
			ev, ok := en[k]
			if !ok {
				t.Errorf("%s: key %q not in en_US", loc, k)
				continue
			}
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %q is empty", loc, k)
			}
			if a, b := placeholder.FindAllString(v, -1), placeholder.FindAllString(ev, -1); strings.Join(a, "") != strings.Join(b, "") {
				t.Errorf("%s: %q has placeholders %v, en_US %v", loc, k, a, b)
			}
		}
		if loc == "zh_CN" || loc == "en_US" {
			for k := range en {
				if _, ok := raw[loc][k]; !ok {
					t.Errorf("%s lacks %q", loc, k)
				}
			}
		}
		if loc != "en_US" {
			for _, k := range []string{"cardNumber", "expiry", "cvv", "holderName", "pay", "submit", "cancel", "resultSuccess", "resultFail", "errCardNoInvalid"} {
				if v, ok := raw[loc][k]; !ok || v == en[k] {
					t.Errorf("%s: main label %q untranslated", loc, k)
				}
			}
		}
	}
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, loc := range supportedLocales {
		if len(c[loc]) != len(en) {
			t.Errorf("%s: merged catalog has %d messages, want %d", loc, len(c[loc]), len(en))
		}
	}
	if c["tl_PH"]["notFoundBody"] != en["notFoundBody"] {
		t.Error("a missing message does not fall back to en_US")
	}
}

func TestIssuerName(t *testing.T) {
	for _, tc := range []struct{ loc, brand, want string }{
		{"ko_KR", "HYUNDAI", "현대카드"}, {"ko_KR", "KOOKMIN", "KB국민카드"}, {"ko_KR", "NEWBANK", "NEWBANK 카드"},
		{"en_US", "HYUNDAI", "HYUNDAI"}, {"zh_CN", "SAMSUNG", "SAMSUNG"},
	} {
		if got := issuerName(tc.loc, tc.brand); got != tc.want {
			t.Errorf("issuerName(%s, %s) = %q, want %q", tc.loc, tc.brand, got, tc.want)
		}
	}
}
