package antom

import (
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
)

// acquirerInfo reports the processor's answer: none before it answered, SUCCESS for an
// authorization it approved whatever followed, its decline or its in-process answer.
func TestPaymentAcquirer(t *testing.T) {
	paid := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	card := payment.CardResult{AcquirerName: "ACQ", AcquirerMerchantID: "123456789012345"}
	for _, c := range []struct {
		name string
		p    payment.Payment
		code string
	}{
		{"waiting for the card", payment.Payment{Status: payment.Processing, Stage: payment.StageAwaitingCard}, ""},
		{"approved", payment.Payment{Status: payment.Success, IssuerRef: "ref", PaidAt: paid, Card: card}, payment.CodeSuccess},
		{"approved, then cancelled", payment.Payment{Status: payment.Cancelled, IssuerRef: "ref", PaidAt: paid, ResultCode: payment.CodeOrderIsCanceled, Card: card}, payment.CodeSuccess},
		{"declined", payment.Payment{Status: payment.Fail, IssuerRef: "ref", ResultCode: "DO_NOT_HONOR", ResultMessage: "declined", Card: card}, "DO_NOT_HONOR"},
		{"pending at the issuer", payment.Payment{Status: payment.Processing, Stage: payment.StageIssuerPending, IssuerRef: "ref", Card: card}, payment.CodePaymentInProcess},
	} {
		c.p.ID, c.p.AuthAttempt = "pay1", 2
		a := paymentAcquirer(&c.p)
		switch {
		case c.code == "" && a != nil:
			t.Errorf("%s: acquirerInfo %+v before the processor answered", c.name, a)
		case c.code != "" && (a == nil || a.AcquirerResultCode != c.code || a.AcquirerResultMessage == "" || a.ReferenceRequestID != "pay1-2" ||
			a.AcquirerTransactionID != "ref" || a.AcquirerName != "ACQ" || a.AcquirerMerchantID != card.AcquirerMerchantID):
			t.Errorf("%s: acquirerInfo %+v, want result %s", c.name, a, c.code)
		}
	}
	inFlight := &payment.Capture{ID: "cap1", Status: payment.Processing}
	if a := captureAcquirer(&payment.Payment{Card: card}, inFlight); a != nil {
		t.Errorf("capture in flight: acquirerInfo %+v", a)
	}
}
