package card

import "strings"

// Brand names as Antom spells them (cardBrand, see the SDK's CardBrand enum). Only the brands
// that a number's prefix can tell are listed; local brands such as the Korean domestic cards
// (HYUNDAI, SAMSUNG, KOOKMIN, ...) and the domestic schemes of co-badged cards (ELO,
// CARTES_BANCAIRES) share or lack public ranges: the issuer names the former, and the
// co-badge table (CoBadged) the latter.
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
	// Domestic schemes whose cards carry an international brand too (CoBadged).
	CartesBancaires = "CARTES_BANCAIRES"
	Elo             = "ELO"
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
// one list of brands: consult's answer, the card form's accepted marks, the logos (drawn
// by httpapi, one per code) and the names shown to buyers all come from it.
type Brand struct {
	Code string // as Antom spells it
	// Name is for people, and what a screen reader says for the brand's mark: never the
	// code ("CUP" read aloud means nothing to a buyer).
	Name string
	// Accepted brands are the ones cashier takes payments with: consult lists them.
	Accepted bool
	// Korean local brands take KRW only, through the issuer's own authentication.
	Korean bool
}

var brands = []Brand{
	{Code: Visa, Name: "Visa", Accepted: true},
	{Code: Mastercard, Name: "Mastercard", Accepted: true},
	{Code: Amex, Name: "American Express", Accepted: true},
	{Code: JCB, Name: "JCB", Accepted: true},
	{Code: Diners, Name: "Diners Club", Accepted: true},
	{Code: Discover, Name: "Discover", Accepted: true},
	{Code: CUP, Name: "UnionPay", Accepted: true},
	{Code: Maestro, Name: "Maestro", Accepted: true},
	{Code: Mir, Name: "Mir", Accepted: true},
	// Co-badged schemes are taken but not listed: their cards carry an accepted
	// international brand too, whose mark the buyer already sees.
	{Code: CartesBancaires, Name: "Cartes Bancaires"},
	{Code: Elo, Name: "Elo"},
	{Code: Hyundai, Name: "Hyundai Card", Accepted: true, Korean: true},
	{Code: Samsung, Name: "Samsung Card", Accepted: true, Korean: true},
	{Code: Kookmin, Name: "KB Kookmin Card", Accepted: true, Korean: true},
	{Code: Shinhan, Name: "Shinhan Card", Accepted: true, Korean: true},
	{Code: Lotte, Name: "Lotte Card", Accepted: true, Korean: true},
	{Code: BC, Name: "BC Card", Accepted: true, Korean: true},
	{Code: Nonghyup, Name: "NH Nonghyup Card", Accepted: true, Korean: true},
	{Code: KEBHana, Name: "Hana Card", Accepted: true, Korean: true},
	{Code: Woori, Name: "Woori Card", Accepted: true, Korean: true},
	{Code: Generic, Name: "Card"},
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

// nationalPrefix is ISO/IEC 7812's major industry identifier 9, "national assignment": the
// numbers each country gives its own domestic card schemes. The Korean local cards live
// there, and only their issuer names their brand.
const nationalPrefix = "9"

// Recognized reports whether a full PAN belongs to a scheme a payment can go to: a brand its
// prefix names, or a domestic scheme's national number, whose brand the issuer names. A
// number that is neither matches no network, so no issuer could ever answer for it: the
// gateway refuses it (ErrNotSupported) rather than approve a card that does not exist. The
// brand ranges do not overlap, so a full PAN is never ambiguous between brands; the only
// "" DetectBrand gives a full PAN is a number outside every range.
func Recognized(pan string) bool {
	p := stripSeparators(pan)
	return DetectBrand(p) != "" || strings.HasPrefix(p, nationalPrefix)
}

// Table is the brand table as the browser card form embeds it, so that the form repeats
// DetectBrand and Recognized on the same data and names a brand as the gateway does.
type Table struct {
	Ranges []BrandRange `json:"ranges"`
	// National are the prefixes of domestic schemes' numbers, recognized without a brand.
	National []string `json:"national"`
	// Names are the brands' names for people, by code.
	Names map[string]string `json:"names"`
	// CoBadged are the co-badged BINs, for the form to let the buyer choose the brand.
	CoBadged []CoBadge `json:"coBadged"`
}

// BrowserTable returns the brand table for the card form.
func BrowserTable() Table {
	names := make(map[string]string, len(brands))
	for _, b := range brands {
		names[b.Code] = b.Name
	}
	return Table{Ranges: BrandRanges(), National: []string{nationalPrefix}, Names: names, CoBadged: append([]CoBadge(nil), coBadged...)}
}

// CoBadge is a BIN whose cards carry two brands: a domestic scheme's and an international
// one's. Either network can authorize them, and in the EU the buyer chooses (Regulation (EU)
// 2015/751, art. 8); Brands lists the domestic scheme first, the brand used when nobody
// chose.
type CoBadge struct {
	BIN    string   `json:"bin"`
	Brands []string `json:"brands"`
}

// coBadged is the co-badge table. No prefix rule tells a co-badged card: the schemes publish
// their BIN files to acquirers, and a production connector brings those. cashier ships the
// BINs of the sandbox's co-badged test cards, 8 digits each, which no other test card
// starts with (a test checks it).
var coBadged = []CoBadge{
	{BIN: "49730100", Brands: []string{CartesBancaires, Visa}},
	{BIN: "51370100", Brands: []string{CartesBancaires, Mastercard}},
	{BIN: "45763100", Brands: []string{Elo, Visa}},
}

// DomesticCurrency is the currency of the country a co-badged card's domestic scheme serves:
// consult lists the scheme for payments in it.
var DomesticCurrency = map[string]string{CartesBancaires: "EUR", Elo: "BRL"}

// CoBadged returns the brands of a co-badged PAN, the default first, or nil for a card
// of one brand.
func CoBadged(pan string) []string {
	p := stripSeparators(pan)
	for _, c := range coBadged {
		if strings.HasPrefix(p, c.BIN) {
			return append([]string(nil), c.Brands...)
		}
	}
	return nil
}

// DefaultBrand is the brand a PAN is paid with when nobody chose one: a co-badged card's
// first brand, else DetectBrand's.
func DefaultBrand(pan string) string {
	if b := CoBadged(pan); b != nil {
		return b[0]
	}
	return DetectBrand(pan)
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
