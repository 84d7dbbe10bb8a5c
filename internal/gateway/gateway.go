// Package gateway holds the use cases of the payment gateway: pay, capture, cancel, refund,
// the inquiries and consult, and the sweeper that finishes what time decides (issuer
// retries, expiry, release of authorizations). Each state change is one store transaction
// that also writes the notification reporting it; calls to the issuer happen between
// transactions, never inside one.
package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/vault"
)

// Config is what a Gateway needs. Every field is required unless its comment gives a default.
type Config struct {
	Store  store.Store
	Issuer issuer.Processor
	// ACS challenges buyers whose card needs 3-D Secure; without one such payments fail.
	ACS issuer.ACS
	// Bodies renders the notifications the use cases write.
	Bodies NotificationBodies
	Vault  *vault.Keyring
	// Clock defaults to the wall clock.
	Clock clock.Clock
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// PublicURL is the gateway's URL for the links it hands out (hosted pages, the SDK's
	// session, logos). Empty means: the URL of the listener each request arrived on, which
	// the transport puts in the request's context with WithPublicURL.
	PublicURL string
	// IssuerTimeout bounds one call to the issuer; default 10 s, so that a pay answers
	// PAYMENT_IN_PROCESS before the official SDKs give up reading (15 s).
	IssuerTimeout time.Duration
	// PageKey authenticates the tokens of hosted-page URLs; every node of one gateway must
	// have the same. Required for hosted mode.
	PageKey []byte
	// Notified is called after a transaction that wrote notifications commits, so that the
	// delivery worker sends them at once; optional.
	Notified func()
	// SweepLag, if set, hears after each sweeper pass how late it handled the most
	// overdue payment.
	SweepLag func(time.Duration)
	// DuplicateWait is how long a duplicate request waits for the original to settle
	// before answering with its in-process state; default 10 s, inside the SDKs' 15 s.
	DuplicateWait time.Duration
}

// Gateway runs the use cases.
type Gateway struct {
	store         store.Store
	issuer        issuer.Processor
	acs           issuer.ACS
	bodies        NotificationBodies
	vault         *vault.Keyring
	clock         clock.Clock
	log           *slog.Logger
	publicURL     string
	issuerTimeout time.Duration
	dupWait       time.Duration
	notified      func()
	sweepLag      func(time.Duration)
	pageKey       []byte
	cvvs          *cvvCache
	// lastRefundRetry is when the sweeper last asked the issuer about silent refunds.
	lastRefundRetry atomic.Value // time.Time
}

// New builds a Gateway from cfg.
func New(cfg Config) *Gateway {
	g := &Gateway{
		store: cfg.Store, issuer: cfg.Issuer, acs: cfg.ACS, bodies: cfg.Bodies, vault: cfg.Vault, clock: cfg.Clock, log: cfg.Logger,
		publicURL: strings.TrimSuffix(cfg.PublicURL, "/"), issuerTimeout: cfg.IssuerTimeout, dupWait: cfg.DuplicateWait,
		notified: cfg.Notified, sweepLag: cfg.SweepLag, pageKey: cfg.PageKey, cvvs: newCVVCache(),
	}
	g.lastRefundRetry.Store(time.Time{})
	if g.clock == nil {
		g.clock = clock.Real{}
	}
	if g.log == nil {
		g.log = slog.Default()
	}
	if g.issuerTimeout == 0 {
		g.issuerTimeout = 10 * time.Second
	}
	if g.dupWait == 0 {
		g.dupWait = 10 * time.Second
	}
	return g
}

type publicURLKey struct{}

// WithPublicURL returns ctx carrying the URL the request reached the gateway at (scheme,
// host and port of its listener), so that a merchant calling over HTTPS hands its buyers
// HTTPS links and one over plain HTTP gets HTTP links.
func WithPublicURL(ctx context.Context, url string) context.Context {
	return context.WithValue(ctx, publicURLKey{}, strings.TrimSuffix(url, "/"))
}

// PublicURL is the base of the links handed out in answer to the request of ctx.
func (g *Gateway) PublicURL(ctx context.Context) string {
	if g.publicURL != "" {
		return g.publicURL
	}
	u, _ := ctx.Value(publicURLKey{}).(string)
	return u
}

// Clock is the gateway's clock, for the transport's timestamps.
func (g *Gateway) Clock() clock.Clock { return g.clock }

// Now is the gateway's time, for the transport's checks of times in requests.
func (g *Gateway) Now() time.Time { return g.now() }

// now is the gateway's time, truncated to what the store keeps so that values read back
// compare equal to values written.
func (g *Gateway) now() time.Time { return g.clock.Now().UTC().Truncate(time.Microsecond) }

// newID makes a time-ordered identifier for payments, captures, refunds and notifications.
func newID() string {
	id, err := uuid.NewV7()
	if err != nil {
		id = uuid.New()
	}
	return strings.ReplaceAll(id.String(), "-", "")
}

// keyHash fingerprints the parameters that an idempotent retry must repeat exactly.
func keyHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// issuerCtx detaches an issuer call from the merchant's request: once the gateway has
// asked the issuer it must record the answer even if the merchant hangs up.
func (g *Gateway) issuerCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), g.issuerTimeout)
}

// internalError logs err with what the merchant sent and returns an error that tells the
// merchant to retry or inquire, never the detail.
func (g *Gateway) internalError(ctx context.Context, op string, err error) error {
	g.log.ErrorContext(ctx, "gateway error", "op", op, "err", err)
	return payment.NewError(payment.CodeUnknownException, "the request could not be completed; retry with the same request id or inquire")
}

// errNotFound is the answer for an unknown payment, capture or refund.
var errNotFound = payment.NewError(payment.CodeOrderNotExist, "no such payment for this merchant")

// notify writes the outbox row of a notification rendered by render, due at once, in the
// transaction of q: the change and its notification commit together or not at all.
func (g *Gateway) notify(ctx context.Context, q store.Queries, p *payment.Payment, kind, url string, now time.Time, render func() ([]byte, error)) error {
	body, err := render()
	if err != nil {
		return err
	}
	return q.NotificationInsert(ctx, &payment.Notification{
		ID: newID(), MerchantID: p.MerchantID, PaymentID: p.ID, Kind: kind, URL: url, Body: body,
		Status: payment.NotificationPending, NextAttemptAt: now, CreatedAt: now,
	})
}

func (g *Gateway) notifyPayment(ctx context.Context, q store.Queries, p *payment.Payment, now time.Time) error {
	return g.notify(ctx, q, p, payment.NotifyPayment, p.NotifyURL, now, func() ([]byte, error) { return g.bodies.Payment(p) })
}

func (g *Gateway) notifyCapture(ctx context.Context, q store.Queries, p *payment.Payment, c *payment.Capture, now time.Time) error {
	return g.notify(ctx, q, p, payment.NotifyCapture, p.NotifyURL, now, func() ([]byte, error) { return g.bodies.Capture(c) })
}

func (g *Gateway) notifyRefund(ctx context.Context, q store.Queries, p *payment.Payment, r *payment.Refund, now time.Time) error {
	return g.notify(ctx, q, p, payment.NotifyRefund, r.NotifyURL, now, func() ([]byte, error) { return g.bodies.Refund(r) })
}

// timeZero is "no issuer retry" for payment.Schedule.
var timeZero time.Time

// paymentForUpdate reads and locks a payment of merchant m inside a transaction.
func paymentForUpdate(ctx context.Context, q store.Queries, m *payment.Merchant, id string) (*payment.Payment, error) {
	p, err := q.PaymentGetForUpdate(ctx, id)
	if err == nil && p.MerchantID != m.ID {
		return nil, store.ErrNotFound
	}
	return p, err
}

// isStale says whether a write lost a race and the use case should re-read and retry.
func isStale(err error) bool { return errors.Is(err, store.ErrStale) }

// outboxQueries notes whether a transaction wrote a notification.
type outboxQueries struct {
	store.Queries
	wrote *bool
}

func (q outboxQueries) NotificationInsert(ctx context.Context, n *payment.Notification) error {
	*q.wrote = true
	return q.Queries.NotificationInsert(ctx, n)
}

// tx runs fn in a store transaction and, once a transaction that wrote notifications has
// committed, tells the delivery worker.
func (g *Gateway) tx(ctx context.Context, fn func(store.Queries) error) error {
	var wrote bool
	err := g.store.Tx(ctx, func(q store.Queries) error { return fn(outboxQueries{Queries: q, wrote: &wrote}) })
	if err == nil && wrote && g.notified != nil {
		g.notified()
	}
	return err
}
