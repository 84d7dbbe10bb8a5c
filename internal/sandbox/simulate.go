package sandbox

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/antom"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// The error-scenario simulation: a merchant's rules, kept in the store so that the CLI and
// every node see them, force the answer of its next calls of an API, as Antom's dashboard
// tool does in its sandbox. docs/test-cards.md says what each kind of code does.

// CodeTimeout is the rule's result code for an answer that never comes.
const CodeTimeout = "TIMEOUT"

// TimeoutHold is how long a simulated timeout holds a call: longer than the official SDKs
// wait (30 s in the Go SDK) and than the 10 s Antom tells merchants to allow, shorter than
// the gateway's one-minute write timeout, so a client still waiting gets HTTP 504.
const TimeoutHold = 40 * time.Second

// commonCodes are the result codes Antom documents for most APIs (docs/api.md).
var commonCodes = []string{
	"ACCESS_DENIED", "CLIENT_FORBIDDEN_ACCESS_API", "CLIENT_INVALID", "INVALID_API", "INVALID_CLIENT_STATUS",
	"INVALID_SIGNATURE", "KEY_NOT_FOUND", "MEDIA_TYPE_NOT_ACCEPTABLE", "METHOD_NOT_SUPPORTED", "NO_INTERFACE_DEF",
	"PARAM_ILLEGAL", "PROCESS_FAIL", "REQUEST_TRAFFIC_EXCEED_LIMIT", "RISK_REJECT", "SYSTEM_ERROR",
	"UNKNOWN_CLIENT", "UNKNOWN_EXCEPTION",
}

// payRequestCodes are pay's codes about the request, the merchant or its contract: Antom
// refuses such a call before any payment exists. createPaymentSession shares them.
var payRequestCodes = []string{
	"CURRENCY_NOT_SUPPORT", "INVALID_CONTRACT", "INVALID_MERCHANT_STATUS", "INVALID_PAYMENT_METHOD_META_DATA",
	"MERCHANT_KYB_NOT_QUALIFIED", "MERCHANT_NOT_REGISTERED", "NO_PAY_OPTIONS", "ORDER_IS_CANCELED", "ORDER_IS_CLOSED",
	"PAYMENT_AMOUNT_EXCEED_LIMIT", "PAYMENT_COUNT_EXCEED_LIMIT", "PAYMENT_NOT_QUALIFIED", "REPEAT_REQ_INCONSISTENT",
	"SELECTED_CARD_BRAND_NOT_AVAILABLE", "SETTLE_CONTRACT_NOT_MATCH",
}

// declineCodes are pay's codes about the buyer's card or the buyer: the issuer, the card
// checks or risk control decided, so the payment exists and has failed. A rule with one of
// these fails the payment (antom.Decline).
var declineCodes = []string{
	"AUTHENTICATION_REQUIRED", "CARD_EXPIRED", "CARD_NOT_SUPPORTED", "DO_NOT_HONOR", "INVALID_AMOUNT",
	"INVALID_CARD_NUMBER", "INVALID_CVV", "INVALID_EXPIRATION_DATE", "ISSUER_REJECTS_TRANSACTION",
	"PAYMENT_PROHIBITED", "RISK_REJECT", "SUSPECTED_CARD", "USER_AMOUNT_EXCEED_LIMIT", "USER_BALANCE_NOT_ENOUGH",
	"USER_KYC_NOT_QUALIFIED", "USER_NOT_EXIST", "USER_PAYMENT_VERIFICATION_FAILED", "USER_STATUS_ABNORMAL",
	"VERIFY_TIMES_EXCEED_LIMIT", "VERIFY_UNMATCHED",
}

// apiCodes are the result codes a rule may force on each API: those Antom documents for it
// (spec §2), SUCCESS aside, since that is the answer without a rule.
var apiCodes = map[string][]string{
	ams.APIPay:                  codes(commonCodes, payRequestCodes, declineCodes, []string{"PAYMENT_IN_PROCESS"}),
	ams.APICreatePaymentSession: codes(commonCodes, payRequestCodes),
	ams.APIInquiryPayment:       codes(commonCodes, []string{"ORDER_NOT_EXIST"}),
	ams.APICapture: codes(commonCodes, []string{
		"AUTH_CANCELLED", "AUTH_EXPIRED", "AUTH_NOT_FOUND", "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT", "CAPTURE_IN_PROCESS",
		"CURRENCY_NOT_SUPPORT", "INVALID_CONTRACT", "MULTI_CAPTURE_NOT_SUPPORTED", "NO_PAY_OPTIONS", "ORDER_IS_CANCELED",
		"ORDER_STATUS_INVALID", "PAYMENT_COUNT_EXCEED_LIMIT", "REPEAT_REQ_INCONSISTENT", "USER_AMOUNT_EXCEED_LIMIT",
		"USER_BALANCE_NOT_ENOUGH", "USER_NOT_EXIST", "USER_STATUS_ABNORMAL",
	}),
	ams.APICancel: codes(commonCodes, []string{"CANCEL_WINDOW_EXCEED", "ORDER_NOT_EXIST", "ORDER_STATUS_INVALID"}),
	ams.APIRefund: codes(commonCodes, []string{
		"CURRENCY_NOT_SUPPORT", "ORDER_NOT_EXIST", "ORDER_STATUS_INVALID", "PAYMENT_IN_PROCESS", "REFUND_AMOUNT_EXCEED",
		"REFUND_IN_PROCESS", "REFUND_WINDOW_EXCEED", "REPEAT_REQ_INCONSISTENT",
	}),
	ams.APIInquiryRefund: codes(commonCodes, []string{"ORDER_NOT_EXIST"}),
	ams.APIConsult:       codes(commonCodes),
	// The codes inquireExchangeRate answers itself (docs/reconciliation.md).
	ams.APIInquireExchangeRate: codes(commonCodes, []string{"CURRENCY_NOT_SUPPORT", "SETTLE_CONTRACT_NOT_MATCH"}),
	// The dispute APIs' tables (docs.antom.com/ac/ams/accept, supply_evidence, download).
	ams.APIAcceptDispute:           codes(commonCodes, []string{"REPEAT_REQUEST", "TIME_EXCEEDS_LIMIT"}),
	ams.APISupplyDefenseDocument:   codes(commonCodes, []string{"DEFENSE_EXCEED_LIMIT", "REPEAT_REQUEST", "TIME_EXCEEDS_LIMIT"}),
	ams.APIDownloadDisputeEvidence: codes(commonCodes),
	ams.APIVaultPaymentMethod: codes(commonCodes, []string{
		"PROCESS_FAIL", "REPEAT_REQ_INCONSISTENT", "VERIFICATION_FAIL", "VERIFICATION_IN_PROCESS",
	}),
	ams.APICreateVaultingSession: codes(commonCodes, []string{"PROCESS_FAIL", "REPEAT_REQ_INCONSISTENT"}),
	ams.APIInquireVaulting:       codes(commonCodes, []string{"ORDER_NOT_EXIST"}),
}

// unmatched are the APIs whose calls carry no request id to match.
var unmatched = []string{ams.APIConsult, ams.APIInquireExchangeRate, ams.APIAcceptDispute, ams.APISupplyDefenseDocument, ams.APIDownloadDisputeEvidence}

// amountAPIs are the APIs whose calls carry an amount a rule may match.
var amountAPIs = []string{ams.APIPay, ams.APICreatePaymentSession, ams.APICapture, ams.APIRefund, ams.APIConsult}

// codes is the sorted union of lists.
func codes(lists ...[]string) []string {
	out := slices.Concat(lists...)
	slices.Sort(out)
	return slices.Compact(out)
}

// Rule is a simulation rule as a merchant asks for it.
type Rule struct {
	API        string
	ResultCode string
	// RequestID, when set, limits the rule to calls carrying it (antom.Call.RequestID).
	RequestID string
	// Amount, when its Currency is set, limits the rule to calls for that amount.
	Amount payment.Amount
	// Times is how many calls the rule answers; 0 answers them until it is cleared.
	Times int
}

// Check says what is wrong with r, naming the field as the HTTP body does.
func (r Rule) Check() error {
	documented, ok := apiCodes[r.API]
	switch {
	case r.API == "":
		return errors.New("api is required")
	case r.ResultCode == "":
		return errors.New("resultCode is required")
	case !ok:
		return fmt.Errorf("api %q is not an API cashier serves; one of %s", r.API, strings.Join(slices.Sorted(maps.Keys(apiCodes)), ", "))
	case r.ResultCode == ams.CodeSuccess:
		return fmt.Errorf("resultCode SUCCESS is what %s answers without a rule; force one of its other codes or %s", r.API, CodeTimeout)
	case r.ResultCode != CodeTimeout && !slices.Contains(documented, r.ResultCode):
		return fmt.Errorf("resultCode %q is not a result code Antom documents for %s; one of %s, or %s",
			r.ResultCode, r.API, strings.Join(documented, ", "), CodeTimeout)
	case r.Times < 0:
		return errors.New("times must be 0 (until cleared) or more")
	case len(r.RequestID) > 64:
		return errors.New("requestId is longer than 64 characters, which no request id is")
	case r.RequestID != "" && slices.Contains(unmatched, r.API):
		return fmt.Errorf("requestId: %s carries no request id to match", r.API)
	}
	if r.Amount.Currency != "" {
		if !slices.Contains(amountAPIs, r.API) {
			return fmt.Errorf("amount: %s carries no amount to match", r.API)
		}
		if _, ok := ams.CurrencyExponent(r.Amount.Currency); !ok {
			return fmt.Errorf("amount.currency %q is not an ISO 4217 currency", r.Amount.Currency)
		}
		if r.Amount.Value <= 0 {
			return errors.New("amount.value must be a positive number of minor units")
		}
	}
	return nil
}

// effect is what a rule's code does to a call of its API.
func effect(api, code string) antom.Effect {
	switch {
	case code == CodeTimeout:
		return antom.Timeout
	case api == ams.APIPay && slices.Contains(declineCodes, code):
		return antom.Decline
	case ams.CodeStatus(code) == ams.StatusUnknown && code != ams.CodeRequestTrafficExceedLimit:
		// The call runs and its answer is "unknown": an inquiry or a retry finds the truth.
		return antom.Replace
	}
	// Refused before anything happened, the traffic limit included: nothing to find later.
	return antom.Refuse
}

// Simulations is the error-scenario simulation over the store: it implements
// antom.Simulator and keeps the merchants' rules.
type Simulations struct {
	Store store.Store
	Clock clock.Clock
	// Config reads the rules a call may match, as of the configuration revision the call
	// pinned (httpapi pins it): required by Simulate.
	Config *store.ConfigCache
}

var _ antom.Simulator = Simulations{}

// Add stores r for merchant m after checking it.
func (s Simulations) Add(ctx context.Context, merchantID string, r Rule) (*store.SandboxSimulation, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	row := &store.SandboxSimulation{
		ID: uuid.Must(uuid.NewV7()).String(), MerchantID: merchantID, API: r.API, ResultCode: r.ResultCode,
		RequestID: r.RequestID, Amount: r.Amount, Times: r.Times, CreatedAt: s.Clock.Now().UTC().Truncate(time.Microsecond),
	}
	return row, s.Store.SandboxSimulationInsert(ctx, row)
}

// Simulate implements antom.Simulator: the merchant's rule that matches call, if any, is
// used once and forces the answer.
func (s Simulations) Simulate(ctx context.Context, m *payment.Merchant, call antom.Call) (antom.Forced, error) {
	for {
		rules, err := s.Config.Simulations(ctx, m.ID, call.API)
		if err != nil {
			return antom.Forced{}, err
		}
		r := pick(rules, call)
		if r == nil {
			return antom.Forced{}, nil
		}
		// Stale: another call had the rule's last use, or it was cleared, after the
		// revision the call pinned; that change moved the revision, so the rules read
		// under the one pinned anew leave the rule out. Each time one rule fewer is left,
		// so this ends.
		if err := s.Store.SandboxSimulationUse(ctx, r.ID); !errors.Is(err, store.ErrStale) {
			return forced(r), err
		}
		if ctx, err = s.Config.Pin(ctx); err != nil {
			return antom.Forced{}, err
		}
	}
}

// forced is the answer rule r imposes.
func forced(r *store.SandboxSimulation) antom.Forced {
	f := antom.Forced{Effect: effect(r.API, r.ResultCode), Code: r.ResultCode,
		Message: fmt.Sprintf("%s, forced by the sandbox's error-scenario rule %s", r.ResultCode, r.ID)}
	if f.Effect == antom.Timeout {
		f.Hold = TimeoutHold
	}
	return f
}

// pick is the rule that answers call among rules (oldest first): the most specific one
// that matches (a request id and an amount, then a request id, then an amount, then
// neither), and the oldest of those.
func pick(rules []*store.SandboxSimulation, call antom.Call) *store.SandboxSimulation {
	var best *store.SandboxSimulation
	bestScore := -1
	for _, r := range rules {
		if r.API != call.API || r.RequestID != "" && r.RequestID != call.RequestID || r.Amount.Currency != "" && r.Amount != call.Amount {
			continue
		}
		score := 0
		if r.RequestID != "" {
			score += 2
		}
		if r.Amount.Currency != "" {
			score++
		}
		if score > bestScore {
			best, bestScore = r, score
		}
	}
	return best
}

// RuleJSON is a rule as the CLI prints it and /sandbox/simulations answers it.
type RuleJSON struct {
	ID         string      `json:"id"`
	API        string      `json:"api"`
	ResultCode string      `json:"resultCode"`
	Effect     string      `json:"effect"`
	RequestID  string      `json:"requestId,omitempty"`
	Amount     *ams.Amount `json:"amount,omitempty"`
	// Times 0 answers until the rule is cleared.
	Times     int    `json:"times"`
	Used      int    `json:"used"`
	CreatedAt string `json:"createdAt"`
}

// effectNames name the effects in RuleJSON.
var effectNames = map[antom.Effect]string{
	antom.Refuse: "REFUSE", antom.Decline: "DECLINE", antom.Replace: "REPLACE", antom.Timeout: "TIMEOUT",
}

// RuleView renders a stored rule.
func RuleView(r *store.SandboxSimulation) RuleJSON {
	v := RuleJSON{ID: r.ID, API: r.API, ResultCode: r.ResultCode, Effect: effectNames[effect(r.API, r.ResultCode)],
		RequestID: r.RequestID, Times: r.Times, Used: r.Used, CreatedAt: r.CreatedAt.UTC().Format(time.RFC3339Nano)}
	if r.Amount.Currency != "" {
		v.Amount = &ams.Amount{Currency: r.Amount.Currency, Value: fmt.Sprint(r.Amount.Value)}
	}
	return v
}

// ParseAmount reads a rule's amount in the wire's form; nil is any amount.
func ParseAmount(a *ams.Amount) (payment.Amount, error) {
	if a == nil {
		return payment.Amount{}, nil
	}
	if a.Currency == "" {
		return payment.Amount{}, errors.New("amount.currency is required")
	}
	v, err := ams.ParseMinor(a.Value)
	if err != nil {
		return payment.Amount{}, fmt.Errorf("amount.value: %w", err)
	}
	return payment.Amount{Currency: a.Currency, Value: v}, nil
}
