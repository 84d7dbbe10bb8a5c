package sandbox

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store/sqlite"
)

func TestRates(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "cashier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := Rates{Store: st}
	ctx := t.Context()
	now := time.Date(2026, 12, 6, 23, 59, 59, 0, time.UTC)

	q, err := r.Quote(ctx, "USD", "EUR", now)
	if err != nil {
		t.Fatal(err)
	}
	want := payment.Quote{ID: q.ID, Sell: "USD", Buy: "EUR", Price: "0.92", Start: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC),
		Expiry: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), SellExp: 2, BuyExp: 2}
	if q != want || q.ID != "FXQ20261206USDEUR"+q.ID[len(q.ID)-8:] {
		t.Fatalf("quote %+v, want %+v", q, want)
	}
	// The same rate on the same day is the same quote; the next day, a new one.
	if again, _ := r.Quote(ctx, "USD", "EUR", now.Add(-time.Hour)); again != q {
		t.Errorf("the same day quoted %+v, then %+v", q, again)
	}
	if next, _ := r.Quote(ctx, "USD", "EUR", now.Add(time.Second)); next.ID == q.ID || !next.Start.Equal(q.Expiry) {
		t.Errorf("the next day quoted %+v", next)
	}
	// Cross rates: both currencies against USD, written to QuotePlaces decimals.
	for pair, price := range map[[2]string]string{{"EUR", "USD"}: "1.08695652", {"JPY", "KWD"}: "0.00204667", {"KRW", "JPY"}: "0.10869565", {"USD", "USD"}: "1"} {
		q, err := r.Quote(ctx, pair[0], pair[1], now)
		if err != nil || q.Price != price {
			t.Errorf("%s/%s quoted %q, %v; want %s", pair[0], pair[1], q.Price, err, price)
		}
	}

	if err := r.Set(ctx, "EUR", "0.9", now); err != nil {
		t.Fatal(err)
	}
	if q2, _ := r.Quote(ctx, "USD", "EUR", now); q2.Price != "0.9" || q2.ID == q.ID {
		t.Errorf("after EUR at 0.9: %+v", q2)
	}
	list, err := r.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(DefaultRates) || list[0].Currency != "AED" {
		t.Errorf("%d rates, first %+v", len(list), list[0])
	}
	for _, rate := range list {
		if (rate.Currency == "EUR") != (rate.Set != "") || rate.Currency == "EUR" && rate.PerUSD != "0.9" {
			t.Errorf("%+v", rate)
		}
	}
	for _, bad := range [][2]string{{"USD", "2"}, {"EUR", "0"}, {"EUR", "-1"}, {"EUR", "1e2"}, {"XYZ", "1"}, {"eur", "1"}} {
		if err := r.Set(ctx, bad[0], bad[1], now); err == nil {
			t.Errorf("set %s at %s", bad[0], bad[1])
		}
	}

	for pair, code := range map[[2]string]string{{"USD", "XOF"}: payment.CodeSettleContractNotMatch, {"USD", "XYZ"}: payment.CodeCurrencyNotSupport} {
		_, err := r.Quote(ctx, pair[0], pair[1], now)
		var perr *payment.Error
		if !errors.As(err, &perr) || perr.Code != code {
			t.Errorf("%s/%s: %v, want %s", pair[0], pair[1], err, code)
		}
	}
}
