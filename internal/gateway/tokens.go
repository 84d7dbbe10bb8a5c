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

// PageToken makes the unguessable part of a hosted-page URL: the payment id with an HMAC of
// it under the keyring's current page key, so that any node can check a token without
// storing it.
func (c *Core) PageToken(paymentID string) string {
	return pageToken(c.Cards.vault.MACKey(vault.PageTokens), paymentID)
}

func pageToken(key []byte, paymentID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("hosted-page:" + paymentID))
	return paymentID + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// PaymentOfToken checks a page token and says which payment it opens. The token does not
// name its key: each key that still verifies is tried, the current one first, so that links
// handed out before a rotation keep working. A token no key accepts sends the keyring back to
// its file once (at most every few seconds), for a key another node's rotation added.
func (c *Core) PaymentOfToken(token string) (paymentID string, ok bool) {
	id, _, ok := strings.Cut(token, ".")
	if !ok {
		return "", false
	}
	kr := c.Cards.vault
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

// PageURL is the hosted page where the buyer continues a payment, on the URL of the
// request of ctx.
func (c *Core) PageURL(ctx context.Context, paymentID string) string {
	return c.PublicURL(ctx) + "/checkout/" + c.PageToken(paymentID)
}
