package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
	"github.com/cashierpay/cashier/internal/cli"
)

// startServe runs `cashier serve` in-process on a free port and returns its base URL and a
// stop function that waits for a clean exit.
func startServe(t *testing.T, dir, db string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	exit := make(chan int, 1)
	go func() {
		exit <- cli.Main(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--data", dir, "--db", db}, pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	re := regexp.MustCompile(`listening on (http://\S+)`)
	var base string
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if base == "" {
		cancel()
		t.Fatalf("serve did not print its address (exit %d)", <-exit)
	}
	return base, func() {
		cancel()
		select {
		case code := <-exit:
			if code != 0 {
				t.Errorf("serve exited %d", code)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	}
}

func TestServeAndMerchantAdd(t *testing.T) {
	dir, db := t.TempDir(), testDB(t)
	base, stop := startServe(t, dir, db)

	var sm cli.SandboxMerchant
	data, err := os.ReadFile(filepath.Join(dir, "sandbox-merchant.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sm); err != nil {
		t.Fatal(err)
	}
	if sm.BaseURL != base || len(sm.ClientID) < 10 || sm.ClientID[:8] != "SANDBOX_" {
		t.Fatalf("sandbox-merchant.json: %+v", sm)
	}
	c, err := client.New(client.Config{BaseURL: sm.BaseURL, ClientID: sm.ClientID, MerchantPrivateKey: sm.MerchantPrivateKey, GatewayPublicKey: sm.GatewayPublicKey})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Pay(context.Background(), payReq(visaOK, "USD", 100))
	if err != nil || resp.Result.ResultCode != "SUCCESS" {
		t.Fatalf("sandbox merchant pay: %+v %v", resp, err)
	}

	// Register a merchant with the CLI while the server runs; the server sees it at once.
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	pemFile := filepath.Join(t.TempDir(), "pub.pem")
	os.WriteFile(pemFile, []byte("-----BEGIN PUBLIC KEY-----\n"+ams.EncodePublicKey(&key.PublicKey)+"\n-----END PUBLIC KEY-----\n"), 0o600)
	var out bytes.Buffer
	if code := cli.Main(context.Background(), []string{"merchant", "add", "--data", dir, "--db", db, "--client-id", "SHOP_1", "--public-key", "@" + pemFile, "--notify-url", "https://shop.example/notify", "--name", "Shop"}, &out, os.Stderr); code != 0 {
		t.Fatalf("merchant add exited %d", code)
	}
	var added map[string]string
	if err := json.Unmarshal(out.Bytes(), &added); err != nil || added["clientId"] != "SHOP_1" || added["gatewayPublicKey"] != sm.GatewayPublicKey {
		t.Fatalf("merchant add printed %s", out.String())
	}
	if code := cli.Main(context.Background(), []string{"merchant", "add", "--data", dir, "--db", db, "--client-id", "SHOP_1", "--public-key", ams.EncodePublicKey(&key.PublicKey)}, io.Discard, io.Discard); code == 0 {
		t.Fatal("adding the same client id twice succeeded")
	}
	if code := cli.Main(context.Background(), []string{"merchant", "add", "--data", dir, "--db", db, "--client-id", "SHOP_2", "--public-key", "not a key"}, io.Discard, io.Discard); code == 0 {
		t.Fatal("a bad public key was accepted")
	}
	shop, err := client.New(client.Config{BaseURL: base, ClientID: "SHOP_1", MerchantPrivateKey: ams.EncodePrivateKey(key), GatewayPublicKey: added["gatewayPublicKey"]})
	if err != nil {
		t.Fatal(err)
	}
	resp, err = shop.Pay(context.Background(), payReq(mcOK, "EUR", 100))
	if err != nil || resp.Result.ResultCode != "SUCCESS" {
		t.Fatalf("new merchant pay: %+v %v", resp, err)
	}
	// Without --test-clock there is no clock endpoint.
	if r, err := http.Get(base + "/sandbox/clock"); err != nil || r.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /sandbox/clock without --test-clock: %v %v", err, r)
	}
	// One merchant cannot see another's payments.
	inq, _ := c.InquiryPayment(context.Background(), &ams.InquiryPaymentRequest{PaymentID: resp.PaymentID})
	if inq.Result.ResultCode != "ORDER_NOT_EXIST" {
		t.Fatalf("cross-merchant inquiry: %+v", inq.Result)
	}
	stop()

	// A second start reuses the keys and the sandbox merchant.
	base2, stop2 := startServe(t, dir, db)
	defer stop2()
	data2, _ := os.ReadFile(filepath.Join(dir, "sandbox-merchant.json"))
	var sm2 cli.SandboxMerchant
	json.Unmarshal(data2, &sm2)
	if sm2.ClientID != sm.ClientID || sm2.GatewayPublicKey != sm.GatewayPublicKey || sm2.BaseURL != base2 {
		t.Fatalf("restart changed the sandbox merchant: %+v vs %+v", sm2, sm)
	}
}
