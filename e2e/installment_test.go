package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
)

const (
	visaMXInstallments = "4006055482525268" // MXN 3, 6, 9, 12 from MXN 100.00 an instalment
	visaTHInstallments = "4890070000000008" // THB 3, 6, 10
)

// TestInstallmentPay: a pay with creditPayPlan the card's issuer has is approved and reports
// the plan in pay, inquiryPayment and notifyPayment; a plan the card lacks is declined with
// CARD_NOT_SUPPORTED; a malformed plan is refused with PARAM_ILLEGAL naming the field; a retry
// with another plan is inconsistent.
func TestInstallmentPay(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	req := payReq(visaMXInstallments, "MXN", 100000)
	req.CreditPayPlan = &ams.CreditPayPlan{InstallmentNum: 3}
	resp := e.pay(req)
	wantResult(t, resp.Result, "S", "SUCCESS")
	want := ams.CreditPayPlan{InstallmentNum: 3, Interval: ams.IntervalMonth}
	if pl := resp.PaymentResultInfo.CreditPayPlan; pl == nil || *pl != want {
		t.Fatalf("pay: creditPayPlan %+v, want %+v", pl, want)
	}
	if *resp.PaymentAmount != (ams.Amount{Currency: "MXN", Value: "100000"}) {
		t.Fatalf("pay: amount %+v: the whole amount is authorized at once", resp.PaymentAmount)
	}
	if pl := e.inquiry(resp.PaymentID).PaymentResultInfo.CreditPayPlan; pl == nil || *pl != want {
		t.Fatalf("inquiryPayment: creditPayPlan %+v", pl)
	}
	ns, err := e.app.Store.NotificationListByPayment(ctx, resp.PaymentID)
	if err != nil {
		t.Fatal(err)
	}
	var notified bool
	for _, n := range ns {
		if n.Kind != payment.NotifyPayment {
			continue
		}
		var body ams.PaymentNotification
		if err := json.Unmarshal(n.Body, &body); err != nil {
			t.Fatal(err)
		}
		if pl := body.PaymentResultInfo.CreditPayPlan; pl == nil || *pl != want {
			t.Fatalf("notifyPayment: creditPayPlan %+v", pl)
		}
		notified = true
	}
	if !notified {
		t.Fatal("no notifyPayment")
	}
	// The same request again answers the same payment; with another plan it is inconsistent.
	if again := e.pay(req); again.PaymentID != resp.PaymentID {
		t.Fatalf("retry: payment %s, want %s", again.PaymentID, resp.PaymentID)
	}
	req.CreditPayPlan = &ams.CreditPayPlan{InstallmentNum: 6}
	wantResult(t, e.pay(req).Result, "F", payment.CodeRepeatReqInconsistent)

	// The fee fields are repeated as sent and change nothing of the amount.
	fee := payReq(visaTHInstallments, "THB", 300000)
	fee.CreditPayPlan = &ams.CreditPayPlan{InstallmentNum: 10, Interval: ams.IntervalMonth, CreditPayFeeType: ams.CreditPayFeePercent, FeePercentage: 3}
	r := e.pay(fee)
	wantResult(t, r.Result, "S", "SUCCESS")
	if pl := r.PaymentResultInfo.CreditPayPlan; pl == nil || *pl != *fee.CreditPayPlan || r.PaymentAmount.Value != "300000" {
		t.Fatalf("with a fee: %+v, amount %+v", pl, r.PaymentAmount)
	}

	for _, c := range []struct {
		card, currency string
		value          int64
		n              ams.Int
	}{
		{visaOK, "USD", 100000, 3},              // no installments on this card
		{visaMXInstallments, "MXN", 100000, 12}, // MXN 83.33 an instalment is under the minimum
		{visaMXInstallments, "MXN", 100000, 4},  // not a count the issuer has
		{visaMXInstallments, "USD", 100000, 3},  // not in the issuer's currency
	} {
		req := payReq(c.card, c.currency, c.value)
		req.CreditPayPlan = &ams.CreditPayPlan{InstallmentNum: c.n}
		resp := e.pay(req)
		wantResult(t, resp.Result, "F", payment.CodeCardNotSupported)
		if !strings.Contains(resp.Result.ResultMessage, "creditPayPlan.installmentNum") {
			t.Errorf("%s %s %d in %d: message %q names no field", c.card, c.currency, c.value, c.n, resp.Result.ResultMessage)
		}
		inq := e.inquiry(resp.PaymentID)
		if inq.PaymentStatus != "FAIL" || inq.PaymentResultCode != payment.CodeCardNotSupported {
			t.Errorf("inquiry of the declined plan: %+v", inq)
		}
	}

	bad := payReq(visaMXInstallments, "MXN", 100000)
	bad.CreditPayPlan = &ams.CreditPayPlan{InstallmentNum: 1}
	r = e.pay(bad)
	wantResult(t, r.Result, "F", payment.CodeParamIllegal)
	if !strings.Contains(r.Result.ResultMessage, "creditPayPlan.installmentNum") {
		t.Errorf("message %q", r.Result.ResultMessage)
	}
	if got, err := e.c.InquiryPayment(ctx, &ams.InquiryPaymentRequest{PaymentRequestID: bad.PaymentRequestID}); err != nil || got.Result.ResultCode != payment.CodeOrderNotExist {
		t.Errorf("a refused plan stored a payment: %+v %v", got, err)
	}
}
