package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/cashierpay/cashier/ams"
)

// Checkout modes the buyer chooses on the product page.
const (
	ModeHosted   = "hosted"   // pay without card data, then the gateway's hosted card page
	ModePopup    = "popup"    // createPaymentSession, then the web SDK's createComponent
	ModeEmbedded = "embedded" // createPaymentSession, then the web SDK's mountComponent + submit
)

func validMode(m string) bool { return m == ModeHosted || m == ModePopup || m == ModeEmbedded }

// Order states, as the shop shows them. Only notifications and inquiryPayment move an
// order (and the synchronous answer of cancel, which Antom never notifies).
const (
	StatePending    = "pending"    // no final result yet
	StatePaid       = "paid"       // AUTOMATIC capture: the payment succeeded
	StateAuthorized = "authorized" // MANUAL capture: authorized, awaiting capture
	StateCaptured   = "captured"   // MANUAL capture: notifyCapture (or inquiryPayment) confirmed the capture
	StateFailed     = "failed"     // the latest attempt failed; the buyer may start a new one
	StateCancelled  = "cancelled"  // the authorization was voided (by the shop, or at its expiry)
)

// Capture states of the winning attempt of a MANUAL order.
const (
	captureNone      = ""
	captureRequested = "requested" // capture was called; waiting for notifyCapture or inquiryPayment
	captureDone      = "captured"
	captureFailed    = "failed"
)

// What happened to a duplicate success (a second successful payment for a paid order).
const (
	dupNone          = ""
	dupPending       = "pending"        // to be cancelled or refunded
	dupCancelled     = "cancelled"      // cancel voided the uncaptured authorization
	dupRefundPending = "refund pending" // refund answered U; notifyRefund will tell
	dupRefunded      = "refunded"       // refunded in full
	dupFailed        = "failed"         // the gateway refused; needs a person
)

// Order is what the buyer buys. Its ID is the referenceOrderId of every payment attempt.
type Order struct {
	ID          string
	Product     Product
	CaptureMode string // ams.CaptureAutomatic or ams.CaptureManual
	CreatedAt   time.Time
	Attempts    []*Attempt
	// Winner is the number of the first attempt that succeeded, 0 while none has. The order
	// keeps it: later successes are duplicates, voided or refunded.
	Winner   int
	Captures int // capture requests made, for fresh captureRequestIds
	Events   []Event
	// Saved is the card a subscription's first payment saved, for its renewals; nil until
	// the notification (or inquiryPayment) of a successful payment reports it.
	Saved    *SavedCard
	Renewals []*Renewal

	lastInquiry time.Time
}

func newOrderID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "ORD-" + strings.ToUpper(hex.EncodeToString(b))
}

// Attempt is one payment for an order, with its own paymentRequestId.
type Attempt struct {
	N             int
	RequestID     string // paymentRequestId: <order id>-<N>
	PaymentID     string
	Mode          string
	CreatedAt     time.Time
	Status        string // "" (no answer yet), PROCESSING, SUCCESS, FAIL, CANCELLED
	ResultCode    string
	ResultMessage string
	NormalURL     string // hosted page
	SessionData   string // paymentSessionData for the web SDK
	SessionExpiry time.Time

	CaptureState     string
	CaptureRequestID string
	CaptureID        string

	Duplicate       string
	RefundRequestID string
	RefundID        string

	lastInquired string // the last paymentStatus inquiryPayment reported, to log changes only
	settling     bool   // a goroutine is cancelling or refunding this duplicate
}

// SavedCard is a card on file: the token and the networkTransactionId of the payment that
// saved it, which every merchant-initiated payment of the series quotes.
type SavedCard struct {
	Token                string
	NetworkTransactionID string
	Card                 string // brand and masked number, for people
}

// Renewal is one merchant-initiated payment of a subscription, with its own paymentRequestId.
// The buyer is not there: pay answers at once, and its answer decides.
type Renewal struct {
	N             int
	RequestID     string // <order id>-renewal-<N>
	PaymentID     string
	Status        string // "" (no answer yet), SUCCESS, FAIL, PROCESSING
	ResultCode    string
	ResultMessage string
}

// canRenew says whether the shop may charge the subscription's next period. book.mu must be held.
func (o *Order) canRenew() bool {
	return o.Product.Renews && o.Saved != nil && o.Winner != 0
}

// Event is one line of an order's log.
type Event struct {
	Time time.Time `json:"time"`
	Kind string    `json:"kind"` // order, attempt, notification, inquiry, capture, cancel, refund, duplicate, error
	Text string    `json:"text"`
}

func (o *Order) attempt(n int) *Attempt {
	if n < 1 || n > len(o.Attempts) {
		return nil
	}
	return o.Attempts[n-1]
}

func (o *Order) latest() *Attempt {
	if len(o.Attempts) == 0 {
		return nil
	}
	return o.Attempts[len(o.Attempts)-1]
}

// latestMode is how the buyer paid last, "" before any attempt.
func (o *Order) latestMode() string {
	if a := o.latest(); a != nil {
		return a.Mode
	}
	return ""
}

func (o *Order) manual() bool { return o.CaptureMode == ams.CaptureManual }

// State derives the order's state from its attempts.
func (o *Order) State() string {
	if w := o.attempt(o.Winner); w != nil {
		switch {
		case w.Status == ams.PaymentCancelled:
			return StateCancelled
		case !o.manual():
			return StatePaid
		case w.CaptureState == captureDone:
			return StateCaptured
		}
		return StateAuthorized
	}
	if a := o.latest(); a != nil {
		switch a.Status {
		case ams.PaymentFail:
			return StateFailed
		case ams.PaymentCancelled:
			return StateCancelled
		}
	}
	return StatePending
}

// Final says that nothing more is expected for the order: the status endpoint stops asking
// the gateway and the page stops polling.
func (o *Order) Final() bool {
	switch o.State() {
	case StatePending:
		return false
	case StateAuthorized:
		if o.attempt(o.Winner).CaptureState == captureRequested {
			return false
		}
	}
	return !o.settling()
}

// settling says that a duplicate success still waits to be voided or refunded.
func (o *Order) settling() bool {
	for _, a := range o.Attempts {
		if a.Duplicate == dupPending || a.Duplicate == dupRefundPending {
			return true
		}
	}
	return false
}

func (o *Order) canCapture() bool {
	w := o.attempt(o.Winner)
	return o.manual() && w != nil && w.Status == ams.PaymentSuccess && w.PaymentID != "" &&
		(w.CaptureState == captureNone || w.CaptureState == captureFailed)
}

func (o *Order) canCancel() bool {
	w := o.attempt(o.Winner)
	return o.manual() && w != nil && w.Status == ams.PaymentSuccess && w.PaymentID != "" &&
		(w.CaptureState == captureNone || w.CaptureState == captureFailed)
}

// canRetry: a new attempt is possible while no attempt has succeeded. The pages offer it
// once the latest attempt has failed; the retry endpoint accepts it any time before a
// success, as a buyer with two tabs can.
func (o *Order) canRetry() bool { return o.Winner == 0 }

// offerRetry says whether the order page shows "Pay again".
func (o *Order) offerRetry() bool { return o.canRetry() && o.State() != StatePending }

func (o *Order) event(now time.Time, kind, format string, args ...any) {
	o.Events = append(o.Events, Event{Time: now, Kind: kind, Text: fmt.Sprintf(format, args...)})
}

// finalStatus says whether a payment status is final for the shop.
func finalStatus(s string) bool {
	return s == ams.PaymentSuccess || s == ams.PaymentFail || s == ams.PaymentCancelled
}

// applyStatus records a payment status reported by a notification or inquiryPayment (or a
// successful cancel) for attempt a. Final statuses stick, except that a success can be
// cancelled. It reports whether a became a duplicate success that must be settled.
func (o *Order) applyStatus(now time.Time, a *Attempt, status, code, msg, source string) (duplicate bool) {
	if a.Status == status || (finalStatus(a.Status) && !(a.Status == ams.PaymentSuccess && status == ams.PaymentCancelled)) {
		if finalStatus(a.Status) && status != a.Status && finalStatus(status) {
			o.event(now, "error", "%s says attempt %d is %s, but it is already %s: kept %s", source, a.N, status, a.Status, a.Status)
		}
		return false
	}
	if !finalStatus(status) {
		if status == ams.PaymentProcessing || status == ams.PaymentPending {
			a.Status = ams.PaymentProcessing
		}
		return false
	}
	a.Status, a.ResultCode, a.ResultMessage = status, code, msg
	switch status {
	case ams.PaymentSuccess:
		switch {
		case o.Winner == 0:
			o.Winner = a.N
			if o.manual() {
				o.event(now, "order", "attempt %d authorized (%s): the order is authorized, awaiting capture", a.N, source)
			} else {
				o.event(now, "order", "attempt %d succeeded (%s): the order is paid", a.N, source)
			}
		case o.Winner != a.N:
			a.Duplicate = dupPending
			o.event(now, "duplicate", "attempt %d also succeeded (%s), but the order was already paid by attempt %d: voiding or refunding it", a.N, source, o.Winner)
			return true
		}
	case ams.PaymentFail:
		o.event(now, "order", "attempt %d failed (%s): %s %s", a.N, source, code, msg)
	case ams.PaymentCancelled:
		if a.N == o.Winner {
			o.event(now, "order", "attempt %d is cancelled (%s): %s", a.N, source, code)
		}
	}
	return false
}
