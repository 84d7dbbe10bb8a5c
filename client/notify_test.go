package client_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
)

const (
	paymentNotifyBody = `{"notifyType":"PAYMENT_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},` +
		`"paymentRequestId":"R-1","paymentId":"P-1","paymentAmount":{"currency":"USD","value":"1000"},` +
		`"paymentCreateTime":"2026-11-22T12:27:10+08:00","paymentTime":"2026-11-22T12:27:40+08:00",` +
		`"paymentResultInfo":{"cardNo":"************0768","cardBrand":"VISA","avsResultRaw":"Y","cvvResultRaw":"Y"}}`
	captureNotifyBody = `{"notifyType":"CAPTURE_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},` +
		`"captureRequestId":"C-1","paymentId":"P-1","captureId":"CAP-1","captureAmount":{"currency":"USD","value":"1000"},"captureTime":"2026-11-22T12:30:00+08:00"}`
	refundNotifyBody = `{"notifyType":"REFUND_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},` +
		`"refundStatus":"SUCCESS","refundRequestId":"F-1","refundId":"REF-1","paymentId":"P-1","refundAmount":{"currency":"USD","value":"500"},"refundTime":"2026-11-23T09:00:00+08:00"}`
	vaultingNotifyBody = `{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"vaultingRequestId":"V-1",` +
		`"vaultingStatus":"SUCCESS","paymentMethodDetail":{"paymentMethodType":"CARD","card":{"cardToken":"ALIPAYtok","brand":"VISA","maskedCardNo":"************4242"}}}`
	pendingNotifyBody = `{"notifyType":"PAYMENT_PENDING","result":{"resultCode":"PAYMENT_IN_PROCESS","resultStatus":"U"},"paymentId":"P-2"}`
)

// notification builds the request the gateway sends to url, signed with key over
// signedPath (the URL's path when empty).
func notification(t testing.TB, key *rsa.PrivateKey, url, signedPath, body string) *http.Request {
	t.Helper()
	return versionedNotification(t, key, "1", url, signedPath, body)
}

// versionedNotification is notification with a Signature naming keyVersion.
func versionedNotification(t testing.TB, key *rsa.PrivateKey, keyVersion, url, signedPath, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if signedPath == "" {
		signedPath = r.URL.Path
	}
	const clientID, reqTime = "MERCHANT_0001", "2026-11-22T12:27:41+08:00"
	sig, err := ams.SignHeader(ams.RSASigner{Key: key}, keyVersion, "POST", signedPath, clientID, reqTime, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json; charset=UTF-8")
	r.Header.Set("Client-Id", clientID)
	r.Header.Set("Request-Time", reqTime)
	r.Header.Set("Signature", sig)
	return r
}

// recorder collects what the merchant's function was given.
type recorder struct {
	mu   sync.Mutex
	got  []client.Notification
	fail error
}

func (rc *recorder) handle(ctx context.Context, n client.Notification) error {
	if ctx == nil {
		panic("nil context")
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.got = append(rc.got, n)
	return rc.fail
}

func (rc *recorder) calls() []client.Notification {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]client.Notification(nil), rc.got...)
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func assertAck(t testing.TB, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Errorf("status = %d, want 200 (body %s)", w.Code, w.Body)
	}
	if got := w.Body.String(); got != ams.AckBody {
		t.Errorf("body = %q, want exactly %q", got, ams.AckBody)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
}

func assertNoAck(t testing.TB, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Errorf("status = %d, want %d (body %s)", w.Code, status, w.Body)
	}
	if strings.Contains(w.Body.String(), `"SUCCESS"`) || w.Body.String() == ams.AckBody {
		t.Errorf("refusal body looks like an acknowledgement: %s", w.Body)
	}
	var resp ams.ErrorResponse
	if err := ams.Decode(w.Body.Bytes(), &resp); err != nil || resp.Result.ResultStatus != ams.StatusFail {
		t.Errorf("refusal body is not an F result: %s (%v)", w.Body, err)
	}
}

func TestNotificationHandlerAcceptsEachType(t *testing.T) {
	keys(t)
	rc := &recorder{}
	h := client.NotificationHandler(client.HandlerConfig{GatewayPublicKey: &gatewayKey.PublicKey, Handle: rc.handle})

	cases := []struct {
		typ, body string
		check     func(t *testing.T, n client.Notification)
	}{
		{ams.NotifyPaymentResult, paymentNotifyBody, func(t *testing.T, n client.Notification) {
			if n.Payment == nil || n.Capture != nil || n.Refund != nil {
				t.Fatalf("wrong fields set: %+v", n)
			}
			p := n.Payment
			if p.PaymentID != "P-1" || p.PaymentRequestID != "R-1" || p.Result.ResultStatus != "S" ||
				p.PaymentAmount.Value != "1000" || p.PaymentResultInfo == nil || p.PaymentResultInfo.CardBrand != "VISA" {
				t.Errorf("payment = %+v", p)
			}
		}},
		{ams.NotifyCaptureResult, captureNotifyBody, func(t *testing.T, n client.Notification) {
			if n.Capture == nil || n.Payment != nil || n.Refund != nil {
				t.Fatalf("wrong fields set: %+v", n)
			}
			if c := n.Capture; c.CaptureID != "CAP-1" || c.CaptureRequestID != "C-1" || c.CaptureAmount.Value != "1000" {
				t.Errorf("capture = %+v", c)
			}
		}},
		{ams.NotifyRefundResult, refundNotifyBody, func(t *testing.T, n client.Notification) {
			if n.Refund == nil || n.Payment != nil || n.Capture != nil {
				t.Fatalf("wrong fields set: %+v", n)
			}
			if r := n.Refund; r.RefundID != "REF-1" || r.RefundStatus != "SUCCESS" || r.RefundAmount.Value != "500" {
				t.Errorf("refund = %+v", r)
			}
		}},
		{client.VaultingType, vaultingNotifyBody, func(t *testing.T, n client.Notification) {
			if n.Vaulting == nil || n.Payment != nil || n.Capture != nil || n.Refund != nil {
				t.Fatalf("wrong fields set: %+v", n)
			}
			if v := n.Vaulting; v.VaultingRequestID != "V-1" || v.VaultingStatus != "SUCCESS" || v.PaymentMethodDetail.Card.CardToken != "ALIPAYtok" {
				t.Errorf("vaulting = %+v", v)
			}
		}},
		{"PAYMENT_PENDING", pendingNotifyBody, func(t *testing.T, n client.Notification) {
			if n.Payment != nil || n.Capture != nil || n.Refund != nil || n.Vaulting != nil {
				t.Fatalf("typed field set for an unknown type: %+v", n)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.typ, func(t *testing.T) {
			before := len(rc.calls())
			w := serve(h, notification(t, gatewayKey, "https://merchant.example/antom/notify", "", tc.body))
			assertAck(t, w)
			calls := rc.calls()
			if len(calls) != before+1 {
				t.Fatalf("handler called %d times", len(calls)-before)
			}
			n := calls[len(calls)-1]
			if n.Type != tc.typ || string(n.Body) != tc.body || n.ClientID != "MERCHANT_0001" || n.RequestTime == "" {
				t.Errorf("notification = %+v", n)
			}
			tc.check(t, n)
		})
	}
}

func TestNotificationHandlerRefusesBadSignatures(t *testing.T) {
	keys(t)
	const url = "https://merchant.example/antom/notify"
	cases := map[string]func() *http.Request{
		"tampered body": func() *http.Request {
			r := notification(t, gatewayKey, url, "", paymentNotifyBody)
			r.Body = io.NopCloser(strings.NewReader(strings.Replace(paymentNotifyBody, `"1000"`, `"100000"`, 1)))
			return r
		},
		"signed for another path": func() *http.Request {
			return notification(t, gatewayKey, url, "/other/notify", paymentNotifyBody)
		},
		"signed by another key": func() *http.Request {
			return notification(t, strangerKey, url, "", paymentNotifyBody)
		},
		"signed by the merchant key": func() *http.Request {
			return notification(t, merchantKey, url, "", paymentNotifyBody)
		},
		"no signature": func() *http.Request {
			r := notification(t, gatewayKey, url, "", paymentNotifyBody)
			r.Header.Del("Signature")
			return r
		},
		"malformed signature": func() *http.Request {
			r := notification(t, gatewayKey, url, "", paymentNotifyBody)
			r.Header.Set("Signature", "algorithm=RSA256,keyVersion=1,signature=!!")
			return r
		},
		"client id changed": func() *http.Request {
			r := notification(t, gatewayKey, url, "", paymentNotifyBody)
			r.Header.Set("Client-Id", "MERCHANT_0002")
			return r
		},
		"request time changed": func() *http.Request {
			r := notification(t, gatewayKey, url, "", paymentNotifyBody)
			r.Header.Set("Request-Time", "2026-11-22T12:27:42+08:00")
			return r
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			rc := &recorder{}
			var seen error
			h := client.NotificationHandler(client.HandlerConfig{
				GatewayPublicKey: &gatewayKey.PublicKey,
				Handle:           rc.handle,
				OnError:          func(_ *http.Request, err error) { seen = err },
			})
			assertNoAck(t, serve(h, mk()), http.StatusUnauthorized)
			if len(rc.calls()) != 0 {
				t.Error("merchant function called for a badly signed notification")
			}
			var se *client.SignatureError
			if !errors.As(seen, &se) {
				t.Errorf("OnError got %v, want *client.SignatureError", seen)
			}
		})
	}
}

func TestNotificationHandlerDoesNotAckOnError(t *testing.T) {
	keys(t)
	rc := &recorder{fail: errors.New("database is down")}
	var seen error
	h := client.NotificationHandler(client.HandlerConfig{
		GatewayPublicKey: &gatewayKey.PublicKey,
		Handle:           rc.handle,
		OnError:          func(_ *http.Request, err error) { seen = err },
	})
	for _, body := range []string{paymentNotifyBody, captureNotifyBody, refundNotifyBody} {
		w := serve(h, notification(t, gatewayKey, "https://merchant.example/notify", "", body))
		assertNoAck(t, w, http.StatusInternalServerError)
		if strings.Contains(w.Body.String(), "database") {
			t.Errorf("merchant error leaked to the gateway: %s", w.Body)
		}
		if !errors.Is(seen, rc.fail) {
			t.Errorf("OnError got %v", seen)
		}
	}
	if len(rc.calls()) != 3 {
		t.Errorf("merchant function called %d times, want 3", len(rc.calls()))
	}
}

func TestNotificationHandlerRefusesOtherRequests(t *testing.T) {
	keys(t)
	rc := &recorder{}
	h := client.NotificationHandler(client.HandlerConfig{GatewayPublicKey: &gatewayKey.PublicKey, Handle: rc.handle})

	// Methods other than POST.
	r := notification(t, gatewayKey, "https://merchant.example/notify", "", paymentNotifyBody)
	r.Method = http.MethodGet
	w := serve(h, r)
	assertNoAck(t, w, http.StatusMethodNotAllowed)
	if w.Header().Get("Allow") != "POST" {
		t.Errorf("Allow = %q", w.Header().Get("Allow"))
	}

	// A body over 1 MiB, even correctly signed.
	big := `{"notifyType":"PAYMENT_RESULT","pad":"` + strings.Repeat("x", client.DefaultMaxNotificationBytes) + `"}`
	assertNoAck(t, serve(h, notification(t, gatewayKey, "https://merchant.example/notify", "", big)), http.StatusRequestEntityTooLarge)

	// A verified body that is not a notification.
	for _, body := range []string{`not json`, `{"notifyType":7}`, `{"notifyType":"PAYMENT_RESULT","paymentAmount":{"value":1000}}`, ``} {
		assertNoAck(t, serve(h, notification(t, gatewayKey, "https://merchant.example/notify", "", body)), http.StatusBadRequest)
	}
	if len(rc.calls()) != 0 {
		t.Errorf("merchant function called %d times", len(rc.calls()))
	}

	// Exactly 1 MiB is allowed.
	pad := client.DefaultMaxNotificationBytes - len(`{"notifyType":"X","pad":""}`)
	exact := `{"notifyType":"X","pad":"` + strings.Repeat("x", pad) + `"}`
	if len(exact) != client.DefaultMaxNotificationBytes {
		t.Fatalf("len = %d", len(exact))
	}
	assertAck(t, serve(h, notification(t, gatewayKey, "https://merchant.example/notify", "", exact)))
}

func TestNotificationHandlerClientIDAndPath(t *testing.T) {
	keys(t)
	rc := &recorder{}
	h := client.NotificationHandler(client.HandlerConfig{GatewayPublicKey: &gatewayKey.PublicKey, Handle: rc.handle, ClientID: "MERCHANT_0001"})
	assertAck(t, serve(h, notification(t, gatewayKey, "https://merchant.example/notify", "", paymentNotifyBody)))
	h = client.NotificationHandler(client.HandlerConfig{GatewayPublicKey: &gatewayKey.PublicKey, Handle: rc.handle, ClientID: "MERCHANT_0002"})
	assertNoAck(t, serve(h, notification(t, gatewayKey, "https://merchant.example/notify", "", paymentNotifyBody)), http.StatusForbidden)

	// Behind a proxy that strips /shop: the gateway signed /shop/notify, the handler sees /notify.
	h = client.NotificationHandler(client.HandlerConfig{GatewayPublicKey: &gatewayKey.PublicKey, Handle: rc.handle, Path: "/shop/notify"})
	assertAck(t, serve(h, notification(t, gatewayKey, "https://merchant.example/notify", "/shop/notify", paymentNotifyBody)))
	assertNoAck(t, serve(h, notification(t, gatewayKey, "https://merchant.example/notify", "/notify", paymentNotifyBody)), http.StatusUnauthorized)
}

func TestVerifyNotification(t *testing.T) {
	keys(t)
	pub := &gatewayKey.PublicKey
	r := notification(t, gatewayKey, "https://merchant.example/notify", "", refundNotifyBody)
	if err := client.VerifyNotification(pub, r, []byte(refundNotifyBody)); err != nil {
		t.Fatal(err)
	}
	// Spaced header form.
	r.Header.Set("Signature", strings.ReplaceAll(r.Header.Get("Signature"), ",", ", "))
	if err := client.VerifyNotification(pub, r, []byte(refundNotifyBody)); err != nil {
		t.Fatal(err)
	}
	err := client.VerifyNotification(pub, r, []byte(refundNotifyBody+" "))
	var se *client.SignatureError
	if !errors.As(err, &se) || se.Path != "/notify" || se.StatusCode != 0 {
		t.Fatalf("err = %v, want *SignatureError for /notify", err)
	}

	// A notify URL with a query: the gateway may sign the path alone or path?query.
	for _, signed := range []string{"/notify", "/notify?shop=7"} {
		r := notification(t, gatewayKey, "https://merchant.example/notify?shop=7", signed, refundNotifyBody)
		if err := client.VerifyNotification(pub, r, []byte(refundNotifyBody)); err != nil {
			t.Errorf("signed over %s: %v", signed, err)
		}
	}

	// The Client method uses the gateway key of the client.
	g := newGateway(t)
	c := newClient(t, g, "MERCHANT_0001")
	r = notification(t, gatewayKey, "https://merchant.example/notify", "", refundNotifyBody)
	if err := c.VerifyNotification(r, []byte(refundNotifyBody)); err != nil {
		t.Fatal(err)
	}
	r = notification(t, strangerKey, "https://merchant.example/notify", "", refundNotifyBody)
	if err := c.VerifyNotification(r, []byte(refundNotifyBody)); !errors.As(err, &se) {
		t.Fatalf("err = %v", err)
	}
}

func TestParseNotification(t *testing.T) {
	n, err := client.ParseNotification([]byte(captureNotifyBody))
	if err != nil || n.Type != ams.NotifyCaptureResult || n.Capture == nil || n.Capture.CaptureID != "CAP-1" {
		t.Fatalf("n = %+v, err = %v", n, err)
	}
	_, err = client.ParseNotification([]byte(`{"notifyType":"REFUND_RESULT","refundAmount":"5"}`))
	var fe *ams.FieldError
	if !errors.As(err, &fe) || fe.Field != "refundAmount" {
		t.Fatalf("err = %v, want FieldError for refundAmount", err)
	}

	// notifyDispute has no notifyType: Antom's sample body, as its docs give it.
	n, err = client.ParseNotification([]byte(`{"disputeAmount":{"currency":"EUR","value":"1000"},"disputeId":"2022092125013101157301040000",
		"disputeNotificationType":"DISPUTE_CREATED","defenseDueTime":"2023-09-20T23:41:32-07:00","disputeTime":"2022-09-20T23:41:32-07:00",
		"disputeReasonCode":"4853","disputeSource":"Mastercard","paymentId":"2022092315401080010018880000","paymentRequestId":"requestId_12345"}`))
	if err != nil || n.Type != ams.DisputeCreated || n.Dispute == nil || n.Dispute.DisputeID != "2022092125013101157301040000" ||
		n.Dispute.DisputeAmount.Value != "1000" || n.Dispute.DefenseDueTime == "" || n.Payment != nil {
		t.Fatalf("dispute notification: %+v, %v", n, err)
	}
	_, err = client.ParseNotification([]byte(`{"disputeNotificationType":"DISPUTE_JUDGED","disputeJudgedAmount":"5"}`))
	if !errors.As(err, &fe) || fe.Field != "disputeJudgedAmount" {
		t.Fatalf("err = %v, want FieldError for disputeJudgedAmount", err)
	}
}

// TestClientNotificationHandlerOverHTTP runs the handler in a real server and posts to it
// like the gateway does, concurrently.
func TestClientNotificationHandlerOverHTTP(t *testing.T) {
	g := newGateway(t)
	c := newClient(t, g, "MERCHANT_0001")
	rc := &recorder{}
	mux := http.NewServeMux()
	mux.Handle("POST /antom/notify", c.NotificationHandler(rc.handle))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	var wg sync.WaitGroup
	for _, body := range []string{paymentNotifyBody, captureNotifyBody, refundNotifyBody, pendingNotifyBody} {
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := notification(t, gatewayKey, srv.URL+"/antom/notify", "", body)
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/antom/notify", bytes.NewReader([]byte(body)))
				req.Header = r.Header
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				defer resp.Body.Close()
				got, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != 200 || string(got) != ams.AckBody {
					t.Errorf("status %d body %s", resp.StatusCode, got)
				}
			}()
		}
	}
	wg.Wait()
	if n := len(rc.calls()); n != 12 {
		t.Errorf("merchant function called %d times, want 12", n)
	}

	// Tampered, over the wire.
	r := notification(t, gatewayKey, srv.URL+"/antom/notify", "", paymentNotifyBody)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/antom/notify", strings.NewReader(strings.Replace(paymentNotifyBody, "P-1", "P-9", 1)))
	req.Header = r.Header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || string(got) == ams.AckBody {
		t.Errorf("tampered: status %d body %s", resp.StatusCode, got)
	}
}

func TestNotificationHandlerPanicsOnMissingConfig(t *testing.T) {
	keys(t)
	for name, cfg := range map[string]client.HandlerConfig{
		"no key":    {Handle: (&recorder{}).handle},
		"no handle": {GatewayPublicKey: &gatewayKey.PublicKey},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			client.NotificationHandler(cfg)
		}()
	}
}
