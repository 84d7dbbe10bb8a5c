package sandbox

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/antom"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/store/sqlite"
)

func TestRuleCheck(t *testing.T) {
	usd := payment.Amount{Currency: "USD", Value: 1050}
	for _, tc := range []struct {
		rule Rule
		want string // "" for a rule that is fine
	}{
		{Rule{API: "pay", ResultCode: "DO_NOT_HONOR", Times: 1}, ""},
		{Rule{API: "pay", ResultCode: "TIMEOUT"}, ""},
		{Rule{API: "pay", ResultCode: "PAYMENT_IN_PROCESS", RequestID: "order-1", Amount: usd, Times: 3}, ""},
		{Rule{API: "capture", ResultCode: "CAPTURE_IN_PROCESS", Amount: usd}, ""},
		{Rule{API: "refund", ResultCode: "REFUND_WINDOW_EXCEED"}, ""},
		{Rule{API: "cancel", ResultCode: "CANCEL_WINDOW_EXCEED", RequestID: "order-1"}, ""},
		{Rule{API: "consult", ResultCode: "UNKNOWN_EXCEPTION"}, ""},
		{Rule{API: "vaultPaymentMethod", ResultCode: "VERIFICATION_FAIL", RequestID: "vault-1"}, ""},
		{Rule{API: "notifyVaulting", ResultCode: "PROCESS_FAIL"}, `api "notifyVaulting" is not an API cashier serves`},
		{Rule{API: "inquireVaulting", ResultCode: "ORDER_NOT_EXIST", Amount: payment.Amount{Currency: "USD", Value: 100}}, "inquireVaulting carries no amount"},
		{Rule{API: "pay", ResultCode: "SUCCESS"}, "resultCode SUCCESS is what pay answers without a rule"},
		// Documented for capture, not for pay, and the other way round.
		{Rule{API: "pay", ResultCode: "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT"}, `not a result code Antom documents for pay`},
		{Rule{API: "capture", ResultCode: "DO_NOT_HONOR"}, `not a result code Antom documents for capture`},
		{Rule{API: "createPaymentSession", ResultCode: "PAYMENT_IN_PROCESS"}, `documents for createPaymentSession`},
		{Rule{API: "pay", ResultCode: "do_not_honor"}, `"do_not_honor" is not a result code`},
		{Rule{API: "pay"}, "resultCode is required"},
		{Rule{ResultCode: "DO_NOT_HONOR"}, "api is required"},
		{Rule{API: "pay", ResultCode: "DO_NOT_HONOR", Times: -1}, "times must be 0"},
		{Rule{API: "pay", ResultCode: "DO_NOT_HONOR", RequestID: strings.Repeat("x", 65)}, "longer than 64"},
		{Rule{API: "consult", ResultCode: "PARAM_ILLEGAL", RequestID: "x"}, "consult carries no request id"},
		{Rule{API: "inquireExchangeRate", ResultCode: "SETTLE_CONTRACT_NOT_MATCH", Times: 1}, ""},
		{Rule{API: "inquireExchangeRate", ResultCode: "DO_NOT_HONOR"}, "not a result code Antom documents for inquireExchangeRate"},
		{Rule{API: "inquireExchangeRate", ResultCode: "PROCESS_FAIL", Amount: usd}, "inquireExchangeRate carries no amount"},
		{Rule{API: "inquiryPayment", ResultCode: "ORDER_NOT_EXIST", Amount: usd}, "inquiryPayment carries no amount"},
		{Rule{API: "acceptDispute", ResultCode: "TIME_EXCEEDS_LIMIT"}, ""},
		{Rule{API: "supplyDefenseDocument", ResultCode: "DEFENSE_EXCEED_LIMIT", Times: 1}, ""},
		{Rule{API: "acceptDispute", ResultCode: "DEFENSE_EXCEED_LIMIT"}, "documents for acceptDispute"},
		{Rule{API: "downloadDisputeEvidence", ResultCode: "PARAM_ILLEGAL", RequestID: "x"}, "downloadDisputeEvidence carries no request id"},
		{Rule{API: "supplyDefenseDocument", ResultCode: "REPEAT_REQUEST", Amount: usd}, "supplyDefenseDocument carries no amount"},
		{Rule{API: "pay", ResultCode: "DO_NOT_HONOR", Amount: payment.Amount{Currency: "XYZ", Value: 1}}, "not an ISO 4217 currency"},
		{Rule{API: "pay", ResultCode: "DO_NOT_HONOR", Amount: payment.Amount{Currency: "USD"}}, "positive number of minor units"},
	} {
		err := tc.rule.Check()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.rule, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: error %v, want one saying %q", tc.rule, err, tc.want)
		}
	}
}

func TestEffect(t *testing.T) {
	for _, tc := range []struct {
		api, code string
		want      antom.Effect
	}{
		{"pay", "DO_NOT_HONOR", antom.Decline},
		{"pay", "RISK_REJECT", antom.Decline},
		{"refund", "RISK_REJECT", antom.Refuse}, // a decline only where a payment can fail
		{"pay", "PARAM_ILLEGAL", antom.Refuse},
		{"pay", "REPEAT_REQ_INCONSISTENT", antom.Refuse},
		{"pay", "REQUEST_TRAFFIC_EXCEED_LIMIT", antom.Refuse}, // U, but nothing ran
		{"pay", "PAYMENT_IN_PROCESS", antom.Replace},
		{"pay", "UNKNOWN_EXCEPTION", antom.Replace},
		{"capture", "CAPTURE_IN_PROCESS", antom.Replace},
		{"refund", "REFUND_IN_PROCESS", antom.Replace},
		{"inquiryPayment", "TIMEOUT", antom.Timeout},
	} {
		if got := effect(tc.api, tc.code); got != tc.want {
			t.Errorf("effect(%s, %s) = %v, want %v", tc.api, tc.code, got, tc.want)
		}
	}
	// Every documented code has an effect that does something.
	for api, codes := range apiCodes {
		for _, c := range codes {
			if effect(api, c) == antom.Normal {
				t.Errorf("effect(%s, %s) is Normal", api, c)
			}
		}
	}
}

func TestPick(t *testing.T) {
	base := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	usd := payment.Amount{Currency: "USD", Value: 1050}
	rule := func(id, api, requestID string, amount payment.Amount, age int) *store.SandboxSimulation {
		return &store.SandboxSimulation{ID: id, API: api, ResultCode: "DO_NOT_HONOR", RequestID: requestID, Amount: amount,
			CreatedAt: base.Add(time.Duration(age) * time.Second)}
	}
	anyPay := rule("any", "pay", "", payment.Amount{}, 0)
	anyPayLater := rule("any-later", "pay", "", payment.Amount{}, 1)
	byAmount := rule("amount", "pay", "", usd, 2)
	byID := rule("id", "pay", "order-1", payment.Amount{}, 3)
	byBoth := rule("both", "pay", "order-1", usd, 4)
	refund := rule("refund", "refund", "", payment.Amount{}, 0)
	all := []*store.SandboxSimulation{anyPay, anyPayLater, byAmount, byID, byBoth, refund}

	for _, tc := range []struct {
		name  string
		rules []*store.SandboxSimulation
		call  antom.Call
		want  string // "" for none
	}{
		{"no rules", nil, antom.Call{API: "pay"}, ""},
		{"another API's rule", []*store.SandboxSimulation{refund}, antom.Call{API: "pay"}, ""},
		{"the oldest of equals", []*store.SandboxSimulation{anyPay, anyPayLater}, antom.Call{API: "pay", RequestID: "x"}, "any"},
		{"request id and amount first", all, antom.Call{API: "pay", RequestID: "order-1", Amount: usd}, "both"},
		{"request id before amount", all, antom.Call{API: "pay", RequestID: "order-1", Amount: payment.Amount{Currency: "USD", Value: 1}}, "id"},
		{"amount before any", all, antom.Call{API: "pay", RequestID: "order-2", Amount: usd}, "amount"},
		{"same value, other currency", []*store.SandboxSimulation{byAmount}, antom.Call{API: "pay", Amount: payment.Amount{Currency: "EUR", Value: 1050}}, ""},
		{"no amount in the call", []*store.SandboxSimulation{byAmount}, antom.Call{API: "pay"}, ""},
		{"other request id", []*store.SandboxSimulation{byID}, antom.Call{API: "pay", RequestID: "order-10"}, ""},
		{"refund rule", all, antom.Call{API: "refund", RequestID: "r1"}, "refund"},
	} {
		got := pick(tc.rules, tc.call)
		switch {
		case tc.want == "" && got != nil:
			t.Errorf("%s: picked %s, want none", tc.name, got.ID)
		case tc.want != "" && (got == nil || got.ID != tc.want):
			t.Errorf("%s: picked %v, want %s", tc.name, got, tc.want)
		}
	}
}

// TestSimulateRuleSpentSincePinned: a call that pinned the configuration before another
// call had a rule's last use finds the rule in the rules of its revision, is told it is
// spent, and looks again under the revision now, instead of picking the spent rule for
// ever.
func TestSimulateRuleSpentSincePinned(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "cashier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	m := &payment.Merchant{ID: "m-1", ClientID: "client-1", Name: "Shop", CreatedAt: time.Now().UTC()}
	if err := st.MerchantInsert(ctx, m); err != nil {
		t.Fatal(err)
	}
	s := Simulations{Store: st, Clock: clock.Real{}, Config: store.NewConfigCache(st)}
	if _, err := s.Add(ctx, m.ID, Rule{API: "pay", ResultCode: "DO_NOT_HONOR", Times: 1}); err != nil {
		t.Fatal(err)
	}
	call := antom.Call{API: "pay", RequestID: "order-1"}

	early, err := s.Config.Pin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rules, err := s.Config.Simulations(early, m.ID, "pay"); err != nil || len(rules) != 1 {
		t.Fatalf("rules at the revision pinned: %v, %v; want the one rule", rules, err)
	}
	if f, err := s.Simulate(ctx, m, call); err != nil || f.Code != "DO_NOT_HONOR" {
		t.Fatalf("the first call: %+v, %v; want DO_NOT_HONOR", f, err)
	}
	if f, err := s.Simulate(early, m, call); err != nil || f.Effect != antom.Normal {
		t.Fatalf("the call pinned before the rule was spent: %+v, %v; want no rule", f, err)
	}
}
