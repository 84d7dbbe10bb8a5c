package checkout

import (
	"context"
	"errors"
	"strings"

	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// The vaulting form: the same pages as a payment's (the card form, the 3-D Secure
// challenge, the result), opened by a vaulting's page token, saving the card instead of
// paying. A declined card, a failed or cancelled challenge or a refusal by the card-testing
// limits ends the vaulting: the merchant opens a new one for another try.

// vaultingOf loads the vaulting a page token opens; ok is false when token is not a
// vaulting's, so the caller treats it as a payment's.
func (f *Flow) vaultingOf(ctx context.Context, token string) (v *payment.Vaulting, ok bool, err error) {
	id, ok := f.core.Tokens.VaultingOf(token)
	if !ok {
		return nil, false, nil
	}
	v, err = f.core.Store.VaultingGet(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, true, errBadToken
	}
	if err != nil {
		return nil, true, f.core.InternalError(ctx, "vaulting lookup", err)
	}
	if v, err = f.core.CloseExpiredVaulting(ctx, v); err != nil {
		return nil, true, f.core.InternalError(ctx, "close expired vaulting", err)
	}
	return v, true, nil
}

// vaultingView is the page of a vaulting as it stands.
func (f *Flow) vaultingView(ctx context.Context, token string, v *payment.Vaulting) (*HostedView, error) {
	m, err := f.core.Store.MerchantGet(ctx, v.MerchantID)
	if err != nil {
		return nil, f.core.InternalError(ctx, "merchant lookup", err)
	}
	code, message := v.Outcome()
	hv := &HostedView{
		Token: token, Step: StepResult, PaymentID: v.ID, MerchantName: m.Name, Vaulting: true,
		CardMasked: v.Card.Masked, CardBrand: v.Card.Brand, Status: v.Status, ResultCode: code, ResultMessage: message,
		RedirectURL: v.RedirectURL, ExpiresAt: v.ExpiresAt, Session: v.Session,
	}
	if v.Status == payment.Processing {
		switch v.Stage {
		case payment.StageAwaitingCard:
			hv.Step = StepCard
		case payment.StageAwaitingChallenge:
			hv.Step = StepChallenge
			if f.core.ACS != nil {
				hv.ChallengeHint = f.core.ACS.Hint()
			}
		}
	}
	return hv, nil
}

// submitVaultingCard verifies the card the buyer typed on a vaulting's form and saves it.
func (f *Flow) submitVaultingCard(ctx context.Context, token string, v *payment.Vaulting, in CardInput) (*HostedView, error) {
	if v.Status != payment.Processing || v.Stage != payment.StageAwaitingCard {
		return f.vaultingView(ctx, token, v)
	}
	now := f.core.Now()
	src := gateway.NewCardSource(in.Number, in.CVV, in.ExpiryMonth, in.ExpiryYear, strings.TrimSpace(in.HolderName))
	if errs := cardFieldErrors(src, in.Billing, now); len(errs) > 0 {
		hv, err := f.vaultingView(ctx, token, v)
		if err == nil {
			hv.FieldErrors = errs
		}
		return hv, err
	}
	c, err := f.core.Cards.Seal(v.MerchantID, "", src, false, now)
	if err != nil {
		return nil, f.core.InternalError(ctx, "vault seal", err)
	}
	refused, err := f.screen(ctx, c.Fingerprint)
	if err != nil {
		return nil, err
	}
	if refused {
		return f.failVaulting(ctx, token, v, refusal.ResultCode, refusal.Message)
	}
	a := gateway.AuthInput{PAN: src.PAN, CVV: src.CVV, Month: src.Month, Year: src.Year, Holder: src.Holder}
	if b := in.Billing; b != nil && *b != (payment.Address{}) {
		a.Billing = b
	}
	return f.verifyVaulting(ctx, token, v, gateway.VaultCard{Card: c, AuthInput: a})
}

// completeVaultingChallenge ends the 3-D Secure challenge of a vaulting: passed, the issuer
// verifies the card with its result; a wrong code or a cancel fails the vaulting.
func (f *Flow) completeVaultingChallenge(ctx context.Context, token string, v *payment.Vaulting, answer string, cancel bool) (*HostedView, error) {
	if v.Status != payment.Processing || v.Stage != payment.StageAwaitingChallenge {
		return f.vaultingView(ctx, token, v)
	}
	if !cancel && answer == "" {
		hv, err := f.vaultingView(ctx, token, v)
		if err == nil {
			hv.FieldErrors = map[string]string{"otp": payment.CodeParamIllegal}
		}
		return hv, err
	}
	if f.core.ACS == nil {
		return f.failVaulting(ctx, token, v, payment.CodeVerificationFail, "no 3-D Secure server is configured")
	}
	t, ok := f.core.ACS.Verify(ctx, v.Card.Brand, answer, cancel)
	switch {
	case cancel:
		return f.failVaulting(ctx, token, v, payment.CodeVerificationFail, "3-D Secure authentication was cancelled by the buyer")
	case !ok:
		return f.failVaulting(ctx, token, v, payment.CodeVerificationFail, "3-D Secure authentication failed: wrong code")
	}
	c, err := f.core.Store.CardGet(ctx, v.CardID)
	if err != nil {
		return nil, f.core.InternalError(ctx, "card lookup", err)
	}
	pan, err := f.core.Cards.Open(c)
	if err != nil {
		return nil, f.core.InternalError(ctx, "vault open", err)
	}
	t.Challenged = true
	a := gateway.AuthInput{PAN: pan, CVV: f.core.TakeCVV(v.ID), Month: c.ExpiryMonth, Year: c.ExpiryYear, Holder: c.HolderName, ThreeDS: &t}
	return f.verifyVaulting(ctx, token, v, gateway.VaultCard{Card: c, Stored: true, AuthInput: a})
}

// verifyVaulting has the issuer verify the card and shows the vaulting's next page; a
// decline counts against the buyer's IP and the card as a payment's does.
func (f *Flow) verifyVaulting(ctx context.Context, token string, v *payment.Vaulting, vc gateway.VaultCard) (*HostedView, error) {
	next := *v
	err := f.core.Verify(ctx, &next, vc)
	if errors.Is(err, store.ErrStale) {
		// Another tab moved it first: show it as it is now.
		return f.HostedPage(ctx, token)
	}
	if err != nil {
		return nil, f.core.InternalError(ctx, "record vaulting", err)
	}
	if next.Status == payment.Fail {
		now := f.core.Now()
		if ip := ipKey(ctx); ip != "" {
			f.ip.Decline(ip, now)
		}
		f.card.Decline(vc.Card.Fingerprint, now)
	}
	return f.vaultingView(ctx, token, &next)
}

// failVaulting fails a vaulting waiting for the buyer and shows its result.
func (f *Flow) failVaulting(ctx context.Context, token string, v *payment.Vaulting, code, message string) (*HostedView, error) {
	v, err := f.core.FailVaulting(ctx, v, code, message)
	if err != nil {
		return nil, f.core.InternalError(ctx, "fail vaulting", err)
	}
	return f.vaultingView(ctx, token, v)
}
