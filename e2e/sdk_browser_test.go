package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/browsertest"
)

// antomMerchantPage is a checkout page written for Antom's web SDK (the v1
// AMSCashierPayment API, as in Antom's integration guide): constructor, mountComponent or
// createComponent, submit, and an onEventCallback switch on the documented codes. Only the
// script URL points at cashier instead of Antom's CDN.
var antomMerchantPage = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">{{if .Viewport}}<meta name="viewport" content="width=device-width, initial-scale=1">{{end}}<title>Checkout</title></head>
<body>
<h1>Checkout</h1>
<div id="ConnectPayment"></div>
<button id="submit" type="button">Pay now</button>
<p id="status"></p>
<script src="{{.SDK}}"></script>
<script>
  window.__events = [];
  var statusEl = document.getElementById("status");
  var checkoutApp = new window.AMSCashierPayment({
    environment: "sandbox",
    locale: "{{.Locale}}",
    analytics: { enabled: true },
    onLog: function (log) {},
    onEventCallback: function (event) {
      window.__events.push(event.code);
      switch (event.code) {
        case "SDK_PAYMENT_SUCCESSFUL":
          statusEl.textContent = "Payment successful, checking with the server";
          break;
        case "SDK_PAYMENT_PROCESSING":
          statusEl.textContent = "Payment processing";
          break;
        case "SDK_PAYMENT_FAIL":
          statusEl.textContent = "Payment failed: " + (event.result && event.result.paymentResultCode);
          break;
        case "SDK_PAYMENT_CANCEL":
          statusEl.textContent = "Payment cancelled";
          break;
        case "SDK_PAYMENT_ERROR":
          statusEl.textContent = "Payment error";
          break;
        case "SDK_FORM_VERIFICATION_FAILED":
          statusEl.textContent = "Please check the card details";
          break;
        case "SDK_PAYMENT_CHALLENGE":
          statusEl.textContent = "Authenticating";
          break;
        default:
          break;
      }
    },
    onError: function (error) { window.__events.push("onError:" + error.code); },
    onClose: function () { window.__events.push("onClose"); }
  });
  var params = {
    sessionData: "{{.SessionData}}",
    appearance: { showLoading: true },
    notRedirectAfterComplete: {{.NoRedirect}},
    merchantAppointParam: { storedCard: { needCVV: {{.NeedCVV}} } }
  };
  var created = {{.Popup}} ? checkoutApp.createComponent(params) : checkoutApp.mountComponent(params, "#ConnectPayment");
  created.then(function () { window.__events.push("created"); }, function (err) { window.__events.push("rejected:" + err.code); });
  document.getElementById("submit").addEventListener("click", function () { checkoutApp.submit(); });
</script>
</body></html>`))

type sdkShop struct {
	t        *testing.T
	e        *env
	srv      *httptest.Server
	notified *merchantEndpoint
}

func newSDKShop(t *testing.T, e *env) *sdkShop {
	s := &sdkShop{t: t, e: e, notified: newMerchantEndpoint(t, func(_ int, w http.ResponseWriter) { ack(w) })}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/return") {
			fmt.Fprint(w, `<html><body><h1 id="returned">Thank you</h1></body></html>`)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		locale := r.URL.Query().Get("locale")
		if locale == "" {
			locale = "en_US"
		}
		antomMerchantPage.Execute(w, map[string]any{"Locale": locale,
			"SDK": e.baseURL + "/sdk/ams-checkout.js", "SessionData": r.URL.Query().Get("session"),
			"NoRedirect": r.URL.Query().Get("redirect") != "1", "Popup": r.URL.Query().Get("popup") == "1",
			"NeedCVV": r.URL.Query().Get("needcvv") == "1",
			// A page made for phones (?viewport=1) is laid out at the phone's width.
			"Viewport": r.URL.Query().Get("viewport") == "1",
		})
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// session opens a payment session the way the merchant's server would; cardToken, when
// given, pays a saved card.
func (s *sdkShop) session(expiry time.Duration, cardToken ...string) (*ams.CreatePaymentSessionResponse, string) {
	req := sessionReq(1250)
	if len(cardToken) > 0 {
		req.PaymentMethod.PaymentMethodID = cardToken[0]
		req.Order.Buyer = &ams.Buyer{ReferenceBuyerID: "buyer-1"}
	}
	req.PaymentRedirectURL = s.srv.URL + "/return/" + req.PaymentRequestID
	req.PaymentNotifyURL = s.notified.srv.URL + "/notify"
	if expiry > 0 {
		req.PaymentSessionExpiryTime = ams.FormatTime(s.e.clock.Now().Add(expiry))
	}
	resp, err := s.e.c.CreatePaymentSession(context.Background(), req)
	if err != nil || resp.Result.ResultCode != "SUCCESS" {
		s.t.Fatalf("createPaymentSession: %+v %v", resp, err)
	}
	return resp, req.PaymentRequestID
}

func (s *sdkShop) open(ctx context.Context, session string, popup, redirect bool, extra ...string) {
	q := "?session=" + strings.ReplaceAll(strings.ReplaceAll(session, "&", "%26"), "+", "%2B") + strings.Join(extra, "")
	if popup {
		q += "&popup=1"
	}
	if redirect {
		q += "&redirect=1"
	}
	run(s.t, ctx, chromedp.Navigate(s.srv.URL+"/checkout"+q))
}

func events(t *testing.T, ctx context.Context) []string {
	v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__events || []`))
	if err != nil {
		t.Fatalf("read events: %v", err)
	}
	return v
}

// waitEvent waits for an onEventCallback code (or "onError:CODE", "created", ...).
func waitEvent(t *testing.T, ctx context.Context, code string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, c := range events(t, ctx) {
			if c == code {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no %s; events so far %v", code, events(t, ctx))
}

func inFrame(t *testing.T, ctx context.Context, act func(frame *chromedp.Node) chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.InFrame(t, ctx, "iframe.ams-cashier-frame", act)
}

func typeCard(t *testing.T, ctx context.Context, number string) {
	inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.WaitVisible(chromedp.CSS("#cardNo"), chromedp.FromNode(f)),
			chromedp.SendKeys(chromedp.CSS("#cardNo"), number, chromedp.FromNode(f)),
			chromedp.SendKeys(chromedp.CSS("#expiry"), "1230", chromedp.FromNode(f)),
			chromedp.SendKeys(chromedp.CSS("#cvv"), "846", chromedp.FromNode(f)),
			chromedp.SendKeys(chromedp.CSS("#holderName"), "Ada Lovelace", chromedp.FromNode(f)),
		)
	})
}

// notifiedResult waits for the notifyPayment of paymentID and returns its result code.
func (s *sdkShop) notifiedResult(paymentID string) string {
	s.t.Helper()
	var code string
	eventually(s.t, "notifyPayment", func() bool {
		for _, r := range s.notified.all() {
			var n ams.PaymentNotification
			if json.Unmarshal(r.body, &n) == nil && n.NotifyType == ams.NotifyPaymentResult && n.PaymentID == paymentID {
				code = n.Result.ResultCode
				return true
			}
		}
		return false
	})
	return code
}

func (s *sdkShop) paymentOf(requestID string) *ams.InquiryPaymentResponse {
	inq, err := s.e.c.InquiryPayment(context.Background(), &ams.InquiryPaymentRequest{PaymentRequestID: requestID})
	if err != nil || inq.Result.ResultCode != "SUCCESS" {
		s.t.Fatalf("inquiryPayment: %+v %v", inq, err)
	}
	return inq
}

// TestBrowserSDK runs a merchant page written for Antom's web SDK against cashier's SDK, in
// both modes, and checks every outcome on the merchant's side too: inquiryPayment and the
// notification.
func TestBrowserSDK(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	e := newEnv(t)
	shop := newSDKShop(t, e)

	t.Run("embedded success without redirect", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		resp, reqID := shop.session(0)
		shop.open(ctx, resp.PaymentSessionData, false, false)
		waitEvent(t, ctx, "created")
		typeCard(t, ctx, "4054695723100768")
		browsertest.Axe(t, ctx, "embedded card form")
		run(t, ctx, browsertest.Press("#submit"))
		waitEvent(t, ctx, "SDK_PAYMENT_SUCCESSFUL")
		time.Sleep(2500 * time.Millisecond)
		if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/checkout") {
			t.Fatalf("notRedirectAfterComplete, yet the page went to %s", loc)
		}
		inq := shop.paymentOf(reqID)
		if inq.PaymentStatus != "SUCCESS" || shop.notifiedResult(inq.PaymentID) != "SUCCESS" {
			t.Fatalf("merchant sees %s", inq.PaymentStatus)
		}
	})

	t.Run("popup success with redirect", func(t *testing.T) {
		ctx := tab(t, browser, 390, 844, true)
		resp, reqID := shop.session(0)
		shop.open(ctx, resp.PaymentSessionData, true, true)
		waitEvent(t, ctx, "created")
		run(t, ctx, chromedp.WaitVisible(chromedp.CSS("#ams-cashier-overlay")), chromedp.WaitVisible(chromedp.CSS("#ams-cashier-close")))
		typeCard(t, ctx, "5162774114974622")
		browsertest.Axe(t, ctx, "popup, phone")
		inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.Click(chromedp.CSS("#pay"), chromedp.FromNode(f))
		})
		waitEvent(t, ctx, "SDK_PAYMENT_SUCCESSFUL")
		run(t, ctx, chromedp.WaitVisible(chromedp.CSS("#returned")))
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		if !strings.HasSuffix(loc, "/return/"+reqID) {
			t.Fatalf("redirected to %s", loc)
		}
		inq := shop.paymentOf(reqID)
		if inq.PaymentStatus != "SUCCESS" || shop.notifiedResult(inq.PaymentID) != "SUCCESS" {
			t.Fatalf("merchant sees %s", inq.PaymentStatus)
		}
	})

	t.Run("decline then retry in the same session", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		resp, reqID := shop.session(0)
		shop.open(ctx, resp.PaymentSessionData, false, false)
		waitEvent(t, ctx, "created")
		typeCard(t, ctx, visaDecl)
		run(t, ctx, browsertest.Press("#submit"))
		waitEvent(t, ctx, "SDK_PAYMENT_FAIL")
		status, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#status")))
		if !strings.Contains(status, "DO_NOT_HONOR") {
			t.Fatalf("the decline reached the page as %q", status)
		}
		inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.WaitVisible(chromedp.CSS("#form-error"), chromedp.FromNode(f))
		})
		browsertest.Axe(t, ctx, "embedded card form after a decline")
		if st := shop.paymentOf(reqID).PaymentStatus; st != "PROCESSING" {
			t.Fatalf("after a decline in a session the payment is %s", st)
		}
		// The form keeps the expiry and the name and clears the number and the CVV.
		inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.Steps(
				chromedp.SendKeys(chromedp.CSS("#cardNo"), "4054695723100768", chromedp.FromNode(f)),
				chromedp.SendKeys(chromedp.CSS("#cvv"), "846", chromedp.FromNode(f)),
			)
		})
		run(t, ctx, browsertest.Press("#submit"))
		waitEvent(t, ctx, "SDK_PAYMENT_SUCCESSFUL")
		inq := shop.paymentOf(reqID)
		if inq.PaymentStatus != "SUCCESS" || shop.notifiedResult(inq.PaymentID) != "SUCCESS" {
			t.Fatalf("merchant sees %s", inq.PaymentStatus)
		}
	})

	t.Run("form errors", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		resp, reqID := shop.session(0)
		shop.open(ctx, resp.PaymentSessionData, false, false)
		waitEvent(t, ctx, "created")
		inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.SendKeys(chromedp.CSS("#cardNo"), luhnBroken, chromedp.FromNode(f))
		})
		run(t, ctx, browsertest.Press("#submit"))
		waitEvent(t, ctx, "SDK_FORM_VERIFICATION_FAILED")
		browsertest.Axe(t, ctx, "embedded card form with errors")
		inq := shop.paymentOf(reqID)
		if inq.PaymentStatus != "PROCESSING" || hasNotification(shop, inq.PaymentID) {
			t.Fatalf("a form error changed the payment: %s", inq.PaymentStatus)
		}
		// The merchant learns the end of an abandoned session from the notification.
		e.advance(time.Hour + time.Second)
		if code := shop.notifiedResult(inq.PaymentID); code != "ORDER_IS_CLOSED" {
			t.Fatalf("abandoned session notified as %s", code)
		}
	})

	t.Run("3-D Secure challenge", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		resp, reqID := shop.session(0)
		shop.open(ctx, resp.PaymentSessionData, false, false)
		waitEvent(t, ctx, "created")
		typeCard(t, ctx, catalogueCard(t, e, "PAYMENT_IN_PROCESS", "challenge; approved once authenticated"))
		run(t, ctx, browsertest.Press("#submit"))
		waitEvent(t, ctx, "SDK_PAYMENT_CHALLENGE")
		inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.Steps(
				chromedp.WaitVisible(chromedp.CSS("#otp"), chromedp.FromNode(f)),
			)
		})
		browsertest.Axe(t, ctx, "embedded 3-D Secure challenge")
		inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.Steps(
				chromedp.SendKeys(chromedp.CSS("#otp"), "123456", chromedp.FromNode(f)),
				chromedp.Click(chromedp.CSS("#challenge-submit"), chromedp.FromNode(f)),
			)
		})
		waitEvent(t, ctx, "SDK_PAYMENT_SUCCESSFUL")
		inq := shop.paymentOf(reqID)
		tds := inq.PaymentResultInfo.ThreeDSResult
		if inq.PaymentStatus != "SUCCESS" || tds == nil || tds.Challenged == nil || !*tds.Challenged || shop.notifiedResult(inq.PaymentID) != "SUCCESS" {
			t.Fatalf("merchant sees %s %+v", inq.PaymentStatus, tds)
		}
	})

	t.Run("closing the popup", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		resp, reqID := shop.session(10 * time.Minute)
		shop.open(ctx, resp.PaymentSessionData, true, false)
		waitEvent(t, ctx, "created")
		run(t, ctx, chromedp.Click(chromedp.CSS("#ams-cashier-close")))
		waitEvent(t, ctx, "SDK_PAYMENT_CANCEL")
		waitEvent(t, ctx, "onClose")
		inq := shop.paymentOf(reqID)
		if inq.PaymentStatus != "PROCESSING" {
			t.Fatalf("after closing the popup the payment is %s", inq.PaymentStatus)
		}
		e.advance(10*time.Minute + time.Second)
		if code := shop.notifiedResult(inq.PaymentID); code != "ORDER_IS_CLOSED" {
			t.Fatalf("cancelled session notified as %s", code)
		}
	})

	t.Run("expired session", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		resp, reqID := shop.session(time.Minute)
		e.advance(2 * time.Minute)
		shop.open(ctx, resp.PaymentSessionData, false, false)
		waitEvent(t, ctx, "rejected:SDK_CREATEPAYMENT_PARAMETER_ERROR")
		waitEvent(t, ctx, "onError:SDK_CREATEPAYMENT_PARAMETER_ERROR")
		inq := shop.paymentOf(reqID)
		if inq.PaymentStatus != "FAIL" || inq.PaymentResultCode != "ORDER_IS_CLOSED" {
			t.Fatalf("merchant sees %s %s", inq.PaymentStatus, inq.PaymentResultCode)
		}
		if code := shop.notifiedResult(inq.PaymentID); code != "ORDER_IS_CLOSED" {
			t.Fatalf("expired session notified as %s", code)
		}
	})

	for _, needCVV := range []bool{true, false} {
		t.Run(fmt.Sprintf("saved card needCVV=%v", needCVV), func(t *testing.T) {
			first := payReq(visaOK, "USD", 500)
			first.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":"4054695723100768","cvv":"123","expiryMonth":"12","expiryYear":"30","tokenize":true}`)
			token := e.pay(first).PaymentResultInfo.CardToken
			ctx := tab(t, browser, 1280, 860, false)
			resp, reqID := shop.session(0, token)
			flag := "&needcvv=0"
			if needCVV {
				flag = "&needcvv=1"
			}
			shop.open(ctx, resp.PaymentSessionData, false, false, flag)
			waitEvent(t, ctx, "created")
			inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
				steps := []chromedp.Action[chromedp.Void]{chromedp.WaitVisible(chromedp.CSS("#card-masked"), chromedp.FromNode(f))}
				if needCVV {
					steps = append(steps, chromedp.SendKeys(chromedp.CSS("#cvv"), "846", chromedp.FromNode(f)))
				}
				return chromedp.Steps(steps...)
			})
			browsertest.Axe(t, ctx, "embedded saved card")
			run(t, ctx, browsertest.Press("#submit"))
			waitEvent(t, ctx, "SDK_PAYMENT_SUCCESSFUL")
			inq := shop.paymentOf(reqID)
			wantCVV := ""
			if needCVV {
				wantCVV = "Y"
			}
			if inq.PaymentStatus != "SUCCESS" || inq.PaymentResultInfo.CardToken != token || inq.PaymentResultInfo.CvvResultRaw != wantCVV ||
				shop.notifiedResult(inq.PaymentID) != "SUCCESS" {
				t.Fatalf("merchant sees %s %+v", inq.PaymentStatus, inq.PaymentResultInfo)
			}
		})
	}
}

func hasNotification(s *sdkShop, paymentID string) bool {
	for _, r := range s.notified.all() {
		if strings.Contains(string(r.body), paymentID) {
			return true
		}
	}
	return false
}
