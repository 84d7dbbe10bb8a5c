package merchantapi

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// Pay starts a card payment. With card data (server-to-server) or a saved card it
// authorizes at once (and captures when captureMode is AUTOMATIC); without, or when the
// buyer must act (a saved card's CVV, 3-D Secure, a Korean issuer's authentication), it
// answers PAYMENT_IN_PROCESS with normalUrl to the hosted page. It is idempotent on
// paymentRequestId. Result codes: SUCCESS; PAYMENT_IN_PROCESS (U); the issuer's decline
// codes; INVALID_CARD_NUMBER, INVALID_EXPIRATION_DATE, CARD_EXPIRED, INVALID_CVV;
// SELECTED_CARD_BRAND_NOT_AVAILABLE; REPEAT_REQ_INCONSISTENT; PARAM_ILLEGAL; CURRENCY_NOT_SUPPORT;
// SETTLE_CONTRACT_NOT_MATCH; INVALID_CONTRACT.
func (a *API) Pay(ctx context.Context, m *payment.Merchant, cmd *PayCommand) (*payment.Payment, error) {
	now := a.core.Now()
	var src *gateway.CardSource
	var fingerprint string
	switch {
	case cmd.Token != "":
		s, err := a.core.Cards.Stored(ctx, m, cmd.Token, cmd.Order.BuyerID)
		if err != nil {
			return nil, err
		}
		src = s
	case cmd.Card != nil:
		c := cmd.Card
		src = gateway.NewCardSource(c.Number, "", c.ExpiryMonth, c.ExpiryYear, c.HolderName)
	}
	if src != nil {
		src.CVV = cmd.CVV
		fingerprint = a.core.Cards.Fingerprint(src.PAN)
		if cmd.SelectedBrand != "" && !src.SelectBrand(cmd.SelectedBrand) {
			return nil, payment.NewError(payment.CodeSelectedCardBrandUnavailable, "selectedCardBrand "+cmd.SelectedBrand+" is not a brand of this card")
		}
	}
	if src == nil && cmd.SelectedBrand != "" {
		return nil, payment.Invalid("paymentMethod.paymentMethodMetaData.selectedCardBrand", "needs cardNo or paymentMethodId: on the hosted page the buyer chooses a co-badged card's brand")
	}
	if cmd.Order.RecurringType != "" {
		if err := a.checkSeries(ctx, m, src.Stored, cmd.NetworkTransactionID); err != nil {
			return nil, err
		}
	}
	hash := gateway.KeyHash(keyParts(cmd.Order, cmd.Amount.Currency, strconv.FormatInt(cmd.Amount.Value, 10), "CARD", cmd.Token, fingerprint, cmd.Order.IssuerBrand)...)

	// The request id is not looked up first: a new payment, the common case, is inserted at
	// once, and a taken id shows as store.ErrConflict on the insert, answered with the
	// payment under it. A check that fails before the insert looks the id up too, so that a
	// retry whose expiry time has passed since, whose settlement currency can no longer be
	// quoted, or whose paymentQuote has expired, still gets the payment's outcome.
	replayOr := func(err error) (*payment.Payment, error) {
		existing, gerr := a.core.Store.PaymentGetByRequestID(ctx, m.ID, cmd.RequestID)
		switch {
		case gerr == nil:
			return a.replayPay(ctx, existing, hash)
		case errors.Is(gerr, store.ErrNotFound):
			return nil, err
		}
		return nil, a.core.InternalError(ctx, "payment lookup", gerr)
	}
	expiresAt := cmd.ExpiresAt
	if expiresAt.IsZero() {
		expiresAt = now.Add(payment.DefaultExpiry)
	}
	if !expiresAt.After(now) {
		return replayOr(payment.Invalid("paymentExpiryTime", "is in the past"))
	}
	if err := a.settle(ctx, &cmd.Order, cmd.Amount.Currency, cmd.Amount.Value, now); err != nil {
		return replayOr(err)
	}
	if err := a.quotePayment(ctx, &cmd.Order, cmd.Amount, now); err != nil {
		return replayOr(err)
	}

	p := &payment.Payment{
		ID: gateway.NewID(), MerchantID: m.ID, RequestID: cmd.RequestID, KeyHash: hash, Amount: cmd.Amount,
		Status: payment.Processing, Stage: payment.StageAuthorizing, CaptureMode: cmd.CaptureMode,
		CaptureState: payment.CaptureNone, RedirectURL: cmd.RedirectURL, NotifyURL: cmd.NotifyURL, Order: cmd.Order,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: expiresAt, Version: 1,
	}
	var newCard *payment.Card
	switch {
	case cmd.Decline != nil:
		failAtOnce(p, src, cmd.Decline.Code, cmd.Decline.Message)
	case src == nil && cmd.Order.IssuerBrand != "":
		p.Stage = payment.StageAwaitingIssuer
		p.Card.Brand = cmd.Order.IssuerBrand
	case src == nil:
		p.Stage = payment.StageAwaitingCard
	default:
		if src.Stored == nil || src.CVV != "" {
			src.Check(now)
		}
		if src.FailCode != "" {
			failAtOnce(p, src, src.FailCode, src.FailMessage)
			break
		}
		if src.Stored != nil {
			p.CardID = src.Stored.ID
			if cmd.NeedCVV && src.CVV == "" {
				p.Stage = payment.StageAwaitingCVV
			}
		} else {
			c, err := a.core.Cards.Seal(m.ID, cmd.Order.BuyerID, src, cmd.Order.Tokenize, now)
			if err != nil {
				return nil, a.core.InternalError(ctx, "vault seal", err)
			}
			newCard, p.CardID = c, c.ID
		}
		p.Card = src.Result()
		if c := src.Stored; c != nil {
			p.Card.Token, p.Card.Funding, p.Card.IssuingCountry = c.Token, c.Funding, c.IssuingCountry
		} else {
			p.Card.Token = newCard.Token
		}
	}
	var in gateway.AuthInput
	if src != nil {
		in = gateway.AuthInput{PAN: src.PAN, CVV: src.CVV, Month: src.Month, Year: src.Year, Holder: src.Holder,
			Stored: src.Stored != nil, NetworkTransactionID: cmd.NetworkTransactionID, RecurringType: cmd.Order.RecurringType, ThreeDS: cmd.ThreeDS}
		if cmd.Card != nil {
			in.Billing = cmd.Card.Billing
		}
	}
	// An issuer that decides inside the store transaction (the sandbox's) makes the pay one
	// write: the payment, the issuer's record and the answer commit together.
	ta, inOne := a.core.Issuer.(issuer.TxAuthorizer)
	inOne = inOne && p.Stage == payment.StageAuthorizing
	if p.Stage == payment.StageAuthorizing {
		a.core.BeginAuthorization(p, now)
		if !inOne {
			// Before the insert commits, so a duplicate that finds the payment finds it here.
			defer a.inflight.begin(p.ID)()
		}
	} else {
		p.Schedule(time.Time{})
	}
	insert := func(q store.Tx, p *payment.Payment) error {
		if newCard != nil {
			if err := q.CardInsert(ctx, newCard); err != nil {
				return err
			}
		}
		return q.PaymentInsert(ctx, p)
	}
	var err error
	var done *payment.Payment
	if inOne {
		done, err = a.core.AuthorizeInOne(ctx, ta, p, in, insert)
	} else {
		err = a.core.Tx(ctx, func(q store.Tx) error {
			if err := insert(q, p); err != nil || p.Status != payment.Fail {
				return err
			}
			return a.core.NotifyPayment(ctx, q, p, now)
		})
	}
	if errors.Is(err, store.ErrConflict) {
		existing, gerr := a.core.Store.PaymentGetByRequestID(ctx, m.ID, cmd.RequestID)
		if gerr != nil {
			return nil, a.core.InternalError(ctx, "payment lookup after conflict", gerr)
		}
		return a.replayPay(ctx, existing, hash)
	}
	if err != nil {
		return nil, a.core.InternalError(ctx, "payment insert", err)
	}
	if inOne {
		return done, nil
	}
	if p.Stage == payment.StageAuthorizing {
		if p, err = a.core.Authorize(ctx, p, in); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// checkSeries accepts the networkTransactionId of a merchant-initiated payment when it is
// that of a payment of this merchant that the issuer approved with the same saved card: the
// initial, customer-initiated payment of the series (or a later one of it). Any other is a
// merchant's mix-up that a network would decline, answered PARAM_ILLEGAL before anything is
// stored.
func (a *API) checkSeries(ctx context.Context, m *payment.Merchant, c *payment.Card, ntid string) error {
	ps, err := a.core.Store.PaymentListByCard(ctx, c.ID)
	if err != nil {
		return a.core.InternalError(ctx, "payments of a card", err)
	}
	for _, p := range ps {
		if p.MerchantID == m.ID && p.Card.NetworkTransactionID == ntid && !p.PaidAt.IsZero() {
			return nil
		}
	}
	return payment.Invalid("paymentMethod.paymentMethodMetaData.networkTransactionId", "is not that of a payment approved with this paymentMethodId: send the paymentResultInfo.networkTransactionId of the payment that saved the card")
}

// failAtOnce fails p with code before any authorization: no card is sealed, and the card
// shows masked when its number is one.
func failAtOnce(p *payment.Payment, src *gateway.CardSource, code, message string) {
	p.Status, p.Stage, p.ResultCode, p.ResultMessage = payment.Fail, payment.StageNone, code, message
	if src != nil && card.Luhn(src.PAN) {
		p.Card = payment.CardResult{Masked: card.Mask(src.PAN), Brand: src.Brand, BIN: card.BIN(src.PAN), Last4: card.Last4(src.PAN)}
	}
}

// replayPay answers a repeated pay: the same outcome for the same key parameters, once the
// original has left the issuer.
func (a *API) replayPay(ctx context.Context, p *payment.Payment, hash string) (*payment.Payment, error) {
	if p.KeyHash != hash {
		return nil, payment.NewError(payment.CodeRepeatReqInconsistent, "paymentRequestId was used before with a different amount or payment method; repeat it exactly or use a new paymentRequestId")
	}
	return a.waitPayment(ctx, p)
}

// waitPayment answers a duplicate with the payment as it stands. Only while the original is
// being authorized by a request on this node does it wait for that request, within the
// duplicate-wait budget, so that concurrent duplicates answer with the original's outcome.
// An authorization in flight on another node, or stranded by a crash, answers
// PAYMENT_IN_PROCESS at once: nothing here would end it sooner, and the sweeper settles a
// stranded one once the authorization lease has run out.
func (a *API) waitPayment(ctx context.Context, p *payment.Payment) (*payment.Payment, error) {
	if p.Status != payment.Processing || p.Stage != payment.StageAuthorizing {
		return p, nil
	}
	if done := a.inflight.get(p.ID); done != nil {
		timer := time.NewTimer(a.core.DuplicateWait)
		defer timer.Stop()
		select {
		case <-done:
		case <-timer.C:
			return p, nil
		case <-ctx.Done():
			return p, nil
		}
	}
	// Read again: with no request here any more, p may have been read just before the
	// original, on this node, recorded its answer and left.
	next, err := a.core.Store.PaymentGet(ctx, p.ID)
	if err != nil {
		return nil, a.core.InternalError(ctx, "payment reload", err)
	}
	return next, nil
}

// inflight is the pay requests of this process that are authorizing their payment now, by
// payment id, each with a channel closed when it has recorded the answer.
type inflight struct {
	mu sync.Mutex
	m  map[string]chan struct{}
}

// begin marks payment id as being authorized here until the returned func is called.
func (f *inflight) begin(id string) (end func()) {
	done := make(chan struct{})
	f.mu.Lock()
	f.m[id] = done
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		delete(f.m, id)
		f.mu.Unlock()
		close(done)
	}
}

// get returns the channel of payment id, nil when no request of this process is authorizing it.
func (f *inflight) get(id string) <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if done, ok := f.m[id]; ok {
		return done
	}
	return nil
}
