//go:build !cgo

package signer

import (
	"crypto/rsa"
	"errors"

	"github.com/cashierpay/cashier/ams"
)

var errNoCgo = errors.New("openssl: this build has no cgo (CGO_ENABLED=0), so it cannot load libcrypto; the Go signer is its only one")

func loadOpenSSL() (string, error) { return "", errNoCgo }

func newOpenSSL(*rsa.PrivateKey) (ams.Signer, error) { return nil, errNoCgo }

func newOpenSSLVerifier(*rsa.PublicKey) (ams.Verifier, error) { return nil, errNoCgo }
