//go:build cgo

package signer

import (
	"crypto"
	"crypto/rsa"
	"fmt"
	"math/big"
	"runtime"
	"sync"

	"github.com/golang-fips/openssl/v2"
	"github.com/golang-fips/openssl/v2/bbig"

	"github.com/cashierpay/cashier/ams"
)

// libcrypto is the library loaded: OpenSSL 3's, whose providers sign from many threads at
// once without a global lock.
func libcrypto() string {
	if runtime.GOOS == "darwin" {
		return "libcrypto.3.dylib"
	}
	return "libcrypto.so.3"
}

// loadOpenSSL loads libcrypto once per process and returns its version text.
var loadOpenSSL = sync.OnceValues(func() (string, error) {
	if err := openssl.Init(libcrypto()); err != nil {
		return "", fmt.Errorf("openssl: cannot load %s: %w", libcrypto(), err)
	}
	return openssl.VersionText(), nil
})

// opensslSigner signs with an EVP_PKEY that OpenSSL shares between threads read-only; each
// Sign makes its own digest context, so the signer is safe for concurrent use.
type opensslSigner struct{ key *openssl.PrivateKeyRSA }

func newOpenSSL(key *rsa.PrivateKey) (ams.Signer, error) {
	if _, err := loadOpenSSL(); err != nil {
		return nil, err
	}
	if len(key.Primes) != 2 {
		return nil, fmt.Errorf("openssl: the key has %d primes; OpenSSL is given two-prime keys only", len(key.Primes))
	}
	key.Precompute()
	p := key.Precomputed
	k, err := openssl.NewPrivateKeyRSA(bbig.Enc(key.N), bbig.Enc(big.NewInt(int64(key.E))), bbig.Enc(key.D),
		bbig.Enc(key.Primes[0]), bbig.Enc(key.Primes[1]), bbig.Enc(p.Dp), bbig.Enc(p.Dq), bbig.Enc(p.Qinv))
	if err != nil {
		return nil, fmt.Errorf("openssl: %w", err)
	}
	return &opensslSigner{key: k}, nil
}

// Sign implements ams.Signer: SHA-256 and PKCS#1 v1.5 in one OpenSSL call.
func (s *opensslSigner) Sign(content []byte) ([]byte, error) {
	return openssl.HashSignRSAPKCS1v15(s.key, crypto.SHA256, content)
}

// opensslVerifier verifies with an EVP_PKEY made once from the public key, which OpenSSL
// shares between threads read-only; each Verify makes its own digest context.
type opensslVerifier struct{ key *openssl.PublicKeyRSA }

func newOpenSSLVerifier(pub *rsa.PublicKey) (ams.Verifier, error) {
	if _, err := loadOpenSSL(); err != nil {
		return nil, err
	}
	k, err := openssl.NewPublicKeyRSA(bbig.Enc(pub.N), bbig.Enc(big.NewInt(int64(pub.E))))
	if err != nil {
		return nil, fmt.Errorf("openssl: %w", err)
	}
	return &opensslVerifier{key: k}, nil
}

// Verify implements ams.Verifier: SHA-256 and PKCS#1 v1.5 in one OpenSSL call, which, as
// crypto/rsa, refuses a signature that is not exactly the modulus' length. A failure is
// crypto/rsa's ErrVerification, as ams.Verify's is.
func (v *opensslVerifier) Verify(content, sig []byte) error {
	if openssl.HashVerifyRSAPKCS1v15(v.key, crypto.SHA256, content, sig) != nil {
		return rsa.ErrVerification
	}
	return nil
}
