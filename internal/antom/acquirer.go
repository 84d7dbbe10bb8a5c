package antom

import (
	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
)

// acquirerInfo is the acquirer part every acquirerInfo of p's transactions shares: the
// processor that authorized p and the merchant's account with it.
func acquirerInfo(p *payment.Payment) *ams.AcquirerInfo {
	return &ams.AcquirerInfo{AcquirerName: p.Card.AcquirerName, AcquirerMerchantID: p.Card.AcquirerMerchantID}
}

// paymentAcquirer is the acquirerInfo of p's authorization: the gateway's reference of the
// request (AuthRef), the processor's of the authorization and its answer. An authorization
// the processor approved stays SUCCESS whatever followed (a cancel, a release). nil until the
// processor has answered.
func paymentAcquirer(p *payment.Payment) *ams.AcquirerInfo {
	if p.IssuerRef == "" {
		return nil
	}
	code, msg := p.Outcome()
	if !p.PaidAt.IsZero() {
		code, msg = payment.CodeSuccess, "success"
	}
	a := acquirerInfo(p)
	a.ReferenceRequestID, a.AcquirerTransactionID, a.AcquirerResultCode, a.AcquirerResultMessage = p.AuthRef(), p.IssuerRef, code, msg
	return a
}

// captureAcquirer is the acquirerInfo of capture c of p: the gateway sends the processor the
// capture under its own id; nil until the processor has answered.
func captureAcquirer(p *payment.Payment, c *payment.Capture) *ams.AcquirerInfo {
	code, msg := c.Outcome()
	return operationAcquirer(p, c.ID, c.IssuerRef, code, msg)
}

// refundAcquirer is the acquirerInfo of refund r of p, as captureAcquirer.
func refundAcquirer(p *payment.Payment, r *payment.Refund) *ams.AcquirerInfo {
	code, msg := r.Outcome()
	return operationAcquirer(p, r.ID, r.IssuerRef, code, msg)
}

// operationAcquirer is the acquirerInfo of an operation on p sent to the processor as id,
// which it knows as issuerRef; nil until it has answered.
func operationAcquirer(p *payment.Payment, id, issuerRef, code, msg string) *ams.AcquirerInfo {
	if issuerRef == "" {
		return nil
	}
	a := acquirerInfo(p)
	a.ReferenceRequestID, a.AcquirerTransactionID, a.AcquirerResultCode, a.AcquirerResultMessage = id, issuerRef, code, msg
	return a
}

// disputeAcquirer is the acquirerInfo of dispute d of p: the processor's reference of the
// chargeback and the scheme's reason as it reported them.
func disputeAcquirer(p *payment.Payment, d *payment.Dispute) *ams.AcquirerInfo {
	a := acquirerInfo(p)
	a.AcquirerTransactionID, a.AcquirerReasonDescription = d.IssuerRef, d.ReasonMsg
	return a
}
