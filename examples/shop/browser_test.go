package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cashierpay/cashier/internal/browsertest"
)

// TestMain stops the Chromium that the browser tests share (each in a browser context of its
// own) once the tests are done.
func TestMain(m *testing.M) {
	stop := browsertest.Share()
	code := m.Run()
	stop()
	os.Exit(code)
}

// TestBrowserShop drives the demo shop as a buyer in headless Chromium, in both SDK modes,
// and checks the shop's order state (set only from notifications) and the gateway's view.
func TestBrowserShop(t *testing.T) {
	browser := browsertest.New(t)
	e := newEnv(t, envOptions{})

	frame := "iframe.ams-cashier-frame"
	typeInto := func(ctx context.Context, fields map[string]string) {
		t.Helper()
		browsertest.InFrame(t, ctx, frame, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			steps := []chromedp.Action[chromedp.Void]{chromedp.WaitVisible(chromedp.CSS("#cardNo"), chromedp.FromNode(f))}
			for _, id := range []string{"cardNo", "expiry", "cvv", "holderName"} {
				if v, ok := fields[id]; ok {
					steps = append(steps, chromedp.SendKeys(chromedp.CSS("#"+id), v, chromedp.FromNode(f)))
				}
			}
			return chromedp.Steps(steps...)
		})
	}
	card := func(number string) map[string]string {
		return map[string]string{"cardNo": number, "expiry": "1230", "cvv": "123", "holderName": "Ada Lovelace"}
	}
	orderOf := func(ctx context.Context) string {
		t.Helper()
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		m := regexp.MustCompile(`/orders/([^/?#]+)`).FindStringSubmatch(loc)
		if m == nil {
			t.Fatalf("not on an order page: %s", loc)
		}
		return m[1]
	}
	// checkMerchantSide: the order's state came from a notification, and the gateway agrees.
	checkMerchantSide := func(orderID, state, paymentStatus string) {
		t.Helper()
		e.waitState(orderID, state)
		_, attempts, events := e.order(orderID)
		last := attempts[len(attempts)-1]
		if inq := e.inquiry(last.RequestID); inq.PaymentStatus != paymentStatus {
			t.Fatalf("gateway says %s, shop says %s", inq.PaymentStatus, state)
		}
		if e.received.Load() == 0 || !hasEvent(events, "", "PAYMENT_RESULT") && !hasEvent(events, "notification", "") {
			t.Fatalf("no notification reached the shop; events:\n%s", eventText(events))
		}
	}

	t.Run("popup", func(t *testing.T) {
		ctx := browsertest.Tab(t, browser, 390, 844, true)
		browsertest.Do(t, ctx, chromedp.Navigate(e.shopURL+"/"), chromedp.WaitVisible(chromedp.CSS("#pay-popup")))
		browsertest.Axe(t, ctx, "product page, phone")
		browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS("#pay-popup")), chromedp.WaitVisible(chromedp.CSS("#ams-cashier-overlay")))
		typeInto(ctx, card(cardOK))
		browsertest.Axe(t, ctx, "popup, phone")
		browsertest.InFrame(t, ctx, frame, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.Click(chromedp.CSS("#pay"), chromedp.FromNode(f))
		})
		browsertest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#state[data-state="paid"]`)))
		browsertest.Axe(t, ctx, "paid order, phone")
		checkMerchantSide(orderOf(ctx), "paid", "SUCCESS")
	})

	t.Run("embedded decline then retry", func(t *testing.T) {
		ctx := browsertest.Tab(t, browser, 1280, 860, false)
		browsertest.Do(t, ctx, chromedp.Navigate(e.shopURL+"/"), chromedp.Click(chromedp.CSS("#pay-embedded")),
			chromedp.WaitEnabled(chromedp.CSS("#sdk-pay")))
		typeInto(ctx, card(cardDecline))
		browsertest.Do(t, ctx, browsertest.Press("#sdk-pay"),
			chromedp.WaitVisible(chromedp.CSS(`#checkout[data-last-event="SDK_PAYMENT_FAIL"]`)))
		// The reason in words, not a code, and one error box: the card form's, beside the card.
		msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#sdk-message")))
		kind, _ := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#sdk-message"), "data-kind"))
		if strings.TrimSpace(msg) != "Your bank declined the payment. Try another card." || kind.Value != "info" {
			t.Fatalf("the shop says %q (%s) after a decline", msg, kind.Value)
		}
		browsertest.InFrame(t, ctx, frame, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.WaitVisible(chromedp.CSS("#form-error"), chromedp.FromNode(f))
		})
		browsertest.Axe(t, ctx, "embedded checkout after a decline")
		typeInto(ctx, map[string]string{"cardNo": cardOK, "cvv": "123"})
		browsertest.Do(t, ctx, chromedp.WaitEnabled(chromedp.CSS("#sdk-pay")), browsertest.Press("#sdk-pay"),
			chromedp.WaitVisible(chromedp.CSS(`#state[data-state="paid"]`)))
		checkMerchantSide(orderOf(ctx), "paid", "SUCCESS")
	})

	t.Run("embedded manual capture", func(t *testing.T) {
		ctx := browsertest.Tab(t, browser, 1280, 860, false)
		browsertest.Do(t, ctx, chromedp.Navigate(e.shopURL+"/"), chromedp.Click(chromedp.CSS("#capture-manual")),
			chromedp.Click(chromedp.CSS("#pay-embedded")), chromedp.WaitEnabled(chromedp.CSS("#sdk-pay")))
		typeInto(ctx, card(cardOK))
		browsertest.Do(t, ctx, browsertest.Press("#sdk-pay"),
			chromedp.WaitVisible(chromedp.CSS(`#state[data-state="authorized"]`)))
		orderID := orderOf(ctx)
		checkMerchantSide(orderID, "authorized", "SUCCESS")
		browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS("#capture")),
			chromedp.WaitVisible(chromedp.CSS(`#state[data-state="captured"]`)))
		e.waitState(orderID, "captured")
	})

	t.Run("embedded form errors", func(t *testing.T) {
		ctx := browsertest.Tab(t, browser, 1280, 860, false)
		browsertest.Do(t, ctx, chromedp.Navigate(e.shopURL+"/"), chromedp.Click(chromedp.CSS("#pay-embedded")),
			chromedp.WaitEnabled(chromedp.CSS("#sdk-pay")), browsertest.Press("#sdk-pay"),
			chromedp.WaitVisible(chromedp.CSS(`#checkout[data-last-event="SDK_FORM_VERIFICATION_FAILED"]`)))
		browsertest.Axe(t, ctx, "embedded checkout with form errors")
		orders := e.shop.orderIDsForTest()
		orderID := orders[len(orders)-1]
		state, attempts, _ := e.order(orderID)
		if state != "pending" {
			t.Fatalf("a form error moved the order to %s", state)
		}
		if inq := e.inquiry(attempts[len(attempts)-1].RequestID); inq.PaymentStatus != "PROCESSING" {
			t.Fatalf("gateway says %s after a form error", inq.PaymentStatus)
		}
	})

	t.Run("popup 3-D Secure challenge", func(t *testing.T) {
		ctx := browsertest.Tab(t, browser, 1280, 860, false)
		browsertest.Do(t, ctx, chromedp.Navigate(e.shopURL+"/"), chromedp.Click(chromedp.CSS("#pay-popup")),
			chromedp.WaitVisible(chromedp.CSS("#ams-cashier-overlay")))
		typeInto(ctx, card("4000000000003220")) // always challenged (docs/test-cards.md)
		browsertest.InFrame(t, ctx, frame, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.Click(chromedp.CSS("#pay"), chromedp.FromNode(f))
		})
		// The frame reloads into the challenge; look for it only then.
		browsertest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#checkout[data-last-event="SDK_PAYMENT_CHALLENGE"]`)))
		browsertest.InFrame(t, ctx, frame, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.Steps(
				chromedp.WaitVisible(chromedp.CSS("#otp"), chromedp.FromNode(f)),
			)
		})
		browsertest.Axe(t, ctx, "popup 3-D Secure challenge")
		browsertest.InFrame(t, ctx, frame, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.Steps(
				chromedp.SendKeys(chromedp.CSS("#otp"), "123456", chromedp.FromNode(f)),
				chromedp.Click(chromedp.CSS("#challenge-submit"), chromedp.FromNode(f)),
			)
		})
		browsertest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#state[data-state="paid"]`)))
		orderID := orderOf(ctx)
		checkMerchantSide(orderID, "paid", "SUCCESS")
		_, attempts, _ := e.order(orderID)
		if tds := e.inquiry(attempts[len(attempts)-1].RequestID).PaymentResultInfo.ThreeDSResult; tds == nil || tds.Challenged == nil || !*tds.Challenged {
			t.Fatalf("threeDSResult %+v", tds)
		}
	})

	t.Run("popup closed while loading", func(t *testing.T) {
		gate := make(chan struct{})
		e.frameGate.Store(&gate)
		release := sync.OnceFunc(func() { e.frameGate.Store(nil); close(gate) })
		defer release()
		ctx := browsertest.Tab(t, browser, 390, 844, true)
		browsertest.Do(t, ctx, chromedp.Navigate(e.shopURL+"/"), chromedp.Click(chromedp.CSS("#pay-popup")),
			chromedp.WaitVisible(chromedp.CSS("#ams-cashier-close")), browsertest.Press("#ams-cashier-close"),
			chromedp.WaitVisible(chromedp.CSS("#reopen")))
		release()
		last, err1 := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#checkout"), "data-last-event"))
		message, err2 := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#sdk-message")))
		if err1 != nil || err2 != nil || last.Value != "SDK_PAYMENT_CANCEL" || !strings.Contains(message, "cancelled") {
			t.Fatalf("closing the loading popup: last event %s, message %q (%v, %v)", last.Value, message, err1, err2)
		}
	})

	t.Run("popup closed then reopened", func(t *testing.T) {
		ctx := browsertest.Tab(t, browser, 390, 844, true)
		browsertest.Do(t, ctx, chromedp.Navigate(e.shopURL+"/"), chromedp.Click(chromedp.CSS("#pay-popup")),
			chromedp.WaitVisible(chromedp.CSS("#ams-cashier-close")), browsertest.Press("#ams-cashier-close"),
			chromedp.WaitVisible(chromedp.CSS(`#checkout[data-last-event="SDK_PAYMENT_CANCEL"]`)),
			chromedp.WaitVisible(chromedp.CSS("#reopen")), browsertest.Press("#reopen"),
			chromedp.WaitVisible(chromedp.CSS("#ams-cashier-overlay")))
		typeInto(ctx, card(cardOK))
		browsertest.InFrame(t, ctx, frame, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.Click(chromedp.CSS("#pay"), chromedp.FromNode(f))
		})
		browsertest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#state[data-state="paid"]`)))
		orderID := orderOf(ctx)
		checkMerchantSide(orderID, "paid", "SUCCESS")
		if _, attempts, _ := e.order(orderID); len(attempts) != 1 {
			t.Fatalf("reopening the popup made %d attempts; the session should be reused", len(attempts))
		}
	})
	t.Run("expired session", func(t *testing.T) {
		ctx := browsertest.Tab(t, browser, 1280, 860, false)
		browsertest.Do(t, ctx, chromedp.Navigate(e.shopURL+"/"), chromedp.Click(chromedp.CSS("#pay-embedded")),
			chromedp.WaitEnabled(chromedp.CSS("#sdk-pay")))
		// The session outlives the shop's clock, moved on two hours; the page says so and
		// offers to start again, and nothing about the card.
		e.offset.Add(int64(2 * time.Hour))
		defer e.offset.Store(0)
		browsertest.Do(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#restart")))
		msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#sdk-message")))
		if strings.TrimSpace(msg) != "Your payment session has expired. Start again to pay." {
			t.Fatalf("an expired session says %q", msg)
		}
		browsertest.Axe(t, ctx, "expired session")
	})
}
