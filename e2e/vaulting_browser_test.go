package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/browsertest"
	"github.com/cashierpay/cashier/internal/sandbox"
)

func (e *env) vaultingSession(req *ams.CreateVaultingSessionRequest) *ams.CreateVaultingSessionResponse {
	e.t.Helper()
	resp, err := e.c.CreateVaultingSession(context.Background(), req)
	if err != nil {
		e.t.Fatalf("createVaultingSession: %v", err)
	}
	return resp
}

func vaultingSessionReq(notifyURL string) *ams.CreateVaultingSessionRequest {
	return &ams.CreateVaultingSessionRequest{
		PaymentMethodType: ams.PaymentMethodCard, VaultingRequestID: uniq("vsess"), VaultingNotificationURL: notifyURL,
		RedirectURL: "https://merchant.example/cards", MerchantRegion: "US",
	}
}

func TestVaultPaymentMethodNeeds3DS(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rx := newVaultingReceiver(t, e)
	for _, tc := range []struct {
		name, card string
		force      bool
	}{
		{"issuer asks", "4000000000003220", false},
		{"merchant asks", "4242424242424242", true},
	} {
		req := vaultReq(tc.card, rx.url())
		req.PaymentMethodDetail.Card.Is3DSAuthentication = ams.Bool(tc.force)
		resp := e.vault(req)
		wantResult(t, resp.Result, ams.StatusUnknown, ams.CodeVerificationInProcess)
		if resp.NormalURL == "" || resp.PaymentMethodDetail == nil || resp.PaymentMethodDetail.Card.CardToken != "" {
			t.Fatalf("%s: %+v", tc.name, resp)
		}
		inq := e.inquireVaulting(req.VaultingRequestID)
		if inq.VaultingStatus != ams.VaultingProcessing || inq.NormalURL != resp.NormalURL {
			t.Errorf("%s: inquireVaulting %+v", tc.name, inq)
		}
		page, err := http.Get(resp.NormalURL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(page.Body)
		page.Body.Close()
		if page.StatusCode != http.StatusOK || !bytes.Contains(b, []byte(`id="otp"`)) {
			t.Errorf("%s: the 3-D Secure page answered %d:\n%s", tc.name, page.StatusCode, b)
		}
		// A payment's page does not open with the vaulting's token, nor the other way round.
		pay := e.pay(hostedReq("USD", 1000, ""))
		if bytes.Contains([]byte(pay.NormalURL), []byte("/checkout/v")) {
			t.Errorf("a payment's page token looks like a vaulting's: %s", pay.NormalURL)
		}
	}
	if rx.count("") != 0 {
		t.Error("a notification without a vaultingRequestId")
	}
}

func TestVaultingSessionAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rx := newVaultingReceiver(t, e)
	req := vaultingSessionReq(rx.url())
	resp := e.vaultingSession(req)
	wantResult(t, resp.Result, ams.StatusSuccess, ams.CodeSuccess)
	if resp.VaultingSessionData == "" || resp.VaultingSessionID == "" || resp.VaultingSessionExpiryTime == "" || resp.NormalURL == "" {
		t.Fatalf("createVaultingSession answered %+v", resp)
	}
	again := e.vaultingSession(req)
	if *again != *resp {
		t.Errorf("the same session request answered %+v, then %+v", resp, again)
	}
	inq := e.inquireVaulting(req.VaultingRequestID)
	if inq.VaultingStatus != ams.VaultingProcessing || inq.NormalURL != resp.NormalURL || inq.PaymentMethodDetail != nil {
		t.Errorf("inquireVaulting of an open session %+v", inq)
	}
	bad := vaultingSessionReq(rx.url())
	bad.PaymentMethodType = "PAYPAL"
	wantResult(t, e.vaultingSession(bad).Result, ams.StatusFail, ams.CodeParamIllegal)

	// Unused past its expiry, the session fails, and the merchant hears of it without asking:
	// the sweeper closes it.
	e.advance(15 * 60e9)
	n := rx.wait(t, req.VaultingRequestID)
	if n.VaultingStatus != ams.VaultingFail || n.Result.ResultCode != ams.CodeProcessFail {
		t.Errorf("notifyVaulting of an expired session %+v", n)
	}
	if inq := e.inquireVaulting(req.VaultingRequestID); inq.VaultingStatus != ams.VaultingFail || inq.NormalURL != "" {
		t.Errorf("inquireVaulting of an expired session %+v", inq)
	}
	if c := rx.count(req.VaultingRequestID); c != 1 {
		t.Errorf("%d notifyVaulting of one expired session", c)
	}
}

// TestBrowserVaulting saves cards on the hosted vaulting form in Chromium: a card that
// needs 3-D Secure, one saved at once, and one refused; then pays with a saved one.
func TestBrowserVaulting(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	e := newEnv(t)
	rx := newVaultingReceiver(t, e)

	t.Run("3-D Secure, then pay with the token", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		req := vaultingSessionReq(rx.url())
		s := e.vaultingSession(req)
		run(t, ctx, chromedp.Navigate(s.NormalURL), chromedp.WaitVisible(chromedp.CSS("#cardNo")))
		browsertest.Axe(t, ctx, "vaulting form")
		var button string
		run(t, ctx, into(&button, chromedp.Text(chromedp.CSS("#pay"))))
		if button != "Save card" {
			t.Errorf("the vaulting form's button says %q", button)
		}
		run(t, ctx, fillCard("4000000000003220", "1230", "846", "Ada Lovelace"),
			chromedp.WaitVisible(chromedp.CSS(`[data-step="challenge"] #otp`)))
		browsertest.Axe(t, ctx, "vaulting challenge")
		if inq := e.inquireVaulting(req.VaultingRequestID); inq.VaultingStatus != ams.VaultingProcessing {
			t.Fatalf("during the challenge the merchant sees %+v", inq)
		}
		run(t, ctx, chromedp.SendKeys(chromedp.CSS("#otp"), sandbox.OTP), chromedp.Click(chromedp.CSS("#challenge-submit")),
			waitResult("SUCCESS", "SUCCESS"))
		browsertest.Axe(t, ctx, "card saved")
		wantSavedThrough3DS(t, e, rx.wait(t, req.VaultingRequestID))
	})

	t.Run("saved at once", func(t *testing.T) {
		ctx := tab(t, browser, 390, 844, true)
		req := vaultingSessionReq(rx.url())
		s := e.vaultingSession(req)
		run(t, ctx, chromedp.Navigate(s.NormalURL), fillCard("5162774114974622", "1230", "846", "Ada Lovelace"), waitResult("SUCCESS", "SUCCESS"))
		inq := e.inquireVaulting(req.VaultingRequestID)
		if inq.VaultingStatus != ams.VaultingSuccess || inq.PaymentMethodDetail.Card.Brand != "MASTERCARD" {
			t.Fatalf("merchant sees %+v", inq)
		}
		pay := e.pay(payWithToken(inq.PaymentMethodDetail.Card.CardToken, 1999))
		wantResult(t, pay.Result, ams.StatusSuccess, ams.CodeSuccess)
	})

	t.Run("refused", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		req := vaultingSessionReq(rx.url())
		s := e.vaultingSession(req)
		run(t, ctx, chromedp.Navigate(s.NormalURL), fillCard(visaDecl, "1230", "846", "Ada Lovelace"), waitResult("FAIL", ams.CodeVerificationFail))
		browsertest.Axe(t, ctx, "card not saved")
		if n := rx.wait(t, req.VaultingRequestID); n.VaultingStatus != ams.VaultingFail || n.Result.ResultCode != ams.CodeVerificationFail {
			t.Fatalf("notifyVaulting %+v", n)
		}
	})

	t.Run("challenge cancelled", func(t *testing.T) {
		ctx := tab(t, browser, 1280, 860, false)
		req := vaultReq("4000000000003220", rx.url())
		resp := e.vault(req)
		run(t, ctx, chromedp.Navigate(resp.NormalURL), chromedp.WaitVisible(chromedp.CSS(`[data-step="challenge"] #otp`)),
			chromedp.Click(chromedp.CSS("#challenge-cancel")), waitResult("FAIL", ams.CodeVerificationFail))
		if inq := e.inquireVaulting(req.VaultingRequestID); inq.VaultingStatus != ams.VaultingFail {
			t.Fatalf("merchant sees %+v", inq)
		}
	})
}

// wantSavedThrough3DS checks n saved the card that always asks for 3-D Secure, and that its
// token pays, through the challenge again: the issuer asks for every payment, saved or not.
func wantSavedThrough3DS(t *testing.T, e *env, n *ams.VaultingNotification) {
	t.Helper()
	c := n.PaymentMethodDetail.Card
	if n.VaultingStatus != ams.VaultingSuccess || c.CardToken == "" || c.MaskedCardNo != "************3220" {
		t.Fatalf("notifyVaulting %+v, card %+v", n, c)
	}
	pay := e.pay(payWithToken(c.CardToken, 1999))
	wantResult(t, pay.Result, ams.StatusUnknown, ams.CodePaymentInProcess)
	if pay.NormalURL == "" || pay.PaymentResultInfo.CardToken != c.CardToken {
		t.Errorf("paid with %+v, page %q", pay.PaymentResultInfo, pay.NormalURL)
	}
}
