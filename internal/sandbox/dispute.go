package sandbox

import (
	"strings"
	"time"

	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
)

// DisputeDelay is how long after its capture a dispute card's payment is disputed, on the
// Issuer's clock: a test clock moved forward by it raises the dispute.
const DisputeDelay = 24 * time.Hour

// How the dispute cards' chargebacks end (TestCard.Dispute).
const (
	disputeDefendable = "defendable"
	disputeLost       = "lost"
	disputeWithdrawn  = "withdrawn"
)

// disputeReasons are the scheme reason each dispute card is disputed with, by kind.
var disputeReasons = map[string][2]string{
	"dspwin":       {"10.4", "Other Fraud - Card Absent Environment"},
	"dspmcwin":     {"4853", "Cardholder Dispute"},
	"dsplost":      {"13.1", "Merchandise/Services Not Received"},
	"dspwithdrawn": {"13.3", "Not as Described or Defective Merchandise/Services"},
	"dsphalf":      {"13.1", "Merchandise/Services Not Received"},
}

var _ issuer.Disputes = (*Issuer)(nil)

// disputeRefPrefix starts the simulator's chargeback references: simdsp_<kind>_<nonce>.
const disputeRefPrefix = "simdsp"

// Chargeback implements issuer.Disputes: an approved authorization of a dispute card is
// disputed DisputeDelay after its capture, with the card's reason, for the whole capture or
// the card's DisputePercent of it (rounded down to a minor unit, at least one).
func (s *Issuer) Chargeback(ref string, captured payment.Amount, capturedAt time.Time) (issuer.Chargeback, bool) {
	a, err := parseRef(ref)
	if err != nil || a.outcome != issuer.Approved {
		return issuer.Chargeback{}, false
	}
	tc, ok := cardOfKind(a.kind)
	if !ok || tc.Dispute == "" {
		return issuer.Chargeback{}, false
	}
	reason := disputeReasons[a.kind]
	return issuer.Chargeback{
		Ref: disputeRefPrefix + "_" + a.kind + "_" + newNonce(), RaiseAt: capturedAt.Add(DisputeDelay), Amount: disputedPart(captured.Value, tc.DisputePercent),
		ReasonCode: reason[0], ReasonMsg: reason[1], Source: tc.Brand,
	}, true
}

// Judge implements issuer.Disputes by the card's rule: a defendable dispute is won with a
// defence and lost without; a lost one is lost; a withdrawn one is cancelled by the buyer.
// A reference the simulator did not make is lost, as a dispute nobody can defend.
func (s *Issuer) Judge(ref string, defended bool) payment.Verdict {
	f := strings.Split(ref, "_")
	if len(f) != 3 || f[0] != disputeRefPrefix {
		return payment.VerdictBuyerWins
	}
	tc, ok := cardOfKind(f[1])
	if !ok {
		return payment.VerdictBuyerWins
	}
	switch {
	case tc.Dispute == disputeWithdrawn:
		return payment.VerdictWithdrawn
	case tc.Dispute == disputeDefendable && defended:
		return payment.VerdictMerchantWins
	}
	return payment.VerdictBuyerWins
}

// disputedPart is percent of value minor units, rounded down but at least one; the whole of
// value when percent is 0. Minor units already carry the currency's exponent, so half of
// JPY 1001 is JPY 500 and half of USD 10.01 is USD 5.00.
func disputedPart(value int64, percent int) int64 {
	if percent == 0 || value <= 0 {
		return value
	}
	return max(value*int64(percent)/100, 1)
}
