package payment

import "strconv"

// Installment plans. The buyer's card is authorized, and the merchant paid, for the whole
// amount at once; the issuer bills the buyer in Count monthly instalments. Which plans a card
// has is the issuer's to say (issuer.InstallmentPlans); the gateway only keeps plans within
// these bounds.
const (
	MinInstallments = 2
	MaxInstallments = 36
	// IntervalMonth is the one interval between instalments that cards have.
	IntervalMonth = "MONTH"
	// FeePercentage is the one fee type (Antom's creditPayFeeType) a plan may carry.
	FeePercentage = "PERCENTAGE"
)

// Plan is an installment plan: the one the merchant asked for on pay or
// createPaymentSession, replaced by the buyer's choice on the card form when the session
// collects it, and reported in paymentResultInfo.creditPayPlan.
type Plan struct {
	Count    int    `json:"count"`
	Interval string `json:"interval"`
	// FeeType and FeePercent are the merchant's description of a fee the buyer pays the
	// issuer on top, repeated as sent; they do not change the amount authorized.
	FeeType    string `json:"feeType,omitempty"`
	FeePercent int    `json:"feePercent,omitempty"`
}

// Key is what makes two plans the same request, for idempotency.
func (p *Plan) Key() string {
	return strconv.Itoa(p.Count) + p.Interval + p.FeeType + strconv.Itoa(p.FeePercent)
}

// Instalments splits total minor units into count instalments of whole minor units: each is
// total/count rounded down, and the first also takes the remainder, so the sum is exactly
// total and the buyer sees at most two different amounts (the first, then the rest).
func Instalments(total int64, count int) (first, rest int64) {
	n := int64(count)
	return total/n + total%n, total / n
}
