package sandbox

import (
	"context"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
)

// The simulation's HTTP routes act for the merchant whose signature the request carries,
// as the API does, so that one merchant's rules never touch another's, and a merchant's
// own SDK or client (client.Send with the path) sets them. Each answers with Antom's
// result object, signed; a rule that is refused answers PARAM_ILLEGAL saying why.

type addRuleRequest struct {
	API        string      `json:"api"`
	ResultCode string      `json:"resultCode"`
	RequestID  string      `json:"requestId,omitempty"`
	Amount     *ams.Amount `json:"amount,omitempty"`
	// Times is a pointer so that an absent times is one call, as in the CLI.
	Times *int `json:"times,omitempty"`
}

type ruleResponse struct {
	Result     ams.Result `json:"result"`
	Simulation RuleJSON   `json:"simulation"`
}

type rulesResponse struct {
	Result      ams.Result `json:"result"`
	Simulations []RuleJSON `json:"simulations"`
}

type clearRequest struct {
	ID string `json:"id,omitempty"`
}

type clearResponse struct {
	Result  ams.Result `json:"result"`
	Cleared int        `json:"cleared"`
}

// decodeBody reads a simulation request strictly, as the API reads its own.
func decodeBody(body []byte, v any) error {
	if err := ams.Decode(body, v); err != nil {
		return payment.NewError(ams.CodeParamIllegal, err.Error())
	}
	return nil
}

// addRule is POST /sandbox/simulations.
func (s Simulations) addRule(ctx context.Context, m *payment.Merchant, body []byte) (any, error) {
	var req addRuleRequest
	if err := decodeBody(body, &req); err != nil {
		return nil, err
	}
	amount, err := ParseAmount(req.Amount)
	if err != nil {
		return nil, payment.NewError(ams.CodeParamIllegal, err.Error())
	}
	r := Rule{API: req.API, ResultCode: req.ResultCode, RequestID: req.RequestID, Amount: amount, Times: 1}
	if req.Times != nil {
		r.Times = *req.Times
	}
	if err := r.Check(); err != nil {
		return nil, payment.NewError(ams.CodeParamIllegal, err.Error())
	}
	row, err := s.Add(ctx, m.ID, r)
	if err != nil {
		return nil, err
	}
	return ruleResponse{Result: ams.SuccessResult(), Simulation: RuleView(row)}, nil
}

// listRules is POST /sandbox/simulations/list: the merchant's live rules, oldest first.
func (s Simulations) listRules(ctx context.Context, m *payment.Merchant, body []byte) (any, error) {
	var req struct {
		API string `json:"api,omitempty"`
	}
	if err := decodeBody(body, &req); err != nil {
		return nil, err
	}
	rules, err := s.Store.SandboxSimulationList(ctx, m.ID, req.API)
	if err != nil {
		return nil, err
	}
	out := rulesResponse{Result: ams.SuccessResult(), Simulations: []RuleJSON{}}
	for _, r := range rules {
		out.Simulations = append(out.Simulations, RuleView(r))
	}
	return out, nil
}

// clearRules is POST /sandbox/simulations/clear: {"id":…} clears one rule, {} all of them.
func (s Simulations) clearRules(ctx context.Context, m *payment.Merchant, body []byte) (any, error) {
	var req clearRequest
	if err := decodeBody(body, &req); err != nil {
		return nil, err
	}
	n, err := s.Store.SandboxSimulationClear(ctx, m.ID, req.ID)
	if err != nil {
		return nil, err
	}
	if n == 0 && req.ID != "" {
		return nil, payment.NewError(ams.CodeParamIllegal, "id names no rule of this merchant")
	}
	return clearResponse{Result: ams.SuccessResult(), Cleared: n}, nil
}
