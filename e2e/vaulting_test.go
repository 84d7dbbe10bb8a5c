package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
)

// vaultingReceiver is a merchant endpoint that verifies notifications with the client
// package and keeps the notifyVaulting ones by vaultingRequestId.
type vaultingReceiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got map[string][]*ams.VaultingNotification
}

func newVaultingReceiver(t *testing.T, e *env) *vaultingReceiver {
	v := &vaultingReceiver{got: map[string][]*ams.VaultingNotification{}}
	h := e.c.NotificationHandler(func(ctx context.Context, n client.Notification) error {
		if n.Type != client.VaultingType || n.Vaulting == nil {
			return fmt.Errorf("not a vaulting notification: %s", n.Body)
		}
		v.mu.Lock()
		defer v.mu.Unlock()
		v.got[n.Vaulting.VaultingRequestID] = append(v.got[n.Vaulting.VaultingRequestID], n.Vaulting)
		return nil
	})
	v.srv = httptest.NewServer(h)
	t.Cleanup(v.srv.Close)
	return v
}

func (v *vaultingReceiver) url() string { return v.srv.URL + "/notify/vaulting" }

// wait returns the notification of requestID once it has arrived.
func (v *vaultingReceiver) wait(t *testing.T, requestID string) *ams.VaultingNotification {
	t.Helper()
	var n *ams.VaultingNotification
	eventually(t, "notifyVaulting of "+requestID, func() bool {
		v.mu.Lock()
		defer v.mu.Unlock()
		if got := v.got[requestID]; len(got) > 0 {
			n = got[0]
			return true
		}
		return false
	})
	return n
}

func (v *vaultingReceiver) count(requestID string) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.got[requestID])
}

func vaultReq(cardNo, notifyURL string) *ams.VaultPaymentMethodRequest {
	return &ams.VaultPaymentMethodRequest{
		VaultingRequestID: uniq("vault"), VaultingNotificationURL: notifyURL, RedirectURL: "https://merchant.example/saved",
		MerchantRegion: "US", Env: &ams.Env{TerminalType: "WEB"},
		PaymentMethodDetail: &ams.PaymentMethodDetail{PaymentMethodType: ams.PaymentMethodCard, Card: &ams.CardPaymentMethodDetail{
			CardNo: cardNo, CVV: "123", ExpiryMonth: "12", ExpiryYear: "30",
			CardholderName: &ams.Name{FirstName: "Ada", LastName: "Lovelace"},
			BillingAddress: &ams.Address{Region: "US", City: "Springfield", Address1: "1 Main St", ZipCode: "12345"},
		}},
	}
}

func (e *env) vault(req *ams.VaultPaymentMethodRequest) *ams.VaultPaymentMethodResponse {
	e.t.Helper()
	resp, err := e.c.VaultPaymentMethod(context.Background(), req)
	if err != nil {
		e.t.Fatalf("vaultPaymentMethod: %v", err)
	}
	return resp
}

func (e *env) inquireVaulting(requestID string) *ams.InquireVaultingResponse {
	e.t.Helper()
	resp, err := e.c.InquireVaulting(context.Background(), &ams.InquireVaultingRequest{VaultingRequestID: requestID})
	if err != nil {
		e.t.Fatalf("inquireVaulting: %v", err)
	}
	wantResult(e.t, resp.Result, ams.StatusSuccess, ams.CodeSuccess)
	return resp
}

// payWithToken pays with a saved card's token, no card data.
func payWithToken(token string, value int64) *ams.PayRequest {
	req := payReq("", "USD", value)
	req.PaymentMethod = &ams.PaymentMethod{PaymentMethodType: ams.PaymentMethodCard, PaymentMethodID: token}
	return req
}

func TestVaultPaymentMethodThenPay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rx := newVaultingReceiver(t, e)
	req := vaultReq("4242 4242 4242 4242", rx.url())
	resp := e.vault(req)
	wantResult(t, resp.Result, ams.StatusSuccess, ams.CodeSuccess)
	c := resp.PaymentMethodDetail.Card
	if resp.VaultingRequestID != req.VaultingRequestID || resp.NormalURL != "" || c.CardToken == "" || c.CardNo != "" ||
		c.MaskedCardNo != "************4242" || c.Brand != "VISA" || c.LastFour != "4242" || c.Bin != "424242" || c.Funding != "CREDIT" || c.IssuingCountry != "US" {
		t.Fatalf("vaultPaymentMethod answered %+v, card %+v", resp, c)
	}

	n := rx.wait(t, req.VaultingRequestID)
	if n.Result.ResultCode != ams.CodeSuccess || n.VaultingStatus != ams.VaultingSuccess || n.PaymentMethodDetail.Card.CardToken != c.CardToken || n.VaultingCreateTime == "" {
		t.Errorf("notifyVaulting %+v, card %+v", n, n.PaymentMethodDetail.Card)
	}
	inq := e.inquireVaulting(req.VaultingRequestID)
	if inq.VaultingStatus != ams.VaultingSuccess || inq.PaymentMethodDetail.Card.CardToken != c.CardToken || inq.NormalURL != "" {
		t.Errorf("inquireVaulting %+v", inq)
	}

	// The token pays as paymentMethodId, for any buyer, with no CVV: a stored credential.
	pay := e.pay(payWithToken(c.CardToken, 2500))
	wantResult(t, pay.Result, ams.StatusSuccess, ams.CodeSuccess)
	if pri := pay.PaymentResultInfo; pri == nil || pri.CardToken != c.CardToken || pri.LastFour != "4242" || pri.CardBrand != "VISA" {
		t.Errorf("pay with the vaulted token: paymentResultInfo %+v", pay.PaymentResultInfo)
	}
	if got := rx.count(req.VaultingRequestID); got != 1 {
		t.Errorf("%d notifyVaulting for one vaulting", got)
	}
}

func TestVaultPaymentMethodRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rx := newVaultingReceiver(t, e)
	req := vaultReq("4000000000000002", rx.url())
	resp := e.vault(req)
	wantResult(t, resp.Result, ams.StatusFail, ams.CodeVerificationFail)
	if resp.PaymentMethodDetail != nil && resp.PaymentMethodDetail.Card.CardToken != "" {
		t.Errorf("a refused card got a token: %+v", resp.PaymentMethodDetail.Card)
	}
	n := rx.wait(t, req.VaultingRequestID)
	if n.Result.ResultCode != ams.CodeVerificationFail || n.Result.ResultStatus != ams.StatusFail || n.VaultingStatus != ams.VaultingFail {
		t.Errorf("notifyVaulting %+v", n)
	}
	if inq := e.inquireVaulting(req.VaultingRequestID); inq.VaultingStatus != ams.VaultingFail {
		t.Errorf("inquireVaulting %+v", inq)
	}
	// The same request again answers the same, and notifies nothing more.
	again := e.vault(req)
	wantResult(t, again.Result, ams.StatusFail, ams.CodeVerificationFail)

	// The other refusals docs/test-cards.md lists.
	for card, code := range map[string]string{
		"4000000000000127": ams.CodeVerificationFail, // the CVV does not match
		"4000002500003155": ams.CodeVerificationFail, // soft decline without 3-D Secure
		"4000000000007015": ams.CodeProcessFail,      // the issuer does not decide
	} {
		r := vaultReq(card, rx.url())
		wantResult(t, e.vault(r).Result, ams.StatusFail, code)
		if n := rx.wait(t, r.VaultingRequestID); n.Result.ResultCode != code {
			t.Errorf("%s: notifyVaulting %+v", card, n.Result)
		}
	}
}

func TestVaultPaymentMethodBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		name  string
		edit  func(r *ams.VaultPaymentMethodRequest)
		field string
	}{
		{"no cvv", func(r *ams.VaultPaymentMethodRequest) { r.PaymentMethodDetail.Card.CVV = "" }, "paymentMethodDetail.card.cvv"},
		{"Luhn", func(r *ams.VaultPaymentMethodRequest) { r.PaymentMethodDetail.Card.CardNo = "4242424242424241" }, "paymentMethodDetail.card.cardNo"},
		{"expired", func(r *ams.VaultPaymentMethodRequest) { r.PaymentMethodDetail.Card.ExpiryYear = "20" }, "paymentMethodDetail.card.expiryMonth"},
		{"no card", func(r *ams.VaultPaymentMethodRequest) { r.PaymentMethodDetail.Card = nil }, "paymentMethodDetail.card"},
		{"not a card", func(r *ams.VaultPaymentMethodRequest) { r.PaymentMethodDetail.PaymentMethodType = "ALIPAY_CN" }, "paymentMethodDetail.paymentMethodType"},
		{"no notification URL", func(r *ams.VaultPaymentMethodRequest) { r.VaultingNotificationURL = "" }, "vaultingNotificationUrl"},
		{"no redirect URL", func(r *ams.VaultPaymentMethodRequest) { r.RedirectURL = "" }, "redirectUrl"},
		{"long request id", func(r *ams.VaultPaymentMethodRequest) { r.VaultingRequestID = string(bytes.Repeat([]byte("a"), 65)) }, "vaultingRequestId"},
	} {
		req := vaultReq("4242424242424242", "https://merchant.example/notify")
		tc.edit(req)
		resp := e.vault(req)
		wantResult(t, resp.Result, ams.StatusFail, ams.CodeParamIllegal)
		if !bytes.Contains([]byte(resp.Result.ResultMessage), []byte(tc.field)) {
			t.Errorf("%s: message %q does not name %s", tc.name, resp.Result.ResultMessage, tc.field)
		}
		// Nothing was stored: the request id is free for a good request.
		if tc.name != "long request id" {
			ok := vaultReq("4242424242424242", "https://merchant.example/notify")
			ok.VaultingRequestID = req.VaultingRequestID
			wantResult(t, e.vault(ok).Result, ams.StatusSuccess, ams.CodeSuccess)
		}
	}
	// A vaulting API is only at its own path.
	x, err := e.c.Send(context.Background(), "/ams/api/v1/payments/vaultPaymentMethod", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	var out ams.ErrorResponse
	if err := json.Unmarshal(x.ResponseBody, &out); err != nil {
		t.Fatal(err)
	}
	wantResult(t, out.Result, ams.StatusFail, ams.CodeNoInterfaceDef)
	inq, err := e.c.InquireVaulting(context.Background(), &ams.InquireVaultingRequest{VaultingRequestID: "no-such-vaulting"})
	if err != nil {
		t.Fatal(err)
	}
	wantResult(t, inq.Result, ams.StatusFail, ams.CodeOrderNotExist)
}

func TestVaultPaymentMethodIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rx := newVaultingReceiver(t, e)
	req := vaultReq("5162774114974622", rx.url())

	// Concurrent duplicates: one vaulting, one token, one notification.
	const n = 8
	tokens := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp, err := e.c.VaultPaymentMethod(context.Background(), req)
			if err != nil {
				t.Error(err)
				return
			}
			if resp.Result.ResultCode != ams.CodeSuccess {
				t.Errorf("duplicate %d: %+v", i, resp.Result)
				return
			}
			tokens[i] = resp.PaymentMethodDetail.Card.CardToken
		})
	}
	wg.Wait()
	for i, tok := range tokens {
		if tok != tokens[0] || tok == "" {
			t.Fatalf("duplicates got tokens %q", tokens)
		}
		_ = i
	}
	rx.wait(t, req.VaultingRequestID)

	// Another card, or other parameters, under the same id: the documented conflict.
	other := vaultReq("4242424242424242", rx.url())
	other.VaultingRequestID = req.VaultingRequestID
	wantResult(t, e.vault(other).Result, ams.StatusFail, ams.CodeRepeatReqInconsistent)
	moved := vaultReq("5162774114974622", rx.url())
	moved.VaultingRequestID, moved.RedirectURL = req.VaultingRequestID, "https://merchant.example/elsewhere"
	wantResult(t, e.vault(moved).Result, ams.StatusFail, ams.CodeRepeatReqInconsistent)
	// A session under a vaultPaymentMethod's id is another request too.
	s, err := e.c.CreateVaultingSession(context.Background(), &ams.CreateVaultingSessionRequest{
		PaymentMethodType: ams.PaymentMethodCard, VaultingRequestID: req.VaultingRequestID, VaultingNotificationURL: rx.url()})
	if err != nil {
		t.Fatal(err)
	}
	wantResult(t, s.Result, ams.StatusFail, ams.CodeRepeatReqInconsistent)

	if got := rx.count(req.VaultingRequestID); got != 1 {
		t.Errorf("%d notifyVaulting for one vaulting", got)
	}
}

// BenchmarkVaultPaymentMethod compares a server-to-server vaultPaymentMethod with a
// server-to-server pay of the same card (manual capture, so both ask the issuer once), one
// call at a time on one in-process node.
func BenchmarkVaultPaymentMethod(b *testing.B) {
	e := newEnv(b)
	const notifyURL = "https://merchant.example/notify"
	b.Run("pay", func(b *testing.B) {
		for range b.N {
			req := manual(payReq(visaOK, "USD", 100))
			req.PaymentNotifyURL = notifyURL
			if r := e.pay(req); r.Result.ResultCode != ams.CodeSuccess {
				b.Fatalf("pay: %+v", r.Result)
			}
		}
	})
	b.Run("vaultPaymentMethod", func(b *testing.B) {
		for range b.N {
			if r := e.vault(vaultReq(visaOK, notifyURL)); r.Result.ResultCode != ams.CodeSuccess {
				b.Fatalf("vaultPaymentMethod: %+v", r.Result)
			}
		}
	})
}
