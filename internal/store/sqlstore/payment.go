package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

const paymentCols = `id, merchant_id, request_id, key_hash, currency, value, status, stage, result_code,
	result_message, capture_mode, capture_state, captured_value, refunded_value, cancel_reason, card_id,
	card_json, issuer_ref, redirect_url, notify_url, order_json, created_at, updated_at, paid_at,
	cancelled_at, expires_at, next_action_at, card_attempts, version, auth_attempt`

func scanPayment(s scanner) (*payment.Payment, error) {
	var p payment.Payment
	var cardJSON, orderJSON string
	var created, updated, paid, cancelled, expires, next int64
	if err := s.Scan(&p.ID, &p.MerchantID, &p.RequestID, &p.KeyHash, &p.Amount.Currency, &p.Amount.Value,
		&p.Status, &p.Stage, &p.ResultCode, &p.ResultMessage, &p.CaptureMode, &p.CaptureState, &p.CapturedValue,
		&p.RefundedValue, &p.CancelReason, &p.CardID, &cardJSON, &p.IssuerRef, &p.RedirectURL, &p.NotifyURL,
		&orderJSON, &created, &updated, &paid, &cancelled, &expires, &next, &p.CardAttempts, &p.Version, &p.AuthAttempt); err != nil {
		return nil, noRows(err)
	}
	if err := json.Unmarshal([]byte(cardJSON), &p.Card); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(orderJSON), &p.Order); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt, p.PaidAt = fromMicros(created), fromMicros(updated), fromMicros(paid)
	p.CancelledAt, p.ExpiresAt, p.NextActionAt = fromMicros(cancelled), fromMicros(expires), fromMicros(next)
	return &p, nil
}

func paymentJSON(p *payment.Payment) (card, order string, err error) {
	c, err := json.Marshal(p.Card)
	if err != nil {
		return "", "", err
	}
	o, err := json.Marshal(p.Order)
	if err != nil {
		return "", "", err
	}
	return string(c), string(o), nil
}

func (q queries) PaymentInsert(ctx context.Context, p *payment.Payment) error {
	card, order, err := paymentJSON(p)
	if err != nil {
		return err
	}
	return q.exec(ctx, `INSERT INTO payments (`+paymentCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.MerchantID, p.RequestID, p.KeyHash, p.Amount.Currency, p.Amount.Value, p.Status, p.Stage,
		p.ResultCode, p.ResultMessage, p.CaptureMode, p.CaptureState, p.CapturedValue, p.RefundedValue,
		p.CancelReason, p.CardID, card, p.IssuerRef, p.RedirectURL, p.NotifyURL, order, micros(p.CreatedAt),
		micros(p.UpdatedAt), micros(p.PaidAt), micros(p.CancelledAt), micros(p.ExpiresAt), micros(p.NextActionAt), p.CardAttempts, p.Version, p.AuthAttempt)
}

func (q queries) PaymentGet(ctx context.Context, id string) (*payment.Payment, error) {
	return scanPayment(q.queryRow(ctx, `SELECT `+paymentCols+` FROM payments WHERE id = ?`, id))
}

func (q queries) PaymentGetByRequestID(ctx context.Context, merchantID, requestID string) (*payment.Payment, error) {
	return scanPayment(q.queryRow(ctx, `SELECT `+paymentCols+` FROM payments WHERE merchant_id = ? AND request_id = ?`, merchantID, requestID))
}

func (q txQueries) PaymentLock(ctx context.Context, id string) (*payment.Payment, error) {
	return scanPayment(q.w.QueryRowContext(ctx, q.d.q(`SELECT `+paymentCols+` FROM payments WHERE id = ?`+q.d.ForUpdate), id))
}

func (q queries) PaymentUpdate(ctx context.Context, p *payment.Payment) error {
	card, order, err := paymentJSON(p)
	if err != nil {
		return err
	}
	err = q.execOne(ctx, `UPDATE payments SET status = ?, stage = ?, result_code = ?, result_message = ?,
		capture_state = ?, captured_value = ?, refunded_value = ?, cancel_reason = ?, card_id = ?, card_json = ?,
		issuer_ref = ?, order_json = ?, updated_at = ?, paid_at = ?, cancelled_at = ?, expires_at = ?,
		next_action_at = ?, card_attempts = ?, auth_attempt = ?, version = version + 1
		WHERE id = ? AND version = ?`,
		p.Status, p.Stage, p.ResultCode, p.ResultMessage, p.CaptureState, p.CapturedValue, p.RefundedValue,
		p.CancelReason, p.CardID, card, p.IssuerRef, order, micros(p.UpdatedAt), micros(p.PaidAt),
		micros(p.CancelledAt), micros(p.ExpiresAt), micros(p.NextActionAt), p.CardAttempts, p.AuthAttempt, p.ID, p.Version)
	if err == nil {
		p.Version++
	}
	return err
}

func (q queries) PaymentListDue(ctx context.Context, w store.Due) ([]*payment.Payment, error) {
	rows, err := q.query(ctx, `SELECT `+paymentCols+` FROM payments
		WHERE next_action_at > 0 AND next_action_at <= ? ORDER BY next_action_at LIMIT ?`, micros(w.Until), w.Limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanPayment)
}

func (q queries) PaymentListByCard(ctx context.Context, cardID string) ([]*payment.Payment, error) {
	rows, err := q.query(ctx, `SELECT `+paymentCols+` FROM payments WHERE card_id = ? ORDER BY created_at, id`, cardID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanPayment)
}
