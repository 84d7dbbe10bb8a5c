package httpapi

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	s := New(Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ffff::/48")}})
	tests := []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy", "198.51.100.7:5000", nil, "198.51.100.7"},
		{"a header from an untrusted peer is ignored", "198.51.100.7:5000", []string{"203.0.113.1"}, "198.51.100.7"},
		{"behind a trusted proxy", "10.1.2.3:443", []string{"203.0.113.1"}, "203.0.113.1"},
		{"a client's own entries before the proxy's are ignored", "10.1.2.3:443", []string{"192.0.2.66, 203.0.113.1"}, "203.0.113.1"},
		{"through two trusted proxies, headers repeated", "10.1.2.3:443", []string{"192.0.2.66", "203.0.113.1, 10.9.9.9"}, "203.0.113.1"},
		{"a malformed entry stops the walk at the last trusted hop", "10.1.2.3:443", []string{"203.0.113.1, garbage"}, "10.1.2.3"},
		{"only trusted hops", "10.1.2.3:443", []string{"10.4.4.4"}, "10.4.4.4"},
		{"a trusted proxy without the header", "10.1.2.3:443", nil, "10.1.2.3"},
		{"IPv4-mapped IPv6 peer", "[::ffff:10.1.2.3]:443", []string{"203.0.113.1"}, "203.0.113.1"},
		{"IPv6 proxy", "[2001:db8:ffff::1]:443", []string{"2001:db8:1::5"}, "2001:db8:1::5"},
	}
	for _, tc := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.peer
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := s.clientIP(r); got.String() != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "@unix"
	if got := s.clientIP(r); got.IsValid() {
		t.Errorf("a peer without an IP address: got %s", got)
	}
}
