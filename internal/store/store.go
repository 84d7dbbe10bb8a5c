// Package store is the persistence contract of the gateway. Adapters (sqlite/, and
// postgres/ later) implement it with plain SQL and no business rules, so that they stay
// alike; storetest/ is the one conformance suite every adapter runs.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
)

// Sentinel errors. Adapters turn their engine's errors into these once, at the boundary.
var (
	// ErrNotFound: no row matches.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a unique key (a merchant's request id, a client id) is taken.
	ErrConflict = errors.New("store: conflict")
	// ErrStale: a conditional update matched no row because someone else moved it first.
	ErrStale = errors.New("store: stale")
)

// Store is a database the gateway runs on.
type Store interface {
	Queries
	// Tx runs fn in one write transaction; an error from fn rolls it back. fn may run
	// while other transactions wait, so it must not call the network.
	Tx(ctx context.Context, fn func(Queries) error) error
	// Ping checks that the database answers, for readiness probes.
	Ping(ctx context.Context) error
	Close() error
}

// Queries are the statements, usable inside and outside a transaction. Every update is
// conditional on the state the caller read: zero matching rows is ErrStale.
type Queries interface {
	MerchantInsert(ctx context.Context, m *payment.Merchant) error
	MerchantGetByClientID(ctx context.Context, clientID string) (*payment.Merchant, error)
	MerchantList(ctx context.Context) ([]*payment.Merchant, error)
	MerchantSetNotifyURL(ctx context.Context, clientID, url string) error

	CardInsert(ctx context.Context, c *payment.Card) error
	CardGet(ctx context.Context, id string) (*payment.Card, error)
	CardGetByToken(ctx context.Context, merchantID, token string) (*payment.Card, error)
	// CardListNotUnderKey lists up to limit cards whose sealed data is wrapped by another key
	// than keyID, in id order after afterID, for key rotation.
	CardListNotUnderKey(ctx context.Context, keyID, afterID string, limit int) ([]*payment.Card, error)
	// CardRewrap replaces a card's sealed data if it is still wrapped by fromKeyID.
	CardRewrap(ctx context.Context, id, fromKeyID, keyID string, sealed []byte) error

	PaymentInsert(ctx context.Context, p *payment.Payment) error
	PaymentGet(ctx context.Context, merchantID, id string) (*payment.Payment, error)
	PaymentGetByRequestID(ctx context.Context, merchantID, requestID string) (*payment.Payment, error)
	// PaymentGetForUpdate reads a payment and, where the engine can, locks it until the
	// transaction ends.
	PaymentGetForUpdate(ctx context.Context, id string) (*payment.Payment, error)
	// PaymentUpdate writes p if the stored row still has p.Version, and increments Version.
	PaymentUpdate(ctx context.Context, p *payment.Payment) error
	// PaymentListDue lists payments whose NextActionAt is at or before now, oldest first.
	PaymentListDue(ctx context.Context, now time.Time, limit int) ([]*payment.Payment, error)

	CaptureInsert(ctx context.Context, c *payment.Capture) error
	CaptureGetByRequestID(ctx context.Context, merchantID, requestID string) (*payment.Capture, error)
	// CaptureUpdate writes c if the stored row still has status from.
	CaptureUpdate(ctx context.Context, c *payment.Capture, from payment.Status) error
	CaptureListByPayment(ctx context.Context, paymentID string) ([]*payment.Capture, error)

	RefundInsert(ctx context.Context, r *payment.Refund) error
	RefundGet(ctx context.Context, merchantID, id string) (*payment.Refund, error)
	RefundGetByRequestID(ctx context.Context, merchantID, requestID string) (*payment.Refund, error)
	// RefundUpdate writes r if the stored row still has status from.
	RefundUpdate(ctx context.Context, r *payment.Refund, from payment.Status) error
	RefundListByPayment(ctx context.Context, paymentID string) ([]*payment.Refund, error)
	// RefundListProcessing lists up to limit refunds still processing that were created
	// before before, oldest first: refunds whose issuer never answered.
	RefundListProcessing(ctx context.Context, before time.Time, limit int) ([]*payment.Refund, error)

	NotificationInsert(ctx context.Context, n *payment.Notification) error
	NotificationListByPayment(ctx context.Context, paymentID string) ([]*payment.Notification, error)
	NotificationGet(ctx context.Context, id string) (*payment.Notification, error)
	// NotificationList lists notifications newest first.
	NotificationList(ctx context.Context, f NotificationFilter) ([]*payment.Notification, error)
	// NotificationClaimDue leases up to limit pending notifications due at now (on the
	// gateway's clock) whose lease has run out (on the wall clock), until leaseUntil, so that
	// no other worker sends them meanwhile. Call it inside Tx.
	NotificationClaimDue(ctx context.Context, now, wallNow, leaseUntil time.Time, limit int) ([]*payment.Notification, error)
	// NotificationRecordAttempt stores an attempt and the notification's new state (status,
	// attempts, next attempt, delivery time) if no other attempt was recorded meanwhile.
	NotificationRecordAttempt(ctx context.Context, n *payment.Notification, a *payment.NotificationAttempt) error
	NotificationAttempts(ctx context.Context, id string) ([]*payment.NotificationAttempt, error)
	// NotificationResend makes a notification pending again at now with a fresh retry round.
	NotificationResend(ctx context.Context, id string, now time.Time) error
	// NotificationBacklog counts the pending notifications and gives the earliest time one
	// of them was due (zero when none is pending), for monitoring.
	NotificationBacklog(ctx context.Context) (pending int, oldestDue time.Time, err error)

	MerchantGet(ctx context.Context, id string) (*payment.Merchant, error)

	// ClockOffset reads the sandbox test clock's lead over the wall clock, shared by nodes.
	ClockOffset(ctx context.Context) (time.Duration, error)
	// ClockAdvance moves the shared test clock forward by d and returns the new lead.
	ClockAdvance(ctx context.Context, d time.Duration) (time.Duration, error)
}

// NotificationFilter narrows NotificationList.
type NotificationFilter struct {
	PaymentID  string // "" for all
	FailedOnly bool
	Limit      int // 0 for 100
}
