package gateway

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/vault"
)

// VaultCard is the card a vaulting verifies: sealed in Card, in clear in the AuthInput,
// which lives in memory only. Stored says Card is in the store already (it was given
// before a 3-D Secure challenge); else it is written with the vaulting's answer.
type VaultCard struct {
	Card   *payment.Card
	Stored bool
	AuthInput
}

// Verify asks the card's issuer to verify it (an authorization of no amount) and records the
// answer for v: a new vaulting (Version 0) is inserted with its card, one that waited for the
// buyer is updated if it is still at the version read. Approved, the card gets its token;
// the issuer asking for 3-D Secure sends the buyer to the challenge, with the CVV kept in
// memory for the verification that follows; a refusal fails the vaulting with
// VERIFICATION_FAIL. A final answer writes notifyVaulting in the same transaction. The
// caller handles store.ErrConflict (a duplicate request id) and store.ErrStale (the
// vaulting moved).
func (c *Core) Verify(ctx context.Context, v *payment.Vaulting, vc VaultCard) error {
	req := issuer.AuthRequest{
		Reference: "vault-" + v.ID + "-" + strconv.FormatInt(v.Version, 10), MerchantID: v.MerchantID, Verification: true,
		Card:     issuer.Card{Number: vc.PAN, ExpiryMonth: vc.Month, ExpiryYear: vc.Year, CVV: vc.CVV, HolderName: vc.Holder, Billing: vc.Billing},
		Force3DS: v.Force3DS, ThreeDS: vc.ThreeDS,
	}
	ictx, cancel := c.IssuerCtx(ctx)
	res, err := c.Issuer.Authorize(ictx, req)
	cancel()
	if err != nil {
		c.Log.WarnContext(ctx, "issuer verification failed", "vaulting", v.ID, "err", err)
		res = issuer.AuthResult{Outcome: issuer.Pending}
	}
	now := c.Now()
	card := vc.Card
	v.CardID, v.UpdatedAt = card.ID, now
	v.Card = (&CardSource{PAN: vc.PAN, Month: vc.Month, Year: vc.Year, Holder: vc.Holder, Brand: card.Brand}).Result()
	v.Card.AVS, v.Card.CVV = res.AVSResult, res.CVVResult
	if res.CardBrand != "" {
		card.Brand, v.Card.Brand = res.CardBrand, res.CardBrand
	}
	switch {
	case res.ThreeDS != nil:
		v.Card.ThreeDS = res.ThreeDS
	case vc.ThreeDS != nil:
		v.Card.ThreeDS = vc.ThreeDS
	}
	switch res.Outcome {
	case issuer.Approved:
		card.Token, card.Funding, card.IssuingCountry = vault.NewToken(), res.Funding, res.IssuingCountry
		v.Card.Token, v.Card.Funding, v.Card.IssuingCountry = card.Token, res.Funding, res.IssuingCountry
		v.Status, v.Stage, v.ResultCode, v.ResultMessage = payment.Success, payment.StageNone, payment.CodeSuccess, "success"
	case issuer.ChallengeRequired:
		v.Stage, v.ExpiresAt = payment.StageAwaitingChallenge, now.Add(payment.VaultingExpiry)
	case issuer.Declined:
		v.Status, v.Stage, v.ResultCode = payment.Fail, payment.StageNone, payment.CodeVerificationFail
		v.ResultMessage = "the issuer refused the card (" + res.ResultCode + "): " + res.Message
	default:
		// A verification holds nothing, so one the issuer has not decided is not worth
		// waiting for: the merchant tries again with a new vaultingRequestId.
		v.Status, v.Stage, v.ResultCode = payment.Fail, payment.StageNone, payment.CodeProcessFail
		v.ResultMessage = "the issuer did not answer the verification; retry with a new vaultingRequestId"
	}
	err = c.Tx(ctx, func(q store.Tx) error {
		switch {
		case !vc.Stored:
			if err := q.CardInsert(ctx, card); err != nil {
				return err
			}
		case card.Token != "":
			if err := q.CardTokenize(ctx, card); err != nil {
				return err
			}
		}
		if v.Version == 0 {
			v.Version = 1
			if err := q.VaultingInsert(ctx, v); err != nil {
				v.Version = 0
				return err
			}
		} else if err := q.VaultingUpdate(ctx, v); err != nil {
			return err
		}
		return c.NotifyVaulting(ctx, q, v, now)
	})
	if err == nil && v.Stage == payment.StageAwaitingChallenge {
		c.cvvs.put(v.ID, vc.CVV, v.ExpiresAt)
	}
	return err
}

// NotifyVaulting writes notifyVaulting for v in the transaction of q, once v is final.
func (c *Core) NotifyVaulting(ctx context.Context, q store.Tx, v *payment.Vaulting, now time.Time) error {
	if v.Status == payment.Processing {
		return nil
	}
	return c.notify(ctx, q, v.MerchantID, v.ID, payment.NotifyVaulting, v.NotifyURL, now, func() ([]byte, error) { return c.bodies.Vaulting(v) })
}

// CloseExpiredVaulting fails v, a vaulting still waiting for the buyer past its expiry time
// (FailVaulting); it returns v as it stands.
func (c *Core) CloseExpiredVaulting(ctx context.Context, v *payment.Vaulting) (*payment.Vaulting, error) {
	if v.Status != payment.Processing || c.Now().Before(v.ExpiresAt) {
		return v, nil
	}
	return c.FailVaulting(ctx, v, payment.CodeProcessFail, "the card was not verified before the vaulting expired")
}

// FailVaulting fails v, still processing at the version read, with code and notifies it;
// one that moved meanwhile is read again. It returns v as it stands.
func (c *Core) FailVaulting(ctx context.Context, v *payment.Vaulting, code, message string) (*payment.Vaulting, error) {
	now := c.Now()
	failed := *v
	failed.Status, failed.Stage, failed.UpdatedAt, failed.ResultCode, failed.ResultMessage = payment.Fail, payment.StageNone, now, code, message
	err := c.Tx(ctx, func(q store.Tx) error {
		if err := q.VaultingUpdate(ctx, &failed); err != nil {
			return err
		}
		return c.NotifyVaulting(ctx, q, &failed, now)
	})
	c.cvvs.take(v.ID)
	if errors.Is(err, store.ErrStale) {
		return c.Store.VaultingGet(ctx, v.ID)
	}
	if err != nil {
		return nil, err
	}
	return &failed, nil
}
