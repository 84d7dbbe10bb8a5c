package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

const vaultingCols = `id, merchant_id, request_id, key_hash, status, stage, notify_url, redirect_url, region,
	session, force_3ds, card_id, card_json, result_code, result_message, created_at, updated_at, expires_at, version`

func scanVaulting(s scanner) (*payment.Vaulting, error) {
	var v payment.Vaulting
	var cardJSON string
	var created, updated, expires int64
	if err := s.Scan(&v.ID, &v.MerchantID, &v.RequestID, &v.KeyHash, &v.Status, &v.Stage, &v.NotifyURL, &v.RedirectURL,
		&v.Region, &v.Session, &v.Force3DS, &v.CardID, &cardJSON, &v.ResultCode, &v.ResultMessage, &created, &updated,
		&expires, &v.Version); err != nil {
		return nil, noRows(err)
	}
	if err := json.Unmarshal([]byte(cardJSON), &v.Card); err != nil {
		return nil, err
	}
	v.CreatedAt, v.UpdatedAt, v.ExpiresAt = fromMicros(created), fromMicros(updated), fromMicros(expires)
	return &v, nil
}

func (q queries) VaultingInsert(ctx context.Context, v *payment.Vaulting) error {
	card, err := json.Marshal(v.Card)
	if err != nil {
		return err
	}
	return q.exec(ctx, `INSERT INTO vaultings (`+vaultingCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.ID, v.MerchantID, v.RequestID, v.KeyHash, v.Status, v.Stage, v.NotifyURL, v.RedirectURL, v.Region, v.Session,
		v.Force3DS, v.CardID, string(card), v.ResultCode, v.ResultMessage, micros(v.CreatedAt), micros(v.UpdatedAt),
		micros(v.ExpiresAt), v.Version)
}

func (q queries) VaultingGet(ctx context.Context, id string) (*payment.Vaulting, error) {
	return scanVaulting(q.queryRow(ctx, `SELECT `+vaultingCols+` FROM vaultings WHERE id = ?`, id))
}

func (q queries) VaultingGetByRequestID(ctx context.Context, merchantID, requestID string) (*payment.Vaulting, error) {
	return scanVaulting(q.queryRow(ctx, `SELECT `+vaultingCols+` FROM vaultings WHERE merchant_id = ? AND request_id = ?`, merchantID, requestID))
}

func (q queries) VaultingListExpired(ctx context.Context, w store.Due) ([]*payment.Vaulting, error) {
	rows, err := q.query(ctx, `SELECT `+vaultingCols+` FROM vaultings WHERE status = 'PROCESSING' AND expires_at <= ?
		ORDER BY expires_at, id LIMIT ?`, micros(w.Until), w.Limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanVaulting)
}

func (q queries) VaultingUpdate(ctx context.Context, v *payment.Vaulting) error {
	card, err := json.Marshal(v.Card)
	if err != nil {
		return err
	}
	err = q.execOne(ctx, `UPDATE vaultings SET status = ?, stage = ?, card_id = ?, card_json = ?, result_code = ?,
		result_message = ?, updated_at = ?, expires_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		v.Status, v.Stage, v.CardID, string(card), v.ResultCode, v.ResultMessage, micros(v.UpdatedAt), micros(v.ExpiresAt),
		v.ID, v.Version)
	if err == nil {
		v.Version++
	}
	return err
}
