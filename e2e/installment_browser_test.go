package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/browsertest"
)

// installmentSession opens a session of MXN 1,000.00 that collects installments.
func installmentSession(t *testing.T, e *env, redirect string) (*ams.CreatePaymentSessionResponse, string) {
	t.Helper()
	req := sessionReq(100000)
	req.PaymentAmount = &ams.Amount{Currency: "MXN", Value: "100000"}
	req.EnableInstallmentCollection = true
	if redirect != "" {
		req.PaymentRedirectURL = redirect + "/return/" + req.PaymentRequestID
	}
	resp, err := e.c.CreatePaymentSession(context.Background(), req)
	if err != nil || resp.Result.ResultCode != "SUCCESS" || resp.NormalURL == "" {
		t.Fatalf("createPaymentSession: %+v %v", resp, err)
	}
	return resp, req.PaymentRequestID
}

func wantPlan(t *testing.T, e *env, requestID string, n ams.Int) {
	t.Helper()
	inq, err := e.c.InquiryPayment(context.Background(), &ams.InquiryPaymentRequest{PaymentRequestID: requestID})
	if err != nil || inq.PaymentStatus != "SUCCESS" {
		t.Fatalf("inquiryPayment: %+v %v", inq, err)
	}
	want := ams.CreditPayPlan{InstallmentNum: n, Interval: ams.IntervalMonth}
	pl := inq.PaymentResultInfo.CreditPayPlan
	if (n == 0) != (pl == nil) || (pl != nil && *pl != want) {
		t.Fatalf("merchant sees creditPayPlan %+v, want %d instalments", pl, n)
	}
}

// TestBrowserInstallments: on the card form of a session that collects installments, the
// buyer who types a card with plans is offered them (in the page's language, the first
// instalment taking the remainder), chooses one with the native select, and the merchant
// learns it; a card without plans shows no choice and pays in full. The form passes axe with
// the plans showing, on the hosted page and in the SDK's frame.
func TestBrowserInstallments(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	e := newEnv(t)

	planValues := `Array.from(document.querySelectorAll('#installments option')).map(o => o.value + '|' + o.textContent)`
	t.Run("hosted page", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		resp, reqID := installmentSession(t, e, "")
		run(t, ctx, chromedp.Navigate(resp.NormalURL+"?locale=en_US"), chromedp.WaitVisible(chromedp.CSS("#cardNo")))
		var hidden bool
		run(t, ctx, into(&hidden, chromedp.Evaluate[bool](`document.getElementById('installments-field').hidden`)))
		if !hidden {
			t.Fatal("the plans show before a card is typed")
		}
		// A card without plans: no choice.
		run(t, ctx, chromedp.SendKeys(chromedp.CSS("#cardNo"), visaOK))
		var asked bool
		run(t, ctx, into(&asked, chromedp.Poll[bool](`document.getElementById('installments').dataset.bin === '40546957'`)))
		run(t, ctx, into(&hidden, chromedp.Evaluate[bool](`document.getElementById('installments-field').hidden`)))
		if !hidden {
			t.Fatal("a card without installments is offered plans")
		}
		// The Mexican card: 3, 6 and 9 (12 would be under MXN 100.00 each).
		run(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('cardNo').value = ''`),
			chromedp.SendKeys(chromedp.CSS("#cardNo"), visaMXInstallments), chromedp.WaitVisible(chromedp.CSS("#installments")))
		var opts []string
		run(t, ctx, into(&opts, chromedp.Evaluate[[]string](planValues)))
		want := []string{"0|Pay in full", "3|3 monthly payments: MX$333.34, then MX$333.33", "6|6 monthly payments: MX$166.70, then MX$166.66", "9|9 monthly payments: MX$111.12, then MX$111.11"}
		if !slices.Equal(opts, want) {
			t.Fatalf("plans %q, want %q", opts, want)
		}
		run(t, ctx, chromedp.SendKeys(chromedp.CSS("#expiry"), "1230"), chromedp.SendKeys(chromedp.CSS("#cvv"), "846"),
			chromedp.SendKeys(chromedp.CSS("#holderName"), "Ada Lovelace"), chromedp.SetValue(chromedp.CSS("#installments"), "6"))
		browsertest.Axe(t, ctx, "card form with installment plans")
		run(t, ctx, chromedp.Click(chromedp.CSS("#pay")), waitResult("SUCCESS", ""))
		wantPlan(t, e, reqID, 6)
	})

	t.Run("hosted page in Portuguese, pay in full", func(t *testing.T) {
		ctx := tab(t, browser, 390, 844, true)
		resp, reqID := installmentSession(t, e, "")
		run(t, ctx, chromedp.Navigate(resp.NormalURL+"?locale=pt_BR"), chromedp.WaitVisible(chromedp.CSS("#cardNo")),
			chromedp.SendKeys(chromedp.CSS("#cardNo"), visaMXInstallments), chromedp.WaitVisible(chromedp.CSS("#installments")))
		var opts []string
		run(t, ctx, into(&opts, chromedp.Evaluate[[]string](planValues)))
		if len(opts) != 4 || opts[0] != "0|À vista" || !strings.HasPrefix(opts[1], "3|3x por mês:") {
			t.Fatalf("plans %q", opts)
		}
		browsertest.Axe(t, ctx, "card form with installment plans, phone, pt_BR")
		run(t, ctx, fillCard(visaMXInstallments, "1230", "846", "Ada Lovelace"), waitResult("SUCCESS", ""))
		wantPlan(t, e, reqID, 0)
	})

	t.Run("SDK frame", func(t *testing.T) {
		shop := newSDKShop(t, e)
		ctx := tab(t, browser, 1280, 860, false)
		resp, reqID := installmentSession(t, e, shop.srv.URL)
		shop.open(ctx, resp.PaymentSessionData, false, false)
		waitEvent(t, ctx, "created")
		typeCard(t, ctx, visaMXInstallments)
		var labels string
		inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.Steps(
				chromedp.WaitVisible(chromedp.CSS("#installments"), chromedp.FromNode(f)),
				chromedp.SetValue(chromedp.CSS("#installments"), "9", chromedp.FromNode(f)),
				into(&labels, chromedp.Text(chromedp.CSS("#installments-field"), chromedp.FromNode(f))),
			)
		})
		if !strings.Contains(labels, "9 monthly payments: MX$111.12, then MX$111.11") {
			t.Fatalf("the frame offers %q", labels)
		}
		browsertest.Axe(t, ctx, "SDK card form with installment plans")
		run(t, ctx, browsertest.Press("#submit"))
		waitEvent(t, ctx, "SDK_PAYMENT_SUCCESSFUL")
		wantPlan(t, e, reqID, 9)
	})
}
