package gateway

import (
	"context"
	"sync"
	"time"

	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// autoCaptureRequestID names the capture the gateway makes itself for AUTOMATIC payments;
// notifyCapture and transactions[] report it under this captureRequestId.
func autoCaptureRequestID(paymentID string) string { return "auto-" + paymentID }

// RecordAuth writes the issuer's answer for current, a payment that is authorizing or
// waiting on the issuer: the request that asked and the sweeper that asked again in its
// place both record through it. Approved AUTOMATIC payments are captured at the issuer
// first, then the authorization, the capture and both notifications are written in one
// transaction. The write is conditional on the version of current, so the common path reads
// nothing and of two recorders only one writes; a payment moved meanwhile is read again under
// lock, and if it was cancelled by the merchant or closed on expiry, an approved
// authorization is voided at the issuer (unless it is the very one recorded).
func (c *Core) RecordAuth(ctx context.Context, current *payment.Payment, threeDS *payment.ThreeDS, res issuer.AuthResult) (*payment.Payment, error) {
	res = upgradeToChallenge(current, threeDS, res)
	capRes := c.autoCapture(ctx, c.Issuer, current, res)
	var out *payment.Payment
	var moved bool
	var err error
	for attempt := 0; ; attempt++ {
		err = c.Tx(ctx, func(q store.Tx) error {
			p := new(payment.Payment)
			*p = *current
			if attempt > 0 {
				var err error
				if p, err = q.PaymentLock(ctx, current.ID); err != nil {
					return err
				}
			}
			out = p
			if p.Status != payment.Processing || (p.Stage != payment.StageAuthorizing && p.Stage != payment.StageIssuerPending) {
				moved = true
				return nil
			}
			return c.applyAuth(ctx, q, p, threeDS, res, capRes)
		})
		if !isStale(err) || attempt == 3 {
			break
		}
	}
	if err != nil {
		return nil, c.InternalError(ctx, "record authorization", err)
	}
	if moved && res.Outcome == issuer.Approved && out.IssuerRef != res.Ref {
		ictx, cancel := c.IssuerCtx(ctx)
		defer cancel()
		if _, err := c.Issuer.Void(ictx, res.Ref); err != nil {
			c.Log.ErrorContext(ctx, "void of an authorization that arrived after the payment moved failed", "payment", current.ID, "err", err)
		}
	}
	return out, nil
}

// upgradeToChallenge turns a soft decline into a 3-D Secure challenge when the merchant
// allowed the upgrade and the card has not been authenticated yet.
func upgradeToChallenge(p *payment.Payment, threeDS *payment.ThreeDS, res issuer.AuthResult) issuer.AuthResult {
	if res.Outcome == issuer.Declined && res.ResultCode == payment.CodeAuthenticationRequired && p.Order.AuthUpgrade && threeDS == nil {
		res.Outcome = issuer.ChallengeRequired
	}
	return res
}

// autoCapture captures an approved AUTOMATIC payment at the issuer; nil when there is
// nothing to capture.
func (c *Core) autoCapture(ctx context.Context, iss issuer.Processor, p *payment.Payment, res issuer.AuthResult) *issuer.OpResult {
	if res.Outcome != issuer.Approved || p.CaptureMode != payment.CaptureAutomatic || p.Status != payment.Processing {
		return nil
	}
	ictx, cancel := c.IssuerCtx(ctx)
	defer cancel()
	charged := p.Charged(p.Amount)
	r, err := iss.Capture(ictx, res.Ref, charged.Currency, charged.Value)
	if err != nil {
		c.Log.WarnContext(ctx, "issuer capture failed", "payment", p.ID, "err", err)
		r = noAnswerResult
	}
	return &r
}

// applyAuth records the issuer's answer res for p, which is stored: the payment's new state,
// then its notifications.
func (c *Core) applyAuth(ctx context.Context, q store.Tx, p *payment.Payment, threeDS *payment.ThreeDS, res issuer.AuthResult, capRes *issuer.OpResult) error {
	now, capture := c.settleAuth(p, threeDS, res, capRes)
	if err := q.PaymentUpdate(ctx, p); err != nil {
		return err
	}
	return c.notifyAuth(ctx, q, p, capture, now)
}

// settleAuth moves p, in memory, to the state the issuer's answer res (and capRes, the
// capture of an AUTOMATIC payment) puts it in, and returns the time of the change and the
// capture to write, if any.
func (c *Core) settleAuth(p *payment.Payment, threeDS *payment.ThreeDS, res issuer.AuthResult, capRes *issuer.OpResult) (time.Time, *payment.Capture) {
	now := c.Now()
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
	if c.Acquirer != nil {
		p.Card.AcquirerName, p.Card.AcquirerMerchantID = c.Acquirer.AcquirerName(), c.Acquirer.AcquirerMerchantID(p.MerchantID)
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
				ID: NewID(), PaymentID: p.ID, MerchantID: p.MerchantID, RequestID: autoCaptureRequestID(p.ID),
				Amount: p.Amount, IssuerRef: capRes.Ref, CreatedAt: now, CompletedAt: now,
			}
			switch {
			case capRes.Success:
				capture.Status, capture.ResultCode, capture.ResultMessage, capture.ARN = payment.Success, payment.CodeSuccess, "success", capRes.ARN
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
		if p.CardAttempts > 0 && now.Before(p.ExpiresAt) {
			// The buyer chose the card on cashier's page (hosted or the SDK's), so may try
			// another: the payment stays open, keeps the decline for the page to show, and
			// the merchant hears only of the final result. The buyer's pages close it at its
			// bound on attempts.
			p.Status, p.Stage = payment.Processing, payment.StageAwaitingCard
		}
	case issuer.Pending:
		p.Stage = payment.StageIssuerPending
	case issuer.ChallengeRequired:
		p.Stage = payment.StageAwaitingChallenge
	}
	p.Schedule(res.RetryAfter)
	return now, capture
}

// notifyAuth writes what follows a recorded answer for p: its notification once final, and
// capture with its own.
func (c *Core) notifyAuth(ctx context.Context, q store.Tx, p *payment.Payment, capture *payment.Capture, now time.Time) error {
	if p.Status == payment.Processing {
		return nil
	}
	if err := c.NotifyPayment(ctx, q, p, now); err != nil {
		return err
	}
	if capture != nil {
		if err := q.CaptureInsert(ctx, capture); err != nil {
			return err
		}
		if capture.Status == payment.Processing {
			return nil
		}
		return c.notifyCaptured(ctx, q, p, capture, now)
	}
	return nil
}

// AuthInput is what an authorization needs beyond the payment, in memory only.
type AuthInput struct {
	PAN, CVV, Month, Year, Holder string
	Billing                       *payment.Address
	ThreeDS                       *payment.ThreeDS // from the merchant's MPI or the challenge
	Stored                        bool             // a saved card
	NetworkTransactionID          string           // a merchant-initiated payment's series
	RecurringType                 string           // SCHEDULED or UNSCHEDULED, with NetworkTransactionID
}

// Authorize asks the issuer about p, which BeginAuthorization has stored as authorizing
// under its AuthRef, and records the answer. A card that needs 3-D Secure (or a soft
// decline, when the merchant allowed the upgrade) goes to the challenge, with the CVV kept in
// memory for the second authorization.
func (c *Core) Authorize(ctx context.Context, p *payment.Payment, a AuthInput) (*payment.Payment, error) {
	ictx, cancel := c.IssuerCtx(ctx)
	defer cancel()
	res, err := c.Issuer.Authorize(ictx, authRequest(p, a))
	if err != nil {
		// The issuer did not answer: keep the payment processing and ask again later, as
		// a timeout with a real acquirer would require.
		c.Log.WarnContext(ctx, "issuer authorize failed", "payment", p.ID, "err", err)
		res = issuer.AuthResult{Outcome: issuer.Pending, ResultCode: payment.CodePaymentInProcess, RetryAfter: c.Now().Add(30 * time.Second)}
	} else if c.afterAuth != nil {
		c.afterAuth()
	}
	out, err := c.RecordAuth(ctx, p, a.ThreeDS, res)
	if err == nil && out.Stage == payment.StageAwaitingChallenge {
		c.cvvs.put(p.ID, a.CVV, p.ExpiresAt)
	}
	return out, err
}

func authRequest(p *payment.Payment, a AuthInput) issuer.AuthRequest {
	charged := p.Charged(p.Amount)
	req := issuer.AuthRequest{
		Reference: p.AuthRef(), MerchantID: p.MerchantID, Currency: charged.Currency, Amount: charged.Value,
		Card:     issuer.Card{Number: a.PAN, ExpiryMonth: a.Month, ExpiryYear: a.Year, CVV: a.CVV, HolderName: a.Holder, Billing: a.Billing},
		Force3DS: p.Order.Force3DS, ThreeDS: a.ThreeDS, StoredCredential: a.Stored, NetworkTransactionID: a.NetworkTransactionID,
		// The payment keeps the brand chosen for a co-badged card, so that the authorization
		// after a 3-D Secure challenge goes to the same network.
		RecurringType: a.RecurringType, Brand: p.Card.Brand,
	}
	if p.Order.Plan != nil {
		req.Installments = p.Order.Plan.Count
	}
	return req
}

// AuthorizeInOne writes a new payment p, which BeginAuthorization has marked as authorizing,
// and its authorization by ta in one transaction: ta decides and keeps its record through
// the transaction, insert writes the payment (and its card) as the answer leaves it, and
// its notifications follow, as RecordAuth would write them. The row is inserted once, in
// its final state, rather than inserted authorizing and updated: one statement and one
// encoding of the payment fewer on the busiest path. Either all of it commits or none, so
// there is never an authorizing row for the sweeper, and a retry after a crash starts
// afresh. The error is insert's or the store's, unwrapped (a taken request id is
// store.ErrConflict, the issuer's record rolled back with the rest).
func (c *Core) AuthorizeInOne(ctx context.Context, ta issuer.TxAuthorizer, p *payment.Payment, a AuthInput, insert func(store.Tx, *payment.Payment) error) (*payment.Payment, error) {
	var out *payment.Payment
	err := c.Tx(ctx, func(q store.Tx) error {
		res, err := ta.AuthorizeTx(ctx, q, authRequest(p, a))
		if err != nil {
			return err
		}
		if c.afterAuth != nil {
			c.afterAuth()
		}
		res = upgradeToChallenge(p, a.ThreeDS, res)
		out = new(payment.Payment)
		*out = *p
		now, capture := c.settleAuth(out, a.ThreeDS, res, c.autoCapture(ctx, ta, p, res))
		if err := insert(q, out); err != nil {
			return err
		}
		return c.notifyAuth(ctx, q, out, capture, now)
	})
	if err != nil {
		return nil, err
	}
	if out.Stage == payment.StageAwaitingChallenge {
		c.cvvs.put(out.ID, a.CVV, out.ExpiresAt)
	}
	return out, nil
}

// BeginAuthorization marks p as being authorized from now under a new AuthRef, with the
// sweeper's lease; the caller writes it before asking the issuer.
func (c *Core) BeginAuthorization(p *payment.Payment, now time.Time) {
	p.BeginAuthorization(now, c.AuthLease)
}

// cvvCache keeps a CVV across the 3-D Secure round trip, in this process's memory only:
// the CVV is never written anywhere, and it is gone once used or at the payment's expiry.
// A challenge completed on another node authorizes without it.
type cvvCache struct {
	mu sync.Mutex
	m  map[string]cvvEntry
}

type cvvEntry struct {
	cvv     string
	expires time.Time
}

func newCVVCache() *cvvCache { return &cvvCache{m: map[string]cvvEntry{}} }

func (c *cvvCache) put(paymentID, cvv string, expires time.Time) {
	if cvv == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	for k, e := range c.m {
		if now.After(e.expires) {
			delete(c.m, k)
		}
	}
	// Bounded by wall time as well, whatever a test clock says.
	c.m[paymentID] = cvvEntry{cvv: cvv, expires: now.Add(min(time.Until(expires), time.Hour))}
}

func (c *cvvCache) take(paymentID string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[paymentID]
	delete(c.m, paymentID)
	if !ok || time.Now().After(e.expires) {
		return ""
	}
	return e.cvv
}

// TakeCVV hands out, once, the CVV kept for a payment's 3-D Secure challenge: "" when none
// was kept, on this node, or it has expired.
func (c *Core) TakeCVV(paymentID string) string { return c.cvvs.take(paymentID) }
