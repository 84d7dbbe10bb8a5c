package ams_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/ams"
)

// vectorKey parses the fixture key with the standard library only, so that the vector does
// not depend on the code under test.
func vectorKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	b, _ := pem.Decode([]byte(testPrivateKeyPEM))
	if b == nil {
		t.Fatal("fixture key is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}

const (
	vectorPath     = "/ams/api/v1/payments/pay"
	vectorClientID = "CLIENT"
	vectorTime     = "1685599933871"
	vectorBody     = `{"productCode":"CASHIER_PAYMENT","paymentRequestId":"REQ-0001","paymentAmount":{"currency":"USD","value":"1000"}}`
)

// tamperedVector are the vector's request with one part of what is signed changed: the
// vector's signature must verify none of them, with any implementation.
var tamperedVector = []struct {
	name                         string
	method, path, client, tstamp string
	body                         string
}{
	{"body", "POST", vectorPath, vectorClientID, vectorTime, strings.Replace(vectorBody, "1000", "1001", 1)},
	{"body whitespace", "POST", vectorPath, vectorClientID, vectorTime, strings.Replace(vectorBody, ":", ": ", 1)},
	{"path", "POST", "/ams/sandbox/api/v1/payments/pay", vectorClientID, vectorTime, vectorBody},
	{"client id", "POST", vectorPath, "CLIENT2", vectorTime, vectorBody},
	{"time", "POST", vectorPath, vectorClientID, "1685599933872", vectorBody},
	{"method", "GET", vectorPath, vectorClientID, vectorTime, vectorBody},
}

func TestSignContentMatchesVector(t *testing.T) {
	got := ams.SignContent("POST", vectorPath, vectorClientID, vectorTime, []byte(vectorBody))
	if string(got) != vectorContent {
		t.Fatalf("SignContent =\n%q\nwant\n%q", got, vectorContent)
	}
}

func TestSignatureVectorByHand(t *testing.T) {
	key := vectorKey(t)

	// Sign the way the Antom docs describe it, with crypto/rsa directly.
	sum := sha256.Sum256([]byte(vectorContent))
	raw, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString(raw)
	if b64 != vectorSignatureBase64 {
		t.Fatalf("crypto/rsa signature differs from the OpenSSL vector:\n%s\n%s", b64, vectorSignatureBase64)
	}
	// URL-encode by hand: base64's only non-query-safe characters are + / =.
	escaped := strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(b64)
	want := "algorithm=RSA256,keyVersion=1,signature=" + escaped
	if want != vectorHeader {
		t.Fatalf("hand-built header differs from vector:\n%s\n%s", want, vectorHeader)
	}
	// The vector really exercises the escaping.
	for _, c := range []string{"%2B", "%2F", "%3D"} {
		if !strings.Contains(vectorHeader, c) {
			t.Fatalf("vector header has no %s; pick another vector", c)
		}
	}
}

func TestSignHeaderMatchesVector(t *testing.T) {
	key := vectorKey(t)
	got, err := ams.SignHeader(ams.RSASigner{Key: key}, "1", "POST", vectorPath, vectorClientID, vectorTime, []byte(vectorBody))
	if err != nil {
		t.Fatal(err)
	}
	if got != vectorHeader {
		t.Fatalf("SignHeader =\n%s\nwant\n%s", got, vectorHeader)
	}
	raw, err := ams.RSASigner{Key: key}.Sign([]byte(vectorContent))
	if err != nil {
		t.Fatal(err)
	}
	if base64.StdEncoding.EncodeToString(raw) != vectorSignatureBase64 {
		t.Fatal("RSASigner.Sign differs from the vector")
	}
}

func TestVerifyHeaderVector(t *testing.T) {
	pub, err := ams.ParsePublicKey(testPublicKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	spaced := strings.ReplaceAll(vectorHeader, ",", ", ")
	for _, h := range []string{vectorHeader, spaced} {
		if err := ams.VerifyHeader(pub, "POST", vectorPath, vectorClientID, vectorTime, []byte(vectorBody), h); err != nil {
			t.Errorf("VerifyHeader(%.40q...) = %v", h, err)
		}
	}
	raw, _ := base64.StdEncoding.DecodeString(vectorSignatureBase64)
	if err := ams.Verify(pub, []byte(vectorContent), raw); err != nil {
		t.Errorf("Verify = %v", err)
	}

	for _, tc := range tamperedVector {
		if err := ams.VerifyHeader(pub, tc.method, tc.path, tc.client, tc.tstamp, []byte(tc.body), vectorHeader); err == nil {
			t.Errorf("tampered %s: VerifyHeader accepted it", tc.name)
		}
	}

	other := otherKey(t)
	if err := ams.VerifyHeader(&other.PublicKey, "POST", vectorPath, vectorClientID, vectorTime, []byte(vectorBody), vectorHeader); err == nil {
		t.Error("VerifyHeader accepted a signature under another key")
	}
}

func TestSignRoundTrip(t *testing.T) {
	key := vectorKey(t)
	body := []byte(`{"a":"\u003cb\u003e","n":1}`)
	h, err := ams.SignHeader(ams.RSASigner{Key: key}, "1", "POST", "/notify", "SANDBOX_5X00000000000000", "2026-11-22T12:27:10+08:00", body)
	if err != nil {
		t.Fatal(err)
	}
	if err := ams.VerifyHeader(&key.PublicKey, "POST", "/notify", "SANDBOX_5X00000000000000", "2026-11-22T12:27:10+08:00", body, h); err != nil {
		t.Fatal(err)
	}
}

func TestFormatSignatureHeader(t *testing.T) {
	// 0xfb 0xff encodes to "+/8=": all three characters that need escaping.
	got := ams.FormatSignatureHeader("1", []byte{0xfb, 0xff})
	want := "algorithm=RSA256,keyVersion=1,signature=%2B%2F8%3D"
	if got != want {
		t.Fatalf("FormatSignatureHeader = %q, want %q", got, want)
	}
	h := ams.FormatSignatureHeader("", make([]byte, 256))
	if strings.Contains(h, " ") {
		t.Errorf("header has spaces: %q", h)
	}
	i := strings.Index(h, "signature=")
	if i < 0 || strings.Contains(h[i:], ",") {
		t.Errorf("signature is not the last attribute: %q", h)
	}
	if !strings.HasPrefix(h, "algorithm=RSA256,keyVersion=1,") {
		t.Errorf("header does not start with algorithm and keyVersion: %q", h)
	}
	// A rotated key names its version, and the parser gives it back.
	h = ams.FormatSignatureHeader("12", []byte{0xfb, 0xff})
	if h != "algorithm=RSA256,keyVersion=12,signature=%2B%2F8%3D" {
		t.Errorf("FormatSignatureHeader(\"12\") = %q", h)
	}
	if back, err := ams.ParseSignatureHeader(h); err != nil || back.KeyVersion != "12" {
		t.Errorf("ParseSignatureHeader(%q) = %+v, %v; want keyVersion 12", h, back, err)
	}
}

func TestParseSignatureHeader(t *testing.T) {
	want, _ := base64.StdEncoding.DecodeString(vectorSignatureBase64)
	sig := vectorHeader[strings.Index(vectorHeader, "signature=")+len("signature="):]

	good := []struct {
		name, header, keyVersion string
	}{
		{"sdk form", vectorHeader, "1"},
		{"doc form with spaces", "algorithm=RSA256, keyVersion=1, signature=" + sig, "1"},
		{"extra spaces", "  algorithm = RSA256 ,  keyVersion = 2 ,signature=" + sig + "  ", "2"},
		{"signature only", "signature=" + sig, ""},
		{"no algorithm", "keyVersion=1,signature=" + sig, "1"},
		{"unknown attribute", "algorithm=RSA256,foo=bar,keyVersion=1,signature=" + sig, "1"},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ams.ParseSignatureHeader(tc.header)
			if err != nil {
				t.Fatalf("ParseSignatureHeader(%q) = %v", tc.header, err)
			}
			if string(h.Signature) != string(want) {
				t.Errorf("signature bytes differ")
			}
			if h.KeyVersion != tc.keyVersion {
				t.Errorf("KeyVersion = %q, want %q", h.KeyVersion, tc.keyVersion)
			}
			if h.Algorithm != "" && h.Algorithm != "RSA256" {
				t.Errorf("Algorithm = %q", h.Algorithm)
			}
		})
	}

	bad := []struct{ name, header string }{
		{"empty", ""},
		{"spaces", "   "},
		{"no signature attribute", "algorithm=RSA256,keyVersion=1"},
		{"empty signature", "algorithm=RSA256,keyVersion=1,signature="},
		{"blank signature", "algorithm=RSA256,keyVersion=1,signature=   "},
		{"other algorithm", "algorithm=RSA512,keyVersion=1,signature=" + sig},
		{"bad percent escape", "algorithm=RSA256,keyVersion=1,signature=%ZZ" + sig},
		{"not base64", "algorithm=RSA256,keyVersion=1,signature=***"},
		{"signature not last", "signature=" + sig + ",algorithm=RSA256"},
		{"attribute without value", "algorithm,signature=" + sig},
		{"garbage", "Bearer abc.def.ghi"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ams.ParseSignatureHeader(tc.header)
			if err == nil {
				t.Fatalf("ParseSignatureHeader(%q) accepted it", tc.header)
			}
			if !errors.Is(err, ams.ErrSignatureHeader) {
				t.Errorf("error %v does not wrap ErrSignatureHeader", err)
			}
		})
	}
}

func TestVerifyHeaderRejectsMalformedHeader(t *testing.T) {
	pub, err := ams.ParsePublicKey(testPublicKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	err = ams.VerifyHeader(pub, "POST", vectorPath, vectorClientID, vectorTime, []byte(vectorBody), "nonsense")
	if !errors.Is(err, ams.ErrSignatureHeader) {
		t.Fatalf("VerifyHeader(nonsense) = %v, want ErrSignatureHeader", err)
	}
}

func TestNormalizePath(t *testing.T) {
	cases := map[string]string{
		"/ams/api/v1/payments/pay":           "/ams/api/v1/payments/pay",
		"//ams/api/v1/payments/pay":          "/ams/api/v1/payments/pay",
		"///ams/api/v1/payments/pay":         "/ams/api/v1/payments/pay",
		"/ams/api//v1/payments/pay":          "/ams/api/v1/payments/pay",
		"/ams/api/v1/payments/pay/":          "/ams/api/v1/payments/pay",
		"/ams/./api/v1/x/../payments/pay":    "/ams/api/v1/payments/pay",
		"/../../ams/api/v1/payments/pay":     "/ams/api/v1/payments/pay",
		"/ams/api/v1/payments/pay/.":         "/ams/api/v1/payments/pay",
		"/ams/sandbox/api/v1/payments//pay/": "/ams/sandbox/api/v1/payments/pay",
		"/":                                  "/",
		"//":                                 "/",
		"":                                   "/",
		"ams":                                "/ams",
	}
	for in, want := range cases {
		if got := ams.NormalizePath(in); got != want {
			t.Errorf("NormalizePath(%q) = %q, want %q", in, got, want)
		}
	}
}

// A sender that forgets to URL-encode still gets its '+' and '/' read as base64, not as
// spaces: base64 never contains '%', so an unescaped value is taken as it is.
func TestParseSignatureHeaderRawBase64(t *testing.T) {
	h, err := ams.ParseSignatureHeader("algorithm=RSA256,keyVersion=1,signature=+/8=")
	if err != nil {
		t.Fatal(err)
	}
	if string(h.Signature) != "\xfb\xff" {
		t.Fatalf("decoded %x", h.Signature)
	}
}
