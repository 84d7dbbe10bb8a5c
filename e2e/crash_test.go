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
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cashierpay/cashier/client"
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
