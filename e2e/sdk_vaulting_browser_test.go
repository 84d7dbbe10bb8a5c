package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/browsertest"
	"github.com/cashierpay/cashier/internal/sandbox"
)

// antomVaultingPage is a "save a card" page written for Antom's web SDK (AMSVaulting, as in
// Antom's card vaulting guide): the constructor, createComponent or mountComponent with the
// vaultingSessionData, submit, and an onEventCallback that keeps each event's result. Only
// the script URL points at cashier.
var antomVaultingPage = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Saved cards</title></head>
<body>
<h1>Add a card</h1>
<div id="vaulting"></div>
<button id="save" type="button">Save card</button>
<p id="status"></p>
<script src="{{.SDK}}"></script>
<script>
  window.__events = [];
  window.__results = {};
  var statusEl = document.getElementById("status");
  var vaultingApp = new window.AMSVaulting({
    environment: "sandbox",
    locale: "{{.Locale}}",
    onLog: function (log) {},
    onEventCallback: function (event) {
      window.__events.push(event.code);
      if (event.result) window.__results[event.code] = event.result;
      switch (event.code) {
        case "SDK_PAYMENT_SUCCESSFUL":
          statusEl.textContent = "Card saved, checking with the server";
          break;
        case "SDK_PAYMENT_FAIL":
          statusEl.textContent = "Card not saved: " + event.result.result.resultCode;
          break;
        default:
          break;
      }
    },
    onError: function (error) { window.__events.push("onError:" + error.code); }
  });
  var params = {
    sessionData: "{{.SessionData}}",
    appearance: { showLoading: true },
    notRedirectAfterComplete: {{.NoRedirect}}
  };
  var created = {{.Popup}} ? vaultingApp.createComponent(params) : vaultingApp.mountComponent(params, "#vaulting");
  created.then(function () { window.__events.push("created"); }, function (err) { window.__events.push("rejected:" + err.code); });
  document.getElementById("save").addEventListener("click", function () { vaultingApp.submit(); });
</script>
</body></html>`))

// vaultingShop is a merchant's site with antomVaultingPage at /cards, the page the buyer
// returns to at /return/, and a notifyVaulting endpoint.
type vaultingShop struct {
	t   *testing.T
	e   *env
	srv *httptest.Server
	rx  *vaultingReceiver
}

func newVaultingShop(t *testing.T, e *env) *vaultingShop {
	s := &vaultingShop{t: t, e: e, rx: newVaultingReceiver(t, e)}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/return") {
			fmt.Fprint(w, `<html><body><h1 id="returned">Card saved</h1></body></html>`)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		q := r.URL.Query()
		antomVaultingPage.Execute(w, map[string]any{"Locale": q.Get("locale"), "SDK": e.baseURL + "/sdk/ams-checkout.js",
			"SessionData": q.Get("session"), "NoRedirect": q.Get("redirect") != "1", "Popup": q.Get("popup") == "1"})
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// session opens a vaulting session the way the merchant's server would.
func (s *vaultingShop) session() (*ams.CreateVaultingSessionResponse, string) {
	req := vaultingSessionReq(s.rx.url())
	req.RedirectURL = s.srv.URL + "/return/" + req.VaultingRequestID
	resp := s.e.vaultingSession(req)
	if resp.Result.ResultCode != ams.CodeSuccess {
		s.t.Fatalf("createVaultingSession: %+v", resp.Result)
	}
	return resp, req.VaultingRequestID
}

func (s *vaultingShop) open(ctx context.Context, session, locale string, popup, redirect bool) {
	q := "?locale=" + locale + "&session=" + strings.ReplaceAll(strings.ReplaceAll(session, "&", "%26"), "+", "%2B")
	if popup {
		q += "&popup=1"
	}
	if redirect {
		q += "&redirect=1"
	}
	run(s.t, ctx, chromedp.Navigate(s.srv.URL+"/cards"+q))
}

// vaultingEventResult is the result the page's onEventCallback got with code.
type vaultingEventResult struct {
	Result         ams.Result `json:"result"`
	VaultingStatus string     `json:"vaultingStatus"`
	RedirectURLs   struct {
		NormalURL string `json:"normalUrl"`
	} `json:"redirectUrls"`
	PaymentMethodDetail *struct {
		PaymentMethodType string `json:"paymentMethodType"`
		Card              struct {
			MaskedCardNo string `json:"maskedCardNo"`
			Brand        string `json:"brand"`
		} `json:"card"`
	} `json:"paymentMethodDetail"`
	raw string
}

func eventResult(t *testing.T, ctx context.Context, code string) *vaultingEventResult {
	t.Helper()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.__results[`+fmt.Sprintf("%q", code)+`] || null)`))
	if err != nil {
		t.Fatal(err)
	}
	var r *vaultingEventResult
	if err := json.Unmarshal([]byte(raw), &r); err != nil || r == nil {
		t.Fatalf("the %s event's result: %s (%v)", code, raw, err)
	}
	r.raw = raw
	return r
}

// TestBrowserSDKVaulting runs a merchant page written for Antom's AMSVaulting against
// cashier's SDK: the buyer saves a card in the SDK's component (at once, and through 3-D
// Secure), the page hears the result, notifyVaulting brings the token, and the token pays;
// a card the issuer refuses; session data the component must refuse; and the form in every
// locale.
func TestBrowserSDKVaulting(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	e := newEnv(t)
	shop := newVaultingShop(t, e)

	t.Run("embedded, saved at once, then pay with the token", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		s, reqID := shop.session()
		shop.open(ctx, s.VaultingSessionData, "en_US", false, false)
		waitEvent(t, ctx, "created")
		typeCard(t, ctx, "5162774114974622")
		browsertest.Axe(t, ctx, "embedded vaulting form")
		run(t, ctx, browsertest.Press("#save"))
		waitEvent(t, ctx, "SDK_PAYMENT_SUCCESSFUL")
		r := eventResult(t, ctx, "SDK_PAYMENT_SUCCESSFUL")
		if r.Result.ResultCode != ams.CodeSuccess || r.Result.ResultStatus != "S" || r.VaultingStatus != ams.VaultingSuccess ||
			r.PaymentMethodDetail == nil || r.PaymentMethodDetail.Card.MaskedCardNo != "************4622" || r.PaymentMethodDetail.Card.Brand != "MASTERCARD" ||
			r.RedirectURLs.NormalURL != shop.srv.URL+"/return/"+reqID {
			t.Fatalf("the page got %s", r.raw)
		}
		n := shop.rx.wait(t, reqID)
		if n.VaultingStatus != ams.VaultingSuccess || n.PaymentMethodDetail.Card.CardToken == "" {
			t.Fatalf("notifyVaulting %+v", n)
		}
		token := n.PaymentMethodDetail.Card.CardToken
		if strings.Contains(r.raw, token) {
			t.Fatalf("the card token reached the merchant's page: %s", r.raw)
		}
		if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/cards") {
			t.Fatalf("notRedirectAfterComplete, yet the page went to %s", loc)
		}
		pay := e.pay(payWithToken(token, 1999))
		wantResult(t, pay.Result, ams.StatusSuccess, ams.CodeSuccess)
		if pay.PaymentResultInfo.CardToken != token {
			t.Errorf("paid with %+v", pay.PaymentResultInfo)
		}
	})

	t.Run("popup, 3-D Secure, redirect", func(t *testing.T) {
		ctx := tab(t, browser, 390, 844, true)
		s, reqID := shop.session()
		shop.open(ctx, s.VaultingSessionData, "en_US", true, true)
		waitEvent(t, ctx, "created")
		run(t, ctx, chromedp.WaitVisible(chromedp.CSS("#ams-cashier-overlay")))
		typeCard(t, ctx, "4000000000003220") // always challenged (docs/test-cards.md)
		inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.Click(chromedp.CSS("#pay"), chromedp.FromNode(f))
		})
		waitEvent(t, ctx, "SDK_PAYMENT_CHALLENGE")
		if r := eventResult(t, ctx, "SDK_PAYMENT_CHALLENGE"); r.VaultingStatus != ams.VaultingProcessing || r.Result.ResultCode != ams.CodeVerificationInProcess ||
			r.PaymentMethodDetail == nil || r.PaymentMethodDetail.Card.MaskedCardNo != "************3220" {
			t.Fatalf("the challenge event's result %s", r.raw)
		}
		inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.WaitVisible(chromedp.CSS("#otp"), chromedp.FromNode(f))
		})
		browsertest.Axe(t, ctx, "vaulting 3-D Secure challenge in the popup")
		if inq := e.inquireVaulting(reqID); inq.VaultingStatus != ams.VaultingProcessing {
			t.Fatalf("during the challenge the merchant sees %+v", inq)
		}
		inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.Steps(
				chromedp.SendKeys(chromedp.CSS("#otp"), sandbox.OTP, chromedp.FromNode(f)),
				chromedp.Click(chromedp.CSS("#challenge-submit"), chromedp.FromNode(f)),
			)
		})
		waitEvent(t, ctx, "SDK_PAYMENT_AUTHORIZATION_SUCCESSFUL")
		waitEvent(t, ctx, "SDK_PAYMENT_SUCCESSFUL")
		run(t, ctx, chromedp.WaitVisible(chromedp.CSS("#returned")))
		if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/return/"+reqID) {
			t.Fatalf("redirected to %s", loc)
		}
		wantSavedThrough3DS(t, e, shop.rx.wait(t, reqID))
	})

	t.Run("refused by the issuer", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		s, reqID := shop.session()
		shop.open(ctx, s.VaultingSessionData, "en_US", false, false)
		waitEvent(t, ctx, "created")
		typeCard(t, ctx, visaDecl)
		run(t, ctx, browsertest.Press("#save"))
		waitEvent(t, ctx, "SDK_PAYMENT_FAIL")
		r := eventResult(t, ctx, "SDK_PAYMENT_FAIL")
		if r.Result.ResultCode != ams.CodeVerificationFail || r.Result.ResultStatus != "F" || r.VaultingStatus != ams.VaultingFail {
			t.Fatalf("the page got %s", r.raw)
		}
		inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.WaitVisible(chromedp.CSS(`[data-step="result"]`), chromedp.FromNode(f))
		})
		browsertest.Axe(t, ctx, "embedded vaulting refused")
		if n := shop.rx.wait(t, reqID); n.VaultingStatus != ams.VaultingFail || n.Result.ResultCode != ams.CodeVerificationFail {
			t.Fatalf("notifyVaulting %+v", n)
		}
	})

	t.Run("session data it must refuse", func(t *testing.T) {
		expired, expiredID := shop.session()
		e.advance(15 * time.Minute)
		payment, err := e.c.CreatePaymentSession(context.Background(), sessionReq(1250))
		if err != nil || payment.Result.ResultCode != ams.CodeSuccess {
			t.Fatalf("createPaymentSession: %+v %v", payment, err)
		}
		// Without its last segment the data names no scene: the frame's view tells.
		parts := strings.Split(payment.PaymentSessionData, "&&")
		for _, tc := range []struct{ name, data string }{
			{"a payment session", payment.PaymentSessionData},
			{"a payment session without its configuration", strings.Join(parts[:3], "&&")},
			{"an expired session", expired.VaultingSessionData},
			{"not session data", "not-session-data"},
		} {
			ctx := tab(t, browser, 1280, 860, false)
			shop.open(ctx, tc.data, "en_US", false, false)
			waitEvent(t, ctx, "rejected:SDK_CREATEPAYMENT_PARAMETER_ERROR")
			waitEvent(t, ctx, "onError:SDK_CREATEPAYMENT_PARAMETER_ERROR")
			if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("iframe").length`)); n != 0 {
				t.Errorf("%s: a frame stays in the page", tc.name)
			}
		}
		if n := shop.rx.wait(t, expiredID); n.VaultingStatus != ams.VaultingFail || n.Result.ResultCode != ams.CodeProcessFail {
			t.Fatalf("notifyVaulting of the expired session %+v", n)
		}
		// And the payment drop-in refuses a vaulting session.
		fresh, _ := shop.session()
		ctx := tab(t, browser, 1280, 860, false)
		newSDKShop(t, e).open(ctx, fresh.VaultingSessionData, false, false)
		waitEvent(t, ctx, "rejected:SDK_CREATEPAYMENT_PARAMETER_ERROR")
	})

	t.Run("every locale", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		for _, loc := range locales(t) {
			var catalog map[string]string
			b, err := os.ReadFile("../internal/web/locales/" + loc + ".json")
			if err != nil || json.Unmarshal(b, &catalog) != nil {
				t.Fatalf("catalogue %s: %v", loc, err)
			}
			s, _ := shop.session()
			shop.open(ctx, s.VaultingSessionData, loc, true, false)
			waitEvent(t, ctx, "created")
			var button string
			inFrame(t, ctx, func(f *chromedp.Node) chromedp.Action[chromedp.Void] {
				return chromedp.Steps(chromedp.WaitVisible(chromedp.CSS("#cardNo"), chromedp.FromNode(f)),
					into(&button, chromedp.Text(chromedp.CSS("#pay"), chromedp.FromNode(f))))
			})
			title, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("iframe.ams-cashier-frame").title + "|" +
				document.getElementById("ams-cashier-overlay").getAttribute("aria-label")`))
			if strings.TrimSpace(button) != catalog["vaultButton"] || title != catalog["vaultTitle"]+"|"+catalog["vaultTitle"] {
				t.Errorf("%s: the button says %q, the frame and dialog are named %q", loc, button, title)
			}
			browsertest.Axe(t, ctx, "vaulting popup in "+loc)
		}
	})
}
