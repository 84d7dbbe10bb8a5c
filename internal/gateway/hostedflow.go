package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// pageToken makes the unguessable part of a hosted-page URL: the payment id with an HMAC of
// it, so that any node can check a token without storing it.
func (g *Gateway) pageToken(paymentID string) string {
	m := hmac.New(sha256.New, g.pageKey)
	m.Write([]byte("hosted-page:" + paymentID))
	return paymentID + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// PageURL is the hosted page where the buyer continues a payment, on the URL of the request of ctx.
func (g *Gateway) PageURL(ctx context.Context, paymentID string) string {
	return g.PublicURL(ctx) + "/checkout/" + g.pageToken(paymentID)
}

var errBadToken = payment.NewError(payment.CodeOrderNotExist, "no such payment page")

// paymentFromToken checks a page token and loads its payment.
func (g *Gateway) paymentFromToken(ctx context.Context, token string) (*payment.Payment, error) {
	id, _, ok := strings.Cut(token, ".")
	if !ok || len(g.pageKey) == 0 || !hmac.Equal([]byte(g.pageToken(id)), []byte(token)) {
		return nil, errBadToken
	}
	p, err := g.store.PaymentGetForUpdate(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errBadToken
	}
	if err != nil {
		return nil, g.internalError(ctx, "payment lookup", err)
	}
	return p, nil
}

// HostedPage says what the buyer's page for token shows now. A payment found past its
// expiry time is closed on the spot, so the buyer and the merchant learn it at once.
func (g *Gateway) HostedPage(ctx context.Context, token string) (*HostedView, error) {
	p, err := g.paymentFromToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if p.Status == payment.Processing && !g.now().Before(p.ExpiresAt) {
		if err := g.closeExpired(ctx, p.ID); err != nil {
			return nil, g.internalError(ctx, "close expired payment", err)
		}
		if p, err = g.paymentFromToken(ctx, token); err != nil {
			return nil, err
		}
	}
	return g.view(ctx, token, p)
}

func (g *Gateway) view(ctx context.Context, token string, p *payment.Payment) (*HostedView, error) {
	m, err := g.store.MerchantGet(ctx, p.MerchantID)
	if err != nil {
		return nil, g.internalError(ctx, "merchant lookup", err)
	}
	code, message := p.Outcome()
	v := &HostedView{
		Token: token, Step: StepResult, PaymentID: p.ID, MerchantName: m.Name, OrderDescription: p.Order.Description,
		Amount:          p.Amount,
		SaveCardOffered: p.Order.Tokenize, CardMasked: p.Card.Masked, CardBrand: p.Card.Brand, TerminalType: p.Order.TerminalType,
		Status: p.Status, ResultCode: code, ResultMessage: message, RedirectURL: p.RedirectURL,
		ExpiresAt: p.ExpiresAt, Expired: p.Status == payment.Fail && p.ResultCode == payment.CodeOrderIsClosed,
		Session: p.Order.Session,
	}
	if p.Status == payment.Processing && p.ResultCode != "" {
		v.DeclineCode, v.DeclineMessage = p.ResultCode, p.ResultMessage
	}
	if p.Status == payment.Processing {
		switch p.Stage {
		case payment.StageAwaitingCard:
			v.Step = StepCard
		case payment.StageAwaitingCVV:
			v.Step = StepCVV
		case payment.StageAwaitingChallenge:
			v.Step = StepChallenge
			if g.acs != nil {
				v.ChallengeHint = g.acs.Hint()
			}
		case payment.StageAwaitingIssuer:
			v.Step, v.IssuerBrand = StepIssuer, p.Order.IssuerBrand
		}
	}
	return v, nil
}

// leaveStage moves a payment that waits for the buyer at stage from to authorizing, with
// change applied, in one conditional write. It answers the current view (and ok=false) when
// the payment is no longer there: paid in another tab, cancelled, or expired.
func (g *Gateway) leaveStage(ctx context.Context, token string, id string, from payment.Stage, change func(*payment.Payment), extra func(store.Queries) error) (*payment.Payment, *HostedView, error) {
	var p *payment.Payment
	moved := false
	err := g.tx(ctx, func(q store.Queries) error {
		var err error
		if p, err = q.PaymentGetForUpdate(ctx, id); err != nil {
			return err
		}
		now := g.now()
		if p.Status != payment.Processing || p.Stage != from || !now.Before(p.ExpiresAt) {
			moved = true
			return nil
		}
		if extra != nil {
			if err := extra(q); err != nil {
				return err
			}
		}
		change(p)
		p.Stage, p.UpdatedAt = payment.StageAuthorizing, now
		p.Schedule(timeZero)
		return q.PaymentUpdate(ctx, p)
	})
	if err != nil {
		return nil, nil, g.internalError(ctx, "hosted step", err)
	}
	if moved {
		v, err := g.HostedPage(ctx, token)
		return nil, v, err
	}
	return p, nil, nil
}

// SubmitCard takes the card the buyer typed on the hosted page and authorizes it.
func (g *Gateway) SubmitCard(ctx context.Context, token string, in CardInput) (*HostedView, error) {
	p, err := g.paymentFromToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if p.Stage != payment.StageAwaitingCard {
		return g.HostedPage(ctx, token)
	}
	now := g.now()
	src := &cardSource{pan: in.Number, cvv: in.CVV, month: in.ExpiryMonth, year: in.ExpiryYear, holder: strings.TrimSpace(in.HolderName)}
	if pan, ok := card.Normalize(src.pan); ok {
		src.pan = pan
	}
	src.brand = card.DetectBrand(src.pan)
	if errs := cardFieldErrors(src, now); len(errs) > 0 {
		v, err := g.view(ctx, token, p)
		if err == nil {
			v.FieldErrors = errs
		}
		return v, err
	}
	c, err := g.sealCard(p.MerchantID, p.Order.BuyerID, src, g.vault.Fingerprint(src.pan), p.Order.Tokenize && in.SaveCard, now)
	if err != nil {
		return nil, g.internalError(ctx, "vault seal", err)
	}
	p, v, err := g.leaveStage(ctx, token, p.ID, payment.StageAwaitingCard, func(p *payment.Payment) {
		p.CardID = c.ID
		p.Card = payment.CardResult{Masked: card.Mask(src.pan), Brand: src.brand, BIN: card.BIN(src.pan), Last4: card.Last4(src.pan),
			ExpiryMonth: src.month, ExpiryYear: src.year, HolderName: src.holder, Token: c.Token}
	}, func(q store.Queries) error { return q.CardInsert(ctx, c) })
	if p == nil {
		return v, err
	}
	a := authInput{pan: src.pan, cvv: src.cvv, month: src.month, year: src.year, holder: src.holder}
	if b := in.Billing; b != nil && *b != (payment.Address{}) {
		a.billing = b
	}
	if p, err = g.authorize(ctx, p, a); err != nil {
		return nil, err
	}
	return g.view(ctx, token, p)
}

// cardFieldErrors checks each field of a card form; keys are form field names.
func cardFieldErrors(src *cardSource, now time.Time) map[string]string {
	errs := map[string]string{}
	if _, ok := card.Normalize(src.pan); !ok || !card.Luhn(src.pan) {
		errs["cardNo"] = payment.CodeInvalidCardNumber
	}
	var cerr *card.Error
	if errors.As(card.ValidExpiry(src.month, src.year, now), &cerr) {
		errs["expiryMonth"] = cerr.Code
	}
	if !card.ValidCVV(src.cvv, src.brand) {
		errs["cvv"] = payment.CodeInvalidCVV
	}
	if src.holder == "" || len(src.holder) > 128 {
		errs["holderName"] = payment.CodeParamIllegal
	}
	return errs
}

// SubmitCVV takes the CVV of a saved card and authorizes the payment with it. In a
// session the CVV may be empty: the merchant's page did not ask for it (needCVV false).
func (g *Gateway) SubmitCVV(ctx context.Context, token, cvv string) (*HostedView, error) {
	p, err := g.paymentFromToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if p.Stage != payment.StageAwaitingCVV {
		return g.HostedPage(ctx, token)
	}
	if !card.ValidCVV(cvv, p.Card.Brand) && !(cvv == "" && p.Order.Session) {
		v, err := g.view(ctx, token, p)
		if err == nil {
			v.FieldErrors = map[string]string{"cvv": payment.CodeInvalidCVV}
		}
		return v, err
	}
	c, err := g.store.CardGet(ctx, p.CardID)
	if err != nil {
		return nil, g.internalError(ctx, "card lookup", err)
	}
	pan, err := g.openCard(c)
	if err != nil {
		return nil, g.internalError(ctx, "vault open", err)
	}
	p, v, err := g.leaveStage(ctx, token, p.ID, payment.StageAwaitingCVV, func(*payment.Payment) {}, nil)
	if p == nil {
		return v, err
	}
	a := authInput{pan: pan, cvv: cvv, month: c.ExpiryMonth, year: c.ExpiryYear, holder: c.HolderName, stored: true}
	if p, err = g.authorize(ctx, p, a); err != nil {
		return nil, err
	}
	return g.view(ctx, token, p)
}

// CompleteChallenge ends the 3-D Secure challenge with the buyer's answer: authenticated by
// the ACS, the card is authorized with the result; otherwise, or cancelled, the payment fails
// with USER_PAYMENT_VERIFICATION_FAILED.
func (g *Gateway) CompleteChallenge(ctx context.Context, token, answer string, cancel bool) (*HostedView, error) {
	p, err := g.paymentFromToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if p.Stage != payment.StageAwaitingChallenge {
		return g.HostedPage(ctx, token)
	}
	if g.acs == nil {
		return g.failAtStage(ctx, token, p.ID, payment.StageAwaitingChallenge, nil,
			payment.CodeUserPaymentVerificationFail, "no 3-D Secure server is configured")
	}
	t, ok := g.acs.Verify(ctx, p.Card.Brand, answer, cancel)
	threeDS := &payment.ThreeDS{Version: t.Version, ECI: t.ECI, CAVV: t.CAVV, DSTransactionID: t.DSTransactionID, Challenged: true}
	if !ok {
		return g.failAtStage(ctx, token, p.ID, payment.StageAwaitingChallenge, threeDS,
			payment.CodeUserPaymentVerificationFail, "3-D Secure authentication failed or was cancelled by the buyer")
	}
	c, err := g.store.CardGet(ctx, p.CardID)
	if err != nil {
		return nil, g.internalError(ctx, "card lookup", err)
	}
	pan, err := g.openCard(c)
	if err != nil {
		return nil, g.internalError(ctx, "vault open", err)
	}
	cvv := g.cvvs.take(p.ID)
	p, v, err := g.leaveStage(ctx, token, p.ID, payment.StageAwaitingChallenge, func(p *payment.Payment) { p.Card.ThreeDS = threeDS }, nil)
	if p == nil {
		return v, err
	}
	a := authInput{pan: pan, cvv: cvv, month: c.ExpiryMonth, year: c.ExpiryYear, holder: c.HolderName, stored: c.Token != "" && p.Card.Token == c.Token && cvv == "",
		threeDS: &t}
	if p, err = g.authorize(ctx, p, a); err != nil {
		return nil, err
	}
	return g.view(ctx, token, p)
}

// CompleteIssuerAuth ends a Korean issuer's authentication: approved, the card the buyer
// chose at the issuer is authorized; cancelled, the payment fails.
func (g *Gateway) CompleteIssuerAuth(ctx context.Context, token string, approve bool) (*HostedView, error) {
	p, err := g.paymentFromToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if p.Stage != payment.StageAwaitingIssuer {
		return g.HostedPage(ctx, token)
	}
	ia, ok := g.issuer.(issuer.IssuerAuthenticator)
	if !approve || !ok {
		return g.failAtStage(ctx, token, p.ID, payment.StageAwaitingIssuer, nil,
			payment.CodeUserPaymentVerificationFail, "the buyer did not complete the card issuer's authentication")
	}
	ictx, cancel := g.issuerCtx(ctx)
	ic, err := ia.IssuerAuthenticate(ictx, p.Order.IssuerBrand)
	cancel()
	if err != nil {
		return g.failAtStage(ctx, token, p.ID, payment.StageAwaitingIssuer, nil,
			payment.CodeUserPaymentVerificationFail, "the card issuer's authentication failed")
	}
	now := g.now()
	src := &cardSource{pan: ic.Number, month: ic.ExpiryMonth, year: ic.ExpiryYear, holder: ic.HolderName, brand: p.Order.IssuerBrand}
	c, err := g.sealCard(p.MerchantID, p.Order.BuyerID, src, g.vault.Fingerprint(src.pan), false, now)
	if err != nil {
		return nil, g.internalError(ctx, "vault seal", err)
	}
	p, v, err := g.leaveStage(ctx, token, p.ID, payment.StageAwaitingIssuer, func(p *payment.Payment) {
		p.CardID = c.ID
		p.Card = payment.CardResult{Masked: card.Mask(src.pan), Brand: src.brand, BIN: card.BIN(src.pan), Last4: card.Last4(src.pan),
			ExpiryMonth: src.month, ExpiryYear: src.year}
	}, func(q store.Queries) error { return q.CardInsert(ctx, c) })
	if p == nil {
		return v, err
	}
	if p, err = g.authorize(ctx, p, authInput{pan: src.pan, month: src.month, year: src.year}); err != nil {
		return nil, err
	}
	return g.view(ctx, token, p)
}

// failAtStage fails a payment waiting for the buyer at stage from and notifies it.
func (g *Gateway) failAtStage(ctx context.Context, token, id string, from payment.Stage, threeDS *payment.ThreeDS, code, message string) (*HostedView, error) {
	err := g.tx(ctx, func(q store.Queries) error {
		p, err := q.PaymentGetForUpdate(ctx, id)
		if err != nil {
			return err
		}
		now := g.now()
		if p.Status != payment.Processing || p.Stage != from {
			return nil
		}
		if threeDS != nil {
			p.Card.ThreeDS = threeDS
		}
		p.Status, p.Stage, p.ResultCode, p.ResultMessage, p.UpdatedAt = payment.Fail, payment.StageNone, code, message, now
		p.Schedule(timeZero)
		if err := q.PaymentUpdate(ctx, p); err != nil {
			return err
		}
		return g.notifyPayment(ctx, q, p, now)
	})
	if err != nil {
		return nil, g.internalError(ctx, "fail payment", err)
	}
	g.cvvs.take(id)
	return g.HostedPage(ctx, token)
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
