package httpapi

import (
	"fmt"
	"html"
	"net/http"
	"strings"

	"github.com/cashierpay/cashier/internal/card"
)

// serveLogo draws the SVG badge of a card brand: GET /static/logos/VISA.svg.
func serveLogo(w http.ResponseWriter, r *http.Request) {
	code, ok := strings.CutSuffix(r.PathValue("file"), ".svg")
	brand, known := card.LookupBrand(code)
	if !ok || !known {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="40" viewBox="0 0 64 40" role="img" aria-label="%[1]s">`+
		`<rect width="64" height="40" rx="6" fill="%[2]s"/>`+
		`<text x="32" y="25" font-family="Helvetica,Arial,sans-serif" font-size="%[3]d" font-weight="700" fill="#fff" text-anchor="middle">%[1]s</text></svg>`,
		html.EscapeString(brand.Mark), brand.Color, fontSize(brand.Mark))
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
