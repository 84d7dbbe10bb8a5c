package ams

// Amount is money on the wire: an ISO 4217 currency and a string of minor units
// (USD 10.00 is "1000", JPY 100 is "100").
type Amount struct {
	Currency string `json:"currency"`
	Value    string `json:"value"`
}
