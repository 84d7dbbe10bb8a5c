package e2e

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cashierpay/cashier/internal/browsertest"
	"github.com/cashierpay/cashier/internal/payment"
)

// screenshotDir is where TestScreenshots writes the docs' screenshots; without it the test
// skips. `go test ./e2e -run TestScreenshots -args -screenshots ../docs/screenshots`.
var (
	screenshotDir     = flag.String("screenshots", "", "write screenshots of every buyer page in every locale to this directory")
	screenshotLocales = flag.String("screenshot-locales", "", "only these locales (comma-separated), to split the screenshots between processes")
)

// locales are the hosted pages' languages: every catalogue there is.
func locales(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../internal/web/locales/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no locale catalogues: %v", err)
	}
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	return out
}

// Steps of a buyer's journey that walkHosted stops at.
const (
	stepCard           = "card"
	stepCardErrors     = "card-errors"
	stepDeclined       = "declined"
	stepChallenge      = "challenge"
	stepChallengeWrong = "challenge-wrong"
	stepSuccess        = "success"
	stepProcessing     = "processing"
	stepFailure        = "failure"
	stepExpired        = "expired"
	stepIssuer         = "issuer"
	stepCVV            = "cvv"
	stepError          = "error"
	stepSDKPopup       = "sdk-popup"
)

// walkHosted takes the tab through every hosted page and state in loc, calling at on each
// once the page is settled. cardToken is a saved card, for the CVV page.
// The walk stops after the step last, or goes through every step when it is "".
func walkHosted(t *testing.T, e *env, ctx context.Context, loc, cardToken, last string, at func(step string)) {
	t.Helper()
	pay := func(currency string, value int64, meta string) string {
		resp := e.pay(hostedReq(currency, value, meta))
		pageToken(t, resp)
		return resp.NormalURL + "?locale=" + loc
	}
	challengeCard := "4000000000003220" // always challenged, then approved (docs/test-cards.md)
	slowApproval := "4000000000007015"  // in process, approved 30 s later

	// One payment: the card form empty, with the errors card.js finds, after a decline;
	// then a card that is challenged, a wrong code, and two more: the payment fails.
	first := pay("USD", 123456, "")
	run(t, ctx, chromedp.Navigate(first), chromedp.WaitVisible(chromedp.CSS(`[data-step="card"] #cardNo`)))
	at(stepCard)
	run(t, ctx, chromedp.SendKeys(chromedp.CSS("#cardNo"), luhnBroken), chromedp.SendKeys(chromedp.CSS("#expiry"), "1320"),
		chromedp.Click(chromedp.CSS("#pay")), chromedp.WaitVisible(chromedp.CSS("#cardNo-error")), chromedp.WaitVisible(chromedp.CSS("#expiry-error")))
	at(stepCardErrors)
	run(t, ctx, chromedp.Navigate(first))
	// The decline's reason is the server's, and takes the focus (card.js's summary does not).
	run(t, ctx, fillCard(visaDecl, "1230", "846", "Ada Lovelace"),
		chromedp.WaitVisible(chromedp.CSS(`[data-step="card"] #form-error[role="alert"][autofocus]`)), chromedp.WaitVisible(chromedp.CSS("#cardNo")))
	at(stepDeclined)
	run(t, ctx, fillCard(challengeCard, "1230", "846", "Ada Lovelace"), chromedp.WaitVisible(chromedp.CSS(`[data-step="challenge"] #otp`)))
	at(stepChallenge)
	for i, code := range []string{"999999", "111111", "222222"} {
		run(t, ctx, chromedp.SendKeys(chromedp.CSS("#otp"), code), chromedp.Click(chromedp.CSS("#challenge-submit")))
		if i == 0 {
			run(t, ctx, chromedp.WaitVisible(chromedp.CSS(`[data-step="challenge"] #otp[aria-invalid="true"]`)))
			at(stepChallengeWrong)
		} else if i == 1 {
			run(t, ctx, chromedp.WaitVisible(chromedp.CSS(`[data-step="challenge"] #otp[aria-invalid="true"]`)))
		}
	}
	run(t, ctx, waitResult("FAIL", "USER_PAYMENT_VERIFICATION_FAILED"))
	at(stepFailure)

	// A slow issuer: the page waits for the answer; the buyer checks again by hand and
	// reads the receipt.
	run(t, ctx, chromedp.Navigate(pay("USD", 123456, "")), fillCard(slowApproval, "1230", "846", "Ada Lovelace"),
		waitResult("PROCESSING", ""), chromedp.WaitVisible(chromedp.CSS("#check-status")))
	at(stepProcessing)
	e.advance(31 * time.Second)
	run(t, ctx, chromedp.Click(chromedp.CSS("#check-status")), waitResult("SUCCESS", ""), chromedp.WaitVisible(chromedp.CSS("#receipt")))
	at(stepSuccess)
	if last == stepSuccess {
		return
	}

	// An expired page.
	expired := pay("USD", 123456, "")
	e.advance(payment.DefaultExpiry + time.Second)
	run(t, ctx, chromedp.Navigate(expired), waitResult("FAIL", "ORDER_IS_CLOSED"))
	at(stepExpired)

	// A Korean card's issuer page, a saved card's CVV page, an unknown payment.
	kr := hostedReq("KRW", 15000, `{"selectedCardBrand":"HYUNDAI"}`)
	kr.PaymentMethod.RequireIssuerAuthentication = true
	run(t, ctx, chromedp.Navigate(e.pay(kr).NormalURL+"?locale="+loc), chromedp.WaitVisible(chromedp.CSS(`[data-step="issuer"] #issuer-approve`)))
	at(stepIssuer)
	saved := hostedReq("USD", 123456, `{"needCVV":true}`)
	saved.PaymentMethod.PaymentMethodID = cardToken
	run(t, ctx, chromedp.Navigate(e.pay(saved).NormalURL+"?locale="+loc), chromedp.WaitVisible(chromedp.CSS(`[data-step="cvv"] #cvv`)))
	at(stepCVV)
	run(t, ctx, chromedp.Navigate(e.baseURL+"/checkout/no-such-payment?locale="+loc), chromedp.WaitVisible(chromedp.CSS(`[data-step="error"] h1`)))
	at(stepError)
}

// savedCard pays once with tokenize and returns the card's token.
func savedCard(e *env) string {
	first := payReq(visaOK, "USD", 500)
	first.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":"4054695723100768","cvv":"123","expiryMonth":"12","expiryYear":"30","tokenize":true}`)
	return e.pay(first).PaymentResultInfo.CardToken
}

// TestBrowserAxe runs axe-core on every hosted page and state in every locale and fails on
// any serious or critical violation. One browser, and one tab per locale for all its pages (the
// tab's deadline is for one journey).
func TestBrowserAxe(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	e := newEnv(t)
	token := savedCard(e)
	for _, loc := range locales(t) {
		t.Run(loc, func(t *testing.T) {
			ctx := tab(t, browser, 1280, 900, false)
			walkHosted(t, e, ctx, loc, token, "", func(step string) { browsertest.Axe(t, ctx, step+" "+loc) })
		})
	}
}

// TestScreenshots writes a screenshot of each buyer page in each locale, at desktop and
// phone size, into -screenshots (docs/screenshots in the repository): docs, not a check, so
// it runs only when asked.
func TestScreenshots(t *testing.T) {
	t.Parallel()
	if *screenshotDir == "" {
		t.Skip("no -screenshots directory")
	}
	if err := os.MkdirAll(*screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	browser := newBrowser(t)
	e := newEnv(t)
	token := savedCard(e)
	shop := newSDKShop(t, e)
	// The steps the docs show; the others are for axe.
	shown := map[string]bool{stepCard: true, stepCardErrors: true, stepChallenge: true, stepSuccess: true, stepFailure: true}
	for _, layout := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}} {
		for _, loc := range locales(t) {
			if *screenshotLocales != "" && !slices.Contains(strings.Split(*screenshotLocales, ","), loc) {
				continue
			}
			// The tab's deadline is for one locale's walk: generous, as this writes docs and
			// checks nothing the other tests do not.
			ctx := browsertest.TabFor(t, browser, layout.width, layout.height, layout.mobile, 10*time.Minute)
			shoot := func(step string) {
				if !shown[step] && step != stepSDKPopup {
					return
				}
				shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatalf("screenshot %s %s: %v", step, loc, err)
				}
				name := filepath.Join(*screenshotDir, loc+"-"+step+"-"+layout.name+".png")
				if err := os.WriteFile(name, shot, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			// Blur the focus so that no caret blinks into one shot and not the next.
			walkHosted(t, e, ctx, loc, token, stepSuccess, func(step string) {
				run(t, ctx, chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur && document.activeElement.blur()`))
				shoot(step)
			})
			resp, _ := shop.session(0)
			shop.open(ctx, resp.PaymentSessionData, true, false, "&locale="+loc)
			waitEvent(t, ctx, "created")
			inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
				return chromedp.WaitVisible(chromedp.CSS("#cardNo"), chromedp.FromNode(f))
			})
			shoot(stepSDKPopup)
		}
	}
}
