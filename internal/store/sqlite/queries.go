package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries reads through r and writes through w; inside a transaction both are the tx.
type queries struct {
	r execer
	w execer
}

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

func (q queries) exec(ctx context.Context, query string, args ...any) error {
	_, err := q.w.ExecContext(ctx, query, args...)
	return mapErr(err)
}

// execOne runs a conditional update; no matching row is ErrStale.
func (q queries) execOne(ctx context.Context, query string, args ...any) error {
	res, err := q.w.ExecContext(ctx, query, args...)
	if err != nil {
		return mapErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrStale
	}
	return nil
}

type scanner interface{ Scan(dest ...any) error }

// Merchants.

const merchantCols = `id, client_id, name, public_key, notify_url, created_at`

func scanMerchant(s scanner) (*payment.Merchant, error) {
	var m payment.Merchant
	var created int64
	if err := s.Scan(&m.ID, &m.ClientID, &m.Name, &m.PublicKey, &m.NotifyURL, &created); err != nil {
		return nil, mapErr(err)
	}
	m.CreatedAt = fromMicros(created)
	return &m, nil
}

func (q queries) MerchantInsert(ctx context.Context, m *payment.Merchant) error {
	return q.exec(ctx, `INSERT INTO merchants (`+merchantCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		m.ID, m.ClientID, m.Name, m.PublicKey, m.NotifyURL, micros(m.CreatedAt))
}

func (q queries) MerchantGetByClientID(ctx context.Context, clientID string) (*payment.Merchant, error) {
	return scanMerchant(q.r.QueryRowContext(ctx, `SELECT `+merchantCols+` FROM merchants WHERE client_id = ?`, clientID))
}

func (q queries) MerchantList(ctx context.Context) ([]*payment.Merchant, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+merchantCols+` FROM merchants ORDER BY created_at, client_id`)
	if err != nil {
		return nil, mapErr(err)
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

func collect[T any](rows *sql.Rows, scan func(scanner) (*T, error)) ([]*T, error) {
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, mapErr(rows.Err())
}

// Cards.

const cardCols = `id, merchant_id, buyer_id, token, fingerprint, key_id, sealed, brand, bin, last4,
	expiry_month, expiry_year, holder_name, funding, issuing_country, created_at`

func scanCard(s scanner) (*payment.Card, error) {
	var c payment.Card
	var token sql.NullString
	var created int64
	if err := s.Scan(&c.ID, &c.MerchantID, &c.BuyerID, &token, &c.Fingerprint, &c.KeyID, &c.Sealed, &c.Brand,
		&c.BIN, &c.Last4, &c.ExpiryMonth, &c.ExpiryYear, &c.HolderName, &c.Funding, &c.IssuingCountry, &created); err != nil {
		return nil, mapErr(err)
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
	return scanCard(q.r.QueryRowContext(ctx, `SELECT `+cardCols+` FROM cards WHERE id = ?`, id))
}

func (q queries) CardGetByToken(ctx context.Context, merchantID, token string) (*payment.Card, error) {
	return scanCard(q.r.QueryRowContext(ctx, `SELECT `+cardCols+` FROM cards WHERE merchant_id = ? AND token = ?`, merchantID, token))
}

// Payments.

const paymentCols = `id, merchant_id, request_id, key_hash, currency, value, status, stage, result_code,
	result_message, capture_mode, capture_state, captured_value, refunded_value, cancel_reason, card_id,
	card_json, issuer_ref, redirect_url, notify_url, order_json, created_at, updated_at, paid_at,
	cancelled_at, expires_at, next_action_at, version`

func scanPayment(s scanner) (*payment.Payment, error) {
	var p payment.Payment
	var cardJSON, orderJSON string
	var created, updated, paid, cancelled, expires, next int64
	if err := s.Scan(&p.ID, &p.MerchantID, &p.RequestID, &p.KeyHash, &p.Amount.Currency, &p.Amount.Value,
		&p.Status, &p.Stage, &p.ResultCode, &p.ResultMessage, &p.CaptureMode, &p.CaptureState, &p.CapturedValue,
		&p.RefundedValue, &p.CancelReason, &p.CardID, &cardJSON, &p.IssuerRef, &p.RedirectURL, &p.NotifyURL,
		&orderJSON, &created, &updated, &paid, &cancelled, &expires, &next, &p.Version); err != nil {
		return nil, mapErr(err)
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
	return q.exec(ctx, `INSERT INTO payments (`+paymentCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.MerchantID, p.RequestID, p.KeyHash, p.Amount.Currency, p.Amount.Value, p.Status, p.Stage,
		p.ResultCode, p.ResultMessage, p.CaptureMode, p.CaptureState, p.CapturedValue, p.RefundedValue,
		p.CancelReason, p.CardID, card, p.IssuerRef, p.RedirectURL, p.NotifyURL, order, micros(p.CreatedAt),
		micros(p.UpdatedAt), micros(p.PaidAt), micros(p.CancelledAt), micros(p.ExpiresAt), micros(p.NextActionAt), p.Version)
}

func (q queries) PaymentGet(ctx context.Context, merchantID, id string) (*payment.Payment, error) {
	return scanPayment(q.r.QueryRowContext(ctx, `SELECT `+paymentCols+` FROM payments WHERE merchant_id = ? AND id = ?`, merchantID, id))
}

func (q queries) PaymentGetByRequestID(ctx context.Context, merchantID, requestID string) (*payment.Payment, error) {
	return scanPayment(q.r.QueryRowContext(ctx, `SELECT `+paymentCols+` FROM payments WHERE merchant_id = ? AND request_id = ?`, merchantID, requestID))
}

// PaymentGetForUpdate needs no lock on SQLite: a write transaction already excludes every
// other writer from BEGIN IMMEDIATE to COMMIT.
func (q queries) PaymentGetForUpdate(ctx context.Context, id string) (*payment.Payment, error) {
	return scanPayment(q.w.QueryRowContext(ctx, `SELECT `+paymentCols+` FROM payments WHERE id = ?`, id))
}

func (q queries) PaymentUpdate(ctx context.Context, p *payment.Payment) error {
	card, order, err := paymentJSON(p)
	if err != nil {
		return err
	}
	err = q.execOne(ctx, `UPDATE payments SET status = ?, stage = ?, result_code = ?, result_message = ?,
		capture_state = ?, captured_value = ?, refunded_value = ?, cancel_reason = ?, card_id = ?, card_json = ?,
		issuer_ref = ?, order_json = ?, updated_at = ?, paid_at = ?, cancelled_at = ?, expires_at = ?,
		next_action_at = ?, version = version + 1
		WHERE id = ? AND version = ?`,
		p.Status, p.Stage, p.ResultCode, p.ResultMessage, p.CaptureState, p.CapturedValue, p.RefundedValue,
		p.CancelReason, p.CardID, card, p.IssuerRef, order, micros(p.UpdatedAt), micros(p.PaidAt),
		micros(p.CancelledAt), micros(p.ExpiresAt), micros(p.NextActionAt), p.ID, p.Version)
	if err == nil {
		p.Version++
	}
	return err
}

func (q queries) PaymentListDue(ctx context.Context, now time.Time, limit int) ([]*payment.Payment, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+paymentCols+` FROM payments
		WHERE next_action_at > 0 AND next_action_at <= ? ORDER BY next_action_at LIMIT ?`, micros(now), limit)
	if err != nil {
		return nil, mapErr(err)
	}
	return collect(rows, scanPayment)
}

// Captures.

const captureCols = `id, payment_id, merchant_id, request_id, currency, value, status, result_code,
	result_message, issuer_ref, created_at, completed_at`

func scanCapture(s scanner) (*payment.Capture, error) {
	var c payment.Capture
	var created, completed int64
	if err := s.Scan(&c.ID, &c.PaymentID, &c.MerchantID, &c.RequestID, &c.Amount.Currency, &c.Amount.Value,
		&c.Status, &c.ResultCode, &c.ResultMessage, &c.IssuerRef, &created, &completed); err != nil {
		return nil, mapErr(err)
	}
	c.CreatedAt, c.CompletedAt = fromMicros(created), fromMicros(completed)
	return &c, nil
}

func (q queries) CaptureInsert(ctx context.Context, c *payment.Capture) error {
	return q.exec(ctx, `INSERT INTO captures (`+captureCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.PaymentID, c.MerchantID, c.RequestID, c.Amount.Currency, c.Amount.Value, c.Status, c.ResultCode,
		c.ResultMessage, c.IssuerRef, micros(c.CreatedAt), micros(c.CompletedAt))
}

func (q queries) CaptureGetByRequestID(ctx context.Context, merchantID, requestID string) (*payment.Capture, error) {
	return scanCapture(q.r.QueryRowContext(ctx, `SELECT `+captureCols+` FROM captures WHERE merchant_id = ? AND request_id = ?`, merchantID, requestID))
}

func (q queries) CaptureUpdate(ctx context.Context, c *payment.Capture, from payment.Status) error {
	return q.execOne(ctx, `UPDATE captures SET status = ?, result_code = ?, result_message = ?, issuer_ref = ?,
		completed_at = ? WHERE id = ? AND status = ?`,
		c.Status, c.ResultCode, c.ResultMessage, c.IssuerRef, micros(c.CompletedAt), c.ID, from)
}

func (q queries) CaptureListByPayment(ctx context.Context, paymentID string) ([]*payment.Capture, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+captureCols+` FROM captures WHERE payment_id = ? ORDER BY created_at, id`, paymentID)
	if err != nil {
		return nil, mapErr(err)
	}
	return collect(rows, scanCapture)
}

// Refunds.

const refundCols = `id, payment_id, merchant_id, request_id, reference_refund_id, currency, value, reason,
	notify_url, status, result_code, result_message, issuer_ref, created_at, completed_at`

func scanRefund(s scanner) (*payment.Refund, error) {
	var r payment.Refund
	var created, completed int64
	if err := s.Scan(&r.ID, &r.PaymentID, &r.MerchantID, &r.RequestID, &r.ReferenceRefundID, &r.Amount.Currency,
		&r.Amount.Value, &r.Reason, &r.NotifyURL, &r.Status, &r.ResultCode, &r.ResultMessage, &r.IssuerRef,
		&created, &completed); err != nil {
		return nil, mapErr(err)
	}
	r.CreatedAt, r.CompletedAt = fromMicros(created), fromMicros(completed)
	return &r, nil
}

func (q queries) RefundInsert(ctx context.Context, r *payment.Refund) error {
	return q.exec(ctx, `INSERT INTO refunds (`+refundCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.PaymentID, r.MerchantID, r.RequestID, r.ReferenceRefundID, r.Amount.Currency, r.Amount.Value,
		r.Reason, r.NotifyURL, r.Status, r.ResultCode, r.ResultMessage, r.IssuerRef, micros(r.CreatedAt), micros(r.CompletedAt))
}

func (q queries) RefundGet(ctx context.Context, merchantID, id string) (*payment.Refund, error) {
	return scanRefund(q.r.QueryRowContext(ctx, `SELECT `+refundCols+` FROM refunds WHERE merchant_id = ? AND id = ?`, merchantID, id))
}

func (q queries) RefundGetByRequestID(ctx context.Context, merchantID, requestID string) (*payment.Refund, error) {
	return scanRefund(q.r.QueryRowContext(ctx, `SELECT `+refundCols+` FROM refunds WHERE merchant_id = ? AND request_id = ?`, merchantID, requestID))
}

func (q queries) RefundUpdate(ctx context.Context, r *payment.Refund, from payment.Status) error {
	return q.execOne(ctx, `UPDATE refunds SET status = ?, result_code = ?, result_message = ?, issuer_ref = ?,
		completed_at = ? WHERE id = ? AND status = ?`,
		r.Status, r.ResultCode, r.ResultMessage, r.IssuerRef, micros(r.CompletedAt), r.ID, from)
}

func (q queries) RefundListByPayment(ctx context.Context, paymentID string) ([]*payment.Refund, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+refundCols+` FROM refunds WHERE payment_id = ? ORDER BY created_at, id`, paymentID)
	if err != nil {
		return nil, mapErr(err)
	}
	return collect(rows, scanRefund)
}

// Notifications.

const notificationCols = `id, merchant_id, payment_id, kind, url, body, status, attempts, round_start,
	next_attempt_at, created_at, delivered_at`

func scanNotification(s scanner) (*payment.Notification, error) {
	var n payment.Notification
	var next, created, delivered int64
	if err := s.Scan(&n.ID, &n.MerchantID, &n.PaymentID, &n.Kind, &n.URL, &n.Body, &n.Status, &n.Attempts,
		&n.RoundStart, &next, &created, &delivered); err != nil {
		return nil, mapErr(err)
	}
	n.NextAttemptAt, n.CreatedAt, n.DeliveredAt = fromMicros(next), fromMicros(created), fromMicros(delivered)
	return &n, nil
}

func (q queries) NotificationInsert(ctx context.Context, n *payment.Notification) error {
	return q.exec(ctx, `INSERT INTO notifications (`+notificationCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		n.ID, n.MerchantID, n.PaymentID, n.Kind, n.URL, n.Body, n.Status, n.Attempts, n.RoundStart,
		micros(n.NextAttemptAt), micros(n.CreatedAt), micros(n.DeliveredAt))
}

func (q queries) NotificationListByPayment(ctx context.Context, paymentID string) ([]*payment.Notification, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+notificationCols+` FROM notifications WHERE payment_id = ? ORDER BY created_at, id`, paymentID)
	if err != nil {
		return nil, mapErr(err)
	}
	return collect(rows, scanNotification)
}

func (q queries) NotificationGet(ctx context.Context, id string) (*payment.Notification, error) {
	return scanNotification(q.r.QueryRowContext(ctx, `SELECT `+notificationCols+` FROM notifications WHERE id = ?`, id))
}

func (q queries) NotificationList(ctx context.Context, f store.NotificationFilter) ([]*payment.Notification, error) {
	where, args := "1 = 1", []any{}
	if f.PaymentID != "" {
		where += " AND payment_id = ?"
		args = append(args, f.PaymentID)
	}
	if f.FailedOnly {
		where += " AND status = 'FAILED'"
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	rows, err := q.r.QueryContext(ctx, `SELECT `+notificationCols+` FROM notifications WHERE `+where+
		` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, mapErr(err)
	}
	return collect(rows, scanNotification)
}

// NotificationClaimDue relies on the write transaction it runs in: SQLite admits one writer,
// so the select and the lease are atomic against every other worker.
func (q queries) NotificationClaimDue(ctx context.Context, now, wallNow, leaseUntil time.Time, limit int) ([]*payment.Notification, error) {
	rows, err := q.w.QueryContext(ctx, `SELECT `+notificationCols+` FROM notifications
		WHERE status = 'PENDING' AND next_attempt_at <= ? AND lease_until <= ?
		ORDER BY next_attempt_at, id LIMIT ?`, micros(now), micros(wallNow), limit)
	if err != nil {
		return nil, mapErr(err)
	}
	due, err := collect(rows, scanNotification)
	if err != nil {
		return nil, err
	}
	for _, n := range due {
		if err := q.execOne(ctx, `UPDATE notifications SET lease_until = ? WHERE id = ? AND lease_until <= ?`,
			micros(leaseUntil), n.ID, micros(wallNow)); err != nil {
			return nil, err
		}
	}
	return due, nil
}

func (q queries) NotificationRecordAttempt(ctx context.Context, n *payment.Notification, a *payment.NotificationAttempt) error {
	if err := q.execOne(ctx, `UPDATE notifications SET status = ?, attempts = ?, next_attempt_at = ?, delivered_at = ?,
		lease_until = 0 WHERE id = ? AND attempts = ?`,
		n.Status, n.Attempts, micros(n.NextAttemptAt), micros(n.DeliveredAt), n.ID, a.Attempt-1); err != nil {
		return err
	}
	return q.exec(ctx, `INSERT INTO notification_attempts (notification_id, attempt, started_at, url, http_status,
		latency_micros, response, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		a.NotificationID, a.Attempt, micros(a.StartedAt), a.URL, a.HTTPStatus, a.Latency.Microseconds(), a.Response, a.Error)
}

func (q queries) NotificationAttempts(ctx context.Context, id string) ([]*payment.NotificationAttempt, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT notification_id, attempt, started_at, url, http_status, latency_micros,
		response, error FROM notification_attempts WHERE notification_id = ? ORDER BY attempt`, id)
	if err != nil {
		return nil, mapErr(err)
	}
	return collect(rows, func(s scanner) (*payment.NotificationAttempt, error) {
		var a payment.NotificationAttempt
		var started, latency int64
		if err := s.Scan(&a.NotificationID, &a.Attempt, &started, &a.URL, &a.HTTPStatus, &latency, &a.Response, &a.Error); err != nil {
			return nil, mapErr(err)
		}
		a.StartedAt, a.Latency = fromMicros(started), time.Duration(latency)*time.Microsecond
		return &a, nil
	})
}

func (q queries) NotificationResend(ctx context.Context, id string, now time.Time) error {
	err := q.execOne(ctx, `UPDATE notifications SET status = 'PENDING', round_start = attempts, next_attempt_at = ?,
		delivered_at = 0 WHERE id = ?`, micros(now), id)
	if err == store.ErrStale {
		return store.ErrNotFound
	}
	return err
}

func (q queries) MerchantGet(ctx context.Context, id string) (*payment.Merchant, error) {
	return scanMerchant(q.r.QueryRowContext(ctx, `SELECT `+merchantCols+` FROM merchants WHERE id = ?`, id))
}
