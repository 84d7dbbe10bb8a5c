// Package sqlstore implements store.Queries once, over database/sql, for every SQL engine
// adapter. What differs between engines is small and explicit in a Dialect: placeholders,
// row locks, and how constraint errors look.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// Execer is a *sql.DB, *sql.Conn or *sql.Tx.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Dialect is what an engine adapter tells the shared queries.
type Dialect struct {
	// Numbered placeholders ($1, $2, ...) instead of ?.
	Numbered bool
	// ForUpdate locks a row read inside a transaction (" FOR UPDATE"); empty where a write
	// transaction already excludes other writers (SQLite).
	ForUpdate string
	// SkipLocked claims rows no other transaction holds (" FOR UPDATE SKIP LOCKED").
	SkipLocked string
	// ConstraintErr turns an engine's unique-violation error into store.ErrConflict (wrapped)
	// and returns other errors unchanged.
	ConstraintErr func(error) error

	rebound sync.Map // query with ? → query with $n
}

// Queries implements store.Queries. It reads through r and writes through w; inside a
// transaction both are the transaction.
type Queries struct {
	r, w Execer
	d    *Dialect
}

// New returns the queries of an engine.
func New(r, w Execer, d *Dialect) Queries { return Queries{r: r, w: w, d: d} }

var _ store.Queries = Queries{}

// q rewrites a query written with ? placeholders for the dialect.
func (d *Dialect) q(query string) string {
	if !d.Numbered {
		return query
	}
	if v, ok := d.rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	d.rebound.Store(query, b.String())
	return b.String()
}

// MapErr turns engine errors into the store's sentinels.
func (d *Dialect) MapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return d.ConstraintErr(err)
}

func (q Queries) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return q.r.QueryRowContext(ctx, q.d.q(query), args...)
}

func (q Queries) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := q.r.QueryContext(ctx, q.d.q(query), args...)
	return rows, q.d.MapErr(err)
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

func (q Queries) exec(ctx context.Context, query string, args ...any) error {
	_, err := q.w.ExecContext(ctx, q.d.q(query), args...)
	return q.d.MapErr(err)
}

// execOne runs a conditional update; no matching row is ErrStale.
func (q Queries) execOne(ctx context.Context, query string, args ...any) error {
	res, err := q.w.ExecContext(ctx, q.d.q(query), args...)
	if err != nil {
		return q.d.MapErr(err)
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
		return nil, noRows(err)
	}
	m.CreatedAt = fromMicros(created)
	return &m, nil
}

func (q Queries) MerchantInsert(ctx context.Context, m *payment.Merchant) error {
	return q.exec(ctx, `INSERT INTO merchants (`+merchantCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		m.ID, m.ClientID, m.Name, m.PublicKey, m.NotifyURL, micros(m.CreatedAt))
}

func (q Queries) MerchantGetByClientID(ctx context.Context, clientID string) (*payment.Merchant, error) {
	return scanMerchant(q.queryRow(ctx, `SELECT `+merchantCols+` FROM merchants WHERE client_id = ?`, clientID))
}

func (q Queries) MerchantList(ctx context.Context) ([]*payment.Merchant, error) {
	rows, err := q.query(ctx, `SELECT `+merchantCols+` FROM merchants ORDER BY created_at, client_id`)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanMerchant)
}

func (q Queries) MerchantSetNotifyURL(ctx context.Context, clientID, url string) error {
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
	return out, noRows(rows.Err())
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
		return nil, noRows(err)
	}
	c.Token = token.String
	c.CreatedAt = fromMicros(created)
	return &c, nil
}

func nullable(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func (q Queries) CardInsert(ctx context.Context, c *payment.Card) error {
	return q.exec(ctx, `INSERT INTO cards (`+cardCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.MerchantID, c.BuyerID, nullable(c.Token), c.Fingerprint, c.KeyID, c.Sealed, c.Brand, c.BIN, c.Last4,
		c.ExpiryMonth, c.ExpiryYear, c.HolderName, c.Funding, c.IssuingCountry, micros(c.CreatedAt))
}

func (q Queries) CardGet(ctx context.Context, id string) (*payment.Card, error) {
	return scanCard(q.queryRow(ctx, `SELECT `+cardCols+` FROM cards WHERE id = ?`, id))
}

func (q Queries) CardGetByToken(ctx context.Context, merchantID, token string) (*payment.Card, error) {
	return scanCard(q.queryRow(ctx, `SELECT `+cardCols+` FROM cards WHERE merchant_id = ? AND token = ?`, merchantID, token))
}

func (q Queries) CardListNotUnderKey(ctx context.Context, keyID, afterID string, limit int) ([]*payment.Card, error) {
	rows, err := q.query(ctx, `SELECT `+cardCols+` FROM cards WHERE key_id <> ? AND id > ? ORDER BY id LIMIT ?`, keyID, afterID, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanCard)
}

func (q Queries) CardRewrap(ctx context.Context, id, fromKeyID, keyID string, sealed []byte) error {
	return q.execOne(ctx, `UPDATE cards SET key_id = ?, sealed = ? WHERE id = ? AND key_id = ?`, keyID, sealed, id, fromKeyID)
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

func (q Queries) PaymentInsert(ctx context.Context, p *payment.Payment) error {
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

func (q Queries) PaymentGet(ctx context.Context, merchantID, id string) (*payment.Payment, error) {
	return scanPayment(q.queryRow(ctx, `SELECT `+paymentCols+` FROM payments WHERE merchant_id = ? AND id = ?`, merchantID, id))
}

func (q Queries) PaymentGetByRequestID(ctx context.Context, merchantID, requestID string) (*payment.Payment, error) {
	return scanPayment(q.queryRow(ctx, `SELECT `+paymentCols+` FROM payments WHERE merchant_id = ? AND request_id = ?`, merchantID, requestID))
}

func (q Queries) PaymentGetForUpdate(ctx context.Context, id string) (*payment.Payment, error) {
	return scanPayment(q.w.QueryRowContext(ctx, q.d.q(`SELECT `+paymentCols+` FROM payments WHERE id = ?`+q.d.ForUpdate), id))
}

func (q Queries) PaymentUpdate(ctx context.Context, p *payment.Payment) error {
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

func (q Queries) PaymentListDue(ctx context.Context, now time.Time, limit int) ([]*payment.Payment, error) {
	rows, err := q.query(ctx, `SELECT `+paymentCols+` FROM payments
		WHERE next_action_at > 0 AND next_action_at <= ? ORDER BY next_action_at LIMIT ?`, micros(now), limit)
	if err != nil {
		return nil, err
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
		return nil, noRows(err)
	}
	c.CreatedAt, c.CompletedAt = fromMicros(created), fromMicros(completed)
	return &c, nil
}

func (q Queries) CaptureInsert(ctx context.Context, c *payment.Capture) error {
	return q.exec(ctx, `INSERT INTO captures (`+captureCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.PaymentID, c.MerchantID, c.RequestID, c.Amount.Currency, c.Amount.Value, c.Status, c.ResultCode,
		c.ResultMessage, c.IssuerRef, micros(c.CreatedAt), micros(c.CompletedAt))
}

func (q Queries) CaptureGetByRequestID(ctx context.Context, merchantID, requestID string) (*payment.Capture, error) {
	return scanCapture(q.queryRow(ctx, `SELECT `+captureCols+` FROM captures WHERE merchant_id = ? AND request_id = ?`, merchantID, requestID))
}

func (q Queries) CaptureUpdate(ctx context.Context, c *payment.Capture, from payment.Status) error {
	return q.execOne(ctx, `UPDATE captures SET status = ?, result_code = ?, result_message = ?, issuer_ref = ?,
		completed_at = ? WHERE id = ? AND status = ?`,
		c.Status, c.ResultCode, c.ResultMessage, c.IssuerRef, micros(c.CompletedAt), c.ID, from)
}

func (q Queries) CaptureListByPayment(ctx context.Context, paymentID string) ([]*payment.Capture, error) {
	rows, err := q.query(ctx, `SELECT `+captureCols+` FROM captures WHERE payment_id = ? ORDER BY created_at, id`, paymentID)
	if err != nil {
		return nil, err
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
		return nil, noRows(err)
	}
	r.CreatedAt, r.CompletedAt = fromMicros(created), fromMicros(completed)
	return &r, nil
}

func (q Queries) RefundInsert(ctx context.Context, r *payment.Refund) error {
	return q.exec(ctx, `INSERT INTO refunds (`+refundCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.PaymentID, r.MerchantID, r.RequestID, r.ReferenceRefundID, r.Amount.Currency, r.Amount.Value,
		r.Reason, r.NotifyURL, r.Status, r.ResultCode, r.ResultMessage, r.IssuerRef, micros(r.CreatedAt), micros(r.CompletedAt))
}

func (q Queries) RefundGet(ctx context.Context, merchantID, id string) (*payment.Refund, error) {
	return scanRefund(q.queryRow(ctx, `SELECT `+refundCols+` FROM refunds WHERE merchant_id = ? AND id = ?`, merchantID, id))
}

func (q Queries) RefundGetByRequestID(ctx context.Context, merchantID, requestID string) (*payment.Refund, error) {
	return scanRefund(q.queryRow(ctx, `SELECT `+refundCols+` FROM refunds WHERE merchant_id = ? AND request_id = ?`, merchantID, requestID))
}

func (q Queries) RefundUpdate(ctx context.Context, r *payment.Refund, from payment.Status) error {
	return q.execOne(ctx, `UPDATE refunds SET status = ?, result_code = ?, result_message = ?, issuer_ref = ?,
		completed_at = ? WHERE id = ? AND status = ?`,
		r.Status, r.ResultCode, r.ResultMessage, r.IssuerRef, micros(r.CompletedAt), r.ID, from)
}

func (q Queries) RefundListByPayment(ctx context.Context, paymentID string) ([]*payment.Refund, error) {
	rows, err := q.query(ctx, `SELECT `+refundCols+` FROM refunds WHERE payment_id = ? ORDER BY created_at, id`, paymentID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanRefund)
}

func (q Queries) RefundListProcessing(ctx context.Context, before time.Time, limit int) ([]*payment.Refund, error) {
	rows, err := q.query(ctx, `SELECT `+refundCols+` FROM refunds WHERE status = 'PROCESSING' AND created_at < ?
		ORDER BY created_at, id LIMIT ?`, micros(before), limit)
	if err != nil {
		return nil, err
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
		return nil, noRows(err)
	}
	n.NextAttemptAt, n.CreatedAt, n.DeliveredAt = fromMicros(next), fromMicros(created), fromMicros(delivered)
	return &n, nil
}

func (q Queries) NotificationInsert(ctx context.Context, n *payment.Notification) error {
	return q.exec(ctx, `INSERT INTO notifications (`+notificationCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		n.ID, n.MerchantID, n.PaymentID, n.Kind, n.URL, n.Body, n.Status, n.Attempts, n.RoundStart,
		micros(n.NextAttemptAt), micros(n.CreatedAt), micros(n.DeliveredAt))
}

func (q Queries) NotificationListByPayment(ctx context.Context, paymentID string) ([]*payment.Notification, error) {
	rows, err := q.query(ctx, `SELECT `+notificationCols+` FROM notifications WHERE payment_id = ? ORDER BY created_at, id`, paymentID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanNotification)
}

func (q Queries) NotificationGet(ctx context.Context, id string) (*payment.Notification, error) {
	return scanNotification(q.queryRow(ctx, `SELECT `+notificationCols+` FROM notifications WHERE id = ?`, id))
}

func (q Queries) NotificationList(ctx context.Context, f store.NotificationFilter) ([]*payment.Notification, error) {
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
	rows, err := q.query(ctx, `SELECT `+notificationCols+` FROM notifications WHERE `+where+
		` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanNotification)
}

// NotificationClaimDue selects and leases in the caller's transaction: SKIP LOCKED keeps
// concurrent workers on PostgreSQL apart; SQLite admits one writer at a time anyway.
func (q Queries) NotificationClaimDue(ctx context.Context, now, wallNow, leaseUntil time.Time, limit int) ([]*payment.Notification, error) {
	rows, err := q.w.QueryContext(ctx, q.d.q(`SELECT `+notificationCols+` FROM notifications
		WHERE status = 'PENDING' AND next_attempt_at <= ? AND lease_until <= ?
		ORDER BY next_attempt_at, id LIMIT ?`+q.d.SkipLocked), micros(now), micros(wallNow), limit)
	if err != nil {
		return nil, q.d.MapErr(err)
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

func (q Queries) NotificationRecordAttempt(ctx context.Context, n *payment.Notification, a *payment.NotificationAttempt) error {
	if err := q.execOne(ctx, `UPDATE notifications SET status = ?, attempts = ?, next_attempt_at = ?, delivered_at = ?,
		lease_until = 0 WHERE id = ? AND attempts = ?`,
		n.Status, n.Attempts, micros(n.NextAttemptAt), micros(n.DeliveredAt), n.ID, a.Attempt-1); err != nil {
		return err
	}
	return q.exec(ctx, `INSERT INTO notification_attempts (notification_id, attempt, started_at, url, http_status,
		latency_micros, response, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		a.NotificationID, a.Attempt, micros(a.StartedAt), a.URL, a.HTTPStatus, a.Latency.Microseconds(), a.Response, a.Error)
}

func (q Queries) NotificationAttempts(ctx context.Context, id string) ([]*payment.NotificationAttempt, error) {
	rows, err := q.query(ctx, `SELECT notification_id, attempt, started_at, url, http_status, latency_micros,
		response, error FROM notification_attempts WHERE notification_id = ? ORDER BY attempt`, id)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s scanner) (*payment.NotificationAttempt, error) {
		var a payment.NotificationAttempt
		var started, latency int64
		if err := s.Scan(&a.NotificationID, &a.Attempt, &started, &a.URL, &a.HTTPStatus, &latency, &a.Response, &a.Error); err != nil {
			return nil, noRows(err)
		}
		a.StartedAt, a.Latency = fromMicros(started), time.Duration(latency)*time.Microsecond
		return &a, nil
	})
}

func (q Queries) NotificationResend(ctx context.Context, id string, now time.Time) error {
	err := q.execOne(ctx, `UPDATE notifications SET status = 'PENDING', round_start = attempts, next_attempt_at = ?,
		delivered_at = 0 WHERE id = ?`, micros(now), id)
	if err == store.ErrStale {
		return store.ErrNotFound
	}
	return err
}

func (q Queries) NotificationBacklog(ctx context.Context) (int, time.Time, error) {
	var n int
	var oldest sql.NullInt64
	err := q.queryRow(ctx, `SELECT COUNT(*), MIN(next_attempt_at) FROM notifications WHERE status = 'PENDING'`).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, q.d.MapErr(err)
	}
	if !oldest.Valid {
		return 0, time.Time{}, nil
	}
	return n, fromMicros(oldest.Int64), nil
}

func (q Queries) MerchantGet(ctx context.Context, id string) (*payment.Merchant, error) {
	return scanMerchant(q.queryRow(ctx, `SELECT `+merchantCols+` FROM merchants WHERE id = ?`, id))
}

// noRows maps the absence of a row; scans see no engine-specific errors.
func noRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

func (q Queries) ClockOffset(ctx context.Context) (time.Duration, error) {
	var v int64
	if err := q.queryRow(ctx, `SELECT offset_micros FROM sandbox_clock WHERE id = 1`).Scan(&v); err != nil {
		return 0, noRows(err)
	}
	return time.Duration(v) * time.Microsecond, nil
}

// ClockAdvance adds and reads back in one statement: outside a transaction, an UPDATE and
// a separate SELECT could read another caller's advance too.
func (q Queries) ClockAdvance(ctx context.Context, d time.Duration) (time.Duration, error) {
	var v int64
	if err := q.w.QueryRowContext(ctx, q.d.q(`UPDATE sandbox_clock SET offset_micros = offset_micros + ? WHERE id = 1
		RETURNING offset_micros`), d.Microseconds()).Scan(&v); err != nil {
		return 0, q.d.MapErr(err)
	}
	return time.Duration(v) * time.Microsecond, nil
}
