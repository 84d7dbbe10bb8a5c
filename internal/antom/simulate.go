package antom

import (
	"context"
	"errors"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
)

// Simulator forces the answer of a merchant's call: the port through which the sandbox's
// error-scenario simulation (package sandbox) reaches the API. A production gateway has
// none, and the endpoints then never ask.
type Simulator interface {
	// Simulate says how to answer call by the merchant's rules, counting the use of the
	// rule it applies; the zero Forced answers normally.
	Simulate(ctx context.Context, m *payment.Merchant, call Call) (Forced, error)
}

// Call is what a simulation rule can match in a request.
type Call struct {
	API string
	// RequestID is the request id the call carries: paymentRequestId (pay,
	// createPaymentSession, inquiryPayment, cancel), captureRequestId (capture) or
	// refundRequestId (refund, inquiryRefund); "" when it carries none.
	RequestID string
	// Amount is the call's paymentAmount, captureAmount or refundAmount; Currency "" when
	// it has none that reads as one.
	Amount payment.Amount
}

// Effect is what a forced answer does to the gateway's state.
type Effect int

// Effects.
const (
	// Normal is no simulation: the call runs and answers as it would.
	Normal Effect = iota
	// Refuse answers Code and does nothing, as a call refused before it started.
	Refuse
	// Decline, on pay, fails the payment with Code as an issuer's decline does: the failed
	// payment is stored, notified, and answers a retry of its paymentRequestId. On the other
	// APIs it is Refuse.
	Decline
	// Replace runs the call and answers Code instead of its answer: the call's effect
	// stands, as when an answer is lost, and an inquiry or a retry finds it.
	Replace
	// Timeout runs the call and never answers it (Held).
	Timeout
)

// Forced is the answer a simulation rule imposes on one call.
type Forced struct {
	Effect  Effect
	Code    string
	Message string
	// Hold, for Timeout, is how long the transport holds the request before it answers
	// HTTP 504 without a body to sign, should the client still wait.
	Hold time.Duration
}

// Held is the answer of a call whose answer a simulated timeout holds back.
type Held struct{ For time.Duration }

// callOf is what a simulation rule matches in req.
func callOf(api string, req any) Call {
	c := Call{API: api}
	var amount *ams.Amount
	switch r := req.(type) {
	case *ams.PayRequest:
		c.RequestID, amount = r.PaymentRequestID, r.PaymentAmount
	case *ams.CreatePaymentSessionRequest:
		c.RequestID, amount = r.PaymentRequestID, r.PaymentAmount
	case *ams.InquiryPaymentRequest:
		c.RequestID = r.PaymentRequestID
	case *ams.CancelRequest:
		c.RequestID = r.PaymentRequestID
	case *ams.CaptureRequest:
		c.RequestID, amount = r.CaptureRequestID, r.CaptureAmount
	case *ams.RefundRequest:
		c.RequestID, amount = r.RefundRequestID, r.RefundAmount
	case *ams.InquiryRefundRequest:
		c.RequestID = r.RefundRequestID
	case *ams.ConsultRequest:
		amount = r.PaymentAmount
	case *ams.VaultPaymentMethodRequest:
		c.RequestID = r.VaultingRequestID
	case *ams.CreateVaultingSessionRequest:
		c.RequestID = r.VaultingRequestID
	case *ams.InquireVaultingRequest:
		c.RequestID = r.VaultingRequestID
	}
	if amount != nil {
		if v, err := ams.ParseMinor(amount.Value); err == nil {
			c.Amount = payment.Amount{Currency: amount.Currency, Value: v}
		}
	}
	return c
}

// simulate answers a call as the simulation forces it, running the call through run (or,
// for a decline, through decline when the API has one).
func simulate(ctx context.Context, f Forced, run func(context.Context) (any, error), decline func(context.Context, *payment.Error) (any, error)) (any, error) {
	switch {
	case f.Effect == Decline && decline != nil:
		return decline(ctx, payment.NewError(f.Code, f.Message))
	case f.Effect == Replace:
		var pe *payment.Error
		if _, err := run(ctx); err != nil && !errors.As(err, &pe) {
			return nil, err
		}
		return nil, payment.NewError(f.Code, f.Message)
	case f.Effect == Timeout:
		// The call finishes even when the client hangs up first, as it would at Antom: the
		// merchant's inquiry or retry then finds what it did.
		run(context.WithoutCancel(ctx))
		return Held{For: f.Hold}, nil
	}
	return nil, payment.NewError(f.Code, f.Message)
}
