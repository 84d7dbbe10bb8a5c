package gateway

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/vault"
)

// payInput is a validated pay request.
type payInput struct {
	amount      payment.Amount
	captureMode string
	expiresAt   time.Time
	meta        ams.CardMetaData
	token       string
	order       payment.Order
	notifyURL   string
	redirectURL string
	requestID   string
}

var terminalTypes = map[string]bool{"WEB": true, "WAP": true, "APP": true, "MINI_APP": true}

// parsePay checks a pay request field by field. Result codes: PARAM_ILLEGAL,
// CURRENCY_NOT_SUPPORT.
func parsePay(req *ams.PayRequest, now time.Time) (*payInput, *payment.Error) {
	in := &payInput{requestID: req.PaymentRequestID, notifyURL: req.PaymentNotifyURL, redirectURL: req.PaymentRedirectURL}
	if req.ProductCode != ams.ProductCashierPayment {
		if req.ProductCode == "" {
			return nil, paramError("productCode", "is required")
		}
		return nil, paramError("productCode", "must be CASHIER_PAYMENT")
	}
	if err := requireRequestID("paymentRequestId", req.PaymentRequestID); err != nil {
		return nil, err
	}
	amount, perr := parseAmount("paymentAmount", req.PaymentAmount)
	if perr != nil {
		return nil, perr
	}
	in.amount = amount
	if req.Order == nil {
		return nil, paramError("order", "is required")
	}
	if err := requireString("order.referenceOrderId", req.Order.ReferenceOrderID, 64); err != nil {
		return nil, err
	}
	if err := requireString("order.orderDescription", req.Order.OrderDescription, 256); err != nil {
		return nil, err
	}
	if req.Order.OrderAmount != nil {
		if _, err := parseAmount("order.orderAmount", req.Order.OrderAmount); err != nil {
			return nil, err
		}
	}
	in.order = payment.Order{ReferenceOrderID: req.Order.ReferenceOrderID, Description: req.Order.OrderDescription}
	if b := req.Order.Buyer; b != nil {
		if err := maxString("order.buyer.referenceBuyerId", b.ReferenceBuyerID, 64); err != nil {
			return nil, err
		}
		in.order.BuyerID = b.ReferenceBuyerID
	}
	if req.Env == nil || req.Env.TerminalType == "" {
		return nil, paramError("env.terminalType", "is required")
	}
	if !terminalTypes[req.Env.TerminalType] {
		return nil, paramError("env.terminalType", "must be one of WEB, WAP, APP, MINI_APP")
	}
	in.order.TerminalType = req.Env.TerminalType
	if err := validURL("paymentRedirectUrl", req.PaymentRedirectURL, true); err != nil {
		return nil, err
	}
	if err := validURL("paymentNotifyUrl", req.PaymentNotifyURL, false); err != nil {
		return nil, err
	}
	in.expiresAt = now.Add(payment.DefaultExpiry)
	if req.PaymentExpiryTime != "" {
		t, err := parseExpiry("paymentExpiryTime", req.PaymentExpiryTime)
		if err != nil {
			return nil, err
		}
		in.expiresAt = t
	}
	in.captureMode = ams.CaptureAutomatic
	if f := req.PaymentFactor; f != nil && f.CaptureMode != "" {
		if f.CaptureMode != ams.CaptureAutomatic && f.CaptureMode != ams.CaptureManual {
			return nil, paramError("paymentFactor.captureMode", "must be AUTOMATIC or MANUAL")
		}
		in.captureMode = f.CaptureMode
	}
	pm := req.PaymentMethod
	if pm == nil {
		return nil, paramError("paymentMethod", "is required")
	}
	if pm.PaymentMethodType != ams.PaymentMethodCard {
		if pm.PaymentMethodType == "" {
			return nil, paramError("paymentMethod.paymentMethodType", "is required")
		}
		return nil, paramError("paymentMethod.paymentMethodType", "must be CARD: cashier is a card gateway")
	}
	if err := maxString("paymentMethod.paymentMethodId", pm.PaymentMethodID, 128); err != nil {
		return nil, err
	}
	in.token = pm.PaymentMethodID
	if len(pm.PaymentMethodMetaData) > 0 && string(pm.PaymentMethodMetaData) != "null" {
		if err := ams.Decode(pm.PaymentMethodMetaData, &in.meta); err != nil {
			var fe *ams.FieldError
			if errors.As(err, &fe) && fe.Field != "" {
				return nil, paramError("paymentMethod.paymentMethodMetaData."+fe.Field, fe.Reason)
			}
			return nil, paramError("paymentMethod.paymentMethodMetaData", "must be a JSON object of card fields")
		}
	}
	m := &in.meta
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"cardNo", m.CardNo, 32}, {"cvv", m.CVV, 4}, {"expiryYear", m.ExpiryYear, 2}, {"expiryMonth", m.ExpiryMonth, 2},
		{"selectedCardBrand", m.SelectedCardBrand, 64}, {"networkTransactionId", m.NetworkTransactionID, 100},
	} {
		if err := maxString("paymentMethod.paymentMethodMetaData."+f.name, f.v, f.max); err != nil {
			return nil, err
		}
	}
	in.order.Tokenize, in.order.Force3DS, in.order.AuthUpgrade = bool(m.Tokenize), bool(m.Is3DSAuthentication), bool(m.EnableAuthenticationUpgrade)
	// Antom's docs put requireIssuerAuthentication in paymentMethodMetaData (the only place
	// Java SDK 2.0.21 has for it); newer SDKs put it on paymentMethod. Either asks for it.
	if pm.RequireIssuerAuthentication || m.RequireIssuerAuthentication {
		switch {
		case in.token != "" || m.CardNo != "":
			return nil, paramError("paymentMethod.requireIssuerAuthentication", "is for hosted mode: the buyer authenticates with the issuer on normalUrl, so send neither cardNo nor paymentMethodId with it")
		case m.SelectedCardBrand == "":
			return nil, paramError("paymentMethod.paymentMethodMetaData.selectedCardBrand", "is required with requireIssuerAuthentication")
		case !isKorean(m.SelectedCardBrand):
			return nil, payment.NewError(payment.CodeSelectedCardBrandUnavailable, fmt.Sprintf("selectedCardBrand %q has no issuer authentication; Korean local brands do", m.SelectedCardBrand))
		case in.amount.Currency != "KRW":
			return nil, payment.NewError(payment.CodeSelectedCardBrandUnavailable, "Korean issuer-authenticated cards pay in KRW only")
		}
		// captureMode MANUAL, as in Antom's own example request, is honoured: the issuer
		// authorizes and the merchant captures within the capture window.
		in.order.IssuerBrand = m.SelectedCardBrand
	}
	if m.CardNo != "" {
		if m.ExpiryMonth == "" {
			return nil, paramError("paymentMethod.paymentMethodMetaData.expiryMonth", "is required")
		}
		if m.ExpiryYear == "" {
			return nil, paramError("paymentMethod.paymentMethodMetaData.expiryYear", "is required")
		}
	}
	return in, nil
}

// isKorean says whether brand is a Korean local card brand, which authenticates with its
// issuer instead of 3-D Secure.
func isKorean(brand string) bool {
	b, ok := card.LookupBrand(brand)
	return ok && b.Korean
}

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

func holderName(n *ams.Name) string {
	if n == nil {
		return ""
	}
	if n.FullName != "" {
		return n.FullName
	}
	s := n.FirstName
	if n.MiddleName != "" {
		s += " " + n.MiddleName
	}
	if n.LastName != "" {
		s += " " + n.LastName
	}
	return s
}

// storedCard opens a saved card of the merchant's buyer. Result codes: PARAM_ILLEGAL.
func (g *Gateway) storedCard(ctx context.Context, m *payment.Merchant, token, buyerID string) (*cardSource, error) {
	c, err := g.store.CardGetByToken(ctx, m.ID, token)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.BuyerID != "" && c.BuyerID != buyerID) {
		return nil, paramError("paymentMethod.paymentMethodId", "is not a card token of this merchant and buyer")
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
func (g *Gateway) Pay(ctx context.Context, m *payment.Merchant, req *ams.PayRequest) (*ams.PayResponse, error) {
	now := g.now()
	in, perr := parsePay(req, now)
	if perr != nil {
		return nil, perr
	}
	var src *cardSource
	var fingerprint string
	switch {
	case in.token != "":
		s, err := g.storedCard(ctx, m, in.token, in.order.BuyerID)
		if err != nil {
			return nil, err
		}
		src = s
	case in.meta.CardNo != "":
		src = &cardSource{pan: in.meta.CardNo, month: in.meta.ExpiryMonth, year: in.meta.ExpiryYear, holder: holderName(in.meta.CardholderName)}
		if pan, ok := card.Normalize(src.pan); ok {
			src.pan = pan
		}
		src.brand = card.DetectBrand(src.pan)
	}
	if src != nil {
		src.cvv = in.meta.CVV
		fingerprint = g.vault.Fingerprint(src.pan)
	}
	hash := keyHash(in.amount.Currency, strconv.FormatInt(in.amount.Value, 10), ams.PaymentMethodCard, in.token, fingerprint, in.order.IssuerBrand)

	if p, err := g.store.PaymentGetByRequestID(ctx, m.ID, in.requestID); err == nil {
		return g.replayPay(ctx, p, hash)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, g.internalError(ctx, "payment lookup", err)
	}
	// Checked after the idempotency lookup: a retry of a payment whose expiry time has
	// passed since still gets the payment's outcome.
	if !in.expiresAt.After(now) {
		return nil, paramError("paymentExpiryTime", "is in the past")
	}

	p := &payment.Payment{
		ID: newID(), MerchantID: m.ID, RequestID: in.requestID, KeyHash: hash, Amount: in.amount,
		Status: payment.Processing, Stage: payment.StageAuthorizing, CaptureMode: in.captureMode,
		CaptureState: payment.CaptureNone, RedirectURL: in.redirectURL, NotifyURL: in.notifyURL, Order: in.order,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: in.expiresAt, Version: 1,
	}
	var newCard *payment.Card
	switch {
	case src == nil && in.order.IssuerBrand != "":
		p.Stage = payment.StageAwaitingIssuer
		p.Card.Brand = in.order.IssuerBrand
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
			if in.meta.NeedCVV && src.cvv == "" {
				p.Stage = payment.StageAwaitingCVV
			}
		} else {
			c, err := g.sealCard(m.ID, in.order.BuyerID, src, fingerprint, in.order.Tokenize, now)
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
		existing, gerr := g.store.PaymentGetByRequestID(ctx, m.ID, in.requestID)
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
			stored: src.stored != nil, nti: in.meta.NetworkTransactionID}
		if b := in.meta.BillingAddress; b != nil {
			a.billing = &issuer.Address{Region: b.Region, State: b.State, City: b.City, Address1: b.Address1, Address2: b.Address2, ZipCode: b.ZipCode}
		}
		if mpi := in.meta.MpiData; mpi != nil {
			a.threeDS = &issuer.ThreeDS{Version: mpi.ThreeDSVersion, ECI: mpi.Eci, CAVV: mpi.Cavv, DSTransactionID: mpi.DsTransactionID}
		}
		if p, err = g.authorize(ctx, p, a); err != nil {
			return nil, err
		}
	}
	return g.payResponse(ctx, p), nil
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
func (g *Gateway) replayPay(ctx context.Context, p *payment.Payment, hash string) (*ams.PayResponse, error) {
	if p.KeyHash != hash {
		return nil, payment.NewError(payment.CodeRepeatReqInconsistent, "paymentRequestId was used before with a different amount or payment method; repeat it exactly or use a new paymentRequestId")
	}
	p, err := g.waitPayment(ctx, p)
	if err != nil {
		return nil, err
	}
	return g.payResponse(ctx, p), nil
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
	billing                       *issuer.Address
	threeDS                       *issuer.ThreeDS // from the merchant's MPI or our challenge
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
	var threeDS *payment.ThreeDS
	if t := a.threeDS; t != nil {
		threeDS = &payment.ThreeDS{Version: t.Version, ECI: t.ECI, CAVV: t.CAVV, DSTransactionID: t.DSTransactionID, Challenged: t.Challenged}
	}
	return g.recordAuth(ctx, p.ID, threeDS, res)
}
