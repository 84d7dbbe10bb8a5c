package sqlstore

import (
	"context"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

const merchantCols = `id, client_id, name, public_key, notify_url, request_window_ms, created_at`

func scanMerchant(s scanner) (*payment.Merchant, error) {
	var m payment.Merchant
	var window, created int64
	if err := s.Scan(&m.ID, &m.ClientID, &m.Name, &m.PublicKey, &m.NotifyURL, &window, &created); err != nil {
		return nil, noRows(err)
	}
	m.RequestWindow, m.CreatedAt = time.Duration(window)*time.Millisecond, fromMicros(created)
	return &m, nil
}

func (q queries) MerchantInsert(ctx context.Context, m *payment.Merchant) error {
	return q.exec(ctx, `INSERT INTO merchants (`+merchantCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.ClientID, m.Name, m.PublicKey, m.NotifyURL, m.RequestWindow.Milliseconds(), micros(m.CreatedAt))
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

func (q queries) MerchantSetRequestWindow(ctx context.Context, clientID string, window time.Duration) error {
	err := q.execOne(ctx, `UPDATE merchants SET request_window_ms = ? WHERE client_id = ?`, window.Milliseconds(), clientID)
	if err == store.ErrStale {
		return store.ErrNotFound
	}
	return err
}

func (q queries) MerchantSetNotifyURL(ctx context.Context, clientID, url string) error {
	err := q.execOne(ctx, `UPDATE merchants SET notify_url = ? WHERE client_id = ?`, url, clientID)
	if err == store.ErrStale {
		return store.ErrNotFound
	}
	return err
}
