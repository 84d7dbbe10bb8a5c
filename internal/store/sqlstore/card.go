package sqlstore

import (
	"context"
	"database/sql"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

const cardCols = `id, merchant_id, buyer_id, token, fingerprint, key_id, sealed, brand, bin, last4,
	expiry_month, expiry_year, holder_name, funding, issuing_country, created_at`

func scanCard(s scanner) (*payment.Card, error) {
	var c payment.Card
	var token sql.NullString
	var created int64
	if err := s.Scan(&c.ID, &c.MerchantID, &c.BuyerID, &token, &c.Fingerprint, &c.KeyID, &c.Sealed, &c.Brand,
		&c.BIN, &c.Last4, &c.ExpiryMonth, &c.ExpiryYear, &c.HolderName, &c.Funding, &c.IssuingCountry, &created); err != nil {
		return nil, noRows(err)
	}
	c.Token = token.String
	c.CreatedAt = fromMicros(created)
	return &c, nil
}

func nullable(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func (q queries) CardInsert(ctx context.Context, c *payment.Card) error {
	return q.exec(ctx, `INSERT INTO cards (`+cardCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.MerchantID, c.BuyerID, nullable(c.Token), c.Fingerprint, c.KeyID, c.Sealed, c.Brand, c.BIN, c.Last4,
		c.ExpiryMonth, c.ExpiryYear, c.HolderName, c.Funding, c.IssuingCountry, micros(c.CreatedAt))
}

func (q queries) CardGet(ctx context.Context, id string) (*payment.Card, error) {
	return scanCard(q.queryRow(ctx, `SELECT `+cardCols+` FROM cards WHERE id = ?`, id))
}

func (q queries) CardGetByToken(ctx context.Context, merchantID, token string) (*payment.Card, error) {
	return scanCard(q.queryRow(ctx, `SELECT `+cardCols+` FROM cards WHERE merchant_id = ? AND token = ?`, merchantID, token))
}

func (q queries) CardListNotUnderKey(ctx context.Context, p store.CardKeyPage) ([]*payment.Card, error) {
	rows, err := q.query(ctx, `SELECT `+cardCols+` FROM cards WHERE key_id <> ? AND id > ? ORDER BY id LIMIT ?`, p.KeyID, p.AfterID, p.Limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanCard)
}

func (q queries) CardRewrap(ctx context.Context, r store.CardRewrap) error {
	return q.execOne(ctx, `UPDATE cards SET key_id = ?, sealed = ? WHERE id = ? AND key_id = ?`, r.ToKeyID, r.Sealed, r.ID, r.FromKeyID)
}

func (q queries) CardTokenize(ctx context.Context, c *payment.Card) error {
	return q.execOne(ctx, `UPDATE cards SET token = ?, funding = ?, issuing_country = ? WHERE id = ? AND token IS NULL`,
		c.Token, c.Funding, c.IssuingCountry, c.ID)
}
