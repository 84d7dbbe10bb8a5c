package antom

import (
	"testing"

	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/merchantapi"
	"github.com/cashierpay/cashier/internal/payment"
)

// TestConsultInstallments: the offers' counts are merged, each at the lowest minimum an
// issuer takes, counts no card form offers are left out, each plan is enabled only when the
// amount reaches its minimum, and the brands with plans are listed once; without offers
// there is no installment at all.
func TestConsultInstallments(t *testing.T) {
	offers := []issuer.InstallmentOffer{
		{Brand: card.Visa, Counts: []int{1, 3, 6}, MinInstalment: 1000},
		{Brand: card.Mastercard, Counts: []int{3, 12, 48}, MinInstalment: 400},
		{Brand: card.Visa, Counts: []int{6}, MinInstalment: 900},
	}
	amount := payment.Amount{Currency: "MXN", Value: 5400}
	resp := consultResponse(amount, merchantapi.AcceptedBrands("MXN", "WEB"), offers, "https://gw.example")
	in := resp.PaymentOptions[0].Installment
	if in == nil || len(in.SupportCardBrands) != 2 || in.SupportCardBrands[0].CardBrand != card.Visa || in.SupportCardBrands[1].CardBrand != card.Mastercard ||
		in.SupportCardBrands[1].Logo.LogoURL != "https://gw.example/static/logos/MASTERCARD.svg" {
		t.Fatalf("installment %+v", in)
	}
	want := []struct {
		num, min string
		enabled  bool
	}{{"3", "400", true}, {"6", "900", true}, {"12", "400", true}}
	if len(in.Plans) != len(want) {
		t.Fatalf("plans %+v", in.Plans)
	}
	for i, w := range want {
		p := in.Plans[i]
		if p.InstallmentNum != w.num || p.MinInstallmentAmount.Value != w.min || p.MinInstallmentAmount.Currency != "MXN" || *p.Enabled != w.enabled || p.Interval != "MONTH" {
			t.Errorf("plan %d: %+v, want %+v", i, p, w)
		}
	}
	// 5400/12 = 450 ≥ 400; at 4700, 391 is not.
	low := consultResponse(payment.Amount{Currency: "MXN", Value: 4700}, nil, offers, "").PaymentOptions[0].Installment
	if *low.Plans[2].Enabled || !*low.Plans[0].Enabled {
		t.Errorf("MXN 47.00 plans %+v", low.Plans)
	}
	if got := consultResponse(amount, nil, nil, "").PaymentOptions[0].Installment; got != nil {
		t.Errorf("installment without offers: %+v", got)
	}

	codes := func(currency string) map[string]bool {
		m := map[string]bool{}
		for _, b := range merchantapi.AcceptedBrands(currency, "WEB") {
			m[b.Code] = true
		}
		return m
	}
	if eur, brl, usd := codes("EUR"), codes("BRL"), codes("USD"); !eur[card.CartesBancaires] || eur[card.Elo] || !brl[card.Elo] || brl[card.CartesBancaires] || usd[card.Elo] || usd[card.CartesBancaires] {
		t.Errorf("co-badged schemes: EUR %v BRL %v USD %v", eur, brl, usd)
	}
}
