package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/text/language"

	"github.com/cashierpay/cashier/internal/checkout"
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

// catalog holds, per locale, every message.
type catalog map[string]map[string]string

// placeholder is how a message names what the page fills in: {amount}, {brand}.
var placeholder = regexp.MustCompile(`\{[A-Za-z]+\}`)

// loadCatalog reads locales/*.json from fsys. Every supported locale must have a file with
// exactly en_US's keys, none empty, each with en_US's placeholders: a buyer must never meet
// English in the middle of their language, nor a {brand} that nobody filled in, and a key
// en_US lacks would be a typo nobody sees.
func loadCatalog(fsys fs.FS) (catalog, error) {
	c := catalog{}
	for _, loc := range supportedLocales {
		b, err := fs.ReadFile(fsys, "locales/"+loc+".json")
		if err != nil {
			return nil, fmt.Errorf("web: locale %s: %w", loc, err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("web: locale %s: %w", loc, err)
		}
		c[loc] = m
	}
	en := c[defaultLocale]
	for _, loc := range supportedLocales {
		m := c[loc]
		for k := range m {
			if _, ok := en[k]; !ok {
				return nil, fmt.Errorf("web: locale %s has key %q that en_US lacks", loc, k)
			}
		}
		for k, ev := range en {
			v, ok := m[k]
			switch {
			case !ok || strings.TrimSpace(v) == "":
				return nil, fmt.Errorf("web: locale %s lacks %q", loc, k)
			case !samePlaceholders(v, ev):
				return nil, fmt.Errorf("web: locale %s: %q has placeholders %v, en_US %v", loc, k,
					placeholder.FindAllString(v, -1), placeholder.FindAllString(ev, -1))
			}
		}
	}
	return c, nil
}

// samePlaceholders reports whether a and b name the same placeholders, in any order (word
// order differs between languages).
func samePlaceholders(a, b string) bool {
	pa, pb := placeholder.FindAllString(a, -1), placeholder.FindAllString(b, -1)
	slices.Sort(pa)
	slices.Sort(pb)
	return slices.Equal(pa, pb)
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

// localeMatcher picks, from what a browser prefers, the closest supported locale: language
// first, then script and region (es-MX gets es_ES), as CLDR's matching data says. matched
// names the locale of each of its tags.
var localeMatcher, matched = func() (language.Matcher, []string) {
	// Antom's locale names that are not BCP 47 tags as they stand.
	bcp47 := map[string]string{"in_ID": "id-ID", "tl_PH": "fil-PH", "zh_CN": "zh-Hans-CN", "zh_HK": "zh-Hant-HK"}
	var tags []language.Tag
	var locs []string
	for _, loc := range supportedLocales {
		tag, ok := bcp47[loc]
		if !ok {
			tag = strings.ReplaceAll(loc, "_", "-")
		}
		tags, locs = append(tags, language.MustParse(tag)), append(locs, loc)
	}
	// Traditional characters wherever they are written: CLDR keeps Taiwan's and Macao's
	// Chinese apart from Hong Kong's, but zh_HK is the traditional one we have.
	for _, tag := range []string{"zh-Hant-TW", "zh-Hant-MO", "zh-Hant"} {
		tags, locs = append(tags, language.MustParse(tag)), append(locs, "zh_HK")
	}
	return language.NewMatcher(tags), locs
}()

// acceptLanguage picks the supported locale the buyer's browser prefers most, or "" when
// it prefers none of them.
func acceptLanguage(header string) string {
	prefs, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(prefs) == 0 {
		return ""
	}
	_, i, confidence := localeMatcher.Match(prefs...)
	if confidence == language.No {
		return ""
	}
	return matched[i]
}

// viewLocale is the locale of a payment's page: the one the merchant's env.deviceLanguage
// names ("ko_KR", "de-DE", "de"), when it names one cashier speaks, over requested, the one
// the request chose (resolveLocale, sdkLocale). The merchant knows the buyer's device;
// a link or a browser may not.
func viewLocale(v *checkout.HostedView, requested string) string {
	if v.DeviceLanguage == "" {
		return requested
	}
	if loc := normalizeLocale(v.DeviceLanguage); loc != "" {
		return loc
	}
	if loc := acceptLanguage(strings.ReplaceAll(v.DeviceLanguage, "_", "-")); loc != "" {
		return loc
	}
	return requested
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
