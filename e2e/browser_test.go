package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/browsertest"
	"github.com/cashierpay/cashier/internal/payment"
)

func newBrowser(t *testing.T) context.Context { return browsertest.New(t) }

func tab(t *testing.T, browser context.Context, width, height int64, mobile bool) context.Context {
	return browsertest.Tab(t, browser, width, height, mobile)
}

func run(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.Do(t, ctx, actions...)
}

// fillCard types a card into the hosted form and pays. It clears the fields first: after a
// decline the form gives back what the buyer typed (all but the number and CVV).
func fillCard(number, expiry, cvv, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(`[data-step="card"] #cardNo`)),
		chromedp.Evaluate[chromedp.Void](`for (const id of ['cardNo', 'expiry', 'cvv', 'holderName']) document.getElementById(id).value = ''`),
		chromedp.SendKeys(chromedp.CSS("#cardNo"), number),
		chromedp.SendKeys(chromedp.CSS("#expiry"), expiry),
		chromedp.SendKeys(chromedp.CSS("#cvv"), cvv),
		chromedp.SendKeys(chromedp.CSS("#holderName"), name),
		chromedp.Click(chromedp.CSS("#pay")),
	)
}

func waitResult(status, code string) chromedp.Action[chromedp.Void] {
	sel := `#result[data-status="` + status + `"]`
	if code != "" {
		sel = `#result[data-status="` + status + `"][data-code="` + code + `"]`
	}
	return chromedp.WaitVisible(sel)
}

// TestBrowserHostedPage drives the hosted card page as a buyer in headless Chromium; every
// flow ends with the merchant's view through inquiryPayment.
func TestBrowserHostedPage(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	e := newEnv(t)
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html><body><h1 id=shop>Back at the shop</h1></body></html>"))
	}))
	defer shop.Close()
	hosted := func(meta string) (*ams.PayResponse, string) {
		r := hostedReq("USD", 1050, meta)
		r.PaymentRedirectURL = shop.URL + "/return/" + r.PaymentRequestID
		resp := e.pay(r)
		pageToken(t, resp)
		return resp, r.PaymentRedirectURL
	}

	for _, layout := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 860, false}, {"phone", 390, 844, true}} {
		t.Run("success "+layout.name, func(t *testing.T) {
			ctx := tab(t, browser, layout.width, layout.height, layout.mobile)
			resp, back := hosted("")
			run(t, ctx, chromedp.Navigate(resp.NormalURL), chromedp.WaitVisible(chromedp.CSS("#cardNo")),
				chromedp.SendKeys(chromedp.CSS("#cardNo"), "4054695723100768"), chromedp.SendKeys(chromedp.CSS("#expiry"), "1230"),
				chromedp.SendKeys(chromedp.CSS("#cvv"), "846"), chromedp.SendKeys(chromedp.CSS("#holderName"), "Ada Lovelace"),
			)
			browsertest.Axe(t, ctx, "card form "+layout.name)
			var brand string
			run(t, ctx, attr(&brand, chromedp.CSS(`#cardNo`), "autocomplete"))
			if brand != "cc-number" {
				t.Fatalf("card number autocomplete %q", brand)
			}
			run(t, ctx, chromedp.Click(chromedp.CSS("#pay")), waitResult("SUCCESS", ""))
			browsertest.Axe(t, ctx, "receipt "+layout.name)
			// The result page stays until the buyer goes back to the merchant.
			var refreshes int
			run(t, ctx, into(&refreshes, chromedp.Evaluate[int](`document.querySelectorAll('meta[http-equiv="refresh"]').length`)))
			if refreshes != 0 {
				t.Fatal("the success page leaves by itself")
			}
			run(t, ctx, chromedp.Click(chromedp.CSS("#return")), chromedp.WaitVisible(chromedp.CSS("#shop")))
			var loc string
			run(t, ctx, into(&loc, chromedp.Location()))
			if loc != back {
				t.Fatalf("buyer sent to %s, want %s", loc, back)
			}
			if inq := e.inquiry(resp.PaymentID); inq.PaymentStatus != "SUCCESS" || inq.PaymentResultInfo.CardNo != "405469******0768" {
				t.Fatalf("merchant sees %s %+v", inq.PaymentStatus, inq.PaymentResultInfo)
			}
		})
	}

	t.Run("decline, then another card", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		resp, _ := hosted("")
		const reason = "Your bank declined the payment. Use another card or contact your bank."
		declined := chromedp.Steps(
			chromedp.WaitVisible(chromedp.CSS(`[data-step="card"] #form-error[role="alert"]`)),
			chromedp.WaitVisible(chromedp.CSS("#cardNo")),
		)
		var text string
		// Record, as the post leaves, whether the form showed itself busy.
		probe := chromedp.Evaluate[bool](`document.getElementById('card-form').addEventListener('submit', () => {
			const f = document.getElementById('card-form');
			sessionStorage.setItem('busy-probe', JSON.stringify([f.getAttribute('aria-busy'), f.cardNo.readOnly, f.holderName.readOnly, document.getElementById('pay').disabled]));
		}), true`)
		var probed bool
		run(t, ctx, chromedp.Navigate(resp.NormalURL), chromedp.WaitVisible(chromedp.CSS("#cardNo")), into(&probed, probe), fillCard(visaDecl, "1230", "846", "Ada Lovelace"), declined,
			into(&text, chromedp.Text(chromedp.CSS("#form-error"))), focusOn("form-error"))
		if strings.TrimSpace(text) != reason {
			t.Fatalf("after a decline: reason %q", text)
		}
		// The buyer finds what they typed, except the number and the CVV, which never come back.
		var kept []string
		run(t, ctx, into(&kept, chromedp.Evaluate[[]string](`['cardNo', 'expiry', 'cvv', 'holderName'].map(id => document.getElementById(id).value)
			.concat([sessionStorage.getItem('busy-probe'), String(document.getElementById('cardNo').readOnly), String(sessionStorage.length)])`)))
		if want := []string{"", "12/30", "", "Ada Lovelace", `["true",true,true,true]`, "false", "1"}; !slices.Equal(kept, want) {
			t.Fatalf("after a decline the form holds %q, want %q (number, expiry, cvv, name, busy while sent, read-only now, storage entries)", kept, want)
		}
		if inq := e.inquiry(resp.PaymentID); inq.PaymentStatus != "PROCESSING" {
			t.Fatalf("merchant sees %s while the buyer may try another card", inq.PaymentStatus)
		}
		// Opened again, the page still takes a card.
		run(t, ctx, chromedp.Navigate(resp.NormalURL), declined, into(&text, chromedp.Text(chromedp.CSS("#form-error"))))
		if strings.TrimSpace(text) != reason {
			t.Fatalf("reopened after a decline: %q", text)
		}
		run(t, ctx, fillCard("4054695723100768", "1230", "846", "Ada Lovelace"), waitResult("SUCCESS", ""))
		if inq := e.inquiry(resp.PaymentID); inq.PaymentStatus != "SUCCESS" || inq.PaymentResultInfo.CardNo != "405469******0768" {
			t.Fatalf("merchant sees %s %+v", inq.PaymentStatus, inq.PaymentResultInfo)
		}
	})

	t.Run("validation error", func(t *testing.T) {
		ctx := tab(t, browser, 390, 844, true)
		resp, _ := hosted("")
		var msg, invalid string
		run(t, ctx, chromedp.Navigate(resp.NormalURL), chromedp.WaitVisible(chromedp.CSS("#cardNo")),
			chromedp.SendKeys(chromedp.CSS("#cardNo"), luhnBroken), chromedp.SendKeys(chromedp.CSS("#expiry"), "1320"),
			chromedp.Click(chromedp.CSS("#pay")),
			chromedp.WaitVisible(chromedp.CSS("#cardNo-error")), into(&msg, chromedp.Text(chromedp.CSS("#cardNo-error"))),
			attr(&invalid, chromedp.CSS("#cardNo"), "aria-invalid"))
		if strings.TrimSpace(msg) == "" || invalid != "true" {
			t.Fatalf("inline error %q, aria-invalid %q", msg, invalid)
		}
		browsertest.Axe(t, ctx, "card form with errors, phone")
		if inq := e.inquiry(resp.PaymentID); inq.PaymentStatus != "PROCESSING" {
			t.Fatalf("a rejected form changed the payment: %s", inq.PaymentStatus)
		}
	})

	t.Run("brand on the form", func(t *testing.T) {
		ctx := tab(t, browser, 390, 844, true)
		resp, _ := hosted("")
		// typeNumber replaces the card number as a buyer editing it would.
		typeNumber := func(n string) chromedp.Action[chromedp.Void] {
			var cleared bool
			return chromedp.Steps(
				into(&cleared, chromedp.Evaluate[bool](`(() => { const i = document.getElementById('cardNo'); i.value = ''; i.dispatchEvent(new Event('input')); return true })()`)),
				chromedp.SendKeys(chromedp.CSS("#cardNo"), n))
		}
		read := func(dst *[]string) chromedp.Action[chromedp.Void] {
			return into(dst, chromedp.Evaluate[[]string](`[document.getElementById('cardNo-error').textContent, document.getElementById('cvv-error').textContent,
				document.getElementById('cvv-hint').textContent, document.getElementById('brand-name').textContent, document.getElementById('brand-logo').alt]`))
		}
		var got []string
		// AMEX wants 4 digits; a 3-digit CVV is wrong for it, and right once the card is a Visa.
		run(t, ctx, chromedp.Navigate(resp.NormalURL), chromedp.WaitVisible(chromedp.CSS("#cardNo")),
			chromedp.SendKeys(chromedp.CSS("#cardNo"), "378282246310005"), chromedp.SendKeys(chromedp.CSS("#cvv"), "846"),
			chromedp.SendKeys(chromedp.CSS("#holderName"), "A"), read(&got))
		if want := []string{"", "The security code has 4 digits.", "4 digits on the front of the card.", "Card brand: American Express", "American Express"}; !slices.Equal(got, want) {
			t.Fatalf("AMEX with 3 digits: %q, want %q", got, want)
		}
		run(t, ctx, typeNumber("6200000000000005"), read(&got))
		if want := []string{"", "", "3 digits on the back of the card.", "Card brand: UnionPay", "UnionPay"}; !slices.Equal(got, want) {
			t.Fatalf("then UnionPay: %q, want %q", got, want)
		}
		// A number of no brand is refused at once, and by the gateway if posted anyway.
		run(t, ctx, typeNumber("1000000000000008"), chromedp.Click(chromedp.CSS("#holderName")), read(&got))
		if got[0] != "This card is not supported." {
			t.Fatalf("a number of no brand: %q", got)
		}
		// Expiry and CVV share a row on a phone.
		var row []int
		run(t, ctx, into(&row, chromedp.Evaluate[[]int](`['expiry', 'cvv'].flatMap(id => { const r = document.getElementById(id).getBoundingClientRect(); return [Math.round(r.top), Math.round(r.left)] })`)))
		if row[0] != row[2] || row[1] >= row[3] {
			t.Fatalf("expiry at %v and cvv at %v on a phone: not side by side", row[:2], row[2:])
		}
		// The accepted marks are named for people, and each mark loads.
		var marks []string
		run(t, ctx, into(&marks, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.brands img')].map(i => i.complete && i.naturalWidth > 0 ? i.alt : 'broken ' + i.alt)`)))
		if !slices.Contains(marks, "UnionPay") || !slices.Contains(marks, "American Express") || !slices.Contains(marks, "Maestro") || !slices.Contains(marks, "Mir") || slices.Contains(marks, "CUP") || strings.Contains(strings.Join(marks, ","), "broken") {
			t.Fatalf("accepted marks %q", marks)
		}
		if inq := e.inquiry(resp.PaymentID); inq.PaymentStatus != "PROCESSING" {
			t.Fatalf("the form changed the payment: %s", inq.PaymentStatus)
		}
	})

	t.Run("chinese", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		resp, _ := hosted("")
		var lang, body string
		run(t, ctx, chromedp.Navigate(resp.NormalURL+"?locale=zh_CN"), chromedp.WaitVisible(chromedp.CSS("#cardNo")),
			attr(&lang, chromedp.CSS("html"), "lang"), into(&body, chromedp.Text(chromedp.CSS("body"))))
		if !strings.HasPrefix(lang, "zh") || !regexp.MustCompile(`\p{Han}`).MatchString(body) {
			t.Fatalf("zh_CN page: lang %q, text %.120q", lang, body)
		}
	})

	challengeCard := catalogueCard(t, e, "PAYMENT_IN_PROCESS", "challenge; approved once authenticated")
	for _, tc := range []struct {
		name, status, resultCode string
		codes                    []string
	}{
		{"3-D Secure passed", "SUCCESS", "", []string{"123456"}},
		{"3-D Secure passed after two wrong codes", "SUCCESS", "", []string{"999999", "111111", "123456"}},
		{"3-D Secure failed after three wrong codes", "FAIL", "USER_PAYMENT_VERIFICATION_FAILED", []string{"999999", "111111", "222222"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := tab(t, browser, 1280, 860, false)
			resp, back := hosted("")
			var otp string
			run(t, ctx, chromedp.Navigate(resp.NormalURL), fillCard(challengeCard, "1230", "846", "Ada Lovelace"),
				chromedp.WaitVisible(chromedp.CSS(`[data-step="challenge"] #otp`)),
				attr(&otp, chromedp.CSS("#otp"), "autocomplete"), focusOn("otp"))
			if otp != "one-time-code" {
				t.Fatalf("otp autocomplete %q", otp)
			}
			for i, code := range tc.codes {
				run(t, ctx, chromedp.SendKeys(chromedp.CSS("#otp"), code), chromedp.Click(chromedp.CSS("#challenge-submit")))
				if i == len(tc.codes)-1 {
					break
				}
				// Asked again: the same page, the code field empty and in focus, the error said.
				var msg, value string
				run(t, ctx, chromedp.WaitVisible(chromedp.CSS(`[data-step="challenge"] #otp[aria-invalid="true"]`)),
					into(&msg, chromedp.Text(chromedp.CSS("#otp-error"))),
					into(&value, chromedp.Evaluate[string](`document.getElementById('otp').value`)), focusOn("otp"))
				if msg != "The code is incorrect. Try again." || value != "" {
					t.Fatalf("wrong code %d: error %q, field %q", i+1, msg, value)
				}
			}
			run(t, ctx, waitResult(tc.status, tc.resultCode))
			inq := e.inquiry(resp.PaymentID)
			if inq.PaymentStatus != tc.status || inq.PaymentResultInfo.ThreeDSResult == nil || inq.PaymentResultInfo.ThreeDSResult.Challenged == nil {
				t.Fatalf("merchant sees %s %+v", inq.PaymentStatus, inq.PaymentResultInfo.ThreeDSResult)
			}
			if tc.status != "FAIL" {
				return
			}
			// A failure stays on screen for the buyer to read, with the way back at hand.
			var before, after, href string
			var refreshes int
			run(t, ctx, into(&before, chromedp.Location()), attr(&href, chromedp.CSS("#return"), "href"),
				into(&refreshes, chromedp.Evaluate[int](`document.querySelectorAll('meta[http-equiv="refresh"]').length`)))
			// Nothing signals that a page did not leave: wait past the 3 s its refresh took.
			time.Sleep(4 * time.Second)
			run(t, ctx, into(&after, chromedp.Location()), chromedp.WaitVisible(chromedp.CSS(`#result[data-status="FAIL"]`)))
			if refreshes != 0 || after != before || href != back {
				t.Fatalf("the failure page: %d refreshes, went from %s to %s; return link %q", refreshes, before, after, href)
			}
		})
	}

	t.Run("saved card with CVV only", func(t *testing.T) {
		first := payReq(visaOK, "USD", 500)
		first.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":"4054695723100768","cvv":"123","expiryMonth":"12","expiryYear":"30","tokenize":true}`)
		token := e.pay(first).PaymentResultInfo.CardToken
		ctx := tab(t, browser, 390, 844, true)
		resp, _ := hosted(`{"needCVV":true}`)
		// hosted() sent a fresh request without the token; make the CVV-only payment itself.
		r := hostedReq("USD", 1050, `{"needCVV":true}`)
		r.PaymentMethod.PaymentMethodID = token
		r.PaymentRedirectURL = shop.URL + "/return/cvv"
		resp = e.pay(r)
		var cardInputs int
		run(t, ctx, chromedp.Navigate(resp.NormalURL), chromedp.WaitVisible(chromedp.CSS(`[data-step="cvv"] #cvv`)),
			into(&cardInputs, chromedp.Evaluate[int](`document.querySelectorAll('#cardNo').length`)))
		if cardInputs != 0 {
			t.Fatal("the CVV-only page asks for the card number")
		}
		browsertest.Axe(t, ctx, "saved card's CVV, phone")
		run(t, ctx, chromedp.SendKeys(chromedp.CSS("#cvv"), "846"), chromedp.Click(chromedp.CSS("#pay")), waitResult("SUCCESS", ""))
		if inq := e.inquiry(resp.PaymentID); inq.PaymentStatus != "SUCCESS" || inq.PaymentResultInfo.CardToken != token {
			t.Fatalf("merchant sees %s %+v", inq.PaymentStatus, inq.PaymentResultInfo)
		}
	})

	t.Run("korean issuer authentication", func(t *testing.T) {
		ctx := tab(t, browser, 390, 844, true)
		r := hostedReq("KRW", 15000, `{"selectedCardBrand":"HYUNDAI"}`)
		r.PaymentMethod.RequireIssuerAuthentication = true
		r.PaymentRedirectURL = shop.URL + "/return/kr"
		resp := e.pay(r)
		run(t, ctx, chromedp.Navigate(resp.NormalURL+"?locale=ko_KR"), chromedp.WaitVisible(chromedp.CSS(`[data-step="issuer"] #issuer-approve`)))
		browsertest.Axe(t, ctx, "issuer page, phone")
		run(t, ctx, chromedp.Click(chromedp.CSS("#issuer-approve")), waitResult("SUCCESS", ""))
		if inq := e.inquiry(resp.PaymentID); inq.PaymentStatus != "SUCCESS" || inq.PaymentResultInfo.CardBrand != "HYUNDAI" {
			t.Fatalf("merchant sees %s %+v", inq.PaymentStatus, inq.PaymentResultInfo)
		}
	})

	t.Run("slow issuer: the page waits without reloading, then shows the outcome", func(t *testing.T) {
		ctx := tab(t, browser, 390, 844, true)
		resp, _ := hosted("")
		run(t, ctx, chromedp.Navigate(resp.NormalURL), fillCard("4000000000007015", "1230", "846", "Ada Lovelace"),
			waitResult("PROCESSING", ""), chromedp.WaitVisible(chromedp.CSS("#check-status")))
		browsertest.Axe(t, ctx, "processing, phone")
		var refreshes int
		var message string
		run(t, ctx, into(&refreshes, chromedp.Evaluate[int](`document.querySelectorAll('meta[http-equiv="refresh"]').length`)),
			into(&message, chromedp.Text(chromedp.CSS("#result-message"))))
		if refreshes != 0 {
			t.Fatal("the processing page has a meta refresh")
		}
		if message != "We are waiting for your bank's answer. This page updates by itself." {
			t.Fatalf("with JavaScript the processing page says %q", message)
		}
		// The issuer answers (docs/test-cards.md); the page finds out by itself.
		e.advance(31 * time.Second)
		run(t, ctx, waitResult("SUCCESS", ""), chromedp.WaitVisible(chromedp.CSS("#receipt")))
		if inq := e.inquiry(resp.PaymentID); inq.PaymentStatus != "SUCCESS" {
			t.Fatalf("merchant sees %s", inq.PaymentStatus)
		}
	})

	t.Run("back to the merchant, and back to pay", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		resp, back := hosted("")
		var label, loc string
		// The link comes first in the tab order, named by the merchant.
		run(t, ctx, chromedp.Navigate(resp.NormalURL), chromedp.WaitVisible(chromedp.CSS("#cardNo")),
			into(&label, chromedp.Text(chromedp.CSS("#back"))), chromedp.KeyEvent(kb.Tab), focusOn("back"),
			chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#shop")), into(&loc, chromedp.Location()))
		if label != "← Back to Sandbox merchant" || loc != back {
			t.Fatalf("back link %q took the buyer to %s, want %s", label, loc, back)
		}
		// Leaving changes nothing: the payment is open until it expires, and the buyer who
		// returns pays on the same page.
		if inq := e.inquiry(resp.PaymentID); inq.PaymentStatus != "PROCESSING" {
			t.Fatalf("after the buyer went back the merchant sees %s", inq.PaymentStatus)
		}
		run(t, ctx, chromedp.Navigate(resp.NormalURL), fillCard("4054695723100768", "1230", "846", "Ada Lovelace"), waitResult("SUCCESS", ""))
		if inq := e.inquiry(resp.PaymentID); inq.PaymentStatus != "SUCCESS" {
			t.Fatalf("merchant sees %s", inq.PaymentStatus)
		}
	})

	t.Run("slow issuer without JavaScript: the page says to check, and the link does", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		resp, _ := hosted("")
		var message string
		run(t, ctx, browsertest.NoScript(), chromedp.Navigate(resp.NormalURL), chromedp.WaitVisible(chromedp.CSS(`[data-step="card"] #cardNo`)),
			chromedp.SendKeys(chromedp.CSS("#cardNo"), "4000000000007015"), chromedp.SendKeys(chromedp.CSS("#expiry"), "12/30"),
			chromedp.SendKeys(chromedp.CSS("#cvv"), "846"), chromedp.SendKeys(chromedp.CSS("#holderName"), "Ada Lovelace"),
			chromedp.Click(chromedp.CSS("#pay")), waitResult("PROCESSING", ""), into(&message, chromedp.Text(chromedp.CSS("#result-message"))))
		if message != "We are waiting for your bank's answer. Select “Check status” to see whether it has arrived." {
			t.Fatalf("without JavaScript the processing page says %q", message)
		}
		e.advance(31 * time.Second)
		run(t, ctx, chromedp.Click(chromedp.CSS("#check-status")), waitResult("SUCCESS", ""), chromedp.WaitVisible(chromedp.CSS("#receipt")))
	})

	t.Run("expired page", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		resp, _ := hosted("")
		e.advance(payment.DefaultExpiry + time.Second)
		run(t, ctx, chromedp.Navigate(resp.NormalURL), waitResult("FAIL", "ORDER_IS_CLOSED"))
		var inputs int
		run(t, ctx, into(&inputs, chromedp.Evaluate[int](`document.querySelectorAll('#cardNo').length`)))
		if inputs != 0 {
			t.Fatal("an expired page still takes a card")
		}
		if inq := e.inquiry(resp.PaymentID); inq.PaymentStatus != "FAIL" || inq.PaymentResultCode != "ORDER_IS_CLOSED" {
			t.Fatalf("merchant sees %s %s", inq.PaymentStatus, inq.PaymentResultCode)
		}
	})

	// After all of it, no PAN or CVV in clear in the data dir, the database or the logs.
	scanForCardData(t, e, []string{"4054695723100768", visaDecl, luhnBroken, challengeCard}, "846")
}

// into runs a and keeps its value in dst.
func into[T any](dst *T, a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		v, err := a(ctx, t)
		*dst = v
		return err
	})
}

// focusOn waits until the element with the id has the focus: a page's autofocus is applied
// at its next rendering, after it is visible.
func focusOn(id string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[bool](`document.activeElement !== null && document.activeElement.id === `+strconv.Quote(id),
			chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(5*time.Second))(ctx, t)
		if err != nil {
			return fmt.Errorf("waiting for the focus on #%s: %w", id, err)
		}
		return nil
	})
}

// attr reads an attribute of the first element sel matches.
func attr(dst *string, sel chromedp.CSS, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		v, err := chromedp.AttributeValue(sel, name)(ctx, t)
		*dst = v.Value
		return err
	})
}
