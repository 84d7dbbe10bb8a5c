package signer_test

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/signer"
)

// The known-answer vector over both signers is ams's (ams/signers_test.go), next to the
// vector itself; these tests compare the signers with each other and check the choice.

var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// signers are the implementations this build and machine have, by name.
func signers(t testing.TB) map[string]ams.Signer {
	t.Helper()
	out := map[string]ams.Signer{}
	for _, impl := range signer.Available() {
		s, got, err := signer.New(testKey(), impl)
		if err != nil || got != impl {
			t.Fatalf("New(%s) = %s, %v", impl, got, err)
		}
		out[impl] = s
	}
	return out
}

// TestSignersAgree: PKCS#1 v1.5 is deterministic, so every implementation must produce the
// same bytes as crypto/rsa for the same key and content, and the signature verifies.
func TestSignersAgree(t *testing.T) {
	ss := signers(t)
	if len(ss) < 2 {
		t.Logf("only %v available: nothing to compare with", signer.Available())
	}
	for i, n := range []int{0, 1, 55, 56, 64, 1000, 1 << 16} {
		content := make([]byte, n)
		rand.Read(content)
		want, err := ss[signer.Go].Sign(content)
		if err != nil {
			t.Fatal(err)
		}
		for impl, s := range ss {
			got, err := s.Sign(content)
			if err != nil {
				t.Fatalf("%s: %v", impl, err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("content %d (%d bytes): %s's signature differs from crypto/rsa's", i, n, impl)
			}
			if err := ams.Verify(&testKey().PublicKey, content, got); err != nil {
				t.Errorf("%s: %v", impl, err)
			}
		}
	}
}

// TestConcurrentSign: the gateway signs from every request's goroutine with one signer;
// run with -race, and each goroutine's signature must be its content's.
func TestConcurrentSign(t *testing.T) {
	for impl, s := range signers(t) {
		t.Run(impl, func(t *testing.T) {
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					for i := range 20 {
						content := fmt.Appendf(nil, "goroutine %d message %d", g, i)
						sig, err := s.Sign(content)
						if err == nil {
							err = ams.Verify(&testKey().PublicKey, content, sig)
						}
						if err != nil {
							t.Errorf("goroutine %d message %d: %v", g, i, err)
							return
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

func TestChoice(t *testing.T) {
	avail := signer.Available()
	_, got, err := signer.New(testKey(), signer.Auto)
	if err != nil {
		t.Fatal(err)
	}
	if want := avail[len(avail)-1]; got != want {
		t.Errorf("auto chose %s with %v available; want %s", got, avail, want)
	}
	if _, got, err := signer.New(testKey(), signer.Go); err != nil || got != signer.Go {
		t.Errorf("go: %s, %v", got, err)
	}
	_, _, err = signer.New(testKey(), signer.OpenSSL)
	if slices.Contains(avail, signer.OpenSSL) != (err == nil) {
		t.Errorf("openssl with %v available: %v", avail, err)
	}
	if _, _, err := signer.New(testKey(), "boring"); err == nil {
		t.Error("an unknown signer was accepted")
	}
}

// BenchmarkSign measures one RSA-2048 signature of a response-sized content per
// implementation; -cpu 2 and RunParallel show how it scales over cores.
func BenchmarkSign(b *testing.B) {
	content := make([]byte, 600)
	rand.Read(content)
	for _, impl := range signer.Available() {
		s, _, err := signer.New(testKey(), impl)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(impl, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.Sign(content); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sigs/s")
		})
	}
}
