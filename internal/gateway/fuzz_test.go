package gateway

import (
	"strings"
	"testing"

	"github.com/cashierpay/cashier/internal/datadir"
	"github.com/cashierpay/cashier/internal/vault"
)

// FuzzPaymentOfToken checks the hosted page's token: any string gives an answer without a
// panic; a token verifies only as the token its key makes for the payment it names; a token
// minted for an id opens that payment, and no change to one byte of it, nor the same token
// made under another keyring, opens anything.
//
//	go test ./internal/gateway -run '^$' -fuzz FuzzPaymentOfToken -fuzztime 60s
func FuzzPaymentOfToken(f *testing.F) {
	ours, theirs := testCore(f), testCore(f)
	valid := ours.Tokens.Make("pay_2b1c6d0e-1f7a-4c1e-9d61-6a3c2f0e9b11")
	f.Add("pay_2b1c6d0e-1f7a-4c1e-9d61-6a3c2f0e9b11", valid, uint(len(valid)-1), byte(1))
	f.Add("pay_1", valid, uint(0), byte('.'))
	f.Add("a.b", "a.b", uint(1), byte(0))
	f.Add("", ".", uint(0), byte(0x80))
	f.Add("pay_1", "pay_1."+strings.Repeat("A", 24), uint(7), byte(2))
	f.Add("日本", "\xff.\x00", uint(3), byte(0xff))

	f.Fuzz(func(t *testing.T, id, token string, pos uint, flip byte) {
		if got, ok := ours.Tokens.PaymentOf(token); ok {
			if strings.Contains(got, ".") || ours.Tokens.Make(got) != token {
				t.Fatalf("PaymentOfToken(%q) opened %q, whose token is %q", token, got, ours.Tokens.Make(got))
			}
		}
		minted := ours.Tokens.Make(id)
		got, ok := ours.Tokens.PaymentOf(minted)
		if wantOK := !strings.Contains(id, "."); ok != wantOK || (ok && got != id) {
			t.Fatalf("PaymentOfToken(PageToken(%q)) = %q, %v", id, got, ok)
		}
		if _, ok := theirs.Tokens.PaymentOf(minted); ok {
			t.Fatalf("another keyring accepts the token of %q", id)
		}
		if flip == 0 || len(minted) == 0 {
			return
		}
		b := []byte(minted)
		b[pos%uint(len(b))] ^= flip
		if got, ok := ours.Tokens.PaymentOf(string(b)); ok {
			t.Fatalf("token %q, one byte off the token of %q, opened %q", b, id, got)
		}
	})
}

// testCore is a Core with a keyring of its own, which is all page tokens need.
func testCore(f *testing.F) *Core {
	f.Helper()
	kr, err := vault.LoadOrCreate(f.TempDir(), datadir.Secrets{})
	if err != nil {
		f.Fatal(err)
	}
	return New(Config{Vault: kr})
}
