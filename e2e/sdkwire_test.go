package e2e

import (
	"bufio"
	"bytes"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/sandbox"
)

// sdkStyle is how one official Antom SDK behaves on the wire, as shared/spec/sdk-wire.md
// describes it. None of the SDKs can run here, so these tests reproduce what they do with
// raw connections: the exact path sent and signed, the header names read, the TLS checks.
type sdkStyle struct {
	name string
	// httpsOnly: Java refuses an http:// URL ("Only supports HTTPS.") before connecting.
	httpsOnly bool
	// anyChain: Java accepts any certificate chain but checks that the certificate names
	// the host of the URL. Without it the chain must lead to the sandbox CA.
	anyChain bool
	// exactHeaders: Python looks up signature, response-time and client-id by exactly
	// those names and fails with "signature not exist" otherwise.
	exactHeaders bool
	// skipsWithoutTime: PHP searches the header lines case-sensitively for response-time
	// and, finding none, returns the body without verifying it.
	skipsWithoutTime bool
	// verifySentPath: Go, with a base URL ending in "/", sends //ams/..., signs /ams/...
	// and verifies the response over the path it sent.
	verifySentPath bool
	// absoluteForm: Python puts the whole URL in the request line ("POST https://host//ams/..."
	// with a base URL ending in "/") and signs and verifies over the API's path.
	absoluteForm bool
}

var (
	javaSDK   = sdkStyle{name: "java", httpsOnly: true, anyChain: true}
	pythonSDK = sdkStyle{name: "python", exactHeaders: true, absoluteForm: true}
	phpSDK    = sdkStyle{name: "php", skipsWithoutTime: true}
	goSDK     = sdkStyle{name: "go", verifySentPath: true}
)

// sdkMerchant is what a merchant configures an SDK with.
type sdkMerchant struct {
	clientID string
	key      *rsa.PrivateKey
	gateway  *rsa.PublicKey
	ca       *x509.CertPool // the sandbox CA, trusted by the SDKs that check chains
}

// loadSDKMerchant reads the sandbox merchant of dir, trusting caFile (default: the sandbox CA).
func loadSDKMerchant(t testing.TB, dir string, caFile ...string) *sdkMerchant {
	t.Helper()
	var sm sandbox.Merchant
	data, err := os.ReadFile(filepath.Join(dir, "sandbox-merchant.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sm); err != nil {
		t.Fatal(err)
	}
	m := &sdkMerchant{clientID: sm.ClientID, ca: x509.NewCertPool()}
	if m.key, err = ams.ParsePrivateKey(sm.MerchantPrivateKey); err != nil {
		t.Fatal(err)
	}
	if m.gateway, err = ams.ParsePublicKey(sm.GatewayPublicKey); err != nil {
		t.Fatal(err)
	}
	ca := append(caFile, filepath.Join(dir, "sandbox-ca.pem"))[0]
	pem, err := os.ReadFile(ca)
	if err != nil || !m.ca.AppendCertsFromPEM(pem) {
		t.Fatalf("%s: %v", ca, err)
	}
	return m
}

// rawResponse is an answer as it arrived: the head byte for byte, the header lines with
// their names as sent.
type rawResponse struct {
	status   int
	head     string
	lines    [][2]string
	body     []byte
	verified bool // false when the SDK returned the body without checking its signature
}

// header finds a header the way the SDK style does.
func (r *rawResponse) header(name string, exact bool) string {
	for _, l := range r.lines {
		if l[0] == name || !exact && strings.EqualFold(l[0], name) {
			return l[1]
		}
	}
	return ""
}

// sdkCall posts body as the SDK of style does: to base + apiPath, signed over apiPath,
// and reads the answer as that SDK would. dialAddr, if set, is where to connect instead
// of the URL's host (to present another host name to the server).
func sdkCall(style sdkStyle, m *sdkMerchant, base, apiPath, dialAddr string, body []byte) (*rawResponse, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	if style.httpsOnly && u.Scheme != "https" {
		return nil, errors.New("Only supports HTTPS.")
	}
	sent := u.Path + apiPath
	reqTime := strconv.FormatInt(time.Now().UnixMilli(), 10)
	sig, err := ams.SignHeader(ams.RSASigner{Key: m.key}, "1", "POST", apiPath, m.clientID, reqTime, body)
	if err != nil {
		return nil, err
	}
	if dialAddr == "" {
		dialAddr = u.Host
	}
	var conn net.Conn
	if u.Scheme == "https" {
		cfg := &tls.Config{ServerName: u.Hostname(), RootCAs: m.ca}
		if style.anyChain {
			cfg.InsecureSkipVerify = true
			cfg.VerifyConnection = func(cs tls.ConnectionState) error {
				return cs.PeerCertificates[0].VerifyHostname(u.Hostname())
			}
		}
		conn, err = tls.DialWithDialer(&net.Dialer{Timeout: 15 * time.Second}, "tcp", dialAddr, cfg)
	} else {
		conn, err = net.DialTimeout("tcp", dialAddr, 15*time.Second)
	}
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	var req bytes.Buffer
	target := sent
	if style.absoluteForm {
		target = u.Scheme + "://" + u.Host + sent
	}
	fmt.Fprintf(&req, "POST %s HTTP/1.1\r\nHost: %s\r\n", target, u.Host)
	fmt.Fprintf(&req, "Content-Type: application/json\r\nContent-Type: application/json; charset=UTF-8\r\n")
	fmt.Fprintf(&req, "Client-Id: %s\r\nRequest-Time: %s\r\nSignature: %s\r\nKey-Version: 1\r\nAgent-Token: \r\n", m.clientID, reqTime, sig)
	fmt.Fprintf(&req, "User-Agent: %s-sdk-wire-test\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", style.name, len(body))
	req.Write(body)
	if _, err := conn.Write(req.Bytes()); err != nil {
		return nil, err
	}
	all, err := io.ReadAll(conn)
	if err != nil {
		return nil, err
	}
	end := bytes.Index(all, []byte("\r\n\r\n"))
	if end < 0 {
		return nil, fmt.Errorf("no response head in %q", all)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(all)), nil)
	if err != nil {
		return nil, err
	}
	r := &rawResponse{status: resp.StatusCode, head: string(all[:end+2])}
	if r.body, err = io.ReadAll(resp.Body); err != nil {
		return nil, err
	}
	for _, line := range strings.Split(r.head, "\r\n")[1:] {
		if name, value, ok := strings.Cut(line, ": "); ok {
			r.lines = append(r.lines, [2]string{name, value})
		}
	}

	if style.skipsWithoutTime && !strings.Contains(r.head, "response-time") {
		return r, nil // unverified, as PHP SDK 1.5.5 does
	}
	sigHeader, respTime, clientID := r.header("signature", style.exactHeaders), r.header("response-time", style.exactHeaders), r.header("client-id", style.exactHeaders)
	if sigHeader == "" || respTime == "" {
		return r, errors.New("signature not exist")
	}
	verifyPath := apiPath
	if style.verifySentPath {
		verifyPath = sent
	}
	if err := ams.VerifyHeader(m.gateway, "POST", verifyPath, clientID, respTime, r.body, sigHeader); err != nil {
		return r, fmt.Errorf("response signature over %s: %w", verifyPath, err)
	}
	r.verified = true
	return r, nil
}

// result decodes the result of a verified answer.
func (r *rawResponse) result(t testing.TB) ams.Result {
	t.Helper()
	var out ams.ErrorResponse
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, r.body)
	}
	return out.Result
}

const inquiryPath = "/ams/sandbox/api/v1/payments/inquiryPayment"

// TestSDKWire runs each official SDK's wire behaviour against `cashier serve`.
func TestSDKWire(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv, stop := startServe(t, dir, testDB(t))
	defer stop()
	m := loadSDKMerchant(t, dir)
	body := []byte(`{"paymentRequestId":"nothing-here"}`)
	httpsHost := strings.TrimPrefix(srv.https, "https://")
	_, port, _ := net.SplitHostPort(httpsHost)

	t.Run("java needs HTTPS and a certificate that names the host", func(t *testing.T) {
		if _, err := sdkCall(javaSDK, m, srv.http, inquiryPath, "", body); err == nil || err.Error() != "Only supports HTTPS." {
			t.Fatalf("java over http://: %v", err)
		}
		for _, base := range []string{srv.https, "https://localhost:" + port, "https://[::1]:" + port} {
			if strings.Contains(base, "[::1]") && !ipv6Loopback() {
				continue
			}
			dial := ""
			if strings.Contains(base, "[::1]") || strings.Contains(base, "localhost") {
				dial = "127.0.0.1:" + port // the listener is on 127.0.0.1; the name is what counts
			}
			r, err := sdkCall(javaSDK, m, base, inquiryPath, dial, body)
			if err != nil || r.result(t).ResultCode != "ORDER_NOT_EXIST" {
				t.Fatalf("java at %s: %v", base, err)
			}
		}
		if _, err := sdkCall(javaSDK, m, "https://cashier.example:"+port, inquiryPath, httpsHost, body); err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("a certificate that does not name the host was accepted: %v", err)
		}
	})

	t.Run("python reads lower-case header names", func(t *testing.T) {
		r, err := sdkCall(pythonSDK, m, srv.https, inquiryPath, "", body)
		if err != nil || r.result(t).ResultCode != "ORDER_NOT_EXIST" {
			t.Fatalf("python: %v", err)
		}
		for _, name := range []string{"client-id", "response-time", "signature"} {
			if !strings.Contains(r.head, "\r\n"+name+": ") {
				t.Errorf("response head has no %q line:\n%s", name, r.head)
			}
		}
		for _, name := range []string{"Client-Id", "Response-Time", "Signature"} {
			if strings.Contains(r.head, "\r\n"+name+":") {
				t.Errorf("response head still has %q:\n%s", name, r.head)
			}
		}
	})

	t.Run("php verifies every answer", func(t *testing.T) {
		for _, base := range []string{srv.http, srv.https} {
			r, err := sdkCall(phpSDK, m, base, inquiryPath, "", body)
			if err != nil || !r.verified {
				t.Fatalf("php at %s: verified %v, %v", base, r != nil && r.verified, err)
			}
		}
		// With the wrong gateway key the PHP SDK must now refuse the answer.
		wrong := *m
		wrong.gateway = &m.key.PublicKey
		if _, err := sdkCall(phpSDK, &wrong, srv.http, inquiryPath, "", body); err == nil {
			t.Fatal("php accepted an answer that the wrong key cannot verify")
		}
	})

	t.Run("a trailing slash on the base URL", func(t *testing.T) {
		for _, style := range []sdkStyle{goSDK, pythonSDK} {
			for _, base := range []string{srv.http + "/", srv.https + "/"} {
				r, err := sdkCall(style, m, base, inquiryPath, "", body)
				if err != nil || r.result(t).ResultCode != "ORDER_NOT_EXIST" {
					t.Fatalf("%s at %s: %v", style.name, base, err)
				}
			}
		}
	})

	t.Run("every /ams/ path gets a signed answer", func(t *testing.T) {
		for _, c := range []struct{ path, code string }{
			{"/ams/api//v1/payments/retrievePaymentSession", "NO_INTERFACE_DEF"}, // Python SDK 1.5.5
			{"/ams/api//v1/payments/inquiryPayment", "ORDER_NOT_EXIST"},
			{"/ams/sandbox/api/v1/payments/inquiryPayment/", "ORDER_NOT_EXIST"},
			{"/ams/sandbox/api/v1/./payments/inquiryPayment", "ORDER_NOT_EXIST"},
			{"/ams/sandbox/api/v1/nope/../payments/inquiryPayment", "ORDER_NOT_EXIST"},
			{"/ams/sandbox//api/v1/payments//inquiryPayment", "ORDER_NOT_EXIST"},
			{"/ams/api/v1/payments/teleport", "NO_INTERFACE_DEF"},
			{"/ams/api/v1/vaults/vaultPaymentMethod", "PARAM_ILLEGAL"}, // served; the body is an inquiry's
			{"/ams/api/v1/payments/vaultPaymentMethod", "NO_INTERFACE_DEF"},
			{"/ams/api/v1/vaults/pay", "NO_INTERFACE_DEF"},
			{"/ams/", "NO_INTERFACE_DEF"},
			{"/ams", "NO_INTERFACE_DEF"},
		} {
			for _, style := range []sdkStyle{pythonSDK, phpSDK} {
				r, err := sdkCall(style, m, srv.https, c.path, "", body)
				if err != nil {
					t.Fatalf("%s %s: %v", style.name, c.path, err)
				}
				if r.status != 200 || r.result(t).ResultCode != c.code {
					t.Fatalf("%s %s: HTTP %d %s, want %s", style.name, c.path, r.status, r.body, c.code)
				}
			}
		}
	})
}

func ipv6Loopback() bool {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// TestSDKWireHostNames: a host name given with --tls-hosts is in the sandbox certificate,
// so the Java SDK can reach the gateway under that name.
func TestSDKWireHostNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv, stop := startServe(t, dir, testDB(t), "--tls-hosts", "cashier.example,10.1.2.3")
	defer stop()
	m := loadSDKMerchant(t, dir)
	hostPort := strings.TrimPrefix(srv.https, "https://")
	_, port, _ := net.SplitHostPort(hostPort)
	for _, host := range []string{"cashier.example", "10.1.2.3"} {
		r, err := sdkCall(javaSDK, m, "https://"+host+":"+port, inquiryPath, hostPort, []byte(`{"paymentId":"x"}`))
		if err != nil || r.result(t).ResultCode != "ORDER_NOT_EXIST" {
			t.Fatalf("java at %s: %v", host, err)
		}
	}
	if !strings.Contains(srv.banner, "cashier.example") {
		t.Fatalf("the banner does not name the certificate's hosts:\n%s", srv.banner)
	}
}

// rawNotifyEndpoint is a merchant's notification URL that keeps each request head byte
// for byte, as a PHP or Python receiver reads it, and acknowledges.
type rawNotifyEndpoint struct {
	ln    net.Listener
	mu    sync.Mutex
	heads []string
}

func newRawNotifyEndpoint(t testing.TB) *rawNotifyEndpoint {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &rawNotifyEndpoint{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go e.serve(c)
		}
	}()
	return e
}

func (e *rawNotifyEndpoint) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		var head strings.Builder
		n := 0
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			head.WriteString(line)
			if line == "\r\n" {
				break
			}
			if name, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && strings.EqualFold(name, "Content-Length") {
				n, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		if _, err := io.CopyN(io.Discard, br, int64(n)); err != nil {
			return
		}
		e.mu.Lock()
		e.heads = append(e.heads, head.String())
		e.mu.Unlock()
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(ams.AckBody), ams.AckBody)
	}
}

func (e *rawNotifyEndpoint) all() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.heads...)
}

// TestSDKFlowsOverHTTPS runs every API flow over HTTPS the way the Java SDK does, checks
// that the links handed to buyers follow the listener the merchant called, and that the
// notifications carry Antom's lower-case header names. It logs the latency of each API.
func TestSDKFlowsOverHTTPS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notify := newRawNotifyEndpoint(t)
	srv, stop := startServe(t, dir, testDB(t), "--notify-url", "http://"+notify.ln.Addr().String()+"/antom/notify")
	defer stop()
	if !strings.Contains(srv.banner, "notify URL:        http://"+notify.ln.Addr().String()) {
		t.Fatalf("the banner does not show the notify URL:\n%s", srv.banner)
	}
	m := loadSDKMerchant(t, dir)
	latency := map[string][]time.Duration{}
	call := func(api string, body string) map[string]any {
		t.Helper()
		start := time.Now()
		r, err := sdkCall(javaSDK, m, srv.https, "/ams/api/v1/payments/"+api, "", []byte(body))
		latency[api] = append(latency[api], time.Since(start))
		if err != nil {
			t.Fatalf("%s: %v", api, err)
		}
		var out map[string]any
		if err := json.Unmarshal(r.body, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	code := func(out map[string]any) string {
		return out["result"].(map[string]any)["resultCode"].(string)
	}
	card := `"paymentMethod":{"paymentMethodType":"CARD","paymentMethodMetaData":{"cardNo":"` + visaOK + `","cvv":"123","expiryMonth":"12","expiryYear":"30"}}`
	payBody := func(id, extra string) string {
		return `{"productCode":"CASHIER_PAYMENT","paymentRequestId":"` + id + `","order":{"referenceOrderId":"o-` + id + `","orderDescription":"A book"},` +
			`"paymentAmount":{"currency":"USD","value":"1050"},"paymentRedirectUrl":"https://shop.example/return","env":{"terminalType":"WEB"}` + extra + `}`
	}
	for i := 0; i < 10; i++ {
		id := fmt.Sprintf("https-%d", i)
		if c := code(call("consult", `{"productCode":"CASHIER_PAYMENT","paymentAmount":{"currency":"USD","value":"1050"},"env":{"terminalType":"WEB"}}`)); c != "SUCCESS" {
			t.Fatalf("consult: %s", c)
		}
		paid := call("pay", payBody(id, ","+card+`,"paymentFactor":{"isAuthorization":true,"captureMode":"MANUAL"}`))
		if code(paid) != "SUCCESS" {
			t.Fatalf("pay: %v", paid)
		}
		pid := paid["paymentId"].(string)
		if c := code(call("inquiryPayment", `{"paymentId":"`+pid+`"}`)); c != "SUCCESS" {
			t.Fatalf("inquiryPayment: %s", c)
		}
		if c := code(call("capture", `{"captureRequestId":"cap-`+id+`","paymentId":"`+pid+`","captureAmount":{"currency":"USD","value":"1050"}}`)); c != "SUCCESS" {
			t.Fatalf("capture: %s", c)
		}
		if c := code(call("refund", `{"refundRequestId":"ref-`+id+`","paymentId":"`+pid+`","refundAmount":{"currency":"USD","value":"50"}}`)); c != "SUCCESS" {
			t.Fatalf("refund: %s", c)
		}
		if c := code(call("inquiryRefund", `{"refundRequestId":"ref-`+id+`"}`)); c != "SUCCESS" {
			t.Fatalf("inquiryRefund: %s", c)
		}
		voided := call("pay", payBody("void-"+id, ","+card+`,"paymentFactor":{"isAuthorization":true,"captureMode":"MANUAL"}`))
		if c := code(call("cancel", `{"paymentId":"`+voided["paymentId"].(string)+`"}`)); c != "SUCCESS" {
			t.Fatalf("cancel: %s", c)
		}
		hosted := call("pay", payBody("hosted-"+id, `,"paymentMethod":{"paymentMethodType":"CARD"}`))
		if u, _ := hosted["normalUrl"].(string); !strings.HasPrefix(u, srv.https+"/checkout/") {
			t.Fatalf("normalUrl of a pay over HTTPS: %q", u)
		}
		session := call("createPaymentSession", payBody("session-"+id, `,"paymentMethod":{"paymentMethodType":"CARD"}`))
		if _, cfg := sessionToken(t, session["paymentSessionData"].(string)); cfg.Cashier.Gateway != srv.https {
			t.Fatalf("session gateway URL %q, want %q", cfg.Cashier.Gateway, srv.https)
		}
	}
	// The same pay over plain HTTP hands out HTTP links.
	r, err := sdkCall(phpSDK, m, srv.http, "/ams/api/v1/payments/pay", "", []byte(payBody("hosted-http", `,"paymentMethod":{"paymentMethodType":"CARD"}`)))
	if err != nil || !strings.Contains(string(r.body), `"normalUrl":"`+srv.http+"/checkout/") {
		t.Fatalf("pay over HTTP: %v %s", err, r.body)
	}

	// Every payment and refund was notified, with Antom's lower-case header names.
	eventually(t, "notifications", func() bool { return len(notify.all()) >= 40 })
	for _, head := range notify.all() {
		for _, name := range []string{"client-id", "request-time", "signature"} {
			if !strings.Contains(head, "\r\n"+name+": ") {
				t.Fatalf("notification head has no %q line:\n%s", name, head)
			}
		}
	}
	var apis []string
	for api := range latency {
		apis = append(apis, api)
	}
	sort.Strings(apis)
	for _, api := range apis {
		d := latency[api]
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		t.Logf("%-22s %3d calls over HTTPS (new TLS connection each, as the SDKs do): median %v, max %v", api, len(d), d[len(d)/2].Round(time.Microsecond), d[len(d)-1].Round(time.Microsecond))
	}
}

// TestLinksOnAWildcardListener: a listener bound to every address has no one name, so the
// links handed to buyers follow the host the merchant's request was sent to.
func TestLinksOnAWildcardListener(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv, stop := startServe(t, dir, testDB(t), "--listen", "0.0.0.0:0", "--https-listen", "0.0.0.0:0")
	defer stop()
	m := loadSDKMerchant(t, dir)
	_, httpPort, _ := net.SplitHostPort(strings.TrimPrefix(srv.http, "http://"))
	_, httpsPort, _ := net.SplitHostPort(strings.TrimPrefix(srv.https, "https://"))
	body := func(id string) []byte {
		return []byte(`{"productCode":"CASHIER_PAYMENT","paymentRequestId":"` + id + `","order":{"referenceOrderId":"o","orderDescription":"A book"},` +
			`"paymentAmount":{"currency":"USD","value":"1050"},"paymentMethod":{"paymentMethodType":"CARD"},"paymentRedirectUrl":"https://shop.example/return","env":{"terminalType":"WEB"}}`)
	}
	for i, c := range []struct {
		style      sdkStyle
		base, dial string
	}{
		{phpSDK, "http://127.0.0.2:" + httpPort, ""},
		{phpSDK, "http://localhost:" + httpPort, "127.0.0.1:" + httpPort},
		{javaSDK, "https://localhost:" + httpsPort, "127.0.0.1:" + httpsPort},
	} {
		r, err := sdkCall(c.style, m, c.base, "/ams/api/v1/payments/pay", c.dial, body(fmt.Sprintf("wild-%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(r.body), `"normalUrl":"`+c.base+`/checkout/`) {
			t.Fatalf("pay sent to %s: %s", c.base, r.body)
		}
	}
}
