package main

import (
	"strconv"
	"strings"

	"github.com/cashierpay/cashier/ams"
)

// Product is the one thing the demo shop sells. Value is in minor units of Currency, as on
// the wire (USD 12.50 is 1250).
type Product struct {
	ID          string
	Name        string
	Description string
	Currency    string
	Value       int64
}

// DefaultProduct is the shop's product unless Config.Product says otherwise.
var DefaultProduct = Product{
	ID: "mug-1", Name: "Cashier mug", Description: "A white mug with the cashier logo, 350 ml.",
	Currency: "USD", Value: 1250,
}

// Amount is the product's price on the wire.
func (p Product) Amount() *ams.Amount {
	return &ams.Amount{Currency: p.Currency, Value: strconv.FormatInt(p.Value, 10)}
}

// Price is the product's price for people, such as "USD 12.50".
func (p Product) Price() string { return formatMoney(p.Currency, p.Value) }

// minorDigits is the number of decimals of a currency's minor unit (ISO 4217), for the
// currencies that do not have two.
var minorDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// formatMoney writes minor units as "CUR major.minor".
func formatMoney(currency string, minor int64) string {
	digits, ok := minorDigits[strings.ToUpper(currency)]
	if !ok {
		digits = 2
	}
	neg := minor < 0
	if neg {
		minor = -minor
	}
	s := strconv.FormatInt(minor, 10)
	if digits > 0 {
		for len(s) <= digits {
			s = "0" + s
		}
		s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	}
	if neg {
		s = "-" + s
	}
	return currency + " " + s
}
