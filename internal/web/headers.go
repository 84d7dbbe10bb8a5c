package web

import (
	"net"
	"net/http"
	"strings"
)

// The three kinds of answer carry three policies: a hosted page may be framed by nobody,
// the SDK's frame by any merchant's page, and the JSON answers are rendered by nobody.

// csp allows only the page's own script, style sheet and images (the brand logos), and
// fetches from cashier (a payment waiting on the issuer asks for its state). Forms post to
// the same origin; the result page's move to the merchant is a navigation, which
// form-action does not govern.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// frameCSP is the hosted pages' policy, except that a merchant's page of any origin may frame
// the form (the origin the SDK names is checked by frame.js before it says anything).
const frameCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors *; base-uri 'none'"

// apiCSP is for the JSON answers, which nothing should render or frame.
const apiCSP = "default-src 'none'; frame-ancestors 'none'"

func setSecurityHeaders(w http.ResponseWriter, r *http.Request) {
	setHeaders(w, r, csp)
	w.Header().Set("X-Frame-Options", "DENY")
}

func setFrameHeaders(w http.ResponseWriter, r *http.Request) {
	setHeaders(w, r, frameCSP)
}

func setAPIHeaders(w http.ResponseWriter, r *http.Request) {
	setHeaders(w, r, apiCSP)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Frame-Options", "DENY")
}

// setHeaders sets what the pages and the JSON answers carry alike: their policy, and
// nothing cached, sniffed or referred.
func setHeaders(w http.ResponseWriter, r *http.Request, policy string) {
	setHSTS(w, r)
	h := w.Header()
	h.Set("Content-Security-Policy", policy)
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// overHTTPS reports whether the buyer's browser reached the page over HTTPS: directly, or
// through a proxy that says so in X-Forwarded-Proto. The transport drops that header
// unless the operator trusts the proxy in front.
func overHTTPS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// setCookie sets c, marked Secure when the page came over HTTPS, so that a cookie first
// set over HTTPS is never sent back in clear.
func setCookie(w http.ResponseWriter, r *http.Request, c *http.Cookie) {
	c.Secure = overHTTPS(r)
	http.SetCookie(w, c)
}

// setHSTS keeps a browser that reached the pages over HTTPS on HTTPS. Not on loopback
// names: browsers keep HSTS per host name, not per port, so it would also force HTTPS on
// every other development server the buyer's machine runs on localhost.
func setHSTS(w http.ResponseWriter, r *http.Request) {
	if !overHTTPS(r) || loopbackHost(r.Host) {
		return
	}
	w.Header().Set("Strict-Transport-Security", "max-age=31536000")
}

func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	return strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost")
}
