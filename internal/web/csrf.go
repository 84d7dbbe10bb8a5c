package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/http"
	"strings"
	"time"
)

// csrfGuard issues and checks the tokens that prove a post comes from a form cashier served.
//
// There are two forms because the two kinds of page live in different places. A hosted page
// is cashier's own top-level page, so it uses a double-submit cookie: a random nonce in a
// cookie scoped to the page's path, and in the form the nonce's MAC; a forger can neither
// read nor set that cookie. The SDK's frame sits in a merchant's page, a third-party
// context where browsers drop or block cookies, so its token needs none: it carries the time
// it was issued and the MAC of that time, goes in CSRFHeader, and expires after
// frameCSRFLifetime. Both MACs are under Config.CSRFKey and bound to the page token, with a
// label per form so that neither passes for the other.
type csrfGuard struct {
	key []byte
}

func newCSRFGuard(key []byte) *csrfGuard {
	return &csrfGuard{key: append([]byte(nil), key...)}
}

// The labels of the two forms' MACs.
const (
	formCSRFLabel  = "cashier-csrf"
	frameCSRFLabel = "cashier-sdk-csrf"
)

// mac binds data to the page: a token lifted from one payment's page is worthless on
// another's.
func (g *csrfGuard) mac(label, token string, data []byte) []byte {
	m := hmac.New(sha256.New, g.key)
	m.Write([]byte(label))
	m.Write([]byte{0})
	m.Write([]byte(token))
	m.Write([]byte{0})
	m.Write(data)
	return m.Sum(nil)
}

var b64 = base64.RawURLEncoding

var errSpelling = errors.New("web: not the token's own spelling")

// decodeToken reads one part of a token in the one spelling cashier writes: the decoder alone
// would also take line breaks anywhere and any value of a last character's unused bits, so
// that a token changed by a byte would still verify.
func decodeToken(s string) ([]byte, error) {
	b, err := b64.DecodeString(s)
	if err == nil && b64.EncodeToString(b) != s {
		err = errSpelling
	}
	return b, err
}

// csrfCookie holds the random half of the hosted form's double-submit token.
const csrfCookie = "cashier_csrf"

const csrfNonceLen = 32

// formField returns the value of the hosted form's hidden csrf field for this browser and
// page, setting the cookie it is bound to. An existing well-formed cookie is kept, so that
// two tabs on the same page do not invalidate each other's forms.
func (g *csrfGuard) formField(w http.ResponseWriter, r *http.Request, token string) string {
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
	return b64.EncodeToString(g.mac(formCSRFLabel, token, []byte(nonce)))
}

// formValid reports whether a hosted form's POST carries the cookie and a csrf field that
// belongs to it and to this page's token. The form must have been parsed.
func (g *csrfGuard) formValid(r *http.Request, token string) bool {
	nonce, ok := csrfNonce(r)
	if !ok {
		return false
	}
	got, err := decodeToken(r.PostForm.Get("csrf"))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	return hmac.Equal(got, g.mac(formCSRFLabel, token, []byte(nonce)))
}

// csrfNonce reads the cookie, if it holds 32 random bytes in base64url.
func csrfNonce(r *http.Request) (string, bool) {
	c, err := r.Cookie(csrfCookie)
	if err != nil {
		return "", false
	}
	b, err := decodeToken(c.Value)
	if err != nil || len(b) != csrfNonceLen {
		return "", false
	}
	return c.Value, true
}

// CSRFHeader carries the SDK frame's CSRF token on its JSON posts.
const CSRFHeader = "X-Cashier-CSRF"

// frameCSRFLifetime bounds a frame's CSRF token; a session lasts at most an hour.
const frameCSRFLifetime = 2 * time.Hour

// frameToken issues the SDK frame's CSRF token for the page token at now.
func (g *csrfGuard) frameToken(token string, now time.Time) string {
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(now.Unix()))
	return b64.EncodeToString(ts[:]) + "." + b64.EncodeToString(g.mac(frameCSRFLabel, token, ts[:]))
}

// frameValid checks a frame's CSRF token: issued for this page token, by a node with the
// same key, not in the future and not older than frameCSRFLifetime.
func (g *csrfGuard) frameValid(token, value string, now time.Time) bool {
	a, b, ok := strings.Cut(value, ".")
	if !ok {
		return false
	}
	ts, err1 := decodeToken(a)
	mac, err2 := decodeToken(b)
	if err1 != nil || err2 != nil || len(ts) != 8 || len(mac) != sha256.Size {
		return false
	}
	if !hmac.Equal(mac, g.mac(frameCSRFLabel, token, ts)) {
		return false
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(ts)), 0)
	return !issued.After(now.Add(5*time.Minute)) && now.Sub(issued) <= frameCSRFLifetime
}
