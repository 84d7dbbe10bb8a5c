package client_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
)

// Two key pairs shared by all tests: the merchant's and the gateway's.
var (
	keysOnce    sync.Once
	merchantKey *rsa.PrivateKey
	gatewayKey  *rsa.PrivateKey
	strangerKey *rsa.PrivateKey
	keysErr     error
)

func keys(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		for _, k := range []**rsa.PrivateKey{&merchantKey, &gatewayKey, &strangerKey} {
			if *k, keysErr = rsa.GenerateKey(rand.Reader, 2048); keysErr != nil {
				return
			}
		}
	})
	if keysErr != nil {
		t.Fatal(keysErr)
	}
}

// seenRequest is what the fake gateway received.
type seenRequest struct {
	Path     string
	Header   http.Header
	Body     []byte
	VerifyOK bool
	VerifyEr error
}

// gateway plays cashier: it verifies each request with the merchant's public key, answers
// with the body respond returns (by default a SUCCESS result) and signs the answer with
// the gateway's private key, unless told to misbehave.
type gateway struct {
	t   testing.TB
	srv *httptest.Server

	mu   sync.Mutex
	seen []seenRequest

	// Behaviour, set before the calls.
	respond    func(api string, req []byte) (status int, body string)
	unsigned   bool                // send no Signature header
	signWith   *rsa.PrivateKey     // sign with this key instead of the gateway's
	keyVersion string              // the keyVersion the signature names; "" is "1"
	tamper     func([]byte) []byte // change the body after signing
	respHeader func(http.Header)   // last word on the response headers
}

func newGateway(t testing.TB) *gateway {
	keys(t)
	g := &gateway{t: t}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gateway) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	path := ams.NormalizePath(r.URL.Path)
	verr := ams.VerifyHeader(&merchantKey.PublicKey, r.Method, path,
		r.Header.Get("Client-Id"), r.Header.Get("Request-Time"), body, r.Header.Get("Signature"))
	g.mu.Lock()
	g.seen = append(g.seen, seenRequest{Path: r.URL.Path, Header: r.Header.Clone(), Body: body, VerifyOK: verr == nil, VerifyEr: verr})
	g.mu.Unlock()

	status, out := http.StatusOK, ""
	switch {
	case verr != nil:
		out = `{"result":{"resultCode":"INVALID_SIGNATURE","resultStatus":"F","resultMessage":"bad signature"}}`
	case g.respond != nil:
		api := path[strings.LastIndex(path, "/")+1:]
		status, out = g.respond(api, body)
	default:
		out = ams.AckBody
	}

	respTime := ams.FormatTime(time.Now())
	clientID := r.Header.Get("Client-Id")
	signer := gatewayKey
	if g.signWith != nil {
		signer = g.signWith
	}
	sig, err := ams.SignHeader(ams.RSASigner{Key: signer}, g.keyVersion, "POST", path, clientID, respTime, []byte(out))
	if err != nil {
		g.t.Errorf("gateway: signing: %v", err)
	}
	sent := []byte(out)
	if g.tamper != nil {
		sent = g.tamper(sent)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	h.Set("Client-Id", clientID)
	h.Set("Response-Time", respTime)
	if !g.unsigned {
		h.Set("Signature", sig)
	}
	if g.respHeader != nil {
		g.respHeader(h)
	}
	w.WriteHeader(status)
	w.Write(sent)
}

func (g *gateway) requests() []seenRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]seenRequest(nil), g.seen...)
}

func (g *gateway) last(t testing.TB) seenRequest {
	t.Helper()
	s := g.requests()
	if len(s) == 0 {
		t.Fatal("gateway saw no request")
	}
	return s[len(s)-1]
}

// checkWire asserts that a request looks like one from the official SDKs.
func checkWire(t testing.TB, s seenRequest, wantPath, wantClientID string, wantBody any) {
	t.Helper()
	if s.Path != wantPath {
		t.Errorf("path = %q, want %q", s.Path, wantPath)
	}
	if !s.VerifyOK {
		t.Errorf("gateway could not verify the request signature: %v", s.VerifyEr)
	}
	if got := s.Header.Get("Client-Id"); got != wantClientID {
		t.Errorf("Client-Id = %q, want %q", got, wantClientID)
	}
	if got := s.Header.Get("Content-Type"); got != "application/json; charset=UTF-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := s.Header.Get("Key-Version"); got != "1" {
		t.Errorf("Key-Version = %q", got)
	}
	ms, err := strconv.ParseInt(s.Header.Get("Request-Time"), 10, 64)
	if err != nil {
		t.Errorf("Request-Time %q is not an integer", s.Header.Get("Request-Time"))
	} else if d := time.Since(time.UnixMilli(ms)); d < -time.Minute || d > time.Minute {
		t.Errorf("Request-Time %d is not epoch milliseconds of now (off by %v)", ms, d)
	}
	sig := s.Header.Get("Signature")
	if !strings.HasPrefix(sig, "algorithm=RSA256,keyVersion=1,signature=") || strings.ContainsAny(sig, " +/") {
		t.Errorf("Signature header not in SDK form: %q", sig)
	}
	if wantBody != nil {
		want, _ := json.Marshal(wantBody)
		if string(s.Body) != string(want) {
			t.Errorf("body =\n%s\nwant (encoding/json)\n%s", s.Body, want)
		}
	}
}

// newClient returns a client of g for clientID.
func newClient(t testing.TB, g *gateway, clientID string, mod ...func(*client.Config)) *client.Client {
	t.Helper()
	cfg := client.Config{
		BaseURL:            g.srv.URL,
		ClientID:           clientID,
		MerchantPrivateKey: ams.EncodePrivateKey(merchantKey),
		GatewayPublicKey:   ams.EncodePublicKey(&gatewayKey.PublicKey),
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
