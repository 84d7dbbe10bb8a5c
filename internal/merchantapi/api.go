// Package merchantapi holds the use cases of the merchant's API: pay, createPaymentSession,
// the inquiries, capture, cancel and refund. They take commands in domain terms (the
// transport, package antom, builds them from Antom requests) and answer in domain types.
// Idempotency on the merchant's request ids rests on unique keys in the store.
package merchantapi

import (
	"context"

	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// API runs the merchant's calls on the core every actor shares.
type API struct {
	core     *gateway.Core
	inflight *inflight
	rates    Rates
}

// New builds the API on core.
func New(core *gateway.Core) *API {
	return &API{core: core, inflight: &inflight{m: map[string]chan struct{}{}}}
}

// Core is the core the API runs on: its links and page tokens, for the transport.
func (a *API) Core() *gateway.Core { return a.core }

// errNotFound is the answer for an unknown payment, capture or refund.
var errNotFound = payment.NewError(payment.CodeOrderNotExist, "no such payment for this merchant")

// paymentForUpdate reads and locks a payment of merchant m inside a transaction.
func paymentForUpdate(ctx context.Context, q store.Tx, m *payment.Merchant, id string) (*payment.Payment, error) {
	p, err := q.PaymentLock(ctx, id)
	if err == nil && p.MerchantID != m.ID {
		return nil, store.ErrNotFound
	}
	return p, err
}
