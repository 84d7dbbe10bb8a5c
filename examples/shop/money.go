package main

import (
	"strconv"

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
	// Renews makes the product a subscription: the first payment saves the card on file
	// (isCardOnFile), and the shop charges each renewal as a merchant-initiated payment.
	Renews bool
}

// DefaultProduct is the shop's product unless Config.Product says otherwise.
var DefaultProduct = Product{
	ID: "mug-1", Name: "Cashier mug", Description: "A white mug with the cashier logo, 350 ml.",
	Currency: "USD", Value: 1250,
}

// SubscriptionProduct is what the shop sells with -subscription.
var SubscriptionProduct = Product{
	ID: "club-1", Name: "Cashier tea club", Description: "A tin of tea every month; renewals are charged to the saved card.",
	Currency: "USD", Value: 900, Renews: true,
}

// Amount is the product's price on the wire.
func (p Product) Amount() *ams.Amount {
	return &ams.Amount{Currency: p.Currency, Value: strconv.FormatInt(p.Value, 10)}
}

// Price is the product's price for people, such as "USD 12.50".
func (p Product) Price() string { return formatMoney(p.Currency, p.Value) }

// formatMoney writes minor units as "CUR major.minor", with the currency's ISO 4217
// exponent from the ams package (the same table the gateway checks amounts against).
func formatMoney(currency string, minor int64) string {
	return currency + " " + ams.FormatMajor(currency, minor)
}
