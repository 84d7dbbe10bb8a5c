package merchantapi

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// SessionLifetime is how long a payment session lasts unless the merchant asks for less.
const SessionLifetime = time.Hour

// CreatePaymentSession opens a payment for the browser SDK: the buyer enters the card in
// cashier's card form inside the merchant's page, and may retry after a decline until the
// session expires. It is idempotent on paymentRequestId. Result codes: SUCCESS;
// REPEAT_REQ_INCONSISTENT; PARAM_ILLEGAL; CURRENCY_NOT_SUPPORT; SETTLE_CONTRACT_NOT_MATCH; INVALID_CONTRACT.
func (a *API) CreatePaymentSession(ctx context.Context, m *payment.Merchant, cmd *SessionCommand) (*Session, error) {
	now := a.core.Now()
	order := cmd.Order
	order.Session = true
	expires := now.Add(SessionLifetime)
	if !cmd.ExpiresAt.IsZero() {
		expires = cmd.ExpiresAt
	}
	var saved *gateway.CardSource
	if cmd.Token != "" {
		// A saved card: the form shows it and asks for its CVV when the merchant's page
		// wants it (merchantAppointParam.storedCard.needCVV).
		s, err := a.core.Cards.Stored(ctx, m, cmd.Token, order.BuyerID)
		if err != nil {
			return nil, err
		}
		saved = s
	}
	hash := gateway.KeyHash(keyParts(order, cmd.Amount.Currency, strconv.FormatInt(cmd.Amount.Value, 10), "CARD", "session", cmd.Token)...)
	p, err := a.core.Store.PaymentGetByRequestID(ctx, m.ID, cmd.RequestID)
	switch {
	case err == nil:
		if p.KeyHash != hash {
			return nil, payment.NewError(payment.CodeRepeatReqInconsistent, "paymentRequestId was used before with other parameters; repeat them exactly or use a new paymentRequestId")
		}
		return &Session{Payment: p, Token: a.core.Tokens.Make(p.ID)}, nil
	case !errors.Is(err, store.ErrNotFound):
		return nil, a.core.InternalError(ctx, "payment lookup", err)
	}
	if !expires.After(now) {
		return nil, payment.Invalid("paymentSessionExpiryTime", "is in the past")
	}
	if err := a.settle(ctx, &order, cmd.Amount.Currency, cmd.Amount.Value, now); err != nil {
		return nil, err
	}
	if err := a.quotePayment(ctx, &order, cmd.Amount, now); err != nil {
		return nil, err
	}
	p = &payment.Payment{
		ID: gateway.NewID(), MerchantID: m.ID, RequestID: cmd.RequestID, KeyHash: hash, Amount: cmd.Amount,
		Status: payment.Processing, Stage: payment.StageAwaitingCard, CaptureMode: cmd.CaptureMode,
		CaptureState: payment.CaptureNone, RedirectURL: cmd.RedirectURL, NotifyURL: cmd.NotifyURL, Order: order,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: expires, Version: 1,
	}
	if saved != nil {
		p.Stage, p.CardID, p.Card = payment.StageAwaitingCVV, saved.Stored.ID, saved.Result()
		p.Card.Token, p.Card.Funding, p.Card.IssuingCountry = saved.Stored.Token, saved.Stored.Funding, saved.Stored.IssuingCountry
	}
	p.Schedule(time.Time{})
	err = a.core.Tx(ctx, func(q store.Tx) error { return q.PaymentInsert(ctx, p) })
	if errors.Is(err, store.ErrConflict) {
		return a.CreatePaymentSession(ctx, m, cmd)
	}
	if err != nil {
		return nil, a.core.InternalError(ctx, "payment insert", err)
	}
	return &Session{Payment: p, Token: a.core.Tokens.Make(p.ID)}, nil
}
