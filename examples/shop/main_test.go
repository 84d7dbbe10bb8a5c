package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/cli"
	"github.com/cashierpay/cashier/internal/sandbox"
)

// writeMerchant writes a sandbox-merchant.json as `cashier serve` does, from a real gateway
// data dir.
func writeMerchant(t *testing.T) (dir string, sm *sandbox.Merchant) {
	t.Helper()
	dir = t.TempDir()
	app, err := cli.Open(context.Background(), cli.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.PublishURLs("http://127.0.0.1:1", "https://127.0.0.1:2"); err != nil {
		t.Fatal(err)
	}
	sm = app.SandboxClient
	app.Close()
	return dir, sm
}

func TestMerchantConfigFromGatewayData(t *testing.T) {
	dir, sm := writeMerchant(t)
	o, err := parseFlags([]string{"--gateway-data", dir}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.listen != "127.0.0.1:8090" || o.publicURL != "" {
		t.Fatalf("defaults: listen %q, public URL %q", o.listen, o.publicURL)
	}
	cfg, err := o.merchantConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BaseURL != "http://127.0.0.1:1" || cfg.ClientID != sm.ClientID || cfg.MerchantPrivateKey != sm.MerchantPrivateKey || cfg.GatewayPublicKey != sm.GatewayPublicKey {
		t.Fatalf("config from %s: %+v", dir, cfg)
	}

	// Flags win over the file; keys can come from files.
	keyFile := filepath.Join(t.TempDir(), "merchant.key")
	os.WriteFile(keyFile, []byte(sm.MerchantPrivateKey+"\n"), 0o600)
	o, _ = parseFlags([]string{"--gateway-data", dir, "--gateway", "http://gw.example", "--private-key", "@" + keyFile}, io.Discard)
	cfg, err = o.merchantConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BaseURL != "http://gw.example" || cfg.MerchantPrivateKey != sm.MerchantPrivateKey || cfg.ClientID != sm.ClientID {
		t.Fatalf("flags over file: %+v", cfg)
	}
}

func TestMerchantConfigErrors(t *testing.T) {
	o, _ := parseFlags([]string{"--gateway-data", t.TempDir()}, io.Discard)
	if _, err := o.merchantConfig(); err == nil || !strings.Contains(err.Error(), "cashier serve") {
		t.Fatalf("no sandbox-merchant.json: %v", err)
	}
	// All four flags: no file needed.
	_, sm := writeMerchant(t)
	o, _ = parseFlags([]string{"--gateway-data", "/nonexistent", "--gateway", "http://gw.example", "--client-id", "C",
		"--private-key", sm.MerchantPrivateKey, "--gateway-public-key", sm.GatewayPublicKey}, io.Discard)
	if cfg, err := o.merchantConfig(); err != nil || cfg.ClientID != "C" {
		t.Fatalf("explicit flags: %+v, %v", cfg, err)
	}
	if _, err := parseFlags([]string{"stray"}, io.Discard); err == nil {
		t.Fatal("a stray argument was accepted")
	}
	o, _ = parseFlags([]string{"--gateway-data", "/nonexistent", "--gateway", "http://gw.example", "--client-id", "C",
		"--private-key", "@/nonexistent/key", "--gateway-public-key", sm.GatewayPublicKey}, io.Discard)
	if _, err := o.merchantConfig(); err == nil || !strings.Contains(err.Error(), "--private-key") {
		t.Fatalf("missing key file: %v", err)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRun starts the command on a free port and stops it.
func TestRun(t *testing.T) {
	dir, _ := writeMerchant(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--gateway-data", dir, "--listen", "127.0.0.1:0"}, &out, io.Discard) }()
	addr := regexp.MustCompile(`listening on (http://\S+)`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == ""; {
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no address printed: %q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(out.String(), base+"/antom/notify") {
		t.Fatalf("notify URL not printed: %q", out.String())
	}
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`id="pay-hosted"`)) {
		t.Fatalf("GET /: HTTP %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop")
	}
}

func TestFormatMoney(t *testing.T) {
	for _, c := range []struct {
		cur  string
		v    int64
		want string
	}{{"USD", 1250, "USD 12.50"}, {"USD", 5, "USD 0.05"}, {"JPY", 1250, "JPY 1250"}, {"KWD", 1250, "KWD 1.250"}, {"EUR", 0, "EUR 0.00"}} {
		if got := formatMoney(c.cur, c.v); got != c.want {
			t.Errorf("formatMoney(%s, %d) = %q, want %q", c.cur, c.v, got, c.want)
		}
	}
	b, _ := json.Marshal(DefaultProduct.Amount())
	if string(b) != `{"currency":"USD","value":"1250"}` {
		t.Errorf("amount %s", b)
	}
}
