package httpapi

import (
	"fmt"
	"html"
	"net/http"
	"strings"
)

// brandColors gives each card brand a badge colour. The badges are plain text marks drawn
// by cashier: the networks' own artwork is trademarked and not ours to ship.
var brandColors = map[string]string{
	"VISA": "#1a1f71", "MASTERCARD": "#eb001b", "AMEX": "#2e77bc", "JCB": "#0b4ea2", "DINERS": "#004a97",
	"DISCOVER": "#ff6000", "CUP": "#d7000f", "MAESTRO": "#0099df", "HYUNDAI": "#002c5f", "SAMSUNG": "#1428a0",
	"KOOKMIN": "#ffbc00", "SHINHAN": "#0046ff", "LOTTE": "#da291c", "BC": "#f04e3e", "NONGHYUP": "#00a651",
	"KEBHANA": "#008485", "WOORI": "#0067ac", "CARD": "#4a5568",
}

var brandLabels = map[string]string{"MASTERCARD": "Mastercard", "AMEX": "AMEX", "CUP": "UnionPay", "DINERS": "Diners", "CARD": "Card"}

// serveLogo draws the SVG badge of a card brand: GET /static/logos/VISA.svg.
func serveLogo(w http.ResponseWriter, r *http.Request) {
	brand, ok := strings.CutSuffix(r.PathValue("file"), ".svg")
	color, known := brandColors[brand]
	if !ok || !known {
		http.NotFound(w, r)
		return
	}
	label := brandLabels[brand]
	if label == "" {
		label = brand
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="40" viewBox="0 0 64 40" role="img" aria-label="%[1]s">`+
		`<rect width="64" height="40" rx="6" fill="%[2]s"/>`+
		`<text x="32" y="25" font-family="Helvetica,Arial,sans-serif" font-size="%[3]d" font-weight="700" fill="#fff" text-anchor="middle">%[1]s</text></svg>`,
		html.EscapeString(label), color, fontSize(label))
}

func fontSize(label string) int {
	switch {
	case len(label) > 8:
		return 8
	case len(label) > 5:
		return 10
	}
	return 13
}
