package payment

import (
	"bytes"
	"fmt"
	"time"
)

// Rules of disputes (chargebacks) of captured card payments.
const (
	// DefenseWindow is how long after a dispute is raised the merchant may defend or accept it.
	DefenseWindow = 7 * 24 * time.Hour
	// DefenseDueAlert is how long before the defence deadline DEFENSE_DUE_ALERT warns a
	// merchant that has not responded (Antom: "within 24 hours of defenseDueTime").
	DefenseDueAlert = 24 * time.Hour
	// JudgeDelay is how long the card scheme takes to judge a dispute once the merchant has
	// responded (defence or acceptance).
	JudgeDelay = 2 * 24 * time.Hour
	// EvidenceLimit is the longest disputeEvidence, in base64 characters (Antom's limit).
	EvidenceLimit = 1000000
)

// DisputeStatus is where a dispute stands.
type DisputeStatus string

// Dispute statuses. Scheduled and Dropped are hidden from the merchant: the processor has
// announced the chargeback but the buyer's bank has not raised it yet, or never will because
// the merchant refunded the payment in full first.
const (
	DisputeScheduled DisputeStatus = "SCHEDULED"
	DisputeDropped   DisputeStatus = "DROPPED"
	// DisputeOpen: raised; the merchant may defend or accept until DefenseDueAt.
	DisputeOpen DisputeStatus = "OPEN"
	// DisputeDefended and DisputeAccepted: the merchant responded; the scheme judges at
	// NextActionAt.
	DisputeDefended DisputeStatus = "DEFENDED"
	DisputeAccepted DisputeStatus = "ACCEPTED"
	// DisputeJudged and DisputeCancelled are final: judged for one side, or withdrawn by the
	// buyer.
	DisputeJudged    DisputeStatus = "JUDGED"
	DisputeCancelled DisputeStatus = "CANCELLED"
)

// Judged results, by Antom's disputeJudgedResult: ACCEPT_BY_CUSTOMER means the buyer bears
// the dispute (the merchant won), ACCEPT_BY_MERCHANT that the merchant does (it is debited).
const (
	JudgedForMerchant = "ACCEPT_BY_CUSTOMER"
	JudgedForBuyer    = "ACCEPT_BY_MERCHANT"
)

// Why a dispute was judged for the buyer, by Antom's disputeAcceptReason.
const (
	AcceptedByMerchant = "MERCHANT_ACCEPTED"
	AcceptedOnTimeout  = "TIMEOUT"
)

// Dispute notification types, by Antom's disputeNotificationType.
const (
	DisputeCreatedNote   = "DISPUTE_CREATED"
	DisputeJudgedNote    = "DISPUTE_JUDGED"
	DisputeCancelledNote = "DISPUTE_CANCELLED"
	DefenseSuppliedNote  = "DEFENSE_SUPPLIED"
	DefenseDueAlertNote  = "DEFENSE_DUE_ALERT"
	DisputeAcceptedNote  = "DISPUTE_ACCEPTED"
)

// NotifyDispute is the notification kind of notifyDispute.
const NotifyDispute = "notifyDispute"

// Dispute result codes (acceptDispute, supplyDefenseDocument).
const (
	CodeRepeatRequest    = "REPEAT_REQUEST"
	CodeTimeExceedsLimit = "TIME_EXCEEDS_LIMIT"
)

// Dispute is a chargeback of a captured payment.
type Dispute struct {
	ID               string
	PaymentID        string
	MerchantID       string
	PaymentRequestID string
	// Amount is the disputed amount, frozen while the dispute is open.
	Amount Amount
	// ReasonCode and ReasonMsg are the scheme's reason; Source is the card scheme.
	ReasonCode, ReasonMsg, Source string
	// IssuerRef is the processor's reference of the chargeback: the processor judges by it.
	IssuerRef string
	// ARN is the acquirer reference number of the disputed capture, by which the buyer's bank
	// names the transaction it charges back.
	ARN    string
	Status DisputeStatus
	// RaisedAt is disputeTime (for a scheduled dispute, when it will be raised).
	RaisedAt     time.Time
	DefenseDueAt time.Time
	// Alerted: DEFENSE_DUE_ALERT was sent.
	Alerted bool
	// Evidence is the defence document as the merchant sent it (base64); EvidenceFormat its
	// format (PDF, WORD, ZIP, JPG).
	Evidence       string
	EvidenceFormat string
	// RespondedAt is when the merchant defended or accepted (disputeResolutionTime).
	RespondedAt time.Time
	// JudgedResult is JudgedForMerchant or JudgedForBuyer; AcceptReason says why a
	// dispute went to the buyer; JudgedAmount is what the merchant is debited (zero when it
	// won).
	JudgedResult string
	AcceptReason string
	JudgedAmount Amount
	// ClosedAt is when it was judged or cancelled.
	ClosedAt time.Time
	// NextActionAt is when the sweeper must look at it again; zero once final.
	NextActionAt time.Time
	Version      int64
}

// Hidden says whether the merchant cannot see the dispute: it was never raised.
func (d *Dispute) Hidden() bool { return d.Status == DisputeScheduled || d.Status == DisputeDropped }

// Raise opens a scheduled dispute of p at now, with its defence deadline, for what p still
// holds of the buyer's money: the captured amount less refunds. A payment refunded in full
// meanwhile is not disputed: the dispute is dropped, unseen.
func (d *Dispute) Raise(p *Payment, now time.Time) {
	if left := p.CapturedValue - p.RefundedValue; left < d.Amount.Value {
		d.Amount.Value = max(left, 0)
	}
	if d.Amount.Value == 0 {
		d.Status = DisputeDropped
		d.Schedule()
		return
	}
	d.Status, d.RaisedAt, d.DefenseDueAt = DisputeOpen, now, now.Add(DefenseWindow)
	d.Schedule()
}

// Frozen is what of the payment's captured money the dispute holds: the disputed amount
// while it is open or answered, the judged amount once the buyer won it (the chargeback
// returned it), nothing when it is hidden, won by the merchant or withdrawn.
func (d *Dispute) Frozen() int64 {
	switch {
	case d.Hidden() || d.Status == DisputeCancelled || d.JudgedResult == JudgedForMerchant:
		return 0
	case d.Status == DisputeJudged:
		return d.JudgedAmount.Value
	}
	return d.Amount.Value
}

// CheckRefund says whether amount minor units of p, the dispute's payment, may be refunded:
// a refund may take only what the dispute leaves, the capture less refunds and the money
// the dispute holds (Frozen). Antom freezes the disputed funds, not the payment, so a
// partial dispute leaves the rest refundable. Result codes: ORDER_STATUS_INVALID (the
// dispute holds everything refunds left), REFUND_AMOUNT_EXCEED (more than the rest).
func (d *Dispute) CheckRefund(p *Payment, amount int64) *Error {
	frozen := d.Frozen()
	if frozen == 0 {
		return nil
	}
	left := p.CapturedValue - p.RefundedValue - frozen
	switch {
	case left <= 0 && d.Status == DisputeJudged:
		return NewError(CodeOrderStatusInvalid, "the payment was charged back to the buyer by a lost dispute and cannot be refunded")
	case left <= 0:
		return NewError(CodeOrderStatusInvalid, "the payment is disputed: it can be refunded once the dispute is judged for the merchant or withdrawn")
	case amount > left:
		return NewError(CodeRefundAmountExceed, fmt.Sprintf("refundAmount exceeds what the dispute leaves refundable (%d minor units: captured %d, refunded %d, held by the dispute %d)",
			left, p.CapturedValue, p.RefundedValue, frozen))
	}
	return nil
}

// Schedule recomputes NextActionAt from the dispute's state; call it before every write.
func (d *Dispute) Schedule() {
	switch d.Status {
	case DisputeScheduled:
		d.NextActionAt = d.RaisedAt
	case DisputeOpen:
		d.NextActionAt = d.DefenseDueAt
		if !d.Alerted {
			d.NextActionAt = d.DefenseDueAt.Add(-DefenseDueAlert)
		}
	case DisputeDefended, DisputeAccepted:
		d.NextActionAt = d.RespondedAt.Add(JudgeDelay)
	default:
		d.NextActionAt = time.Time{}
	}
}

// CheckRespond says whether the merchant may respond to the dispute now (accept it, or
// supply evidence when evidence is not ""). done=true with a nil error means the same
// response was already recorded: a retry, answered as the first call was. Result codes:
// REPEAT_REQUEST (another response was recorded), TIME_EXCEEDS_LIMIT (past the deadline,
// or the dispute is over).
func (d *Dispute) CheckRespond(evidence string, now time.Time) (done bool, err *Error) {
	switch d.Status {
	case DisputeOpen:
		if !now.Before(d.DefenseDueAt) {
			return false, NewError(CodeTimeExceedsLimit, "the defence deadline has passed: the dispute can no longer be accepted or defended")
		}
		return false, nil
	case DisputeAccepted:
		if evidence == "" {
			return true, nil
		}
		return false, NewError(CodeRepeatRequest, "the dispute was accepted and cannot be defended")
	case DisputeDefended:
		if evidence == d.Evidence {
			return true, nil
		}
		if evidence == "" {
			return false, NewError(CodeRepeatRequest, "the dispute was defended and cannot be accepted")
		}
		return false, NewError(CodeRepeatRequest, "a defence document was already supplied for the dispute")
	}
	return false, NewError(CodeTimeExceedsLimit, "the dispute is over: it can no longer be accepted or defended")
}

// Respond records the merchant's response at now: acceptance when evidence is "", else the
// defence document of format.
func (d *Dispute) Respond(evidence, format string, now time.Time) {
	d.Status, d.RespondedAt = DisputeAccepted, now
	if evidence != "" {
		d.Status, d.Evidence, d.EvidenceFormat = DisputeDefended, evidence, format
	}
	d.Schedule()
}

// Verdict is the card scheme's decision on a dispute.
type Verdict string

// Verdicts.
const (
	VerdictMerchantWins Verdict = "MERCHANT_WINS"
	VerdictBuyerWins    Verdict = "BUYER_WINS"
	VerdictWithdrawn    Verdict = "WITHDRAWN"
)

// Close records the scheme's verdict at now: judged for one side (debiting the merchant the
// disputed amount when the buyer wins), or cancelled when the buyer withdrew.
func (d *Dispute) Close(v Verdict, now time.Time) {
	d.ClosedAt = now
	switch v {
	case VerdictWithdrawn:
		d.Status = DisputeCancelled
	case VerdictMerchantWins:
		d.Status, d.JudgedResult, d.JudgedAmount = DisputeJudged, JudgedForMerchant, Amount{Currency: d.Amount.Currency}
	default:
		switch d.Status {
		case DisputeAccepted:
			d.AcceptReason = AcceptedByMerchant
		case DisputeOpen:
			d.AcceptReason = AcceptedOnTimeout
		}
		d.Status, d.JudgedResult, d.JudgedAmount = DisputeJudged, JudgedForBuyer, d.Amount
	}
	d.Schedule()
}

// EvidenceFormat tells the format of a decoded defence document from its first bytes: PDF,
// WORD (.doc, or .docx, a ZIP with word/ inside), ZIP or JPG; "" for anything else.
func EvidenceFormat(doc []byte) string {
	switch {
	case bytes.HasPrefix(doc, []byte("%PDF-")):
		return "PDF"
	case bytes.HasPrefix(doc, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return "WORD"
	case bytes.HasPrefix(doc, []byte("PK\x03\x04")):
		if bytes.Contains(doc, []byte("word/")) {
			return "WORD"
		}
		return "ZIP"
	case bytes.HasPrefix(doc, []byte{0xFF, 0xD8, 0xFF}):
		return "JPG"
	}
	return ""
}
