package gateway

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/vault"
)

// cardSource is the card a payment charges, with the PAN in memory only.
type cardSource struct {
	stored *payment.Card // paying with a saved card token
	pan    string
	cvv    string
	month  string
	year   string
	holder string
	brand  string
	// failCode is set when the card data is unusable; the payment fails without the issuer.
	failCode, failMessage string
}

// storedCard opens a saved card of the merchant's buyer. Result codes: PARAM_ILLEGAL.
func (g *Gateway) storedCard(ctx context.Context, m *payment.Merchant, token, buyerID string) (*cardSource, error) {
	c, err := g.store.CardGetByToken(ctx, m.ID, token)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.BuyerID != "" && c.BuyerID != buyerID) {
		return nil, payment.Invalid("paymentMethod.paymentMethodId", "is not a card token of this merchant and buyer")
	}
	if err != nil {
		return nil, g.internalError(ctx, "card lookup", err)
	}
	pan, err := g.openCard(c)
	if err != nil {
		return nil, g.internalError(ctx, "vault open", err)
	}
	return &cardSource{stored: c, pan: pan, month: c.ExpiryMonth, year: c.ExpiryYear, holder: c.HolderName, brand: c.Brand}, nil
}

func (g *Gateway) openCard(c *payment.Card) (string, error) {
	pan, err := g.vault.Open(vault.Sealed{KeyID: c.KeyID, Blob: c.Sealed}, []byte(c.ID))
	return string(pan), err
}

// check validates the card data; problems are kept in failCode.
func (src *cardSource) check(now time.Time) {
	var cerr *card.Error
	if errors.As(card.Validate(src.pan, src.month, src.year, src.cvv, now), &cerr) {
		src.failCode, src.failMessage = cerr.Code, cerr.Message
	}
}

// Pay starts a card payment. With card data (server-to-server) or a saved card it
// authorizes at once (and captures when captureMode is AUTOMATIC); without, or when the
// buyer must act (a saved card's CVV, 3-D Secure, a Korean issuer's authentication), it
// answers PAYMENT_IN_PROCESS with normalUrl to the hosted page. It is idempotent on
// paymentRequestId. Result codes: SUCCESS; PAYMENT_IN_PROCESS (U); the issuer's decline
// codes; INVALID_CARD_NUMBER, INVALID_EXPIRATION_DATE, CARD_EXPIRED, INVALID_CVV;
// SELECTED_CARD_BRAND_NOT_AVAILABLE; REPEAT_REQ_INCONSISTENT; PARAM_ILLEGAL; CURRENCY_NOT_SUPPORT.
func (g *Gateway) Pay(ctx context.Context, m *payment.Merchant, cmd *PayCommand) (*payment.Payment, error) {
	now := g.now()
	var src *cardSource
	var fingerprint string
	switch {
	case cmd.Token != "":
		s, err := g.storedCard(ctx, m, cmd.Token, cmd.Order.BuyerID)
		if err != nil {
			return nil, err
		}
		src = s
	case cmd.Card != nil:
		c := cmd.Card
		src = &cardSource{pan: c.Number, month: c.ExpiryMonth, year: c.ExpiryYear, holder: c.HolderName}
		if pan, ok := card.Normalize(src.pan); ok {
			src.pan = pan
		}
		src.brand = card.DetectBrand(src.pan)
	}
	if src != nil {
		src.cvv = cmd.CVV
		fingerprint = g.vault.Fingerprint(src.pan)
	}
	hash := keyHash(cmd.Amount.Currency, strconv.FormatInt(cmd.Amount.Value, 10), "CARD", cmd.Token, fingerprint, cmd.Order.IssuerBrand)

	if p, err := g.store.PaymentGetByRequestID(ctx, m.ID, cmd.RequestID); err == nil {
		return g.replayPay(ctx, p, hash)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, g.internalError(ctx, "payment lookup", err)
	}
	expiresAt := cmd.ExpiresAt
	if expiresAt.IsZero() {
		expiresAt = now.Add(payment.DefaultExpiry)
	}
	// Checked after the idempotency lookup: a retry of a payment whose expiry time has
	// passed since still gets the payment's outcome.
	if !expiresAt.After(now) {
		return nil, payment.Invalid("paymentExpiryTime", "is in the past")
	}

	p := &payment.Payment{
		ID: newID(), MerchantID: m.ID, RequestID: cmd.RequestID, KeyHash: hash, Amount: cmd.Amount,
		Status: payment.Processing, Stage: payment.StageAuthorizing, CaptureMode: cmd.CaptureMode,
		CaptureState: payment.CaptureNone, RedirectURL: cmd.RedirectURL, NotifyURL: cmd.NotifyURL, Order: cmd.Order,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: expiresAt, Version: 1,
	}
	var newCard *payment.Card
	switch {
	case src == nil && cmd.Order.IssuerBrand != "":
		p.Stage = payment.StageAwaitingIssuer
		p.Card.Brand = cmd.Order.IssuerBrand
	case src == nil:
		p.Stage = payment.StageAwaitingCard
	default:
		if src.stored == nil || src.cvv != "" {
			src.check(now)
		}
		if src.failCode != "" {
			p.Status, p.Stage, p.ResultCode, p.ResultMessage = payment.Fail, payment.StageNone, src.failCode, src.failMessage
			if card.Luhn(src.pan) {
				p.Card = payment.CardResult{Masked: card.Mask(src.pan), Brand: src.brand, BIN: card.BIN(src.pan), Last4: card.Last4(src.pan)}
			}
			break
		}
		if src.stored != nil {
			p.CardID = src.stored.ID
			p.Card = payment.CardResult{Token: src.stored.Token, Funding: src.stored.Funding, IssuingCountry: src.stored.IssuingCountry}
			if cmd.NeedCVV && src.cvv == "" {
				p.Stage = payment.StageAwaitingCVV
			}
		} else {
			c, err := g.sealCard(m.ID, cmd.Order.BuyerID, src, fingerprint, cmd.Order.Tokenize, now)
			if err != nil {
				return nil, g.internalError(ctx, "vault seal", err)
			}
			newCard, p.CardID, p.Card.Token = c, c.ID, c.Token
		}
		p.Card.Masked, p.Card.Brand, p.Card.BIN, p.Card.Last4 = card.Mask(src.pan), src.brand, card.BIN(src.pan), card.Last4(src.pan)
		p.Card.ExpiryMonth, p.Card.ExpiryYear, p.Card.HolderName = src.month, src.year, src.holder
	}
	p.Schedule(time.Time{})
	err := g.tx(ctx, func(q store.Queries) error {
		if newCard != nil {
			if err := q.CardInsert(ctx, newCard); err != nil {
				return err
			}
		}
		if err := q.PaymentInsert(ctx, p); err != nil {
			return err
		}
		if p.Status == payment.Fail {
			return g.notifyPayment(ctx, q, p, now)
		}
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		existing, gerr := g.store.PaymentGetByRequestID(ctx, m.ID, cmd.RequestID)
		if gerr != nil {
			return nil, g.internalError(ctx, "payment lookup after conflict", gerr)
		}
		return g.replayPay(ctx, existing, hash)
	}
	if err != nil {
		return nil, g.internalError(ctx, "payment insert", err)
	}
	if p.Stage == payment.StageAuthorizing {
		a := authInput{pan: src.pan, cvv: src.cvv, month: src.month, year: src.year, holder: src.holder,
			stored: src.stored != nil, nti: cmd.NetworkTransactionID, threeDS: cmd.ThreeDS}
		if cmd.Card != nil {
			a.billing = cmd.Card.Billing
		}
		if p, err = g.authorize(ctx, p, a); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// sealCard puts a card into the vault: the PAN encrypted under the active key, with the
// card's id as associated data so that a blob cannot be moved to another record.
func (g *Gateway) sealCard(merchantID, buyerID string, src *cardSource, fingerprint string, tokenize bool, now time.Time) (*payment.Card, error) {
	c := &payment.Card{
		ID: newID(), MerchantID: merchantID, BuyerID: buyerID, Fingerprint: fingerprint, Brand: src.brand,
		BIN: card.BIN(src.pan), Last4: card.Last4(src.pan), ExpiryMonth: src.month, ExpiryYear: src.year,
		HolderName: src.holder, CreatedAt: now,
	}
	if tokenize {
		c.Token = vault.NewToken()
	}
	sealed, err := g.vault.Seal([]byte(src.pan), []byte(c.ID))
	if err != nil {
		return nil, err
	}
	c.KeyID, c.Sealed = sealed.KeyID, sealed.Blob
	return c, nil
}

// replayPay answers a repeated pay: the same outcome for the same key parameters, once the
// original has left the issuer.
func (g *Gateway) replayPay(ctx context.Context, p *payment.Payment, hash string) (*payment.Payment, error) {
	if p.KeyHash != hash {
		return nil, payment.NewError(payment.CodeRepeatReqInconsistent, "paymentRequestId was used before with a different amount or payment method; repeat it exactly or use a new paymentRequestId")
	}
	return g.waitPayment(ctx, p)
}

// waitPayment waits, within the duplicate-wait budget, for an authorization in flight to
// be recorded, so that concurrent duplicates answer with the original's outcome.
func (g *Gateway) waitPayment(ctx context.Context, p *payment.Payment) (*payment.Payment, error) {
	deadline := time.Now().Add(g.dupWait)
	for p.Status == payment.Processing && p.Stage == payment.StageAuthorizing && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return p, nil
		case <-time.After(20 * time.Millisecond):
		}
		next, err := g.store.PaymentGet(ctx, p.MerchantID, p.ID)
		if err != nil {
			return nil, g.internalError(ctx, "payment reload", err)
		}
		p = next
	}
	return p, nil
}

// authInput is what an authorization needs beyond the payment, in memory only.
type authInput struct {
	pan, cvv, month, year, holder string
	billing                       *payment.Address
	threeDS                       *payment.ThreeDS // from the merchant's MPI or our challenge
	stored                        bool
	nti                           string
}

// authorize asks the issuer and records its answer. A card that needs 3-D Secure (or a
// soft decline, when the merchant allowed the upgrade) goes to the challenge, with the CVV
// kept in memory for the second authorization.
func (g *Gateway) authorize(ctx context.Context, p *payment.Payment, a authInput) (*payment.Payment, error) {
	req := issuer.AuthRequest{
		Reference: p.ID, MerchantID: p.MerchantID, Currency: p.Amount.Currency, Amount: p.Amount.Value,
		Card:     issuer.Card{Number: a.pan, ExpiryMonth: a.month, ExpiryYear: a.year, CVV: a.cvv, HolderName: a.holder, Billing: a.billing},
		Force3DS: p.Order.Force3DS, ThreeDS: a.threeDS, StoredCredential: a.stored, NetworkTransactionID: a.nti,
	}
	ictx, cancel := g.issuerCtx(ctx)
	defer cancel()
	res, err := g.issuer.Authorize(ictx, req)
	if err != nil {
		// The issuer did not answer: keep the payment processing and ask again later, as
		// a timeout with a real acquirer would require.
		g.log.WarnContext(ctx, "issuer authorize failed", "payment", p.ID, "err", err)
		res = issuer.AuthResult{Outcome: issuer.Pending, ResultCode: payment.CodePaymentInProcess, RetryAfter: g.now().Add(30 * time.Second)}
	}
	if res.Outcome == issuer.Declined && res.ResultCode == payment.CodeAuthenticationRequired && p.Order.AuthUpgrade && a.threeDS == nil {
		res.Outcome = issuer.ChallengeRequired
	}
	if res.Outcome == issuer.ChallengeRequired {
		g.cvvs.put(p.ID, a.cvv, p.ExpiresAt)
	}
	return g.recordAuth(ctx, p.ID, a.threeDS, res)
}
