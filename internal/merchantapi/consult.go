package merchantapi

import "github.com/cashierpay/cashier/internal/card"

// AcceptedBrands are the card brands a buyer can pay an amount in currency with, on a
// terminal of terminalType.
func AcceptedBrands(currency, terminalType string) []card.Brand {
	var out []card.Brand
	for _, b := range card.Brands() {
		// Korean local cards take KRW only, and need the issuer-authentication redirect that
		// a mini-program cannot open.
		// A domestic scheme's cards are co-badged with an accepted brand, so they are
		// accepted where the scheme's currency is paid.
		accepted := b.Accepted || card.DomesticCurrency[b.Code] == currency
		if !accepted || b.Korean && (currency != "KRW" || terminalType == "MINI_APP") {
			continue
		}
		out = append(out, b)
	}
	return out
}
