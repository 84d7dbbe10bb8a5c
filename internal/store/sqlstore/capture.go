package sqlstore

import (
	"context"

	"github.com/cashierpay/cashier/internal/payment"
)

const captureCols = `id, payment_id, merchant_id, request_id, currency, value, status, result_code,
	result_message, issuer_ref, created_at, completed_at, arn`

func scanCapture(s scanner) (*payment.Capture, error) {
	var c payment.Capture
	var created, completed int64
	if err := s.Scan(&c.ID, &c.PaymentID, &c.MerchantID, &c.RequestID, &c.Amount.Currency, &c.Amount.Value,
		&c.Status, &c.ResultCode, &c.ResultMessage, &c.IssuerRef, &created, &completed, &c.ARN); err != nil {
		return nil, noRows(err)
	}
	c.CreatedAt, c.CompletedAt = fromMicros(created), fromMicros(completed)
	return &c, nil
}

func (q queries) CaptureInsert(ctx context.Context, c *payment.Capture) error {
	return q.exec(ctx, `INSERT INTO captures (`+captureCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.PaymentID, c.MerchantID, c.RequestID, c.Amount.Currency, c.Amount.Value, c.Status, c.ResultCode,
		c.ResultMessage, c.IssuerRef, micros(c.CreatedAt), micros(c.CompletedAt), c.ARN)
}

func (q queries) CaptureGetByRequestID(ctx context.Context, merchantID, requestID string) (*payment.Capture, error) {
	return scanCapture(q.queryRow(ctx, `SELECT `+captureCols+` FROM captures WHERE merchant_id = ? AND request_id = ?`, merchantID, requestID))
}

func (q queries) CaptureUpdate(ctx context.Context, c *payment.Capture, from payment.Status) error {
	return q.execOne(ctx, `UPDATE captures SET status = ?, result_code = ?, result_message = ?, issuer_ref = ?,
		completed_at = ?, arn = ? WHERE id = ? AND status = ?`,
		c.Status, c.ResultCode, c.ResultMessage, c.IssuerRef, micros(c.CompletedAt), c.ARN, c.ID, from)
}

func (q queries) CaptureListByPayment(ctx context.Context, paymentID string) ([]*payment.Capture, error) {
	rows, err := q.query(ctx, `SELECT `+captureCols+` FROM captures WHERE payment_id = ? ORDER BY created_at, id`, paymentID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanCapture)
}
