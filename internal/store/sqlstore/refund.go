package sqlstore

import (
	"context"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

const refundCols = `id, payment_id, merchant_id, request_id, reference_refund_id, currency, value, reason,
	notify_url, status, result_code, result_message, issuer_ref, created_at, completed_at, arn`

func scanRefund(s scanner) (*payment.Refund, error) {
	var r payment.Refund
	var created, completed int64
	if err := s.Scan(&r.ID, &r.PaymentID, &r.MerchantID, &r.RequestID, &r.ReferenceRefundID, &r.Amount.Currency,
		&r.Amount.Value, &r.Reason, &r.NotifyURL, &r.Status, &r.ResultCode, &r.ResultMessage, &r.IssuerRef,
		&created, &completed, &r.ARN); err != nil {
		return nil, noRows(err)
	}
	r.CreatedAt, r.CompletedAt = fromMicros(created), fromMicros(completed)
	return &r, nil
}

func (q queries) RefundInsert(ctx context.Context, r *payment.Refund) error {
	return q.exec(ctx, `INSERT INTO refunds (`+refundCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.PaymentID, r.MerchantID, r.RequestID, r.ReferenceRefundID, r.Amount.Currency, r.Amount.Value,
		r.Reason, r.NotifyURL, r.Status, r.ResultCode, r.ResultMessage, r.IssuerRef, micros(r.CreatedAt), micros(r.CompletedAt), r.ARN)
}

func (q queries) RefundGet(ctx context.Context, id string) (*payment.Refund, error) {
	return scanRefund(q.queryRow(ctx, `SELECT `+refundCols+` FROM refunds WHERE id = ?`, id))
}

func (q queries) RefundGetByRequestID(ctx context.Context, merchantID, requestID string) (*payment.Refund, error) {
	return scanRefund(q.queryRow(ctx, `SELECT `+refundCols+` FROM refunds WHERE merchant_id = ? AND request_id = ?`, merchantID, requestID))
}

func (q queries) RefundUpdate(ctx context.Context, r *payment.Refund, from payment.Status) error {
	return q.execOne(ctx, `UPDATE refunds SET status = ?, result_code = ?, result_message = ?, issuer_ref = ?,
		completed_at = ?, arn = ? WHERE id = ? AND status = ?`,
		r.Status, r.ResultCode, r.ResultMessage, r.IssuerRef, micros(r.CompletedAt), r.ARN, r.ID, from)
}

func (q queries) RefundListByPayment(ctx context.Context, paymentID string) ([]*payment.Refund, error) {
	rows, err := q.query(ctx, `SELECT `+refundCols+` FROM refunds WHERE payment_id = ? ORDER BY created_at, id`, paymentID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanRefund)
}

func (q queries) RefundListProcessing(ctx context.Context, w store.Due) ([]*payment.Refund, error) {
	rows, err := q.query(ctx, `SELECT `+refundCols+` FROM refunds WHERE status = 'PROCESSING' AND created_at < ?
		ORDER BY created_at, id LIMIT ?`, micros(w.Until), w.Limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanRefund)
}
