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

// TestParseCardOnFile: isCardOnFile saves the card; recurringType makes a merchant-initiated
// payment, which needs a token and the series' networkTransactionId and refuses what only a
// buyer could give; selectedCardBrand names a brand the table has.
func TestParseCardOnFile(t *testing.T) {
	const meta = "paymentMethod.paymentMethodMetaData."
	mit := func(md *ams.CardMetaData) {
		*md = ams.CardMetaData{RecurringType: "SCHEDULED", NetworkTransactionID: "123456789012345"}
	}
	for _, tt := range []struct {
		name       string
		token      string
		edit       func(*ams.CardMetaData)
		code, text string // text: the field the message names
		check      func(*merchantapi.PayCommand) bool
	}{
		{"card on file saves the card", "", func(md *ams.CardMetaData) { md.IsCardOnFile = true }, "", "",
			func(c *merchantapi.PayCommand) bool { return c.Order.Tokenize && c.Order.RecurringType == "" }},
		{"scheduled MIT", "tok", mit, "", "",
			func(c *merchantapi.PayCommand) bool {
				return c.Order.RecurringType == "SCHEDULED" && c.NetworkTransactionID == "123456789012345" && c.Token == "tok" && !c.Order.Tokenize
			}},
		{"unscheduled MIT, flagged card on file", "tok", func(md *ams.CardMetaData) {
			mit(md)
			md.RecurringType, md.IsCardOnFile = "UNSCHEDULED", true
		}, "", "", func(c *merchantapi.PayCommand) bool { return c.Order.RecurringType == "UNSCHEDULED" }},
		{"MIT without token", "", func(md *ams.CardMetaData) {
			mit(md)
			md.CardNo, md.ExpiryMonth, md.ExpiryYear = "4054695723100768", "12", "30"
		}, "PARAM_ILLEGAL", "paymentMethod.paymentMethodId", nil},
		{"recurringType unknown", "tok", func(md *ams.CardMetaData) { mit(md); md.RecurringType = "MONTHLY" }, "PARAM_ILLEGAL", meta + "recurringType", nil},
		{"networkTransactionId alone", "tok", func(md *ams.CardMetaData) { mit(md); md.RecurringType = "" }, "PARAM_ILLEGAL", meta + "recurringType", nil},
		{"recurringType alone", "tok", func(md *ams.CardMetaData) { mit(md); md.NetworkTransactionID = "" }, "PARAM_ILLEGAL", meta + "networkTransactionId", nil},
		{"MIT with CVV", "tok", func(md *ams.CardMetaData) { mit(md); md.CVV = "123" }, "PARAM_ILLEGAL", meta + "cvv", nil},
		{"MIT asking the buyer's CVV", "tok", func(md *ams.CardMetaData) { mit(md); md.NeedCVV = true }, "PARAM_ILLEGAL", meta + "needCVV", nil},
		{"MIT with 3-D Secure", "tok", func(md *ams.CardMetaData) { mit(md); md.Is3DSAuthentication = true }, "PARAM_ILLEGAL", meta + "is3DSAuthentication", nil},
		{"MIT with MPI data", "tok", func(md *ams.CardMetaData) {
			mit(md)
			md.MpiData = &ams.MpiData{ThreeDSVersion: "2.2.0", Eci: "05"}
		}, "PARAM_ILLEGAL", meta + "is3DSAuthentication", nil},
		{"selected brand", "", func(md *ams.CardMetaData) { md.SelectedCardBrand = "CARTES_BANCAIRES" }, "", "",
			func(c *merchantapi.PayCommand) bool { return c.SelectedBrand == "CARTES_BANCAIRES" }},
		{"selected brand unknown", "", func(md *ams.CardMetaData) { md.SelectedCardBrand = "NOSUCH" }, "SELECTED_CARD_BRAND_NOT_AVAILABLE", "NOSUCH", nil},
	} {
		req, md := validPay()
		tt.edit(md)
		raw, err := json.Marshal(md)
		if err != nil {
			t.Fatal(err)
		}
		req.PaymentMethod.PaymentMethodID, req.PaymentMethod.PaymentMethodMetaData = tt.token, raw
		cmd, perr := parsePay(req)
		switch {
		case tt.code == "" && perr != nil:
			t.Errorf("%s: %v", tt.name, perr)
		case tt.code == "" && !tt.check(cmd):
			t.Errorf("%s: command %+v", tt.name, cmd)
		case tt.code != "" && (perr == nil || perr.Code != tt.code || !strings.Contains(perr.Message, tt.text)):
			t.Errorf("%s: %v, want %s naming %s", tt.name, perr, tt.code, tt.text)
		}
	}
	// A session has a buyer and a card form: no MIT, and the buyer chooses the brand.
	for _, md := range []string{`{"recurringType":"SCHEDULED","networkTransactionId":"1"}`, `{"selectedCardBrand":"VISA"}`} {
		req, _ := validPay()
		_, perr := parseSession(&ams.CreatePaymentSessionRequest{
			ProductCode: ams.ProductCashierPayment, PaymentRequestID: "S1", Order: req.Order, PaymentAmount: req.PaymentAmount,
			PaymentRedirectURL: req.PaymentRedirectURL,
			PaymentMethod:      &ams.PaymentMethod{PaymentMethodType: "CARD", PaymentMethodID: "tok", PaymentMethodMetaData: []byte(md)},
		}, time.Now())
		if perr == nil || perr.Code != "PARAM_ILLEGAL" {
			t.Errorf("session with %s: %v", md, perr)
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
	mit.PaymentMethod = &ams.PaymentMethod{PaymentMethodType: ams.PaymentMethodCard, PaymentMethodID: "tok", PaymentMethodMetaData: json.RawMessage(`{"recurringType":"SCHEDULED","networkTransactionId":"123456789012345"}`)}
	mit.CreditPayPlan = &ams.CreditPayPlan{InstallmentNum: 3}
	if _, perr := parsePay(mit); perr == nil || !strings.Contains(perr.Message, "creditPayPlan") {
		t.Errorf("a merchant-initiated payment with a plan: %v", perr)
	}
}
