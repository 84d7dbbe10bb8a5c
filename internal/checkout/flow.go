// Package checkout is the buyer's side of a payment: what the hosted page and the browser
// SDK's card form show at each step, and what the buyer's input does: the card, a saved
// card's CVV, the 3-D Secure challenge, a Korean issuer's authentication. Pages find a
// payment by the token in its normalUrl; each step is a conditional write, so a page posted
// twice, or in two tabs, moves the payment once. The limits against card testing (a bound on
// the cards one payment takes, delays and refusals for buyer IPs and cards with too many
// declines) are in limits.go.
package checkout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/limit"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

var errBadToken = payment.NewError(payment.CodeOrderNotExist, "no such payment page")

// paymentFromToken checks a page token and loads its payment.
func (f *Flow) paymentFromToken(ctx context.Context, token string) (*payment.Payment, error) {
	id, ok := f.core.Tokens.PaymentOf(token)
	if !ok {
		return nil, errBadToken
	}
	p, err := f.core.Store.PaymentGet(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errBadToken
	}
	if err != nil {
		return nil, f.core.InternalError(ctx, "payment lookup", err)
	}
	return p, nil
}

// HostedPage says what the buyer's page for token shows now. A payment found past its
// expiry time is closed on the spot, so the buyer and the merchant learn it at once.
func (f *Flow) HostedPage(ctx context.Context, token string) (*HostedView, error) {
	if v, ok, err := f.vaultingOf(ctx, token); ok {
		if err != nil {
			return nil, err
		}
		return f.vaultingView(ctx, token, v)
	}
	p, err := f.paymentFromToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if p.Status == payment.Processing && !f.core.Now().Before(p.ExpiresAt) {
		if err := f.core.CloseExpired(ctx, p.ID); err != nil {
			return nil, f.core.InternalError(ctx, "close expired payment", err)
		}
		if p, err = f.paymentFromToken(ctx, token); err != nil {
			return nil, err
		}
	}
	return f.view(ctx, token, p)
}

func (f *Flow) view(ctx context.Context, token string, p *payment.Payment) (*HostedView, error) {
	m, err := f.core.Store.MerchantGet(ctx, p.MerchantID)
	if err != nil {
		return nil, f.core.InternalError(ctx, "merchant lookup", err)
	}
	code, message := p.Outcome()
	v := &HostedView{
		Token: token, Step: StepResult, PaymentID: p.ID, MerchantName: m.Name, MerchantLogo: m.LogoDigest, OrderDescription: p.Order.Description,
		// Under a payment quote the buyer is shown what the card is charged.
		Amount:          p.Charged(p.Amount),
		SaveCardOffered: p.Order.Tokenize, CardMasked: p.Card.Masked, CardBrand: p.Card.Brand, TerminalType: p.Order.TerminalType,
		DeviceLanguage: p.Order.DeviceLanguage,
		Status:         p.Status, ResultCode: code, ResultMessage: message, RedirectURL: p.RedirectURL,
		ExpiresAt: p.ExpiresAt, Expired: p.Status == payment.Fail && p.ResultCode == payment.CodeOrderIsClosed,
		Session: p.Order.Session, CollectInstallments: p.Order.CollectInstallments,
	}
	if p.Order.Plan != nil {
		v.PlanCount = p.Order.Plan.Count
	}
	if p.Status == payment.Processing && p.Stage == payment.StageAwaitingCVV {
		// The saved card is known: its plans are on its CVV page from the start. A failed
		// look-up (logged) leaves none, and the card pays in full, as on the card form.
		v.Plans, _ = f.plansFor(ctx, p, p.Card.BIN)
	}
	if p.Status == payment.Processing && p.ResultCode != "" {
		v.DeclineCode, v.DeclineMessage = p.ResultCode, p.ResultMessage
	}
	v.AnotherCard = anotherCardOffered(p)
	if p.Status == payment.Processing {
		switch p.Stage {
		case payment.StageAwaitingCard:
			v.Step = StepCard
		case payment.StageAwaitingCVV:
			v.Step = StepCVV
		case payment.StageAwaitingChallenge:
			v.Step = StepChallenge
			if f.core.ACS != nil {
				v.ChallengeHint = f.core.ACS.Hint()
			}
		case payment.StageAwaitingIssuer:
			v.Step, v.IssuerBrand = StepIssuer, p.Order.IssuerBrand
		}
	}
	return v, nil
}

// anotherCardOffered says whether the buyer, at a saved card's CVV or at a 3-D Secure
// challenge, may leave that card for another: on the saved card's page, and at a challenge
// of a card the buyer chose on cashier's pages (counted in CardAttempts). A challenge of the
// card the merchant's server sent with pay is that card's only: the merchant chose it.
func anotherCardOffered(p *payment.Payment) bool {
	if p.Status != payment.Processing {
		return false
	}
	return p.Stage == payment.StageAwaitingCVV || p.Stage == payment.StageAwaitingChallenge && p.CardAttempts > 0
}

// UseAnotherCard takes the buyer from a saved card's CVV page or a 3-D Secure challenge
// back to the card form, as a decline does: the payment stays open and the merchant hears
// only of its final result. Where it is not offered, or the payment has moved on, it
// answers the page as it is.
func (f *Flow) UseAnotherCard(ctx context.Context, token string) (*HostedView, error) {
	p, err := f.paymentFromToken(ctx, token)
	if err != nil {
		return nil, err
	}
	moved := false
	err = f.core.Tx(ctx, func(q store.Tx) error {
		p, err := q.PaymentLock(ctx, p.ID)
		if err != nil {
			return err
		}
		if !anotherCardOffered(p) || !f.core.Now().Before(p.ExpiresAt) {
			return nil
		}
		moved = true
		p.Stage = payment.StageAwaitingCard
		p.ResultCode, p.ResultMessage = "", "" // nothing was declined
		p.Order.ChallengeFailures = 0
		return q.PaymentUpdate(ctx, p)
	})
	if err != nil {
		return nil, f.core.InternalError(ctx, "use another card", err)
	}
	if moved {
		f.core.TakeCVV(p.ID) // held for the challenged card's authorization, which is not coming
	}
	return f.HostedPage(ctx, token)
}

// MerchantLogo is the logo a merchant has now under digest, nil when none has: the pages
// serve it by digest, which changes with the image.
func (f *Flow) MerchantLogo(ctx context.Context, digest string) (*payment.Logo, error) {
	l, err := f.core.Store.MerchantLogo(ctx, digest)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return l, err
}

// leaveStage moves a payment that waits for the buyer at stage from to authorizing, with
// change applied, in one conditional write. It answers the current view (and a nil payment)
// when the payment is no longer there: paid in another tab, cancelled, or expired. A card
// attempt is counted in that write, under the payment's lock, so that attempts posted at
// once cannot pass the bound; a payment found with none left closes instead.
func (f *Flow) leaveStage(ctx context.Context, token string, id string, from payment.Stage, attempt bool, change func(*payment.Payment), extra func(store.Tx) error) (*payment.Payment, *HostedView, error) {
	var p *payment.Payment
	moved, closed := false, false
	err := f.core.Tx(ctx, func(q store.Tx) error {
		var err error
		if p, err = q.PaymentLock(ctx, id); err != nil {
			return err
		}
		now := f.core.Now()
		if p.Status != payment.Processing || p.Stage != from || !now.Before(p.ExpiresAt) {
			moved = true
			return nil
		}
		if attempt && f.atBound(p) {
			// Left waiting at its bound (a crash, or a post racing the close): close it now.
			moved, closed = true, true
			return f.fail(ctx, q, p, payment.CodeRiskReject, boundMessage(p.CardAttempts), now)
		}
		if attempt {
			p.CardAttempts++
		}
		if extra != nil {
			if err := extra(q); err != nil {
				return err
			}
		}
		change(p)
		f.core.BeginAuthorization(p, now)
		return q.PaymentUpdate(ctx, p)
	})
	if err != nil {
		return nil, nil, f.core.InternalError(ctx, "hosted step", err)
	}
	if closed {
		f.cfg.Refused("payment")
	}
	if moved {
		v, err := f.HostedPage(ctx, token)
		return nil, v, err
	}
	return p, nil, nil
}

// SubmitCard takes the card the buyer typed on the hosted page and authorizes it.
func (f *Flow) SubmitCard(ctx context.Context, token string, in CardInput) (*HostedView, error) {
	if v, ok, err := f.vaultingOf(ctx, token); ok {
		if err != nil {
			return nil, err
		}
		return f.submitVaultingCard(ctx, token, v, in)
	}
	p, err := f.paymentFromToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if p.Stage != payment.StageAwaitingCard {
		return f.HostedPage(ctx, token)
	}
	now := f.core.Now()
	number := in.Number
	if number == "" && in.CardRef != "" {
		// The form that asked for a choice kept the card; a kept number that does not open
		// is asked for again, as a blank one.
		number, _ = f.core.Cards.OpenFromPage(in.CardRef, p.ID)
	}
	src := gateway.NewCardSource(number, in.CVV, in.ExpiryMonth, in.ExpiryYear, strings.TrimSpace(in.HolderName))
	errs := cardFieldErrors(src, in.Billing, now)
	if in.Brand != "" && errs["cardNo"] == "" && !src.SelectBrand(in.Brand) {
		// The form offers only the brands of the typed number: another one was not typed here.
		errs["cardNo"] = payment.CodeSelectedCardBrandUnavailable
	}
	plan, ok := chosenPlan(p.Order, in.Installments)
	if !ok {
		errs["installments"] = payment.CodeParamIllegal
	}
	// A form that could not offer the card's choices learns them now, and one that offered
	// them keeps them when it comes back with errors.
	var choice *CardChoice
	var plans []PlanOption
	if errs["cardNo"] == "" && (in.Undecided || in.CardRef != "" && len(errs) > 0) {
		if choice, plans, err = f.cardChoice(ctx, p, src); err != nil {
			return nil, err
		}
	}
	if len(errs) > 0 || in.Undecided && choice != nil {
		v, err := f.view(ctx, token, p)
		if err == nil {
			if len(errs) > 0 {
				v.FieldErrors = errs
			}
			if choice != nil {
				v.Choice, v.Plans = choice, plans
				if !in.Undecided {
					v.PlanCount = max(in.Installments, 0)
				}
			}
		}
		return v, err
	}
	c, err := f.core.Cards.Seal(p.MerchantID, p.Order.BuyerID, src, p.Order.Tokenize && in.SaveCard, now)
	if err != nil {
		return nil, f.core.InternalError(ctx, "vault seal", err)
	}
	refused, err := f.screen(ctx, c.Fingerprint)
	if err != nil {
		return nil, err
	}
	p, v, err := f.leaveStage(ctx, token, p.ID, payment.StageAwaitingCard, true, func(p *payment.Payment) {
		p.CardID = c.ID
		p.Card = src.Result()
		p.Card.Token = c.Token
		p.Order.Plan = plan
	}, func(q store.Tx) error { return q.CardInsert(ctx, c) })
	if p == nil {
		return v, err
	}
	a := gateway.AuthInput{PAN: src.PAN, CVV: src.CVV, Month: src.Month, Year: src.Year, Holder: src.Holder}
	if b := in.Billing; b != nil && *b != (payment.Address{}) {
		a.Billing = b
	}
	if p, err = f.authorize(ctx, p, a, refused, c.Fingerprint); err != nil {
		return nil, err
	}
	return f.afterAuth(ctx, token, p)
}

// authorize asks the issuer about a card attempt and counts a decline against the buyer's
// IP and the card; a refused attempt is recorded as the gateway's own decline, without
// the issuer.
func (f *Flow) authorize(ctx context.Context, p *payment.Payment, a gateway.AuthInput, refused bool, fp string) (*payment.Payment, error) {
	if refused {
		return f.core.RecordAuth(ctx, p, nil, refusal)
	}
	p, err := f.core.Authorize(ctx, p, a)
	if err == nil {
		f.countDecline(ctx, p, fp)
	}
	return p, err
}

// cardFieldErrors checks each field of a card form; keys are form field names.
func cardFieldErrors(src *gateway.CardSource, billing *payment.Address, now time.Time) map[string]string {
	errs := map[string]string{}
	if _, ok := card.Normalize(src.PAN); !ok || !card.Luhn(src.PAN) {
		errs["cardNo"] = payment.CodeInvalidCardNumber
	} else if !card.Recognized(src.PAN) {
		errs["cardNo"] = payment.CodeCardNotSupported
	}
	var cerr *card.Error
	if errors.As(card.ValidExpiry(src.Month, src.Year, now), &cerr) {
		errs["expiryMonth"] = cerr.Code
	}
	if !card.ValidCVV(src.CVV, src.Brand) {
		errs["cvv"] = payment.CodeInvalidCVV
	}
	if src.Holder == "" || !payment.PlainText(src.Holder, payment.HolderNameLimit) {
		errs["holderName"] = payment.CodeParamIllegal
	}
	// The billing address is stored and sent on as typed: it is held to the API's limits,
	// and a NUL, which PostgreSQL cannot store, never reaches the store.
	if billing != nil {
		for name, v := range billing.Fields() {
			if !payment.PlainText(v, payment.AddressLimits[name]) {
				errs[name] = payment.CodeParamIllegal
			}
		}
	}
	return errs
}

// SubmitCVV takes the CVV of a saved card and authorizes the payment with it, in the
// installment plan chosen on the page when the session collects installments (installments
// as CardInput's). In a session the CVV may be empty: the merchant's page did not ask for it
// (needCVV false).
func (f *Flow) SubmitCVV(ctx context.Context, token, cvv string, installments int) (*HostedView, error) {
	p, err := f.paymentFromToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if p.Stage != payment.StageAwaitingCVV {
		return f.HostedPage(ctx, token)
	}
	errs := map[string]string{}
	if !card.ValidCVV(cvv, p.Card.Brand) && !(cvv == "" && p.Order.Session) {
		errs["cvv"] = payment.CodeInvalidCVV
	}
	plan, ok := chosenPlan(p.Order, installments)
	if !ok {
		errs["installments"] = payment.CodeParamIllegal
	}
	if len(errs) > 0 {
		v, err := f.view(ctx, token, p)
		if err == nil {
			v.FieldErrors = errs
			v.PlanCount = max(installments, 0)
		}
		return v, err
	}
	c, err := f.core.Store.CardGet(ctx, p.CardID)
	if err != nil {
		return nil, f.core.InternalError(ctx, "card lookup", err)
	}
	pan, err := f.core.Cards.Open(c)
	if err != nil {
		return nil, f.core.InternalError(ctx, "vault open", err)
	}
	refused, err := f.screen(ctx, c.Fingerprint)
	if err != nil {
		return nil, err
	}
	p, v, err := f.leaveStage(ctx, token, p.ID, payment.StageAwaitingCVV, true, func(p *payment.Payment) {
		p.Order.Plan = plan
	}, nil)
	if p == nil {
		return v, err
	}
	a := gateway.AuthInput{PAN: pan, CVV: cvv, Month: c.ExpiryMonth, Year: c.ExpiryYear, Holder: c.HolderName, Stored: true}
	if p, err = f.authorize(ctx, p, a, refused, c.Fingerprint); err != nil {
		return nil, err
	}
	return f.afterAuth(ctx, token, p)
}

// ChallengeTries is how many codes the buyer may type in one 3-D Secure challenge, as an
// issuer's ACS allows a few before it fails the authentication.
const ChallengeTries = 3

// CompleteChallenge ends the 3-D Secure challenge with the buyer's answer: authenticated by
// the ACS, the card is authorized with the result. A wrong code is asked again (the view
// has an "otp" field error) until the buyer has typed ChallengeTries of them; then, or when
// cancelled, the payment fails with USER_PAYMENT_VERIFICATION_FAILED. A blank code is a slip,
// not a try.
func (f *Flow) CompleteChallenge(ctx context.Context, token, answer string, cancel bool) (*HostedView, error) {
	if v, ok, err := f.vaultingOf(ctx, token); ok {
		if err != nil {
			return nil, err
		}
		return f.completeVaultingChallenge(ctx, token, v, answer, cancel)
	}
	p, err := f.paymentFromToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if p.Stage != payment.StageAwaitingChallenge {
		return f.HostedPage(ctx, token)
	}
	if !cancel && answer == "" {
		return f.askCodeAgain(ctx, token, payment.CodeParamIllegal)
	}
	if f.core.ACS == nil {
		return f.failAtStage(ctx, token, p.ID, payment.StageAwaitingChallenge, nil,
			payment.CodeUserPaymentVerificationFail, "no 3-D Secure server is configured")
	}
	t, ok := f.core.ACS.Verify(ctx, p.Card.Brand, answer, cancel)
	threeDS := &payment.ThreeDS{Version: t.Version, ECI: t.ECI, CAVV: t.CAVV, DSTransactionID: t.DSTransactionID, Challenged: true}
	if !ok && !cancel {
		return f.wrongCode(ctx, token, p.ID, threeDS)
	}
	if !ok {
		return f.failAtStage(ctx, token, p.ID, payment.StageAwaitingChallenge, threeDS,
			payment.CodeUserPaymentVerificationFail, "3-D Secure authentication was cancelled by the buyer")
	}
	c, err := f.core.Store.CardGet(ctx, p.CardID)
	if err != nil {
		return nil, f.core.InternalError(ctx, "card lookup", err)
	}
	pan, err := f.core.Cards.Open(c)
	if err != nil {
		return nil, f.core.InternalError(ctx, "vault open", err)
	}
	cvv := f.core.TakeCVV(p.ID)
	p, v, err := f.leaveStage(ctx, token, p.ID, payment.StageAwaitingChallenge, false, func(p *payment.Payment) {
		p.Card.ThreeDS = threeDS
		p.Order.ChallengeFailures = 0 // a declined card's next challenge starts afresh
	}, nil)
	if p == nil {
		return v, err
	}
	a := gateway.AuthInput{PAN: pan, CVV: cvv, Month: c.ExpiryMonth, Year: c.ExpiryYear, Holder: c.HolderName, Stored: c.Token != "" && p.Card.Token == c.Token && cvv == "",
		ThreeDS: &t}
	if p, err = f.core.Authorize(ctx, p, a); err != nil {
		return nil, err
	}
	return f.afterAuth(ctx, token, p)
}

// CompleteIssuerAuth ends a Korean issuer's authentication: approved, the card the buyer
// chose at the issuer is authorized; cancelled, the payment fails.
func (f *Flow) CompleteIssuerAuth(ctx context.Context, token string, approve bool) (*HostedView, error) {
	p, err := f.paymentFromToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if p.Stage != payment.StageAwaitingIssuer {
		return f.HostedPage(ctx, token)
	}
	ia, ok := f.core.Issuer.(issuer.IssuerAuthenticator)
	if !approve || !ok {
		return f.failAtStage(ctx, token, p.ID, payment.StageAwaitingIssuer, nil,
			payment.CodeUserPaymentVerificationFail, "the buyer did not complete the card issuer's authentication")
	}
	ictx, cancel := f.core.IssuerCtx(ctx)
	ic, err := ia.IssuerAuthenticate(ictx, p.Order.IssuerBrand)
	cancel()
	if err != nil {
		return f.failAtStage(ctx, token, p.ID, payment.StageAwaitingIssuer, nil,
			payment.CodeUserPaymentVerificationFail, "the card issuer's authentication failed")
	}
	now := f.core.Now()
	src := &gateway.CardSource{PAN: ic.Number, Month: ic.ExpiryMonth, Year: ic.ExpiryYear, Holder: ic.HolderName, Brand: p.Order.IssuerBrand}
	c, err := f.core.Cards.Seal(p.MerchantID, p.Order.BuyerID, src, false, now)
	if err != nil {
		return nil, f.core.InternalError(ctx, "vault seal", err)
	}
	p, v, err := f.leaveStage(ctx, token, p.ID, payment.StageAwaitingIssuer, false, func(p *payment.Payment) {
		p.CardID = c.ID
		p.Card = src.Result()
		p.Card.HolderName = "" // the issuer's page names no cardholder
	}, func(q store.Tx) error { return q.CardInsert(ctx, c) })
	if p == nil {
		return v, err
	}
	if p, err = f.core.Authorize(ctx, p, gateway.AuthInput{PAN: src.PAN, Month: src.Month, Year: src.Year}); err != nil {
		return nil, err
	}
	return f.view(ctx, token, p)
}

// wrongCode counts a wrong 3-D Secure code: the challenge is shown again with the error
// while tries are left, else the payment fails with the ACS's result.
func (f *Flow) wrongCode(ctx context.Context, token, id string, threeDS *payment.ThreeDS) (*HostedView, error) {
	again := false
	err := f.atStage(ctx, id, payment.StageAwaitingChallenge, func(q store.Tx, p *payment.Payment, now time.Time) error {
		p.Order.ChallengeFailures++
		if p.Order.ChallengeFailures >= ChallengeTries {
			p.Card.ThreeDS = threeDS
			return f.fail(ctx, q, p, payment.CodeUserPaymentVerificationFail,
				fmt.Sprintf("3-D Secure authentication failed: %d wrong codes", p.Order.ChallengeFailures), now)
		}
		again = true
		p.UpdatedAt = now
		return q.PaymentUpdate(ctx, p)
	})
	if err != nil {
		return nil, f.core.InternalError(ctx, "wrong 3-D Secure code", err)
	}
	if !again {
		f.core.TakeCVV(id)
		return f.HostedPage(ctx, token)
	}
	return f.askCodeAgain(ctx, token, payment.CodeUserPaymentVerificationFail)
}

// askCodeAgain shows the challenge again with code as the error of its code field; the
// payment's page as it is when it has moved on meanwhile.
func (f *Flow) askCodeAgain(ctx context.Context, token, code string) (*HostedView, error) {
	v, err := f.HostedPage(ctx, token)
	if err == nil && v.Step == StepChallenge {
		v.FieldErrors = map[string]string{"otp": code}
	}
	return v, err
}

// failAtStage fails a payment waiting for the buyer at stage from and notifies it.
func (f *Flow) failAtStage(ctx context.Context, token, id string, from payment.Stage, threeDS *payment.ThreeDS, code, message string) (*HostedView, error) {
	err := f.atStage(ctx, id, from, func(q store.Tx, p *payment.Payment, now time.Time) error {
		if threeDS != nil {
			p.Card.ThreeDS = threeDS
		}
		return f.fail(ctx, q, p, code, message, now)
	})
	if err != nil {
		return nil, f.core.InternalError(ctx, "fail payment", err)
	}
	f.core.TakeCVV(id)
	return f.HostedPage(ctx, token)
}

// atStage runs change on payment id under its lock, in one transaction, if the payment
// still waits for the buyer at stage from; else it does nothing.
func (f *Flow) atStage(ctx context.Context, id string, from payment.Stage, change func(q store.Tx, p *payment.Payment, now time.Time) error) error {
	return f.core.Tx(ctx, func(q store.Tx) error {
		p, err := q.PaymentLock(ctx, id)
		if err != nil {
			return err
		}
		if p.Status != payment.Processing || p.Stage != from {
			return nil
		}
		return change(q, p, f.core.Now())
	})
}

// fail fails p with code and writes its notification, in the transaction of q.
func (f *Flow) fail(ctx context.Context, q store.Tx, p *payment.Payment, code, message string, now time.Time) error {
	p.Status, p.Stage, p.ResultCode, p.ResultMessage, p.UpdatedAt = payment.Fail, payment.StageNone, code, message, now
	p.Schedule(time.Time{})
	if err := q.PaymentUpdate(ctx, p); err != nil {
		return err
	}
	return f.core.NotifyPayment(ctx, q, p, now)
}

// Flow runs the buyer's steps on the core every actor shares.
type Flow struct {
	core     *gateway.Core
	cfg      Config
	ip, card *limit.Declines
}

// New builds the buyer's flow on core.
func New(core *gateway.Core, cfg Config) *Flow {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Refused == nil {
		cfg.Refused = func(string) {}
	}
	if cfg.Delayed == nil {
		cfg.Delayed = func(string, time.Duration) {}
	}
	return &Flow{core: core, cfg: cfg, ip: limit.NewDeclines(cfg.Limits.IP), card: limit.NewDeclines(cfg.Limits.Card)}
}
