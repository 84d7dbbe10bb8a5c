package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/httpapi"
)

// planJSON is one option of the card form's installment select, its label in the form's
// language with the amounts formatted as the rest of the page (formatMoney).
type planJSON struct {
	InstallmentNum int    `json:"installmentNum"`
	Label          string `json:"label"`
}

// getPlans answers the card form's question, once the buyer has typed the first digits of
// the card: which installment plans does this card have here? The form asks with the BIN
// only (six to eight digits), never the number. An answer with no plans leaves the select
// hidden and the payment in full. Both the hosted page and the SDK's frame ask it.
func (s *sdkFrame) getPlans(w http.ResponseWriter, r *http.Request) {
	setAPIHeaders(w, r)
	token := r.PathValue("token")
	opts, err := s.flow.InstallmentPlans(r.Context(), token, r.URL.Query().Get("bin"))
	if err != nil {
		status, _ := flowStatus(err)
		logFlowError(s.log, r, status, "InstallmentPlans", token, err)
		jsonError(w, status, "unavailable", "no installment plans can be shown")
		return
	}
	loc := sdkLocale(r)
	t := s.view.msgs[loc]
	out := struct {
		Plans []planJSON `json:"plans"`
	}{Plans: make([]planJSON, 0, len(opts))}
	for _, o := range opts {
		out.Plans = append(out.Plans, planJSON{InstallmentNum: o.Count, Label: planLabel(t, loc, o)})
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}

// planLabel says what the buyer pays: "3 monthly payments of MX$333.33", or, when the amount
// does not split evenly, with the first payment that takes the remainder.
func planLabel(t map[string]string, loc string, o checkout.PlanOption) string {
	key := "installmentEqual"
	if o.First.Value != o.Rest.Value {
		key = "installmentFirst"
	}
	return strings.NewReplacer(
		"{count}", strconv.Itoa(o.Count),
		"{amount}", formatMoney(loc, o.Rest.Currency, o.Rest.Value),
		"{first}", formatMoney(loc, o.First.Currency, o.First.Value),
	).Replace(t[key])
}
