package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/merchantapi"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// The sandbox's exchange rates: a table of each currency's rate against USD, which
// `cashier sandbox rates set` changes (the store's sandbox_fx_rates, shared by every node),
// over defaults close to the market's in 2025. A pair's rate is the cross rate of the two,
// written with QuotePlaces decimals; that written price is the one every conversion uses.
// Quotes hold for the UTC day on the gateway's clock (the test clock moves them), as
// Antom's locked rate for daily settlement is the rate of the day of the transaction.

// QuotePlaces is how many decimals a quote's price has.
const QuotePlaces = 8

// BaseCurrency is the currency every rate of the table is against.
const BaseCurrency = "USD"

// DefaultRates are the units of each currency for one USD unless set otherwise.
var DefaultRates = map[string]string{
	"USD": "1", "EUR": "0.92", "GBP": "0.79", "JPY": "150", "SGD": "1.35", "HKD": "7.8", "AUD": "1.52",
	"CAD": "1.37", "CNY": "7.2", "KRW": "1380", "CHF": "0.88", "NZD": "1.68", "SEK": "10.8", "NOK": "10.9",
	"DKK": "6.86", "BRL": "5.4", "MXN": "18", "INR": "84", "IDR": "16000", "PHP": "58", "THB": "36",
	"MYR": "4.7", "VND": "25000", "TWD": "32.5", "AED": "3.6725", "KWD": "0.307", "BHD": "0.376", "CLP": "950",
}

// SettlementCurrencies are the currencies a sandbox merchant may settle in: those Antom
// settles merchants contracted in Singapore in.
var SettlementCurrencies = []string{"AUD", "CAD", "EUR", "GBP", "HKD", "JPY", "SGD", "USD"}

// Rates quotes from the table; it implements merchantapi.Rates.
type Rates struct {
	Store store.Queries
}

var _ merchantapi.Rates = Rates{}

// SettlementCurrencies implements merchantapi.Rates.
func (Rates) SettlementCurrencies() []string { return SettlementCurrencies }

// Rate is one currency of the table, as `cashier sandbox rates list` shows it.
type Rate struct {
	Currency string `json:"currency"`
	PerUSD   string `json:"perUsd"`
	// Set is when the rate was set; absent for a default.
	Set string `json:"set,omitempty"`
}

// List is the whole table: every default and every rate set, by currency.
func (r Rates) List(ctx context.Context) ([]Rate, error) {
	rows, err := r.Store.SandboxRateList(ctx)
	if err != nil {
		return nil, err
	}
	table := map[string]Rate{}
	for c, v := range DefaultRates {
		table[c] = Rate{Currency: c, PerUSD: v}
	}
	for _, row := range rows {
		table[row.Currency] = Rate{Currency: row.Currency, PerUSD: row.PerUSD, Set: row.UpdatedAt.UTC().Format(time.RFC3339)}
	}
	out := slices.Collect(maps.Values(table))
	slices.SortFunc(out, func(a, b Rate) int { return strings.Compare(a.Currency, b.Currency) })
	return out, nil
}

// Set sets a currency's rate against USD; USD itself is always 1.
func (r Rates) Set(ctx context.Context, currency, perUSD string, now time.Time) error {
	if _, ok := ams.CurrencyExponent(currency); !ok {
		return fmt.Errorf("currency %q is not an ISO 4217 code such as EUR", currency)
	}
	if currency == BaseCurrency {
		return fmt.Errorf("the rates are against %s, whose rate is 1", BaseCurrency)
	}
	if _, err := payment.ParseRate(perUSD); err != nil {
		return err
	}
	return r.Store.SandboxRateSet(ctx, &store.SandboxRate{Currency: currency, PerUSD: perUSD, UpdatedAt: now})
}

// Keep implements merchantapi.Rates.
func (r Rates) Keep(ctx context.Context, q payment.Quote) error {
	return r.Store.SandboxQuoteKeep(ctx, &q)
}

// Kept implements merchantapi.Rates.
func (r Rates) Kept(ctx context.Context, id string) (payment.Quote, error) {
	q, err := r.Store.SandboxQuoteGet(ctx, id)
	if err != nil {
		return payment.Quote{}, err
	}
	return *q, nil
}

// Quote implements merchantapi.Rates: sell against buy for the UTC day of now.
func (r Rates) Quote(ctx context.Context, sell, buy string, now time.Time) (payment.Quote, error) {
	sellExp, ok := ams.CurrencyExponent(sell)
	buyExp, ok2 := ams.CurrencyExponent(buy)
	if !ok || !ok2 {
		return payment.Quote{}, payment.NewError(payment.CodeCurrencyNotSupport, fmt.Sprintf("%s/%s is not a pair of ISO 4217 currency codes", sell, buy))
	}
	table, err := r.List(ctx)
	if err != nil {
		return payment.Quote{}, err
	}
	per := map[string]string{}
	for _, t := range table {
		per[t.Currency] = t.PerUSD
	}
	rate := func(c string) (*big.Rat, error) {
		v, ok := per[c]
		if !ok {
			return nil, payment.NewError(payment.CodeSettleContractNotMatch, fmt.Sprintf("the sandbox has no exchange rate for %s: set one with cashier sandbox rates set", c))
		}
		return payment.ParseRate(v)
	}
	s, err := rate(sell)
	if err != nil {
		return payment.Quote{}, err
	}
	b, err := rate(buy)
	if err != nil {
		return payment.Quote{}, err
	}
	price := payment.FormatRate(new(big.Rat).Quo(b, s), QuotePlaces)
	if price == "0" {
		return payment.Quote{}, payment.NewError(payment.CodeSettleContractNotMatch, fmt.Sprintf("the rate of %s/%s is below %d decimals", sell, buy, QuotePlaces))
	}
	start := now.UTC().Truncate(24 * time.Hour)
	sum := sha256.Sum256([]byte(sell + "/" + buy + "=" + price))
	return payment.Quote{
		ID:   "FXQ" + start.Format("20060102") + sell + buy + hex.EncodeToString(sum[:4]),
		Sell: sell, Buy: buy, Price: price, Start: start, Expiry: start.Add(24 * time.Hour), SellExp: sellExp, BuyExp: buyExp,
	}, nil
}
