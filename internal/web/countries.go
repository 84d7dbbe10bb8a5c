package web

import (
	"slices"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// The billing address's country is chosen by its name in the buyer's language, not typed
// as a code nobody knows by heart; its value is still the ISO 3166-1 alpha-2 code that
// billingAddress.region carries.

type country struct{ Code, Name string }

// countryCodes are the countries a billing address may be in: the current ISO 3166-1
// codes as CLDR knows them (Kosovo's XK included, as the card schemes use it), without the
// withdrawn ones (YU, SU, …) and the reservations that are not countries (EU, UN, AC, …).
func countryCodes() []language.Region {
	var out []language.Region
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			r, err := language.ParseRegion(code)
			if err != nil || !r.IsCountry() || r.String() != code || r.Canonicalize() != r || r.ISO3() == "" || r.M49() == 0 {
				continue
			}
			switch code {
			case "AN", "CS", "NT", "SU", "YU": // withdrawn, but not marked deprecated in CLDR
				continue
			}
			out = append(out, r)
		}
	}
	return out
}

// countryLists are the countries in each locale's names and alphabetical order.
func countryLists() map[string][]country {
	codes := countryCodes()
	out := make(map[string][]country, len(supportedLocales))
	for _, loc := range supportedLocales {
		tag := language.Make(htmlLang(loc))
		names, english := display.Regions(tag), display.English.Regions()
		list := make([]country, 0, len(codes))
		for _, r := range codes {
			name := names.Name(r)
			if name == "" {
				name = english.Name(r)
			}
			list = append(list, country{Code: r.String(), Name: name})
		}
		col := collate.New(tag)
		slices.SortStableFunc(list, func(a, b country) int { return col.CompareString(a.Name, b.Name) })
		out[loc] = list
	}
	return out
}
