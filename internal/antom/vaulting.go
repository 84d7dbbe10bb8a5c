package antom

import (
	"cmp"
	"context"
	"encoding/json"
	"strings"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/merchantapi"
	"github.com/cashierpay/cashier/internal/payment"
)

// vaultingEndpoints are the vaulting APIs.
func vaultingEndpoints(api *merchantapi.API, sim Simulator) map[string]Endpoint {
	g := api.Core()
	return map[string]Endpoint{
		ams.APIVaultPaymentMethod: decode(sim, ams.APIVaultPaymentMethod, func(ctx context.Context, m *payment.Merchant, req *ams.VaultPaymentMethodRequest) (any, error) {
			cmd, perr := parseVault(req)
			if perr != nil {
				return nil, perr
			}
			v, err := api.VaultPaymentMethod(ctx, m, cmd)
			if err != nil {
				return nil, err
			}
			return &ams.VaultPaymentMethodResponse{
				Result: ams.NewResult(v.Outcome()), VaultingRequestID: v.RequestID,
				PaymentMethodDetail: methodDetail(v), NormalURL: vaultingURL(ctx, g, v),
			}, nil
		}, nil),
		ams.APICreateVaultingSession: decode(sim, ams.APICreateVaultingSession, func(ctx context.Context, m *payment.Merchant, req *ams.CreateVaultingSessionRequest) (any, error) {
			cmd, perr := parseVaultingSession(req)
			if perr != nil {
				return nil, perr
			}
			v, err := api.CreateVaultingSession(ctx, m, cmd)
			if err != nil {
				return nil, err
			}
			return vaultingSessionResponse(v, g.Tokens.MakeVaulting(v.ID), g.PublicURL(ctx), g.VaultingPageURL(ctx, v.ID)), nil
		}, nil),
		ams.APIInquireVaulting: decode(sim, ams.APIInquireVaulting, func(ctx context.Context, m *payment.Merchant, req *ams.InquireVaultingRequest) (any, error) {
			if perr := requireRequestID("vaultingRequestId", req.VaultingRequestID); perr != nil {
				return nil, perr
			}
			v, err := api.InquireVaulting(ctx, m, req.VaultingRequestID)
			if err != nil {
				return nil, err
			}
			return &ams.InquireVaultingResponse{
				Result: ams.SuccessResult(), VaultingRequestID: v.RequestID, NormalURL: vaultingURL(ctx, g, v),
				VaultingStatus: vaultingStatus(v), PaymentMethodDetail: methodDetail(v),
			}, nil
		}, nil),
	}
}

// parseVault checks a vaultPaymentMethod request. Result codes: PARAM_ILLEGAL.
func parseVault(req *ams.VaultPaymentMethodRequest) (*merchantapi.VaultCommand, *payment.Error) {
	if err := requireRequestID("vaultingRequestId", req.VaultingRequestID); err != nil {
		return nil, err
	}
	if err := validURL("vaultingNotificationUrl", req.VaultingNotificationURL, true); err != nil {
		return nil, err
	}
	if err := validURL("redirectUrl", req.RedirectURL, true); err != nil {
		return nil, err
	}
	d := req.PaymentMethodDetail
	if d == nil {
		return nil, paramError("paymentMethodDetail", "is required")
	}
	if err := cardType("paymentMethodDetail.paymentMethodType", d.PaymentMethodType); err != nil {
		return nil, err
	}
	c := d.Card
	if c == nil {
		return nil, paramError("paymentMethodDetail.card", "is required")
	}
	for _, f := range []struct{ name, v string }{{"cardNo", c.CardNo}, {"expiryMonth", c.ExpiryMonth}, {"expiryYear", c.ExpiryYear}} {
		if err := require("paymentMethodDetail.card."+f.name, f.v); err != nil {
			return nil, err
		}
	}
	cmd := &merchantapi.VaultCommand{
		RequestID: req.VaultingRequestID, NotifyURL: req.VaultingNotificationURL, RedirectURL: req.RedirectURL,
		Region: req.MerchantRegion, Force3DS: bool(c.Is3DSAuthentication),
		Card: merchantapi.CardData{Number: c.CardNo, CVV: c.CVV, ExpiryMonth: c.ExpiryMonth, ExpiryYear: c.ExpiryYear, HolderName: holderName(c.CardholderName)},
	}
	if b := c.BillingAddress; b != nil {
		cmd.Card.Billing = &payment.Address{Region: b.Region, State: b.State, City: b.City, Address1: b.Address1, Address2: b.Address2, ZipCode: b.ZipCode}
	}
	return cmd, nil
}

// parseVaultingSession checks a createVaultingSession request. Result codes: PARAM_ILLEGAL.
func parseVaultingSession(req *ams.CreateVaultingSessionRequest) (*merchantapi.VaultingSessionCommand, *payment.Error) {
	if err := cardType("paymentMethodType", req.PaymentMethodType); err != nil {
		return nil, err
	}
	if err := requireRequestID("vaultingRequestId", req.VaultingRequestID); err != nil {
		return nil, err
	}
	if err := validURL("vaultingNotificationUrl", req.VaultingNotificationURL, true); err != nil {
		return nil, err
	}
	if err := validURL("redirectUrl", req.RedirectURL, false); err != nil {
		return nil, err
	}
	return &merchantapi.VaultingSessionCommand{
		RequestID: req.VaultingRequestID, NotifyURL: req.VaultingNotificationURL, RedirectURL: req.RedirectURL,
		Region: req.MerchantRegion, Force3DS: bool(req.Is3DSAuthentication),
	}, nil
}

// cardType holds a paymentMethodType to CARD, the only method cashier vaults.
func cardType(field, v string) *payment.Error {
	if err := require(field, v); err != nil {
		return err
	}
	if v != ams.PaymentMethodCard {
		return paramError(field, "must be CARD: cashier vaults cards only")
	}
	return nil
}

// vaultingURL is where the buyer continues a vaulting that waits for them, else "".
func vaultingURL(ctx context.Context, g *gateway.Core, v *payment.Vaulting) string {
	if v.Status != payment.Processing {
		return ""
	}
	return g.VaultingPageURL(ctx, v.ID)
}

// vaultingStatus is the vaultingStatus of inquireVaulting and notifyVaulting.
func vaultingStatus(v *payment.Vaulting) string {
	switch v.Status {
	case payment.Success:
		return ams.VaultingSuccess
	case payment.Fail:
		return ams.VaultingFail
	}
	return ams.VaultingProcessing
}

// methodDetail is the card a vaulting saved, masked as Antom masks it (all but the last four
// digits), with its token once verified; nil before the buyer gave a card.
func methodDetail(v *payment.Vaulting) *ams.PaymentMethodDetail {
	c := v.Card
	if v.CardID == "" {
		return nil
	}
	masked := ""
	if n := len(c.Masked); n > 4 {
		masked = strings.Repeat("*", n-4) + c.Masked[n-4:]
	}
	return &ams.PaymentMethodDetail{PaymentMethodType: ams.PaymentMethodCard, Card: &ams.CardPaymentMethodDetail{
		CardToken: c.Token, Brand: c.Brand, MaskedCardNo: masked, Bin: c.BIN, LastFour: c.Last4, ExpiryMonth: c.ExpiryMonth,
		ExpiryYear: c.ExpiryYear, Funding: c.Funding, IssuingCountry: c.IssuingCountry,
	}}
}

// vaultingSessionResponse renders createVaultingSession's answer: the session data the
// browser SDK opens the vaulting form with, shaped as a payment session's, and the form's
// page (cashier's normalUrl).
func vaultingSessionResponse(v *payment.Vaulting, token, gatewayURL, pageURL string) *ams.CreateVaultingSessionResponse {
	var cfg SessionConfig
	cfg.PaymentSessionConfig.ProductScene = "CARD_VAULTING"
	cfg.PaymentSessionConfig.PaymentMethodCategoryType = ams.PaymentMethodCard
	cfg.PaymentSessionConfig.ProductSceneVersion = "1.0"
	sessionID := "vs" + v.ID
	cfg.Cashier.Gateway, cfg.Cashier.Token, cfg.Cashier.SessionID, cfg.Cashier.ExpiryTime = gatewayURL, token, sessionID, wireTime(v.ExpiresAt)
	return &ams.CreateVaultingSessionResponse{
		Result: ams.SuccessResult(), VaultingSessionData: sessionData(token, cmp.Or(v.Region, "US"), &cfg),
		VaultingSessionID: sessionID, VaultingSessionExpiryTime: wireTime(v.ExpiresAt), NormalURL: pageURL,
	}
}

// Vaulting implements gateway.NotificationBodies: notifyVaulting.
func (Bodies) Vaulting(v *payment.Vaulting) ([]byte, error) {
	return json.Marshal(ams.VaultingNotification{
		Result: ams.NewResult(v.Outcome()), VaultingRequestID: v.RequestID, VaultingStatus: vaultingStatus(v),
		PaymentMethodDetail: methodDetail(v), VaultingCreateTime: wireTime(v.CreatedAt),
	})
}
