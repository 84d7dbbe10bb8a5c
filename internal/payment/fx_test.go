package payment

import (
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestRoundHalfEven(t *testing.T) {
	for _, tc := range []struct {
		num, den int64
		want     int64
	}{
		{5, 2, 2}, {7, 2, 4}, {-5, 2, -2}, {-7, 2, -4}, {1, 2, 0}, {3, 2, 2},
		{24999, 10000, 2}, {25001, 10000, 3}, {-25001, 10000, -3}, {10, 1, 10}, {0, 1, 0}, {2, 3, 1}, {-2, 3, -1},
	} {
		if got := RoundHalfEven(big.NewRat(tc.num, tc.den)); got.Int64() != tc.want {
			t.Errorf("%d/%d rounds to %v, want %d", tc.num, tc.den, got, tc.want)
		}
	}
}

func TestQuoteConvert(t *testing.T) {
	for _, tc := range []struct {
		q     Quote
		value int64
		want  int64
	}{
		{Quote{Price: "150", SellExp: 2, BuyExp: 0}, 1001, 1502},   // 1501.5: to even, up
		{Quote{Price: "150", SellExp: 2, BuyExp: 0}, 1003, 1504},   // 1504.5: to even, down
		{Quote{Price: "150", SellExp: 2, BuyExp: 0}, -1001, -1502}, // a refund rounds as its capture
		{Quote{Price: "0.92", SellExp: 2, BuyExp: 2}, 333, 306},    // 306.36
		{Quote{Price: "0.0066666", SellExp: 0, BuyExp: 2}, 1500, 1000},
		{Quote{Price: "0.307", SellExp: 2, BuyExp: 3}, 1000, 3070}, // USD 10.00 is KWD 3.070
		{Quote{Price: "3.25732899", SellExp: 3, BuyExp: 2}, 3070, 1000},
	} {
		got, err := tc.q.Convert(tc.value)
		if err != nil || got != tc.want {
			t.Errorf("%d at %s (exponents %d→%d) = %d, %v; want %d", tc.value, tc.q.Price, tc.q.SellExp, tc.q.BuyExp, got, err, tc.want)
		}
	}
	if _, err := (Quote{Price: "25000", SellExp: 2, BuyExp: 0}).Convert(9_999_999_999_999_999); err == nil {
		t.Error("a conversion past the largest amount converted")
	}
}

func TestParseRate(t *testing.T) {
	for _, ok := range []string{"1", "0.92", "147.5", "0.00000001", "16000"} {
		if _, err := ParseRate(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "0", "0.0", "-1", "+1", "1e3", "1/3", ".5", "5.", "1,5", "NaN", "Inf", " 1", "0x10", "1.2.3"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("%q read as a rate", bad)
		}
	}
}

func TestFormatRate(t *testing.T) {
	for _, tc := range []struct {
		num, den int64
		want     string
	}{
		{23, 25, "0.92"}, {100, 92, "1.08695652"}, {79, 92, "0.85869565"}, {150, 1, "150"}, {1, 3, "0.33333333"},
		{2, 3, "0.66666667"}, {1, 200000000, "0"}, {3, 200000000, "0.00000002"}, // ties to even at the 8th decimal
	} {
		if got := FormatRate(big.NewRat(tc.num, tc.den), 8); got != tc.want {
			t.Errorf("%d/%d = %s, want %s", tc.num, tc.den, got, tc.want)
		}
	}
}

func BenchmarkQuoteConvert(b *testing.B) {
	q := Quote{Price: "1.08695652", SellExp: 2, BuyExp: 2}
	for i := range b.N {
		if _, err := q.Convert(int64(i)); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCheckPaymentQuote(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	q := Quote{ID: "Q1", Sell: "USD", Buy: "JPY", Price: "150", Start: start, Expiry: start.Add(24 * time.Hour), SellExp: 2, BuyExp: 0}
	// Antom's way round: the buyer's currency sold, the price's bought.
	inv := Quote{ID: "Q2", Sell: "JPY", Buy: "USD", Price: "0.00666667", Start: start, Expiry: start.Add(24 * time.Hour), SellExp: 0, BuyExp: 2}
	bhd := Quote{ID: "Q3", Sell: "BHD", Buy: "KRW", Price: "3670.21276596", Start: start, Expiry: start.Add(24 * time.Hour), SellExp: 3, BuyExp: 0}
	usd := func(v int64) Amount { return Amount{Currency: "USD", Value: v} }
	jpy := func(v int64) *Amount { return &Amount{Currency: "JPY", Value: v} }
	at := start.Add(time.Hour)
	for _, tc := range []struct {
		name       string
		q, sent    Quote
		amount     Amount
		processing *Amount
		now        time.Time
		field      string // "" accepts
		charge     Amount
	}{
		{"exact", q, Quote{}, usd(1001), jpy(1502), at, "", *jpy(1502)},
		{"processing amount left to the gateway", q, Quote{}, usd(1003), nil, at, "", *jpy(1504)},
		{"rounded half up instead of to even", q, Quote{}, usd(1003), jpy(1505), at, "processingAmount.value", Amount{}},
		{"one minor unit short", q, Quote{}, usd(1001), jpy(1501), at, "processingAmount.value", Amount{}},
		{"payment currency not in the pair", q, Quote{}, Amount{Currency: "EUR", Value: 1001}, jpy(1502), at, "paymentQuote.quoteCurrencyPair", Amount{}},
		{"processing currency not the pair's other", q, Quote{}, usd(1001), &Amount{Currency: "EUR", Value: 1502}, at, "processingAmount.currency", Amount{}},
		{"priced in the bought currency", q, Quote{}, Amount{Currency: "JPY", Value: 1502}, nil, at, "", usd(1001)},
		{"Antom's pair, divided", inv, Quote{}, usd(1000), jpy(1500), at, "", *jpy(1500)},
		{"three decimals to none", bhd, Quote{}, Amount{Currency: "BHD", Value: 1234}, nil, at, "", Amount{Currency: "KRW", Value: 4529}},
		{"none to three decimals", bhd, Quote{}, Amount{Currency: "KRW", Value: 4529}, nil, at, "", Amount{Currency: "BHD", Value: 1234}},
		{"expired", q, Quote{}, usd(1001), jpy(1502), q.Expiry, "paymentQuote.quoteId", Amount{}},
		{"before its start", q, Quote{}, usd(1001), jpy(1502), start.Add(-time.Second), "paymentQuote.quoteId", Amount{}},
		{"at its start", q, Quote{}, usd(1001), jpy(1502), start, "", *jpy(1502)},
		{"pair and price sent as quoted", q, Quote{Sell: "USD", Buy: "JPY", Price: "150.00"}, usd(1001), jpy(1502), at, "", *jpy(1502)},
		{"price as a float32 holds it", inv, Quote{Price: "0.006666670"}, usd(1000), nil, at, "", *jpy(1500)},
		{"price as a float32 writes it", Quote{ID: "Q4", Sell: "EUR", Buy: "USD", Price: "1.08695652", Start: start, Expiry: start.Add(24 * time.Hour), SellExp: 2, BuyExp: 2}, Quote{Price: "1.0869565"}, usd(1000), nil, at, "", Amount{Currency: "EUR", Value: 920}},
		{"another pair sent", q, Quote{Sell: "USD", Buy: "EUR"}, usd(1001), jpy(1502), at, "paymentQuote.quoteCurrencyPair", Amount{}},
		{"another price sent", q, Quote{Price: "150.001"}, usd(1001), jpy(1502), at, "paymentQuote.quotePrice", Amount{}},
	} {
		charge, err := CheckPaymentQuote(tc.q, tc.sent, tc.amount, tc.processing, tc.now)
		var e *Error
		switch {
		case tc.field == "" && (err != nil || charge != tc.charge):
			t.Errorf("%s: %v %v, want charged %v", tc.name, charge, err, tc.charge)
		case tc.field != "" && (!errors.As(err, &e) || e.Code != CodeParamIllegal || !strings.HasPrefix(e.Message, tc.field+" ")):
			t.Errorf("%s: %v, want PARAM_ILLEGAL on %s", tc.name, err, tc.field)
		}
	}
}

func TestChargedAtPaymentQuote(t *testing.T) {
	q := &Quote{Sell: "USD", Buy: "JPY", Price: "150", SellExp: 2, BuyExp: 0}
	p := &Payment{Amount: Amount{Currency: "USD", Value: 1001}}
	if got := p.Charged(Amount{Currency: "USD", Value: 500}); got != (Amount{Currency: "USD", Value: 500}) {
		t.Errorf("without a quote: charged %v, want the amount itself", got)
	}
	p.Order.PaymentQuote, p.Order.Processing = q, &Amount{Currency: "JPY", Value: 1502}
	// The whole amount half to even (1501.5), a part towards zero (1.5, 4.5, 499.5, 1002).
	for _, tc := range []struct{ value, want int64 }{{1001, 1502}, {1, 1}, {3, 4}, {333, 499}, {668, 1002}} {
		if got := p.Charged(Amount{Currency: "USD", Value: tc.value}); got != (Amount{Currency: "JPY", Value: tc.want}) {
			t.Errorf("USD %d minor units: charged %v, want JPY %d", tc.value, got, tc.want)
		}
	}
	// However refunds split it, they never give back more than the charge.
	for a := int64(1); a < p.Amount.Value; a++ {
		if sum := p.Charged(Amount{Currency: "USD", Value: a}).Value + p.Charged(Amount{Currency: "USD", Value: p.Amount.Value - a}).Value; sum > 1502 || sum < 1501 {
			t.Fatalf("refunds of %d and %d minor units charge back %d of 1502", a, p.Amount.Value-a, sum)
		}
	}
	// Under Antom's pair (the buyer's currency sold), the payment's amount is divided.
	p.Order.PaymentQuote = &Quote{Sell: "JPY", Buy: "USD", Price: "0.00666667", SellExp: 0, BuyExp: 2}
	if got := p.Charged(Amount{Currency: "USD", Value: 1001}); got != (Amount{Currency: "JPY", Value: 1501}) {
		t.Errorf("USD 10.01 at JPY/USD 0.00666667: charged %v, want JPY 1501 (1501.49…)", got)
	}
	if got := p.Charged(Amount{Currency: "USD", Value: 1000}); got != (Amount{Currency: "JPY", Value: 1499}) {
		t.Errorf("USD 10.00 of 10.01 at JPY/USD 0.00666667: charged %v, want JPY 1499 (1499.99…, towards zero)", got)
	}
}
