package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
)

// csrfCookie holds the random half of the double-submit token.
const csrfCookie = "cashier_csrf"

const csrfNonceLen = 32

var b64 = base64.RawURLEncoding

// csrfField returns the value of the form's hidden csrf field for this browser and page,
// setting the cookie it is bound to. An existing well-formed cookie is kept, so that two
// tabs on the same page do not invalidate each other's forms.
func (p *Pages) csrfField(w http.ResponseWriter, r *http.Request, token string) string {
	nonce, ok := csrfNonce(r)
	if !ok {
		buf := make([]byte, csrfNonceLen)
		rand.Read(buf) // never fails (crypto/rand panics if the system source is broken)
		nonce = b64.EncodeToString(buf)
	}
	setCookie(w, r, &http.Cookie{
		Name: csrfCookie, Value: nonce, Path: pagePath(token),
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
	return b64.EncodeToString(p.csrfMAC(token, nonce))
}

// csrfValid reports whether a POST carries the cookie and a csrf field that belongs to it
// and to this page's token. The form must have been parsed.
func (p *Pages) csrfValid(r *http.Request, token string) bool {
	nonce, ok := csrfNonce(r)
	if !ok {
		return false
	}
	got, err := b64.DecodeString(r.PostForm.Get("csrf"))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	return hmac.Equal(got, p.csrfMAC(token, nonce))
}

// csrfNonce reads the cookie, if it holds 32 random bytes in base64url.
func csrfNonce(r *http.Request) (string, bool) {
	c, err := r.Cookie(csrfCookie)
	if err != nil {
		return "", false
	}
	b, err := b64.DecodeString(c.Value)
	if err != nil || len(b) != csrfNonceLen {
		return "", false
	}
	return c.Value, true
}

// csrfMAC binds the nonce to the page: a field lifted from one payment's page is worthless
// on another's.
func (p *Pages) csrfMAC(token, nonce string) []byte {
	m := hmac.New(sha256.New, p.csrfKey)
	m.Write([]byte("cashier-csrf\x00"))
	m.Write([]byte(token))
	m.Write([]byte{0})
	m.Write([]byte(nonce))
	return m.Sum(nil)
}
