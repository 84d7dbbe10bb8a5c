package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/checkout"
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
	t.Parallel()
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

// TestInstallmentCardForm: the buyer's side without a browser, on both engines. A session
// that collects installments lists the card's plans at the form's endpoint (by BIN, labelled),
// refuses a plan no form offers without moving the payment, declines a plan the card lacks
// and lets the buyer try again, and records the plan chosen. A hosted pay with creditPayPlan
// offers no choice and authorizes the merchant's plan.
func TestInstallmentCardForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	resp, reqID := installmentSession(t, e, "")
	_, token, _ := strings.Cut(resp.NormalURL, "/checkout/")

	var plans struct {
		Plans []struct {
			InstallmentNum int    `json:"installmentNum"`
			Label          string `json:"label"`
		} `json:"plans"`
	}
	get := func(bin string) int {
		t.Helper()
		r, err := http.Get(e.baseURL + "/sdk/api/" + token + "/installments?locale=en_US&bin=" + bin)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		plans.Plans = nil
		if err := json.NewDecoder(r.Body).Decode(&plans); err != nil && r.StatusCode == http.StatusOK {
			t.Fatal(err)
		}
		return r.StatusCode
	}
	if st := get("40060554"); st != http.StatusOK || len(plans.Plans) != 3 || plans.Plans[0].InstallmentNum != 3 ||
		plans.Plans[0].Label != "3 monthly payments: MX$333.34, then MX$333.33" {
		t.Fatalf("plans of the Mexican card: %d %+v", st, plans.Plans)
	}
	for _, bin := range []string{"40546957", "4006", "400605548", "4006x554"} {
		if st := get(bin); st != http.StatusOK || len(plans.Plans) != 0 {
			t.Errorf("bin %q: %d %+v", bin, st, plans.Plans)
		}
	}
	if r, err := http.Get(e.baseURL + "/sdk/api/no-such-token/installments?bin=40060554"); err != nil || r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown page: %v %v", r, err)
	}

	mx := checkout.CardInput{Number: visaMXInstallments, ExpiryMonth: "12", ExpiryYear: "30", CVV: "123", HolderName: "Ada Lovelace"}
	bad := mx
	bad.Installments = 1
	v, err := e.app.Checkout.SubmitCard(ctx, token, bad)
	if err != nil || v.Step != checkout.StepCard || v.FieldErrors["installments"] == "" {
		t.Fatalf("a plan no form offers: %+v %v", v, err)
	}
	twelve := mx
	twelve.Installments = 12 // under MXN 100.00 an instalment: not offered, declined
	if v, err = e.app.Checkout.SubmitCard(ctx, token, twelve); err != nil || v.Step != checkout.StepCard || v.DeclineCode != payment.CodeCardNotSupported {
		t.Fatalf("a plan the card lacks: %+v %v", v, err)
	}
	three := mx
	three.Installments = 3
	if v, err = e.app.Checkout.SubmitCard(ctx, token, three); err != nil || v.Status != payment.Success {
		t.Fatalf("a plan the card has: %+v %v", v, err)
	}
	wantPlan(t, e, reqID, 3)
	if st := get("40060554"); st != http.StatusOK || len(plans.Plans) != 0 {
		t.Errorf("a paid form still offers plans: %+v", plans.Plans)
	}

	// Hosted pay with the merchant's plan: no select, the plan is authorized as sent.
	hosted := hostedReq("THB", 300000, "")
	hosted.CreditPayPlan = &ams.CreditPayPlan{InstallmentNum: 6}
	tok := pageToken(t, e.pay(hosted))
	if v, err = e.app.Checkout.HostedPage(ctx, tok); err != nil || v.CollectInstallments || v.PlanCount != 6 {
		t.Fatalf("hosted view: %+v %v", v, err)
	}
	th := mx
	th.Number, th.Installments = visaTHInstallments, 10 // a choice the page never offered is not taken
	if v, err = e.app.Checkout.SubmitCard(ctx, tok, th); err != nil || v.Status != payment.Success {
		t.Fatalf("hosted card: %+v %v", v, err)
	}
	wantPlan(t, e, hosted.PaymentRequestID, 6)
}
