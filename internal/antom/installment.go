package antom

import (
	"fmt"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
)

// parsePlan checks creditPayPlan. Whether the card has the plan is the issuer's to say when
// it authorizes; here only its shape is checked. Result codes: PARAM_ILLEGAL.
func parsePlan(pl *ams.CreditPayPlan) (*payment.Plan, *payment.Error) {
	if pl == nil {
		return nil, nil
	}
	n := int(pl.InstallmentNum)
	switch {
	case n == 0:
		return nil, paramError("creditPayPlan.installmentNum", "is required; omit creditPayPlan to pay in full")
	case n < payment.MinInstallments || n > payment.MaxInstallments:
		return nil, paramError("creditPayPlan.installmentNum", fmt.Sprintf("must be from %d to %d", payment.MinInstallments, payment.MaxInstallments))
	}
	out := &payment.Plan{Count: n, Interval: payment.IntervalMonth, FeeType: pl.CreditPayFeeType, FeePercent: int(pl.FeePercentage)}
	if pl.Interval != "" && pl.Interval != payment.IntervalMonth {
		return nil, paramError("creditPayPlan.interval", "must be MONTH")
	}
	if out.FeeType != "" && out.FeeType != payment.FeePercentage {
		return nil, paramError("creditPayPlan.creditPayFeeType", "must be PERCENTAGE")
	}
	if out.FeePercent < 0 || out.FeePercent > 100 {
		return nil, paramError("creditPayPlan.feePercentage", "must be from 0 to 100")
	}
	if out.FeePercent != 0 && out.FeeType == "" {
		return nil, paramError("creditPayPlan.creditPayFeeType", "is required with feePercentage")
	}
	return out, nil
}

// wirePlan renders a plan as paymentResultInfo.creditPayPlan.
func wirePlan(p *payment.Plan) *ams.CreditPayPlan {
	if p == nil {
		return nil
	}
	return &ams.CreditPayPlan{InstallmentNum: ams.Int(p.Count), Interval: p.Interval, CreditPayFeeType: p.FeeType, FeePercentage: ams.Int(p.FeePercent)}
}
