package checkout

import (
	"reflect"
	"testing"

	"github.com/cashierpay/cashier/internal/payment"
)

// TestChosenPlan: on a form that collects installments the buyer's choice is the plan (0 pays
// in full, the merchant's own plan keeps its fee fields); elsewhere the merchant's plan
// stands whatever was posted; a count no form offers is refused.
func TestChosenPlan(t *testing.T) {
	merchant := &payment.Plan{Count: 6, Interval: payment.IntervalMonth, FeeType: payment.FeePercentage, FeePercent: 2}
	collect := payment.Order{CollectInstallments: true, Plan: merchant}
	for _, c := range []struct {
		order payment.Order
		n     int
		want  *payment.Plan
		ok    bool
	}{
		{collect, 0, nil, true},
		{collect, 6, merchant, true},
		{collect, 3, &payment.Plan{Count: 3, Interval: payment.IntervalMonth}, true},
		{collect, 1, nil, false},
		{collect, -1, nil, false},
		{collect, payment.MaxInstallments + 1, nil, false},
		{payment.Order{Plan: merchant}, 3, merchant, true},
		{payment.Order{}, 3, nil, true},
	} {
		got, ok := chosenPlan(c.order, c.n)
		if ok != c.ok || !reflect.DeepEqual(got, c.want) {
			t.Errorf("chosenPlan(%+v, %d) = %+v, %v; want %+v, %v", c.order, c.n, got, ok, c.want, c.ok)
		}
	}
}
