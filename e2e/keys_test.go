package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
	"github.com/cashierpay/cashier/internal/cli"
)

// TestPageAndCSRFKeysOwnAndRotatable: the keys of hosted-page links and of the pages' forms
// live in the keyring, not in the gateway's signing key: a node with another signing key on
// the same data dir opens the links and accepts the forms of the first. After
// vault rotate-key --page, links handed out before still open, a node started since makes
// links with the new key, and a node started before accepts them at once.
// Not parallel: it sets the environment, which the other tests' gateways read.
func TestPageAndCSRFKeysOwnAndRotatable(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	token := pageToken(t, e.pay(hostedReq("USD", 1050, "")))

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(e.baseURL + "/checkout/" + token)
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	page.ReadFrom(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page.String())
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("hosted page: %d, csrf field %v", resp.StatusCode, m)
	}

	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("CASHIER_GATEWAY_PRIVATE_KEY", ams.EncodePrivateKey(other))
	resigned := e.peer()
	if _, err := resigned.app.Checkout.HostedPage(ctx, token); err != nil {
		t.Fatalf("a node with another signing key refuses the link: %v", err)
	}
	// The cookie is bound to the page's path, not to the host: carry it over by hand.
	u, _ := url.Parse(e.baseURL + "/checkout/" + token)
	to, _ := url.Parse(resigned.baseURL + "/checkout/" + token)
	jar.SetCookies(to, jar.Cookies(u))
	resp, err = browser.PostForm(to.String(), url.Values{"csrf": {m[1]}, "locale": {"en_US"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusForbidden {
		t.Fatal("a node with another signing key refuses the form's CSRF token")
	}
	os.Unsetenv("CASHIER_GATEWAY_PRIVATE_KEY")

	var out bytes.Buffer
	if code := cli.Main(ctx, []string{"vault", "rotate-key", "--page", "--data", e.dir, "--db", e.db}, &out, os.Stderr); code != 0 {
		t.Fatalf("vault rotate-key --page: exit %d", code)
	}
	var rotated map[string]any
	if err := json.Unmarshal(out.Bytes(), &rotated); err != nil || !strings.HasPrefix(rotated["pageKeyId"].(string), "p2-") || rotated["activeKeyId"] != nil {
		t.Fatalf("vault rotate-key --page printed %s (%v); want the new page key alone", out.String(), err)
	}
	later := e.peer()
	if _, err := later.app.Checkout.HostedPage(ctx, token); err != nil {
		t.Fatalf("a link handed out before the rotation no longer opens: %v", err)
	}
	fresh := pageToken(t, later.pay(hostedReq("USD", 1050, "")))
	if _, err := e.app.Checkout.HostedPage(ctx, fresh); err != nil {
		t.Fatalf("a node started before the rotation refuses a link made with the new key: %v", err)
	}
}

// admin runs a cashier command on e's data dir (and database, but for the gateway's keys,
// which live in the data dir alone) and returns its exit code and what it printed.
func (e *env) admin(args ...string) (int, string, string) {
	e.t.Helper()
	args = append(args, "--data", e.dir)
	if args[0] != "keys" {
		args = append(args, "--db", e.db)
	}
	var out, errOut bytes.Buffer
	code := cli.Main(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// authResult is the result code a merchant's call gets once past authentication: an
// inquiry of a payment that does not exist answers ORDER_NOT_EXIST when the signature
// verified, and the refusal's code otherwise.
func authResult(t *testing.T, c *client.Client) string {
	t.Helper()
	resp, err := c.InquiryPayment(context.Background(), &ams.InquiryPaymentRequest{PaymentID: "no-such-payment"})
	if err != nil {
		t.Fatalf("inquiryPayment: %v", err)
	}
	return resp.Result.ResultCode
}

// TestMerchantKeyRotation: a merchant adds key 2 beside key 1; requests signed with either
// pass, named by version or not (as the official SDKs send keyVersion=1 whatever key
// signs); key 1 retired, its requests are refused with KEY_NOT_FOUND and key 2's pass; the
// last key cannot be retired.
func TestMerchantKeyRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sm := e.app.SandboxClient
	newKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemFile := filepath.Join(t.TempDir(), "new.pem")
	os.WriteFile(pemFile, []byte("-----BEGIN PUBLIC KEY-----\n"+ams.EncodePublicKey(&newKey.PublicKey)+"\n-----END PUBLIC KEY-----\n"), 0o600)
	code, out, errOut := e.admin("merchant", "keys", "add", "--merchant", sm.ClientID, "--public-key", "@"+pemFile)
	var added struct {
		KeyVersion int `json:"keyVersion"`
	}
	if json.Unmarshal([]byte(out), &added); code != 0 || added.KeyVersion != 2 {
		t.Fatalf("merchant keys add: exit %d %s %s; want key version 2", code, out, errOut)
	}
	if code, _, errOut := e.admin("merchant", "keys", "add", "--merchant", sm.ClientID, "--public-key", "@"+pemFile); code != 1 || !strings.Contains(errOut, "already") {
		t.Fatalf("adding the same key twice: exit %d %q", code, errOut)
	}

	signer := func(key, version string) *client.Client {
		c, err := client.New(client.Config{BaseURL: e.baseURL, ClientID: sm.ClientID, MerchantPrivateKey: key, KeyVersion: version,
			GatewayPublicKey: sm.GatewayPublicKey})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	newPriv := ams.EncodePrivateKey(newKey)
	v1, v2, v2asSDK, v1named7 := signer(sm.MerchantPrivateKey, "1"), signer(newPriv, "2"), signer(newPriv, "1"), signer(sm.MerchantPrivateKey, "7")
	for name, c := range map[string]*client.Client{"key 1": v1, "key 2": v2, "key 2 named 1": v2asSDK, "key 1 named 7": v1named7} {
		if got := authResult(t, c); got != "ORDER_NOT_EXIST" {
			t.Errorf("during the overlap, %s: %s; want it to pass", name, got)
		}
	}
	// A real pay with the new key, to the end.
	c2 := signer(newPriv, "2")
	if resp, err := c2.Pay(context.Background(), payReq(visaOK, "USD", 700)); err != nil || resp.Result.ResultCode != "SUCCESS" {
		t.Fatalf("pay signed with key 2: %+v %v", resp, err)
	}
	// No keyVersion at all: the latest key, and the others.
	for _, k := range []string{newPriv, sm.MerchantPrivateKey} {
		if code := unversionedResult(t, e, k); code != "ORDER_NOT_EXIST" {
			t.Errorf("without keyVersion during the overlap: %s", code)
		}
	}

	if code, out, errOut := e.admin("merchant", "keys", "retire", "--merchant", sm.ClientID, "--version", "1"); code != 0 || !strings.Contains(out, "retiredAt") {
		t.Fatalf("merchant keys retire --version 1: exit %d %s %s", code, out, errOut)
	}
	for name, c := range map[string]*client.Client{"key 1": v1, "key 1 named 7": v1named7} {
		if got := authResult(t, c); got != "KEY_NOT_FOUND" {
			t.Errorf("after retiring key 1, %s: %s; want KEY_NOT_FOUND", name, got)
		}
	}
	for name, c := range map[string]*client.Client{"key 2": v2, "key 2 named 1": v2asSDK} {
		if got := authResult(t, c); got != "ORDER_NOT_EXIST" {
			t.Errorf("after retiring key 1, %s: %s; want it to pass", name, got)
		}
	}
	if code := unversionedResult(t, e, newPriv); code != "ORDER_NOT_EXIST" {
		t.Errorf("key 2 without keyVersion after retiring key 1: %s", code)
	}
	if code := unversionedResult(t, e, sm.MerchantPrivateKey); code != "INVALID_SIGNATURE" {
		t.Errorf("key 1 without keyVersion after its retirement: %s; want INVALID_SIGNATURE", code)
	}

	if code, _, errOut := e.admin("merchant", "keys", "retire", "--merchant", sm.ClientID, "--version", "2"); code != 1 || !strings.Contains(errOut, "last key") {
		t.Fatalf("retiring the last key: exit %d %q; want a refusal naming the reason", code, errOut)
	}
	if code, _, errOut := e.admin("merchant", "keys", "retire", "--merchant", sm.ClientID, "--version", "1"); code != 1 || !strings.Contains(errOut, "retired") {
		t.Fatalf("retiring key 1 again: exit %d %q", code, errOut)
	}
	code, out, _ = e.admin("merchant", "keys", "list", "--merchant", sm.ClientID)
	var list []struct {
		KeyVersion int    `json:"keyVersion"`
		State      string `json:"state"`
	}
	if json.Unmarshal([]byte(out), &list); code != 0 || len(list) != 2 || list[0].State != "retired" || list[1].State != "active" {
		t.Fatalf("merchant keys list: exit %d %s", code, out)
	}
}

// unversionedResult sends an inquiry signed with key whose Signature names no keyVersion
// and which carries no Key-Version header, and returns its result code.
func unversionedResult(t *testing.T, e *env, key string) string {
	t.Helper()
	priv, err := ams.ParsePrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := "/ams/sandbox/api/v1/payments/inquiryPayment"
	body := []byte(`{"paymentId":"no-such-payment"}`)
	reqTime := strconv.FormatInt(time.Now().UnixMilli(), 10)
	sig, err := ams.RSASigner{Key: priv}.Sign(ams.SignContent("POST", path, e.app.SandboxClient.ClientID, reqTime, body))
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("Client-Id", e.app.SandboxClient.ClientID)
	h.Set("Request-Time", reqTime)
	h.Set("Signature", "algorithm=RSA256,signature="+url.QueryEscape(base64.StdEncoding.EncodeToString(sig)))
	resp, data := e.rawCall("POST", path, body, h)
	if err := e.verifyGatewaySignature(path, resp, data); err != nil {
		t.Fatalf("answer not signed by the gateway: %v", err)
	}
	var out ams.ErrorResponse
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out.Result.ResultCode
}

// signatureKey carries a notification's Signature header to the merchant's function.
type signatureKey struct{}

// TestGatewayKeyRotation: the gateway adds key 2 and publishes it (merchant show) while
// still signing with key 1; a merchant loads both; once key 2 is activated, a node started
// since signs responses and notifications with it and names keyVersion=2, and the merchant
// holding both keys verifies old and new alike, while one holding key 1 alone cannot. The
// active key cannot be retired; the old one can.
func TestGatewayKeyRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sm := e.app.SandboxClient
	code, out, errOut := e.admin("keys", "add")
	var added struct {
		KeyVersion int `json:"keyVersion"`
		Signing    int `json:"signing"`
	}
	if json.Unmarshal([]byte(out), &added); code != 0 || added.KeyVersion != 2 || added.Signing != 1 {
		t.Fatalf("keys add: exit %d %s %s", code, out, errOut)
	}
	code, out, errOut = e.admin("merchant", "show", "--client-id", sm.ClientID)
	var shown struct {
		GatewayKeyVersion string            `json:"gatewayKeyVersion"`
		GatewayPublicKeys map[string]string `json:"gatewayPublicKeys"`
		Keys              []struct {
			KeyVersion int `json:"keyVersion"`
		} `json:"keys"`
	}
	if json.Unmarshal([]byte(out), &shown); code != 0 || shown.GatewayKeyVersion != "1" || len(shown.GatewayPublicKeys) != 2 ||
		shown.GatewayPublicKeys["1"] != sm.GatewayPublicKey || len(shown.Keys) != 1 {
		t.Fatalf("merchant show: exit %d %s %s", code, out, errOut)
	}

	// The merchant loads both keys: client and notification handler.
	both := func(base string) *client.Client {
		c, err := client.New(client.Config{BaseURL: base, ClientID: sm.ClientID, MerchantPrivateKey: sm.MerchantPrivateKey, GatewayPublicKeys: shown.GatewayPublicKeys})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	var mu sync.Mutex
	versions := map[string]string{} // paymentId → keyVersion of its verified PAYMENT_RESULT
	handler := both(e.baseURL).NotificationHandler(func(ctx context.Context, n client.Notification) error {
		if n.Payment == nil {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		versions[n.Payment.PaymentID] = ctx.Value(signatureKey{}).(string)
		return nil
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), signatureKey{}, r.Header.Get("Signature"))))
	}))
	defer srv.Close()
	payAndNotify := func(c *client.Client, wantVersion string) {
		t.Helper()
		req := payReq(visaOK, "USD", 900)
		req.PaymentNotifyURL = srv.URL + "/notify"
		body, _ := json.Marshal(req)
		x, err := c.Send(context.Background(), "pay", body)
		if err != nil {
			t.Fatalf("pay: %v", err)
		}
		if h, err := ams.ParseSignatureHeader(x.Header.Get("Signature")); err != nil || h.KeyVersion != wantVersion {
			t.Fatalf("response Signature %q; want keyVersion %s", x.Header.Get("Signature"), wantVersion)
		}
		var resp ams.PayResponse
		json.Unmarshal(x.ResponseBody, &resp)
		eventually(t, "the payment's notification, verified", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return versions[resp.PaymentID] != ""
		})
		mu.Lock()
		defer mu.Unlock()
		if h, err := ams.ParseSignatureHeader(versions[resp.PaymentID]); err != nil || h.KeyVersion != wantVersion {
			t.Fatalf("notification Signature %q; want keyVersion %s", versions[resp.PaymentID], wantVersion)
		}
	}
	payAndNotify(both(e.baseURL), "1")

	if code, out, errOut := e.admin("keys", "activate", "--version", "2"); code != 0 {
		t.Fatalf("keys activate: exit %d %s %s", code, out, errOut)
	}
	rotated := e.peer()
	if rotated.app.GatewayKeyVersion != "2" || rotated.app.SandboxClient.GatewayPublicKey != shown.GatewayPublicKeys["2"] {
		t.Fatalf("a node started after the activation signs with key %s", rotated.app.GatewayKeyVersion)
	}
	// The merchant holding both keys verifies the old node and the new one.
	if got := authResult(t, both(e.baseURL)); got != "ORDER_NOT_EXIST" {
		t.Fatalf("the node still on key 1: %s", got)
	}
	e.stop() // from here on, only the rotated node sends notifications
	payAndNotify(both(rotated.baseURL), "2")

	// A merchant that kept key 1 alone cannot read the new key's answers.
	old, err := client.New(client.Config{BaseURL: rotated.baseURL, ClientID: sm.ClientID, MerchantPrivateKey: sm.MerchantPrivateKey, GatewayPublicKey: sm.GatewayPublicKey})
	if err != nil {
		t.Fatal(err)
	}
	var se *client.SignatureError
	if _, err := old.InquiryPayment(context.Background(), &ams.InquiryPaymentRequest{PaymentID: "x"}); !errors.As(err, &se) {
		t.Fatalf("a merchant holding only key 1 read an answer signed with key 2: %v", err)
	}

	if code, _, errOut := rotated.admin("keys", "retire", "--version", "2"); code != 1 || !strings.Contains(errOut, "signs with") {
		t.Fatalf("retiring the active key: exit %d %q", code, errOut)
	}
	if code, out, errOut := rotated.admin("keys", "retire", "--version", "1"); code != 0 {
		t.Fatalf("keys retire --version 1: exit %d %s %s", code, out, errOut)
	}
	code, out, _ = rotated.admin("keys", "list")
	var listed struct {
		Signing    int               `json:"signing"`
		PublicKeys map[string]string `json:"publicKeys"`
		Retired    []int             `json:"retired"`
	}
	if json.Unmarshal([]byte(out), &listed); code != 0 || listed.Signing != 2 || len(listed.PublicKeys) != 1 || fmt.Sprint(listed.Retired) != "[1]" {
		t.Fatalf("keys list after retiring key 1: exit %d %s", code, out)
	}
	if restarted := rotated.peer(); len(restarted.app.GatewayPublicKeys) != 1 || restarted.app.SandboxClient.GatewayPublicKeys["1"] != "" {
		t.Fatalf("a node started after key 1's retirement still publishes it: %v", restarted.app.GatewayPublicKeys)
	}
}
