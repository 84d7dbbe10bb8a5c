package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/browsertest"
	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/payment"
)

// savedPlanCard saves the Mexican card that has installment plans and returns its token.
func savedPlanCard(t *testing.T, e *env) string {
	t.Helper()
	first := payReq(visaMXInstallments, "MXN", 50000)
	first.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":"` + visaMXInstallments + `","cvv":"123","expiryMonth":"12","expiryYear":"30","tokenize":true}`)
	resp := e.pay(first)
	if resp.PaymentResultInfo == nil || resp.PaymentResultInfo.CardToken == "" {
		t.Fatalf("no card token: %+v", resp)
	}
	return resp.PaymentResultInfo.CardToken
}

// savedCardSession opens a session of MXN 1,000.00 that collects installments and pays the
// saved card.
func savedCardSession(t *testing.T, e *env, cardToken, redirect string) (*ams.CreatePaymentSessionResponse, string) {
	t.Helper()
	req := sessionReq(100000)
	req.PaymentAmount = &ams.Amount{Currency: "MXN", Value: "100000"}
	req.EnableInstallmentCollection = true
	req.PaymentMethod.PaymentMethodID = cardToken
	req.Order.Buyer = &ams.Buyer{ReferenceBuyerID: "buyer-1"}
	if redirect != "" {
		req.PaymentRedirectURL = redirect + "/return/" + req.PaymentRequestID
	}
	resp, err := e.c.CreatePaymentSession(context.Background(), req)
	if err != nil || resp.Result.ResultCode != "SUCCESS" {
		t.Fatalf("createPaymentSession: %+v %v", resp, err)
	}
	return resp, req.PaymentRequestID
}

// TestBrowserSavedCardPlans: a saved card's CVV page, in a session that collects
// installments, lists the card's plans as radio buttons from the start ("Pay in full"
// checked), with or without JavaScript, on the hosted page and in the SDK's frame; the plan
// chosen is the one the merchant sees. In every locale, with axe-core.
func TestBrowserSavedCardPlans(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	e := newEnv(t)
	token := savedPlanCard(t, e)
	for i, loc := range locales(t) {
		t.Run(loc, func(t *testing.T) {
			// Without JavaScript on a phone, with it on a desktop, by turns.
			noScript := i%2 == 1
			var ctx context.Context
			if noScript {
				ctx = tab(t, browser, 390, 844, true)
				run(t, ctx, browsertest.NoScript())
			} else {
				ctx = tab(t, browser, 1280, 900, false)
			}
			resp, reqID := savedCardSession(t, e, token, "")
			run(t, ctx, chromedp.Navigate(resp.NormalURL+"?locale="+loc), chromedp.WaitVisible(chromedp.CSS(`[data-step="cvv"] #plan-choice`)))
			var plans []string
			var labels string
			run(t, ctx, radios(&plans, "installments"), into(&labels, chromedp.Text(chromedp.CSS("#plan-choice"))))
			if !slices.Equal(plans, []string{"0*", "3", "6", "9"}) {
				t.Fatalf("plans %v", plans)
			}
			if loc == "en_US" && !strings.Contains(labels, "6 monthly payments: MX$166.70, then MX$166.66") {
				t.Fatalf("plans read %q", labels)
			}
			if noScript {
				browsertest.AxeNoScript(t, ctx, loc+": saved card with plans, without JavaScript")
			} else {
				browsertest.Axe(t, ctx, loc+": saved card with plans")
			}
			payWithPlan(t, ctx, e, reqID, []int{3, 6, 9, 0}[i%4], "123")
		})
	}

	t.Run("SDK frame", func(t *testing.T) {
		shop := newSDKShop(t, e)
		ctx := tab(t, browser, 1280, 860, false)
		resp, reqID := savedCardSession(t, e, token, shop.srv.URL)
		shop.open(ctx, resp.PaymentSessionData, false, false, "&needcvv=1")
		waitEvent(t, ctx, "created")
		inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.Steps(
				chromedp.WaitVisible(chromedp.CSS("#plan-choice"), chromedp.FromNode(f)),
				chromedp.Click(chromedp.CSS("#plan-9"), chromedp.FromNode(f)),
				chromedp.SendKeys(chromedp.CSS("#cvv"), "123", chromedp.FromNode(f)),
			)
		})
		browsertest.Axe(t, ctx, "SDK saved card with plans")
		run(t, ctx, browsertest.Press("#submit"))
		waitEvent(t, ctx, "SDK_PAYMENT_SUCCESSFUL")
		wantPlan(t, e, reqID, 9)
	})
}

// TestSavedCardPlanFlow: the flow behind a saved card's page with plans: the view lists them;
// a plan no page offers is refused on the page and changes nothing; two posts at once with
// different plans authorize the card once, with one of them, which is the plan the merchant
// sees.
func TestSavedCardPlanFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	resp, reqID := savedCardSession(t, e, savedPlanCard(t, e), "")
	token, _ := sessionToken(t, resp.PaymentSessionData)
	v, err := e.app.Checkout.HostedPage(ctx, token)
	if err != nil || v.Step != checkout.StepCVV || len(v.Plans) != 3 || v.Plans[0].Count != 3 || v.Plans[2].Count != 9 {
		t.Fatalf("CVV page: %+v %v", v, err)
	}
	id := v.PaymentID
	if v, err = e.app.Checkout.SubmitCVV(ctx, token, "123", -1); err != nil || v.Step != checkout.StepCVV || v.FieldErrors["installments"] != payment.CodeParamIllegal {
		t.Fatalf("an unreadable plan: %+v %v", v, err)
	}
	if p, err := e.app.Store.PaymentGet(ctx, id); err != nil || p.Stage != payment.StageAwaitingCVV || p.CardAttempts != 0 || p.Order.Plan != nil {
		t.Fatalf("the refused plan changed the payment: %+v %v", p, err)
	}
	var wg sync.WaitGroup
	views := make([]*checkout.HostedView, 2)
	for i, n := range []int{3, 6} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			views[i], _ = e.app.Checkout.SubmitCVV(ctx, token, "123", n)
		}()
	}
	wg.Wait()
	p, err := e.app.Store.PaymentGet(ctx, id)
	if err != nil || p.Status != payment.Success || p.CardAttempts != 1 || p.Order.Plan == nil {
		t.Fatalf("after two posts at once: %+v %v", p, err)
	}
	// The post that lost shows the result page: paid, or still being paid by the other.
	for _, v := range views {
		if v == nil || v.Step != checkout.StepResult || v.Status == payment.Fail {
			t.Fatalf("a post answered %+v", v)
		}
	}
	wantPlan(t, e, reqID, ams.Int(p.Order.Plan.Count))
}

// payWithPlan picks the plan of n instalments on the form in ctx (0: pay in full), types the
// CVV, pays, and checks the payment of reqID carries that plan.
func payWithPlan(t *testing.T, ctx context.Context, e *env, reqID string, n int, cvv string) {
	t.Helper()
	if n != 0 {
		run(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf("#plan-%d", n))))
	}
	run(t, ctx, chromedp.SendKeys(chromedp.CSS("#cvv"), cvv), chromedp.Click(chromedp.CSS("#pay")), waitResult("SUCCESS", ""))
	wantPlan(t, e, reqID, ams.Int(n))
}
