package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Guard says which addresses the worker may connect to. Notification URLs come from
// merchants' requests, so without it anyone holding a merchant key could make the gateway
// POST into its own network (the cloud metadata service, an admin port on loopback). The
// zero Guard is production's: public addresses only.
type Guard struct {
	// Loopback opens 127.0.0.0/8 and ::1: in the sandbox merchants run their receivers on
	// their own machines.
	Loopback bool
	// Allow opens these ranges too, for merchants on a private network. Cloud metadata,
	// unspecified and multicast addresses stay closed whatever it says: no receiver is
	// there.
	Allow []netip.Prefix
}

// RefusedError is a connection the Guard did not allow.
type RefusedError struct {
	Addr netip.Addr
	// Range names the kind of address, such as "loopback" or "cloud metadata".
	Range string
	// Never is set for ranges that no allow-list opens.
	Never bool
}

func (e *RefusedError) Error() string {
	if e.Never {
		return fmt.Sprintf("refused to connect to %s (%s): never allowed", e.Addr, e.Range)
	}
	return fmt.Sprintf("refused to connect to %s (%s): not allowed unless serve --notify-allow names its range", e.Addr, e.Range)
}

// level is how closed a range is.
type level int

const (
	closed   level = iota // unless Allow opens it
	loopback              // unless Loopback or Allow opens it
	never
)

type special struct {
	prefix netip.Prefix
	name   string
	level  level
}

// specials are the ranges that are not the public Internet, most specific first, since the
// first that holds an address names it.
var specials = func() []special {
	var s []special
	add := func(l level, name string, prefixes ...string) {
		for _, p := range prefixes {
			s = append(s, special{netip.MustParsePrefix(p), name, l})
		}
	}
	// AWS, GCP, Azure and Oracle answer on 169.254.169.254 (metadata.google.internal
	// resolves there), AWS also on fd00:ec2::254, Alibaba Cloud on 100.100.100.200.
	add(never, "cloud metadata", "169.254.169.254/32", "fd00:ec2::254/128", "100.100.100.200/32")
	// Linux connects 0.0.0.0 and :: to the local host.
	add(never, "unspecified", "0.0.0.0/8", "::/128")
	add(never, "multicast", "224.0.0.0/4", "ff00::/8")
	add(never, "broadcast", "255.255.255.255/32")
	add(loopback, "loopback", "127.0.0.0/8", "::1/128")
	add(closed, "private", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fec0::/10")
	add(closed, "link-local", "169.254.0.0/16", "fe80::/10")
	add(closed, "carrier-grade NAT", "100.64.0.0/10")
	add(closed, "reserved", "192.0.0.0/24", "198.18.0.0/15", "240.0.0.0/4", "::/96", "100::/64", "64:ff9b:1::/48")
	return s
}()

// Embedding IPv6 ranges carry an IPv4 address that a gateway on the way connects to, so
// they are judged by that address.
var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
	teredo = netip.MustParsePrefix("2001::/32")
)

// Check returns nil when the worker may connect to ip, or a *RefusedError.
func (g Guard) Check(ip netip.Addr) error {
	// A zoned address is in no prefix (fe80::1%eth0 would pass every check), and an
	// IPv4-mapped one is the IPv4 address it maps.
	ip = ip.WithZone("").Unmap()
	if v4, ok := embedded(ip); ok {
		return g.Check(v4)
	}
	for _, s := range specials {
		if !s.prefix.Contains(ip) {
			continue
		}
		if s.level == never {
			return &RefusedError{Addr: ip, Range: s.name, Never: true}
		}
		if s.level == loopback && g.Loopback || g.allowed(ip) {
			return nil
		}
		return &RefusedError{Addr: ip, Range: s.name}
	}
	return nil
}

func (g Guard) allowed(ip netip.Addr) bool {
	for _, p := range g.Allow {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// embedded is the IPv4 address a NAT64, 6to4 or Teredo address leads to.
func embedded(ip netip.Addr) (netip.Addr, bool) {
	b := ip.As16()
	switch {
	case !ip.Is6():
		return netip.Addr{}, false
	case nat64.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixTo4.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	case teredo.Contains(ip):
		// The client's address, inverted (RFC 4380).
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), true
	}
	return netip.Addr{}, false
}

// control runs between resolving and connecting, on the address about to be dialled: what
// a name resolved to, however the host was spelt and whatever DNS answered a moment ago.
func (g Guard) control(_ context.Context, _, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refused to connect to %q: not an IP address", address)
	}
	return g.Check(ap.Addr())
}

// client is the worker's HTTP client: dials through the guard, uses no proxy from the
// environment (the guard would check the proxy's address instead of the merchant's), and
// follows no redirect (a redirect is a failed attempt; following it would take the signed
// body wherever the receiver points).
// perHost is how many idle connections to one receiver are kept: the worker's concurrency,
// since a merchant usually has one receiver. With net/http's default of 2, all but two of
// the deliveries in flight to it closed their connection and the next ones opened new
// ones: thousands of sockets in TIME_WAIT and a TCP handshake per notification under load.
func (g Guard) client(resolver *net.Resolver, perHost int) *http.Client {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Resolver: resolver, ControlContext: g.control}
	return &http.Client{
		Transport: &http.Transport{
			DialContext: d.DialContext, ForceAttemptHTTP2: true, MaxIdleConns: 100, MaxIdleConnsPerHost: perHost,
			IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 10 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// CheckURL says whether s can be a notification URL: an absolute http or https URL with a
// host and no user name or password (which the worker would send to the receiver, and the
// delivery log would show).
func CheckURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return errors.New("not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("not an http or https URL")
	case u.Hostname() == "":
		return errors.New("has no host")
	case u.User != nil:
		return errors.New("carries credentials")
	}
	return nil
}
