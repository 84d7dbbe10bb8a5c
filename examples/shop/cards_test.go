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

// TestBrowserSavedCardSDK saves a card in the cards page itself, in the SDK's card-saving
// popup (AMSVaulting), and finds it in the list the SDK sends the buyer back to.
func TestBrowserSavedCardSDK(t *testing.T) {
	browser := browsertest.New(t)
	e := newEnv(t, envOptions{})
	ctx := browsertest.Tab(t, browser, 1280, 860, false)
	const frame = "iframe.ams-cashier-frame"

	browsertest.Do(t, ctx, chromedp.Navigate(e.shopURL+"/cards"), chromedp.Click(chromedp.CSS("#save-card-sdk")),
		chromedp.WaitVisible(chromedp.CSS("#ams-cashier-overlay")))
	browsertest.InFrame(t, ctx, frame, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(chromedp.WaitVisible(chromedp.CSS("#cardNo"), chromedp.FromNode(f)),
			chromedp.SendKeys(chromedp.CSS("#cardNo"), "5162774114974622", chromedp.FromNode(f)), // approved (docs/test-cards.md)
			chromedp.SendKeys(chromedp.CSS("#expiry"), "1230", chromedp.FromNode(f)),
			chromedp.SendKeys(chromedp.CSS("#cvv"), "123", chromedp.FromNode(f)),
			chromedp.SendKeys(chromedp.CSS("#holderName"), "Ada Lovelace", chromedp.FromNode(f)))
	})
	browsertest.Axe(t, ctx, "card-saving popup")
	browsertest.InFrame(t, ctx, frame, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
		return chromedp.Click(chromedp.CSS("#pay"), chromedp.FromNode(f))
	})
	// The SDK sends the buyer back to /cards, whose list is the shop server's: until then the
	// card shows as being verified.
	browsertest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`.saved-card[data-status="SUCCESS"] .pay-saved`)))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#vaulting").length`)); n != 0 {
		t.Fatal("the SDK left the buyer on the card-saving page")
	}
	browsertest.Axe(t, ctx, "saved cards after the SDK")
	label, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".pay-saved")))
	if want := "MASTERCARD ************4622"; err != nil || !strings.Contains(label, want) {
		t.Fatalf("saved card button %q, want it to name %q", label, want)
	}
}
