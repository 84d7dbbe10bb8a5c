package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/sandbox"
)

// buildCashier compiles the cashier binary once per test binary.
var buildCashier = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "cashier-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "cashier")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/cashier").CombinedOutput()
	if err != nil {
		return "", &buildError{string(out), err}
	}
	return bin, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// process is a cashier serve subprocess.
type process struct {
	cmd     *exec.Cmd
	baseURL string
}

func startProcess(t testing.TB, dir string, args ...string) *process {
	t.Helper()
	bin, err := buildCashier()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--https-listen", "127.0.0.1:0", "--data", dir}, args...)...)
	cmd.Env = os.Environ()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd}
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	re := regexp.MustCompile(`listening on (http://\S+)`)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			p.baseURL = m[1]
			break
		}
	}
	go io.Copy(io.Discard, stdout)
	if p.baseURL == "" {
		t.Fatal("cashier serve did not start")
	}
	return p
}

// TestCrashLosesNoNotification kills the gateway with SIGKILL while notifications are
// pending and in flight, restarts it, and checks that every one is delivered.
func TestCrashLosesNoNotification(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	args := []string{"--test-clock", "--notify-timeout", "3s"}
	if db := testDB(t); db != "" {
		args = append(args, "--db", db)
	}
	proc := startProcess(t, dir, args...)

	var mu sync.Mutex
	phase := 1
	acked := map[string]bool{} // notifyType + id
	hung := 0
	release := make(chan struct{})
	defer close(release)
	endpoint := newMerchantEndpoint(t, func(n int, w http.ResponseWriter) {})
	endpoint.reply = func(n int, w http.ResponseWriter) {
		got := endpoint.all()[n-1]
		mu.Lock()
		p := phase
		if p == 1 && n%3 == 0 {
			hung++
			mu.Unlock()
			<-release // in flight when the gateway dies
			return
		}
		mu.Unlock()
		if p == 1 {
			fail(w)
			return
		}
		var body struct {
			NotifyType, PaymentID, CaptureID, RefundID string
		}
		json.Unmarshal(got.body, &body)
		mu.Lock()
		acked[body.NotifyType+"/"+body.PaymentID] = true
		mu.Unlock()
		ack(w)
	}

	var sm sandbox.Merchant
	data, _ := os.ReadFile(filepath.Join(dir, "sandbox-merchant.json"))
	json.Unmarshal(data, &sm)
	c, err := client.New(client.Config{BaseURL: proc.baseURL, ClientID: sm.ClientID, MerchantPrivateKey: sm.MerchantPrivateKey, GatewayPublicKey: sm.GatewayPublicKey})
	if err != nil {
		t.Fatal(err)
	}
	const payments = 15
	want := map[string]bool{}
	for i := 0; i < payments; i++ {
		req := payReq(visaOK, "USD", int64(100+i))
		req.PaymentNotifyURL = endpoint.srv.URL + "/notify"
		resp, err := c.Pay(context.Background(), req)
		if err != nil || resp.Result.ResultCode != "SUCCESS" {
			t.Fatalf("pay: %+v %v", resp, err)
		}
		want["PAYMENT_RESULT/"+resp.PaymentID] = true
		want["CAPTURE_RESULT/"+resp.PaymentID] = true
	}
	eventually(t, "first attempts, some hanging", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return endpoint.count() >= len(want) && hung > 0
	})
	if err := proc.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	proc.cmd.Wait()
	mu.Lock()
	phase = 2
	mu.Unlock()

	proc2 := startProcess(t, dir, args...)
	// Failed attempts are due again 2 minutes later on the gateway's clock; in-flight ones
	// once their lease (timeout + 5 s of wall time) runs out.
	deadline := time.Now().Add(40 * time.Second)
	for {
		mu.Lock()
		done := len(acked) == len(want)
		mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("delivered %d of %d notifications after the crash", len(acked), len(want))
		}
		resp, err := http.Post(proc2.baseURL+"/sandbox/clock/advance", "application/json", strings.NewReader(`{"duration":"3m"}`))
		if err == nil {
			resp.Body.Close()
		}
		time.Sleep(500 * time.Millisecond)
	}
	mu.Lock()
	for k := range want {
		if !acked[k] {
			t.Errorf("never delivered: %s", k)
		}
	}
	mu.Unlock()
}

// TestCrashMidAuthorizationStrandsNothing kills the gateway (serve --fault) once the issuer
// has decided an authorization and before the gateway has recorded it, while pays of
// approving and declining cards, automatic and manual capture, are in flight. The sandbox's
// issuer decides inside the pay's one write transaction (issuer.TxAuthorizer), so the kill
// lands inside it: after a restart none of those pays left anything, neither a payment in
// flight nor the issuer's record of a decision (a retry of each paymentRequestId is a new
// payment, decided afresh); each retry ends as the issuer decides, captured when automatic,
// notified, and a second retry answers the same. The two-phase path of an issuer that answers
// from outside the transaction, and the sweeper that settles what a crash left in it, are
// internal/sweep's TestStrandedAuthorization.
func TestCrashMidAuthorizationStrandsNothing(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	args := []string{"--test-clock"}
	if db := testDB(t); db != "" {
		args = append(args, "--db", db)
	}
	endpoint := newMerchantEndpoint(t, func(n int, w http.ResponseWriter) { ack(w) })
	cases := []struct {
		card, capture string
		status, code  string
	}{
		{visaOK, ams.CaptureAutomatic, "SUCCESS", "SUCCESS"},
		{mcOK, ams.CaptureAutomatic, "SUCCESS", "SUCCESS"},
		{visaOK, ams.CaptureManual, "SUCCESS", "SUCCESS"},
		{mcOK, ams.CaptureManual, "SUCCESS", "SUCCESS"},
		{visaDecl, ams.CaptureAutomatic, "FAIL", "DO_NOT_HONOR"},
		{visaDecl, ams.CaptureManual, "FAIL", "DO_NOT_HONOR"},
	}
	// The first authorization decided kills the process: the others wait for the single
	// writer (SQLite) or are decided beside it (PostgreSQL), uncommitted either way.
	proc := startProcess(t, dir, append(args, "--fault", "after-issuer-authorize")...)
	sm := readSandboxMerchant(t, dir)
	reqs := make([]*ams.PayRequest, len(cases))
	var wg sync.WaitGroup
	for i, c := range cases {
		req := payReq(c.card, "USD", int64(1000+i))
		req.PaymentFactor.CaptureMode = c.capture
		req.PaymentNotifyURL = endpoint.srv.URL + "/notify"
		reqs[i] = req
		wg.Go(func() {
			// Every call dies with the gateway: its answer is never written.
			if resp, err := sandboxClient(t, proc.baseURL, sm).Pay(context.Background(), req); err == nil {
				t.Errorf("pay %d answered %+v by a gateway that should have died", i, resp.Result)
			}
		})
	}
	wg.Wait()
	if err := proc.cmd.Wait(); err == nil {
		t.Fatal("the gateway exited cleanly; the fault should have killed it")
	}

	proc2 := startProcess(t, dir, args...)
	c := sandboxClient(t, proc2.baseURL, sm)
	for i, req := range reqs {
		inq, err := c.InquiryPayment(context.Background(), &ams.InquiryPaymentRequest{PaymentRequestID: req.PaymentRequestID})
		if err != nil {
			t.Fatalf("inquiryPayment %s: %v", req.PaymentRequestID, err)
		}
		if inq.Result.ResultCode != "ORDER_NOT_EXIST" {
			t.Errorf("pay %d, killed before its transaction committed, left a payment: %s %+v", i, inq.PaymentStatus, inq.Result)
		}
	}

	for i, cs := range cases {
		req := reqs[i]
		resp, err := c.Pay(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Result.ResultCode != cs.code {
			t.Errorf("retry of pay %d after the crash: %+v, want %s", i, resp.Result, cs.code)
		}
		inq, err := c.InquiryPayment(context.Background(), &ams.InquiryPaymentRequest{PaymentRequestID: req.PaymentRequestID})
		if err != nil {
			t.Fatal(err)
		}
		captured := false
		for _, tx := range inq.Transactions {
			captured = captured || tx.TransactionType == ams.TransactionCapture && tx.TransactionStatus == "SUCCESS"
		}
		wantCaptured := cs.status == "SUCCESS" && cs.capture == ams.CaptureAutomatic
		if inq.PaymentStatus != cs.status || inq.PaymentResultCode != cs.code || captured != wantCaptured {
			t.Errorf("payment %d (%s, %s): %s %s captured %v; want %s %s captured %v", i, card.Mask(cs.card), cs.capture,
				inq.PaymentStatus, inq.PaymentResultCode, captured, cs.status, cs.code, wantCaptured)
		}
		again, err := c.Pay(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if again.PaymentID != inq.PaymentID || again.Result.ResultCode != cs.code {
			t.Errorf("second retry of payment %d: %s %+v, want %s %s", i, again.PaymentID, again.Result, inq.PaymentID, cs.code)
		}
		eventually(t, "the notifications of payment "+strconv.Itoa(i), func() bool {
			notified := map[string]bool{}
			for _, n := range endpoint.all() {
				var b struct{ NotifyType, PaymentID string }
				json.Unmarshal(n.body, &b)
				notified[b.NotifyType] = notified[b.NotifyType] || b.PaymentID == inq.PaymentID
			}
			return notified["PAYMENT_RESULT"] && notified["CAPTURE_RESULT"] == wantCaptured
		})
	}
}

func readSandboxMerchant(t *testing.T, dir string) sandbox.Merchant {
	t.Helper()
	var sm sandbox.Merchant
	data, err := os.ReadFile(filepath.Join(dir, "sandbox-merchant.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sm); err != nil {
		t.Fatal(err)
	}
	return sm
}

func sandboxClient(t *testing.T, baseURL string, sm sandbox.Merchant) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{BaseURL: baseURL, ClientID: sm.ClientID, MerchantPrivateKey: sm.MerchantPrivateKey,
		GatewayPublicKey: sm.GatewayPublicKey, HTTPClient: &http.Client{Timeout: 30 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCrashUnderConcurrentPays kills the gateway with SIGKILL while many pays are in flight,
// so that the kill lands in the middle of batches of group commit (SQLite) or of concurrent
// transactions (PostgreSQL). Every pay answered SUCCESS before the kill must be in the store
// after a restart, as the gateway said, and its notification must reach the merchant: an
// answer is sent only once its state is durable.
func TestCrashUnderConcurrentPays(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	args := []string{"--api-rate", "0", "--notify-timeout", "3s"}
	if db := testDB(t); db != "" {
		args = append(args, "--db", db)
	}
	endpoint := newMerchantEndpoint(t, func(n int, w http.ResponseWriter) { ack(w) })
	proc := startProcess(t, dir, args...)
	sm := readSandboxMerchant(t, dir)
	c := sandboxClient(t, proc.baseURL, sm)

	const workers, killAfter = 16, 150
	var mu sync.Mutex
	acked := map[string]string{} // paymentRequestId → paymentId, answered SUCCESS
	unanswered := 0
	killed := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := 0; ; i++ {
				req := payReq(visaOK, "USD", int64(100+w*1000+i))
				req.PaymentNotifyURL = endpoint.srv.URL + "/notify"
				resp, err := c.Pay(context.Background(), req)
				mu.Lock()
				switch {
				case err != nil:
					unanswered++
				case resp.Result.ResultCode == "SUCCESS":
					acked[req.PaymentRequestID] = resp.PaymentID
				default:
					t.Errorf("pay answered %+v", resp.Result)
				}
				mu.Unlock()
				select {
				case <-killed:
					return
				default:
				}
				if err != nil {
					return
				}
			}
		})
	}
	eventually(t, strconv.Itoa(killAfter)+" pays answered", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= killAfter
	})
	if err := proc.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	close(killed)
	proc.cmd.Wait()
	wg.Wait()
	if unanswered == 0 {
		t.Fatal("no pay was in flight when the gateway died; the kill proves nothing")
	}

	proc2 := startProcess(t, dir, args...)
	c2 := sandboxClient(t, proc2.baseURL, sm)
	lost := 0
	for reqID, paymentID := range acked {
		inq, err := c2.InquiryPayment(context.Background(), &ams.InquiryPaymentRequest{PaymentRequestID: reqID})
		if err != nil {
			t.Fatalf("inquiryPayment %s: %v", reqID, err)
		}
		if inq.PaymentID != paymentID || inq.PaymentStatus != "SUCCESS" {
			lost++
			t.Errorf("payment %s answered SUCCESS as %s before the crash; after it: %s %s %+v", reqID, paymentID, inq.PaymentID, inq.PaymentStatus, inq.Result)
		}
	}
	eventually(t, "the notification of every acknowledged payment", func() bool {
		notified := map[string]bool{}
		for _, n := range endpoint.all() {
			var b struct{ NotifyType, PaymentID string }
			json.Unmarshal(n.body, &b)
			notified[b.PaymentID] = notified[b.PaymentID] || b.NotifyType == "PAYMENT_RESULT"
		}
		for _, paymentID := range acked {
			if !notified[paymentID] {
				return false
			}
		}
		return true
	})
	t.Logf("%d pays acknowledged before the kill, %d in flight at it, %d lost", len(acked), unanswered, lost)
}
