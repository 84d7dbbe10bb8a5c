package e2e

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
	"github.com/cashierpay/cashier/internal/cli"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/sandbox"
	"github.com/cashierpay/cashier/internal/store/sqlite"
)

// merchantEndpoint records every notification POST and answers with reply(n), n 1-based.
type merchantEndpoint struct {
	srv   *httptest.Server
	mu    sync.Mutex
	got   []received
	reply func(n int, w http.ResponseWriter)
}

type received struct {
	header http.Header
	body   []byte
	path   string
}

func newMerchantEndpoint(t testing.TB, reply func(n int, w http.ResponseWriter)) *merchantEndpoint {
	m := &merchantEndpoint{reply: reply}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m.mu.Lock()
		m.got = append(m.got, received{header: r.Header.Clone(), body: body, path: r.URL.Path})
		n := len(m.got)
		m.mu.Unlock()
		m.reply(n, w)
	}))
	t.Cleanup(m.srv.Close)
	return m
}

func (m *merchantEndpoint) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.got)
}

func (m *merchantEndpoint) all() []received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]received(nil), m.got...)
}

func ack(w http.ResponseWriter) { io.WriteString(w, ams.AckBody) }

func fail(w http.ResponseWriter) { http.Error(w, "boom", http.StatusInternalServerError) }

// TestRetrySchedule: against an endpoint that always fails, attempts come at 0, 2 m, 12 m,
// 22 m, 1 h 22 m, 3 h 22 m, 9 h 22 m and 24 h 22 m after the first, then stop; a resend
// by hand sends once more.
func TestRetrySchedule(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := newMerchantEndpoint(t, func(int, http.ResponseWriter) {})
	m.reply = func(_ int, w http.ResponseWriter) { fail(w) }
	req := manual(payReq(visaOK, "USD", 700))
	req.PaymentNotifyURL = m.srv.URL + "/antom/notify"
	resp := e.pay(req)
	wantResult(t, resp.Result, "S", "SUCCESS")
	eventually(t, "first attempt", func() bool { return m.count() == 1 })

	ns, _ := e.app.Store.NotificationListByPayment(context.Background(), resp.PaymentID)
	if len(ns) != 1 {
		t.Fatalf("%d notifications", len(ns))
	}
	delays := []time.Duration{2 * time.Minute, 10 * time.Minute, 10 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 15 * time.Hour}
	for i := 1; i <= len(delays); i++ {
		// The receiver hears an attempt before the worker records it and its next due time.
		var n *payment.Notification
		eventually(t, "attempt recorded", func() bool {
			n, _ = e.app.Store.NotificationGet(context.Background(), ns[0].ID)
			return n != nil && n.Attempts == i
		})
		// Just before the due time nothing is sent; at it, the next attempt comes. The test
		// clock runs on with the wall clock, so "just before" keeps a margin no loaded
		// machine eats up.
		due := n.NextAttemptAt
		e.advance(due.Add(-30 * time.Second).Sub(e.clock.Now()))
		time.Sleep(600 * time.Millisecond)
		if m.count() != i {
			t.Fatalf("attempt %d came early (%d attempts)", i+1, m.count())
		}
		e.advance(due.Sub(e.clock.Now()))
		eventually(t, "attempt", func() bool { return m.count() == i+1 })
	}
	var prev time.Time
	for i, r := range m.all() {
		at, err := ams.ParseTime(r.header.Get("Request-Time"))
		if err != nil {
			t.Fatal(err)
		}
		// Each wait is Antom's, counted from the attempt before; the attempt may come a
		// little after its due time on a slow machine, never before.
		if i > 0 {
			if d := at.Sub(prev) - delays[i-1]; d < -time.Second || d > 15*time.Second {
				t.Errorf("attempt %d came %v after attempt %d, want %v", i+1, at.Sub(prev), i, delays[i-1])
			}
		}
		prev = at
		if r.path != "/antom/notify" {
			t.Errorf("attempt %d went to %s", i+1, r.path)
		}
	}
	e.advance(48 * time.Hour)
	time.Sleep(time.Second)
	if m.count() != 8 {
		t.Fatalf("%d attempts, want 8", m.count())
	}
	ns, _ = e.app.Store.NotificationListByPayment(context.Background(), resp.PaymentID)
	if len(ns) != 1 || ns[0].Status != payment.NotificationFailed || ns[0].Attempts != 8 {
		t.Fatalf("notification after the schedule: %+v", ns[0])
	}
	log, _ := e.app.Store.NotificationAttempts(context.Background(), ns[0].ID)
	if len(log) != 8 || log[0].HTTPStatus != 500 || !strings.Contains(log[0].Response, "boom") || log[0].Error == "" {
		t.Fatalf("delivery log: %d attempts, first %+v", len(log), log[0])
	}
	// Resend from the CLI, against the same data dir: it is sent once more, now acknowledged.
	m.reply = func(_ int, w http.ResponseWriter) { ack(w) }
	var out bytes.Buffer
	if code := cli.Main(context.Background(), []string{"notifications", "resend", ns[0].ID, "--data", e.dir, "--db", e.db}, &out, &out); code != 0 {
		t.Log(out.String())
		t.Fatalf("resend exited %d", code)
	}
	eventually(t, "resent attempt", func() bool { return m.count() == 9 })
	eventually(t, "delivered", func() bool {
		n, _ := e.app.Store.NotificationGet(context.Background(), ns[0].ID)
		return n.Status == payment.NotificationDelivered
	})
	out.Reset()
	cli.Main(context.Background(), []string{"notifications", "list", "--payment", resp.PaymentID, "--data", e.dir, "--db", e.db}, &out, io.Discard)
	if !strings.Contains(out.String(), `"status": "DELIVERED"`) || strings.Count(out.String(), `"attempt":`) != 9 {
		t.Fatalf("notifications list:\n%s", out.String())
	}
}

// TestFailTwiceThenAck: exactly three attempts.
func TestFailTwiceThenAck(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := newMerchantEndpoint(t, func(n int, w http.ResponseWriter) {
		if n <= 2 {
			w.Write([]byte(`{"result":{"resultCode":"FAIL","resultStatus":"F","resultMessage":"not yet"}}`))
			return
		}
		ack(w)
	})
	req := manual(payReq(visaOK, "USD", 700))
	req.PaymentNotifyURL = m.srv.URL + "/n"
	resp := e.pay(req)
	// Move the clock only once the worker has recorded the attempt and its next time.
	recorded := func(n int) func() bool {
		return func() bool {
			ns, _ := e.app.Store.NotificationListByPayment(context.Background(), resp.PaymentID)
			return len(ns) == 1 && ns[0].Attempts == n
		}
	}
	eventually(t, "first attempt", func() bool { return m.count() == 1 })
	eventually(t, "first attempt recorded", recorded(1))
	e.advance(2 * time.Minute)
	eventually(t, "second attempt", func() bool { return m.count() == 2 })
	eventually(t, "second attempt recorded", recorded(2))
	e.advance(10 * time.Minute)
	eventually(t, "third attempt", func() bool { return m.count() == 3 })
	e.advance(30 * time.Hour)
	time.Sleep(time.Second)
	if m.count() != 3 {
		t.Fatalf("%d attempts, want 3", m.count())
	}
}

// TestNotificationsVerifiedByClient sends each notification type to the client package's
// handler, and shows a tampered one is refused.
func TestNotificationsVerifiedByClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var mu sync.Mutex
	got := map[string]client.Notification{}
	var raw []received
	handler := e.c.NotificationHandler(func(ctx context.Context, n client.Notification) error {
		mu.Lock()
		defer mu.Unlock()
		got[n.Type] = n
		return nil
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		raw = append(raw, received{header: r.Header.Clone(), body: body, path: r.URL.Path})
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		handler.ServeHTTP(w, r)
	}))
	defer srv.Close()

	req := payReq(visaOK, "USD", 1500)
	req.PaymentNotifyURL = srv.URL + "/notify/payment"
	resp := e.pay(req)
	r, err := e.c.Refund(context.Background(), &ams.RefundRequest{RefundRequestID: uniq("ref"), PaymentID: resp.PaymentID,
		RefundAmount: &ams.Amount{Currency: "USD", Value: "500"}, RefundNotifyURL: srv.URL + "/notify/refund"})
	if err != nil || r.Result.ResultCode != "SUCCESS" {
		t.Fatalf("refund: %+v %v", r, err)
	}
	eventually(t, "three notification types", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 3
	})
	p := got[ams.NotifyPaymentResult].Payment
	if p == nil || p.PaymentID != resp.PaymentID || p.Result.ResultCode != "SUCCESS" || p.PaymentResultInfo == nil || p.PaymentResultInfo.CardNo != "405469******0768" {
		t.Fatalf("payment notification: %+v", p)
	}
	c := got[ams.NotifyCaptureResult].Capture
	if c == nil || c.PaymentID != resp.PaymentID || c.CaptureID == "" || c.CaptureAmount.Value != "1500" || c.Result.ResultStatus != "S" {
		t.Fatalf("capture notification: %+v", c)
	}
	rf := got[ams.NotifyRefundResult].Refund
	if rf == nil || rf.RefundID != r.RefundID || rf.RefundStatus != "SUCCESS" || rf.RefundAmount.Value != "500" {
		t.Fatalf("refund notification: %+v", rf)
	}
	eventually(t, "all delivered", func() bool {
		ns, _ := e.app.Store.NotificationListByPayment(context.Background(), resp.PaymentID)
		for _, n := range ns {
			if n.Status != payment.NotificationDelivered {
				return false
			}
		}
		return len(ns) == 3
	})

	// Replay a received notification with a byte changed: the handler refuses it.
	mu.Lock()
	orig := raw[0]
	mu.Unlock()
	tampered := bytes.Replace(orig.body, []byte(`"USD"`), []byte(`"EUR"`), 1)
	for name, body := range map[string][]byte{"tampered body": tampered, "original body": orig.body} {
		hreq, _ := http.NewRequest("POST", srv.URL+orig.path, bytes.NewReader(body))
		for k, v := range orig.header {
			hreq.Header[k] = v
		}
		hresp, err := http.DefaultClient.Do(hreq)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(hresp.Body)
		hresp.Body.Close()
		acked := string(b) == ams.AckBody
		if name == "tampered body" && (acked || hresp.StatusCode == 200) {
			t.Fatalf("tampered notification acknowledged: %d %s", hresp.StatusCode, b)
		}
		if name == "original body" && !acked {
			t.Fatalf("a genuine redelivery was not acknowledged: %d %s", hresp.StatusCode, b)
		}
	}
}

// TestNonAcknowledgements: a timeout, a wrong body and a wrong status are failed attempts.
func TestNonAcknowledgements(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, cli.Options{NotifyTimeout: 300 * time.Millisecond})
	cases := map[string]func(w http.ResponseWriter){
		"timeout":     func(w http.ResponseWriter) { time.Sleep(time.Second); ack(w) },
		"wrong body":  func(w http.ResponseWriter) { io.WriteString(w, "OK") },
		"status 201":  func(w http.ResponseWriter) { w.WriteHeader(201); ack(w) },
		"ack in html": func(w http.ResponseWriter) { io.WriteString(w, "<p>"+ams.AckBody+"</p>") },
	}
	for name, reply := range cases {
		t.Run(name, func(t *testing.T) {
			m := newMerchantEndpoint(t, func(_ int, w http.ResponseWriter) { reply(w) })
			req := manual(payReq(visaOK, "USD", 700))
			req.PaymentNotifyURL = m.srv.URL + "/n"
			resp := e.pay(req)
			var n *payment.Notification
			eventually(t, "attempt recorded", func() bool {
				ns, _ := e.app.Store.NotificationListByPayment(context.Background(), resp.PaymentID)
				n = ns[0]
				return n.Attempts == 1
			})
			if n.Status != payment.NotificationPending {
				t.Fatalf("status %s after a non-acknowledgement", n.Status)
			}
			log, _ := e.app.Store.NotificationAttempts(context.Background(), n.ID)
			if log[0].Error == "" {
				t.Fatalf("attempt recorded without error: %+v", log[0])
			}
		})
	}
	// Key order and whitespace are free.
	m := newMerchantEndpoint(t, func(_ int, w http.ResponseWriter) {
		io.WriteString(w, "{ \"result\": {\"resultStatus\":\"S\", \"resultMessage\":\"success\", \"resultCode\":\"SUCCESS\"} }\n")
	})
	req := manual(payReq(visaOK, "USD", 700))
	req.PaymentNotifyURL = m.srv.URL + "/n"
	resp := e.pay(req)
	eventually(t, "delivered", func() bool {
		ns, _ := e.app.Store.NotificationListByPayment(context.Background(), resp.PaymentID)
		return ns[0].Status == payment.NotificationDelivered
	})
}

// TestMerchantNotifyURLFallback: without paymentNotifyUrl the merchant's configured URL is
// used. With neither, the notification is held without a delivery attempt (and counted in
// the metrics), and setting the merchant's URL sends it at once.
func TestMerchantNotifyURLFallback(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := newMerchantEndpoint(t, func(_ int, w http.ResponseWriter) { ack(w) })
	resp := e.pay(manual(payReq(visaOK, "USD", 700)))
	ns, err := e.app.Store.NotificationListByPayment(context.Background(), resp.PaymentID)
	if err != nil || len(ns) != 1 || ns[0].Status != payment.NotificationUndeliverable || ns[0].Attempts != 0 {
		t.Fatalf("notification of a pay without any URL: %+v %v", ns, err)
	}
	if _, metrics := get(t, e.baseURL+"/metrics"); !strings.Contains(metrics, "\ncashier_outbox_undeliverable 1\n") {
		t.Errorf("/metrics does not count the held notification:\n%s", metrics)
	}
	if code := cli.Main(context.Background(), []string{"merchant", "set-notify-url", "--data", e.dir, "--db", e.db, "--client-id", e.app.SandboxClient.ClientID, "--notify-url", m.srv.URL + "/hook"}, io.Discard, io.Discard); code != 0 {
		t.Fatal("set-notify-url failed")
	}
	eventually(t, "delivered to the merchant URL", func() bool { return m.count() == 1 })
	if m.all()[0].path != "/hook" || m.all()[0].header.Get("Client-Id") != e.app.SandboxClient.ClientID {
		t.Fatalf("delivered to %s with Client-Id %s", m.all()[0].path, m.all()[0].header.Get("Client-Id"))
	}
	eventually(t, "recorded as delivered", func() bool {
		ns, _ := e.app.Store.NotificationListByPayment(context.Background(), resp.PaymentID)
		return ns[0].Status == payment.NotificationDelivered && ns[0].Attempts == 1
	})
	if _, metrics := get(t, e.baseURL+"/metrics"); !strings.Contains(metrics, "\ncashier_outbox_undeliverable 0\n") {
		t.Errorf("/metrics still counts the delivered notification")
	}
}

func TestExpiryIsNotified(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := newMerchantEndpoint(t, func(_ int, w http.ResponseWriter) { ack(w) })
	req := payReq(visaOK, "USD", 900)
	req.PaymentNotifyURL = m.srv.URL + "/n"
	req.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":"4054695723100768","cvv":"123","expiryMonth":"12","expiryYear":"30","is3DSAuthentication":true}`)
	resp := e.pay(req)
	wantResult(t, resp.Result, "U", "PAYMENT_IN_PROCESS")
	if m.count() != 0 {
		t.Fatal("a processing payment was notified")
	}
	e.advance(payment.DefaultExpiry)
	eventually(t, "expiry notification", func() bool { return m.count() == 1 })
	n, err := client.ParseNotification(m.all()[0].body)
	if err != nil || n.Payment == nil || n.Payment.Result.ResultCode != "ORDER_IS_CLOSED" || n.Payment.Result.ResultStatus != "F" {
		t.Fatalf("expiry notification: %+v %v", n.Payment, err)
	}
}

func TestTestClockEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp, err := http.Post(e.baseURL+"/sandbox/clock/advance", "application/json", strings.NewReader(`{"duration":"2h"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("advance: %v %v", err, resp)
	}
	var body struct{ Now string }
	readJSON(t, resp, &body)
	now, err := time.Parse(time.RFC3339Nano, body.Now)
	if err != nil || now.Sub(time.Now()) < 2*time.Hour-time.Minute {
		t.Fatalf("advanced clock reads %s", body.Now)
	}
	get, _ := http.Get(e.baseURL + "/sandbox/clock")
	readJSON(t, get, &body)
	if later, _ := time.Parse(time.RFC3339Nano, body.Now); later.Before(now) {
		t.Fatalf("clock went back: %s", body.Now)
	}
	bad, _ := http.Post(e.baseURL+"/sandbox/clock/advance", "application/json", strings.NewReader(`{"duration":"-1h"}`))
	if bad.StatusCode != 400 {
		t.Fatalf("negative duration: %d", bad.StatusCode)
	}
	// One call moves the clock 30 days at most: no jump of years at a time.
	far, _ := http.Post(e.baseURL+"/sandbox/clock/advance", "application/json", strings.NewReader(`{"duration":"17520h"}`))
	if far.StatusCode != 400 {
		t.Fatalf("an advance of two years: %d", far.StatusCode)
	}
	get, _ = http.Get(e.baseURL + "/sandbox/clock")
	readJSON(t, get, &body)
	if still, _ := time.Parse(time.RFC3339Nano, body.Now); still.Sub(time.Now()) > 3*time.Hour {
		t.Fatalf("a refused advance moved the clock to %s", body.Now)
	}
	// Payment times follow the test clock.
	p := e.pay(payReq(visaOK, "USD", 100))
	created, _ := ams.ParseTime(p.PaymentCreateTime)
	if created.Sub(time.Now()) < 2*time.Hour-time.Minute {
		t.Fatalf("paymentCreateTime %s does not follow the test clock", p.PaymentCreateTime)
	}
}

// TestProductionNotifyGuard: a production gateway sends nothing to a receiver on loopback:
// the attempt is recorded as refused, logged at WARN, counted, and retried on the ordinary
// schedule; --notify-allow opening 127.0.0.0/8 lets the same receiver have it. This build
// has no acquirer connection, so the sandbox's issuer stands in for one, as serve
// --production cannot start without it.
func TestProductionNotifyGuard(t *testing.T) {
	t.Parallel()
	for _, allow := range []bool{false, true} {
		t.Run(map[bool]string{false: "refused", true: "allowed"}[allow], func(t *testing.T) {
			ctx := context.Background()
			dir, logs := t.TempDir(), &syncBuffer{}
			// The stand-in acquirer keeps its records in a database of its own.
			records, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "acquirer.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { records.Close() })
			opts := cli.Options{
				DataDir: dir, DB: testDB(t), Production: true, Issuer: sandbox.NewIssuer(clock.Real{}, records), ACS: sandbox.ACS{},
				Logger: slog.New(slog.NewTextHandler(logs, nil)),
			}
			if allow {
				opts.NotifyAllow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
			}
			app, err := cli.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(app.Handler)
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { app.Run(runCtx); close(done) }()
			t.Cleanup(func() { stop(); <-done; srv.Close(); app.Close() })

			shop := addShop(ctx, t, app, dir, opts.DB, srv.URL)
			m := newMerchantEndpoint(t, func(_ int, w http.ResponseWriter) { ack(w) })
			req := manual(payReq(visaOK, "USD", 700))
			req.PaymentNotifyURL = m.srv.URL + "/notify"
			resp, err := shop.Pay(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			wantResult(t, resp.Result, "S", "SUCCESS")
			var n *payment.Notification
			eventually(t, "first attempt recorded", func() bool {
				ns, _ := app.Store.NotificationListByPayment(ctx, resp.PaymentID)
				n = ns[0]
				return n.Attempts == 1
			})
			attempts, _ := app.Store.NotificationAttempts(ctx, n.ID)
			if allow {
				if m.count() != 1 || n.Status != payment.NotificationDelivered || attempts[0].Error != "" {
					t.Fatalf("allowed loopback: %d requests, status %s, attempt %+v", m.count(), n.Status, attempts[0])
				}
				return
			}
			if m.count() != 0 {
				t.Fatalf("%d requests reached the loopback receiver", m.count())
			}
			if a := attempts[0]; !strings.Contains(a.Error, "refused to connect to 127.0.0.1 (loopback)") || a.HTTPStatus != 0 {
				t.Fatalf("attempt %+v", a)
			}
			if n.Status != payment.NotificationPending || !n.NextAttemptAt.Equal(attempts[0].StartedAt.Add(2*time.Minute)) {
				t.Fatalf("after a refusal: status %s, next attempt %v, started %v", n.Status, n.NextAttemptAt, attempts[0].StartedAt)
			}
			// The worker counts and logs an attempt once it is recorded: after what the test
			// waited for above.
			eventually(t, "the refusal counted in /metrics", func() bool {
				_, metrics := get(t, srv.URL+"/metrics")
				return strings.Contains(metrics, `cashier_notification_attempts_total{outcome="refused"} 1`)
			})
			eventually(t, "a WARN line for the refusal", func() bool {
				return strings.Contains(logs.String(), "level=WARN msg=\"notification attempt\"") && strings.Contains(logs.String(), "outcome=refused")
			})
		})
	}
}
