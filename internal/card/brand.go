package card

// Brand names as Antom spells them (cardBrand, see the SDK's CardBrand enum). Only the brands
// that a number's prefix can tell are listed; local brands such as the Korean domestic cards
// (HYUNDAI, SAMSUNG, KOOKMIN, ...) and co-badged ones (ELO, CARTES_BANCAIRES) share or lack
// public ranges, so only the issuer can name them.
const (
	Visa       = "VISA"
	Mastercard = "MASTERCARD"
	Amex       = "AMEX"
	JCB        = "JCB"
	Diners     = "DINERS"
	Discover   = "DISCOVER"
	CUP        = "CUP" // UnionPay
	Maestro    = "MAESTRO"
	Mir        = "MIR"
)

// BrandRange is one row of the brand table: a PAN belongs to Brand when its first len(Low)
// digits, read as a number, lie between Low and High inclusive. Low and High have the same
// length. The JSON form exists so that the browser card form can embed the very same table.
type BrandRange struct {
	Low   string `json:"low"`
	High  string `json:"high"`
	Brand string `json:"brand"`
}

// brandRanges must not overlap (a test checks it), so that a full PAN matches at most one row
// and the order of rows does not matter.
var brandRanges = []BrandRange{
	{"4", "4", Visa},
	{"51", "55", Mastercard},
	{"2221", "2720", Mastercard},
	{"34", "34", Amex},
	{"37", "37", Amex},
	{"3528", "3589", JCB},
	{"300", "305", Diners},
	{"3095", "3095", Diners},
	{"36", "36", Diners},
	{"38", "39", Diners},
	{"6011", "6011", Discover},
	{"644", "649", Discover},
	{"65", "65", Discover},
	{"62", "62", CUP},
	{"50", "50", Maestro},
	{"56", "58", Maestro},
	{"6304", "6304", Maestro},
	{"67", "67", Maestro},
	{"2200", "2204", Mir},
}

// BrandRanges returns a copy of the table DetectBrand uses.
func BrandRanges() []BrandRange {
	return append([]BrandRange(nil), brandRanges...)
}

// admits reports whether some PAN starting with p falls in the range. Comparing the first n
// digits as strings is a numeric comparison because both sides have n digits.
func (r BrandRange) admits(p string) bool {
	n := min(len(p), len(r.Low))
	return r.Low[:n] <= p[:n] && p[:n] <= r.High[:n]
}

// DetectBrand returns the Antom brand of a PAN, or "" when the prefix table does not know it.
// It also works on the first digits alone, as a card form sees them while the buyer types:
// it names a brand as soon as every range the digits could still reach has that brand
// ("4" is VISA, "35" is JCB) and returns "" while they are ambiguous ("3" could be AMEX, JCB
// or DINERS). Spaces and dashes are ignored; any other non-digit gives "".
func DetectBrand(pan string) string {
	p := stripSeparators(pan)
	if p == "" || !allDigits(p) {
		return ""
	}
	brand := ""
	for _, r := range brandRanges {
		if !r.admits(p) {
			continue
		}
		if brand != "" && brand != r.Brand {
			return ""
		}
		brand = r.Brand
	}
	return brand
}
