package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
	"github.com/cashierpay/cashier/internal/cli"
	"github.com/cashierpay/cashier/internal/sandbox"
)

// served is a `cashier serve` running in-process.
type served struct {
	http, https string // base URLs of the two listeners
	banner      string // what serve printed on start
}

// startServe runs `cashier serve` in-process on free ports, with args added, and returns
// its URLs and a stop function that waits for a clean exit.
func startServe(t *testing.T, dir, db string, args ...string) (*served, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	exit := make(chan int, 1)
	argv := append([]string{"serve", "--listen", "127.0.0.1:0", "--https-listen", "127.0.0.1:0", "--data", dir, "--db", db}, args...)
	go func() {
		exit <- cli.Main(ctx, argv, pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	re := regexp.MustCompile(`listening on (http://\S+)(?: and (https://\S+))?`)
	s := &served{}
	var banner strings.Builder
	for sc.Scan() {
		banner.WriteString(sc.Text() + "\n")
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			s.http, s.https = m[1], m[2]
		}
		if strings.Contains(sc.Text(), "try it:") {
			break
		}
	}
	s.banner = banner.String()
	go io.Copy(io.Discard, pr)
	if s.http == "" {
		cancel()
		t.Fatalf("serve did not print its address (exit %d): %s", <-exit, s.banner)
	}
	return s, func() {
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
	t.Parallel()
	dir, db := t.TempDir(), testDB(t)
	srv, stop := startServe(t, dir, db)
	base := srv.http

	var sm sandbox.Merchant
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
	var added map[string]any
	if err := json.Unmarshal(out.Bytes(), &added); err != nil || added["clientId"] != "SHOP_1" || added["gatewayPublicKey"] != sm.GatewayPublicKey || added["keyVersion"] != 1.0 {
		t.Fatalf("merchant add printed %s", out.String())
	}
	if code := cli.Main(context.Background(), []string{"merchant", "add", "--data", dir, "--db", db, "--client-id", "SHOP_1", "--public-key", ams.EncodePublicKey(&key.PublicKey)}, io.Discard, io.Discard); code == 0 {
		t.Fatal("adding the same client id twice succeeded")
	}
	if code := cli.Main(context.Background(), []string{"merchant", "add", "--data", dir, "--db", db, "--client-id", "SHOP_2", "--public-key", "not a key"}, io.Discard, io.Discard); code == 0 {
		t.Fatal("a bad public key was accepted")
	}
	shop, err := client.New(client.Config{BaseURL: base, ClientID: "SHOP_1", MerchantPrivateKey: ams.EncodePrivateKey(key), GatewayPublicKey: added["gatewayPublicKey"].(string)})
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
	// One merchant can neither see nor touch another's payments and refunds: each answers
	// as if the id did not exist.
	ctx := context.Background()
	ref, err := shop.Refund(ctx, &ams.RefundRequest{RefundRequestID: uniq("refund"), PaymentID: resp.PaymentID, RefundAmount: &ams.Amount{Currency: "EUR", Value: "40"}})
	if err != nil || ref.Result.ResultCode != "SUCCESS" {
		t.Fatalf("new merchant refund: %+v %v", ref, err)
	}
	inq, _ := c.InquiryPayment(ctx, &ams.InquiryPaymentRequest{PaymentID: resp.PaymentID})
	capt, _ := c.Capture(ctx, &ams.CaptureRequest{CaptureRequestID: uniq("capture"), PaymentID: resp.PaymentID, CaptureAmount: &ams.Amount{Currency: "EUR", Value: "100"}})
	canc, _ := c.Cancel(ctx, &ams.CancelRequest{PaymentID: resp.PaymentID})
	refu, _ := c.Refund(ctx, &ams.RefundRequest{RefundRequestID: uniq("refund"), PaymentID: resp.PaymentID, RefundAmount: &ams.Amount{Currency: "EUR", Value: "10"}})
	inqr, _ := c.InquiryRefund(ctx, &ams.InquiryRefundRequest{RefundID: ref.RefundID})
	for name, r := range map[string]ams.Result{"inquiryPayment": inq.Result, "capture": capt.Result, "cancel": canc.Result, "refund": refu.Result, "inquiryRefund": inqr.Result} {
		if r.ResultCode != "ORDER_NOT_EXIST" {
			t.Errorf("cross-merchant %s: %+v", name, r)
		}
	}
	if own, _ := shop.InquiryRefund(ctx, &ams.InquiryRefundRequest{RefundID: ref.RefundID}); own.RefundStatus != ams.RefundSuccess {
		t.Fatalf("own refund inquiry after the other merchant's attempts: %+v", own)
	}
	stop()

	// A second start reuses the keys and the sandbox merchant.
	srv2, stop2 := startServe(t, dir, db)
	defer stop2()
	base2 := srv2.http
	data2, _ := os.ReadFile(filepath.Join(dir, "sandbox-merchant.json"))
	var sm2 sandbox.Merchant
	json.Unmarshal(data2, &sm2)
	if sm2.ClientID != sm.ClientID || sm2.GatewayPublicKey != sm.GatewayPublicKey || sm2.BaseURL != base2 {
		t.Fatalf("restart changed the sandbox merchant: %+v vs %+v", sm2, sm)
	}
}

// TestServeBannerAndCall: the start banner lists what a merchant needs, commands run beside
// the server leave sandbox-merchant.json alone, and the banner's own `cashier call` example
// works as printed, over HTTPS with the sandbox CA.
func TestServeBannerAndCall(t *testing.T) {
	t.Parallel()
	dir, db := t.TempDir(), testDB(t)
	srv, stop := startServe(t, dir, db)
	defer stop()
	for _, want := range []string{
		"createPaymentSession", srv.https + "/checkout/", srv.https + "/sdk/ams-checkout.js", "sandbox-ca.pem",
		"notify URL:        none", "try it:            cashier call pay", "signer:            ",
	} {
		if !strings.Contains(srv.banner, want) {
			t.Errorf("the banner lacks %q:\n%s", want, srv.banner)
		}
	}
	merchantFile := filepath.Join(dir, "sandbox-merchant.json")
	before, _ := os.ReadFile(merchantFile)
	var sm sandbox.Merchant
	if err := json.Unmarshal(before, &sm); err != nil || sm.BaseURL != srv.http || sm.HTTPSBaseURL != srv.https {
		t.Fatalf("sandbox-merchant.json: %s (%v)", before, err)
	}
	for _, args := range [][]string{{"merchant", "list"}, {"notifications", "list"}, {"migrate"}} {
		if code := cli.Main(context.Background(), append(args, "--data", dir, "--db", db), io.Discard, io.Discard); code != 0 {
			t.Fatalf("%v exited %d", args, code)
		}
		if after, _ := os.ReadFile(merchantFile); !bytes.Equal(after, before) {
			t.Fatalf("%v rewrote sandbox-merchant.json:\n%s\nwas\n%s", args, after, before)
		}
	}

	// The banner's example, run as printed.
	m := regexp.MustCompile(`(?m)try it:\s+cashier call (\S+) --merchant (\S+) --data '(.*)'$`).FindStringSubmatch(srv.banner)
	if m == nil || m[2] != merchantFile {
		t.Fatalf("no runnable example in the banner:\n%s", srv.banner)
	}
	var out, errOut bytes.Buffer
	if code := cli.Main(context.Background(), []string{"call", m[1], "--merchant", m[2], "--data", m[3], "-v"}, &out, &errOut); code != 0 {
		t.Fatalf("call exited %d: %s", code, errOut.String())
	}
	var paid ams.PayResponse
	if err := json.Unmarshal(out.Bytes(), &paid); err != nil || paid.Result.ResultCode != "SUCCESS" || paid.PaymentAmount.Value != "1050" {
		t.Fatalf("call pay printed %s (%v)", out.String(), err)
	}
	for _, want := range []string{
		"> POST " + srv.https + "/ams/sandbox/api/v1/payments/pay",
		"POST /ams/sandbox/api/v1/payments/pay\n" + sm.ClientID + ".", // the merchant's signed content
		"< HTTP 200", `"resultCode":"SUCCESS"`,
	} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("call -v lacks %q:\n%s", want, errOut.String())
		}
	}

	// Over plain HTTP, with the body from a file; and a wrong gateway key is an error.
	bodyFile := filepath.Join(t.TempDir(), "inquiry.json")
	os.WriteFile(bodyFile, []byte(`{"paymentId":"`+paid.PaymentID+`"}`), 0o600)
	out.Reset()
	if code := cli.Main(context.Background(), []string{"call", "inquiryPayment", "--merchant", merchantFile, "--url", srv.http, "--data", "@" + bodyFile}, &out, io.Discard); code != 0 || !strings.Contains(out.String(), `"paymentStatus": "SUCCESS"`) {
		t.Fatalf("call inquiryPayment over HTTP: exit %d, %s", code, out.String())
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	wrong := sm
	wrong.GatewayPublicKey = ams.EncodePublicKey(&other.PublicKey)
	wrong.GatewayPublicKeys = map[string]string{"1": wrong.GatewayPublicKey}
	wrongFile := filepath.Join(dir, "wrong-merchant.json")
	data, _ := json.Marshal(wrong)
	os.WriteFile(wrongFile, data, 0o600)
	errOut.Reset()
	if code := cli.Main(context.Background(), []string{"call", "inquiryPayment", "--merchant", wrongFile, "--data", `{"paymentId":"x"}`}, io.Discard, &errOut); code == 0 || !strings.Contains(errOut.String(), "does not verify") {
		t.Fatalf("a response that the configured gateway key cannot verify was accepted: exit %d, %s", code, errOut.String())
	}
}

// TestServeWithCertificateFiles: --tls-cert/--tls-key serve the operator's certificate
// instead of the sandbox one.
func TestServeWithCertificateFiles(t *testing.T) {
	t.Parallel()
	dir, certDir := t.TempDir(), t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "pay.example"},
		DNSNames: []string{"pay.example"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile, keyFile := filepath.Join(certDir, "cert.pem"), filepath.Join(certDir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)

	if code := cli.Main(context.Background(), []string{"serve", "--data", dir, "--tls-cert", certFile, "--tls-key", keyFile, "--tls-hosts", "x"}, io.Discard, io.Discard); code == 0 {
		t.Fatal("--tls-hosts with --tls-cert was accepted")
	}
	srv, stop := startServe(t, dir, testDB(t), "--tls-cert", certFile, "--tls-key", keyFile)
	defer stop()
	if strings.Contains(srv.banner, "sandbox CA") || !strings.Contains(srv.banner, "pay.example") {
		t.Fatalf("banner:\n%s", srv.banner)
	}
	if _, err := os.Stat(filepath.Join(dir, "sandbox-ca.pem")); err == nil {
		t.Fatal("a sandbox CA was made although a certificate was given")
	}
	m := loadSDKMerchant(t, dir, certFile)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.https, "https://"))
	for _, style := range []sdkStyle{javaSDK, phpSDK} {
		r, err := sdkCall(style, m, "https://pay.example:"+port, inquiryPath, "127.0.0.1:"+port, []byte(`{"paymentId":"x"}`))
		if err != nil || r.result(t).ResultCode != "ORDER_NOT_EXIST" {
			t.Fatalf("%s with the operator's certificate: %v", style.name, err)
		}
	}
}
