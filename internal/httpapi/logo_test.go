package httpapi

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cashierpay/cashier/internal/card"
)

func getLogo(file string) *httptest.ResponseRecorder {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /static/logos/{file}", serveLogo)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/static/logos/"+file, nil))
	return w
}

// Every brand of the table has a mark, well-formed SVG whose accessible name is the brand's
// name for people: a screen reader says "UnionPay", never "CUP".
func TestLogos(t *testing.T) {
	t.Parallel()
	for _, b := range card.Brands() {
		w := getLogo(b.Code + ".svg")
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "image/svg+xml" {
			t.Errorf("%s: %d %q", b.Code, w.Code, w.Header().Get("Content-Type"))
			continue
		}
		var svg struct {
			XMLName xml.Name
			Role    string   `xml:"role,attr"`
			Label   string   `xml:"aria-label,attr"`
			ViewBox string   `xml:"viewBox,attr"`
			Title   string   `xml:"title"`
			Texts   []string `xml:"text"`
		}
		if err := xml.Unmarshal(w.Body.Bytes(), &svg); err != nil {
			t.Errorf("%s: not XML: %v", b.Code, err)
			continue
		}
		if svg.XMLName.Local != "svg" || svg.Role != "img" || svg.Label != b.Name || svg.Title != b.Name || svg.ViewBox != "0 0 64 40" {
			t.Errorf("%s: svg %+v, want role img named %q", b.Code, svg, b.Name)
		}
		if len(w.Body.Bytes()) > 2048 {
			t.Errorf("%s: %d bytes; a mark is a few shapes", b.Code, w.Body.Len())
		}
	}
	if len(marks) != len(card.Brands()) {
		t.Errorf("%d marks for %d brands: a mark for no brand is dead", len(marks), len(card.Brands()))
	}
	for _, f := range []string{"TROY.svg", "VISA.png", "VISA", "visa.svg", "..svg"} {
		if w := getLogo(f); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", f, w.Code)
		}
	}
}
