package sqlstore

import (
	"context"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

const disputeCols = `id, payment_id, merchant_id, payment_request_id, currency, value, reason_code, reason_msg,
	source, issuer_ref, status, raised_at, defense_due_at, alerted, evidence, evidence_format, responded_at,
	judged_result, accept_reason, judged_value, closed_at, next_action_at, version, arn`

func scanDispute(s scanner) (*payment.Dispute, error) {
	var d payment.Dispute
	var raised, due, responded, closed, next int64
	var alerted int
	if err := s.Scan(&d.ID, &d.PaymentID, &d.MerchantID, &d.PaymentRequestID, &d.Amount.Currency, &d.Amount.Value,
		&d.ReasonCode, &d.ReasonMsg, &d.Source, &d.IssuerRef, &d.Status, &raised, &due, &alerted, &d.Evidence,
		&d.EvidenceFormat, &responded, &d.JudgedResult, &d.AcceptReason, &d.JudgedAmount.Value, &closed, &next,
		&d.Version, &d.ARN); err != nil {
		return nil, noRows(err)
	}
	d.RaisedAt, d.DefenseDueAt, d.RespondedAt = fromMicros(raised), fromMicros(due), fromMicros(responded)
	d.ClosedAt, d.NextActionAt, d.Alerted = fromMicros(closed), fromMicros(next), alerted != 0
	if d.JudgedResult != "" {
		d.JudgedAmount.Currency = d.Amount.Currency
	}
	return &d, nil
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (q queries) DisputeInsert(ctx context.Context, d *payment.Dispute) error {
	err := q.exec(ctx, `INSERT INTO disputes (`+disputeCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
		d.ID, d.PaymentID, d.MerchantID, d.PaymentRequestID, d.Amount.Currency, d.Amount.Value, d.ReasonCode,
		d.ReasonMsg, d.Source, d.IssuerRef, d.Status, micros(d.RaisedAt), micros(d.DefenseDueAt), flag(d.Alerted),
		d.Evidence, d.EvidenceFormat, micros(d.RespondedAt), d.JudgedResult, d.AcceptReason, d.JudgedAmount.Value,
		micros(d.ClosedAt), micros(d.NextActionAt), d.ARN)
	if err == nil {
		d.Version = 1
	}
	return err
}

func (q queries) DisputeGet(ctx context.Context, id string) (*payment.Dispute, error) {
	return scanDispute(q.queryRow(ctx, `SELECT `+disputeCols+` FROM disputes WHERE id = ?`, id))
}

func (q queries) DisputeGetByPayment(ctx context.Context, paymentID string) (*payment.Dispute, error) {
	return scanDispute(q.queryRow(ctx, `SELECT `+disputeCols+` FROM disputes WHERE payment_id = ?`, paymentID))
}

func (q queries) DisputeUpdate(ctx context.Context, d *payment.Dispute) error {
	err := q.execOne(ctx, `UPDATE disputes SET value = ?, status = ?, raised_at = ?, defense_due_at = ?, alerted = ?,
		evidence = ?, evidence_format = ?, responded_at = ?, judged_result = ?, accept_reason = ?, judged_value = ?,
		closed_at = ?, next_action_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		d.Amount.Value, d.Status, micros(d.RaisedAt), micros(d.DefenseDueAt), flag(d.Alerted), d.Evidence, d.EvidenceFormat,
		micros(d.RespondedAt), d.JudgedResult, d.AcceptReason, d.JudgedAmount.Value, micros(d.ClosedAt),
		micros(d.NextActionAt), d.ID, d.Version)
	if err == nil {
		d.Version++
	}
	return err
}

func (q queries) DisputeListDue(ctx context.Context, w store.Due) ([]*payment.Dispute, error) {
	rows, err := q.query(ctx, `SELECT `+disputeCols+` FROM disputes
		WHERE next_action_at > 0 AND next_action_at <= ? ORDER BY next_action_at, id LIMIT ?`, micros(w.Until), w.Limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanDispute)
}

func (q queries) DisputeList(ctx context.Context, f store.DisputeFilter) ([]*payment.Dispute, error) {
	from, until := micros(f.From), micros(f.Until)
	rows, err := q.query(ctx, `SELECT `+disputeCols+` FROM disputes WHERE merchant_id = ? AND status NOT IN ('SCHEDULED', 'DROPPED')
		AND ((raised_at >= ? AND raised_at < ?) OR (closed_at >= ? AND closed_at < ?))
		ORDER BY raised_at, id`, f.MerchantID, from, until, from, until)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanDispute)
}
