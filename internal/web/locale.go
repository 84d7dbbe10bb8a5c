package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// defaultLocale is what a buyer gets when nothing better is known, and the locale every other
// one falls back to, string by string.
const defaultLocale = "en_US"

// supportedLocales are the locales of the Antom web SDK (web-sdk.md), in its order.
var supportedLocales = []string{
	"en_US", "pt_BR", "ko_KR", "es_ES", "ms_MY", "in_ID", "tl_PH", "th_TH",
	"vi_VN", "fr_FR", "nl_NL", "it_IT", "de_DE", "zh_CN", "zh_HK",
}

//go:embed locales/*.json
var localeFS embed.FS

// catalog holds, per locale, every message: the locale's own strings over en_US's.
type catalog map[string]map[string]string

// loadCatalog reads locales/*.json. Every supported locale must have a file, en_US must be
// complete by definition (it defines the keys), and no file may have a key en_US lacks:
// that would be a typo nobody sees.
func loadCatalog() (catalog, error) {
	raw := map[string]map[string]string{}
	for _, loc := range supportedLocales {
		b, err := localeFS.ReadFile("locales/" + loc + ".json")
		if err != nil {
			return nil, fmt.Errorf("web: locale %s: %w", loc, err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("web: locale %s: %w", loc, err)
		}
		raw[loc] = m
	}
	en := raw[defaultLocale]
	c := catalog{}
	for _, loc := range supportedLocales {
		merged := make(map[string]string, len(en))
		for k, v := range en {
			merged[k] = v
		}
		for k, v := range raw[loc] {
			if _, ok := en[k]; !ok {
				return nil, fmt.Errorf("web: locale %s has key %q that en_US lacks", loc, k)
			}
			if v != "" {
				merged[k] = v
			}
		}
		c[loc] = merged
	}
	return c, nil
}

// htmlLang is the BCP 47 tag for <html lang>: Antom's in_ID is the withdrawn ISO 639 code
// for Indonesian, "id" today.
func htmlLang(loc string) string {
	if loc == "in_ID" {
		return "id-ID"
	}
	return strings.ReplaceAll(loc, "_", "-")
}

// normalizeLocale maps what a query parameter, cookie or form field says to a supported
// locale, or "" when it names none. Case and "-" versus "_" do not matter; id_ID is in_ID.
func normalizeLocale(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "-", "_"))
	lang, region, ok := strings.Cut(s, "_")
	if !ok || len(s) > 16 {
		return ""
	}
	lang, region = strings.ToLower(lang), strings.ToUpper(region)
	if lang == "id" {
		lang = "in"
	}
	want := lang + "_" + region
	for _, loc := range supportedLocales {
		if loc == want {
			return loc
		}
	}
	return ""
}

// languageDefault is the locale for a bare language in Accept-Language.
var languageDefault = map[string]string{
	"en": "en_US", "pt": "pt_BR", "ko": "ko_KR", "es": "es_ES", "ms": "ms_MY", "id": "in_ID",
	"in": "in_ID", "tl": "tl_PH", "fil": "tl_PH", "th": "th_TH", "vi": "vi_VN", "fr": "fr_FR",
	"nl": "nl_NL", "it": "it_IT", "de": "de_DE", "zh": "zh_CN",
}

// acceptLanguage picks the supported locale the buyer's browser prefers most, or "".
// "zh-TW", "zh-MO" and "zh-Hant" get traditional characters (zh_HK).
func acceptLanguage(header string) string {
	type pref struct {
		loc   string
		q     float64
		order int
	}
	var prefs []pref
	for i, part := range strings.Split(header, ",") {
		if i >= 32 {
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if p := strings.TrimSpace(params); strings.HasPrefix(p, "q=") {
			v, err := strconv.ParseFloat(p[2:], 64)
			if err != nil {
				continue
			}
			q = v
		}
		if q <= 0 {
			continue
		}
		if loc := tagLocale(strings.TrimSpace(tag)); loc != "" {
			prefs = append(prefs, pref{loc, q, i})
		}
	}
	sort.SliceStable(prefs, func(a, b int) bool { return prefs[a].q > prefs[b].q })
	if len(prefs) == 0 {
		return ""
	}
	return prefs[0].loc
}

// tagLocale maps one BCP 47 language tag to a supported locale, or "".
func tagLocale(tag string) string {
	parts := strings.Split(strings.ToLower(strings.ReplaceAll(tag, "_", "-")), "-")
	lang := parts[0]
	if lang == "zh" {
		for _, p := range parts[1:] {
			if p == "hant" || p == "hk" || p == "tw" || p == "mo" {
				return "zh_HK"
			}
		}
		return "zh_CN"
	}
	if len(parts) > 1 {
		if loc := normalizeLocale(lang + "_" + parts[len(parts)-1]); loc != "" {
			return loc
		}
	}
	return languageDefault[lang]
}

// localeCookie keeps the locale chosen with ?locale= across the flow's redirects.
const localeCookie = "cashier_locale"

// resolveLocale picks the page's locale: ?locale= (unknown values give en_US, as in the SDK;
// a valid one is remembered in a cookie), then a form's locale field, then the cookie, then
// Accept-Language, then en_US.
func resolveLocale(w http.ResponseWriter, r *http.Request, token string) string {
	if q := r.URL.Query(); q.Has("locale") {
		loc := normalizeLocale(q.Get("locale"))
		if loc == "" {
			loc = defaultLocale
		}
		setCookie(w, r, &http.Cookie{
			Name: localeCookie, Value: loc, Path: pagePath(token),
			HttpOnly: true, SameSite: http.SameSiteLaxMode,
		})
		return loc
	}
	if r.Method == http.MethodPost && r.PostForm != nil {
		if loc := normalizeLocale(r.PostForm.Get("locale")); loc != "" {
			return loc
		}
	}
	if c, err := r.Cookie(localeCookie); err == nil {
		if loc := normalizeLocale(c.Value); loc != "" {
			return loc
		}
	}
	if loc := acceptLanguage(r.Header.Get("Accept-Language")); loc != "" {
		return loc
	}
	return defaultLocale
}

// commaDecimal are the locales that write 10,50 rather than 10.50, and put the currency
// code after the number.
var commaDecimal = map[string]bool{
	"pt_BR": true, "es_ES": true, "in_ID": true, "vi_VN": true, "fr_FR": true, "nl_NL": true,
	"it_IT": true, "de_DE": true,
}

// formatAmount writes an amount for people: "USD 10.50", or "10,50 EUR" in locales that
// use a decimal comma. major has no grouping separators (payment.FormatMajor), so only the
// decimal point changes.
func formatAmount(loc, currency, major string) string {
	if commaDecimal[loc] {
		return strings.Replace(major, ".", ",", 1) + " " + currency
	}
	return currency + " " + major
}

// koreanCardNames are the Korean card companies as buyers in Korea name them.
var koreanCardNames = map[string]string{
	"HYUNDAI": "현대카드", "SAMSUNG": "삼성카드", "KOOKMIN": "KB국민카드", "SHINHAN": "신한카드",
	"LOTTE": "롯데카드", "BC": "BC카드", "NONGHYUP": "NH농협카드", "KEBHANA": "하나카드",
	"WOORI": "우리카드", "CITI": "씨티카드", "IBK_BC": "IBK기업은행카드", "KAKAOBANK": "카카오뱅크카드",
	"TOSSBANK": "토스뱅크카드", "SUHYEOP": "수협카드", "JEJUBANK": "제주은행카드",
	"JEONBUKBANK": "전북은행카드", "GWANGJUBANK": "광주은행카드", "KDBBANK": "KDB산업은행카드",
	"POST": "우체국카드", "SAEMAUL": "새마을금고카드", "SHINHYEOP": "신협카드", "SAVINGBANK": "저축은행카드",
	"KBANK": "케이뱅크카드",
}

// issuerName is how the issuer page names the buyer's card company. Every Korean name ends
// in a vowel (카드), which the ko_KR prompt's particle (로) relies on.
func issuerName(loc, brand string) string {
	if loc == "ko_KR" {
		if n, ok := koreanCardNames[brand]; ok {
			return n
		}
		return brand + " 카드"
	}
	return brand
}
