package antom

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/merchantapi"
	"github.com/cashierpay/cashier/internal/payment"
)

// TestDeviceLanguageKept: env.deviceLanguage of pay and createPaymentSession is kept with the
// order, so that the buyer's pages speak it; a session's env without a terminal type keeps it.
func TestDeviceLanguageKept(t *testing.T) {
	req, _ := validPay()
	req.PaymentMethod = &ams.PaymentMethod{PaymentMethodType: ams.PaymentMethodCard}
	req.Env.DeviceLanguage = "ko_KR"
	pay, perr := parsePay(req)
	if perr != nil {
		t.Fatal(perr)
	}
	if pay.Order.DeviceLanguage != "ko_KR" {
		t.Errorf("pay: order deviceLanguage %q", pay.Order.DeviceLanguage)
	}
	for _, env := range []*ams.Env{{TerminalType: "WAP", DeviceLanguage: "pt-BR"}, {DeviceLanguage: "pt-BR"}} {
		s, perr := parseSession(&ams.CreatePaymentSessionRequest{
			ProductCode: ams.ProductCashierPayment, PaymentRequestID: "S1", Order: req.Order, PaymentAmount: req.PaymentAmount,
			PaymentRedirectURL: req.PaymentRedirectURL, Env: env,
		}, time.Now())
		if perr != nil {
			t.Fatal(perr)
		}
		if s.Order.DeviceLanguage != "pt-BR" || s.Order.TerminalType == "" {
			t.Errorf("session with env %+v: order %+v", env, s.Order)
		}
	}
}

// TestCreditPayPlan: creditPayPlan is checked field by field, in the SDKs' JSON types or as the
// strings Antom's documentation sends, on pay and createPaymentSession alike.
func TestCreditPayPlan(t *testing.T) {
	for _, c := range []struct {
		plan  string
		want  *payment.Plan
		field string // named by the refusal
	}{
		{`{"installmentNum":3}`, &payment.Plan{Count: 3, Interval: "MONTH"}, ""},
		{`{"installmentNum":"6","interval":"MONTH","creditPayFeeType":"PERCENTAGE","feePercentage":"2"}`, &payment.Plan{Count: 6, Interval: "MONTH", FeeType: "PERCENTAGE", FeePercent: 2}, ""},
		{`null`, nil, ""},
		{`{}`, nil, "creditPayPlan.installmentNum"},
		{`{"installmentNum":1}`, nil, "creditPayPlan.installmentNum"},
		{`{"installmentNum":37}`, nil, "creditPayPlan.installmentNum"},
		{`{"installmentNum":3.5}`, nil, "creditPayPlan.installmentNum"},
		{`{"installmentNum":"three"}`, nil, "creditPayPlan.installmentNum"},
		{`{"installmentNum":3,"interval":"WEEK"}`, nil, "creditPayPlan.interval"},
		{`{"installmentNum":3,"creditPayFeeType":"FIXED"}`, nil, "creditPayPlan.creditPayFeeType"},
		{`{"installmentNum":3,"feePercentage":5}`, nil, "creditPayPlan.creditPayFeeType"},
		{`{"installmentNum":3,"creditPayFeeType":"PERCENTAGE","feePercentage":101}`, nil, "creditPayPlan.feePercentage"},
	} {
		req, _ := validPay()
		body, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		body = append(body[:len(body)-1], []byte(`,"creditPayPlan":`+c.plan+`}`)...)
		cmd, err := parseCommand("pay", body)
		var pe *payment.Error
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%s: %v", c.plan, err)
		case c.field == "" && !reflect.DeepEqual(cmd.(*merchantapi.PayCommand).Order.Plan, c.want):
			t.Errorf("%s: plan %+v, want %+v", c.plan, cmd.(*merchantapi.PayCommand).Order.Plan, c.want)
		case c.field != "" && (!errors.As(err, &pe) || pe.Code != payment.CodeParamIllegal || !strings.Contains(pe.Message, c.field)):
			t.Errorf("%s: %v, want PARAM_ILLEGAL naming %s", c.plan, err, c.field)
		}
	}
	req, _ := validPay()
	s, perr := parseSession(&ams.CreatePaymentSessionRequest{
		ProductCode: ams.ProductCashierPayment, PaymentRequestID: "S1", Order: req.Order, PaymentAmount: req.PaymentAmount,
		PaymentRedirectURL: req.PaymentRedirectURL, EnableInstallmentCollection: true, CreditPayPlan: &ams.CreditPayPlan{InstallmentNum: 6},
	}, time.Now())
	if perr != nil || !s.Order.CollectInstallments || s.Order.Plan == nil || s.Order.Plan.Count != 6 {
		t.Errorf("session: %+v, %v", s, perr)
	}
	mit, _ := validPay()
	mit.PaymentMethod = &ams.PaymentMethod{PaymentMethodType: ams.PaymentMethodCard, PaymentMethodID: "tok", PaymentMethodMetaData: json.RawMessage(`{"networkTransactionId":"123"}`)}
	mit.CreditPayPlan = &ams.CreditPayPlan{InstallmentNum: 3}
	if _, perr := parsePay(mit); perr == nil || !strings.Contains(perr.Message, "creditPayPlan") {
		t.Errorf("a merchant-initiated payment with a plan: %v", perr)
	}
}
