package storetest

import (
	"context"
	"testing"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// BenchmarkPay runs the store's part of a direct card pay in manual capture with no notify
// URL, statement for statement as the gateway does it, from 8 goroutines per core as
// concurrent requests do (so that group commit shows): the merchant by Client-Id through the
// readers, then the writes; a new request id is not looked up first (a taken one shows as a
// conflict on the insert). "one-write" is the sandbox issuer's path (gateway.AuthorizeInOne:
// the issuer's record, the payment inserted already in its final state, and the
// notification, in one transaction); "two-writes" a remote issuer's (the payment as
// authorizing, the issuer's own record apart, then gateway.RecordAuth). An engine adapter's
// BenchmarkStorePay calls it.
func BenchmarkPay(b *testing.B, s store.Store) {
	ctx := b.Context()
	m := newMerchant(now())
	m.NotifyURL = ""
	if err := s.MerchantInsert(ctx, m); err != nil {
		b.Fatal(err)
	}
	for _, path := range []struct {
		name string
		one  bool
	}{{"one-write", true}, {"two-writes", false}} {
		b.Run(path.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := pay(ctx, s, m, path.one); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// pay is one pay's statements, in one write transaction or two.
func pay(ctx context.Context, s store.Store, m *payment.Merchant, one bool) error {
	t := now()
	if _, err := s.MerchantGetByClientID(ctx, m.ClientID); err != nil {
		return err
	}
	p, c := newPayment(m, t), newCard(m, t)
	p.CardID, p.CaptureMode = c.ID, "MANUAL"
	insert := func(q store.Tx) error {
		if err := q.CardInsert(ctx, c); err != nil {
			return err
		}
		return q.PaymentInsert(ctx, p)
	}
	authorize := func(q store.Queries) error {
		return q.SandboxAuthInsert(ctx, &store.SandboxAuth{Reference: p.ID + "-1", IssuerRef: "A-" + p.ID, Amount: p.Amount, CreatedAt: t})
	}
	answered := func() { p.Status, p.Stage, p.ResultCode = payment.Success, payment.StageNone, payment.CodeSuccess }
	notify := func(q store.Tx) error {
		return q.NotificationInsert(ctx, &payment.Notification{ID: newID(), MerchantID: m.ID, PaymentID: p.ID,
			Kind: payment.NotifyPayment, Body: []byte(`{"notifyType":"PAYMENT_RESULT"}`), Status: payment.NotificationPending,
			NextAttemptAt: t, CreatedAt: t})
	}
	record := func(q store.Tx) error {
		answered()
		if err := q.PaymentUpdate(ctx, p); err != nil {
			return err
		}
		return notify(q)
	}
	if one {
		return s.Tx(ctx, func(q store.Tx) error {
			if err := authorize(q); err != nil {
				return err
			}
			answered()
			if err := insert(q); err != nil {
				return err
			}
			return notify(q)
		})
	}
	if err := s.Tx(ctx, insert); err != nil {
		return err
	}
	if err := authorize(s); err != nil {
		return err
	}
	return s.Tx(ctx, record)
}
