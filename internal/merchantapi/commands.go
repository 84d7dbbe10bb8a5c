package merchantapi

import (
	"time"

	"github.com/cashierpay/cashier/internal/payment"
)

// The use cases of the merchant API take these commands, which the transport builds from a
// checked request, and answer in domain types, which the transport renders. Nothing here is
// in the wire's words.

// CardData is a card the merchant sent (server-to-server mode). It lives in memory only.
type CardData struct {
	Number, CVV, ExpiryMonth, ExpiryYear, HolderName string
	Billing                                          *payment.Address
}

// PayCommand asks for a card payment.
type PayCommand struct {
	RequestID   string
	Amount      payment.Amount
	CaptureMode string    // payment.CaptureAutomatic or payment.CaptureManual
	ExpiresAt   time.Time // zero: payment.DefaultExpiry from now
	Order       payment.Order
	RedirectURL string
	NotifyURL   string
	// Token pays with a saved card; Card with card data; neither sends the buyer to the
	// hosted page (or, with Order.IssuerBrand, to the Korean issuer's authentication).
	Token string
	Card  *CardData
	// CVV of a saved card, when the merchant has it.
	CVV string
	// NeedCVV sends the buyer to a page that asks for the saved card's CVV.
	NeedCVV bool
	// ThreeDS is the merchant's own 3-D Secure result (its MPI).
	ThreeDS *payment.ThreeDS
	// NetworkTransactionID, with Order.RecurringType and Token, makes a merchant-initiated
	// payment: no buyer, no 3-D Secure, no CVV. It must be that of an approved payment with
	// the same card token.
	NetworkTransactionID string
	// SelectedBrand is the brand to pay a co-badged card with; "" takes its default.
	SelectedBrand string
	// Decline, when set, fails the payment at once with its code and message, without
	// asking the issuer or the buyer, as a decline: the sandbox's error-scenario simulation.
	Decline *payment.Error
}

// SessionCommand opens a payment session for the browser SDK.
type SessionCommand struct {
	RequestID   string
	Amount      payment.Amount
	CaptureMode string
	ExpiresAt   time.Time // zero: SessionLifetime from now
	Order       payment.Order
	RedirectURL string
	NotifyURL   string
	Token       string // a saved card the form offers
}

// Session is an open payment session.
type Session struct {
	Payment *payment.Payment
	// Token is the page token the SDK's card form opens the payment with.
	Token string
}

// Lookup names a payment, or a refund, by the gateway's id or the merchant's request id;
// the id wins.
type Lookup struct {
	ID, RequestID string
}

// PaymentRecord is a payment with its captures and refunds.
type PaymentRecord struct {
	Payment  *payment.Payment
	Captures []*payment.Capture
	Refunds  []*payment.Refund
}

// CaptureCommand captures an authorization.
type CaptureCommand struct {
	RequestID, PaymentID string
	Amount               payment.Amount
}

// RefundCommand refunds part or all of a captured payment.
type RefundCommand struct {
	RequestID, PaymentID string
	Amount               payment.Amount
	ReferenceRefundID    string
	Reason               string
	NotifyURL            string
}
