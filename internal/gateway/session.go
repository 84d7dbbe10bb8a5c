package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/cashierpay/cashier/ams"
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
func (g *Gateway) CreatePaymentSession(ctx context.Context, m *payment.Merchant, req *ams.CreatePaymentSessionRequest) (*ams.CreatePaymentSessionResponse, error) {
	now := g.now()
	pm := req.PaymentMethod
	if pm == nil {
		pm = &ams.PaymentMethod{PaymentMethodType: ams.PaymentMethodCard}
	}
	env := req.Env
	if env == nil || env.TerminalType == "" {
		env = &ams.Env{TerminalType: "WEB"}
	}
	in, perr := parsePay(&ams.PayRequest{
		ProductCode: req.ProductCode, PaymentRequestID: req.PaymentRequestID, Order: req.Order, PaymentAmount: req.PaymentAmount,
		PaymentMethod: pm, PaymentRedirectURL: req.PaymentRedirectURL, PaymentNotifyURL: req.PaymentNotifyURL,
		PaymentFactor: req.PaymentFactor, Env: env,
	}, now)
	if perr != nil {
		return nil, perr
	}
	switch {
	case in.meta.CardNo != "":
		return nil, paramError("paymentMethod.paymentMethodMetaData.cardNo", "must not be sent: in a session the buyer enters the card in the SDK's form")
	case in.order.IssuerBrand != "":
		return nil, paramError("paymentMethod.requireIssuerAuthentication", "is not supported in a session: use pay")
	}
	in.order.Session = true
	expires := now.Add(SessionLifetime)
	if req.PaymentSessionExpiryTime != "" {
		t, err := parseExpiry("paymentSessionExpiryTime", req.PaymentSessionExpiryTime)
		if err != nil {
			return nil, err
		}
		if t.After(expires) {
			return nil, paramError("paymentSessionExpiryTime", "must be within one hour: a session lasts at most an hour")
		}
		expires = t
	}
	var saved *cardSource
	if in.token != "" {
		// A saved card: the form shows it and asks for its CVV when the merchant's page
		// wants it (merchantAppointParam.storedCard.needCVV).
		s, err := g.storedCard(ctx, m, in.token, in.order.BuyerID)
		if err != nil {
			return nil, err
		}
		saved = s
	}
	hash := keyHash(in.amount.Currency, strconv.FormatInt(in.amount.Value, 10), ams.PaymentMethodCard, "session", in.token)
	p, err := g.store.PaymentGetByRequestID(ctx, m.ID, in.requestID)
	switch {
	case err == nil:
		if p.KeyHash != hash {
			return nil, payment.NewError(payment.CodeRepeatReqInconsistent, "paymentRequestId was used before with other parameters; repeat them exactly or use a new paymentRequestId")
		}
		return g.sessionResponse(ctx, m, p, req.MerchantRegion), nil
	case !errors.Is(err, store.ErrNotFound):
		return nil, g.internalError(ctx, "payment lookup", err)
	}
	if !expires.After(now) {
		return nil, paramError("paymentSessionExpiryTime", "is in the past")
	}
	p = &payment.Payment{
		ID: newID(), MerchantID: m.ID, RequestID: in.requestID, KeyHash: hash, Amount: in.amount,
		Status: payment.Processing, Stage: payment.StageAwaitingCard, CaptureMode: in.captureMode,
		CaptureState: payment.CaptureNone, RedirectURL: in.redirectURL, NotifyURL: in.notifyURL, Order: in.order,
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
		return g.CreatePaymentSession(ctx, m, req)
	}
	if err != nil {
		return nil, g.internalError(ctx, "payment insert", err)
	}
	return g.sessionResponse(ctx, m, p, req.MerchantRegion), nil
}

// SessionConfig is the JSON of the last segment of paymentSessionData. The browser SDK reads
// the gateway's address and the form's page token from it; the rest follows Antom's shape.
type SessionConfig struct {
	PaymentSessionConfig struct {
		ProductScene              string `json:"productScene"`
		PaymentMethodCategoryType string `json:"paymentMethodCategoryType"`
		ProductSceneVersion       string `json:"productSceneVersion"`
	} `json:"paymentSessionConfig"`
	PaymentSessionFactor struct {
		PaymentAmount struct {
			Currency       string `json:"currency"`
			Value          string `json:"value"`
			FormattedValue string `json:"formattedValue"`
		} `json:"paymentAmount"`
		MerchantInfo struct {
			MerchantName string `json:"merchantName"`
		} `json:"merchantInfo"`
		Order struct {
			OrderDescription string `json:"orderDescription"`
		} `json:"order"`
	} `json:"paymentSessionFactor"`
	Cashier struct {
		Gateway    string `json:"gateway"`
		Token      string `json:"token"`
		SessionID  string `json:"sessionId"`
		ExpiryTime string `json:"expiryTime"`
	} `json:"cashier"`
}

// sessionResponse renders a session payment as createPaymentSession's answer. It is a pure
// function of the payment and the URL the request came in on, so a repeated call answers the same.
func (g *Gateway) sessionResponse(ctx context.Context, m *payment.Merchant, p *payment.Payment, region string) *ams.CreatePaymentSessionResponse {
	if region == "" {
		region = "US"
	}
	var cfg SessionConfig
	cfg.PaymentSessionConfig.ProductScene = ams.ProductCashierPayment
	cfg.PaymentSessionConfig.PaymentMethodCategoryType = ams.PaymentMethodCard
	cfg.PaymentSessionConfig.ProductSceneVersion = "1.0"
	f := &cfg.PaymentSessionFactor
	f.PaymentAmount.Currency, f.PaymentAmount.Value = p.Amount.Currency, strconv.FormatInt(p.Amount.Value, 10)
	f.PaymentAmount.FormattedValue = ams.FormatMajor(p.Amount.Currency, p.Amount.Value)
	f.MerchantInfo.MerchantName, f.Order.OrderDescription = m.Name, p.Order.Description
	token := g.pageToken(p.ID)
	cfg.Cashier.Gateway, cfg.Cashier.Token, cfg.Cashier.SessionID, cfg.Cashier.ExpiryTime = g.linkBase(ctx), token, sessionID(p.ID), wireTime(p.ExpiresAt)
	js, _ := json.Marshal(cfg)
	data := base64.StdEncoding.EncodeToString([]byte(token)) + "&&" + region + "&&111&&" + base64.StdEncoding.EncodeToString(js)
	return &ams.CreatePaymentSessionResponse{
		Result: ams.SuccessResult(), PaymentSessionData: data, PaymentSessionID: sessionID(p.ID),
		PaymentSessionExpiryTime: wireTime(p.ExpiresAt), NormalURL: g.pageURL(ctx, p.ID),
	}
}

func sessionID(paymentID string) string { return "ps" + paymentID }
