package ams_test

import (
	"encoding/base64"
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
