package card

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLuhn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pan  string
		want bool
	}{
		{"4054695723100768", true},
		{"5162774114974622", true},
		{"9490220011669217", true},
		{"378282246310005", true},
		{"36227206271667", true},
		{"4054695723100769", false},
		{"4242424242424241", false},
		{"79927398713", true},  // the textbook example
		{"79927398710", false}, // same with a wrong check digit
		{"0", false},           // a lone digit would be its own check digit
		{"", false},
		{"4242 4242", false}, // separators are Normalize's business
		{"42424242424242a2", false},
	}
	for _, tt := range tests {
		if got := Luhn(tt.pan); got != tt.want {
			t.Errorf("Luhn(%q) = %v, want %v", tt.pan, got, tt.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"4054695723100768", "4054695723100768", true},
		{"4054 6957 2310 0768", "4054695723100768", true},
		{"4054-6957-2310-0768", "4054695723100768", true},
		{" 3782 822463 10005 ", "378282246310005", true},
		{"123456789012", "123456789012", true},               // 12 digits, the shortest
		{"1234567890123456789", "1234567890123456789", true}, // 19, the longest
		{"12345678901", "", false},
		{"12345678901234567890", "", false},
		{"4054.6957.2310.0768", "", false},
		{"4054\t6957 2310 0768", "", false},
		{"40546957231007６8", "", false}, // a full-width digit is not a digit
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := Normalize(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Normalize(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestMaskBINLast4(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pan, mask, bin, last4 string
	}{
		{"4054695723100768", "405469******0768", "405469", "0768"},
		{"378282246310005", "378282*****0005", "378282", "0005"},
		{"36227206271667", "362272****1667", "362272", "1667"},
		{"123456789012", "123456**9012", "123456", "9012"},
		{"1234567890123456789", "123456*********6789", "123456", "6789"},
		{"12345678901", "***********", "", ""}, // too short to be a PAN: show nothing
		{"", "", "", ""},
	}
	for _, tt := range tests {
		if got := Mask(tt.pan); got != tt.mask {
			t.Errorf("Mask(%q) = %q, want %q", tt.pan, got, tt.mask)
		}
		if got := BIN(tt.pan); got != tt.bin {
			t.Errorf("BIN(%q) = %q, want %q", tt.pan, got, tt.bin)
		}
		if got := Last4(tt.pan); got != tt.last4 {
			t.Errorf("Last4(%q) = %q, want %q", tt.pan, got, tt.last4)
		}
	}
}

func TestValidCVV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cvv, brand string
		want       bool
	}{
		{"123", Visa, true},
		{"000", Mastercard, true},
		{"1234", Amex, true},
		{"123", Amex, false},
		{"1234", Visa, false},
		{"99", Visa, false},
		{"99", Amex, false},
		{"123", "", true}, // unknown brand: the common three digits
		{"123", "HYUNDAI", true},
		{"12a", Visa, false},
		{"", Visa, false},
	}
	for _, tt := range tests {
		if got := ValidCVV(tt.cvv, tt.brand); got != tt.want {
			t.Errorf("ValidCVV(%q, %q) = %v, want %v", tt.cvv, tt.brand, got, tt.want)
		}
	}
}

func TestValidExpiry(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, time.March, 15, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		month, year string
		now         time.Time
		want        error
	}{
		{"03", "26", now, nil}, // the current month is still good
		{"04", "26", now, nil},
		{"12", "99", now, nil},
		{"01", "27", now, nil},
		{"02", "26", now, ErrExpired},
		{"12", "25", now, ErrExpired},
		{"01", "00", now, ErrExpired},
		{"13", "26", now, ErrInvalidExpiry}, // Antom's sandbox "invalid month" case
		{"00", "30", now, ErrInvalidExpiry},
		{"1", "30", now, ErrInvalidExpiry}, // two digits or nothing, as on the wire
		{"01", "2030", now, ErrInvalidExpiry},
		{"01", "3", now, ErrInvalidExpiry},
		{"1a", "30", now, ErrInvalidExpiry},
		{"", "", now, ErrInvalidExpiry},
		{"13", "20", now, ErrInvalidExpiry}, // malformed wins over expired
		// A card expiring in March is good until March is over everywhere, UTC-12.
		{"03", "26", time.Date(2026, time.April, 1, 11, 59, 59, 0, time.UTC), nil},
		{"03", "26", time.Date(2026, time.April, 1, 12, 0, 0, 0, time.UTC), ErrExpired},
		{"03", "26", time.Date(2026, time.April, 1, 8, 0, 0, 0, time.FixedZone("KST", 9*3600)), nil},
		{"12", "26", time.Date(2027, time.January, 1, 12, 0, 0, 0, time.UTC), ErrExpired},
	}
	for _, tt := range tests {
		if got := ValidExpiry(tt.month, tt.year, tt.now); got != tt.want {
			t.Errorf("ValidExpiry(%q, %q, %v) = %v, want %v", tt.month, tt.year, tt.now, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, time.March, 15, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name, pan, month, year, cvv string
		want                        error
		code                        string
	}{
		{"ok", "4054695723100768", "12", "30", "123", nil, ""},
		{"grouped number", "4054 6957 2310 0768", "12", "30", "123", nil, ""},
		{"no cvv", "4054695723100768", "12", "30", "", nil, ""},
		{"amex 4 digits", "378282246310005", "12", "30", "1234", nil, ""},
		{"luhn", "4054695723100769", "12", "30", "123", ErrInvalidNumber, "INVALID_CARD_NUMBER"},
		{"too short", "40546957231", "12", "30", "123", ErrInvalidNumber, "INVALID_CARD_NUMBER"},
		{"month 13", "4054695723100768", "13", "30", "123", ErrInvalidExpiry, "INVALID_EXPIRATION_DATE"},
		{"past", "4054695723100768", "01", "20", "123", ErrExpired, "CARD_EXPIRED"},
		{"two-digit cvv", "4054695723100768", "12", "30", "99", ErrInvalidCVV, "INVALID_CVV"},
		{"amex 3 digits", "378282246310005", "12", "30", "123", ErrInvalidCVV, "INVALID_CVV"},
		{"korean local", "9490220011669217", "12", "30", "123", nil, ""},
		{"no brand", "1000000000000008", "12", "30", "123", ErrNotSupported, "CARD_NOT_SUPPORTED"},
		{"no brand before expiry", "8000000000000003", "13", "30", "123", ErrNotSupported, "CARD_NOT_SUPPORTED"},
		{"number before expiry", "4054695723100769", "13", "30", "99", ErrInvalidNumber, "INVALID_CARD_NUMBER"},
		{"expiry before cvv", "4054695723100768", "13", "30", "99", ErrInvalidExpiry, "INVALID_EXPIRATION_DATE"},
	}
	for _, tt := range tests {
		err := Validate(tt.pan, tt.month, tt.year, tt.cvv, now)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Validate = %v, want %v", tt.name, err, tt.want)
			continue
		}
		var ce *Error
		if errors.As(err, &ce) != (tt.code != "") || (ce != nil && ce.Code != tt.code) {
			t.Errorf("%s: code = %v, want %q", tt.name, ce, tt.code)
		}
		if err != nil && strings.Contains(err.Error(), "0768") {
			t.Errorf("%s: error %q quotes the card number", tt.name, err)
		}
	}
}
