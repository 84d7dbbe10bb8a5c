// Package signer picks the gateway's RSA signer: OpenSSL's libcrypto when the build has cgo
// and the machine has libcrypto.so.3, else the standard library's. Every response and
// notification carries an RSA-2048 signature, so the signer sets the gateway's ceiling;
// OpenSSL signs several times faster than crypto/rsa (docs/performance.md). ams keeps only
// the standard library's signer because merchants import it.
package signer

import (
	"crypto/rsa"
	"fmt"

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
	switch impl {
	case Go:
		return ams.RSASigner{Key: key}, Go, nil
	case OpenSSL, Auto:
		s, err := newOpenSSL(key)
		if err == nil {
			err = check(s, key)
		}
		if err == nil {
			return s, OpenSSL, nil
		}
		if impl == OpenSSL {
			return nil, "", err
		}
		return ams.RSASigner{Key: key}, Go, nil
	}
	return nil, "", fmt.Errorf("unknown signer %q (want %s, %s or %s)", impl, Auto, Go, OpenSSL)
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
