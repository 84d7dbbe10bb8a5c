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
	price, err := ParseRate(q.Price)
	if err != nil {
		return 0, err
	}
	r := new(big.Rat).Mul(new(big.Rat).SetInt64(value), price)
	r.Mul(r, pow10Rat(q.BuyExp-q.SellExp))
	n := RoundHalfEven(r)
	if !n.IsInt64() || n.Int64() > maxMinor || n.Int64() < -maxMinor {
		return 0, fmt.Errorf("%d %s minor units at %s are too many %s", value, q.Sell, q.Price, q.Buy)
	}
	return n.Int64(), nil
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
// card processing for amount at now: the pair and price sent, when sent, are q's; q holds at
// now; amount is in the quote's sold currency and processing in its bought one; and
// processing is amount at q's price rounded half to even (Convert), to the minor unit.
// Result codes: PARAM_ILLEGAL, naming the field.
func CheckPaymentQuote(q, sent Quote, amount, processing Amount, now time.Time) error {
	if sent.Sell != "" && sent.Pair() != q.Pair() {
		return Invalid("paymentQuote.quoteCurrencyPair", fmt.Sprintf("must be %s, the pair of quote %s", q.Pair(), q.ID))
	}
	if sent.Price != "" {
		a, err := ParseRate(sent.Price)
		b, err2 := ParseRate(q.Price)
		if err != nil || err2 != nil || a.Cmp(b) != 0 {
			return Invalid("paymentQuote.quotePrice", fmt.Sprintf("must be %s, the price of quote %s", q.Price, q.ID))
		}
	}
	if now.Before(q.Start) || !now.Before(q.Expiry) {
		return Invalid("paymentQuote.quoteId", fmt.Sprintf("%s holds from %s to %s only: ask inquireExchangeRate for a quote that holds now", q.ID, q.Start.UTC().Format(time.RFC3339), q.Expiry.UTC().Format(time.RFC3339)))
	}
	if amount.Currency != q.Sell {
		return Invalid("paymentAmount.currency", fmt.Sprintf("must be %s, the currency quote %s sells (%s)", q.Sell, q.ID, q.Pair()))
	}
	if processing.Currency != q.Buy {
		return Invalid("processingAmount.currency", fmt.Sprintf("must be %s, the currency quote %s buys (%s)", q.Buy, q.ID, q.Pair()))
	}
	want, err := q.Convert(amount.Value)
	if err != nil {
		return Invalid("paymentAmount.value", "is too large to convert: "+err.Error())
	}
	if processing.Value != want {
		return Invalid("processingAmount.value", fmt.Sprintf("must be %d: paymentAmount.value %d at quotePrice %s, rounded half to even to the minor unit", want, amount.Value, q.Price))
	}
	return nil
}

// Charged is what the card is charged for a of the payment's amount: a itself, or under a
// payment quote a at the quote's price, as pay checked the processing amount: a capture or
// refund of the whole payment charges the processing amount exactly, and one of a part its
// own conversion, rounded half to even.
func (p *Payment) Charged(a Amount) Amount {
	q := p.Order.PaymentQuote
	if q == nil || a.Currency != q.Sell {
		return a
	}
	v, err := q.Convert(a.Value)
	if err != nil {
		// Every capture and refund is within the payment's amount, whose conversion pay checked.
		panic("payment: a quoted payment's amount no longer converts: " + err.Error())
	}
	return Amount{Currency: q.Buy, Value: v}
}
