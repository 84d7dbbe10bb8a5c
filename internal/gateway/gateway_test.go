package gateway

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/store/sqlite"
)

// TestTxTellsTheWorker: the delivery worker is told after a transaction that wrote a
// notification to send, and not after one whose notification the store held for want of
// a URL, which the store decides in the insert (on PostgreSQL, only with the commit).
func TestTxTellsTheWorker(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "cashier.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	told := 0
	c := New(Config{Store: st, Notified: func() { told++ }})
	for _, tc := range []struct {
		name, merchantURL, requestURL string
		want                          int
	}{
		{"the merchant's URL", "https://shop.example/notify", "", 1},
		{"the request's URL", "", "https://shop.example/this-one", 1},
		{"no URL", "", "", 0},
	} {
		now := c.Now()
		m := &payment.Merchant{ID: NewID(), ClientID: NewID(), Name: "Shop", NotifyURL: tc.merchantURL, CreatedAt: now}
		if err := st.MerchantInsert(ctx, m); err != nil {
			t.Fatal(err)
		}
		p := &payment.Payment{ID: NewID(), MerchantID: m.ID, RequestID: NewID(), KeyHash: "kh", Amount: payment.Amount{Currency: "USD", Value: 1000},
			Status: payment.Success, Stage: payment.StageAuthorizing, CaptureMode: "AUTOMATIC", CaptureState: payment.CaptureNone,
			NotifyURL: tc.requestURL, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour), Version: 1}
		told = 0
		err := c.Tx(ctx, func(q store.Tx) error {
			if err := q.PaymentInsert(ctx, p); err != nil {
				return err
			}
			return q.NotificationInsert(ctx, &payment.Notification{ID: NewID(), MerchantID: m.ID, PaymentID: p.ID, Kind: payment.NotifyPayment,
				URL: p.NotifyURL, Body: []byte(`{}`), Status: payment.NotificationPending, NextAttemptAt: now, CreatedAt: now})
		})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if told != tc.want {
			t.Errorf("%s: the worker was told %d times, want %d", tc.name, told, tc.want)
		}
	}
}
