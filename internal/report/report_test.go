package report

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	for kind, header := range map[Kind]string{Transactions: "customerId,acquirer,transactionType,", Settlements: "settlementBatchId,customerId,"} {
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
	if f, ok := got.(FileResponse); err != nil || !ok || f.FileName != "settlementDetails_SHOP_20261206_20261206.csv" || !strings.HasSuffix(f.Content, "\n<END>\n") {
		t.Errorf("route answered %+v, %v", got, err)
	}
}
