package card

import (
	"slices"
	"strings"
	"testing"
)

func TestDetectBrand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pan, want string
	}{
		// Full numbers.
		{"4054695723100768", Visa},
		{"5162774114974622", Mastercard},
		{"2223003122003222", Mastercard},
		{"2720999999999999", Mastercard},
		{"2721000000000000", ""},
		{"2220999999999999", ""},
		{"378282246310005", Amex},
		{"341111111111111", Amex},
		{"3566002020360505", JCB},
		{"3528000000000000", JCB},
		{"3589999999999999", JCB},
		{"3527999999999999", ""},
		{"3590000000000000", ""},
		{"3056930009020004", Diners},
		{"36227206271667", Diners},
		{"3095000000000000", Diners},
		{"3806000000000000", Diners},
		{"3906000000000000", Diners},
		{"3060000000000000", ""},
		{"6011111111111117", Discover},
		{"6445000000000000", Discover},
		{"6500000000000000", Discover},
		{"6430000000000000", ""},
		{"6200000000000005", CUP},
		{"6759649826438453", Maestro},
		{"5018000000000000", Maestro},
		{"6304000000000000", Maestro},
		{"2200000000000000", Mir},
		{"9490220011669217", ""}, // Korean domestic: only the issuer knows
		{"1234567890123456", ""},
		{"4054 6957 2310 0768", Visa},
		{"4054-6957", Visa},
		// Partial prefixes, as a card form sees them while the buyer types.
		{"", ""},
		{"4", Visa},
		{"3", ""}, // AMEX, JCB or DINERS
		{"34", Amex},
		{"37", Amex},
		{"35", JCB},
		{"352", JCB},
		{"351", ""},
		{"30", Diners},
		{"309", Diners},
		{"308", ""},
		{"5", ""}, // MASTERCARD or MAESTRO
		{"51", Mastercard},
		{"50", Maestro},
		{"2", ""}, // MASTERCARD or MIR
		{"22", ""},
		{"220", Mir},
		{"222", Mastercard},
		{"27", Mastercard},
		{"273", ""},
		{"6", ""},
		{"60", Discover},
		{"601", Discover},
		{"602", ""},
		{"64", Discover},
		{"62", CUP},
		{"63", Maestro},
		{"9", ""},
		{"4a", ""},
	}
	for _, tt := range tests {
		if got := DetectBrand(tt.pan); got != tt.want {
			t.Errorf("DetectBrand(%q) = %q, want %q", tt.pan, got, tt.want)
		}
	}
}

// Rows must not overlap, or a full PAN would match two brands and DetectBrand would give up.
func TestBrandRangesDisjoint(t *testing.T) {
	t.Parallel()
	rs := BrandRanges()
	for _, r := range rs {
		if len(r.Low) != len(r.High) || r.Low > r.High || !allDigits(r.Low+r.High) {
			t.Errorf("malformed row %+v", r)
		}
	}
	// Widen both rows to the same length: Low padded with 0s, High with 9s.
	span := func(r BrandRange, n int) (string, string) {
		return r.Low + strings.Repeat("0", n-len(r.Low)), r.High + strings.Repeat("9", n-len(r.High))
	}
	for i, a := range rs {
		for _, b := range rs[i+1:] {
			n := max(len(a.Low), len(b.Low))
			alo, ahi := span(a, n)
			blo, bhi := span(b, n)
			if alo <= bhi && blo <= ahi {
				t.Errorf("rows overlap: %+v and %+v", a, b)
			}
		}
	}
}

func TestBrandRangesIsACopy(t *testing.T) {
	t.Parallel()
	rs := BrandRanges()
	rs[0].Brand = "X"
	if DetectBrand("4") != Visa {
		t.Fatal("changing the returned table changed DetectBrand")
	}
}

func TestRecognized(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pan  string
		want bool
	}{
		{"4054695723100768", true},
		{"5162774114974622", true},
		{"36227206271667", true},
		{"6759649826438453", true},    // Maestro: a brand, though not on the accepted list
		{"9490220011669217", true},    // Korean Hyundai: national number, brand from the issuer
		{"9410 2300 1166 9213", true}, // grouped
		{"1000000000000008", false},
		{"8000000000000003", false},
		{"7000000000000005", false},
		{"2721000000000001", false}, // just past Mastercard's 2-series
		{"3060000000000001", false}, // between Diners ranges
	}
	for _, tt := range tests {
		if got := Recognized(tt.pan); got != tt.want {
			t.Errorf("Recognized(%q) = %v, want %v", tt.pan, got, tt.want)
		}
	}
}

// The card form names brands from this table: every brand a prefix tells, and every brand
// of the table, has a name that is not its code read aloud.
func TestBrowserTable(t *testing.T) {
	t.Parallel()
	tb := BrowserTable()
	if len(tb.Ranges) != len(brandRanges) || len(tb.National) == 0 {
		t.Fatalf("table = %+v", tb)
	}
	for _, b := range Brands() {
		if n := tb.Names[b.Code]; n == "" || n != b.Name {
			t.Errorf("name of %s = %q, want %q", b.Code, n, b.Name)
		}
	}
	for _, r := range tb.Ranges {
		if tb.Names[r.Brand] == "" {
			t.Errorf("range brand %s has no name", r.Brand)
		}
	}
	if tb.Names[CUP] != "UnionPay" {
		t.Errorf("CUP is named %q", tb.Names[CUP])
	}
}

// The co-badge table: each BIN's international brand is the one its prefix names, and its
// domestic scheme, first, is an accepted brand of the table, with a mark.
func TestCoBadged(t *testing.T) {
	for _, c := range BrowserTable().CoBadged {
		if len(c.BIN) != 8 || len(c.Brands) != 2 {
			t.Errorf("%+v: want an 8-digit BIN and two brands", c)
			continue
		}
		if DetectBrand(c.BIN) != c.Brands[1] {
			t.Errorf("%s: second brand %s, prefix says %s", c.BIN, c.Brands[1], DetectBrand(c.BIN))
		}
		for _, code := range c.Brands {
			if b, ok := LookupBrand(code); !ok || !b.Accepted {
				t.Errorf("%s: brand %s is not an accepted brand of the table", c.BIN, code)
			}
		}
	}
	for _, tt := range []struct {
		pan  string
		want []string
	}{
		{"4973 0100 0000 0004", []string{CartesBancaires, Visa}},
		{"4576310000000009", []string{Elo, Visa}},
		{"4973010", nil}, // too short to tell
		{"4242424242424242", nil},
	} {
		got := CoBadged(tt.pan)
		if !slices.Equal(got, tt.want) {
			t.Errorf("CoBadged(%s) = %v, want %v", tt.pan, got, tt.want)
		}
		want := DetectBrand(tt.pan)
		if tt.want != nil {
			want = tt.want[0]
		}
		if d := DefaultBrand(tt.pan); d != want {
			t.Errorf("DefaultBrand(%s) = %s, want %s", tt.pan, d, want)
		}
	}
	// Callers may change what they get.
	CoBadged("4973010000000004")[0] = "X"
	if CoBadged("4973010000000004")[0] != CartesBancaires {
		t.Error("CoBadged returns the table itself")
	}
}
