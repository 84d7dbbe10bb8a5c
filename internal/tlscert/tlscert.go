// Package tlscert provides the certificate of the gateway's HTTPS listener, which Antom's
// SDKs need: the Java SDK refuses http:// URLs and checks that the certificate names the
// host, and the Python SDK always dials HTTPS. The certificate comes either from a sandbox
// certificate authority that the first start creates in the data directory, as mkcert does,
// or from files the operator names. Either way it is renewed or reloaded while serving,
// without restarting the listener.
package tlscert

import (
	"bytes"
	"cmp"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cashierpay/cashier/internal/datadir"
)

// The sandbox's files in the data directory. Each key file holds its certificate too, after
// the key, so that a pair is written in one atomic step: no reader, and no process starting
// beside this one, can see a key with another key's certificate. The certificate files are
// copies for people and tools; sandbox-ca.pem is the one that goes into trust stores.
const (
	caCertFile   = "sandbox-ca.pem"
	caKeyFile    = "sandbox-ca-key.pem"
	leafCertFile = "sandbox-tls.pem"
	leafKeyFile  = "sandbox-tls-key.pem"
)

const (
	caYears = 10
	// leafLifetime stays under the 398 days that Apple's and Chrome's TLS clients accept
	// for a server certificate.
	leafLifetime = 397 * 24 * time.Hour
	// renewBefore leaves a month in which a renewal that keeps failing shows in the logs
	// before clients start refusing the certificate.
	renewBefore = 30 * 24 * time.Hour
	// skew backdates certificates so that a client whose clock is a little behind accepts
	// one issued a moment ago.
	skew = time.Hour
)

// Options tune a Manager; the zero value suits a server.
type Options struct {
	// Now is the time certificates are issued at and checked against; default time.Now.
	// Outside tests it must be the wall clock, not the sandbox's test clock: clients check
	// the certificate against their own.
	Now func() time.Time
	// Interval is how often Run checks; default 12 h for the sandbox's renewal and 5 s for
	// changes to certificate files.
	Interval time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Secrets reads the sandbox's key files, which must be readable by their owner only:
	// the sandbox CA's key signs for any name wherever the CA is trusted.
	Secrets datadir.Secrets
}

// Manager serves the current certificate to TLS handshakes and replaces it as it is
// renewed or reloaded. It is safe for concurrent use.
type Manager struct {
	now      func() time.Time
	interval time.Duration
	log      *slog.Logger
	secrets  datadir.Secrets

	// dir is the sandbox's data directory, "" for Files; dns and ips are the names its
	// certificate must carry.
	dir string
	dns []string
	ips []net.IP

	certFile, keyFile string

	mu   sync.Mutex     // one load at a time, so that an older load never replaces a newer one
	seen [2]os.FileInfo // certFile and keyFile as of the last load; nil for a missing file

	cert atomic.Pointer[tls.Certificate]
}

func newManager(opts Options, interval time.Duration) *Manager {
	m := &Manager{now: opts.Now, interval: cmp.Or(opts.Interval, interval), log: cmp.Or(opts.Logger, slog.Default()), secrets: opts.Secrets}
	if m.now == nil {
		m.now = time.Now
	}
	return m
}

// Sandbox returns a Manager for the sandbox certificate in dir, creating the certificate
// authority and the certificate on first use and renewing them as they near expiry. The
// certificate names localhost, 127.0.0.1 and ::1, and each of hosts: an IP address or a DNS
// name, which a leading "*." makes a wildcard.
func Sandbox(dir string, hosts []string, opts Options) (*Manager, error) {
	m := newManager(opts, 12*time.Hour)
	m.dir = dir
	m.dns = []string{"localhost"}
	m.ips = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			if !slices.ContainsFunc(m.ips, ip.Equal) {
				m.ips = append(m.ips, ip)
			}
			continue
		}
		name := strings.ToLower(h)
		if !validName(name) {
			return nil, fmt.Errorf("tlscert: host %q is neither a DNS name nor an IP address", h)
		}
		if !slices.Contains(m.dns, name) {
			m.dns = append(m.dns, name)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tlscert: %w", err)
	}
	if err := m.Reload(); err != nil {
		return nil, err
	}
	return m, nil
}

// Files returns a Manager for the certificate in certFile (PEM, the chain after it if any)
// and its private key in keyFile.
func Files(certFile, keyFile string, opts Options) (*Manager, error) {
	m := newManager(opts, 5*time.Second)
	m.certFile, m.keyFile = certFile, keyFile
	if err := m.Reload(); err != nil {
		return nil, err
	}
	return m, nil
}

// TLSConfig returns a server configuration that serves the current certificate at each
// handshake. Its Certificates must stay empty: crypto/tls prefers them to GetCertificate
// when a client sends no server name, as clients dialing an IP address do.
func (m *Manager) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return m.cert.Load(), nil
		},
	}
}

// Leaf returns the certificate being served.
func (m *Manager) Leaf() *x509.Certificate { return m.cert.Load().Leaf }

// CAFile returns the path of the sandbox certificate authority's certificate, which clients
// must trust, or "" for a Manager of Files.
func (m *Manager) CAFile() string {
	if m.dir == "" {
		return ""
	}
	return filepath.Join(m.dir, caCertFile)
}

// Reload loads the certificate again: the sandbox's is renewed if due, files are read anew.
// On failure the previous certificate stays in service and the error is returned, not
// logged.
func (m *Manager) Reload() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, err := m.reloadLocked()
	return err
}

// Run checks for a new certificate every Interval until ctx ends: the sandbox's is renewed
// when due; files are loaded again when either changes. Failures are logged, and the
// previous certificate stays in service.
func (m *Manager) Run(ctx context.Context) {
	t := time.NewTicker(m.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m.check(ctx)
	}
}

func (m *Manager) check(ctx context.Context) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.dir == "" && !m.filesChanged() {
		return
	}
	changed, err := m.reloadLocked()
	switch {
	case err != nil:
		m.log.ErrorContext(ctx, "tlscert: loading the certificate failed; serving the previous one", "err", err)
	case changed:
		leaf := m.Leaf()
		names := slices.Clone(leaf.DNSNames)
		for _, ip := range leaf.IPAddresses {
			names = append(names, ip.String())
		}
		m.log.InfoContext(ctx, "tlscert: serving a new certificate", "names", strings.Join(names, ","), "not_after", leaf.NotAfter)
	}
}

// reloadLocked loads the certificate and serves it, reporting whether it differs from the
// one served before.
func (m *Manager) reloadLocked() (changed bool, err error) {
	var c *tls.Certificate
	if m.dir != "" {
		c, err = m.loadSandbox()
	} else {
		c, err = m.loadFiles()
	}
	if err != nil {
		return false, err
	}
	old := m.cert.Swap(c)
	return old == nil || !bytes.Equal(old.Leaf.Raw, c.Leaf.Raw), nil
}

func (m *Manager) loadFiles() (*tls.Certificate, error) {
	// Stat before reading: a change made during the read then shows at the next check.
	m.seen = m.stat()
	c, err := tls.LoadX509KeyPair(m.certFile, m.keyFile)
	if err != nil {
		return nil, fmt.Errorf("tlscert: %s and %s: %w", m.certFile, m.keyFile, err)
	}
	return &c, nil
}

func (m *Manager) stat() [2]os.FileInfo {
	var fi [2]os.FileInfo
	for i, name := range []string{m.certFile, m.keyFile} {
		if st, err := os.Stat(name); err == nil {
			fi[i] = st
		}
	}
	return fi
}

// filesChanged compares the files with the last load. Identity counts besides size and time
// because renewal tools replace files by renaming or by switching a symbolic link, which can
// keep both the same.
func (m *Manager) filesChanged() bool {
	now := m.stat()
	for i, b := range now {
		a := m.seen[i]
		if (a == nil) != (b == nil) || a != nil && (!os.SameFile(a, b) || !a.ModTime().Equal(b.ModTime()) || a.Size() != b.Size()) {
			return true
		}
	}
	return false
}

// loadSandbox returns the sandbox certificate, first creating or replacing the authority
// and the certificate where they are missing, broken or due for renewal. A new authority
// invalidates the certificate, which is then issued again.
func (m *Manager) loadSandbox() (*tls.Certificate, error) {
	ca, created, err := m.ensure(caKeyFile, caCertFile, m.caProblem, m.newCA)
	if err != nil {
		return nil, err
	}
	if created {
		m.log.Info("tlscert: created a sandbox certificate authority; clients must be told to trust it", "file", m.CAFile(), "subject", ca.Leaf.Subject.CommonName)
	}
	leaf, _, err := m.ensure(leafKeyFile, leafCertFile,
		func(c *tls.Certificate) error { return m.leafProblem(c, ca.Leaf) },
		func() ([]byte, error) { return m.newLeaf(ca) })
	return leaf, err
}

// ensure returns the pair in the key file name, replacing it with one from issue when it is
// missing or problem finds fault with it, and keeps the file certName a copy of its
// certificate. The bool reports a new pair.
//
// A missing pair is published with a hard link, which fails if another process got there
// first; this one then uses the winner's, so processes starting together on a fresh
// directory agree. A faulty pair is renamed over instead: two processes replacing the same
// pair at the same moment may each keep their own, until Run's next check reads the one
// that stayed.
func (m *Manager) ensure(name, certName string, problem func(*tls.Certificate) error, issue func() ([]byte, error)) (*tls.Certificate, bool, error) {
	path := filepath.Join(m.dir, name)
	// More than a few rounds means the file is appearing and vanishing under us, which is
	// worth an error rather than a spin.
	for range 3 {
		data, err := m.secrets.Read(path)
		missing := errors.Is(err, fs.ErrNotExist)
		if err != nil && !missing {
			return nil, false, fmt.Errorf("tlscert: %w", err)
		}
		if !missing {
			c, err := parsePair(data)
			if err == nil {
				err = problem(c)
			}
			if err == nil {
				return c, false, m.copyCert(certName, c)
			}
			m.log.Info("tlscert: replacing a sandbox key pair", "file", path, "reason", err)
		}
		if data, err = issue(); err != nil {
			return nil, false, err
		}
		if missing {
			err = datadir.Create(path, data)
		} else {
			err = datadir.Replace(path, data)
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, false, fmt.Errorf("tlscert: %w", err)
		}
		c, err := parsePair(data)
		if err != nil {
			return nil, false, err
		}
		return c, true, m.copyCert(certName, c)
	}
	return nil, false, fmt.Errorf("tlscert: %s keeps appearing and vanishing", path)
}

// parsePair reads a key file: a private key and the certificate that goes with it.
func parsePair(data []byte) (*tls.Certificate, error) {
	c, err := tls.X509KeyPair(data, data)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

func (m *Manager) copyCert(name string, c *tls.Certificate) error {
	path := filepath.Join(m.dir, name)
	want := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Leaf.Raw})
	if have, err := os.ReadFile(path); err == nil && bytes.Equal(have, want) {
		return nil
	}
	if err := datadir.Public(path, want); err != nil {
		return fmt.Errorf("tlscert: %w", err)
	}
	return nil
}

func (m *Manager) caProblem(c *tls.Certificate) error {
	if !c.Leaf.IsCA {
		return errors.New("not a certificate authority")
	}
	if m.now().Add(renewBefore).After(c.Leaf.NotAfter) {
		return fmt.Errorf("expires %s", c.Leaf.NotAfter.Format(time.DateOnly))
	}
	return nil
}

func (m *Manager) leafProblem(c *tls.Certificate, ca *x509.Certificate) error {
	leaf := c.Leaf
	if !bytes.Equal(leaf.RawIssuer, ca.RawSubject) || leaf.CheckSignatureFrom(ca) != nil {
		return errors.New("not issued by the current certificate authority")
	}
	now := m.now()
	if now.Before(leaf.NotBefore) {
		return fmt.Errorf("not valid before %s", leaf.NotBefore.Format(time.RFC3339))
	}
	if now.Add(renewBefore).After(leaf.NotAfter) {
		return fmt.Errorf("expires %s", leaf.NotAfter.Format(time.DateOnly))
	}
	for _, name := range m.dns {
		if !slices.Contains(leaf.DNSNames, name) {
			return fmt.Errorf("does not name %s", name)
		}
	}
	for _, ip := range m.ips {
		if !slices.ContainsFunc(leaf.IPAddresses, ip.Equal) {
			return fmt.Errorf("does not name %s", ip)
		}
	}
	return nil
}

func (m *Manager) newCA() ([]byte, error) {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown host"
	}
	// The random part tells apart two authorities of one machine, say of two data
	// directories, in a trust store.
	id := make([]byte, 4)
	rand.Read(id)
	now := m.now()
	return newPair(&x509.Certificate{
		Subject: pkix.Name{
			Organization: []string{"cashier sandbox"},
			CommonName:   fmt.Sprintf("cashier sandbox CA (%s %x)", host, id),
		},
		NotBefore:             now.Add(-skew),
		NotAfter:              now.AddDate(caYears, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, nil)
}

func (m *Manager) newLeaf(ca *tls.Certificate) ([]byte, error) {
	now := m.now()
	return newPair(&x509.Certificate{
		Subject:     pkix.Name{Organization: []string{"cashier sandbox"}},
		DNSNames:    m.dns,
		IPAddresses: m.ips,
		NotBefore:   now.Add(-skew),
		NotAfter:    now.Add(leafLifetime),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, ca)
}

// newPair makes a P-256 key and a certificate for it from tmpl, signed by parent or, when
// parent is nil, by the key itself, and returns them in the key file's format.
func newPair(tmpl *x509.Certificate, parent *tls.Certificate) ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	if tmpl.SerialNumber, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128)); err != nil {
		return nil, err
	}
	issuer, signer := tmpl, crypto.Signer(key)
	if parent != nil {
		issuer, signer = parent.Leaf, parent.PrivateKey.(crypto.Signer)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("tlscert: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return append(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...), nil
}

// validName accepts DNS names of letters, digits, hyphens and underscores (which Docker
// Compose service names may hold), with an optional leading "*." for a wildcard.
func validName(name string) bool {
	name = strings.TrimPrefix(name, "*.")
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
