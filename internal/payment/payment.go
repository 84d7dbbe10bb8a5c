// Package payment holds the domain of a card payment: the payment, its captures and refunds,
// the merchant and the saved card, their states, and the rules that move them (capture
// window, expiry, refund limits). It knows nothing of HTTP or databases, so the same rules
// hold whichever transport calls them and whichever store keeps them.
package payment

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// Rules of the card product, from Antom's documentation.
const (
	// DefaultExpiry closes a payment that is still processing this long after pay.
	DefaultExpiry = 14 * time.Minute
	// AuthWindow is how long a manual-capture authorization is held before it is released.
	AuthWindow = 7 * 24 * time.Hour
	// RefundWindow is how long after the payment a refund is accepted.
	RefundWindow = 365 * 24 * time.Hour
)

// Amount is money in minor units of its ISO 4217 currency.
type Amount struct {
	Currency string
	Value    int64
}

// Status is the payment status inquiryPayment reports.
type Status string

// Payment statuses.
const (
	Processing Status = "PROCESSING"
	Success    Status = "SUCCESS"
	Fail       Status = "FAIL"
	Cancelled  Status = "CANCELLED"
)

// Stage says what a processing payment is waiting for. It is empty once the payment is final.
type Stage string

// Stages of a processing payment.
const (
	StageNone Stage = ""
	// StageAuthorizing: the issuer is being asked right now.
	StageAuthorizing Stage = "AUTHORIZING"
	// StageIssuerPending: the issuer did not answer in time; ask again at NextActionAt.
	StageIssuerPending Stage = "ISSUER_PENDING"
	// The buyer must act on a hosted page before authorization: enter the card, re-enter
	// the CVV of a saved card, pass the 3-D Secure challenge, or authenticate with a Korean
	// issuer.
	StageAwaitingCard      Stage = "AWAITING_CARD"
	StageAwaitingCVV       Stage = "AWAITING_CVV"
	StageAwaitingChallenge Stage = "AWAITING_CHALLENGE"
	StageAwaitingIssuer    Stage = "AWAITING_ISSUER"
)

// CaptureState tracks the capture of an authorized payment.
type CaptureState string

// Capture states.
const (
	CaptureNone      CaptureState = "NONE"
	CaptureCapturing CaptureState = "CAPTURING"
	CaptureCaptured  CaptureState = "CAPTURED"
)

// Capture modes: captured by the gateway right after the authorization, or by the
// merchant's capture call within AuthWindow.
const (
	CaptureAutomatic = "AUTOMATIC"
	CaptureManual    = "MANUAL"
)

// CancelReason tells a merchant's cancel from the release of an authorization at 7 days.
type CancelReason string

// Cancel reasons.
const (
	CancelByMerchant CancelReason = "MERCHANT"
	CancelReleased   CancelReason = "AUTH_RELEASED"
)

// Merchant is a client of the gateway, identified by its Client-Id.
type Merchant struct {
	ID       string
	ClientID string
	Name     string
	// Keys are the public keys its requests may be signed with, in version order.
	Keys      MerchantKeys
	NotifyURL string
	// RequestWindow, when set, refuses a request whose Request-Time is further than this
	// from the gateway's wall clock, so that a captured request cannot be replayed later.
	RequestWindow time.Duration
	CreatedAt     time.Time
	// LogoDigest names the merchant's logo (Logo.Digest), "" when it has none: the hosted
	// pages show it in their header, the name being its alternative text.
	LogoDigest string
}

// Logo is a merchant's image for the hosted pages, as the web layer admitted it (a PNG,
// JPEG or WebP of bounded size). Digest, from its bytes, is the name it is served under, so
// that browsers may keep it for good and a new logo is a new URL.
type Logo struct {
	ContentType string
	Data        []byte
	Digest      string
}

// Card is a card in the vault. The PAN is only in Sealed, encrypted.
type Card struct {
	ID             string
	MerchantID     string
	BuyerID        string // order.buyer.referenceBuyerId; saved cards are scoped to it
	Token          string // set when the merchant asked to tokenize
	Fingerprint    string // keyed hash of the PAN
	KeyID          string // vault key that wraps Sealed
	Sealed         []byte
	Brand          string
	BIN            string
	Last4          string
	ExpiryMonth    string
	ExpiryYear     string
	HolderName     string
	Funding        string
	IssuingCountry string
	CreatedAt      time.Time
}

// ThreeDS is the 3-D Secure outcome of a payment.
type ThreeDS struct {
	Version         string `json:"version,omitempty"`
	ECI             string `json:"eci,omitempty"`
	CAVV            string `json:"cavv,omitempty"`
	DSTransactionID string `json:"dsTransactionId,omitempty"`
	Challenged      bool   `json:"challenged,omitempty"`
}

// CardResult is what the payment learned about the card, reported as paymentResultInfo.
type CardResult struct {
	Masked               string   `json:"masked,omitempty"`
	Brand                string   `json:"brand,omitempty"`
	BIN                  string   `json:"bin,omitempty"`
	Last4                string   `json:"last4,omitempty"`
	ExpiryMonth          string   `json:"expiryMonth,omitempty"`
	ExpiryYear           string   `json:"expiryYear,omitempty"`
	HolderName           string   `json:"holderName,omitempty"`
	Funding              string   `json:"funding,omitempty"`
	IssuingCountry       string   `json:"issuingCountry,omitempty"`
	Token                string   `json:"token,omitempty"`
	AVS                  string   `json:"avsResult,omitempty"`
	CVV                  string   `json:"cvvResult,omitempty"`
	NetworkTransactionID string   `json:"networkTransactionId,omitempty"`
	AuthCode             string   `json:"authCode,omitempty"`
	ThreeDS              *ThreeDS `json:"threeDS,omitempty"`
	// AcquirerName and AcquirerMerchantID name the processor that authorized the payment and
	// the merchant's account with it, as the processor reported them; its captures and
	// refunds go to the same one (Antom's acquirerInfo).
	AcquirerName       string `json:"acquirerName,omitempty"`
	AcquirerMerchantID string `json:"acquirerMerchantId,omitempty"`
}

// Address is a billing address.
type Address struct {
	Region   string `json:"region,omitempty"`
	State    string `json:"state,omitempty"`
	City     string `json:"city,omitempty"`
	Address1 string `json:"address1,omitempty"`
	Address2 string `json:"address2,omitempty"`
	ZipCode  string `json:"zipCode,omitempty"`
}

// Order is the part of the merchant's request the gateway keeps: the order, and the card
// options a hosted page must still honour when the buyer arrives.
type Order struct {
	ReferenceOrderID string `json:"referenceOrderId,omitempty"`
	Description      string `json:"description,omitempty"`
	BuyerID          string `json:"buyerId,omitempty"`
	TerminalType     string `json:"terminalType,omitempty"`
	// DeviceLanguage is env.deviceLanguage as the merchant sent it: the buyer's pages speak
	// it when cashier has it.
	DeviceLanguage string `json:"deviceLanguage,omitempty"`
	// Tokenize: the merchant asked for a cardToken (the hosted page asks the buyer's consent).
	Tokenize bool `json:"tokenize,omitempty"`
	// Force3DS is is3DSAuthentication; AuthUpgrade is enableAuthenticationUpgrade.
	Force3DS    bool `json:"force3DS,omitempty"`
	AuthUpgrade bool `json:"authUpgrade,omitempty"`
	// IssuerBrand is the Korean brand whose own authentication the buyer goes through.
	IssuerBrand string `json:"issuerBrand,omitempty"`
	// RecurringType marks a merchant-initiated payment (SCHEDULED or UNSCHEDULED): no
	// buyer, charged on a card token under the networkTransactionId of its series.
	RecurringType string `json:"recurringType,omitempty"`
	// Session: the payment was opened by createPaymentSession for the browser SDK.
	Session bool `json:"session,omitempty"`
	// Plan is the installment plan the card is authorized with; nil pays in full.
	Plan *Plan `json:"plan,omitempty"`
	// CollectInstallments is enableInstallmentCollection: the card form offers the plans the
	// card's issuer has for the payment, and the buyer's choice replaces Plan.
	CollectInstallments bool `json:"collectInstallments,omitempty"`
	// SettlementCurrency is settlementStrategy.settlementCurrency as the merchant sent it;
	// SettlementQuote is the rate locked at pay when it differs from the payment currency.
	SettlementCurrency string `json:"settlementCurrency,omitempty"`
	SettlementQuote    *Quote `json:"settlementQuote,omitempty"`
	// PaymentQuote is the quote the merchant priced the card's currency with (paymentQuote),
	// and Processing what the card is charged in that currency (processingAmount): the
	// issuer authorizes, captures and refunds in it. Both nil charge the payment's amount.
	PaymentQuote *Quote  `json:"paymentQuote,omitempty"`
	Processing   *Amount `json:"processing,omitempty"`
	// ChallengeFailures counts the wrong codes the buyer typed in the current 3-D Secure
	// challenge: the buyer's state, kept with the order so that every node sees it.
	ChallengeFailures int `json:"challengeFailures,omitempty"`
}

// AwaitingBuyer says whether the payment waits for the buyer on a hosted page.
func (p *Payment) AwaitingBuyer() bool {
	switch p.Stage {
	case StageAwaitingCard, StageAwaitingCVV, StageAwaitingChallenge, StageAwaitingIssuer:
		return p.Status == Processing
	}
	return false
}

// Payment is one pay call and everything that happened to it since.
type Payment struct {
	ID            string
	MerchantID    string
	RequestID     string // paymentRequestId
	KeyHash       string // hash of the parameters an idempotent retry must repeat
	Amount        Amount
	Status        Status
	Stage         Stage
	ResultCode    string
	ResultMessage string
	CaptureMode   string
	CaptureState  CaptureState
	CapturedValue int64
	RefundedValue int64 // refunds that succeeded or are in flight
	CancelReason  CancelReason
	CardID        string
	Card          CardResult
	IssuerRef     string
	// AuthAttempt counts the authorizations the gateway has asked the issuer for; AuthRef
	// names the latest.
	AuthAttempt int
	RedirectURL string
	NotifyURL   string
	Order       Order
	CreatedAt   time.Time
	UpdatedAt   time.Time
	PaidAt      time.Time // when authorized; zero until then
	CancelledAt time.Time
	ExpiresAt   time.Time // when a processing payment closes
	// NextActionAt is when the gateway's sweeper must look at the payment again (issuer
	// retry, expiry, authorization release); zero when nothing is scheduled.
	NextActionAt time.Time
	// CardAttempts counts the cards the buyer submitted on the payment's pages (a saved
	// card's CVV included), for the bound on card testing within one payment.
	CardAttempts int
	Version      int64
}

// AuthRef is the gateway's own reference of the payment's latest authorization request,
// unique per attempt (a session payment or a 3-D Secure retry asks again). It is stored
// before the issuer is asked, so that after a crash the gateway knows what to ask about.
func (p *Payment) AuthRef() string { return p.ID + "-" + strconv.Itoa(p.AuthAttempt) }

// BeginAuthorization marks p as being authorized at the issuer from now, under a new
// AuthRef, and leaves it to the sweeper once lease has run out: by then the request that
// asked has recorded the answer, or died.
func (p *Payment) BeginAuthorization(now time.Time, lease time.Duration) {
	p.Stage, p.UpdatedAt = StageAuthorizing, now
	p.AuthAttempt++
	p.Schedule(now.Add(lease))
}

// AuthExpiresAt is when an uncaptured authorization is released; zero when not authorized.
func (p *Payment) AuthExpiresAt() time.Time {
	if p.PaidAt.IsZero() {
		return time.Time{}
	}
	return p.PaidAt.Add(AuthWindow)
}

// Outcome is the payment as it stands in a result code and message: what pay, inquiryPayment
// and notifyPayment report, and what the hosted result page explains.
func (p *Payment) Outcome() (code, message string) {
	switch p.Status {
	case Success:
		return CodeSuccess, "success"
	case Fail:
		return p.ResultCode, p.ResultMessage
	case Cancelled:
		return CodeOrderIsCanceled, "the payment was cancelled"
	}
	switch p.Stage {
	case StageIssuerPending:
		return CodePaymentInProcess, "the issuer has not answered yet; wait for notifyPayment or call inquiryPayment"
	case StageAwaitingCard, StageAwaitingCVV:
		return CodePaymentInProcess, "send the buyer to normalUrl to enter the card"
	case StageAwaitingChallenge:
		return CodePaymentInProcess, "the card requires 3-D Secure: send the buyer to normalUrl"
	case StageAwaitingIssuer:
		return CodePaymentInProcess, "send the buyer to normalUrl to authenticate with the card issuer"
	}
	return CodePaymentInProcess, "the payment is being processed"
}

// Schedule recomputes NextActionAt from the payment's state; call it before every write.
func (p *Payment) Schedule(issuerRetry time.Time) {
	p.NextActionAt = time.Time{}
	switch {
	case p.Status == Processing && p.Stage == StageAuthorizing && !issuerRetry.IsZero():
		// In flight at the issuer: not even expiry closes it before the lease has run out,
		// so the sweeper never asks about an authorization a live request is recording.
		p.NextActionAt = issuerRetry
	case p.Status == Processing:
		p.NextActionAt = p.ExpiresAt
		if p.Stage == StageIssuerPending && !issuerRetry.IsZero() && issuerRetry.Before(p.ExpiresAt) {
			p.NextActionAt = issuerRetry
		}
	case p.Status == Success && p.CaptureState == CaptureNone:
		p.NextActionAt = p.AuthExpiresAt()
	case p.Status == Success && p.CaptureState == CaptureCapturing:
		// A capture in flight normally finishes in seconds; if the issuer did not answer,
		// the sweeper asks again a minute after the last change.
		p.NextActionAt = p.UpdatedAt.Add(time.Minute)
	}
}

// Capture is one capture of an authorized payment.
type Capture struct {
	ID            string
	PaymentID     string
	MerchantID    string
	RequestID     string // captureRequestId
	Amount        Amount
	Status        Status // Processing, Success or Fail
	ResultCode    string
	ResultMessage string
	IssuerRef     string
	// ARN is the acquirer reference number the scheme traces the capture by, as the
	// processor reported it once the capture succeeded.
	ARN         string
	CreatedAt   time.Time
	CompletedAt time.Time
}

// Outcome is the capture as it stands in a result code and message.
func (c *Capture) Outcome() (code, message string) {
	switch c.Status {
	case Success:
		return CodeSuccess, "success"
	case Fail:
		return c.ResultCode, c.ResultMessage
	}
	return CodeCaptureInProcess, "the capture is being processed; wait for notifyCapture or call inquiryPayment"
}

// Refund is one refund of a captured payment.
type Refund struct {
	ID                string
	PaymentID         string
	MerchantID        string
	RequestID         string // refundRequestId
	ReferenceRefundID string
	Amount            Amount
	Reason            string
	NotifyURL         string
	Status            Status // Processing, Success or Fail
	ResultCode        string
	ResultMessage     string
	IssuerRef         string
	// ARN is the acquirer reference number of the refund's credit to the card, as the
	// processor reported it once the refund succeeded.
	ARN         string
	CreatedAt   time.Time
	CompletedAt time.Time
}

// Outcome is the refund as it stands in a result code and message.
func (r *Refund) Outcome() (code, message string) {
	switch r.Status {
	case Success:
		return CodeSuccess, "success"
	case Fail:
		return r.ResultCode, r.ResultMessage
	}
	return CodeRefundInProcess, "the refund is being processed; wait for notifyRefund or call inquiryRefund"
}

// Notification kinds, named after the Antom APIs that deliver them.
const (
	NotifyPayment = "notifyPayment"
	NotifyCapture = "notifyCapture"
	NotifyRefund  = "notifyRefund"
	// NotifyVaulting reports a vaulting; the notification's PaymentID is the vaulting's id.
	NotifyVaulting = "notifyVaulting"
)

// Notification is an outbox row: a signed POST the gateway owes a merchant. It is written
// in the same transaction as the state change it reports.
type Notification struct {
	ID         string
	MerchantID string
	PaymentID  string
	Kind       string
	// URL is the request's notify URL; empty means the merchant's configured one at send time.
	URL      string
	Body     []byte
	Status   string // PENDING, DELIVERED, FAILED, UNDELIVERABLE
	Attempts int
	// RoundStart is Attempts when the current retry round began: 0, or the count at a
	// manual resend, which starts the schedule over.
	RoundStart    int
	NextAttemptAt time.Time
	CreatedAt     time.Time
	DeliveredAt   time.Time
}

// NotificationAttempt records one delivery attempt.
type NotificationAttempt struct {
	NotificationID string
	Attempt        int // 1-based, over the notification's life
	StartedAt      time.Time
	URL            string
	HTTPStatus     int // 0 when no response arrived
	Latency        time.Duration
	Response       string // the first bytes of the answer
	Error          string // transport error, or why the answer is not an acknowledgement
}

// Notification statuses.
const (
	NotificationPending   = "PENDING"
	NotificationDelivered = "DELIVERED"
	NotificationFailed    = "FAILED"
	// NotificationUndeliverable: there is no URL to send it to (neither the request's nor
	// the merchant's), so no attempt is made; setting the merchant's URL makes it pending.
	NotificationUndeliverable = "UNDELIVERABLE"
)

// Error is a failure with an Antom result code and a message safe to show the merchant.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// NewError builds an *Error.
func NewError(code, message string) *Error { return &Error{Code: code, Message: message} }

// Invalid is a request field that is missing or wrong (PARAM_ILLEGAL), with a message that
// names the field by its path in the request, as the merchant wrote it.
func Invalid(field, problem string) *Error { return NewError(CodeParamIllegal, field+" "+problem) }

// AddressLimits are the longest each billing field may be, in characters, by its wire name:
// the API and the buyer's pages hold an address to the same limits.
var AddressLimits = map[string]int{"region": 2, "state": 128, "city": 128, "address1": 256, "address2": 256, "zipCode": 32}

// HolderNameLimit is the longest cardholder name, in characters.
const HolderNameLimit = 128

// Fields are the address's fields by wire name.
func (a Address) Fields() map[string]string {
	return map[string]string{"region": a.Region, "state": a.State, "city": a.City, "address1": a.Address1, "address2": a.Address2, "zipCode": a.ZipCode}
}

// PlainText reports whether s is one line of valid UTF-8 of at most max characters, without
// control characters: what both stores keep and every page shows as it was typed.
func PlainText(s string, max int) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
