package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/payment"
)

func TestLocaleSelection(t *testing.T) {
	h := newHarness(t, baseView(checkout.StepCard))

	zh := h.get(pagePathT + "?locale=zh_CN")
	body := zh.Body.String()
	for _, s := range []string{`<html lang="zh-CN"`, "卡号", "有效期", "持卡人姓名", "支付 US$10.50"} {
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

// TestDeviceLanguage: the payment's env.deviceLanguage, when cashier speaks it, chooses the
// page's language over ?locale= and Accept-Language, on the hosted page and in the SDK's
// frame and JSON view; one it does not speak leaves the choice to the request.
func TestDeviceLanguage(t *testing.T) {
	lang := regexp.MustCompile(`<html lang="([^"]+)"`)
	for _, tc := range []struct{ device, query, accept, want string }{
		{"ko_KR", "?locale=de_DE", "fr-FR", "ko-KR"},
		{"de", "", "fr-FR", "de-DE"},
		{"pt-BR", "?locale=xx_YY", "", "pt-BR"},
		{"zh-TW", "", "", "zh-HK"},
		{"sv_SE", "?locale=fr_FR", "de-DE", "fr-FR"},
		{"sv_SE", "", "it-IT", "it-IT"},
		{"", "?locale=nl_NL", "", "nl-NL"},
	} {
		v := baseView(checkout.StepCard)
		v.DeviceLanguage = tc.device
		h := newHarness(t, v)
		if m := lang.FindStringSubmatch(h.get(pagePathT+tc.query, "Accept-Language", tc.accept).Body.String()); m == nil || m[1] != tc.want {
			t.Errorf("hosted, deviceLanguage %q, %q, Accept-Language %q: lang %v, want %s", tc.device, tc.query, tc.accept, m, tc.want)
		}
	}

	v := baseView(checkout.StepResult)
	v.Status, v.ResultCode, v.DeviceLanguage = payment.Fail, "DO_NOT_HONOR", "th_TH"
	h, _ := newSDKHarness(t, v)
	body := h.get(formURL("locale=en_US")).Body.String()
	if m := lang.FindStringSubmatch(body); m == nil || m[1] != "th-TH" || frameConfigOf(t, body).Locale != "th_TH" {
		t.Errorf("SDK frame, deviceLanguage th_TH, locale=en_US: lang %v, config locale %q", m, frameConfigOf(t, body).Locale)
	}
	th := catalogFor(t, "th_TH")["rc_DO_NOT_HONOR"]
	if api := h.get(sdkAPIPathT + "?locale=en_US").Body.String(); !strings.Contains(api, th) {
		t.Errorf("SDK view, deviceLanguage th_TH: want %q in %s", th, api)
	}
}

// TestExpiryPlaceholder: the expiry field shows the date format in the buyer's language.
func TestExpiryPlaceholder(t *testing.T) {
	h := newHarness(t, baseView(checkout.StepCard))
	for loc, want := range map[string]string{
		"en_US": "MM/YY", "de_DE": "MM/JJ", "nl_NL": "MM/JJ", "es_ES": "MM/AA", "fr_FR": "MM/AA",
		"pt_BR": "MM/AA", "it_IT": "MM/AA", "in_ID": "BB/TT", "ms_MY": "BB/TT", "th_TH": "ดด/ปป",
	} {
		body := h.get(pagePathT + "?locale=" + loc).Body.String()
		if got := regexp.MustCompile(`id="expiry"[^>]* placeholder="([^"]*)"`).FindStringSubmatch(body); got == nil || got[1] != want {
			t.Errorf("%s: expiry placeholder %v, want %q", loc, got, want)
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

// TestCatalog checks the message files: all fifteen locales, each with exactly en_US's keys
// and placeholders, and a real translation of the main labels everywhere.
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
	c, err := loadCatalog(localeFS)
	if err != nil {
		t.Fatal(err)
	}
	en := c[defaultLocale]
	for _, loc := range supportedLocales {
		if loc == defaultLocale {
			continue
		}
		for _, k := range []string{"cardNumber", "expiry", "cvv", "holderName", "pay", "submit", "cancel", "resultSuccess", "resultFail", "errCardNoInvalid", "resultProcessingBody", "challengeIntro", "rc_DO_NOT_HONOR"} {
			if c[loc][k] == en[k] {
				t.Errorf("%s: %q untranslated", loc, k)
			}
		}
	}
}

// TestCatalogRejects: a locale file that lacks a key, has one en_US lacks, or drops or
// renames a placeholder stops the server from starting.
func TestCatalogRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		loc  string
		edit func(m map[string]string)
		want string
	}{
		"missing key":         {"th_TH", func(m map[string]string) { delete(m, "rc_CARD_EXPIRED") }, `th_TH lacks "rc_CARD_EXPIRED"`},
		"empty message":       {"ko_KR", func(m map[string]string) { m["cvvHint"] = " " }, `ko_KR lacks "cvvHint"`},
		"key en_US lacks":     {"de_DE", func(m map[string]string) { m["payy"] = "Zahlen" }, `de_DE has key "payy"`},
		"dropped placeholder": {"fr_FR", func(m map[string]string) { m["pay"] = "Payer" }, `fr_FR: "pay" has placeholders`},
		"renamed placeholder": {"es_ES", func(m map[string]string) { m["issuerPrompt"] = "Tarjeta {marca}" }, `es_ES: "issuerPrompt" has placeholders`},
	} {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, loc := range supportedLocales {
				b, err := localeFS.ReadFile("locales/" + loc + ".json")
				if err != nil {
					t.Fatal(err)
				}
				if loc == tc.loc {
					m := map[string]string{}
					if err := json.Unmarshal(b, &m); err != nil {
						t.Fatal(err)
					}
					tc.edit(m)
					if b, err = json.Marshal(m); err != nil {
						t.Fatal(err)
					}
				}
				fsys["locales/"+loc+".json"] = &fstest.MapFile{Data: b}
			}
			_, err := loadCatalog(fsys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("loadCatalog: %v, want an error with %q", err, tc.want)
			}
		})
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
