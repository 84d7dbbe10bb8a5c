package httpapi

import (
	"fmt"
	"html"
	"net/http"
	"strings"

	"github.com/cashierpay/cashier/internal/card"
)

// serveLogo serves the mark of a card brand: GET /static/logos/VISA.svg. The marks are
// cashier's own simple drawings in each brand's colours and shapes, recognisable at the 40 to
// 64 pixels wide the pages show them; the networks' artwork is trademarked and not ours to
// ship. Each carries the brand's name for people as its accessible name, never its code.
func serveLogo(w http.ResponseWriter, r *http.Request) {
	code, ok := strings.CutSuffix(r.PathValue("file"), ".svg")
	brand, known := card.LookupBrand(code)
	drawing, drawn := marks[code]
	if !ok || !known || !drawn {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	name := html.EscapeString(brand.Name)
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="40" viewBox="0 0 64 40" role="img" aria-label="%[1]s"><title>%[1]s</title>%[2]s</svg>`, name, drawing)
}

// The pieces the marks are drawn with, on a 64×40 card.
func plate(fill, stroke string) string {
	if stroke == "" {
		return fmt.Sprintf(`<rect width="64" height="40" rx="5" fill="%s"/>`, fill)
	}
	return fmt.Sprintf(`<rect x=".5" y=".5" width="63" height="39" rx="5" fill="%s" stroke="%s"/>`, fill, stroke)
}

// word writes text squeezed or stretched to width, so that it fits whatever font the
// buyer's system picks.
func word(x, y, size, width int, fill, style, s string) string {
	return fmt.Sprintf(`<text x="%d" y="%d" font-family="Arial,Helvetica,sans-serif" font-size="%d" font-weight="700"%s fill="%s" text-anchor="middle" textLength="%d" lengthAdjust="spacingAndGlyphs">%s</text>`,
		x, y, size, style, fill, width, s)
}

// rings are two overlapping discs and their lens, as the Mastercard family draws them.
func rings(left, right, lens string) string {
	return fmt.Sprintf(`<circle cx="25" cy="20" r="11" fill="%s"/><circle cx="39" cy="20" r="11" fill="%s"/>`+
		`<path d="M32 11.5A11 11 0 0 1 32 28.5A11 11 0 0 1 32 11.5Z" fill="%s"/>`, left, right, lens)
}

// wordMark is a brand written in white on its colour.
func wordMark(bg string, size, width int, s string) string {
	return plate(bg, "") + word(32, 20+size*7/20, size, width, "#fff", "", s)
}

const edge = "#d0d5dd"

// marks are the drawings, by brand code; a test checks that every brand has one.
var marks = map[string]string{
	card.Visa:       plate("#fff", edge) + word(32, 27, 19, 46, "#1a1f71", ` font-style="italic"`, "VISA"),
	card.Mastercard: plate("#1d1d1b", "") + rings("#eb001b", "#f79e1b", "#ff5f00"),
	card.Maestro:    plate("#fff", edge) + rings("#0099df", "#eb001b", "#6c6bbd"),
	card.Amex: plate("#2e77bc", "") + `<rect x="4" y="4" width="56" height="32" rx="3" fill="none" stroke="#fff" stroke-width="1.5"/>` +
		word(32, 26, 16, 46, "#fff", "", "AMEX"),
	card.JCB: plate("#fff", edge) +
		`<rect x="9" y="6" width="14" height="28" rx="4" fill="#0b4ea2"/><rect x="25" y="6" width="14" height="28" rx="4" fill="#e60012"/><rect x="41" y="6" width="14" height="28" rx="4" fill="#009b3a"/>` +
		word(16, 25, 14, 8, "#fff", "", "J") + word(32, 25, 14, 9, "#fff", "", "C") + word(48, 25, 14, 9, "#fff", "", "B"),
	card.Diners: plate("#fff", edge) + `<circle cx="32" cy="20" r="14" fill="none" stroke="#004a97" stroke-width="3"/>` +
		`<path d="M30 11.5A8.5 8.5 0 0 0 30 28.5Z" fill="#004a97"/><path d="M34 11.5A8.5 8.5 0 0 1 34 28.5Z" fill="#004a97"/>`,
	card.Discover: plate("#fff", edge) + word(32, 21, 12, 54, "#231f20", "", "DISCOVER") +
		`<path d="M18 39.5C38 38 54 33 63.5 25V34.5A5 5 0 0 1 58.5 39.5Z" fill="#ff6000"/>`,
	card.CUP: plate("#fff", edge) +
		`<path d="M9 3H28L22 37H3Z" fill="#d7000f"/><path d="M27 3H46L40 37H21Z" fill="#00447c"/><path d="M45 3H61L55 37H39Z" fill="#00838f"/>` +
		word(32, 19, 12, 36, "#fff", "", "Union") + word(32, 32, 12, 24, "#fff", "", "Pay"),
	card.Mir: wordMark("#0f754e", 17, 36, "MIR"),
	// Cartes Bancaires: "CB" in white on its blue, over the green band of its mark.
	card.CartesBancaires: plate("#1b4d8c", "") + `<path d="M0 27H64V35A5 5 0 0 1 59 40H5A5 5 0 0 1 0 35Z" fill="#00a19a"/>` +
		word(32, 24, 20, 30, "#fff", "", "CB"),
	// Elo: its lower-case word in white on black, with the yellow, blue and red of its ring.
	card.Elo: wordMark("#000", 18, 30, "elo") + `<circle cx="12" cy="9" r="3" fill="#ffcb05"/>` +
		`<circle cx="19" cy="9" r="3" fill="#00a4e0"/><circle cx="26" cy="9" r="3" fill="#ef4123"/>`,
	card.Hyundai:  wordMark("#111111", 12, 54, "HYUNDAI"),
	card.Samsung:  wordMark("#1428a0", 12, 54, "SAMSUNG"),
	card.Kookmin:  plate("#ffbc00", "") + word(32, 27, 20, 30, "#3c3c3c", "", "KB"),
	card.Shinhan:  wordMark("#0046ff", 13, 52, "Shinhan"),
	card.Lotte:    wordMark("#da291c", 15, 48, "LOTTE"),
	card.BC:       wordMark("#c8102e", 20, 30, "BC"),
	card.Nonghyup: wordMark("#00873c", 20, 30, "NH"),
	card.KEBHana:  wordMark("#008485", 17, 44, "Hana"),
	card.Woori:    wordMark("#0067ac", 16, 48, "Woori"),
	card.Generic: plate("#e2e8f0", "#a0aec0") + `<rect x="1" y="8" width="62" height="7" fill="#4a5568"/>` +
		`<rect x="8" y="20" width="11" height="9" rx="2" fill="#d69e2e"/><rect x="26" y="25" width="30" height="3" rx="1.5" fill="#718096"/>`,
}
