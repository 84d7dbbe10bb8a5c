package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

	"github.com/cashierpay/cashier/internal/vault"
)

// PageTokens make and check the unguessable part of hosted-page and SDK-frame URLs: the
// payment id with an HMAC of it under the keyring's page keys, so that any node can check a
// token without storing it.
type PageTokens struct {
	keys *vault.Keyring
}

// Make returns the token of a payment under the current page key.
func (t PageTokens) Make(paymentID string) string {
	return pageToken(t.keys.MACKey(vault.PageTokens), paymentID)
}

func pageToken(key []byte, paymentID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("hosted-page:" + paymentID))
	return paymentID + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// PaymentOf checks a page token and says which payment it opens. The token does not
// name its key: each key that still verifies is tried, the current one first, so that links
// handed out before a rotation keep working. A token no key accepts sends the keyring back to
// its file once (at most every few seconds), for a key another node's rotation added.
func (t PageTokens) PaymentOf(token string) (paymentID string, ok bool) {
	id, _, ok := strings.Cut(token, ".")
	if !ok {
		return "", false
	}
	kr := t.keys
	for {
		// Key custody runs on the wall clock, not the sandbox's test clock: keys are made
		// and retired in real time.
		for _, key := range kr.MACKeys(vault.PageTokens, time.Now()) {
			if hmac.Equal([]byte(pageToken(key, id)), []byte(token)) {
				return id, true
			}
		}
		if !kr.Reload() {
			return "", false
		}
	}
}

// vaultingMark begins the id a vaulting's page token is made of: no payment id (hex) begins
// with it, so a vaulting's token never opens a payment, nor a payment's a vaulting.
const vaultingMark = "v"

// MakeVaulting returns the page token of a vaulting.
func (t PageTokens) MakeVaulting(vaultingID string) string { return t.Make(vaultingMark + vaultingID) }

// VaultingOf checks a page token and says which vaulting it opens; ok is false for a
// payment's token or a forged one.
func (t PageTokens) VaultingOf(token string) (vaultingID string, ok bool) {
	if !strings.HasPrefix(token, vaultingMark) {
		return "", false
	}
	id, ok := t.PaymentOf(token)
	if !ok {
		return "", false
	}
	return strings.CutPrefix(id, vaultingMark)
}

// VaultingPageURL is the page where the buyer gives or verifies the card of a vaulting, on
// the URL of the request of ctx.
func (c *Core) VaultingPageURL(ctx context.Context, vaultingID string) string {
	return c.PublicURL(ctx) + "/checkout/" + c.Tokens.MakeVaulting(vaultingID)
}

// PageURL is the hosted page where the buyer continues a payment, on the URL of the
// request of ctx.
func (c *Core) PageURL(ctx context.Context, paymentID string) string {
	return c.PublicURL(ctx) + "/checkout/" + c.Tokens.Make(paymentID)
}
