package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cashierpay/cashier/internal/browsertest"
)

const coBadgedCB = "4973010000000004" // Cartes Bancaires and Visa (docs/test-cards.md)

// radios lists a radio group of the page as value, with * for the checked one.
func radios(dst *[]string, name string) chromedp.Action[chromedp.Void] {
	return into(dst, chromedp.Evaluate[[]string](`[...document.querySelectorAll('input[type=radio][name=`+name+`]')].map(r => r.value + (r.checked ? '*' : ''))`))
}

// typeCardNoScript types a card into the hosted form and sends it, without JavaScript.
func typeCardNoScript(number, cvv string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(`[data-step="card"] #cardNo`)),
		chromedp.SendKeys(chromedp.CSS("#cardNo"), number), chromedp.SendKeys(chromedp.CSS("#expiry"), "12/30"),
		chromedp.SendKeys(chromedp.CSS("#cvv"), cvv), chromedp.SendKeys(chromedp.CSS("#holderName"), "Marie Curie"),
		chromedp.Click(chromedp.CSS("#pay")),
	)
}

// checkKept checks the card form back to ask for a choice: the card shown by its last four
// digits and nowhere in the page, the expiry and name as typed, the CVV to type again, and
// the focus on what to do.
func checkKept(t *testing.T, ctx context.Context, pan string) {
	t.Helper()
	var masked, expiry, holder, cvv, page string
	var numberFields int
	run(t, ctx, chromedp.WaitVisible(chromedp.CSS("#choice-notice")), focusOn("choice-notice"),
		into(&masked, chromedp.Text(chromedp.CSS("#card-masked"))),
		into(&expiry, chromedp.Evaluate[string](`document.getElementById('expiry').value`)),
		into(&holder, chromedp.Evaluate[string](`document.getElementById('holderName').value`)),
		into(&cvv, chromedp.Evaluate[string](`document.getElementById('cvv').value`)),
		into(&numberFields, chromedp.Evaluate[int](`document.querySelectorAll('#cardNo, [name=cardNo]').length`)),
		into(&page, chromedp.Evaluate[string](`document.documentElement.outerHTML`)))
	if masked != "•••• "+pan[len(pan)-4:] || expiry != "12/30" || holder != "Marie Curie" || cvv != "" || numberFields != 0 {
		t.Fatalf("kept card %q, expiry %q, name %q, cvv %q, %d number fields", masked, expiry, holder, cvv, numberFields)
	}
	if strings.Contains(page, pan) {
		t.Fatal("the page holds the card number")
	}
}

// TestBrowserNoScriptChoice: without JavaScript the hosted card form cannot know the card
// before it is sent. A co-badged card, or a card with installment plans in a session that
// collects them, brings the same form back: the card kept (by its last four digits; the
// number only sealed), the brands or the plans as radio buttons, the expiry and name as
// typed, the CVV to type again. The buyer chooses and pays once more, and the merchant sees
// the brand and the plan chosen. In every locale, with axe-core on the form with the choice;
// at desktop and phone size by turns.
func TestBrowserNoScriptChoice(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	e := newEnv(t)
	for i, loc := range locales(t) {
		t.Run(loc, func(t *testing.T) {
			// A tab for each payment: a tab's deadline is for one journey.
			newTab := func() context.Context {
				w, h, phone := int64(1280), int64(900), i%2 == 1
				if phone {
					w, h = 390, 844
				}
				ctx := tab(t, browser, w, h, phone)
				run(t, ctx, browsertest.NoScript())
				return ctx
			}
			ctx := newTab()

			// A co-badged card: the domestic brand is checked, the buyer may take the other.
			resp := e.pay(hostedReq("EUR", 4200, ""))
			run(t, ctx, chromedp.Navigate(resp.NormalURL+"?locale="+loc), typeCardNoScript(coBadgedCB, "123"))
			checkKept(t, ctx, coBadgedCB)
			var brands, plans []string
			var labels string
			run(t, ctx, radios(&brands, "selectedCardBrand"), radios(&plans, "installments"),
				into(&labels, chromedp.Text(chromedp.CSS("#brand-choice"))))
			if !slices.Equal(brands, []string{"CARTES_BANCAIRES*", "VISA"}) || len(plans) != 0 ||
				!strings.Contains(labels, "Cartes Bancaires") || !strings.Contains(labels, "Visa") {
				t.Fatalf("brands %v, plans %v, labels %q", brands, plans, labels)
			}
			if inq := e.inquiry(resp.PaymentID); inq.PaymentStatus != "PROCESSING" {
				t.Fatalf("asking for the brand, the payment is %s", inq.PaymentStatus)
			}
			browsertest.AxeNoScript(t, ctx, loc+": card form asking for the brand")
			want := "CARTES_BANCAIRES"
			if i%2 == 0 {
				want = "VISA"
				run(t, ctx, chromedp.Click(chromedp.CSS("#brand-VISA")))
			}
			run(t, ctx, chromedp.SendKeys(chromedp.CSS("#cvv"), "123"), chromedp.Click(chromedp.CSS("#pay")), waitResult("SUCCESS", ""))
			if inq := e.inquiry(resp.PaymentID); inq.PaymentResultInfo == nil || inq.PaymentResultInfo.CardBrand != want {
				t.Fatalf("merchant sees %+v, want cardBrand %s", inq.PaymentResultInfo, want)
			}

			// A card with plans: "pay in full" is checked, the buyer may take a plan.
			sess, reqID := installmentSession(t, e, "")
			ctx = newTab()
			run(t, ctx, chromedp.Navigate(sess.NormalURL+"?locale="+loc), typeCardNoScript(visaMXInstallments, "846"))
			checkKept(t, ctx, visaMXInstallments)
			var hidden bool
			run(t, ctx, radios(&plans, "installments"), radios(&brands, "selectedCardBrand"),
				into(&hidden, chromedp.Evaluate[bool](`document.getElementById('brand-choice').hidden`)))
			if !slices.Equal(plans, []string{"0*", "3", "6", "9"}) || len(brands) != 0 || !hidden {
				t.Fatalf("plans %v, brands %v (hidden %v)", plans, brands, hidden)
			}
			if loc == "en_US" {
				run(t, ctx, into(&labels, chromedp.Text(chromedp.CSS("#plan-choice"))))
				for _, l := range []string{"Payment plan", "Pay in full", "3 monthly payments: MX$333.34, then MX$333.33", "9 monthly payments: MX$111.12, then MX$111.11"} {
					if !strings.Contains(labels, l) {
						t.Fatalf("plans read %q, without %q", labels, l)
					}
				}
			}
			browsertest.AxeNoScript(t, ctx, loc+": card form asking for the plan")
			payWithPlan(t, ctx, e, reqID, []int{3, 6, 9, 0}[i%4], "846")
		})
	}

	t.Run("a wrong CVV keeps the card and the choice", func(t *testing.T) {
		ctx := tab(t, browser, 390, 844, true)
		run(t, ctx, browsertest.NoScript())
		resp := e.pay(hostedReq("EUR", 4200, ""))
		run(t, ctx, chromedp.Navigate(resp.NormalURL+"?locale=en_US"), typeCardNoScript(coBadgedCB, "123"), chromedp.WaitVisible(chromedp.CSS("#choice-notice")),
			chromedp.Click(chromedp.CSS("#brand-VISA")), chromedp.SendKeys(chromedp.CSS("#cvv"), "12"), chromedp.Click(chromedp.CSS("#pay")),
			chromedp.WaitVisible(chromedp.CSS(`#cvv[aria-invalid="true"]`)))
		var brands []string
		var masked, cvvError string
		run(t, ctx, radios(&brands, "selectedCardBrand"), into(&masked, chromedp.Text(chromedp.CSS("#card-masked"))),
			into(&cvvError, chromedp.Text(chromedp.CSS("#cvv-error"))))
		if !slices.Equal(brands, []string{"CARTES_BANCAIRES", "VISA*"}) || masked != "•••• 0004" || cvvError == "" {
			t.Fatalf("after a wrong CVV: brands %v, card %q, CVV error %q", brands, masked, cvvError)
		}
		run(t, ctx, chromedp.SendKeys(chromedp.CSS("#cvv"), "123"), chromedp.Click(chromedp.CSS("#pay")), waitResult("SUCCESS", ""))
		if inq := e.inquiry(resp.PaymentID); inq.PaymentResultInfo.CardBrand != "VISA" || inq.PaymentResultInfo.CardNo != "497301******0004" {
			t.Fatalf("merchant sees %+v", inq.PaymentResultInfo)
		}
	})

	t.Run("another card instead", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 900, false)
		run(t, ctx, browsertest.NoScript())
		resp := e.pay(hostedReq("EUR", 4200, ""))
		run(t, ctx, chromedp.Navigate(resp.NormalURL+"?locale=en_US"), typeCardNoScript(coBadgedCB, "123"), chromedp.WaitVisible(chromedp.CSS("#choice-notice")),
			chromedp.Click(chromedp.CSS("#change-card")), typeCardNoScript(visaOK, "846"), waitResult("SUCCESS", ""))
		if inq := e.inquiry(resp.PaymentID); inq.PaymentResultInfo.CardBrand != "VISA" || !strings.HasSuffix(inq.PaymentResultInfo.CardNo, "0768") {
			t.Fatalf("merchant sees %+v", inq.PaymentResultInfo)
		}
	})

	// No card number or CVV in clear in the data dir, the database or the logs.
	scanForCardData(t, e, []string{coBadgedCB, visaMXInstallments}, "846")
}
