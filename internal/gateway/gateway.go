// Package gateway is the core the use cases share: the steps that move a payment whoever
// asked for it — authorizing at the issuer and recording the answer, capturing and
// refunding at the issuer and recording that, closing an expired payment, writing a change
// and its notification in one transaction — and the payment's page tokens and links. The
// use cases themselves live by actor: merchantapi (the merchant's API calls), checkout (the
// buyer's pages) and sweep (what time decides). Calls to the issuer happen between store
// transactions, never inside one.
package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/vault"
)

// Config is what a Core needs. Every field is required unless its comment gives a default.
type Config struct {
	Store  store.Store
	Issuer issuer.Processor
	// ACS challenges buyers whose card needs 3-D Secure; without one such payments fail.
	ACS issuer.ACS
	// Bodies renders the notifications the use cases write.
	Bodies NotificationBodies
	// Vault seals cards and holds the keys of hosted-page tokens; every node of one gateway
	// must share it.
	Vault *vault.Keyring
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
	// Notified is called after a transaction that wrote notifications commits, so that the
	// delivery worker sends them at once; optional.
	Notified func()
	// DuplicateWait is how long a duplicate request waits for the original, in flight on
	// this node, to settle before answering with its in-process state; default 10 s, inside
	// the SDKs' 15 s.
	DuplicateWait time.Duration
	// AuthLease is how long an authorization may stay in flight before the sweeper asks the
	// issuer about it by the gateway's reference and records the answer in place of the
	// request that asked (which died); default 30 s. It must exceed twice IssuerTimeout (the
	// authorization, then an automatic capture), so a live request is never overtaken.
	AuthLease time.Duration
	// AfterIssuerAuthorize, if set, runs once the issuer has answered an authorization and
	// before the answer is recorded: the sandbox's fault injection (serve --fault) kills the
	// process there to show that no payment is stranded.
	AfterIssuerAuthorize func()
}

// NotificationBodies renders the notifications the use cases write into the outbox, in the
// merchant's wire format. The use cases call it inside the transaction of the change the
// notification reports.
type NotificationBodies interface {
	Payment(p *payment.Payment) ([]byte, error)
	Capture(p *payment.Payment, c *payment.Capture) ([]byte, error)
	Refund(p *payment.Payment, r *payment.Refund) ([]byte, error)
	// Dispute renders notifyDispute of type note (payment.DisputeCreatedNote, ...) for d, a
	// dispute of capture of p.
	Dispute(p *payment.Payment, capture *payment.Capture, d *payment.Dispute, note string) ([]byte, error)
	Vaulting(v *payment.Vaulting) ([]byte, error)
}

// Core holds what the use cases share. Its exported fields are set by New and only read
// after.
type Core struct {
	Store  store.Store
	Issuer issuer.Processor
	ACS    issuer.ACS // nil: no 3-D Secure server
	// Disputes is the Issuer's chargeback side, nil when it reports none.
	Disputes issuer.Disputes
	// Acquirer names the Issuer and the merchants' accounts with it, nil when it does not.
	Acquirer issuer.Acquirer
	Cards    *Cards
	Tokens   PageTokens
	Log      *slog.Logger
	// IssuerTimeout, DuplicateWait and AuthLease are Config's, with their defaults.
	IssuerTimeout, DuplicateWait, AuthLease time.Duration

	bodies    NotificationBodies
	clock     clock.Clock
	publicURL string
	notified  func()
	cvvs      *cvvCache
	afterAuth func()
}

// New builds a Core from cfg.
func New(cfg Config) *Core {
	c := &Core{
		Store: cfg.Store, Issuer: cfg.Issuer, ACS: cfg.ACS, Log: cfg.Logger,
		IssuerTimeout: cfg.IssuerTimeout, DuplicateWait: cfg.DuplicateWait, AuthLease: cfg.AuthLease, afterAuth: cfg.AfterIssuerAuthorize,
		bodies: cfg.Bodies, clock: cfg.Clock, publicURL: strings.TrimSuffix(cfg.PublicURL, "/"),
		notified: cfg.Notified, cvvs: newCVVCache(),
	}
	if c.clock == nil {
		c.clock = clock.Real{}
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.IssuerTimeout == 0 {
		c.IssuerTimeout = DefaultIssuerTimeout
	}
	if c.DuplicateWait == 0 {
		c.DuplicateWait = 10 * time.Second
	}
	if c.AuthLease == 0 {
		c.AuthLease = DefaultAuthLease
	}
	c.Disputes, _ = cfg.Issuer.(issuer.Disputes)
	c.Acquirer, _ = cfg.Issuer.(issuer.Acquirer)
	c.Cards = &Cards{store: cfg.Store, vault: cfg.Vault, core: c}
	c.Tokens = PageTokens{keys: cfg.Vault}
	return c
}

type publicURLKey struct{}

// WithPublicURL returns ctx carrying the URL the request reached the gateway at (scheme,
// host and port of its listener), so that a merchant calling over HTTPS hands its buyers
// HTTPS links and one over plain HTTP gets HTTP links.
func WithPublicURL(ctx context.Context, url string) context.Context {
	return context.WithValue(ctx, publicURLKey{}, strings.TrimSuffix(url, "/"))
}

type buyerIPKey struct{}

// WithBuyerIP returns ctx carrying the address of the buyer whose request it serves, as the
// transport found it (the connection's, or a trusted proxy's X-Forwarded-For), for the limits
// on card testing.
func WithBuyerIP(ctx context.Context, ip netip.Addr) context.Context {
	return context.WithValue(ctx, buyerIPKey{}, ip)
}

// BuyerIP is the buyer's address of the request of ctx; ok is false outside an HTTP request.
func BuyerIP(ctx context.Context) (ip netip.Addr, ok bool) {
	ip, ok = ctx.Value(buyerIPKey{}).(netip.Addr)
	return ip, ok && ip.IsValid()
}

// PublicURL is the base of the links handed out in answer to the request of ctx.
func (c *Core) PublicURL(ctx context.Context) string {
	if c.publicURL != "" {
		return c.publicURL
	}
	u, _ := ctx.Value(publicURLKey{}).(string)
	return u
}

// Now is the gateway's time, truncated to what the store keeps so that values read back
// compare equal to values written.
func (c *Core) Now() time.Time { return c.clock.Now().UTC().Truncate(time.Microsecond) }

// NewID makes a time-ordered identifier for payments, captures, refunds and notifications.
func NewID() string {
	id, err := uuid.NewV7()
	if err != nil {
		id = uuid.New()
	}
	return strings.ReplaceAll(id.String(), "-", "")
}

// KeyHash fingerprints the parameters that an idempotent retry must repeat exactly.
func KeyHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// IssuerCtx detaches an issuer call from the caller's request: once the gateway has asked
// the issuer it must record the answer even if the merchant hangs up.
func (c *Core) IssuerCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), c.IssuerTimeout)
}

// InternalError logs err and returns an error that tells the merchant to retry or inquire,
// never the detail.
func (c *Core) InternalError(ctx context.Context, op string, err error) error {
	c.Log.ErrorContext(ctx, "gateway error", "op", op, "err", err)
	return payment.NewError(payment.CodeUnknownException, "the request could not be completed; retry with the same request id or inquire")
}

// notify writes the outbox row of a notification rendered by render, due at once, in the
// transaction of q: the change and its notification commit together or not at all.
// subjectID is the payment's id, or the vaulting's for notifyVaulting.
func (c *Core) notify(ctx context.Context, q store.Tx, merchantID, subjectID, kind, url string, now time.Time, render func() ([]byte, error)) error {
	body, err := render()
	if err != nil {
		return err
	}
	return q.NotificationInsert(ctx, &payment.Notification{
		ID: NewID(), MerchantID: merchantID, PaymentID: subjectID, Kind: kind, URL: url, Body: body,
		Status: payment.NotificationPending, NextAttemptAt: now, CreatedAt: now,
	})
}

// NotifyPayment writes notifyPayment for p in the transaction of q.
func (c *Core) NotifyPayment(ctx context.Context, q store.Tx, p *payment.Payment, now time.Time) error {
	return c.notify(ctx, q, p.MerchantID, p.ID, payment.NotifyPayment, p.NotifyURL, now, func() ([]byte, error) { return c.bodies.Payment(p) })
}

// NotifyCapture writes notifyCapture for a capture of p in the transaction of q.
func (c *Core) NotifyCapture(ctx context.Context, q store.Tx, p *payment.Payment, capture *payment.Capture, now time.Time) error {
	return c.notify(ctx, q, p.MerchantID, p.ID, payment.NotifyCapture, p.NotifyURL, now, func() ([]byte, error) { return c.bodies.Capture(p, capture) })
}

// NotifyRefund writes notifyRefund for a refund of p in the transaction of q.
func (c *Core) NotifyRefund(ctx context.Context, q store.Tx, p *payment.Payment, r *payment.Refund, now time.Time) error {
	return c.notify(ctx, q, p.MerchantID, p.ID, payment.NotifyRefund, r.NotifyURL, now, func() ([]byte, error) { return c.bodies.Refund(p, r) })
}

// outboxQueries keeps the notifications a transaction wrote, so that the worker is told
// of those it has to send once the transaction has committed; not of one the store held
// for want of a URL, which the store knows only then (on PostgreSQL the insert goes with
// the commit).
type outboxQueries struct {
	store.Tx
	wrote *[]*payment.Notification
}

func (q outboxQueries) NotificationInsert(ctx context.Context, n *payment.Notification) error {
	err := q.Tx.NotificationInsert(ctx, n)
	if err == nil {
		*q.wrote = append(*q.wrote, n)
	}
	return err
}

// Tx runs fn in a store transaction and, once a transaction that wrote notifications to
// send has committed, tells the delivery worker.
func (c *Core) Tx(ctx context.Context, fn func(store.Tx) error) error {
	var wrote []*payment.Notification
	err := c.Store.Tx(ctx, func(q store.Tx) error { return fn(outboxQueries{Tx: q, wrote: &wrote}) })
	toSend := func(n *payment.Notification) bool { return n.Status == payment.NotificationPending }
	if err == nil && c.notified != nil && slices.ContainsFunc(wrote, toSend) {
		c.notified()
	}
	return err
}

// isStale says whether a write lost a race and the use case should re-read and retry.
func isStale(err error) bool { return errors.Is(err, store.ErrStale) }

// Defaults of Config.
const (
	DefaultIssuerTimeout = 10 * time.Second
	DefaultAuthLease     = 30 * time.Second
)

// CloseExpired fails a payment still processing at its expiry time with ORDER_IS_CLOSED and
// notifies it; a payment that moved meanwhile is left alone, and so is one being authorized:
// the issuer may have approved it, and only the request in flight, or the sweeper once its
// lease has run out, learns that and records it.
func (c *Core) CloseExpired(ctx context.Context, id string) error {
	return c.Tx(ctx, func(q store.Tx) error {
		p, err := q.PaymentLock(ctx, id)
		if err != nil {
			return err
		}
		now := c.Now()
		if p.Status != payment.Processing || p.Stage == payment.StageAuthorizing || now.Before(p.ExpiresAt) {
			return nil
		}
		p.Status, p.Stage, p.UpdatedAt = payment.Fail, payment.StageNone, now
		p.ResultCode, p.ResultMessage = payment.CodeOrderIsClosed, "the payment was not completed before its expiry time"
		p.Schedule(time.Time{})
		if err := q.PaymentUpdate(ctx, p); err != nil {
			return err
		}
		return c.NotifyPayment(ctx, q, p, now)
	})
}
