package antom

import (
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
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
