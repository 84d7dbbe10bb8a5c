package sqlstore

import (
	"context"

	"github.com/cashierpay/cashier/internal/store"
)

func (q queries) SandboxAuthInsert(ctx context.Context, a *store.SandboxAuth) error {
	return q.exec(ctx, `INSERT INTO sandbox_authorizations (reference, issuer_ref, currency, value, created_at) VALUES (?, ?, ?, ?, ?)`,
		a.Reference, a.IssuerRef, a.Amount.Currency, a.Amount.Value, micros(a.CreatedAt))
}

func (q queries) SandboxAuthGet(ctx context.Context, reference string) (*store.SandboxAuth, error) {
	var a store.SandboxAuth
	var created int64
	if err := q.queryRow(ctx, `SELECT reference, issuer_ref, currency, value, created_at FROM sandbox_authorizations WHERE reference = ?`, reference).
		Scan(&a.Reference, &a.IssuerRef, &a.Amount.Currency, &a.Amount.Value, &created); err != nil {
		return nil, noRows(err)
	}
	a.CreatedAt = fromMicros(created)
	return &a, nil
}
