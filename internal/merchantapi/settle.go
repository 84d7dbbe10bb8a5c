package merchantapi

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// Rates quotes the exchange rates a merchant settles at when it asks to be settled in
// another currency than the payment's (settlementStrategy.settlementCurrency). The
// sandbox's rate table implements it; a gateway without one settles every payment in its
// own currency.
type Rates interface {
	// Quote quotes sell against buy at now. A currency no merchant may settle in, or a pair
	// the table has no rate for, answers a *payment.Error SETTLE_CONTRACT_NOT_MATCH.
	Quote(ctx context.Context, sell, buy string, now time.Time) (payment.Quote, error)
	// SettlementCurrencies are the currencies merchants may settle in.
	SettlementCurrencies() []string
	// Keep remembers a quote given to a merchant (inquireExchangeRate), and Kept finds it
	// again by its id when a pay cites it (paymentQuote): store.ErrNotFound when none has
	// the id.
	Keep(ctx context.Context, q payment.Quote) error
	Kept(ctx context.Context, id string) (payment.Quote, error)
}

// WithRates makes the API honour settlement currencies other than the payment's at the
// rates r quotes, and answer inquireExchangeRate.
func (a *API) WithRates(r Rates) *API {
	a.rates = r
	return a
}

// Rates are the API's rates, nil when it has none.
func (a *API) Rates() Rates { return a.rates }

// settle locks the quote of a new payment settled in another currency than its own, in
// order. Result codes: SETTLE_CONTRACT_NOT_MATCH.
func (a *API) settle(ctx context.Context, order *payment.Order, currency string, amount int64, now time.Time) error {
	want := order.SettlementCurrency
	if want == "" || want == currency {
		return nil
	}
	if a.rates == nil {
		return payment.NewError(payment.CodeSettleContractNotMatch, "settlementStrategy.settlementCurrency "+want+" is not a settlement currency of this gateway: it settles each payment in its own currency")
	}
	if !slices.Contains(a.rates.SettlementCurrencies(), want) {
		return payment.NewError(payment.CodeSettleContractNotMatch, "settlementStrategy.settlementCurrency "+want+" is not one of the merchant's settlement currencies")
	}
	q, err := a.rates.Quote(ctx, currency, want, now)
	if err != nil {
		return err
	}
	// Every capture and refund is within the payment's amount, so they convert if it does.
	if _, err := q.Convert(amount); err != nil {
		return payment.NewError(payment.CodeSettleContractNotMatch, "the payment is too large to settle in "+want+": "+err.Error())
	}
	order.SettlementQuote = &q
	return nil
}

// InquireExchangeRate quotes each pair at the current rates, and keeps each quote for a pay
// to cite. Result codes: SUCCESS; SETTLE_CONTRACT_NOT_MATCH for a pair without a rate.
func (a *API) InquireExchangeRate(ctx context.Context, pairs [][2]string) ([]payment.Quote, error) {
	now := a.core.Now()
	quotes := make([]payment.Quote, 0, len(pairs))
	for _, p := range pairs {
		q, err := a.rates.Quote(ctx, p[0], p[1], now)
		if err != nil {
			return nil, err
		}
		if err := a.rates.Keep(ctx, q); err != nil {
			return nil, a.core.InternalError(ctx, "quote keep", err)
		}
		quotes = append(quotes, q)
	}
	return quotes, nil
}

// quotePayment checks the payment quote a new payment cites (order.PaymentQuote as sent,
// with order.Processing when sent) against the quote the gateway gave under its id, and puts
// that quote and the charge in order: the card is charged order.Processing, and its captures
// and refunds convert at the quote (payment.Payment.Charged). The quote is checked when the
// payment is made; it stays the payment's rate after it expires. Installments are refused
// with it: the issuers' plans are offered in the payment currency (consult), which the card
// would not be charged in. Result codes: PARAM_ILLEGAL; INVALID_CONTRACT on a gateway
// without rates, whose merchants have no foreign-exchange pricing.
func (a *API) quotePayment(ctx context.Context, order *payment.Order, amount payment.Amount, now time.Time) error {
	sent := order.PaymentQuote
	if sent == nil {
		return nil
	}
	if a.rates == nil {
		return payment.NewError(payment.CodeInvalidContract, "paymentQuote is not in the merchant's contract: this gateway quotes no exchange rates and charges each payment in its own currency")
	}
	if order.Plan != nil || order.CollectInstallments {
		return payment.Invalid("paymentQuote", "cannot be combined with installments (creditPayPlan, enableInstallmentCollection): the plans are in the payment currency, not the one the card is charged in")
	}
	q, err := a.rates.Kept(ctx, sent.ID)
	if errors.Is(err, store.ErrNotFound) {
		return payment.Invalid("paymentQuote.quoteId", sent.ID+" is not a quote of inquireExchangeRate")
	}
	if err != nil {
		return a.core.InternalError(ctx, "quote lookup", err)
	}
	charge, err := payment.CheckPaymentQuote(q, *sent, amount, order.Processing, now)
	if err != nil {
		return err
	}
	order.PaymentQuote, order.Processing = &q, &charge
	return nil
}

// keyParts adds the installment plan, the installment collection, the settlement currency and
// the payment quote to the parameters a retry of a pay must repeat, each only when there is
// one, so that the key of every payment made before they existed stays what it was. The
// quote's id and the amount fix the charge, so a retry need not repeat processingAmount.
func keyParts(order payment.Order, parts ...string) []string {
	if pl := order.Plan; pl != nil {
		parts = append(parts, "plan", pl.Key())
	}
	if order.CollectInstallments {
		parts = append(parts, "installments")
	}
	if order.SettlementCurrency != "" {
		parts = append(parts, "settle", order.SettlementCurrency)
	}
	if q := order.PaymentQuote; q != nil {
		parts = append(parts, "quote", q.ID)
	}
	return parts
}
