package ams

import (
	"encoding/json"
	"testing"
)

// TestDecimal: a quote price is written as the JSON number it is, digit for digit, and read
// from a number or a string; anything else is refused.
func TestDecimal(t *testing.T) {
	b, err := json.Marshal(Quote{QuotePrice: "1.08695652"})
	if err != nil || string(b) != `{"quotePrice":1.08695652}` {
		t.Fatalf("%s %v", b, err)
	}
	if _, err := json.Marshal(Quote{QuotePrice: "0.9x"}); err == nil {
		t.Error("0.9x marshalled")
	}
	for in, want := range map[string]Decimal{`{"quotePrice":0.92}`: "0.92", `{"quotePrice":"147.50"}`: "147.50", `{"quotePrice":123456789.123456789}`: "123456789.123456789"} {
		var q Quote
		if err := json.Unmarshal([]byte(in), &q); err != nil || q.QuotePrice != want {
			t.Errorf("%s read as %q, %v", in, q.QuotePrice, err)
		}
	}
	for _, in := range []string{`{"quotePrice":"abc"}`, `{"quotePrice":""}`, `{"quotePrice":true}`, `{"quotePrice":"1 2"}`, `{"quotePrice":{}}`} {
		var q Quote
		if err := json.Unmarshal([]byte(in), &q); err == nil {
			t.Errorf("%s read as %q", in, q.QuotePrice)
		}
	}
}
