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

// Korean local brands: domestic cards that authenticate with their issuer instead of 3-D
// Secure and pay in KRW.
const (
	Hyundai  = "HYUNDAI"
	Samsung  = "SAMSUNG"
	Kookmin  = "KOOKMIN"
	Shinhan  = "SHINHAN"
	Lotte    = "LOTTE"
	BC       = "BC"
	Nonghyup = "NONGHYUP"
	KEBHana  = "KEBHANA"
	Woori    = "WOORI"
)

// Generic is the code of the mark shown for a card whose brand is unknown.
const Generic = "CARD"

// Brand is what cashier knows of a card brand beyond its number ranges. This table is the
// one list of brands: consult's answer, the card form's accepted marks, the logos and the
// names shown to buyers all come from it.
type Brand struct {
	Code string // as Antom spells it
	Name string // for people: "American Express"
	// Mark is the text of the brand's badge and Color its colour. The badges are drawn by
	// cashier: the networks' own artwork is trademarked and not ours to ship.
	Mark, Color string
	// Accepted brands are the ones cashier takes payments with: consult lists them.
	Accepted bool
	// Korean local brands take KRW only, through the issuer's own authentication.
	Korean bool
}

var brands = []Brand{
	{Code: Visa, Name: "Visa", Mark: "VISA", Color: "#1a1f71", Accepted: true},
	{Code: Mastercard, Name: "Mastercard", Mark: "Mastercard", Color: "#eb001b", Accepted: true},
	{Code: Amex, Name: "American Express", Mark: "AMEX", Color: "#2e77bc", Accepted: true},
	{Code: JCB, Name: "JCB", Mark: "JCB", Color: "#0b4ea2", Accepted: true},
	{Code: Diners, Name: "Diners Club", Mark: "Diners", Color: "#004a97", Accepted: true},
	{Code: Discover, Name: "Discover", Mark: "DISCOVER", Color: "#ff6000", Accepted: true},
	{Code: CUP, Name: "UnionPay", Mark: "UnionPay", Color: "#d7000f", Accepted: true},
	{Code: Maestro, Name: "Maestro", Mark: "MAESTRO", Color: "#0099df"},
	{Code: Mir, Name: "Mir", Mark: "MIR", Color: "#0f754e"},
	{Code: Hyundai, Name: "Hyundai Card", Mark: "HYUNDAI", Color: "#002c5f", Accepted: true, Korean: true},
	{Code: Samsung, Name: "Samsung Card", Mark: "SAMSUNG", Color: "#1428a0", Accepted: true, Korean: true},
	{Code: Kookmin, Name: "KB Kookmin Card", Mark: "KOOKMIN", Color: "#ffbc00", Accepted: true, Korean: true},
	{Code: Shinhan, Name: "Shinhan Card", Mark: "SHINHAN", Color: "#0046ff", Accepted: true, Korean: true},
	{Code: Lotte, Name: "Lotte Card", Mark: "LOTTE", Color: "#da291c", Accepted: true, Korean: true},
	{Code: BC, Name: "BC Card", Mark: "BC", Color: "#f04e3e", Accepted: true, Korean: true},
	{Code: Nonghyup, Name: "NH Nonghyup Card", Mark: "NONGHYUP", Color: "#00a651", Accepted: true, Korean: true},
	{Code: KEBHana, Name: "Hana Card", Mark: "KEBHANA", Color: "#008485", Accepted: true, Korean: true},
	{Code: Woori, Name: "Woori Card", Mark: "WOORI", Color: "#0067ac", Accepted: true, Korean: true},
	{Code: Generic, Name: "Card", Mark: "Card", Color: "#4a5568"},
}

// Brands returns the brand table, in the order it is shown.
func Brands() []Brand { return append([]Brand(nil), brands...) }

// LookupBrand finds a brand by its code.
func LookupBrand(code string) (Brand, bool) {
	for _, b := range brands {
		if b.Code == code {
			return b, true
		}
	}
	return Brand{}, false
}

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
