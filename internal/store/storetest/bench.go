package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// BenchmarkPay runs the store's part of a direct card pay in manual capture with no notify
// URL, statement for statement as the gateway does it: the merchant by Client-Id and the
// idempotency look-up through the readers, then the writes of merchantapi.Pay, the sandbox
// issuer and gateway.RecordAuth, from 8 goroutines per core as concurrent requests do (so
// that group commit shows). An engine adapter's BenchmarkStorePay calls it.
func BenchmarkPay(b *testing.B, s store.Store) {
	ctx := b.Context()
	m := newMerchant(now())
	m.NotifyURL = ""
	if err := s.MerchantInsert(ctx, m); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := pay(ctx, s, m); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// pay is one pay's statements.
func pay(ctx context.Context, s store.Store, m *payment.Merchant) error {
	t := now()
	if _, err := s.MerchantGetByClientID(ctx, m.ClientID); err != nil {
		return err
	}
	p, c := newPayment(m, t), newCard(m, t)
	p.CardID, p.CaptureMode = c.ID, "MANUAL"
	if _, err := s.PaymentGetByRequestID(ctx, m.ID, p.RequestID); err != store.ErrNotFound {
		return fmt.Errorf("idempotency look-up of a new request id: %v", err)
	}
	if err := s.Tx(ctx, func(q store.Tx) error {
		if err := q.CardInsert(ctx, c); err != nil {
			return err
		}
		return q.PaymentInsert(ctx, p)
	}); err != nil {
		return err
	}
	if err := s.SandboxAuthInsert(ctx, &store.SandboxAuth{Reference: p.ID + "-1", IssuerRef: "A-" + p.ID, Amount: p.Amount, CreatedAt: t}); err != nil {
		return err
	}
	if err := s.Tx(ctx, func(q store.Tx) error {
		p.Status, p.Stage, p.ResultCode = payment.Success, payment.StageNone, payment.CodeSuccess
		if err := q.PaymentUpdate(ctx, p); err != nil {
			return err
		}
		return q.NotificationInsert(ctx, &payment.Notification{ID: newID(), MerchantID: m.ID, PaymentID: p.ID,
			Kind: payment.NotifyPayment, Body: []byte(`{"notifyType":"PAYMENT_RESULT"}`), Status: payment.NotificationPending,
			NextAttemptAt: t, CreatedAt: t})
	}); err != nil {
		return err
	}
	return nil
}
