package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// PageToken makes the unguessable part of a hosted-page URL: the payment id with an HMAC of
// it, so that any node can check a token without storing it.
func (c *Core) PageToken(paymentID string) string {
	m := hmac.New(sha256.New, c.pageKey)
	m.Write([]byte("hosted-page:" + paymentID))
	return paymentID + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// PaymentOfToken checks a page token and says which payment it opens.
func (c *Core) PaymentOfToken(token string) (paymentID string, ok bool) {
	id, _, ok := strings.Cut(token, ".")
	if !ok || len(c.pageKey) == 0 || !hmac.Equal([]byte(c.PageToken(id)), []byte(token)) {
		return "", false
	}
	return id, true
}

// PageURL is the hosted page where the buyer continues a payment, on the URL of the
// request of ctx.
func (c *Core) PageURL(ctx context.Context, paymentID string) string {
	return c.PublicURL(ctx) + "/checkout/" + c.PageToken(paymentID)
}
