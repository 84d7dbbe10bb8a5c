package ams

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// Header names of the signing scheme, spelled as Antom's docs spell them. HTTP says header
// names are case-insensitive, but the Python SDK looks response headers up by exactly these
// names and the PHP SDK skips verification when it cannot find them; write them with
// SetHeader.
const (
	HeaderClientID     = "client-id"
	HeaderRequestTime  = "request-time"
	HeaderResponseTime = "response-time"
	HeaderSignature    = "signature"
)

// SetHeader sets a header under exactly the name given. Header.Set would canonicalise
// "response-time" to "Response-Time", which case-sensitive readers do not find.
func SetHeader(h http.Header, name, value string) {
	h.Del(name)
	h[name] = []string{value}
}

// SignContent is the string that is signed: "POST <path>\n<clientId>.<time>.<body>".
// The body must be the exact bytes sent; re-serialising it breaks the signature.
func SignContent(method, path, clientID, timestamp string, body []byte) []byte {
	b := make([]byte, 0, len(method)+len(path)+len(clientID)+len(timestamp)+len(body)+4)
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, '\n')
	b = append(b, clientID...)
	b = append(b, '.')
	b = append(b, timestamp...)
	b = append(b, '.')
	b = append(b, body...)
	return b
}

// Signer makes the raw SHA256withRSA (PKCS#1 v1.5) signature of content. It is an
// interface because response and notification signing is the gateway's hot path and a
// faster implementation (an HSM, OpenSSL) can stand behind it.
type Signer interface {
	Sign(content []byte) ([]byte, error)
}

// RSASigner signs with an RSA private key using the standard library.
type RSASigner struct{ Key *rsa.PrivateKey }

// Sign implements Signer.
func (s RSASigner) Sign(content []byte) ([]byte, error) {
	sum := sha256.Sum256(content)
	return rsa.SignPKCS1v15(rand.Reader, s.Key, crypto.SHA256, sum[:])
}

// Verify checks a raw SHA256withRSA signature of content.
func Verify(pub *rsa.PublicKey, content, sig []byte) error {
	sum := sha256.Sum256(content)
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
}

// Verifier checks raw SHA256withRSA (PKCS#1 v1.5) signatures with one public key, as
// Verify does. It is an interface for the same reason as Signer: the gateway verifies every
// request, and a merchant or a load generator every answer, so an implementation that
// prepares its key once (OpenSSL) can stand behind it. It must be safe for concurrent use.
type Verifier interface {
	Verify(content, sig []byte) error
}

// RSAVerifier verifies with an RSA public key using the standard library (Verify).
type RSAVerifier struct{ Key *rsa.PublicKey }

// Verify implements Verifier.
func (v RSAVerifier) Verify(content, sig []byte) error { return Verify(v.Key, content, sig) }

// NewRSAVerifier is RSAVerifier as a verifier maker, the default where one can be given.
func NewRSAVerifier(pub *rsa.PublicKey) (Verifier, error) { return RSAVerifier{Key: pub}, nil }

// SignatureHeader is the parsed Signature header.
type SignatureHeader struct {
	Algorithm  string
	KeyVersion string
	Signature  []byte // raw signature bytes, URL- and base64-decoded
}

// HeaderKeyVersion is the header in which the Go and Java SDKs repeat the keyVersion of
// their Signature header.
const HeaderKeyVersion = "Key-Version"

// DefaultKeyVersion is the keyVersion the official SDKs send unless told otherwise.
const DefaultKeyVersion = "1"

// FormatSignatureHeader renders sig, made with the key of keyVersion, the way the official
// SDKs expect it: no spaces, signature last, base64 then URL query-escaped. An empty
// keyVersion is DefaultKeyVersion.
func FormatSignatureHeader(keyVersion string, sig []byte) string {
	if keyVersion == "" {
		keyVersion = DefaultKeyVersion
	}
	return "algorithm=RSA256,keyVersion=" + keyVersion + ",signature=" + url.QueryEscape(base64.StdEncoding.EncodeToString(sig))
}

// ErrSignatureHeader reports a Signature header that cannot be parsed.
var ErrSignatureHeader = errors.New("malformed Signature header")

// ParseSignatureHeader reads "algorithm=RSA256, keyVersion=1, signature=<url-encoded base64>".
// Pairs may be separated by commas with or without spaces. Everything after "signature="
// is the signature, as the SDKs read it, because base64 can contain what looks like a
// separator once URL-decoded.
func ParseSignatureHeader(h string) (SignatureHeader, error) {
	var out SignatureHeader
	i := strings.Index(h, "signature=")
	if i < 0 {
		return out, fmt.Errorf("%w: no signature=", ErrSignatureHeader)
	}
	raw := strings.TrimSpace(h[i+len("signature="):])
	for _, part := range strings.Split(h[:i], ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return out, fmt.Errorf("%w: %q is not key=value", ErrSignatureHeader, part)
		}
		switch strings.TrimSpace(k) {
		case "algorithm":
			out.Algorithm = strings.TrimSpace(v)
		case "keyVersion":
			out.KeyVersion = strings.TrimSpace(v)
		}
	}
	if out.Algorithm != "" && out.Algorithm != "RSA256" {
		return out, fmt.Errorf("%w: algorithm %q is not RSA256", ErrSignatureHeader, out.Algorithm)
	}
	if raw == "" {
		return out, fmt.Errorf("%w: empty signature", ErrSignatureHeader)
	}
	// Base64 has no '%': without one the sender did not URL-encode, and QueryUnescape would
	// wrongly turn its '+' into spaces.
	unescaped := raw
	if strings.Contains(raw, "%") {
		var err error
		if unescaped, err = url.QueryUnescape(raw); err != nil {
			return out, fmt.Errorf("%w: signature is not URL-encoded", ErrSignatureHeader)
		}
	}
	sig, err := base64.StdEncoding.DecodeString(unescaped)
	if err != nil {
		return out, fmt.Errorf("%w: signature is not base64", ErrSignatureHeader)
	}
	out.Signature = sig
	return out, nil
}

// VerifyHeader checks a Signature header against the signed content.
func VerifyHeader(pub *rsa.PublicKey, method, path, clientID, timestamp string, body []byte, header string) error {
	h, err := ParseSignatureHeader(header)
	if err != nil {
		return err
	}
	return Verify(pub, SignContent(method, path, clientID, timestamp, body), h.Signature)
}

// SignHeader signs the content with s, the key of keyVersion, and returns the value of the
// Signature header.
func SignHeader(s Signer, keyVersion, method, path, clientID, timestamp string, body []byte) (string, error) {
	sig, err := s.Sign(SignContent(method, path, clientID, timestamp, body))
	if err != nil {
		return "", err
	}
	return FormatSignatureHeader(keyVersion, sig), nil
}

// NormalizePath is the path a sender meant: repeated slashes collapsed, "." and ".."
// segments resolved, no trailing slash. An SDK whose base URL ends in "/" sends
// "//ams/..." but signs "/ams/..."; the Python SDK posts one API to "/ams/api//v1/...".
func NormalizePath(p string) string {
	return path.Clean("/" + p)
}

// TimeLayout is the ISO 8601 layout, with offset, of response times and of the time fields
// of bodies (paymentCreateTime, captureTime, ...).
const TimeLayout = "2006-01-02T15:04:05-07:00"

// FormatTime renders t in TimeLayout.
func FormatTime(t time.Time) string { return t.Format(TimeLayout) }

// ParseTime reads an ISO 8601 time with an offset (or Z), with or without fractions of a second.
func ParseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }
