package gateway

import (
	"context"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/payment"
)

// BrandLogoPath is where the gateway serves the logo of a card brand.
func BrandLogoPath(brand string) string { return "/static/logos/" + brand + ".svg" }

// Consult lists the card brands the merchant can accept for the amount's currency and the
// buyer's terminal type, with logos served by cashier. Result codes: SUCCESS;
// PARAM_ILLEGAL; CURRENCY_NOT_SUPPORT.
func (g *Gateway) Consult(ctx context.Context, m *payment.Merchant, req *ams.ConsultRequest) (*ams.ConsultResponse, error) {
	if req.ProductCode != ams.ProductCashierPayment {
		if req.ProductCode == "" {
			return nil, paramError("productCode", "is required")
		}
		return nil, paramError("productCode", "must be CASHIER_PAYMENT")
	}
	amount, perr := parseAmount("paymentAmount", req.PaymentAmount)
	if perr != nil {
		return nil, perr
	}
	terminal := "WEB"
	if req.Env != nil && req.Env.TerminalType != "" {
		if !terminalTypes[req.Env.TerminalType] {
			return nil, paramError("env.terminalType", "must be one of WEB, WAP, APP, MINI_APP")
		}
		terminal = req.Env.TerminalType
	}
	var brands []ams.SupportCardBrand
	for _, b := range card.Brands() {
		// Korean local cards take KRW only, and need the issuer-authentication redirect that
		// a mini-program cannot open.
		if !b.Accepted || b.Korean && (amount.Currency != "KRW" || terminal == "MINI_APP") {
			continue
		}
		brands = append(brands, ams.SupportCardBrand{CardBrand: b.Code, Logo: &ams.Logo{LogoName: b.Code, LogoURL: g.linkBase(ctx) + BrandLogoPath(b.Code)}})
	}
	return &ams.ConsultResponse{
		Result: ams.SuccessResult(),
		PaymentOptions: []ams.PaymentOption{{
			PaymentMethodType: ams.PaymentMethodCard, PaymentMethodCategory: "CARD", Enabled: true,
			PaymentMethodRegion: []string{"GLOBAL"}, SupportedCurrencies: []string{amount.Currency},
			PaymentOptionDetail: &ams.PaymentOptionDetail{SupportCardBrands: brands, Funding: []string{"CREDIT", "DEBIT", "PREPAID"}},
			Logo:                &ams.Logo{LogoName: card.Generic, LogoURL: g.linkBase(ctx) + BrandLogoPath(card.Generic)},
		}},
	}, nil
}
