package payment

import (
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Quote is an exchange rate the gateway stands by from Start to Expiry: Price units of Buy
// for one unit of Sell, a decimal string (never a float, so that the merchant reproduces
// every conversion to the minor unit). A payment settled in another currency keeps the
// quote it was made under, and its captures and refunds convert at it.
type Quote struct {
	ID     string    `json:"id"`
	Sell   string    `json:"sell"`
	Buy    string    `json:"buy"`
	Price  string    `json:"price"`
	Start  time.Time `json:"start"`
	Expiry time.Time `json:"expiry"`
	// SellExp and BuyExp are the currencies' ISO 4217 exponents, which scale minor units:
	// the quote converts on its own wherever it is read.
	SellExp int `json:"sellExp"`
	BuyExp  int `json:"buyExp"`
}

// Pair is the quote's currency pair as Antom writes it, the sold currency first: "USD/EUR".
func (q Quote) Pair() string { return q.Sell + "/" + q.Buy }

// Convert turns value minor units of Sell into minor units of Buy at Price, rounded half to
// even, the exponents scaling the minor units: 1000 USD minor units (USD 10.00) at 150 JPY
// are 1500 JPY minor units. Negative
// values (a refund in a report) round as their magnitude does, so that a full refund undoes
// its capture to the minor unit.
func (q Quote) Convert(value int64) (int64, error) {
	a, err := q.Exchange(Amount{Currency: q.Sell, Value: value})
	return a.Value, err
}

// maxMinor bounds a converted amount as the wire bounds an amount (ams.MaxMinor): every
// conversion renders.
const maxMinor = 9_999_999_999_999_999

// ParseRate reads a positive decimal rate such as "0.92" or "147.5". Exponents, signs and
// fractions ("1/3") are refused: a rate is written as a rate table or a report shows it.
func ParseRate(s string) (*big.Rat, error) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(s) > 32 || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" || strings.HasSuffix(s, ".") {
		return nil, fmt.Errorf("rate %q is not a decimal number such as 0.92", s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || r.Sign() <= 0 {
		return nil, fmt.Errorf("rate %q must be more than zero", s)
	}
	return r, nil
}

// RoundHalfEven rounds r to the nearest integer, a tie to the even one: the rule of every
// conversion, because it does not drift one way over many amounts, as half-up does.
func RoundHalfEven(r *big.Rat) *big.Int {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int)) // truncated towards zero
	twice := new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2))
	switch c := twice.Cmp(r.Denom()); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		if r.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

// FormatRate writes r with at most places decimals, rounded half to even, without trailing
// zeros: how a quote's price is written, and so the price every conversion uses.
func FormatRate(r *big.Rat, places int) string {
	n := RoundHalfEven(new(big.Rat).Mul(r, pow10Rat(places)))
	s := new(big.Rat).SetFrac(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)).FloatString(places)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func pow10Rat(n int) *big.Rat {
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(n, -n))), nil)
	if n < 0 {
		return new(big.Rat).SetFrac(big.NewInt(1), p)
	}
	return new(big.Rat).SetInt(p)
}

// CheckPaymentQuote checks a pay that cites quote q (paymentQuote, as sent) to charge the
// card for amount at now, and says what the card is charged: amount exchanged at q's price
// into the pair's other currency, rounded half to even (Exchange). The pair may name the
// payment currency either side: Antom's inquireExchangeRate sells the currency the buyer
// pays and buys the one goods are priced in (JPY/USD for a USD price paid in yen), and a
// merchant may as well have asked for the price's conversion (USD/JPY). The pair and price
// sent, when sent, must be q's (the price to the precision of a float32, in which the Go
// SDK holds it); q must hold at now; processing, when sent, must be the charge to the minor
// unit. Result codes: PARAM_ILLEGAL, naming the field.
func CheckPaymentQuote(q, sent Quote, amount Amount, processing *Amount, now time.Time) (Amount, error) {
	if sent.Sell != "" && sent.Pair() != q.Pair() {
		return Amount{}, Invalid("paymentQuote.quoteCurrencyPair", fmt.Sprintf("must be %s, the pair of quote %s", q.Pair(), q.ID))
	}
	if sent.Price != "" && !samePrice(sent.Price, q.Price) {
		return Amount{}, Invalid("paymentQuote.quotePrice", fmt.Sprintf("must be %s, the price of quote %s", q.Price, q.ID))
	}
	if now.Before(q.Start) || !now.Before(q.Expiry) {
		return Amount{}, Invalid("paymentQuote.quoteId", fmt.Sprintf("%s holds from %s to %s only: ask inquireExchangeRate for a quote that holds now", q.ID, q.Start.UTC().Format(time.RFC3339), q.Expiry.UTC().Format(time.RFC3339)))
	}
	if q.Sell == q.Buy || amount.Currency != q.Sell && amount.Currency != q.Buy {
		return Amount{}, Invalid("paymentQuote.quoteCurrencyPair", fmt.Sprintf("%s of quote %s must pair paymentAmount.currency %s with the currency the card is charged in", q.Pair(), q.ID, amount.Currency))
	}
	charge, err := q.Exchange(amount)
	if err != nil {
		return Amount{}, Invalid("paymentAmount.value", "is too large to convert: "+err.Error())
	}
	if processing == nil {
		return charge, nil
	}
	if processing.Currency != charge.Currency {
		return Amount{}, Invalid("processingAmount.currency", fmt.Sprintf("must be %s, the other currency of quote %s (%s)", charge.Currency, q.ID, q.Pair()))
	}
	if processing.Value != charge.Value {
		return Amount{}, Invalid("processingAmount.value", fmt.Sprintf("must be %d: paymentAmount.value %d at quote %s (%s %s), rounded half to even to the minor unit", charge.Value, amount.Value, q.ID, q.Pair(), q.Price))
	}
	return charge, nil
}

// samePrice says whether a price sent back is the quote's: equal to one part in a million,
// looser than a float32's precision and far tighter than any two rates of a table.
func samePrice(sent, quoted string) bool {
	a, err := ParseRate(sent)
	b, err2 := ParseRate(quoted)
	if err != nil || err2 != nil {
		return false
	}
	diff := new(big.Rat).Abs(new(big.Rat).Sub(a, b))
	return diff.Mul(diff, big.NewRat(1_000_000, 1)).Cmp(b) <= 0
}

// Exchange converts a, in either currency of the pair, into the other at Price, rounded half
// to even: a of Sell multiplied by Price (Convert), a of Buy divided by it.
func (q Quote) Exchange(a Amount) (Amount, error) {
	return q.exchange(a, RoundHalfEven)
}

// exchange is Exchange with the rounding given.
func (q Quote) exchange(a Amount, round func(*big.Rat) *big.Int) (Amount, error) {
	price, err := ParseRate(q.Price)
	if err != nil {
		return Amount{}, err
	}
	r := new(big.Rat).SetInt64(a.Value)
	var to string
	switch a.Currency {
	case q.Sell:
		r.Mul(r, price).Mul(r, pow10Rat(q.BuyExp-q.SellExp))
		to = q.Buy
	case q.Buy:
		r.Quo(r, price).Mul(r, pow10Rat(q.SellExp-q.BuyExp))
		to = q.Sell
	default:
		return Amount{}, fmt.Errorf("%s is not a currency of %s", a.Currency, q.Pair())
	}
	n := round(r)
	if !n.IsInt64() || n.Int64() > maxMinor || n.Int64() < -maxMinor {
		return Amount{}, fmt.Errorf("%d %s minor units at %s are too many %s", a.Value, a.Currency, q.Price, to)
	}
	return Amount{Currency: to, Value: n.Int64()}, nil
}

// truncate rounds r towards zero.
func truncate(r *big.Rat) *big.Int { return new(big.Int).Quo(r.Num(), r.Denom()) }

// Charged is what the card is charged for a of the payment's amount (the payment, a capture,
// a refund): a itself, or under a payment quote a exchanged at the quote's price. The whole
// amount charges the processing amount pay checked, rounded half to even; a part (a partial
// refund) is rounded towards zero instead, so that however the refunds split the payment, the
// card never gets back more than it was charged, which an acquirer would refuse.
func (p *Payment) Charged(a Amount) Amount {
	q := p.Order.PaymentQuote
	if q == nil || a.Currency != p.Amount.Currency {
		return a
	}
	round := RoundHalfEven
	if a.Value != p.Amount.Value {
		round = truncate
	}
	c, err := q.exchange(a, round)
	if err != nil {
		// Every capture and refund is within the payment's amount, whose conversion pay checked.
		panic("payment: a quoted payment's amount no longer converts: " + err.Error())
	}
	return c
}
