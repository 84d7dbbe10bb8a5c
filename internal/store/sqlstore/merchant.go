package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// A merchant is read with its keys in one statement, one row per key: the API reads it on
// every request to verify the signature.
// The logo's bytes stay in their own table; the page needs only its digest.
const merchantSelect = `SELECT m.id, m.client_id, m.name, m.notify_url, m.request_window_ms, m.created_at, COALESCE(l.digest, ''),
	k.version, k.public_key, k.created_at, k.retired_at
	FROM merchants m LEFT JOIN merchant_logos l ON l.merchant_id = m.id LEFT JOIN merchant_keys k ON k.merchant_id = m.id`

// merchants reads the merchants a merchantSelect query returns, ordered by merchant and
// then by key version.
func (q queries) merchants(ctx context.Context, query string, args ...any) ([]*payment.Merchant, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*payment.Merchant
	for rows.Next() {
		var m payment.Merchant
		var window, created int64
		var version, keyCreated, keyRetired sql.NullInt64
		var key sql.NullString
		if err := rows.Scan(&m.ID, &m.ClientID, &m.Name, &m.NotifyURL, &window, &created, &m.LogoDigest, &version, &key, &keyCreated, &keyRetired); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != m.ID {
			m.RequestWindow, m.CreatedAt = time.Duration(window)*time.Millisecond, fromMicros(created)
			out = append(out, &m)
		}
		if version.Valid {
			last := out[len(out)-1]
			last.Keys = append(last.Keys, payment.MerchantKey{
				Version: int(version.Int64), PublicKey: key.String, CreatedAt: fromMicros(keyCreated.Int64), RetiredAt: fromMicros(keyRetired.Int64),
			})
		}
	}
	return out, noRows(rows.Err())
}

func (q queries) merchant(ctx context.Context, query string, args ...any) (*payment.Merchant, error) {
	ms, err := q.merchants(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, store.ErrNotFound
	}
	return ms[0], nil
}

// MerchantInsert writes the merchant and its keys in one transaction.
func (q queries) MerchantInsert(ctx context.Context, m *payment.Merchant) error {
	return q.atomic(ctx, func(q queries) error {
		if err := q.exec(ctx, `INSERT INTO merchants (id, client_id, name, notify_url, request_window_ms, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			m.ID, m.ClientID, m.Name, m.NotifyURL, m.RequestWindow.Milliseconds(), micros(m.CreatedAt)); err != nil {
			return err
		}
		for _, k := range m.Keys {
			if err := q.MerchantKeyInsert(ctx, m.ID, k); err != nil {
				return err
			}
		}
		return nil
	})
}

func (q queries) MerchantGet(ctx context.Context, id string) (*payment.Merchant, error) {
	return q.merchant(ctx, merchantSelect+` WHERE m.id = ? ORDER BY k.version`, id)
}

func (q queries) MerchantGetByClientID(ctx context.Context, clientID string) (*payment.Merchant, error) {
	return q.merchant(ctx, merchantSelect+` WHERE m.client_id = ? ORDER BY k.version`, clientID)
}

func (q queries) MerchantList(ctx context.Context) ([]*payment.Merchant, error) {
	return q.merchants(ctx, merchantSelect+` ORDER BY m.created_at, m.client_id, k.version`)
}

func (q txQueries) MerchantLock(ctx context.Context, clientID string) (*payment.Merchant, error) {
	var id string
	if err := q.w.QueryRowContext(ctx, q.d.q(`SELECT id FROM merchants WHERE client_id = ?`+q.d.ForUpdate), clientID).Scan(&id); err != nil {
		return nil, q.d.MapErr(err)
	}
	return q.MerchantGet(ctx, id)
}

func (q queries) MerchantKeyInsert(ctx context.Context, merchantID string, k payment.MerchantKey) error {
	return q.exec(ctx, `INSERT INTO merchant_keys (merchant_id, version, public_key, created_at, retired_at) VALUES (?, ?, ?, ?, ?)`,
		merchantID, k.Version, k.PublicKey, micros(k.CreatedAt), micros(k.RetiredAt))
}

func (q queries) MerchantKeyRetire(ctx context.Context, r store.KeyRetire) error {
	return q.execOne(ctx, `UPDATE merchant_keys SET retired_at = ? WHERE merchant_id = ? AND version = ? AND (retired_at = 0 OR retired_at > ?)`,
		micros(r.At), r.MerchantID, r.Version, micros(r.Now))
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

// MerchantSetLogo replaces the logo in one statement once the merchant is found: an upsert,
// so that two changes at once leave one of them, never an error.
func (q queries) MerchantSetLogo(ctx context.Context, clientID string, logo *payment.Logo) error {
	return q.atomic(ctx, func(q queries) error {
		var id string
		if err := q.queryRow(ctx, `SELECT id FROM merchants WHERE client_id = ?`, clientID).Scan(&id); err != nil {
			return q.d.MapErr(err)
		}
		if logo == nil {
			return q.exec(ctx, `DELETE FROM merchant_logos WHERE merchant_id = ?`, id)
		}
		return q.exec(ctx, `INSERT INTO merchant_logos (merchant_id, content_type, digest, data) VALUES (?, ?, ?, ?)
			ON CONFLICT (merchant_id) DO UPDATE SET content_type = excluded.content_type, digest = excluded.digest, data = excluded.data`,
			id, logo.ContentType, logo.Digest, logo.Data)
	})
}

// MerchantLogo reads a logo by digest. Two merchants with the same image share a digest,
// and then either row is that image.
func (q queries) MerchantLogo(ctx context.Context, digest string) (*payment.Logo, error) {
	l := &payment.Logo{Digest: digest}
	err := q.queryRow(ctx, `SELECT content_type, data FROM merchant_logos WHERE digest = ? LIMIT 1`, digest).Scan(&l.ContentType, &l.Data)
	if err != nil {
		return nil, q.d.MapErr(err)
	}
	return l, nil
}

// ConfigRevision reads the one row of config_revision, by its primary key.
func (q queries) ConfigRevision(ctx context.Context) (int64, error) {
	var rev int64
	err := q.queryRow(ctx, `SELECT revision FROM config_revision WHERE id = 1`).Scan(&rev)
	return rev, q.d.MapErr(err)
}
