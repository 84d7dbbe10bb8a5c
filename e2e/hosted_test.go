package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/cli"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/sandbox"
)

// hostedReq is a pay request without card data: the buyer enters the card on cashier's page.
func hostedReq(currency string, value int64, meta string) *ams.PayRequest {
	r := payReq(visaOK, currency, value)
	r.PaymentMethod.PaymentMethodMetaData = nil
	if meta != "" {
		r.PaymentMethod.PaymentMethodMetaData = []byte(meta)
	}
	return r
}

// pageToken takes the token out of normalUrl, checking the answer sends the buyer there.
func pageToken(t *testing.T, resp *ams.PayResponse) string {
	t.Helper()
	wantResult(t, resp.Result, "U", "PAYMENT_IN_PROCESS")
	if resp.NormalURL == "" || resp.RedirectActionForm == nil || resp.RedirectActionForm.Method != "GET" || resp.RedirectActionForm.RedirectURL != resp.NormalURL {
		t.Fatalf("no page to send the buyer to: %+v", resp)
	}
	_, token, ok := strings.Cut(resp.NormalURL, "/checkout/")
	if !ok || token == "" {
		t.Fatalf("normalUrl %s", resp.NormalURL)
	}
	return token
}

var goodCard = checkout.CardInput{Number: "4054 6957 2310 0768", ExpiryMonth: "12", ExpiryYear: "30", CVV: "123", HolderName: "Ada Lovelace"}

func TestHostedCardPayment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	req := hostedReq("USD", 1050, "")
	resp := e.pay(req)
	token := pageToken(t, resp)
	inq := e.inquiry(resp.PaymentID)
	if inq.PaymentStatus != "PROCESSING" || inq.RedirectActionForm == nil || inq.RedirectActionForm.RedirectURL != resp.NormalURL {
		t.Fatalf("inquiry while the buyer is on the page: %+v", inq)
	}
	v, err := e.app.Checkout.HostedPage(ctx, token)
	if err != nil || v.Step != checkout.StepCard || v.Amount != (payment.Amount{Currency: "USD", Value: 1050}) || v.MerchantName == "" || v.OrderDescription != "Test order" || v.SaveCardOffered {
		t.Fatalf("page view: %+v %v", v, err)
	}
	// Field errors come back without changing anything.
	bad := goodCard
	bad.Number, bad.ExpiryMonth, bad.CVV, bad.HolderName = "4054695723100769", "13", "12", ""
	v, err = e.app.Checkout.SubmitCard(ctx, token, bad)
	if err != nil || v.Step != checkout.StepCard {
		t.Fatalf("bad card: %+v %v", v, err)
	}
	for _, f := range []string{"cardNo", "expiryMonth", "cvv", "holderName"} {
		if v.FieldErrors[f] == "" {
			t.Errorf("no error for %s: %v", f, v.FieldErrors)
		}
	}
	v, err = e.app.Checkout.SubmitCard(ctx, token, goodCard)
	if err != nil || v.Step != checkout.StepResult || v.Status != payment.Success {
		t.Fatalf("good card: %+v %v", v, err)
	}
	inq = e.inquiry(resp.PaymentID)
	if inq.PaymentStatus != "SUCCESS" || inq.PaymentResultInfo.CardNo != "405469******0768" || inq.RedirectActionForm != nil {
		t.Fatalf("after the page: %+v", inq)
	}
	// The page of a finished payment says so; paying again needs a new request id and page.
	if v, _ = e.app.Checkout.HostedPage(ctx, token); v.Step != checkout.StepResult {
		t.Fatalf("revisit: %+v", v)
	}
	if v, _ = e.app.Checkout.SubmitCard(ctx, token, goodCard); v.Step != checkout.StepResult || v.Status != payment.Success {
		t.Fatalf("second submit: %+v", v)
	}
	again := e.pay(hostedReq("USD", 1050, ""))
	if pageToken(t, again) == token {
		t.Fatal("a new payment got the same page")
	}
	if _, err := e.app.Checkout.HostedPage(ctx, resp.PaymentID+".forged"); err == nil {
		t.Fatal("forged token accepted")
	}
}

func TestHostedDeclineAndExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	resp := e.pay(hostedReq("USD", 900, ""))
	decl := goodCard
	decl.Number = visaDecl
	// A decline leaves the payment open for another card; the merchant sees it processing.
	v, err := e.app.Checkout.SubmitCard(ctx, pageToken(t, resp), decl)
	if err != nil || v.Step != checkout.StepCard || v.DeclineCode != "DO_NOT_HONOR" {
		t.Fatalf("decline: %+v %v", v, err)
	}
	if inq := e.inquiry(resp.PaymentID); inq.PaymentStatus != "PROCESSING" {
		t.Fatalf("after a decline the merchant sees %s", inq.PaymentStatus)
	}
	late := e.pay(hostedReq("USD", 900, ""))
	token := pageToken(t, late)
	e.advance(payment.DefaultExpiry + time.Second)
	v, err = e.app.Checkout.HostedPage(ctx, token)
	if err != nil || !v.Expired || v.Step != checkout.StepResult {
		t.Fatalf("expired page: %+v %v", v, err)
	}
	if inq := e.inquiry(late.PaymentID); inq.PaymentStatus != "FAIL" || inq.PaymentResultCode != "ORDER_IS_CLOSED" {
		t.Fatalf("expired payment: %s %s", inq.PaymentStatus, inq.PaymentResultCode)
	}
}

func TestHostedSaveCardThenCVVOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	resp := e.pay(hostedReq("USD", 500, `{"tokenize":true}`))
	token := pageToken(t, resp)
	if v, _ := e.app.Checkout.HostedPage(ctx, token); !v.SaveCardOffered {
		t.Fatal("save-card consent not offered")
	}
	in := goodCard
	in.SaveCard = true
	v, err := e.app.Checkout.SubmitCard(ctx, token, in)
	if err != nil || v.Status != payment.Success {
		t.Fatalf("first payment: %+v %v", v, err)
	}
	cardToken := e.inquiry(resp.PaymentID).PaymentResultInfo.CardToken
	if cardToken == "" {
		t.Fatal("no cardToken after consent")
	}
	// Without consent there is no token.
	noConsent := e.pay(hostedReq("USD", 500, `{"tokenize":true}`))
	e.app.Checkout.SubmitCard(ctx, pageToken(t, noConsent), goodCard)
	if tok := e.inquiry(noConsent.PaymentID).PaymentResultInfo.CardToken; tok != "" {
		t.Fatalf("token %s without consent", tok)
	}
	// The saved card pays again with only its CVV.
	again := hostedReq("USD", 800, `{"needCVV":true}`)
	again.PaymentMethod.PaymentMethodID = cardToken
	r2 := e.pay(again)
	t2 := pageToken(t, r2)
	v, _ = e.app.Checkout.HostedPage(ctx, t2)
	if v.Step != checkout.StepCVV || v.CardMasked != "405469******0768" {
		t.Fatalf("CVV page: %+v", v)
	}
	if v, _ = e.app.Checkout.SubmitCVV(ctx, t2, "12", 0); v.FieldErrors["cvv"] == "" {
		t.Fatalf("short CVV accepted: %+v", v)
	}
	if v, _ = e.app.Checkout.SubmitCVV(ctx, t2, "123", 0); v.Status != payment.Success {
		t.Fatalf("CVV payment: %+v", v)
	}
	if info := e.inquiry(r2.PaymentID).PaymentResultInfo; info.CvvResultRaw != "Y" || info.CardToken != cardToken {
		t.Fatalf("CVV payment result: %+v", info)
	}

	// Rotating the vault key re-wraps the saved card; it still pays.
	var out bytes.Buffer
	if code := cli.Main(ctx, []string{"vault", "rotate-key", "--data", e.dir, "--db", e.db}, &out, &out); code != 0 {
		t.Fatalf("rotate-key: %s", out.String())
	}
	var rot struct {
		ActiveKeyID string
		Rewrapped   int
	}
	json.Unmarshal(out.Bytes(), &rot)
	if rot.Rewrapped != 2 || rot.ActiveKeyID == "" {
		t.Fatalf("rotate-key: %s", out.String())
	}
	c, err := e.app.Store.CardGetByToken(ctx, e.app.SandboxClient.ClientID, cardToken)
	if err != nil || c.KeyID != rot.ActiveKeyID {
		t.Fatalf("card after rotation: %+v %v", c, err)
	}
	third := payReq(visaOK, "USD", 300)
	third.PaymentMethod = &ams.PaymentMethod{PaymentMethodType: "CARD", PaymentMethodID: cardToken}
	wantResult(t, e.pay(third).Result, "S", "SUCCESS")
	if code := cli.Main(ctx, []string{"vault", "rotate-key", "--data", e.dir, "--db", e.db}, io.Discard, io.Discard); code != 0 {
		t.Fatal("second rotation failed")
	}
	wantResult(t, e.pay(third).Result, "S", "SUCCESS") // replay
}

func TestThreeDSecure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	challengeCard := catalogueCard(t, e, "PAYMENT_IN_PROCESS", "challenge; approved once authenticated")

	// Hosted: the card needs a challenge; the right code passes.
	resp := e.pay(hostedReq("EUR", 2000, ""))
	token := pageToken(t, resp)
	in := goodCard
	in.Number = challengeCard
	v, err := e.app.Checkout.SubmitCard(ctx, token, in)
	if err != nil || v.Step != checkout.StepChallenge {
		t.Fatalf("challenge step: %+v %v", v, err)
	}
	v, err = e.app.Checkout.CompleteChallenge(ctx, token, sandbox.OTP, false)
	if err != nil || v.Status != payment.Success {
		t.Fatalf("challenge passed: %+v %v", v, err)
	}
	tds := e.inquiry(resp.PaymentID).PaymentResultInfo.ThreeDSResult
	if tds == nil || tds.ThreeDSVersion != "2.2.0" || tds.Eci != "05" || tds.Cavv == "" || tds.DsTransactionID == "" || tds.Challenged == nil || !*tds.Challenged {
		t.Fatalf("threeDSResult: %+v", tds)
	}

	// A wrong code is asked again; the third fails the authentication.
	resp = e.pay(hostedReq("EUR", 2000, ""))
	token = pageToken(t, resp)
	e.app.Checkout.SubmitCard(ctx, token, in)
	for i := 1; i < checkout.ChallengeTries; i++ {
		if v, _ = e.app.Checkout.CompleteChallenge(ctx, token, "000000", false); v.Step != checkout.StepChallenge || v.FieldErrors["otp"] == "" {
			t.Fatalf("wrong code %d: %+v", i, v)
		}
	}
	v, _ = e.app.Checkout.CompleteChallenge(ctx, token, "000000", false)
	if v.Status != payment.Fail || v.ResultCode != "USER_PAYMENT_VERIFICATION_FAILED" {
		t.Fatalf("last wrong code: %+v", v)
	}

	// Server-to-server with is3DSAuthentication: U with normalUrl to the challenge, and the
	// CVV survives the round trip in memory.
	s2s := payReq(visaOK, "USD", 1200)
	s2s.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":"4054695723100768","cvv":"123","expiryMonth":"12","expiryYear":"30","is3DSAuthentication":true}`)
	r := e.pay(s2s)
	token = pageToken(t, r)
	if v, _ = e.app.Checkout.HostedPage(ctx, token); v.Step != checkout.StepChallenge {
		t.Fatalf("s2s challenge page: %+v", v)
	}
	v, _ = e.app.Checkout.CompleteChallenge(ctx, token, sandbox.OTP, false)
	info := e.inquiry(r.PaymentID).PaymentResultInfo
	if v.Status != payment.Success || info.CvvResultRaw != "Y" {
		t.Fatalf("s2s after challenge: %+v cvv=%q", v, info.CvvResultRaw)
	}
	// Cancel fails it.
	s2s.PaymentRequestID = uniq("pay")
	r = e.pay(s2s)
	v, _ = e.app.Checkout.CompleteChallenge(ctx, pageToken(t, r), "", true)
	if v.Status != payment.Fail {
		t.Fatalf("cancelled challenge: %+v", v)
	}

	// Frictionless: authenticated without a challenge.
	fr := catalogueCard(t, e, "SUCCESS", "frictionless")
	fresp := e.pay(withMeta(payReq(fr, "USD", 100), `{"cardNo":"`+fr+`","cvv":"123","expiryMonth":"12","expiryYear":"30","is3DSAuthentication":true}`))
	wantResult(t, fresp.Result, "S", "SUCCESS")
	if tds := fresp.PaymentResultInfo.ThreeDSResult; tds == nil || tds.Challenged == nil || *tds.Challenged {
		t.Fatalf("frictionless threeDSResult: %+v", tds)
	}
	// The exemption card is exempted even when 3-D Secure is asked for.
	ex := e.pay(withMeta(payReq("4035501000000008", "USD", 100), `{"cardNo":"4035501000000008","cvv":"123","expiryMonth":"12","expiryYear":"30","is3DSAuthentication":true}`))
	wantResult(t, ex.Result, "S", "SUCCESS")
	if ex.PaymentResultInfo.ThreeDSResult != nil {
		t.Fatalf("exempted payment has threeDSResult %+v", ex.PaymentResultInfo.ThreeDSResult)
	}
	// Merchant MPI data is accepted and reflected.
	mpi := e.pay(withMeta(payReq(visaOK, "USD", 100), `{"cardNo":"4054695723100768","cvv":"123","expiryMonth":"12","expiryYear":"30",
		"mpiData":{"threeDSVersion":"2.1.0","eci":"05","cavv":"AAABBBCCC","dsTransactionId":"ds-1"}}`))
	if tds := mpi.PaymentResultInfo.ThreeDSResult; mpi.Result.ResultCode != "SUCCESS" || tds == nil || tds.ThreeDSVersion != "2.1.0" || tds.Cavv != "AAABBBCCC" || tds.DsTransactionID != "ds-1" {
		t.Fatalf("mpiData: %+v %+v", mpi.Result, tds)
	}
	// A soft decline: failed without the upgrade, challenged with it.
	soft := catalogueCard(t, e, "AUTHENTICATION_REQUIRED", "")
	meta := `{"cardNo":"` + soft + `","cvv":"123","expiryMonth":"12","expiryYear":"30"`
	wantResult(t, e.pay(withMeta(payReq(soft, "USD", 100), meta+`}`)).Result, "F", "AUTHENTICATION_REQUIRED")
	up := e.pay(withMeta(payReq(soft, "USD", 100), meta+`,"enableAuthenticationUpgrade":true}`))
	v, _ = e.app.Checkout.CompleteChallenge(ctx, pageToken(t, up), sandbox.OTP, false)
	if v.Status != payment.Success {
		t.Fatalf("upgraded soft decline: %+v", v)
	}
}

func TestKoreanIssuerAuthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	req := hostedReq("KRW", 15000, `{"selectedCardBrand":"HYUNDAI"}`)
	req.PaymentMethod.RequireIssuerAuthentication = true
	resp := e.pay(req)
	token := pageToken(t, resp)
	v, _ := e.app.Checkout.HostedPage(ctx, token)
	if v.Step != checkout.StepIssuer || v.IssuerBrand != "HYUNDAI" {
		t.Fatalf("issuer page: %+v", v)
	}
	v, err := e.app.Checkout.CompleteIssuerAuth(ctx, token, true)
	if err != nil || v.Status != payment.Success {
		t.Fatalf("issuer approved: %+v %v", v, err)
	}
	inq := e.inquiry(resp.PaymentID)
	if inq.PaymentResultInfo.CardBrand != "HYUNDAI" || len(inq.Transactions) != 1 || inq.Transactions[0].TransactionType != "CAPTURE" {
		t.Fatalf("Korean payment: %+v", inq)
	}
	// MANUAL, as in Antom's own example: the issuer authorizes, the merchant captures.
	manualReq := manual(hostedReq("KRW", 15000, `{"selectedCardBrand":"SAMSUNG"}`))
	manualReq.PaymentMethod.RequireIssuerAuthentication = true
	r := e.pay(manualReq)
	if v, err = e.app.Checkout.CompleteIssuerAuth(ctx, pageToken(t, r), true); err != nil || v.Status != payment.Success {
		t.Fatalf("manual issuer approved: %+v %v", v, err)
	}
	if inq := e.inquiry(r.PaymentID); len(inq.Transactions) != 0 || inq.PaymentResultInfo.CardBrand != "SAMSUNG" {
		t.Fatalf("manual Korean payment captured without a capture call: %+v", inq)
	}
	wantResult(t, e.capture(r.PaymentID, uniq("cap"), "KRW", 15000).Result, "S", "SUCCESS")

	// The flag in paymentMethodMetaData, where Antom's docs and Java SDK 2.0.21 put it.
	meta := hostedReq("KRW", 15000, `{"selectedCardBrand":"LOTTE","requireIssuerAuthentication":true}`)
	if v, _ = e.app.Checkout.HostedPage(ctx, pageToken(t, e.pay(meta))); v.Step != checkout.StepIssuer || v.IssuerBrand != "LOTTE" {
		t.Fatalf("requireIssuerAuthentication in paymentMethodMetaData: %+v", v)
	}
	// Never silently an ordinary card payment: with card data the flag is refused.
	withCard := payReq(hyundaiOK, "KRW", 15000)
	withCard.PaymentMethod.RequireIssuerAuthentication = true
	if r = e.pay(withCard); r.Result.ResultCode != "PARAM_ILLEGAL" || !strings.Contains(r.Result.ResultMessage, "requireIssuerAuthentication") {
		t.Fatalf("requireIssuerAuthentication with cardNo: %+v", r.Result)
	}
	visa := hostedReq("KRW", 15000, `{"selectedCardBrand":"VISA"}`)
	visa.PaymentMethod.RequireIssuerAuthentication = true
	wantResult(t, e.pay(visa).Result, "F", "SELECTED_CARD_BRAND_NOT_AVAILABLE")
	cancelled := hostedReq("KRW", 15000, `{"selectedCardBrand":"KOOKMIN"}`)
	cancelled.PaymentMethod.RequireIssuerAuthentication = true
	c := e.pay(cancelled)
	if v, _ = e.app.Checkout.CompleteIssuerAuth(ctx, pageToken(t, c), false); v.Status != payment.Fail {
		t.Fatalf("issuer cancelled: %+v", v)
	}
}

// TestTrustProxy: X-Forwarded-Proto makes the pages' cookies Secure and adds HSTS only when
// the operator trusts the proxy in front (serve --trust-proxy); otherwise any client could
// send it.
func TestTrustProxy(t *testing.T) {
	t.Parallel()
	for _, trust := range []bool{false, true} {
		e := newEnvWith(t, cli.Options{TrustProxy: trust})
		resp := e.pay(hostedReq("USD", 100, ""))
		req, _ := http.NewRequest("GET", resp.NormalURL, nil)
		req.Host = "pay.example"
		req.Header.Set("X-Forwarded-Proto", "https")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		secure := len(r.Cookies()) > 0
		for _, c := range r.Cookies() {
			secure = secure && c.Secure
		}
		if hsts := r.Header.Get("Strict-Transport-Security") != ""; hsts != trust || secure != trust {
			t.Fatalf("trust-proxy %v: HSTS %v, Secure cookies %v", trust, hsts, secure)
		}
	}
}

// TestHostedUseAnotherCard: the buyer leaves a saved card's CVV page, or the 3-D Secure
// challenge of a card typed on the page, for the card form, and pays with another card; the
// merchant sees the payment open meanwhile and then the card that paid. A challenge of the
// card the merchant's server sent is not left that way, and nor is an expired payment.
func TestHostedUseAnotherCard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	first := e.pay(hostedReq("USD", 500, `{"tokenize":true}`))
	saving := goodCard
	saving.SaveCard = true
	if v, err := e.app.Checkout.SubmitCard(ctx, pageToken(t, first), saving); err != nil || v.Status != payment.Success {
		t.Fatalf("saving the card: %+v %v", v, err)
	}
	mc := checkout.CardInput{Number: "5162774114974622", ExpiryMonth: "12", ExpiryYear: "30", CVV: "123", HolderName: "Ada Lovelace"}

	// The saved card's CVV page.
	saved := hostedReq("USD", 800, `{"needCVV":true}`)
	saved.PaymentMethod.PaymentMethodID = e.inquiry(first.PaymentID).PaymentResultInfo.CardToken
	r := e.pay(saved)
	token := pageToken(t, r)
	if v, _ := e.app.Checkout.HostedPage(ctx, token); v.Step != checkout.StepCVV || !v.AnotherCard {
		t.Fatalf("CVV page: %+v", v)
	}
	v, err := e.app.Checkout.UseAnotherCard(ctx, token)
	if err != nil || v.Step != checkout.StepCard || v.DeclineCode != "" || v.AnotherCard {
		t.Fatalf("after another card: %+v %v", v, err)
	}
	if inq := e.inquiry(r.PaymentID); inq.PaymentStatus != "PROCESSING" {
		t.Fatalf("merchant sees %s", inq.PaymentStatus)
	}
	if v, _ = e.app.Checkout.SubmitCard(ctx, token, mc); v.Status != payment.Success {
		t.Fatalf("another card: %+v", v)
	}
	if info := e.inquiry(r.PaymentID).PaymentResultInfo; info.CardNo != "516277******4622" || info.CardBrand != "MASTERCARD" {
		t.Fatalf("the merchant sees the card %s %s", info.CardNo, info.CardBrand)
	}

	// A challenge of a card typed on the page; the wrong code typed before is forgotten.
	challengeCard := catalogueCard(t, e, "PAYMENT_IN_PROCESS", "challenge; approved once authenticated")
	r = e.pay(hostedReq("EUR", 2000, ""))
	token = pageToken(t, r)
	in := goodCard
	in.Number = challengeCard
	e.app.Checkout.SubmitCard(ctx, token, in)
	if v, _ = e.app.Checkout.CompleteChallenge(ctx, token, "000000", false); v.Step != checkout.StepChallenge || !v.AnotherCard {
		t.Fatalf("challenge page: %+v", v)
	}
	if v, _ = e.app.Checkout.UseAnotherCard(ctx, token); v.Step != checkout.StepCard {
		t.Fatalf("after another card: %+v", v)
	}
	e.app.Checkout.SubmitCard(ctx, token, in)
	for i := 1; i < checkout.ChallengeTries; i++ {
		if v, _ = e.app.Checkout.CompleteChallenge(ctx, token, "000000", false); v.Step != checkout.StepChallenge {
			t.Fatalf("wrong code %d of the new challenge: %+v", i, v)
		}
	}
	if v, _ = e.app.Checkout.CompleteChallenge(ctx, token, sandbox.OTP, false); v.Status != payment.Success {
		t.Fatalf("challenge passed: %+v", v)
	}

	// The merchant's own card, challenged: no other card.
	s2s := payReq(visaOK, "USD", 1200)
	s2s.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":"4054695723100768","cvv":"123","expiryMonth":"12","expiryYear":"30","is3DSAuthentication":true}`)
	r = e.pay(s2s)
	token = pageToken(t, r)
	if v, _ = e.app.Checkout.HostedPage(ctx, token); v.Step != checkout.StepChallenge || v.AnotherCard {
		t.Fatalf("s2s challenge: %+v", v)
	}
	if v, _ = e.app.Checkout.UseAnotherCard(ctx, token); v.Step != checkout.StepChallenge {
		t.Fatalf("s2s challenge left for another card: %+v", v)
	}

	// Expired: closed, not reopened.
	saved.PaymentRequestID = uniq("pay")
	r = e.pay(saved)
	token = pageToken(t, r)
	e.advance(payment.DefaultExpiry + time.Second)
	if v, _ = e.app.Checkout.UseAnotherCard(ctx, token); v.Step != checkout.StepResult || !v.Expired {
		t.Fatalf("expired: %+v", v)
	}
}
