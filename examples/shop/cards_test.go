package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cashierpay/cashier/internal/browsertest"
)

// TestBrowserSavedCard saves a card on the gateway's vaulting form, through 3-D Secure, and
// pays an order with it from the shop's saved cards.
func TestBrowserSavedCard(t *testing.T) {
	browser := browsertest.New(t)
	e := newEnv(t, envOptions{})
	ctx := browsertest.Tab(t, browser, 1280, 860, false)

	browsertest.Do(t, ctx, chromedp.Navigate(e.shopURL+"/"), chromedp.Click(chromedp.CSS("#saved-cards")),
		chromedp.Click(chromedp.CSS("#save-card")),
		chromedp.WaitVisible(chromedp.CSS(`[data-step="card"] #cardNo`)),
		chromedp.SendKeys(chromedp.CSS("#cardNo"), "4000000000003220"), // always challenged (docs/test-cards.md)
		chromedp.SendKeys(chromedp.CSS("#expiry"), "1230"), chromedp.SendKeys(chromedp.CSS("#cvv"), "123"),
		chromedp.SendKeys(chromedp.CSS("#holderName"), "Ada Lovelace"), chromedp.Click(chromedp.CSS("#pay")),
		chromedp.WaitVisible(chromedp.CSS(`[data-step="challenge"] #otp`)),
		chromedp.SendKeys(chromedp.CSS("#otp"), "123456"), chromedp.Click(chromedp.CSS("#challenge-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-status="SUCCESS"]`)), chromedp.Click(chromedp.CSS("#return")),
		chromedp.WaitVisible(chromedp.CSS(`.saved-card[data-status="SUCCESS"] .pay-saved`)))
	browsertest.Axe(t, ctx, "saved cards")
	label, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".pay-saved")))
	if want := "VISA ************3220"; err != nil || !strings.Contains(label, want) {
		t.Fatalf("saved card button %q, want it to name %q", label, want)
	}
	// This issuer asks for 3-D Secure at every payment, so the saved card pays through it.
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(".pay-saved")),
		chromedp.WaitVisible(chromedp.CSS(`[data-step="challenge"] #otp`)),
		chromedp.SendKeys(chromedp.CSS("#otp"), "123456"), chromedp.Click(chromedp.CSS("#challenge-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-status="SUCCESS"]`)), chromedp.Click(chromedp.CSS("#return")),
		chromedp.WaitVisible(chromedp.CSS(`#state[data-state="paid"]`)))
}
