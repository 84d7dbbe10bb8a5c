package e2e

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r, string(b)
}

// TestEdge: every route goes through one edge that gives the request an id (in the answer
// and in every log line), writes one access line, and counts it for /metrics.
func TestEdge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := newMerchantEndpoint(t, func(_ int, w http.ResponseWriter) { ack(w) })
	req := payReq(visaOK, "USD", 100)
	req.PaymentNotifyURL = m.srv.URL + "/notify"
	wantResult(t, e.pay(req).Result, "S", "SUCCESS")
	hosted := e.pay(hostedReq("USD", 100, ""))
	page, _ := get(t, hosted.NormalURL)
	eventually(t, "notifications", func() bool { return m.count() >= 2 })
	// The worker counts an attempt once it has recorded the merchant's answer, after the
	// merchant has it.
	eventually(t, "the notification attempts counted", func() bool {
		_, metrics := get(t, e.baseURL+"/metrics")
		return strings.Contains(metrics, `cashier_notification_attempts_total{outcome="acknowledged"}`)
	})

	if r, body := get(t, e.baseURL+"/readyz"); r.StatusCode != 200 || body != "ready\n" {
		t.Fatalf("readyz: %d %q", r.StatusCode, body)
	}
	_, metrics := get(t, e.baseURL+"/metrics")
	for _, want := range []string{
		`cashier_api_requests_total{api="pay",result_code="SUCCESS",result_status="S"} 1`,
		`cashier_api_requests_total{api="pay",result_code="PAYMENT_IN_PROCESS",result_status="U"} 1`,
		`cashier_http_requests_total{code="200",route="GET /checkout/{token}"} 1`,
		`cashier_http_requests_total{code="200",route="/ams/"} 2`,
		`cashier_api_request_duration_seconds_count{api="pay"} 2`,
		`cashier_notification_attempts_total{outcome="acknowledged"}`,
		"cashier_signatures_total ", "cashier_outbox_pending ", "cashier_outbox_oldest_due_seconds ",
		"cashier_outbox_scrape_ok 1", "cashier_sweeper_lag_seconds ", "go_goroutines ",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if n := regexp.MustCompile(`(?m)^cashier_signatures_total (\d+)`).FindStringSubmatch(metrics); n == nil || n[1] == "0" || n[1] == "1" {
		t.Errorf("signatures counted: %v", n)
	}

	// The page's request id is in its access line, and every access line has one.
	id := page.Header.Get("X-Request-Id")
	if id == "" {
		t.Fatal("no X-Request-Id")
	}
	var access int
	for _, line := range strings.Split(e.logs.String(), "\n") {
		if !strings.Contains(line, "msg=http ") {
			continue
		}
		access++
		if !strings.Contains(line, "request_id=") {
			t.Errorf("access line without a request id: %s", line)
		}
	}
	if access < 4 || !regexp.MustCompile(`msg=http .*route="GET /checkout/\{token\}".*request_id=`+id).MatchString(e.logs.String()) {
		t.Fatalf("%d access lines; none for the page's request %s:\n%s", access, id, e.logs.String())
	}

	// A database that does not answer makes the node unready.
	e.app.Store.Close()
	if r, _ := get(t, e.baseURL+"/readyz"); r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database closed: %d", r.StatusCode)
	}
}

// TestDebugListener: with --debug-listen, /metrics and the profiler are served there only.
func TestDebugListener(t *testing.T) {
	t.Parallel()
	srv, stop := startServe(t, t.TempDir(), testDB(t), "--debug-listen", "127.0.0.1:0")
	defer stop()
	m := regexp.MustCompile(`debug:\s+(http://\S+)/metrics`).FindStringSubmatch(srv.banner)
	if m == nil {
		t.Fatalf("no debug listener in the banner:\n%s", srv.banner)
	}
	if r, body := get(t, m[1]+"/metrics"); r.StatusCode != 200 || !strings.Contains(body, "cashier_signatures_total") {
		t.Fatalf("debug /metrics: %d", r.StatusCode)
	}
	if r, body := get(t, m[1]+"/debug/pprof/"); r.StatusCode != 200 || !strings.Contains(body, "goroutine") {
		t.Fatalf("debug pprof: %d", r.StatusCode)
	}
	for _, base := range []string{srv.http} {
		if r, _ := get(t, base+"/metrics"); r.StatusCode != http.StatusNotFound {
			t.Fatalf("/metrics on the gateway's listener beside a debug listener: %d", r.StatusCode)
		}
		if r, _ := get(t, base+"/debug/pprof/"); r.StatusCode != http.StatusNotFound {
			t.Fatalf("pprof on the gateway's listener: %d", r.StatusCode)
		}
	}
}
