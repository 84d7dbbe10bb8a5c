package tlscert

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/datadir"
)

const day = 24 * time.Hour

// testClock is moved by hand only.
type testClock struct{ t atomic.Pointer[time.Time] }

func newTestClock() *testClock {
	c := &testClock{}
	c.Set(time.Now())
	return c
}

func (c *testClock) Now() time.Time  { return *c.t.Load() }
func (c *testClock) Set(t time.Time) { c.t.Store(&t) }

// syncBuffer collects a logger's output for a test to read while Run writes.
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

func testLogger(t *testing.T, also ...io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(io.MultiWriter(append(also, t.Output())...), nil))
}

func opts(t *testing.T) Options { return Options{Logger: testLogger(t)} }

func sandbox(t *testing.T, dir string, hosts []string, o Options) *Manager {
	t.Helper()
	m, err := Sandbox(dir, hosts, o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// run runs m.Run until the test ends, and waits for it to return.
func run(t *testing.T, m *Manager) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// serve serves TLS with m's configuration on addr, as `cashier serve` does, and returns the
// address it listens on. A loopback address the machine lacks skips the test.
func serve(t *testing.T, m *Manager, addr string) string {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("no listener on %s: %v", addr, err)
	}
	srv := &http.Server{
		Handler:   http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }),
		TLSConfig: m.TLSConfig(),
		// Handshakes that tests make fail are logged after the fact, maybe after the test.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// handshake connects to addr as a client that trusts roots only and expects serverName,
// checking validity at now (nil: the wall clock), and returns the chain it was served.
func handshake(addr, serverName string, roots *x509.CertPool, now func() time.Time) ([]*x509.Certificate, error) {
	d := &tls.Dialer{
		NetDialer: &net.Dialer{Timeout: 5 * time.Second},
		Config:    &tls.Config{RootCAs: roots, ServerName: serverName, Time: now},
	}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.(*tls.Conn).ConnectionState().PeerCertificates, nil
}

func servedSerial(t *testing.T, addr string, roots *x509.CertPool, now func() time.Time) string {
	t.Helper()
	chain, err := handshake(addr, "localhost", roots, now)
	if err != nil {
		t.Fatal(err)
	}
	return chain[0].SerialNumber.String()
}

// waitFor polls cond until it holds: Run checks on a ticker of its own.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	return parseCert(t, mustRead(t, path))
}

// parseCert parses the first certificate of PEM data.
func parseCert(t *testing.T, data []byte) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "CERTIFICATE" {
		t.Fatal("no certificate")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func pool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func caPool(t *testing.T, dir string) *x509.CertPool {
	return pool(readCert(t, filepath.Join(dir, caCertFile)))
}

// checkDisk checks that each certificate file on disk goes with its key, and that the
// certificate is valid at now for localhost under the authority on disk; it returns the
// certificate.
func checkDisk(t *testing.T, dir string, now time.Time) *x509.Certificate {
	t.Helper()
	for _, p := range [][2]string{{caCertFile, caKeyFile}, {leafCertFile, leafKeyFile}} {
		if _, err := tls.LoadX509KeyPair(filepath.Join(dir, p[0]), filepath.Join(dir, p[1])); err != nil {
			t.Fatalf("%s and %s: %v", p[0], p[1], err)
		}
	}
	leaf := readCert(t, filepath.Join(dir, leafCertFile))
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: caPool(t, dir), DNSName: "localhost", CurrentTime: now}); err != nil {
		t.Fatal(err)
	}
	return leaf
}

func TestSandboxFirstStart(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	start := time.Now()
	m := sandbox(t, dir, nil, opts(t))

	if runtime.GOOS != "windows" {
		for name, want := range map[string]os.FileMode{caCertFile: 0o644, caKeyFile: 0o600, leafCertFile: 0o644, leafKeyFile: 0o600} {
			st, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != want {
				t.Errorf("%s: mode %v, want %v", name, st.Mode().Perm(), want)
			}
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		t.Errorf("data dir holds %d files, want the 4 of the sandbox", len(entries))
	}
	if m.CAFile() != filepath.Join(dir, caCertFile) {
		t.Errorf("CAFile() = %q", m.CAFile())
	}

	ca := readCert(t, m.CAFile())
	host, _ := os.Hostname()
	switch {
	case !ca.IsCA || !ca.BasicConstraintsValid || ca.MaxPathLen != 0 || !ca.MaxPathLenZero:
		t.Errorf("CA basic constraints: IsCA %v, MaxPathLen %d", ca.IsCA, ca.MaxPathLen)
	case ca.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign:
		t.Errorf("CA key usage %v", ca.KeyUsage)
	case !strings.HasPrefix(ca.Subject.CommonName, "cashier sandbox CA ("+host+" "):
		t.Errorf("CA subject %q", ca.Subject.CommonName)
	case ca.NotAfter.Before(start.Truncate(time.Second).AddDate(10, 0, 0)) || ca.NotAfter.After(time.Now().AddDate(10, 0, 0)):
		t.Errorf("CA expires %v, want in 10 years", ca.NotAfter)
	case ca.PublicKeyAlgorithm != x509.ECDSA || ca.SignatureAlgorithm != x509.ECDSAWithSHA256:
		t.Errorf("CA key %v, signature %v", ca.PublicKeyAlgorithm, ca.SignatureAlgorithm)
	}

	leaf := checkDisk(t, dir, time.Now())
	if !leaf.Equal(m.Leaf()) {
		t.Error("Leaf() is not the certificate on disk")
	}
	switch {
	case !slices.Equal(leaf.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) || leaf.KeyUsage != x509.KeyUsageDigitalSignature:
		t.Errorf("leaf usage %v %v", leaf.ExtKeyUsage, leaf.KeyUsage)
	case leaf.IsCA:
		t.Error("leaf is a CA")
	case leaf.NotBefore.Before(start.Add(-time.Hour).Truncate(time.Second)) || leaf.NotBefore.After(time.Now().Add(-time.Hour)):
		t.Errorf("leaf valid from %v, want an hour before %v", leaf.NotBefore, start)
	case leaf.NotAfter.Sub(leaf.NotBefore) != 397*day+time.Hour:
		t.Errorf("leaf valid for %v", leaf.NotAfter.Sub(leaf.NotBefore))
	case leaf.SerialNumber.BitLen() < 100 || leaf.SerialNumber.BitLen() > 128:
		t.Errorf("serial %v is not a random 128-bit number", leaf.SerialNumber)
	case leaf.PublicKeyAlgorithm != x509.ECDSA || leaf.SignatureAlgorithm != x509.ECDSAWithSHA256:
		t.Errorf("leaf key %v, signature %v", leaf.PublicKeyAlgorithm, leaf.SignatureAlgorithm)
	}
}

func TestSandboxTrust(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := sandbox(t, dir, []string{"shop.test", "10.9.8.7"}, opts(t))
	roots := caPool(t, dir)
	addr := serve(t, m, "127.0.0.1:0")

	for _, name := range []string{"localhost", "127.0.0.1", "shop.test", "10.9.8.7"} {
		if _, err := handshake(addr, name, roots, nil); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	var herr x509.HostnameError
	if _, err := handshake(addr, "other.test", roots, nil); !errors.As(err, &herr) {
		t.Errorf("other.test: got %v, want a host name error", err)
	}
	if _, err := handshake(addr, "localhost", x509.NewCertPool(), nil); err == nil {
		t.Error("trusted without the sandbox CA")
	}

	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true}}
	resp, err := c.Get("https://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Errorf("negotiated %s, want HTTP/2", resp.Proto)
	}

	t.Run("IPv6", func(t *testing.T) {
		addr := serve(t, m, "[::1]:0")
		if _, err := handshake(addr, "::1", roots, nil); err != nil {
			t.Error(err)
		}
	})
}

func TestSandboxHosts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := sandbox(t, dir, []string{"Shop.Test", "*.shop.test", "my_service", "10.0.0.1", "::1", "2001:db8::1", "shop.test"}, opts(t))
	leaf := m.Leaf()
	if want := []string{"localhost", "shop.test", "*.shop.test", "my_service"}; !slices.Equal(leaf.DNSNames, want) {
		t.Errorf("DNS names %q, want %q", leaf.DNSNames, want)
	}
	var ips []string
	for _, ip := range leaf.IPAddresses {
		ips = append(ips, ip.String())
	}
	if want := []string{"127.0.0.1", "::1", "10.0.0.1", "2001:db8::1"}; !slices.Equal(ips, want) {
		t.Errorf("IP addresses %q, want %q", ips, want)
	}

	for _, h := range []string{"", " ", "a b", "https://shop.test", "shop.test:8443", "shop..test", "-shop.test", "shop-.test", "fe80::1%eth0", "shop.test.", "*", "a.*.test"} {
		_, err := Sandbox(dir, []string{"ok.test", h}, opts(t))
		if err == nil || !strings.Contains(err.Error(), `"`+h+`"`) {
			t.Errorf("host %q: got %v, want an error naming it", h, err)
		}
	}
}

func TestSandboxReuse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m1 := sandbox(t, dir, nil, opts(t))
	files := map[string][]byte{}
	for _, name := range []string{caCertFile, caKeyFile, leafCertFile, leafKeyFile} {
		files[name], _ = os.ReadFile(filepath.Join(dir, name))
	}
	m2 := sandbox(t, dir, nil, opts(t))
	if !m1.Leaf().Equal(m2.Leaf()) {
		t.Errorf("second start serves serial %v, want %v", m2.Leaf().SerialNumber, m1.Leaf().SerialNumber)
	}
	for name, data := range files {
		if now, _ := os.ReadFile(filepath.Join(dir, name)); !bytes.Equal(now, data) {
			t.Errorf("second start rewrote %s", name)
		}
	}
}

func TestSandboxAddedHost(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := sandbox(t, dir, nil, opts(t)).Leaf()
	ca, _ := os.ReadFile(filepath.Join(dir, caCertFile))

	added := sandbox(t, dir, []string{"shop.test"}, opts(t)).Leaf()
	if added.Equal(first) {
		t.Fatal("an added host kept the certificate")
	}
	if now, _ := os.ReadFile(filepath.Join(dir, caCertFile)); !bytes.Equal(now, ca) {
		t.Error("an added host replaced the CA")
	}
	if _, err := added.Verify(x509.VerifyOptions{Roots: caPool(t, dir), DNSName: "shop.test"}); err != nil {
		t.Error(err)
	}
	// A certificate naming more than asked for is kept.
	if again := sandbox(t, dir, nil, opts(t)).Leaf(); !again.Equal(added) {
		t.Error("a start without the added host re-issued the certificate")
	}
}

func TestSandboxRenewal(t *testing.T) {
	t.Parallel()

	t.Run("start", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		clk := newTestClock()
		o := opts(t)
		o.Now = clk.Now
		old := sandbox(t, dir, nil, o).Leaf()
		ca, _ := os.ReadFile(filepath.Join(dir, caCertFile))

		clk.Set(old.NotAfter.Add(-31 * day))
		if leaf := sandbox(t, dir, nil, o).Leaf(); !leaf.Equal(old) {
			t.Error("re-issued 31 days before expiry")
		}
		clk.Set(old.NotAfter.Add(-20 * day))
		leaf := sandbox(t, dir, nil, o).Leaf()
		if leaf.Equal(old) {
			t.Fatal("not re-issued 20 days before expiry")
		}
		if now, _ := os.ReadFile(filepath.Join(dir, caCertFile)); !bytes.Equal(now, ca) {
			t.Error("renewing the certificate replaced the CA")
		}
		if !checkDisk(t, dir, clk.Now()).Equal(leaf) {
			t.Error("the renewed certificate is not on disk")
		}
	})

	t.Run("Run", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		clk := newTestClock()
		o := opts(t)
		o.Now, o.Interval = clk.Now, 5*time.Millisecond
		m := sandbox(t, dir, nil, o)
		old := m.Leaf().SerialNumber.String()
		roots := caPool(t, dir)
		addr := serve(t, m, "127.0.0.1:0")
		run(t, m)

		clk.Set(m.Leaf().NotAfter.Add(-20 * day))
		var serial string
		waitFor(t, "a renewed certificate", func() bool {
			serial = servedSerial(t, addr, roots, clk.Now)
			return serial != old
		})
		if disk := checkDisk(t, dir, clk.Now()); disk.SerialNumber.String() != serial {
			t.Errorf("serving serial %s, disk has %s", serial, disk.SerialNumber)
		}
	})

	t.Run("CA", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		clk := newTestClock()
		o := opts(t)
		o.Now = clk.Now
		old := sandbox(t, dir, nil, o).Leaf()
		oldCA := readCert(t, filepath.Join(dir, caCertFile))

		clk.Set(oldCA.NotAfter.Add(-20 * day))
		leaf := sandbox(t, dir, nil, o).Leaf()
		ca := readCert(t, filepath.Join(dir, caCertFile))
		if ca.Equal(oldCA) || !ca.NotAfter.After(oldCA.NotAfter) {
			t.Fatal("CA not renewed 20 days before expiry")
		}
		if leaf.Equal(old) {
			t.Error("certificate not re-issued under the new CA")
		}
		checkDisk(t, dir, clk.Now())
	})
}

func TestSandboxRepairs(t *testing.T) {
	t.Parallel()
	other := t.TempDir()
	sandbox(t, other, nil, opts(t))

	for _, tc := range []struct {
		name     string
		damage   func(t *testing.T, dir string)
		reissued bool
	}{
		{"garbage key file", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, leafKeyFile), []byte("garbage"), 0o600)
		}, true},
		{"missing key file", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, leafKeyFile))
		}, true},
		{"key of another certificate", func(t *testing.T, dir string) {
			key, _ := pem.Decode(mustRead(t, filepath.Join(other, leafKeyFile)))
			_, cert := pem.Decode(mustRead(t, filepath.Join(dir, leafKeyFile)))
			os.WriteFile(filepath.Join(dir, leafKeyFile), append(pem.EncodeToMemory(key), cert...), 0o600)
		}, true},
		{"pair of another CA", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, leafKeyFile), mustRead(t, filepath.Join(other, leafKeyFile)), 0o600)
		}, true},
		{"garbage certificate file", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, leafCertFile), []byte("garbage"), 0o644)
		}, false},
		{"certificate file of another pair", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, leafCertFile), mustRead(t, filepath.Join(other, leafCertFile)), 0o644)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			old := sandbox(t, dir, nil, opts(t)).Leaf()
			tc.damage(t, dir)
			leaf := sandbox(t, dir, nil, opts(t)).Leaf()
			if reissued := !leaf.Equal(old); reissued != tc.reissued {
				t.Errorf("re-issued: %v, want %v", reissued, tc.reissued)
			}
			if !checkDisk(t, dir, time.Now()).Equal(leaf) {
				t.Error("the served certificate is not on disk")
			}
		})
	}

	t.Run("garbage CA key file", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		sandbox(t, dir, nil, opts(t))
		oldCA := readCert(t, filepath.Join(dir, caCertFile))
		os.WriteFile(filepath.Join(dir, caKeyFile), []byte("garbage"), 0o600)
		leaf := sandbox(t, dir, nil, opts(t)).Leaf()
		if readCert(t, filepath.Join(dir, caCertFile)).Equal(oldCA) {
			t.Error("CA kept")
		}
		if !checkDisk(t, dir, time.Now()).Equal(leaf) {
			t.Error("the served certificate is not on disk")
		}
	})
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestSandboxConcurrentStart starts several managers at once on fresh directories, as
// processes started together would: they must agree on one CA and one certificate, and
// leave a matching pair of each on disk.
func TestSandboxConcurrentStart(t *testing.T) {
	t.Parallel()
	for range 4 {
		dir := t.TempDir()
		ms := make([]*Manager, 8)
		errs := make([]error, len(ms))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range ms {
			wg.Go(func() {
				<-start
				ms[i], errs[i] = Sandbox(dir, nil, opts(t))
			})
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		leaf := checkDisk(t, dir, time.Now())
		for i, m := range ms {
			if !m.Leaf().Equal(leaf) {
				t.Errorf("manager %d serves serial %v, disk has %v", i, m.Leaf().SerialNumber, leaf.SerialNumber)
			}
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 4 {
			t.Errorf("data dir holds %d files, want 4", len(entries))
		}
	}
}

// testCA is a certificate authority for the certificates of Files tests.
type testCA struct {
	t    *testing.T
	pair *tls.Certificate
}

func newTestCA(t *testing.T) *testCA {
	now := time.Now()
	bundle, err := newPair(&x509.Certificate{
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(day),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := parsePair(bundle)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{t, pair}
}

// issue returns a certificate for localhost in PEM, followed by the CA's as its chain, and
// its key.
func (ca *testCA) issue() (certPEM, keyPEM []byte) {
	now := time.Now()
	bundle, err := newPair(&x509.Certificate{
		DNSNames: []string{"localhost"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(day),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, ca.pair)
	if err != nil {
		ca.t.Fatal(err)
	}
	key, cert := pem.Decode(bundle)
	return append(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.pair.Leaf.Raw})...), pem.EncodeToMemory(key)
}

func serialOf(t *testing.T, certPEM []byte) string {
	t.Helper()
	return parseCert(t, certPEM).SerialNumber.String()
}

// replace writes data to path the way renewal tools do, by renaming a new file over it.
func replace(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := datadir.Replace(path, data); err != nil {
		t.Fatal(err)
	}
}

func TestFilesReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca := newTestCA(t)
	cert, key := ca.issue()
	replace(t, certFile, cert)
	replace(t, keyFile, key)

	m, err := Files(certFile, keyFile, opts(t))
	if err != nil {
		t.Fatal(err)
	}
	if m.CAFile() != "" {
		t.Errorf("CAFile() = %q for files", m.CAFile())
	}
	roots := pool(ca.pair.Leaf)
	addr := serve(t, m, "127.0.0.1:0")
	chain, err := handshake(addr, "localhost", roots, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(chain) != 2 || chain[0].SerialNumber.String() != serialOf(t, cert) {
		t.Fatalf("served %d certificates, serial %v; want the file's with its chain", len(chain), chain[0].SerialNumber)
	}

	cert, key = ca.issue()
	replace(t, certFile, cert)
	replace(t, keyFile, key)
	if err := m.Reload(); err != nil {
		t.Fatal(err)
	}
	want := serialOf(t, cert)
	if got := servedSerial(t, addr, roots, nil); got != want {
		t.Fatalf("after Reload serving %s, want %s", got, want)
	}

	// Failed reloads keep the certificate in service.
	os.WriteFile(certFile, []byte("-----BEGIN CERT"), 0o600)
	if err := m.Reload(); err == nil || !strings.Contains(err.Error(), certFile) {
		t.Errorf("Reload of a half-written file: %v, want an error naming it", err)
	}
	newCert, newKey := ca.issue()
	replace(t, certFile, newCert)
	if err := m.Reload(); err == nil {
		t.Error("Reload of a mismatched pair succeeded")
	}
	if got := servedSerial(t, addr, roots, nil); got != want || m.Leaf().SerialNumber.String() != want {
		t.Fatalf("after failed reloads serving %s, want %s", got, want)
	}

	replace(t, keyFile, newKey)
	if err := m.Reload(); err != nil {
		t.Fatal(err)
	}
	if got, want := servedSerial(t, addr, roots, nil), serialOf(t, newCert); got != want {
		t.Fatalf("serving %s, want %s", got, want)
	}

	if _, err := Files(certFile, filepath.Join(dir, "missing.pem"), opts(t)); err == nil {
		t.Error("Files with a missing key succeeded")
	}
}

func TestFilesWatch(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca := newTestCA(t)
	cert, key := ca.issue()
	replace(t, certFile, cert)
	replace(t, keyFile, key)
	var logged syncBuffer
	m, err := Files(certFile, keyFile, Options{Interval: 5 * time.Millisecond, Logger: testLogger(t, &logged)})
	if err != nil {
		t.Fatal(err)
	}
	roots := pool(ca.pair.Leaf)
	addr := serve(t, m, "127.0.0.1:0")
	run(t, m)

	serves := func(certPEM []byte) func() bool {
		want := serialOf(t, certPEM)
		return func() bool { return servedSerial(t, addr, roots, nil) == want }
	}
	cert, key = ca.issue()
	replace(t, certFile, cert)
	replace(t, keyFile, key)
	waitFor(t, "the replaced certificate", serves(cert))
	if !strings.Contains(logged.String(), "serving a new certificate") {
		t.Error("the change was not logged")
	}

	// A file written in place, half-way, is noticed, refused and logged.
	os.WriteFile(certFile, []byte("-----BEGIN CERT"), 0o600)
	waitFor(t, "the failed load in the log", func() bool {
		return strings.Contains(logged.String(), "failed to find any PEM data in certificate input")
	})
	if !serves(cert)() {
		t.Error("a failed load replaced the certificate")
	}

	cert, key = ca.issue()
	replace(t, keyFile, key)
	replace(t, certFile, cert)
	waitFor(t, "the certificate after a failed load", serves(cert))
}

// TestSandboxRefusesOpenKey: the sandbox CA's key signs for any name wherever the CA is
// trusted; one that group or others can read is refused like every secret file.
func TestSandboxRefusesOpenKey(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unix modes")
	}
	dir := t.TempDir()
	if _, err := Sandbox(dir, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{caKeyFile, leafKeyFile} {
		path := filepath.Join(dir, name)
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v; want 0600", name, st.Mode(), err)
		}
		os.Chmod(path, 0o644)
		if _, err := Sandbox(dir, nil, Options{}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("%s at 0644: %v; want a refusal", name, err)
		}
		if _, err := Sandbox(dir, nil, Options{Secrets: datadir.Secrets{AllowOpen: true, Logger: slog.New(slog.DiscardHandler)}}); err != nil {
			t.Fatalf("%s at 0644 allowed: %v", name, err)
		}
		os.Chmod(path, 0o600)
	}
}
