// Package issuer is the seam between the gateway and whoever authorizes card payments: the
// sandbox simulator here, or a real acquirer connector beside it. The gateway talks only to
// the Processor interface and never learns which one it has.
package issuer

import (
	"context"
	"errors"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// Card is what the processor needs to charge a card. It lives in memory only: the PAN and
// the CVV are never stored or logged by a Processor.
type Card struct {
	Number      string // PAN, digits only
	ExpiryMonth string // "01".."12"
	ExpiryYear  string // two digits, "26"
	CVV         string // empty when paying with a stored card without CVV
	HolderName  string
	Billing     *payment.Address
}

// AuthRequest asks for an authorization.
type AuthRequest struct {
	// Reference is the gateway's own reference of this authorization request, unique per
	// attempt (payment.AuthRef) and stored before Authorize is called: Inquire finds the
	// authorization by it even when the gateway died before recording the answer.
	Reference  string
	MerchantID string
	Card       Card
	Currency   string
	Amount     int64 // minor units
	// Verification asks only whether the card is good, with no amount and no currency (an
	// account verification), to save it without a payment: nothing is held, so nothing is
	// captured or voided afterwards.
	Verification bool
	// Force3DS is the merchant's is3DSAuthentication: authenticate even if the card does not require it.
	Force3DS bool
	// ThreeDS is set once the buyer has authenticated (or the merchant's MPI did).
	ThreeDS *payment.ThreeDS
	// StoredCredential marks a payment with a saved card token.
	StoredCredential bool
	// NetworkTransactionID references the initial transaction of a merchant-initiated series.
	NetworkTransactionID string
	// RecurringType, with NetworkTransactionID, is the kind of merchant-initiated payment:
	// SCHEDULED (a subscription's instalment) or UNSCHEDULED (a top-up, a usage charge).
	RecurringType string
	// Brand is the network to authorize a co-badged card on (card.CoBadged); a card of
	// one brand ignores it.
	Brand string
	// Installments is the number of monthly instalments the buyer pays the whole amount in;
	// 0 pays in full. An issuer that has no such plan for the card declines.
	Installments int
}

// Outcome is the processor's verdict.
type Outcome string

// Outcomes.
const (
	Approved Outcome = "APPROVED"
	Declined Outcome = "DECLINED"
	// Pending means the issuer has not decided yet; ask again with Inquire.
	Pending Outcome = "PENDING"
	// ChallengeRequired means the card needs 3-D Secure before it can be authorized.
	ChallengeRequired Outcome = "CHALLENGE_REQUIRED"
)

// AuthResult is the answer to Authorize or Inquire.
type AuthResult struct {
	Outcome Outcome
	// ResultCode is the Antom result code: SUCCESS when approved, else the decline code
	// (DO_NOT_HONOR, RISK_REJECT, USER_BALANCE_NOT_ENOUGH, ...), PAYMENT_IN_PROCESS when pending.
	ResultCode string
	Message    string
	// Ref identifies the authorization at the processor, for Capture, Void and Refund.
	Ref                  string
	AuthCode             string
	NetworkTransactionID string
	AVSResult            string // avsResultRaw code, "" when no address was checked
	CVVResult            string // cvvResultRaw code
	Funding              string // CREDIT, DEBIT, PREPAID, ...
	IssuingCountry       string // ISO 3166 alpha-2
	// CardBrand is the brand the processor knows the card by (Antom's cardBrand). Local brands
	// such as the Korean HYUNDAI or KOOKMIN cannot be told from the number's prefix, so the
	// processor's word wins; "" when it does not say, and the gateway falls back to
	// card.DetectBrand.
	CardBrand string
	// ThreeDS is the 3-D Secure result the authorization was made with, for Antom's
	// threeDSResult: the request's own ThreeDS, or the processor's frictionless authentication
	// when it authenticated the card without a challenge; nil when the card was not
	// authenticated (including SCA exemptions).
	ThreeDS *payment.ThreeDS
	// RetryAfter, for Pending, is when asking again may give a final answer.
	RetryAfter time.Time
}

// Acquirer is a Processor that names itself and the merchants' accounts with it, for
// Antom's acquirerInfo. The gateway records both with each payment it authorizes; a
// Processor without it leaves them out.
type Acquirer interface {
	AcquirerName() string
	// AcquirerMerchantID is the account of the gateway's merchant merchantID with the
	// acquirer.
	AcquirerMerchantID(merchantID string) string
}

// OpResult is the answer to Capture, Void and Refund.
type OpResult struct {
	Success    bool
	ResultCode string // SUCCESS or the failure code
	Message    string
	Ref        string // processor reference of the operation
	// ARN is the acquirer reference number the card scheme traces a capture or a refund by
	// (23 digits), set when it succeeded; "" for voids and when the processor has none.
	ARN string
}

// ErrNotFound is Inquire's answer for a reference the processor has no authorization under:
// the request never reached it.
var ErrNotFound = errors.New("issuer: no authorization under this reference")

// Processor authorizes, captures, voids and refunds card payments.
type Processor interface {
	Authorize(ctx context.Context, req AuthRequest) (AuthResult, error)
	// Inquire asks about the authorization requested under the gateway's reference
	// (AuthRequest.Reference): whether it was Pending or its answer was lost in a crash, the
	// processor answers from its own records, as Authorize did or would now; ErrNotFound when
	// no authorization arrived under reference. It is the only way the gateway asks again.
	Inquire(ctx context.Context, reference string) (AuthResult, error)
	Capture(ctx context.Context, ref, currency string, amount int64) (OpResult, error)
	// Void releases the authorization ref: the processor's reference (AuthResult.Ref), or for
	// one the processor never reported, the gateway's reference, a technical cancel that
	// also refuses an authorization still on its way under that reference.
	Void(ctx context.Context, ref string) (OpResult, error)
	Refund(ctx context.Context, ref, currency string, amount int64) (OpResult, error)
}

// TxAuthorizer is a Processor that decides in the gateway's own process and keeps its record
// of each authorization in the gateway's own store: the sandbox simulator, never a remote
// acquirer. It can authorize inside the store transaction that writes the payment, so that
// the payment, the processor's record of its decision and the notification commit together
// or not at all; a pay is then one write transaction, and a crash leaves nothing in flight
// for the sweeper (docs/architecture.md, "A pay's round trips"). Its Capture of what it
// authorized calls no network either, so an automatic capture joins the transaction.
type TxAuthorizer interface {
	Processor
	// AuthorizeTx is Authorize with the processor's record written through q, the
	// transaction of the payment.
	AuthorizeTx(ctx context.Context, q store.Queries, req AuthRequest) (AuthResult, error)
}

// IssuerAuthenticator is a Processor that can run a Korean issuer's own authentication
// (the issuer's app or page, in place of 3-D Secure). The buyer picks the card there; the
// processor returns it for the authorization that follows.
type IssuerAuthenticator interface {
	IssuerAuthenticate(ctx context.Context, brand string) (Card, error)
}

// InstallmentPlans is a Processor that can say, before the card is charged, which
// installment plans the card's issuer has: the card form offers them to the buyer.
type InstallmentPlans interface {
	// InstallmentPlans lists, in ascending order, the instalment counts the issuer of the
	// cards whose number starts with bin (at least six digits) has for amount minor units of
	// currency; none when such a card pays in full only.
	InstallmentPlans(ctx context.Context, bin, currency string, amount int64) ([]int, error)
}

// InstallmentOffers is a Processor that can list, before any card is typed, the installment
// plans its issuers have in a currency: consult shows them to the merchant.
type InstallmentOffers interface {
	// InstallmentOffers lists the offers of the issuers whose cards pay in currency.
	InstallmentOffers(ctx context.Context, currency string) ([]InstallmentOffer, error)
}

// InstallmentOffer is an issuer's plans for its cards of Brand: the instalment counts, in
// ascending order, each only while every instalment comes to at least MinInstalment minor
// units of the currency.
type InstallmentOffer struct {
	Brand         string
	Counts        []int
	MinInstalment int64
}

// ACS is the 3-D Secure access control server that challenges the buyer when a card needs
// authentication: the sandbox's stands in for the card schemes' directory servers and the
// issuers' ACSs.
type ACS interface {
	// Verify checks the buyer's answer to the challenge for a card of brand, or a challenge
	// the buyer cancelled, and returns the authentication result: ok when authenticated.
	Verify(ctx context.Context, brand, answer string, cancelled bool) (result payment.ThreeDS, ok bool)
	// Hint is what the challenge page shows the buyer besides the question: the sandbox's
	// one-time code; "" for a real ACS.
	Hint() string
}
