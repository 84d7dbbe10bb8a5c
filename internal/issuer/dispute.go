package issuer

import (
	"time"

	"github.com/cashierpay/cashier/internal/payment"
)

// Chargeback is a dispute the buyer's bank will raise against a captured authorization, as
// the processor announces it.
type Chargeback struct {
	// Ref is the processor's reference of the chargeback, which Judge decides by.
	Ref string
	// RaiseAt is when the buyer's bank raises it.
	RaiseAt time.Time
	// Amount is the disputed part of the capture, in its currency's minor units: the whole
	// capture, or less when the buyer disputes part of the order. 0 disputes the whole.
	Amount int64
	// ReasonCode and ReasonMsg are the scheme's reason; Source is the scheme.
	ReasonCode, ReasonMsg, Source string
}

// Disputes is a Processor that reports the chargebacks of the payments it captured and the
// card schemes' verdicts on them. The gateway asks it when a capture succeeds and when a
// dispute is due for judgement; a Processor without it has no disputes.
type Disputes interface {
	// Chargeback says whether the authorization ref (AuthResult.Ref), captured for captured
	// at capturedAt, will be disputed, and how.
	Chargeback(ref string, captured payment.Amount, capturedAt time.Time) (Chargeback, bool)
	// Judge is the scheme's verdict on the chargeback ref, once the merchant defended it
	// (defended) or let the defence deadline pass. A dispute the merchant accepted is lost
	// without asking.
	Judge(ref string, defended bool) payment.Verdict
}
