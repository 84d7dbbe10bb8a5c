// Package store is the persistence contract of the gateway. Its names say what they lock:
// only a Tx locks or claims rows, so a page view or an inquiry never waits for a write.
// sqlstore/ implements it once in plain SQL with no business rules; sqlite/ and postgres/
// open it on their engine, and storetest/ is the conformance suite both run.
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
//
// Outside a transaction, reads go to a pool of readers and never wait on a write (on SQLite
// they do not queue behind the single writer), and each write commits on its own. What
// must see and change one state — read a payment, decide, write it and its notification —
// runs in Tx, the only place where rows are locked or claimed.
type Store interface {
	Queries
	// Tx runs fn in one write transaction; an error from fn rolls it back, and Tx returns
	// it. fn may run while other transactions wait, so it must not call the network. An
	// insert may return nil and its error come later, from the transaction's next
	// statement (an error of its own that does not match the insert's) or from Tx: on
	// PostgreSQL an insert goes with the next statement, and a failed statement ends the
	// transaction there anyway. Tx returns the insert's error (store.ErrConflict for a
	// taken request id) in every case.
	Tx(ctx context.Context, fn func(Tx) error) error
	// Ping checks that the database answers, for readiness probes.
	Ping(ctx context.Context) error
	Close() error
}

// Tx is a write transaction: the queries, plus the statements that hold rows until it ends.
type Tx interface {
	Queries
	// PaymentLock reads a payment and holds it until the transaction ends: FOR UPDATE on
	// PostgreSQL; on SQLite the write transaction already excludes every other writer.
	PaymentLock(ctx context.Context, id string) (*payment.Payment, error)
	// NotificationClaimDue leases the pending notifications that are due, so that no other
	// worker sends them meanwhile; on PostgreSQL it skips rows another worker holds.
	NotificationClaimDue(ctx context.Context, c NotificationClaim) ([]*payment.Notification, error)
	// MerchantLock reads a merchant with its keys and holds it until the transaction ends,
	// so that two changes of its keys do not both pass a check that only one may.
	MerchantLock(ctx context.Context, clientID string) (*payment.Merchant, error)
}

// Queries are the statements usable inside and outside a transaction. Every update is
// conditional on the state the caller read: zero matching rows is ErrStale.
type Queries interface {
	// MerchantInsert writes a merchant and its keys; ErrConflict when the client id is taken.
	// Every read of a merchant returns its keys in version order.
	MerchantInsert(ctx context.Context, m *payment.Merchant) error
	MerchantGet(ctx context.Context, id string) (*payment.Merchant, error)
	MerchantGetByClientID(ctx context.Context, clientID string) (*payment.Merchant, error)
	MerchantList(ctx context.Context) ([]*payment.Merchant, error)
	MerchantSetNotifyURL(ctx context.Context, clientID, url string) error
	// MerchantSetRequestWindow sets how far a request's Request-Time may be from the
	// gateway's clock, to the millisecond; 0 checks nothing.
	MerchantSetRequestWindow(ctx context.Context, clientID string, window time.Duration) error
	// MerchantSetLogo replaces the merchant's logo, or removes it when logo is nil;
	// ErrNotFound when no merchant has the client id.
	MerchantSetLogo(ctx context.Context, clientID string, logo *payment.Logo) error
	// MerchantLogo reads the logo a merchant has now under digest; ErrNotFound when none has.
	MerchantLogo(ctx context.Context, digest string) (*payment.Logo, error)
	// MerchantKeyInsert adds a key to a merchant; ErrConflict when its version is taken.
	MerchantKeyInsert(ctx context.Context, merchantID string, k payment.MerchantKey) error
	// MerchantKeyRetire sets when a key stops verifying, if it is still active at r.Now.
	MerchantKeyRetire(ctx context.Context, r KeyRetire) error
	// ConfigRevision reads the configuration revision: a number that each committed change
	// of a merchant, its keys or logo, or a sandbox simulation rule makes larger, whoever
	// wrote it (triggers move it in the change's own transaction, migration 0018).
	// ConfigCache keeps those reads for as long as it has not moved.
	ConfigRevision(ctx context.Context) (int64, error)

	CardInsert(ctx context.Context, c *payment.Card) error
	CardGet(ctx context.Context, id string) (*payment.Card, error)
	CardGetByToken(ctx context.Context, merchantID, token string) (*payment.Card, error)
	// CardListNotUnderKey lists the cards whose sealed data another key than p.KeyID wraps,
	// for key rotation.
	CardListNotUnderKey(ctx context.Context, p CardKeyPage) ([]*payment.Card, error)
	// CardRewrap replaces a card's sealed data if it is still wrapped by r.FromKeyID.
	CardRewrap(ctx context.Context, r CardRewrap) error
	// CardTokenize gives a card stored without a token c.Token, with the funding and issuing
	// country its issuer's verification reported; ErrStale when it has a token already.
	CardTokenize(ctx context.Context, c *payment.Card) error

	PaymentInsert(ctx context.Context, p *payment.Payment) error
	// PaymentGet reads a payment by its gateway id, whoever's it is: callers that answer a
	// merchant check p.MerchantID.
	PaymentGet(ctx context.Context, id string) (*payment.Payment, error)
	PaymentGetByRequestID(ctx context.Context, merchantID, requestID string) (*payment.Payment, error)
	// PaymentUpdate writes p if the stored row still has p.Version, and increments Version.
	PaymentUpdate(ctx context.Context, p *payment.Payment) error
	// PaymentListDue lists the payments whose NextActionAt has come, oldest first.
	PaymentListDue(ctx context.Context, w Due) ([]*payment.Payment, error)
	// PaymentListByCard lists the payments made with a card (by the card's id), oldest
	// first: the series a merchant-initiated payment's networkTransactionId must belong to.
	PaymentListByCard(ctx context.Context, cardID string) ([]*payment.Payment, error)

	CaptureInsert(ctx context.Context, c *payment.Capture) error
	CaptureGetByRequestID(ctx context.Context, merchantID, requestID string) (*payment.Capture, error)
	// CaptureUpdate writes c if the stored row still has status from.
	CaptureUpdate(ctx context.Context, c *payment.Capture, from payment.Status) error
	CaptureListByPayment(ctx context.Context, paymentID string) ([]*payment.Capture, error)

	RefundInsert(ctx context.Context, r *payment.Refund) error
	// RefundGet reads a refund by its gateway id; callers that answer a merchant check
	// r.MerchantID.
	RefundGet(ctx context.Context, id string) (*payment.Refund, error)
	RefundGetByRequestID(ctx context.Context, merchantID, requestID string) (*payment.Refund, error)
	// RefundUpdate writes r if the stored row still has status from.
	RefundUpdate(ctx context.Context, r *payment.Refund, from payment.Status) error
	RefundListByPayment(ctx context.Context, paymentID string) ([]*payment.Refund, error)
	// RefundListProcessing lists the refunds still processing that were created before
	// w.Until, oldest first: refunds whose issuer never answered.
	RefundListProcessing(ctx context.Context, w Due) ([]*payment.Refund, error)

	// DisputeInsert writes a dispute; ErrConflict when its payment has one already.
	DisputeInsert(ctx context.Context, d *payment.Dispute) error
	// DisputeGet reads a dispute by id, whoever's it is: callers that answer a merchant check
	// d.MerchantID (and that it is not scheduled).
	DisputeGet(ctx context.Context, id string) (*payment.Dispute, error)
	// DisputeGetByPayment reads the dispute of a payment, whatever its status.
	DisputeGetByPayment(ctx context.Context, paymentID string) (*payment.Dispute, error)
	// DisputeUpdate writes d if the stored row still has d.Version, and increments Version.
	DisputeUpdate(ctx context.Context, d *payment.Dispute) error
	// DisputeListDue lists the disputes whose NextActionAt has come, oldest first.
	DisputeListDue(ctx context.Context, w Due) ([]*payment.Dispute, error)
	// DisputeList lists a merchant's disputes raised or closed in [f.From, f.Until), by
	// raise time: what a reconciliation report of the period shows (never one that was not
	// raised: scheduled or dropped).
	DisputeList(ctx context.Context, f DisputeFilter) ([]*payment.Dispute, error)

	// NotificationInsert stores n. A pending notification without a URL whose merchant has
	// no notify URL either is stored UNDELIVERABLE instead, decided in the insert itself
	// under a share lock of the merchant's row, so that a merchant setting its URL
	// meanwhile (MerchantSetNotifyURL, then NotificationResendUndeliverable, in one Tx)
	// either is seen or sees the row. n.Status says which once the transaction has
	// returned: inside Tx the insert may run only with the transaction's next statement
	// or its commit (PostgreSQL).
	NotificationInsert(ctx context.Context, n *payment.Notification) error
	NotificationGet(ctx context.Context, id string) (*payment.Notification, error)
	NotificationListByPayment(ctx context.Context, paymentID string) ([]*payment.Notification, error)
	// NotificationList lists notifications newest first.
	NotificationList(ctx context.Context, f NotificationFilter) ([]*payment.Notification, error)
	// NotificationRecordAttempt stores an attempt and the notification's new state (status,
	// attempts, next attempt, delivery time) if no other attempt was recorded meanwhile.
	NotificationRecordAttempt(ctx context.Context, n *payment.Notification, a *payment.NotificationAttempt) error
	NotificationAttempts(ctx context.Context, id string) ([]*payment.NotificationAttempt, error)
	// NotificationSetUndeliverable marks a pending notification that has found no URL to go
	// to UNDELIVERABLE, without an attempt, if no attempt was recorded meanwhile and its
	// merchant still has no notify URL; otherwise ErrStale.
	NotificationSetUndeliverable(ctx context.Context, n *payment.Notification) error
	// NotificationResend makes a notification pending again at now with a fresh retry round.
	NotificationResend(ctx context.Context, id string, now time.Time) error
	// NotificationResendUndeliverable makes the merchant's UNDELIVERABLE notifications created
	// at or after since pending again at now, each with a fresh retry round, and counts them.
	NotificationResendUndeliverable(ctx context.Context, merchantID string, since, now time.Time) (int, error)
	// NotificationBacklog counts the pending notifications, gives the earliest time one of
	// them was due (zero when none is pending), and counts the UNDELIVERABLE ones created at
	// or after since, for monitoring.
	NotificationBacklog(ctx context.Context, since time.Time) (Backlog, error)

	// VaultingInsert writes a vaulting; ErrConflict when its merchant's request id is taken.
	VaultingInsert(ctx context.Context, v *payment.Vaulting) error
	// VaultingGet reads a vaulting by its gateway id, whoever's it is.
	VaultingGet(ctx context.Context, id string) (*payment.Vaulting, error)
	VaultingGetByRequestID(ctx context.Context, merchantID, requestID string) (*payment.Vaulting, error)
	// VaultingListExpired lists the vaultings still processing whose expiry came by w.Until,
	// the earliest expiry first: the sweeper fails those nobody looks at again.
	VaultingListExpired(ctx context.Context, w Due) ([]*payment.Vaulting, error)
	// VaultingUpdate writes v if the stored row still has v.Version, and increments Version.
	VaultingUpdate(ctx context.Context, v *payment.Vaulting) error

	// ClockOffset reads the sandbox test clock's lead over the wall clock, shared by nodes.
	ClockOffset(ctx context.Context) (time.Duration, error)
	// ClockAdvance moves the shared test clock forward by d and returns the new lead.
	ClockAdvance(ctx context.Context, d time.Duration) (time.Duration, error)

	// SandboxAuthInsert records an authorization the sandbox's simulated issuer decided;
	// ErrConflict when its reference has one already.
	SandboxAuthInsert(ctx context.Context, a *SandboxAuth) error
	SandboxAuthGet(ctx context.Context, reference string) (*SandboxAuth, error)

	// SandboxSimulationInsert stores a rule of the sandbox's error-scenario simulation.
	SandboxSimulationInsert(ctx context.Context, r *SandboxSimulation) error
	// SandboxSimulationList lists a merchant's rules that are not spent, for api ("" for
	// every API), oldest first.
	SandboxSimulationList(ctx context.Context, merchantID, api string) ([]*SandboxSimulation, error)
	// SandboxSimulationUse counts one use of rule id if it is not spent, and deletes it
	// once spent; ErrStale when it is spent or gone (another call used it up, or it was
	// cleared).
	SandboxSimulationUse(ctx context.Context, id string) error
	// SandboxSimulationClear deletes merchant's rule id, or all its rules when id is "", and
	// says how many went.
	SandboxSimulationClear(ctx context.Context, merchantID, id string) (int, error)

	// SandboxRateSet sets the sandbox's rate of a currency against USD, replacing any.
	SandboxRateSet(ctx context.Context, r *SandboxRate) error
	// SandboxRateList lists the rates set, by currency.
	SandboxRateList(ctx context.Context) ([]*SandboxRate, error)
	// SandboxQuoteKeep remembers a quote the sandbox gave a merchant; a quote kept already
	// under its id stays as it was (an id names one rate for one period).
	SandboxQuoteKeep(ctx context.Context, q *payment.Quote) error
	// SandboxQuoteGet reads a quote kept, ErrNotFound when none has the id.
	SandboxQuoteGet(ctx context.Context, id string) (*payment.Quote, error)

	// PaymentListPeriod lists the merchant's payments authorized or cancelled within the
	// period, by creation time: the payments a reconciliation file reports.
	PaymentListPeriod(ctx context.Context, p Period) ([]*payment.Payment, error)
	// CaptureListCompleted lists the merchant's captures completed within the period, by
	// completion time.
	CaptureListCompleted(ctx context.Context, p Period) ([]*payment.Capture, error)
	// RefundListCompleted lists the merchant's refunds completed within the period, by
	// completion time.
	RefundListCompleted(ctx context.Context, p Period) ([]*payment.Refund, error)
}

// SandboxRate is a row of the sandbox's exchange-rate table: PerUSD units of Currency for
// one USD, a decimal string.
type SandboxRate struct {
	Currency  string
	PerUSD    string
	UpdatedAt time.Time
}

// Period is a merchant's transactions from From, inclusive, to To, exclusive.
type Period struct {
	MerchantID string
	From, To   time.Time
}

// SandboxSimulation is a rule of the sandbox's error-scenario simulation: the merchant's
// calls of API that match RequestID and Amount (when set) answer ResultCode, Times times
// (0: until cleared).
type SandboxSimulation struct {
	ID         string
	MerchantID string
	API        string
	ResultCode string
	// RequestID, when not "", is the only request id the rule matches.
	RequestID string
	// Amount, when its Currency is not "", is the only amount the rule matches.
	Amount    payment.Amount
	Times     int
	Used      int
	CreatedAt time.Time
}

// SandboxAuth is the sandbox issuer's own record of an authorization, under the gateway's
// reference (issuer.AuthRequest.Reference): it outlives a crash of the gateway, as a real
// issuer's records do, so the issuer can answer an inquiry about it. IssuerRef, the
// simulator's reference, encodes the decision (approved or the decline code) and the
// authorization code; "" marks a reference voided before any authorization arrived under it.
type SandboxAuth struct {
	Reference string
	IssuerRef string
	Amount    payment.Amount
	CreatedAt time.Time
}

// KeyRetire retires the merchant's key of Version at At, if it is still active at Now.
type KeyRetire struct {
	MerchantID string
	Version    int
	At, Now    time.Time
}

// Backlog is the state of the outbox, for monitoring.
type Backlog struct {
	Pending   int
	OldestDue time.Time // zero when nothing is pending
	// Undeliverable counts notifications held for want of a URL, which a notify URL set
	// for their merchant would send.
	Undeliverable int
}

// Due bounds a list of work that time has made due: rows due up to Until, at most Limit.
type Due struct {
	Until time.Time
	Limit int
}

// NotificationClaim says which notifications to lease: pending, due at Now (on the
// gateway's clock, which a sandbox test clock may lead), whose previous lease has run out
// at WallNow (leases are wall-clock time, whatever the test clock says), until LeaseUntil.
type NotificationClaim struct {
	Now, WallNow, LeaseUntil time.Time
	Limit                    int
}

// CardKeyPage is one page of a key rotation: up to Limit cards not wrapped by KeyID, in id
// order after AfterID.
type CardKeyPage struct {
	KeyID, AfterID string
	Limit          int
}

// CardRewrap is a card's data sealed again, under ToKeyID, replacing what FromKeyID wrapped.
type CardRewrap struct {
	ID, FromKeyID, ToKeyID string
	Sealed                 []byte
}

// NotificationFilter narrows NotificationList.
type NotificationFilter struct {
	PaymentID  string // "" for all
	FailedOnly bool   // FAILED and UNDELIVERABLE: what the merchant will not get unless resent
	Limit      int    // 0 for 100
}

// DisputeFilter narrows DisputeList to one merchant and a period.
type DisputeFilter struct {
	MerchantID  string
	From, Until time.Time
}
