package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

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

// merchantHasNoURL is true when the notification's merchant has no notify URL, holding
// the merchant's row until the transaction ends on PostgreSQL (see store.Queries).
func (q queries) merchantHasNoURL(merchantID string) string {
	return `(SELECT notify_url FROM merchants WHERE id = ` + merchantID + q.d.ForShare + `) = ''`
}

func (q queries) NotificationInsert(ctx context.Context, n *payment.Notification) error {
	insert := `INSERT INTO notifications (` + notificationCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	args := []any{n.ID, n.MerchantID, n.PaymentID, n.Kind, n.URL, n.Body, n.Status, n.Attempts, n.RoundStart,
		micros(n.NextAttemptAt), micros(n.CreatedAt), micros(n.DeliveredAt)}
	if n.Status != payment.NotificationPending || n.URL != "" {
		return q.exec(ctx, insert, args...)
	}
	// A pending notification without a URL: the insert of the held row on the condition
	// that the merchant has no URL, answered by its row count, and else the plain insert.
	held := `INSERT INTO notifications (` + notificationCols + `)
		SELECT ?, ?, ?, ?, ?, ?, '` + payment.NotificationUndeliverable + `', ?, ?, ?, ?, ? WHERE ` + q.merchantHasNoURL("?")
	heldArgs := append(append(slices.Clone(args[:6]), args[7:]...), n.MerchantID)
	if l, ok := q.w.(ExecLater); ok {
		// PostgreSQL: both inserts go with the transaction's next statement or its COMMIT,
		// so that the notification costs no round trip of its own. The first takes the
		// merchant's row under a share lock whatever its URL, so the second, on the
		// opposite condition, sees the same URL: exactly one of them writes (the second
		// also when the merchant is not found, as the plain insert would). n.Status is
		// known once they have run, before the transaction returns.
		l.ExecLater(ctx, func(rows int64) {
			if rows == 1 {
				n.Status = payment.NotificationUndeliverable
			}
		}, q.d.q(held), heldArgs...)
		pending := `INSERT INTO notifications (` + notificationCols + `)
			SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT COALESCE(` + q.merchantHasNoURL("?") + `, FALSE)`
		l.ExecLater(ctx, nil, q.d.q(pending), append(args, n.MerchantID)...)
		return nil
	}
	// Elsewhere one INSERT … RETURNING status would cost a result set, and through
	// database/sql a goroutine watching the transaction's context, on every pay; a row
	// count does not.
	switch err := q.execOne(ctx, held, heldArgs...); {
	case err == nil:
		n.Status = payment.NotificationUndeliverable
		return nil
	case !errors.Is(err, store.ErrStale):
		return err
	}
	return q.exec(ctx, insert, args...)
}

func (q queries) NotificationListByPayment(ctx context.Context, paymentID string) ([]*payment.Notification, error) {
	rows, err := q.query(ctx, `SELECT `+notificationCols+` FROM notifications WHERE payment_id = ? ORDER BY created_at, id`, paymentID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanNotification)
}

func (q queries) NotificationGet(ctx context.Context, id string) (*payment.Notification, error) {
	return scanNotification(q.queryRow(ctx, `SELECT `+notificationCols+` FROM notifications WHERE id = ?`, id))
}

func (q queries) NotificationList(ctx context.Context, f store.NotificationFilter) ([]*payment.Notification, error) {
	where, args := "1 = 1", []any{}
	if f.PaymentID != "" {
		where += " AND payment_id = ?"
		args = append(args, f.PaymentID)
	}
	if f.FailedOnly {
		where += " AND status IN ('FAILED', 'UNDELIVERABLE')"
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

// NotificationClaimDue selects and leases in one statement, one round trip whatever it
// claims: SKIP LOCKED keeps concurrent workers on PostgreSQL apart (a row another worker
// has leased meanwhile fails the lease condition when the lock re-reads it); SQLite admits
// one writer at a time anyway.
func (q txQueries) NotificationClaimDue(ctx context.Context, c store.NotificationClaim) ([]*payment.Notification, error) {
	rows, err := q.w.QueryContext(ctx, q.d.q(`UPDATE notifications SET lease_until = ? WHERE id IN (
		SELECT id FROM notifications WHERE status = 'PENDING' AND next_attempt_at <= ? AND lease_until <= ?
		ORDER BY next_attempt_at, id LIMIT ?`+q.d.SkipLocked+`) RETURNING `+notificationCols),
		micros(c.LeaseUntil), micros(c.Now), micros(c.WallNow), c.Limit)
	if err != nil {
		return nil, q.d.MapErr(err)
	}
	due, err := collect(rows, scanNotification)
	if err != nil {
		return nil, q.d.MapErr(err)
	}
	// RETURNING gives no order; the worker sends the longest due first.
	slices.SortFunc(due, func(a, b *payment.Notification) int {
		return cmp.Or(a.NextAttemptAt.Compare(b.NextAttemptAt), cmp.Compare(a.ID, b.ID))
	})
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

func (q queries) NotificationSetUndeliverable(ctx context.Context, n *payment.Notification) error {
	return q.execOne(ctx, `UPDATE notifications SET status = 'UNDELIVERABLE', lease_until = 0
		WHERE id = ? AND status = 'PENDING' AND attempts = ? AND url = '' AND `+q.merchantHasNoURL("notifications.merchant_id"),
		n.ID, n.Attempts)
}

func (q queries) NotificationResendUndeliverable(ctx context.Context, merchantID string, since, now time.Time) (int, error) {
	res, err := q.w.ExecContext(ctx, q.d.q(`UPDATE notifications SET status = 'PENDING', round_start = attempts,
		next_attempt_at = ?, lease_until = 0 WHERE merchant_id = ? AND status = 'UNDELIVERABLE' AND created_at >= ?`),
		micros(now), merchantID, micros(since))
	if err != nil {
		return 0, q.d.MapErr(err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (q queries) NotificationResend(ctx context.Context, id string, now time.Time) error {
	err := q.execOne(ctx, `UPDATE notifications SET status = 'PENDING', round_start = attempts, next_attempt_at = ?,
		delivered_at = 0 WHERE id = ?`, micros(now), id)
	if err == store.ErrStale {
		return store.ErrNotFound
	}
	return err
}

func (q queries) NotificationBacklog(ctx context.Context, since time.Time) (store.Backlog, error) {
	var b store.Backlog
	var oldest sql.NullInt64
	err := q.queryRow(ctx, `SELECT COUNT(*), MIN(next_attempt_at) FROM notifications WHERE status = 'PENDING'`).Scan(&b.Pending, &oldest)
	if err == nil {
		err = q.queryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE status = 'UNDELIVERABLE' AND created_at >= ?`,
			micros(since)).Scan(&b.Undeliverable)
	}
	if err != nil {
		return store.Backlog{}, q.d.MapErr(err)
	}
	if oldest.Valid {
		b.OldestDue = fromMicros(oldest.Int64)
	}
	return b, nil
}
