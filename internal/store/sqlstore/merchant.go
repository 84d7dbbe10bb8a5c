package sqlstore

import (
	"context"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

const merchantCols = `id, client_id, name, public_key, notify_url, created_at`

func scanMerchant(s scanner) (*payment.Merchant, error) {
	var m payment.Merchant
	var created int64
	if err := s.Scan(&m.ID, &m.ClientID, &m.Name, &m.PublicKey, &m.NotifyURL, &created); err != nil {
		return nil, noRows(err)
	}
	m.CreatedAt = fromMicros(created)
	return &m, nil
}

func (q queries) MerchantInsert(ctx context.Context, m *payment.Merchant) error {
	return q.exec(ctx, `INSERT INTO merchants (`+merchantCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		m.ID, m.ClientID, m.Name, m.PublicKey, m.NotifyURL, micros(m.CreatedAt))
}

func (q queries) MerchantGet(ctx context.Context, id string) (*payment.Merchant, error) {
	return scanMerchant(q.queryRow(ctx, `SELECT `+merchantCols+` FROM merchants WHERE id = ?`, id))
}

func (q queries) MerchantGetByClientID(ctx context.Context, clientID string) (*payment.Merchant, error) {
	return scanMerchant(q.queryRow(ctx, `SELECT `+merchantCols+` FROM merchants WHERE client_id = ?`, clientID))
}

func (q queries) MerchantList(ctx context.Context) ([]*payment.Merchant, error) {
	rows, err := q.query(ctx, `SELECT `+merchantCols+` FROM merchants ORDER BY created_at, client_id`)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanMerchant)
}

func (q queries) MerchantSetNotifyURL(ctx context.Context, clientID, url string) error {
	err := q.execOne(ctx, `UPDATE merchants SET notify_url = ? WHERE client_id = ?`, url, clientID)
	if err == store.ErrStale {
		return store.ErrNotFound
	}
	return err
}
