package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/internal/bench"
	"github.com/cashierpay/cashier/internal/cli"
)

// TestBenchCommand runs cashier bench, bounded by count, against an in-process sandbox
// started as the docs say for load tests (--api-rate 0): every pay succeeds with a verified
// signature, over HTTP and HTTPS (bench.Transport dials both); a checkout also gets both its
// notifications; and against the default API rate the refusals are reported by their
// result code.
func TestBenchCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv, stop := startServe(t, dir, testDB(t), "--api-rate", "0")
	defer stop()
	merchant := filepath.Join(dir, "sandbox-merchant.json")
	runBench := func(url string, args ...string) *bench.Report {
		t.Helper()
		var out, errOut bytes.Buffer
		argv := append([]string{"bench", "--merchant", merchant, "--url", url, "--json"}, args...)
		if code := cli.Main(context.Background(), argv, &out, &errOut); code != 0 {
			t.Fatalf("bench %v: exit %d\n%s", args, code, errOut.String())
		}
		var rep bench.Report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("bench %v printed %s: %v", args, out.String(), err)
		}
		return &rep
	}

	// The gateway runs in this process: its processor time is this process's.
	rep := runBench(srv.http, "--scenario", "pay", "--requests", "50", "--concurrency", "4", "--gateway-pid", strconv.Itoa(os.Getpid()))
	if rep.Operations != 50 || rep.Failed != 0 || rep.APIs["pay"].Codes["SUCCESS"] != 50 || rep.SignatureFailures != 0 || rep.Presigned.Requests != 50 {
		t.Errorf("pay: %+v", rep)
	}
	if c := rep.CPU; runtime.GOOS == "linux" && (c == nil || c.ToolMicrosPerOp <= 0 || c.GatewayMicrosPerOp <= 0) {
		t.Errorf("pay: processor time per operation %+v", c)
	}

	// With the ceiling, read before the run and after it: the ratio is against their mean.
	rep = runBench(srv.https, "--scenario", "pay", "--requests", "20", "--concurrency", "2", "--ceiling", "--ceiling-time", "100ms")
	if rep.Operations != 20 || rep.Failed != 0 || rep.APIs["pay"].Codes["SUCCESS"] != 20 {
		t.Errorf("pay over HTTPS: %+v", rep)
	}
	if len(rep.Ceiling) == 0 {
		t.Errorf("pay over HTTPS with --ceiling: no ceiling in %+v", rep)
	}
	for _, c := range rep.Ceiling {
		if c.Before <= 0 || c.After <= 0 || c.SignsPerSecond != (c.Before+c.After)/2 || c.Ratio != rep.PaysPerSecond/c.SignsPerSecond {
			t.Errorf("ceiling %+v for %.1f pays/s", c, rep.PaysPerSecond)
		}
	}

	rep = runBench(srv.http, "--scenario", "checkout", "--requests", "20", "--rate", "200")
	n := rep.Notifications
	if rep.Operations != 20 || rep.Failed != 0 || rep.APIs["capture"].Codes["SUCCESS"] != 20 || rep.APIs["inquiryPayment"].Codes["SUCCESS"] != 20 ||
		n == nil || n.Expected != 40 || n.Received != 40 || n.Missing != 0 || rep.SignatureFailures != 0 {
		t.Errorf("checkout: %+v notifications %+v", rep, n)
	}

	// Of every four operations of mixed, only the checkout is notified (its pay and capture).
	rep = runBench(srv.http, "--scenario", "mixed", "--requests", "20", "--rate", "200")
	n = rep.Notifications
	if rep.Operations != 20 || rep.Failed != 0 || rep.APIs["pay"].Codes["SUCCESS"] != 15 || rep.APIs["createPaymentSession"].Codes["SUCCESS"] != 5 ||
		n == nil || n.Expected != 10 || n.Received != 10 || rep.SignatureFailures != 0 {
		t.Errorf("mixed: %+v notifications %+v", rep, n)
	}
}

// TestBenchReportsRateLimit: against a gateway with its default per-merchant API rate,
// more pays at once than its burst are refused, and the report counts them under
// REQUEST_TRAFFIC_EXCEED_LIMIT with a note saying how to start the gateway for a load test.
func TestBenchReportsRateLimit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv, stop := startServe(t, dir, testDB(t), "--api-rate", "1", "--api-burst", "5")
	defer stop()
	var out, errOut bytes.Buffer
	argv := []string{"bench", "--merchant", filepath.Join(dir, "sandbox-merchant.json"), "--url", srv.http, "--requests", "30"}
	if code := cli.Main(context.Background(), argv, &out, &errOut); code != 0 {
		t.Fatalf("bench: exit %d\n%s", code, errOut.String())
	}
	for _, want := range []string{"REQUEST_TRAFFIC_EXCEED_LIMIT", "--api-rate 0", "0 failed to verify"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}
