package report

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store/sqlite"
)

// TestEmptyFiles: a period without transactions is a header and <END>; the settlement
// batches of a day that has not come are not there yet; the route refuses bad days.
func TestEmptyFiles(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "cashier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	m := &payment.Merchant{ID: "m1", ClientID: "SHOP", Name: "Shop", CreatedAt: time.Now()}
	if err := st.MerchantInsert(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for kind, header := range map[Kind]string{Transactions: "customerId,acquirer,transactionType,", Settlements: "settlementBatchId,customerId,", Summary: "settlementBatchId,customerId,acquirer,summaryType,"} {
		var b strings.Builder
		if err := Write(t.Context(), st, Request{Kind: kind, Merchant: m, From: day, To: day, Now: day.Add(time.Hour)}, &b); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(b.String(), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], header) || lines[1] != "<END>" || lines[2] != "" {
			t.Errorf("%s: %q", kind, b.String())
		}
	}
	if err := Write(t.Context(), st, Request{Kind: Transactions, Merchant: m, From: day, To: day.Add(-Day)}, &strings.Builder{}); err == nil {
		t.Error("a period ending before it starts was written")
	}
	route := Route(Settlements, st, func() time.Time { return day })
	for body, want := range map[string]string{
		`{}`: "startDate must be a day",
		`{"startDate":"2026-12-06","endDate":"2026-12-05"}`: "endDate must not be before startDate",
		`{"startDate":"2026-12-06","endDate":"2027-02-06"}`: "endDate must be within 31 days",
		`{"startDate":"06/12/2026"}`:                        "startDate must be a day",
	} {
		_, err := route(context.Background(), m, []byte(body))
		perr, ok := err.(*payment.Error)
		if !ok || perr.Code != payment.CodeParamIllegal || !strings.Contains(perr.Message, want) {
			t.Errorf("%s: %v, want PARAM_ILLEGAL %q", body, err, want)
		}
	}
	got, err := route(context.Background(), m, []byte(`{"startDate":"2026-12-06"}`))
	if f, ok := got.(ams.ReportResponse); err != nil || !ok || f.FileName != "settlementDetails_SHOP_20261206_20261206.csv" || !strings.HasSuffix(f.Content, "\n<END>\n") {
		t.Errorf("route answered %+v, %v", got, err)
	}
	got, err = Route(Summary, st, func() time.Time { return day })(context.Background(), m, []byte(`{"startDate":"2026-12-06"}`))
	if f, ok := got.(ams.ReportResponse); err != nil || !ok || f.FileName != "settlementSummary_SHOP_20261206_20261206.csv" || !strings.HasPrefix(f.Content, "settlementBatchId,") {
		t.Errorf("summary route answered %+v, %v", got, err)
	}
}

// TestSummarize: the settling lines of a batch are counted and summed by type and
// transaction currency, in the batch's settlement currency at each payment's quote, and the
// batch's TOTAL nets them; lines that move no money, and other batches, stay apart.
func TestSummarize(t *testing.T) {
	usdEUR := &payment.Quote{Sell: "USD", Buy: "EUR", Price: "0.92", SellExp: 2, BuyExp: 2}
	gbpEUR := &payment.Quote{Sell: "GBP", Buy: "EUR", Price: "1.16455696", SellExp: 2, BuyExp: 2}
	toEUR := func(q *payment.Quote) *payment.Payment {
		return &payment.Payment{Order: payment.Order{SettlementQuote: q}}
	}
	usd, gbp, own := toEUR(usdEUR), toEUR(gbpEUR), &payment.Payment{}
	day := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	line := func(typ string, p *payment.Payment, cur string, v int64, settles bool, at time.Time) Line {
		return Line{Type: typ, ID: typ + cur, Completed: at, Amount: payment.Amount{Currency: cur, Value: v}, Settles: settles, Payment: p}
	}
	lines := []Line{
		line(TypeAuthorization, usd, "USD", 1050, false, day),
		line(TypeCapture, usd, "USD", 1050, true, day),         // EUR 9.66
		line(TypeCapture, usd, "USD", 1001, true, day),         // EUR 9.2092 → 9.21
		line(TypeRefund, usd, "USD", -333, true, day),          // EUR -3.0636 → -3.06
		line(TypeCapture, gbp, "GBP", 1000, true, day),         // EUR 11.6455696 → 11.65
		line(TypeDispute, usd, "USD", -100, true, day),         // EUR -0.92
		line(TypeCapture, own, "JPY", 500, true, day),          // its own batch, in JPY
		line(TypeCapture, usd, "USD", 200, true, day.Add(Day)), // the next day's batch
		line(TypeCancel, usd, "USD", 700, false, day.Add(Day)),
	}
	rows, err := Summarize("m1", lines)
	if err != nil {
		t.Fatal(err)
	}
	eur := func(v int64) payment.Amount { return payment.Amount{Currency: "EUR", Value: v} }
	d1, d2 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	want := []SummaryRow{
		{"m1-20261207-EUR", d1, TypeCapture, 1, payment.Amount{Currency: "GBP", Value: 1000}, eur(1165)},
		{"m1-20261207-EUR", d1, TypeCapture, 2, payment.Amount{Currency: "USD", Value: 2051}, eur(1887)},
		{"m1-20261207-EUR", d1, TypeDispute, 1, payment.Amount{Currency: "USD", Value: -100}, eur(-92)},
		{"m1-20261207-EUR", d1, TypeRefund, 1, payment.Amount{Currency: "USD", Value: -333}, eur(-306)},
		{"m1-20261207-EUR", d1, SummaryTotal, 5, payment.Amount{}, eur(1165 + 1887 - 92 - 306)},
		{"m1-20261207-JPY", d1, TypeCapture, 1, payment.Amount{Currency: "JPY", Value: 500}, payment.Amount{Currency: "JPY", Value: 500}},
		{"m1-20261207-JPY", d1, SummaryTotal, 1, payment.Amount{}, payment.Amount{Currency: "JPY", Value: 500}},
		{"m1-20261208-EUR", d2, TypeCapture, 1, payment.Amount{Currency: "USD", Value: 200}, eur(184)},
		{"m1-20261208-EUR", d2, SummaryTotal, 1, payment.Amount{}, eur(184)},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i := range want {
		if !rows[i].Date.Equal(want[i].Date) || rows[i].BatchID != want[i].BatchID || rows[i].Type != want[i].Type ||
			rows[i].Count != want[i].Count || rows[i].Transaction != want[i].Transaction || rows[i].Settlement != want[i].Settlement {
			t.Errorf("row %d: %+v, want %+v", i, rows[i], want[i])
		}
	}

	// Sums past 64 bits are refused, not wrapped.
	big := line(TypeCapture, own, "USD", 1<<62, true, day)
	if _, err := Summarize("m1", []Line{big, big}); err == nil || !strings.Contains(err.Error(), "64 bits") {
		t.Errorf("an overflowing batch summed: %v", err)
	}
}
