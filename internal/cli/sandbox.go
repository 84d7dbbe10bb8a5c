package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/sandbox"
	"github.com/cashierpay/cashier/internal/store"
)

type sandboxCmd struct {
	Simulate simulateCmd `cmd:"" help:"Force the answers of a merchant's next API calls: any result code Antom documents for the API, or TIMEOUT (docs/test-cards.md)."`
	Rates    ratesCmd    `cmd:"" help:"The exchange rates the sandbox settles other currencies at, against USD (docs/reconciliation.md)."`
}

type ratesCmd struct {
	Set  ratesSetCmd  `cmd:"" help:"Set a currency's rate: how many units of it one USD buys."`
	List ratesListCmd `cmd:"" help:"List every rate, the defaults and those set."`
}

type ratesSetCmd struct {
	storeFlags `embed:""`
	Currency   string `arg:"" help:"The ISO 4217 code, such as EUR."`
	PerUSD     string `arg:"" name:"per-usd" help:"Units of the currency for one USD, a decimal such as 0.92."`
}

func (c *ratesSetCmd) Run(e *env) error {
	st, err := c.openExisting(e.ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	lead, err := st.ClockOffset(e.ctx)
	if err != nil {
		return err
	}
	rates := sandbox.Rates{Store: st}
	if err := rates.Set(e.ctx, c.Currency, c.PerUSD, time.Now().Add(lead)); err != nil {
		return err
	}
	return printRates(e, rates)
}

type ratesListCmd struct {
	storeFlags `embed:""`
}

func (c *ratesListCmd) Run(e *env) error {
	st, err := c.openExisting(e.ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return printRates(e, sandbox.Rates{Store: st})
}

func printRates(e *env, r sandbox.Rates) error {
	list, err := r.List(e.ctx)
	if err != nil {
		return err
	}
	return printJSON(e.stdout, list)
}

type simulateCmd struct {
	Add   simulateAddCmd   `cmd:"" help:"Add a rule: the merchant's next calls of an API answer a result code."`
	List  simulateListCmd  `cmd:"" help:"List a merchant's rules that are not spent, oldest first."`
	Clear simulateClearCmd `cmd:"" help:"Clear one of a merchant's rules, or all of them."`
}

// merchantFlag names the merchant whose rules a command reads or writes.
type merchantFlag struct {
	Merchant string `required:"" env:"CASHIER_MERCHANT" placeholder:"CLIENT_ID" help:"The merchant's client id (${env})."`
}

// openMerchant opens the store of sf and finds the merchant in it; the caller closes the
// store, which is closed already when there is an error.
func (f merchantFlag) openMerchant(e *env, sf storeFlags) (store.Store, *payment.Merchant, error) {
	return openMerchant(e, sf, "--merchant", f.Merchant)
}

// openMerchant opens the store of sf and finds the merchant of clientID, which the command's
// flag named; the caller closes the store, which is closed already when there is an error.
func openMerchant(e *env, sf storeFlags, flag, clientID string) (store.Store, *payment.Merchant, error) {
	st, err := sf.openExisting(e.ctx)
	if err != nil {
		return nil, nil, err
	}
	m, err := st.MerchantGetByClientID(e.ctx, clientID)
	if err != nil {
		st.Close()
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, fmt.Errorf("%s: no merchant has client id %q (cashier merchant list)", flag, clientID)
		}
		return nil, nil, err
	}
	return st, m, nil
}

type simulateAddCmd struct {
	storeFlags   `embed:""`
	merchantFlag `embed:""`
	API          string `required:"" placeholder:"API" help:"The API whose calls the rule answers: pay, createPaymentSession, inquiryPayment, capture, cancel, refund, inquiryRefund, consult or inquireExchangeRate."`
	ResultCode   string `required:"" name:"result-code" placeholder:"CODE" help:"The result code to answer, one Antom documents for the API (DO_NOT_HONOR, PAYMENT_IN_PROCESS, ...), or TIMEOUT."`
	Times        int    `default:"1" placeholder:"N" help:"How many calls the rule answers; 0 answers every call until the rule is cleared."`
	RequestID    string `name:"request-id" placeholder:"ID" help:"Answer only calls with this request id: paymentRequestId (pay, createPaymentSession, inquiryPayment, cancel), captureRequestId, or refundRequestId (refund, inquiryRefund)."`
	Amount       string `placeholder:"CUR:MINOR" help:"Answer only calls for this amount, its currency and value in minor units as on the wire: USD:1050 is USD 10.50."`
}

func (c *simulateAddCmd) Run(e *env) error {
	r := sandbox.Rule{API: c.API, ResultCode: c.ResultCode, RequestID: c.RequestID, Times: c.Times}
	if c.Amount != "" {
		cur, v, ok := strings.Cut(c.Amount, ":")
		value, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil {
			return fmt.Errorf("--amount %q: give the currency and the value in minor units, such as USD:1050", c.Amount)
		}
		r.Amount = payment.Amount{Currency: cur, Value: value}
	}
	if err := r.Check(); err != nil {
		return err
	}
	st, m, err := c.openMerchant(e, c.storeFlags)
	if err != nil {
		return err
	}
	defer st.Close()
	row, err := sandbox.Simulations{Store: st, Clock: clock.Real{}}.Add(e.ctx, m.ID, r)
	if err != nil {
		return err
	}
	return printJSON(e.stdout, sandbox.RuleView(row))
}

type simulateListCmd struct {
	storeFlags   `embed:""`
	merchantFlag `embed:""`
	API          string `placeholder:"API" help:"Only the rules of this API."`
}

func (c *simulateListCmd) Run(e *env) error {
	st, m, err := c.openMerchant(e, c.storeFlags)
	if err != nil {
		return err
	}
	defer st.Close()
	rules, err := st.SandboxSimulationList(e.ctx, m.ID, c.API)
	if err != nil {
		return err
	}
	out := []sandbox.RuleJSON{}
	for _, r := range rules {
		out = append(out, sandbox.RuleView(r))
	}
	return printJSON(e.stdout, out)
}

type simulateClearCmd struct {
	storeFlags   `embed:""`
	merchantFlag `embed:""`
	ID           string `placeholder:"ID" help:"The rule to clear (its id in list); without it, all the merchant's rules."`
}

func (c *simulateClearCmd) Run(e *env) error {
	st, m, err := c.openMerchant(e, c.storeFlags)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.SandboxSimulationClear(e.ctx, m.ID, c.ID)
	if err != nil {
		return err
	}
	if n == 0 && c.ID != "" {
		return fmt.Errorf("--id %q names no rule of merchant %s", c.ID, c.Merchant)
	}
	return printJSON(e.stdout, map[string]int{"cleared": n})
}
