// Package signer picks the gateway's RSA signer and verifier: OpenSSL's libcrypto when the
// build has cgo and the machine has libcrypto.so.3, else the standard library's. Every
// response and notification carries an RSA-2048 signature, so the signer sets the gateway's
// ceiling; OpenSSL signs several times faster than crypto/rsa (docs/performance.md). Every
// request's signature is verified too, and every answer's by the load generator beside it;
// OpenSSL verifies with a key prepared once, where crypto/rsa converts the key on each call.
// ams keeps only the standard library's implementations because merchants import it.
package signer

import (
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"

	"github.com/cashierpay/cashier/ams"
)

// The implementations, as --signer names them.
const (
	// Auto is OpenSSL when it loads, else Go.
	Auto = "auto"
	// Go is ams.RSASigner, pure Go: what a build without cgo has.
	Go = "go"
	// OpenSSL is libcrypto through github.com/golang-fips/openssl, loaded at run time.
	OpenSSL = "openssl"
)

// Names are the values --signer accepts.
var Names = []string{Auto, Go, OpenSSL}

// selfTest is signed by a new OpenSSL signer and checked with crypto/rsa before the signer
// is used, so that a libcrypto that loads but signs wrongly is refused at start rather
// than discovered by merchants whose verifications fail.
var selfTest = []byte("POST /ams/api/v1/payments/pay\ncashier.0.{}")

// New returns the signer impl names for key, and the name of the one chosen: Auto gives
// OpenSSL when it loads and passes its self-test, else Go. Asking for OpenSSL where it does
// not load is an error that says why.
func New(key *rsa.PrivateKey, impl string) (ams.Signer, string, error) {
	return choose(impl, "signer", ams.Signer(ams.RSASigner{Key: key}), func() (ams.Signer, error) {
		s, err := newOpenSSL(key)
		if err == nil {
			err = check(s, key)
		}
		return s, err
	})
}

// choose applies New's rules to either kind of implementation: Go's, or OpenSSL's when open
// succeeds, with auto falling back to Go and openssl an error without it.
func choose[T any](impl, what string, goImpl T, open func() (T, error)) (T, string, error) {
	var none T
	switch impl {
	case Go:
		return goImpl, Go, nil
	case OpenSSL, Auto:
		v, err := open()
		if err == nil {
			return v, OpenSSL, nil
		}
		if impl == OpenSSL {
			return none, "", err
		}
		return goImpl, Go, nil
	}
	return none, "", fmt.Errorf("unknown %s %q (want %s, %s or %s)", what, impl, Auto, Go, OpenSSL)
}

// Available lists the implementations this build can use on this machine, Go first.
func Available() []string {
	if _, err := loadOpenSSL(); err != nil {
		return []string{Go}
	}
	return []string{Go, OpenSSL}
}

// Version describes the library behind impl, for the start banner.
func Version(impl string) string {
	if impl == OpenSSL {
		v, _ := loadOpenSSL()
		return v
	}
	return "Go crypto/rsa"
}

func check(s ams.Signer, key *rsa.PrivateKey) error {
	sig, err := s.Sign(selfTest)
	if err != nil {
		return fmt.Errorf("openssl: self-test signature: %w", err)
	}
	if err := ams.Verify(&key.PublicKey, selfTest, sig); err != nil {
		return fmt.Errorf("openssl: self-test signature does not verify: %w", err)
	}
	return nil
}

// NewVerifier returns the verifier impl names for pub, with pub prepared once, and the name
// of the one chosen, by the rules of New. An OpenSSL verifier accepts only the keys that
// crypto/rsa accepts, so that the choice never changes which requests verify.
func NewVerifier(pub *rsa.PublicKey, impl string) (ams.Verifier, string, error) {
	return choose(impl, "verifier", ams.Verifier(ams.RSAVerifier{Key: pub}), func() (ams.Verifier, error) {
		if err := verifierSelfTest(); err != nil {
			return nil, err
		}
		if err := acceptedKey(pub); err != nil {
			return nil, err
		}
		return newOpenSSLVerifier(pub)
	})
}

// Verifiers is NewVerifier bound to impl, in the form client.Config.NewVerifier takes: the
// gateway, the bench tool and its client prepare each key they verify with through it.
func Verifiers(impl string) func(*rsa.PublicKey) (ams.Verifier, error) {
	return func(pub *rsa.PublicKey) (ams.Verifier, error) {
		v, _, err := NewVerifier(pub, impl)
		return v, err
	}
}

// acceptedKey refuses the keys crypto/rsa refuses (under 1024 bits, even modulus or
// exponent, ...), which OpenSSL would take: crypto/rsa checks the key before the signature,
// so an all-zero signature fails with ErrVerification exactly when the key is acceptable.
func acceptedKey(pub *rsa.PublicKey) error {
	if pub == nil || pub.N == nil {
		return errors.New("rsa: no public key")
	}
	if err := ams.Verify(pub, selfTest, make([]byte, pub.Size())); !errors.Is(err, rsa.ErrVerification) {
		return err
	}
	return nil
}

// The vector of the verifiers' self-test: selfTest signed by a key made for it, both with
// the openssl command line, independently of this package. A verifier that accepts what it
// must refuse would let forged requests in, so OpenSSL's is checked once before any is used.
const (
	selfTestPublicKey = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArSOtUpxOk8bJ3SanAYokSWAVCCSlwAteUpf42S4g2wJsOqwVnVuGeojBI2fGQ+n2m+QY1PMxRsO5xbAye33Kw3o2sGjkayFvgXa4+g2aja1lraP6bqZJ2UzbgHvdIYfKQYUbfHNfg0n5mCEH8T8syLa1CtR8OgB6iJXCR4mgRrJMVKvsVu5y7xTgLEgPHmjKyGeRDsv5eH8JtRcTf4Pu4Tp7MXCy5mKbMLuEKWjNGSR9q2C5YUb1bdRRZ1Cl4cfEatQ5FILGHI/tKSzTOQ+O3/nK8nDOQl0zZx3AF7m30D82YMVMeaz3Slk0zFiJ851mpyWewRDZudeKlRB/0QwEiQIDAQAB"
	selfTestSignature = "RyCp5x2mXjajOPFcgV0Uh8fRnxGyxEKCN54jt1NuDLLVFMfDETvNPHNcHTJ664aAXQSQ3MPzQ6TeoQuUpdrP4gHKNNMyLV+WNBW5fRSjafg3M/1anz50tHWvrKpJseZpjTxHKLrZuRSA49+o6fd31cjDhp/0t2vPGDv7Hbicg7weNylot0aMohd3A62oAdVlMWuv+xxiQ/flMbzSCMFEDcEBNDZSdQHcW5cOuBHS4K2Q1YW1XJVs/BuIPm5TpupbAldV7GSWLOdXQv8YvyVcaFmb+cvMUFZ3Hw2QelN8LjqbbfRURInF7QKoUR5pvtd4SUf+Lb7m2S2HUgVGxmLwCg=="
)

// verifierSelfTest runs once per process: OpenSSL must verify the vector and refuse it with
// one bit of the content or of the signature changed.
var verifierSelfTest = sync.OnceValue(func() error {
	pub, err := ams.ParsePublicKey(selfTestPublicKey)
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(selfTestSignature)
	if err != nil {
		return err
	}
	v, err := newOpenSSLVerifier(pub)
	if err != nil {
		return err
	}
	if err := v.Verify(selfTest, sig); err != nil {
		return fmt.Errorf("openssl: self-test signature does not verify: %w", err)
	}
	content := append([]byte(nil), selfTest...)
	content[len(content)-1] ^= 1
	bad := append([]byte(nil), sig...)
	bad[len(bad)/2] ^= 1
	if v.Verify(content, sig) == nil || v.Verify(selfTest, bad) == nil {
		return errors.New("openssl: self-test: a changed content or signature verifies")
	}
	return nil
})
