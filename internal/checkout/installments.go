package checkout

import (
	"context"
	"strings"

	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
)

// PlanOption is an installment plan the card form offers: the number of monthly
// instalments and what each comes to (the first takes the remainder, payment.Instalments).
type PlanOption struct {
	Count       int
	First, Rest payment.Amount
}

// InstallmentPlans lists the plans the card form of token offers for a card whose number
// starts with bin (six to eight digits): those its issuer has for the payment's amount and
// currency, when the session collects installments and the form is showing. None otherwise,
// and none when the issuer cannot say in advance (a Processor that is not
// issuer.InstallmentPlans): the buyer then pays in full.
func (f *Flow) InstallmentPlans(ctx context.Context, token, bin string) ([]PlanOption, error) {
	p, err := f.paymentFromToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if p.Status != payment.Processing || p.Stage != payment.StageAwaitingCard {
		return nil, nil
	}
	return f.plansFor(ctx, p, bin)
}

// plansFor lists the plans a card whose number starts with bin has for p, when p collects
// installments; none otherwise.
func (f *Flow) plansFor(ctx context.Context, p *payment.Payment, bin string) ([]PlanOption, error) {
	ip, ok := f.core.Issuer.(issuer.InstallmentPlans)
	if !ok || !p.Order.CollectInstallments || len(bin) < 6 || len(bin) > 8 || strings.Trim(bin, "0123456789") != "" {
		return nil, nil
	}
	ictx, cancel := f.core.IssuerCtx(ctx)
	defer cancel()
	counts, err := ip.InstallmentPlans(ictx, bin, p.Amount.Currency, p.Amount.Value)
	if err != nil {
		return nil, f.core.InternalError(ctx, "installment plans", err)
	}
	out := make([]PlanOption, 0, len(counts))
	for _, n := range counts {
		if n < payment.MinInstallments || n > payment.MaxInstallments {
			continue
		}
		first, rest := payment.Instalments(p.Amount.Value, n)
		cur := p.Amount.Currency
		out = append(out, PlanOption{Count: n, First: payment.Amount{Currency: cur, Value: first}, Rest: payment.Amount{Currency: cur, Value: rest}})
	}
	return out, nil
}

// chosenPlan is the plan a card attempt pays with: the buyer's choice on a form that collects
// installments (0: in full), else the merchant's creditPayPlan. ok is false for a choice no
// form offers.
func chosenPlan(o payment.Order, installments int) (plan *payment.Plan, ok bool) {
	if !o.CollectInstallments {
		return o.Plan, true
	}
	switch {
	case installments == 0:
		return nil, true
	case installments < payment.MinInstallments || installments > payment.MaxInstallments:
		return nil, false
	case o.Plan != nil && o.Plan.Count == installments:
		return o.Plan, true
	}
	return &payment.Plan{Count: installments, Interval: payment.IntervalMonth}, true
}

// planBINLen is how much of a typed number the card form asks plans for, as card.js does.
const planBINLen = 8

// cardChoice is what the card of src has to choose on p's form, with its number sealed for
// the page: a co-badged card's brands, the plans its issuer has. Nil when there is nothing.
func (f *Flow) cardChoice(ctx context.Context, p *payment.Payment, src *gateway.CardSource) (*CardChoice, []PlanOption, error) {
	// A failed look-up (logged) offers no plans, as the card form's own.
	plans, _ := f.plansFor(ctx, p, src.PAN[:min(len(src.PAN), planBINLen)])
	brands := card.CoBadged(src.PAN)
	if len(plans) == 0 && brands == nil {
		return nil, nil, nil
	}
	ref, err := f.core.Cards.SealForPage(src.PAN, p.ID)
	if err != nil {
		return nil, nil, f.core.InternalError(ctx, "seal the card for its form", err)
	}
	return &CardChoice{CardRef: ref, Masked: card.Mask(src.PAN), Brand: src.Brand, Brands: brands}, plans, nil
}
