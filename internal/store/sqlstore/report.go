package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

func (q queries) SandboxRateSet(ctx context.Context, r *store.SandboxRate) error {
	return q.exec(ctx, `INSERT INTO sandbox_fx_rates (currency, per_usd, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (currency) DO UPDATE SET per_usd = excluded.per_usd, updated_at = excluded.updated_at`,
		r.Currency, r.PerUSD, micros(r.UpdatedAt))
}

func (q queries) SandboxRateList(ctx context.Context) ([]*store.SandboxRate, error) {
	rows, err := q.query(ctx, `SELECT currency, per_usd, updated_at FROM sandbox_fx_rates ORDER BY currency`)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s scanner) (*store.SandboxRate, error) {
		var r store.SandboxRate
		var updated int64
		err := s.Scan(&r.Currency, &r.PerUSD, &updated)
		r.UpdatedAt = fromMicros(updated)
		return &r, err
	})
}

func (q queries) PaymentListPeriod(ctx context.Context, p store.Period) ([]*payment.Payment, error) {
	from, to := micros(p.From), micros(p.To)
	rows, err := q.query(ctx, `SELECT `+paymentCols+` FROM payments WHERE merchant_id = ?
		AND (paid_at >= ? AND paid_at < ? OR cancelled_at >= ? AND cancelled_at < ?)
		ORDER BY created_at, id`, p.MerchantID, from, to, from, to)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanPayment)
}

func (q queries) CaptureListCompleted(ctx context.Context, p store.Period) ([]*payment.Capture, error) {
	rows, err := q.query(ctx, `SELECT `+captureCols+` FROM captures WHERE merchant_id = ? AND completed_at >= ? AND completed_at < ?
		ORDER BY completed_at, id`, p.MerchantID, micros(p.From), micros(p.To))
	if err != nil {
		return nil, err
	}
	return collect(rows, scanCapture)
}

func (q queries) RefundListCompleted(ctx context.Context, p store.Period) ([]*payment.Refund, error) {
	rows, err := q.query(ctx, `SELECT `+refundCols+` FROM refunds WHERE merchant_id = ? AND completed_at >= ? AND completed_at < ?
		ORDER BY completed_at, id`, p.MerchantID, micros(p.From), micros(p.To))
	if err != nil {
		return nil, err
	}
	return collect(rows, scanRefund)
}

func (q queries) SandboxQuoteKeep(ctx context.Context, qt *payment.Quote) error {
	body, err := json.Marshal(qt)
	if err != nil {
		return err
	}
	return q.exec(ctx, `INSERT INTO sandbox_fx_quotes (id, quote, expires_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		qt.ID, string(body), micros(qt.Expiry))
}

func (q queries) SandboxQuoteGet(ctx context.Context, id string) (*payment.Quote, error) {
	var body string
	if err := q.queryRow(ctx, `SELECT quote FROM sandbox_fx_quotes WHERE id = ?`, id).Scan(&body); err != nil {
		return nil, noRows(err)
	}
	var qt payment.Quote
	if err := json.Unmarshal([]byte(body), &qt); err != nil {
		return nil, err
	}
	return &qt, nil
}
