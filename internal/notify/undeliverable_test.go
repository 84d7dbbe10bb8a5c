package notify

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/store/sqlite"
)

// TestNoURLIsHeldUntilOneIsSet: a notification with no URL to go to is held without an
// attempt, whether the store holds it when it is written or the worker finds the merchant's
// URL cleared; setting the merchant's URL sends those of the last RoundSpan, and no other.
func TestNoURLIsHeldUntilOneIsSet(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "cashier.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rcv := newReceiver(t, acknowledge)
	w := New(Config{Store: st, Signer: fakeSigner{}, Guard: sandbox})
	now := time.Now().UTC().Truncate(time.Microsecond)
	m := &payment.Merchant{ID: "m1", ClientID: "SANDBOX_M1", Name: "Shop", NotifyURL: "https://shop.example/n", CreatedAt: now,
		Keys: payment.MerchantKeys{{Version: 1, PublicKey: "k", CreatedAt: now}}}
	if err := st.MerchantInsert(ctx, m); err != nil {
		t.Fatal(err)
	}
	insert := func(id string, created time.Time) *payment.Notification {
		n := &payment.Notification{ID: id, MerchantID: m.ID, PaymentID: "p-" + id, Kind: payment.NotifyPayment, Body: []byte(`{}`),
			Status: payment.NotificationPending, NextAttemptAt: created, CreatedAt: created}
		if err := st.NotificationInsert(ctx, n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	status := func(id string) (string, int) {
		t.Helper()
		n, err := st.NotificationGet(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		a, err := st.NotificationAttempts(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return n.Status, len(a)
	}
	deliverDue := func() int {
		t.Helper()
		due, err := w.claim(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range due {
			w.deliver(ctx, n)
		}
		return len(due)
	}

	// Written while the merchant had a URL, which it then cleared: the worker holds it.
	cleared := insert("cleared", now)
	if _, err := SetMerchantURL(ctx, st, m.ClientID, "", now); err != nil {
		t.Fatal(err)
	}
	if n := deliverDue(); n != 1 {
		t.Fatalf("claimed %d, want the one written with a URL", n)
	}
	if s, a := status(cleared.ID); s != payment.NotificationUndeliverable || a != 0 {
		t.Fatalf("after the worker found no URL: %s with %d attempts", s, a)
	}
	// Written without any URL: held at once, never claimed.
	held := insert("held", now)
	old := insert("old", now.Add(-RoundSpan-time.Minute))
	if n := deliverDue(); n != 0 {
		t.Fatalf("claimed %d notifications that have no URL", n)
	}

	resent, err := SetMerchantURL(ctx, st, m.ClientID, rcv.URL+"/notify", now)
	if err != nil {
		t.Fatal(err)
	}
	if resent != 2 {
		t.Fatalf("setting the URL resent %d, want 2", resent)
	}
	if n := deliverDue(); n != 2 {
		t.Fatalf("claimed %d after the URL was set, want 2", n)
	}
	for _, id := range []string{cleared.ID, held.ID} {
		if s, a := status(id); s != payment.NotificationDelivered || a != 1 {
			t.Errorf("%s after the URL was set: %s with %d attempts", id, s, a)
		}
	}
	if s, a := status(old.ID); s != payment.NotificationUndeliverable || a != 0 {
		t.Errorf("a notification older than a round: %s with %d attempts, want it held", s, a)
	}
	if rcv.n.Load() != 2 {
		t.Errorf("receiver got %d posts, want 2", rcv.n.Load())
	}
	if _, err := SetMerchantURL(ctx, st, "nobody", rcv.URL, now); err != store.ErrNotFound {
		t.Errorf("SetMerchantURL of an unknown merchant: %v", err)
	}
}
