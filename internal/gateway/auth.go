package gateway

import (
	"context"
	"time"

	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// autoCaptureRequestID names the capture the gateway makes itself for AUTOMATIC payments;
// notifyCapture and transactions[] report it under this captureRequestId.
func autoCaptureRequestID(paymentID string) string { return "auto-" + paymentID }

// recordAuth writes the issuer's answer for a payment that is authorizing or waiting on
// the issuer. Approved AUTOMATIC payments are captured at the issuer first, then the
// authorization, the capture and both notifications are written in one transaction. If
// the payment was moved meanwhile (cancelled by the merchant, closed on expiry), an approved
// authorization is voided at the issuer.
func (g *Gateway) recordAuth(ctx context.Context, paymentID string, threeDS *payment.ThreeDS, res issuer.AuthResult) (*payment.Payment, error) {
	var capRes *issuer.OpResult
	current, err := g.store.PaymentGetForUpdate(ctx, paymentID)
	if err != nil {
		return nil, g.internalError(ctx, "payment reload", err)
	}
	if res.Outcome == issuer.Approved && current.CaptureMode == payment.CaptureAutomatic && current.Status == payment.Processing {
		ictx, cancel := g.issuerCtx(ctx)
		r, err := g.issuer.Capture(ictx, res.Ref, current.Amount.Currency, current.Amount.Value)
		cancel()
		if err != nil {
			g.log.WarnContext(ctx, "issuer capture failed", "payment", paymentID, "err", err)
			r = noAnswerResult
		}
		capRes = &r
	}
	var out *payment.Payment
	var moved bool
	for attempt := 0; ; attempt++ {
		err = g.tx(ctx, func(q store.Queries) error {
			p, err := q.PaymentGetForUpdate(ctx, paymentID)
			if err != nil {
				return err
			}
			out = p
			if p.Status != payment.Processing || (p.Stage != payment.StageAuthorizing && p.Stage != payment.StageIssuerPending) {
				moved = true
				return nil
			}
			return g.applyAuth(ctx, q, p, threeDS, res, capRes)
		})
		if !isStale(err) || attempt == 3 {
			break
		}
	}
	if err != nil {
		return nil, g.internalError(ctx, "record authorization", err)
	}
	if moved && res.Outcome == issuer.Approved {
		ictx, cancel := g.issuerCtx(ctx)
		defer cancel()
		if _, err := g.issuer.Void(ictx, res.Ref); err != nil {
			g.log.ErrorContext(ctx, "void of an authorization that arrived after the payment moved failed", "payment", paymentID, "err", err)
		}
	}
	return out, nil
}

func (g *Gateway) applyAuth(ctx context.Context, q store.Queries, p *payment.Payment, threeDS *payment.ThreeDS, res issuer.AuthResult, capRes *issuer.OpResult) error {
	now := g.now()
	p.UpdatedAt = now
	p.IssuerRef = res.Ref
	if res.Funding != "" {
		p.Card.Funding = res.Funding
	}
	if res.IssuingCountry != "" {
		p.Card.IssuingCountry = res.IssuingCountry
	}
	p.Card.AVS, p.Card.CVV, p.Card.NetworkTransactionID, p.Card.AuthCode = res.AVSResult, res.CVVResult, res.NetworkTransactionID, res.AuthCode
	if res.CardBrand != "" {
		p.Card.Brand = res.CardBrand
	}
	switch {
	case res.ThreeDS != nil:
		p.Card.ThreeDS = res.ThreeDS
	case threeDS != nil:
		p.Card.ThreeDS = threeDS
	}
	var capture *payment.Capture
	switch res.Outcome {
	case issuer.Approved:
		p.Status, p.Stage, p.ResultCode, p.ResultMessage, p.PaidAt = payment.Success, payment.StageNone, payment.CodeSuccess, "success", now
		if capRes != nil {
			capture = &payment.Capture{
				ID: newID(), PaymentID: p.ID, MerchantID: p.MerchantID, RequestID: autoCaptureRequestID(p.ID),
				Amount: p.Amount, IssuerRef: capRes.Ref, CreatedAt: now, CompletedAt: now,
			}
			switch {
			case capRes.Success:
				capture.Status, capture.ResultCode, capture.ResultMessage = payment.Success, payment.CodeSuccess, "success"
				p.CaptureState, p.CapturedValue = payment.CaptureCaptured, p.Amount.Value
			case noAnswer(*capRes):
				// The sweeper asks the issuer again; the capture is notified once it is final.
				capture.Status, capture.CompletedAt = payment.Processing, time.Time{}
				p.CaptureState = payment.CaptureCapturing
			default:
				capture.Status, capture.ResultCode, capture.ResultMessage = payment.Fail, capRes.ResultCode, capRes.Message
			}
		}
	case issuer.Declined:
		p.Status, p.Stage, p.ResultCode, p.ResultMessage = payment.Fail, payment.StageNone, res.ResultCode, res.Message
		if p.Order.Session && p.CardID != "" && now.Before(p.ExpiresAt) {
			// Within a session the buyer may try another card: the payment stays open and
			// keeps the decline for the SDK to show.
			p.Status, p.Stage = payment.Processing, payment.StageAwaitingCard
		}
	case issuer.Pending:
		p.Stage = payment.StageIssuerPending
	case issuer.ChallengeRequired:
		p.Stage = payment.StageAwaitingChallenge
	}
	p.Schedule(res.RetryAfter)
	if err := q.PaymentUpdate(ctx, p); err != nil {
		return err
	}
	if p.Status == payment.Processing {
		return nil
	}
	if err := g.notifyPayment(ctx, q, p, now); err != nil {
		return err
	}
	if capture != nil {
		if err := q.CaptureInsert(ctx, capture); err != nil {
			return err
		}
		if capture.Status == payment.Processing {
			return nil
		}
		return g.notifyCapture(ctx, q, p, capture, now)
	}
	return nil
}

// noAnswerResult stands for an issuer that did not answer a capture or refund: the
// operation stays processing and is asked again, never recorded as failed.
var noAnswerResult = issuer.OpResult{ResultCode: payment.CodeUnknownException, Message: "the issuer has not confirmed the operation yet"}

func noAnswer(r issuer.OpResult) bool {
	return !r.Success && r.ResultCode == payment.CodeUnknownException
}
