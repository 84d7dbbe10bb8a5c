package gateway

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// SessionLifetime is how long a payment session lasts unless the merchant asks for less.
const SessionLifetime = time.Hour

// CreatePaymentSession opens a payment for the browser SDK: the buyer enters the card in
// cashier's card form inside the merchant's page, and may retry after a decline until the
// session expires. It is idempotent on paymentRequestId. Result codes: SUCCESS;
// REPEAT_REQ_INCONSISTENT; PARAM_ILLEGAL; CURRENCY_NOT_SUPPORT.
func (g *Gateway) CreatePaymentSession(ctx context.Context, m *payment.Merchant, cmd *SessionCommand) (*Session, error) {
	now := g.now()
	order := cmd.Order
	order.Session = true
	expires := now.Add(SessionLifetime)
	if !cmd.ExpiresAt.IsZero() {
		expires = cmd.ExpiresAt
	}
	var saved *cardSource
	if cmd.Token != "" {
		// A saved card: the form shows it and asks for its CVV when the merchant's page
		// wants it (merchantAppointParam.storedCard.needCVV).
		s, err := g.storedCard(ctx, m, cmd.Token, order.BuyerID)
		if err != nil {
			return nil, err
		}
		saved = s
	}
	hash := keyHash(cmd.Amount.Currency, strconv.FormatInt(cmd.Amount.Value, 10), "CARD", "session", cmd.Token)
	p, err := g.store.PaymentGetByRequestID(ctx, m.ID, cmd.RequestID)
	switch {
	case err == nil:
		if p.KeyHash != hash {
			return nil, payment.NewError(payment.CodeRepeatReqInconsistent, "paymentRequestId was used before with other parameters; repeat them exactly or use a new paymentRequestId")
		}
		return &Session{Payment: p, Token: g.pageToken(p.ID)}, nil
	case !errors.Is(err, store.ErrNotFound):
		return nil, g.internalError(ctx, "payment lookup", err)
	}
	if !expires.After(now) {
		return nil, payment.Invalid("paymentSessionExpiryTime", "is in the past")
	}
	p = &payment.Payment{
		ID: newID(), MerchantID: m.ID, RequestID: cmd.RequestID, KeyHash: hash, Amount: cmd.Amount,
		Status: payment.Processing, Stage: payment.StageAwaitingCard, CaptureMode: cmd.CaptureMode,
		CaptureState: payment.CaptureNone, RedirectURL: cmd.RedirectURL, NotifyURL: cmd.NotifyURL, Order: order,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: expires, Version: 1,
	}
	if saved != nil {
		p.Stage, p.CardID = payment.StageAwaitingCVV, saved.stored.ID
		p.Card = payment.CardResult{Masked: card.Mask(saved.pan), Brand: saved.brand, BIN: card.BIN(saved.pan), Last4: card.Last4(saved.pan),
			ExpiryMonth: saved.month, ExpiryYear: saved.year, HolderName: saved.holder, Token: saved.stored.Token,
			Funding: saved.stored.Funding, IssuingCountry: saved.stored.IssuingCountry}
	}
	p.Schedule(timeZero)
	err = g.tx(ctx, func(q store.Queries) error { return q.PaymentInsert(ctx, p) })
	if errors.Is(err, store.ErrConflict) {
		return g.CreatePaymentSession(ctx, m, cmd)
	}
	if err != nil {
		return nil, g.internalError(ctx, "payment insert", err)
	}
	return &Session{Payment: p, Token: g.pageToken(p.ID)}, nil
}
