package e2e

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/cashierpay/cashier/internal/browsertest"
)

// surfacePage is merchant code that uses what the real @alipay/ams-checkout has beyond the
// basic v1 calls (web-sdk.md, last section): the static preload, preloadComponent,
// canMakePayments, submit({billingAddress}), every callback, appearance.themeType and
// accentColor, isNativeAppWebview, and a popup opened from a button.
var surfacePage = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Checkout</title></head>
<body>
<h1>Checkout</h1>
<button id="open" type="button">Pay by card</button>
<div id="ConnectPayment"></div>
<button id="submit" type="button">Pay now</button>
<script src="{{.SDK}}"></script>
<script>
  var cfg = {{.Config}};
  window.__events = [];
  window.__before = "CONTINUE";
  var preloaded = [AMSCashierPayment.preload({ environment: "sandbox", securityRegion: "SG" }), AMSCashierPayment.preload()];
  var app = new AMSCashierPayment({
    environment: "sandbox",
    locale: cfg.locale,
    onEventCallback: function (e) { window.__events.push(e.code); window.__last = e; },
    onError: function (e) { window.__events.push("onError:" + e.code); },
    onClose: function () { window.__events.push("onClose"); },
    onSizeChanged: function (s) { window.__size = s; },
    onPaymentMethodSelected: function (s) { window.__events.push("selected:" + s.paymentMethodType); },
    onChange: function () { window.__events.push("onChange"); },
    onBeforeSubmit: function (state) {
      window.__events.push("before:" + state.paymentMethodType);
      return Promise.resolve({ result: window.__before });
    }
  });
  app.preloadComponent(["CASHIER_PAYMENT_CARD"], "1.0");
  var gateway = new URL(document.querySelector("script[src]").src).origin;
  window.__checks = {
    preloadReturned: preloaded,
    preconnects: Array.prototype.map.call(document.querySelectorAll("link[rel=preconnect]"), function (l) { return l.href; }),
    gateway: gateway,
    // what the page fetched from the gateway before creating a component: the SDK alone
    fetched: performance.getEntriesByType("resource").filter(function (r) { return r.name.indexOf(gateway) === 0; }).length,
    locale: app.options.locale
  };
  Promise.all([app.canMakePayments(), app.canMakePayments("ApplePay")]).then(function (r) { window.__checks.can = r; });
  var params = {
    sessionData: cfg.session,
    notRedirectAfterComplete: !cfg.redirect,
    isNativeAppWebview: cfg.native,
    appearance: cfg.appearance,
    merchantAppointParam: { storedCard: { needCVV: cfg.needCVV } }
  };
  function create() {
    var p = cfg.popup ? app.createComponent(params) : app.mountComponent(params, "#ConnectPayment");
    p.then(function () { window.__events.push("created"); }, function (e) { window.__events.push("rejected:" + e.code); });
  }
  if (cfg.popup) document.getElementById("open").addEventListener("click", create); else create();
  window.pay = function (data) {
    app.submit(data).then(function (e) { window.__events.push("submit:" + e.code); });
  };
  document.getElementById("submit").addEventListener("click", function () { pay(); });
</script>
</body></html>`))

type surfaceConfig struct {
	Session    string         `json:"session"`
	Locale     string         `json:"locale"`
	Popup      bool           `json:"popup"`
	Redirect   bool           `json:"redirect"`
	Native     bool           `json:"native"`
	NeedCVV    bool           `json:"needCVV"`
	Appearance map[string]any `json:"appearance"`
}

// openSurface serves surfacePage with cfg from the merchant's own origin and opens it.
func openSurface(t *testing.T, ctx context.Context, e *env, cfg surfaceConfig) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/return") {
			w.Write([]byte(`<html><body><h1 id="returned">Thank you</h1></body></html>`))
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		surfacePage.Execute(w, map[string]any{"SDK": e.baseURL + "/sdk/ams-checkout.js", "Config": cfg})
	}))
	t.Cleanup(srv.Close)
	run(t, ctx, chromedp.Navigate(srv.URL+"/checkout"))
}

// pollTop waits until expression is true in the merchant's page.
func pollTop(t *testing.T, ctx context.Context, what, expression string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expression, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		v, _ := chromedp.Run(ctx, chromedp.Evaluate[any](`({events: window.__events, active: document.activeElement && (document.activeElement.id || document.activeElement.tagName)})`))
		t.Fatalf("%s: %v (page: %v)", what, err, v)
	}
}

// pollFrame waits until expression is true in the card form's frame.
func pollFrame(t *testing.T, ctx context.Context, expression string) {
	t.Helper()
	inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Poll[bool](expression, chromedp.WithPollingInFrame(f))(ctx, tg)
			return chromedp.Void{}, err
		}
	})
}

// frameFocusIs is true in the frame when its focus is on the form's first (or last) control,
// counted as a keyboard user meets them.
func frameFocusIs(last bool) string {
	pick := "els[0]"
	if last {
		pick = "els[els.length - 1]"
	}
	return `(function () {
  var els = Array.prototype.filter.call(document.querySelectorAll("a[href], button, input, select, textarea, summary, [tabindex]"), function (el) {
    return !el.disabled && el.type !== "hidden" && el.tabIndex >= 0 && el.getClientRects().length > 0;
  });
  return document.hasFocus() && els.length > 1 && document.activeElement === ` + pick + `;
})()`
}

func press(t *testing.T, ctx context.Context, key string, shift bool) {
	t.Helper()
	var opts []chromedp.KeyOption
	if shift {
		opts = append(opts, chromedp.KeyModifiers(kb.ModifierShift))
	}
	run(t, ctx, chromedp.KeyEvent(key, opts...))
}

func TestBrowserSDKSurface(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	e := newEnv(t)
	shop := newSDKShop(t, e)

	t.Run("preload, canMakePayments, callbacks, onBeforeSubmit and billingAddress", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		resp, reqID := shop.session(0)
		openSurface(t, ctx, e, surfaceConfig{Session: resp.PaymentSessionData, Locale: "en_US"})
		waitEvent(t, ctx, "created")
		waitEvent(t, ctx, "selected:CARD")
		var checks struct {
			PreloadReturned []any
			Preconnects     []string
			Gateway         string
			Fetched         int
			Locale          string
			Can             []bool
		}
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](`window.__checks`))
		if err != nil || json.Unmarshal(raw, &checks) != nil {
			t.Fatalf("checks: %s %v", raw, err)
		}
		// preload returns nothing, as the real one; twice and with preloadComponent it opens
		// one connection and fetches nothing.
		if len(checks.PreloadReturned) != 2 || checks.PreloadReturned[0] != nil || checks.PreloadReturned[1] != nil ||
			len(checks.Preconnects) != 1 || strings.TrimSuffix(checks.Preconnects[0], "/") != checks.Gateway || checks.Fetched != 1 {
			t.Fatalf("preload: %+v", checks)
		}
		if len(checks.Can) != 2 || !checks.Can[0] || checks.Can[1] {
			t.Fatalf("canMakePayments() and canMakePayments('ApplePay') = %v, want [true false]", checks.Can)
		}
		pollTop(t, ctx, "onSizeChanged", `window.__size && window.__size.height > 100 && window.__size.width > 100`)

		typeCard(t, ctx, visaOK)
		run(t, ctx, chromedp.Evaluate[chromedp.Void](`window.__before = "CANCEL"; pay()`))
		waitEvent(t, ctx, "submit:SDK_PAYMENT_CANCEL")
		waitEvent(t, ctx, "before:CARD")
		if st := shop.paymentOf(reqID).PaymentStatus; st != "PROCESSING" {
			t.Fatalf("after onBeforeSubmit cancelled, the payment is %s", st)
		}
		for _, c := range events(t, ctx) {
			if strings.HasPrefix(c, "SDK_PAYMENT_") || c == "onChange" {
				t.Fatalf("a cancelled submission gave %s: %v", c, events(t, ctx))
			}
		}
		// The form is the buyer's again, with what was typed.
		pollFrame(t, ctx, `!document.getElementById("cardNo").readOnly && document.getElementById("cardNo").value !== ""`)

		run(t, ctx, chromedp.Evaluate[chromedp.Void](`window.__before = "CONTINUE";
			pay({ billingAddress: { region: "US", state: "CA", city: "San Francisco", address1: "1 Main St", zipCode: "94107", ignored: "x" } })`))
		waitEvent(t, ctx, "submit:SDK_PAYMENT_SUCCESSFUL")
		inq := shop.paymentOf(reqID)
		if inq.PaymentStatus != "SUCCESS" || inq.PaymentResultInfo == nil || inq.PaymentResultInfo.AvsResultRaw != "Y" {
			t.Fatalf("merchant sees %s %+v: the billing address did not reach the issuer", inq.PaymentStatus, inq.PaymentResultInfo)
		}
	})

	t.Run("appearance, an unknown locale and a needless needCVV", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		resp, _ := shop.session(0)
		openSurface(t, ctx, e, surfaceConfig{Session: resp.PaymentSessionData, Locale: "ja_JP", NeedCVV: true,
			Appearance: map[string]any{"themeType": "night", "accentColor": "#b3261e", "showSubmitButton": true}})
		waitEvent(t, ctx, "created")
		waitEvent(t, ctx, "SDK_PAYMENT_WARN")
		pollTop(t, ctx, "locale passed through", `window.__checks.locale === "ja_JP" && document.querySelector("iframe.ams-cashier-frame").src.indexOf("locale=ja_JP") > 0`)
		pollFrame(t, ctx, `document.documentElement.lang === "en-US" &&
			getComputedStyle(document.documentElement).getPropertyValue("--accent").trim() === "#b3261e" &&
			getComputedStyle(document.getElementById("pay")).backgroundColor === "rgb(179, 38, 30)" &&
			getComputedStyle(document.body).color === "rgb(226, 232, 240)" &&
			getComputedStyle(document.getElementById("cardNo")).backgroundColor === "rgb(26, 32, 44)"`)
		browsertest.Axe(t, ctx, "night theme with an accent colour")
	})

	t.Run("night popup box, and the real package's other globals", func(t *testing.T) {
		ctx := tab(t, browser, 390, 844, true)
		resp, _ := shop.session(0)
		openSurface(t, ctx, e, surfaceConfig{Session: resp.PaymentSessionData, Locale: "en_US", Popup: true,
			Appearance: map[string]any{"themeType": "night"}})
		run(t, ctx, chromedp.Click(chromedp.CSS("#open")))
		waitEvent(t, ctx, "created")
		pollTop(t, ctx, "a night box around a night form", `getComputedStyle(document.querySelector(".ams-cashier-popup")).backgroundColor === "rgb(45, 55, 72)" &&
			getComputedStyle(document.getElementById("ams-cashier-close")).color === "rgb(226, 232, 240)"`)
		// Expiry and CVV side by side in the popup on a phone.
		pollFrame(t, ctx, `getComputedStyle(document.body).backgroundColor === "rgb(45, 55, 72)" &&
			document.getElementById("expiry").getBoundingClientRect().top === document.getElementById("cvv").getBoundingClientRect().top`)
		pollTop(t, ctx, "AMSCheckoutPage is the drop-in, AMSVaulting saves cards; the other products fail clearly", `AMSCheckoutPage === AMSCashierPayment &&
			new AMSVaulting({environment: "sandbox"}) instanceof AMSCashierPayment &&
			["AMSElement", "AntomElement", "AMSAutoDebit", "AMSEasyPay", "AddressElement"].every(function (n) {
				try { new window[n]({}); return false; } catch (e) { return e.message.indexOf(n + " is not supported by cashier") === 0; }
			})`)
	})

	t.Run("popup holds the focus, closes on Escape from inside the form, gives the focus back", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		resp, _ := shop.session(0)
		openSurface(t, ctx, e, surfaceConfig{Session: resp.PaymentSessionData, Locale: "en_US", Popup: true})
		run(t, ctx, chromedp.Focus(chromedp.CSS("#open")))
		press(t, ctx, kb.Enter, false)
		waitEvent(t, ctx, "created")
		pollTop(t, ctx, "focus on the close button", `document.activeElement.id === "ams-cashier-close"`)

		press(t, ctx, kb.Tab, false) // close → the form's first field
		pollFrame(t, ctx, frameFocusIs(false))
		press(t, ctx, kb.Tab, true) // first field → close, not the page behind
		pollTop(t, ctx, "Shift+Tab from the first field", `document.activeElement.id === "ams-cashier-close"`)
		press(t, ctx, kb.Tab, true) // close → the form's last control
		pollFrame(t, ctx, frameFocusIs(true))
		press(t, ctx, kb.Tab, false) // last control → close
		pollTop(t, ctx, "Tab from the last control", `document.activeElement.id === "ams-cashier-close"`)

		press(t, ctx, kb.Tab, false)
		pollFrame(t, ctx, frameFocusIs(false))
		press(t, ctx, kb.Escape, false) // from inside the frame
		waitEvent(t, ctx, "SDK_PAYMENT_CANCEL")
		waitEvent(t, ctx, "onClose")
		pollTop(t, ctx, "focus back on the opener", `!document.getElementById("ams-cashier-overlay") && document.activeElement.id === "open"`)
	})

	t.Run("embedded 3-D Secure challenge in a dialog over the page", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		resp, reqID := shop.session(0)
		openSurface(t, ctx, e, surfaceConfig{Session: resp.PaymentSessionData, Locale: "en_US"})
		waitEvent(t, ctx, "created")
		typeCard(t, ctx, catalogueCard(t, e, "PAYMENT_IN_PROCESS", "challenge; approved once authenticated"))
		// The buyer presses the shop's Pay button, by keyboard.
		run(t, ctx, chromedp.Focus(chromedp.CSS("#submit")))
		press(t, ctx, kb.Enter, false)
		waitEvent(t, ctx, "SDK_PAYMENT_CHALLENGE")
		// The shop's Pay button is covered by the dialog, and the focus is in the challenge.
		pollTop(t, ctx, "challenge dialog", `(function () {
  var root = document.querySelector(".ams-cashier-component"), pay = document.getElementById("submit").getBoundingClientRect();
  var hit = document.elementFromPoint(pay.left + pay.width / 2, pay.top + pay.height / 2);
  return getComputedStyle(root).position === "fixed" && root.getAttribute("role") === "dialog" && root.getAttribute("aria-modal") === "true" &&
    hit !== document.getElementById("submit") && root.contains(hit) && document.activeElement.tagName === "IFRAME";
})()`)
		pollFrame(t, ctx, `document.getElementById("otp") !== null && `+frameFocusIs(false))
		browsertest.Axe(t, ctx, "embedded 3-D Secure challenge in a dialog")
		press(t, ctx, kb.Tab, true) // no control outside the form: Shift+Tab wraps to its last
		pollFrame(t, ctx, `document.getElementById("otp") !== null && `+frameFocusIs(true))
		inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.Steps(
				chromedp.SendKeys(chromedp.CSS("#otp"), "123456", chromedp.FromNode(f)),
				chromedp.Click(chromedp.CSS("#challenge-submit"), chromedp.FromNode(f)),
			)
		})
		waitEvent(t, ctx, "SDK_PAYMENT_SUCCESSFUL")
		pollTop(t, ctx, "the component back in its place", `(function () {
  var root = document.querySelector(".ams-cashier-component");
  return getComputedStyle(root).position === "relative" && !root.hasAttribute("role");
})()`)
		if st := shop.paymentOf(reqID).PaymentStatus; st != "SUCCESS" {
			t.Fatalf("merchant sees %s", st)
		}
	})

	t.Run("native app webview gets SDK_REDIRECT instead of a redirect", func(t *testing.T) {
		ctx := tab(t, browser, 390, 844, true)
		resp, reqID := shop.session(0)
		openSurface(t, ctx, e, surfaceConfig{Session: resp.PaymentSessionData, Locale: "en_US", Redirect: true, Native: true})
		waitEvent(t, ctx, "created")
		typeCard(t, ctx, visaOK)
		run(t, ctx, chromedp.Evaluate[chromedp.Void](`pay()`))
		waitEvent(t, ctx, "SDK_REDIRECT")
		pollTop(t, ctx, "SDK_REDIRECT's URLs", `window.__last.code === "SDK_REDIRECT" && /\/return\/`+reqID+`$/.test(window.__last.result.redirectUrls.normalUrl) &&
			location.pathname === "/checkout" && window.__events.indexOf("SDK_CALL_URL_SUCCESS") < 0`)
	})
}
