package e2e

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cashierpay/cashier/internal/browsertest"
)

// TestBrowserSDKPopupPhoneCoBadged: in the SDK's popup on a phone, the co-badged card's brand
// choice makes the form taller than the screen; the frame reports its new height, the
// iframe takes it (nothing of the form is cut off), the popup scrolls, and the Pay button is
// reached and pressed as a buyer would, with a tap where it is on the screen.
func TestBrowserSDKPopupPhoneCoBadged(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	e := newEnv(t)
	shop := newSDKShop(t, e)
	ctx := tab(t, browser, 390, 664, true)
	resp, reqID := shop.session(0)
	shop.open(ctx, resp.PaymentSessionData, true, false, "&viewport=1")
	waitEvent(t, ctx, "created")
	typeCard(t, ctx, coBadgedCB)
	inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.WaitVisible(chromedp.CSS("#brand-VISA"), chromedp.FromNode(f)),
			chromedp.Click(chromedp.CSS("#brand-VISA"), chromedp.FromNode(f)),
			chromedp.Click(chromedp.CSS("#billing summary"), chromedp.FromNode(f)),
		)
	})
	// The frame's own measure of the form, and of the bottom of its Pay button.
	var formHeight, payBottom float64
	inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			into(&formHeight, chromedp.Poll[float64](`document.body.getBoundingClientRect().height`, chromedp.WithPollingInFrame(f))),
			into(&payBottom, chromedp.Poll[float64](`document.getElementById('pay').getBoundingClientRect().bottom`, chromedp.WithPollingInFrame(f))),
		)
	})
	// The iframe takes that height (the frame reports it; onSizeChanged tells the merchant),
	// so nothing is cut off, and it is taller than the screen: the popup has to scroll.
	pollTop(t, ctx, "the iframe as tall as the form", fmt.Sprintf(
		`document.querySelector('iframe.ams-cashier-frame').getBoundingClientRect().height >= %f`, formHeight))
	var frameHeight, screenHeight, scrollable float64
	run(t, ctx,
		into(&frameHeight, chromedp.Evaluate[float64](`document.querySelector('iframe.ams-cashier-frame').getBoundingClientRect().height`)),
		into(&screenHeight, chromedp.Evaluate[float64](`window.innerHeight`)),
		into(&scrollable, chromedp.Evaluate[float64](`(function () { var o = document.getElementById('ams-cashier-overlay'); return o.scrollHeight - o.clientHeight; })()`)))
	t.Logf("form %.0f px, its Pay button's bottom at %.0f px, iframe %.0f px, screen %.0f px, popup scrolls %.0f px", formHeight, payBottom, frameHeight, screenHeight, scrollable)
	if payBottom > frameHeight || frameHeight <= screenHeight || scrollable <= 0 {
		t.Fatalf("Pay button's bottom at %.0f px in an iframe of %.0f px on a screen of %.0f px, popup scrolls %.0f px", payBottom, frameHeight, screenHeight, scrollable)
	}
	browsertest.Axe(t, ctx, "popup with the brand choice, phone")
	// A tap where the button is: chromedp scrolls it into view (the popup scrolls) and
	// taps its centre, which lands on whatever is on top there.
	inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
		return chromedp.Click(chromedp.CSS("#pay"), chromedp.FromNode(f))
	})
	waitEvent(t, ctx, "SDK_PAYMENT_SUCCESSFUL")
	if inq := shop.paymentOf(reqID); inq.PaymentStatus != "SUCCESS" || inq.PaymentResultInfo.CardBrand != "VISA" {
		t.Fatalf("merchant sees %s %+v", inq.PaymentStatus, inq.PaymentResultInfo)
	}
}
