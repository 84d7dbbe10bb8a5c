package ams_test

import (
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/signer"
)

// TestSignersMatchVector: every signer the gateway can run on this build and machine
// (internal/signer: crypto/rsa, and OpenSSL with cgo) makes OpenSSL's known signature of the
// vector and the header the SDKs send, byte for byte.
func TestSignersMatchVector(t *testing.T) {
	key := vectorKey(t)
	for _, impl := range signer.Available() {
		t.Run(impl, func(t *testing.T) {
			s, got, err := signer.New(key, impl)
			if err != nil || got != impl {
				t.Fatalf("signer.New(%s) = %s, %v", impl, got, err)
			}
			raw, err := s.Sign([]byte(vectorContent))
			if err != nil {
				t.Fatal(err)
			}
			if b64 := base64.StdEncoding.EncodeToString(raw); b64 != vectorSignatureBase64 {
				t.Fatalf("signature differs from the OpenSSL vector:\n%s\n%s", b64, vectorSignatureBase64)
			}
			h, err := ams.SignHeader(s, "1", "POST", vectorPath, vectorClientID, vectorTime, []byte(vectorBody))
			if err != nil || h != vectorHeader {
				t.Fatalf("SignHeader = %s, %v; want %s", h, err, vectorHeader)
			}
		})
	}
}

// TestVerifiersMatchVector: every verifier the gateway and the bench tool can run on this
// build and machine accepts OpenSSL's known signature of the vector and refuses it over any
// changed content, with a bit of it changed, cut short or under another key, as
// ams.Verify does.
func TestVerifiersMatchVector(t *testing.T) {
	pub, err := ams.ParsePublicKey(testPublicKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := base64.StdEncoding.DecodeString(vectorSignatureBase64)
	flipped := append([]byte(nil), sig...)
	flipped[len(flipped)-1] ^= 1
	for _, impl := range signer.Available() {
		t.Run(impl, func(t *testing.T) {
			v, got, err := signer.NewVerifier(pub, impl)
			if err != nil || got != impl {
				t.Fatalf("signer.NewVerifier(%s) = %s, %v", impl, got, err)
			}
			if err := v.Verify([]byte(vectorContent), sig); err != nil {
				t.Fatalf("the vector does not verify: %v", err)
			}
			for _, tc := range tamperedVector {
				content := ams.SignContent(tc.method, tc.path, tc.client, tc.tstamp, []byte(tc.body))
				if err := v.Verify(content, sig); !errors.Is(err, rsa.ErrVerification) {
					t.Errorf("tampered %s: Verify = %v, want rsa.ErrVerification", tc.name, err)
				}
			}
			for name, bad := range map[string][]byte{"flipped": flipped, "short": sig[1:], "long": append([]byte{0}, sig...), "empty": nil} {
				if err := v.Verify([]byte(vectorContent), bad); !errors.Is(err, rsa.ErrVerification) {
					t.Errorf("%s signature: Verify = %v, want rsa.ErrVerification", name, err)
				}
			}
			other, _, err := signer.NewVerifier(&otherKey(t).PublicKey, impl)
			if err != nil {
				t.Fatal(err)
			}
			if err := other.Verify([]byte(vectorContent), sig); err == nil {
				t.Error("a signature verified under another key")
			}
		})
	}
}
