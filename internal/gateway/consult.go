package gateway

import (
	"context"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
)

// brandAcceptance is which card brands cashier accepts, and where. International networks
// take every currency; Korean local cards take KRW only, and need the issuer-authentication
// redirect that a mini-program cannot open.
var brandAcceptance = []struct {
	brand      string
	currencies map[string]bool // nil: every currency
	korean     bool
}{
	{brand: "VISA"}, {brand: "MASTERCARD"}, {brand: "AMEX"}, {brand: "JCB"}, {brand: "DINERS"},
	{brand: "DISCOVER"}, {brand: "CUP"},
	{brand: "HYUNDAI", korean: true}, {brand: "SAMSUNG", korean: true}, {brand: "KOOKMIN", korean: true},
	{brand: "SHINHAN", korean: true}, {brand: "LOTTE", korean: true}, {brand: "BC", korean: true},
	{brand: "NONGHYUP", korean: true}, {brand: "KEBHANA", korean: true}, {brand: "WOORI", korean: true},
}

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
	for _, b := range brandAcceptance {
		if b.korean && (amount.Currency != "KRW" || terminal == "MINI_APP") {
			continue
		}
		brands = append(brands, ams.SupportCardBrand{CardBrand: b.brand, Logo: &ams.Logo{LogoName: b.brand, LogoURL: g.linkBase(ctx) + BrandLogoPath(b.brand)}})
	}
	return &ams.ConsultResponse{
		Result: ams.SuccessResult(),
		PaymentOptions: []ams.PaymentOption{{
			PaymentMethodType: ams.PaymentMethodCard, PaymentMethodCategory: "CARD", Enabled: true,
			PaymentMethodRegion: []string{"GLOBAL"}, SupportedCurrencies: []string{amount.Currency},
			PaymentOptionDetail: &ams.PaymentOptionDetail{SupportCardBrands: brands, Funding: []string{"CREDIT", "DEBIT", "PREPAID"}},
			Logo:                &ams.Logo{LogoName: "CARD", LogoURL: g.linkBase(ctx) + BrandLogoPath("CARD")},
		}},
	}, nil
}

// koreanBrand says whether brand is a Korean local card brand, which authenticates with its
// issuer instead of 3-D Secure.
func koreanBrand(brand string) bool {
	for _, b := range brandAcceptance {
		if b.brand == brand {
			return b.korean
		}
	}
	return false
}
