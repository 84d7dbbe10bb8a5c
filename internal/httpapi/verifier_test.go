package httpapi

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"

	"github.com/cashierpay/cashier/ams"
)

// TestVerifierPreparedOnce: a merchant's key is parsed and prepared by Config.NewVerifier
// on its first request only (OpenSSL's form costs more than a verification), and another
// key gets its own verifier.
func TestVerifierPreparedOnce(t *testing.T) {
	prepared := map[string]int{}
	s := New(Config{NewVerifier: func(pub *rsa.PublicKey) (ams.Verifier, error) {
		prepared[ams.EncodePublicKey(pub)]++
		return ams.RSAVerifier{Key: pub}, nil
	}})
	var texts []string
	for range 2 {
		k, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, ams.EncodePublicKey(&k.PublicKey))
	}
	first, err := s.verifier(texts[0])
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		for _, text := range texts {
			if _, err := s.verifier(text); err != nil {
				t.Fatal(err)
			}
		}
	}
	again, _ := s.verifier(texts[0])
	if prepared[texts[0]] != 1 || prepared[texts[1]] != 1 || again != first {
		t.Errorf("prepared %v times; the verifier of the first key changed: %v", prepared, again != first)
	}
	if _, err := s.verifier("not a key"); err == nil {
		t.Error("a malformed key gave a verifier")
	}
}
