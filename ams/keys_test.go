package ams_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/ams"
)

// bare strips the PEM armour and the line breaks: the form the Antom dashboard hands out.
func bare(pemText string) string {
	var b strings.Builder
	for _, line := range strings.Split(pemText, "\n") {
		if strings.HasPrefix(line, "-----") {
			continue
		}
		b.WriteString(strings.TrimSpace(line))
	}
	return b.String()
}

// wrapped keeps the line breaks but drops the armour, as keys pasted from a file often are.
func wrapped(pemText string) string {
	var lines []string
	for _, line := range strings.Split(pemText, "\n") {
		if !strings.HasPrefix(line, "-----") {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}

func TestParsePrivateKeyForms(t *testing.T) {
	want := vectorKey(t)
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(want)}))
	forms := map[string]string{
		"PEM PKCS#8":              testPrivateKeyPEM,
		"PEM PKCS#8 with padding": "\n  " + testPrivateKeyPEM + "\n\n",
		"bare base64 PKCS#8":      bare(testPrivateKeyPEM),
		"wrapped base64 PKCS#8":   wrapped(testPrivateKeyPEM),
		"PEM PKCS#1":              pkcs1,
		"bare base64 PKCS#1":      bare(pkcs1),
		"EncodePrivateKey output": ams.EncodePrivateKey(want),
	}
	for name, s := range forms {
		k, err := ams.ParsePrivateKey(s)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !k.Equal(want) {
			t.Errorf("%s: different key", name)
		}
	}
	if got := ams.EncodePrivateKey(want); got != bare(testPrivateKeyPEM) {
		t.Logf("EncodePrivateKey differs byte-wise from OpenSSL's PKCS#8 (still the same key)")
	}
}

func TestParsePublicKeyForms(t *testing.T) {
	want := &vectorKey(t).PublicKey
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(want)}))
	forms := map[string]string{
		"PEM SPKI":              testPublicKeyPEM,
		"bare base64 SPKI":      bare(testPublicKeyPEM),
		"wrapped base64 SPKI":   wrapped(testPublicKeyPEM),
		"bare base64 with CRLF": strings.ReplaceAll(wrapped(testPublicKeyPEM), "\n", "\r\n"),
		"PEM PKCS#1":            pkcs1,
	}
	for name, s := range forms {
		k, err := ams.ParsePublicKey(s)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !k.Equal(want) {
			t.Errorf("%s: different key", name)
		}
	}
	// The dashboard form is exactly what OpenSSL writes inside the PEM armour.
	if got := ams.EncodePublicKey(want); got != bare(testPublicKeyPEM) {
		t.Errorf("EncodePublicKey = %s\nwant %s", got, bare(testPublicKeyPEM))
	}
}

func TestParseKeysRejectGarbage(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPriv, _ := x509.MarshalPKCS8PrivateKey(ec)
	ecPub, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)

	privBad := map[string]string{
		"empty":            "",
		"not base64":       "this is not a key!",
		"base64 of junk":   base64.StdEncoding.EncodeToString([]byte("junk")),
		"broken PEM":       "-----BEGIN PRIVATE KEY-----\n@@@@\n-----END PRIVATE KEY-----",
		"truncated PEM":    testPrivateKeyPEM[:200],
		"public for priv":  bare(testPublicKeyPEM),
		"EC PKCS#8":        base64.StdEncoding.EncodeToString(ecPriv),
		"truncated base64": bare(testPrivateKeyPEM)[:400],
	}
	for name, s := range privBad {
		if _, err := ams.ParsePrivateKey(s); err == nil {
			t.Errorf("ParsePrivateKey(%s) accepted it", name)
		}
	}
	pubBad := map[string]string{
		"empty":          "",
		"not base64":     "ssh-rsa AAAAB3NzaC1yc2E",
		"base64 of junk": base64.StdEncoding.EncodeToString([]byte("junk")),
		"private as pub": bare(testPrivateKeyPEM),
		"EC SPKI":        base64.StdEncoding.EncodeToString(ecPub),
		"broken PEM":     "-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----",
	}
	for name, s := range pubBad {
		if _, err := ams.ParsePublicKey(s); err == nil {
			t.Errorf("ParsePublicKey(%s) accepted it", name)
		}
	}
}
