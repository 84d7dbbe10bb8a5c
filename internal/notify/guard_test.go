package notify

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

var (
	production = Guard{}
	sandbox    = Guard{Loopback: true}
	allowTen   = Guard{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
)

// TestGuardCheck: every range that is not the public Internet is refused, in every spelling
// an address can take once resolved; loopback only outside the sandbox; an allow-list opens
// what it names and never cloud metadata.
func TestGuardCheck(t *testing.T) {
	for _, c := range []struct {
		addr  string
		guard Guard
		want  string // the range named in the refusal; "" when allowed
	}{
		{"8.8.8.8", production, ""},
		{"1.1.1.1", sandbox, ""},
		{"2606:4700:4700::1111", production, ""},
		{"100.63.255.255", production, ""}, // just below CGNAT
		{"100.128.0.0", production, ""},    // just above
		{"172.32.0.1", production, ""},     // just above 172.16/12

		{"127.0.0.1", production, "loopback"},
		{"127.255.255.254", production, "loopback"},
		{"::1", production, "loopback"},
		{"::ffff:127.0.0.1", production, "loopback"}, // IPv4-mapped
		{"127.0.0.1", sandbox, ""},
		{"::1", sandbox, ""},
		{"::ffff:7f00:1", sandbox, ""},

		{"10.1.2.3", production, "private"},
		{"10.1.2.3", sandbox, "private"},
		{"172.16.0.1", production, "private"},
		{"172.31.255.255", sandbox, "private"},
		{"192.168.1.1", production, "private"},
		{"::ffff:192.168.1.1", production, "private"},
		{"fc00::1", production, "private"},
		{"fd12:3456::1", sandbox, "private"},
		{"169.254.1.1", production, "link-local"},
		{"fe80::1", production, "link-local"},
		{"fe80::1%eth0", sandbox, "link-local"}, // a zone is in no prefix: it must not pass
		{"100.64.0.1", production, "carrier-grade NAT"},
		{"100.127.255.255", sandbox, "carrier-grade NAT"},
		{"224.0.0.1", production, "multicast"},
		{"ff02::1", sandbox, "multicast"},
		{"255.255.255.255", production, "broadcast"},
		{"0.0.0.0", sandbox, "unspecified"},
		{"0.1.2.3", sandbox, "unspecified"},
		{"::", sandbox, "unspecified"},
		{"::ffff:0.0.0.0", sandbox, "unspecified"},
		{"240.0.0.1", production, "reserved"},
		{"198.18.0.1", production, "reserved"},
		{"::127.0.0.1", sandbox, "reserved"}, // IPv4-compatible, deprecated

		{"169.254.169.254", production, "cloud metadata"},
		{"::ffff:169.254.169.254", sandbox, "cloud metadata"},
		{"fd00:ec2::254", production, "cloud metadata"},
		{"100.100.100.200", production, "cloud metadata"},

		// IPv6 forms that a gateway on the way turns into an IPv4 connection.
		{"64:ff9b::7f00:1", production, "loopback"},                      // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", sandbox, "cloud metadata"},                // NAT64 of 169.254.169.254
		{"64:ff9b::808:808", production, ""},                             // NAT64 of 8.8.8.8
		{"64:ff9b:1::1", production, "reserved"},                         // local-use NAT64
		{"2002:7f00:1::1", production, "loopback"},                       // 6to4 of 127.0.0.1
		{"2002:a00:1::1", production, "private"},                         // 6to4 of 10.0.0.1
		{"2002:808:808::1", production, ""},                              // 6to4 of 8.8.8.8
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", production, "loopback"}, // Teredo, client 127.0.0.1
		{"2001:0:4136:e378:8000:63bf:f7f7:f7f7", production, ""},         // Teredo, client 8.8.8.8

		// The allow-list opens what it names, and only that.
		{"10.1.2.3", allowTen, ""},
		{"::ffff:10.1.2.3", allowTen, ""},
		{"2002:a00:1::1", allowTen, ""},
		{"11.0.0.1", allowTen, ""},
		{"192.168.1.1", allowTen, "private"},
		{"127.0.0.1", allowTen, "loopback"},
		{"127.0.0.1", Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, ""},
		{"169.254.169.254", Guard{Allow: []netip.Prefix{netip.MustParsePrefix("169.254.0.0/16")}}, "cloud metadata"},
		{"169.254.1.1", Guard{Allow: []netip.Prefix{netip.MustParsePrefix("169.254.0.0/16")}}, ""},
		{"100.100.100.200", Guard{Allow: []netip.Prefix{netip.MustParsePrefix("100.64.0.0/10")}}, "cloud metadata"},
		{"0.0.0.0", Guard{Allow: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}}, "unspecified"},
		{"224.0.0.1", Guard{Allow: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}}, "multicast"},
	} {
		err := c.guard.Check(netip.MustParseAddr(c.addr))
		var rerr *RefusedError
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s under %+v: %v, want allowed", c.addr, c.guard, err)
		case c.want != "" && !errors.As(err, &rerr):
			t.Errorf("%s under %+v: allowed, want refused as %s", c.addr, c.guard, c.want)
		case c.want != "" && rerr.Range != c.want:
			t.Errorf("%s under %+v: refused as %s, want %s", c.addr, c.guard, rerr.Range, c.want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for s, want := range map[string]string{
		"https://shop.example/notify":      "",
		"http://127.0.0.1:8080/n?x=1":      "", // the Guard judges addresses, at connect time
		"HTTPS://shop.example/notify":      "",
		"ftp://shop.example/notify":        "not an http or https URL",
		"file:///etc/passwd":               "not an http or https URL",
		"gopher://shop.example:70/":        "not an http or https URL",
		"/notify":                          "not an http or https URL",
		"http:shop.example":                "has no host",
		"http://:8080/notify":              "has no host",
		"https://user:pass@shop.example/n": "carries credentials",
		"https://user@shop.example/n":      "carries credentials",
		"http://shop.example/%zz":          "not a URL",
	} {
		err := CheckURL(s)
		if got := ""; err != nil {
			got = err.Error()
			if got != want {
				t.Errorf("CheckURL(%q) = %q, want %q", s, got, want)
			}
		} else if want != "" {
			t.Errorf("CheckURL(%q) passed, want %q", s, want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	for in, want := range map[string]string{
		"boom\n":                           "boom?",
		"\x1b[2J\x1b[31mred\x00\x7f":       "?[2J?[31mred??",
		"caf\xc3\xa9":                      "caf??",
		strings.Repeat("a", 10000):         strings.Repeat("a", excerptLen),
		"":                                 "",
		`{"result":{"resultCode":"FAIL"}}`: `{"result":{"resultCode":"FAIL"}}`,
	} {
		if got := excerpt([]byte(in)); got != want {
			t.Errorf("excerpt(%q) = %q, want %q", in, got, want)
		}
	}
}

// fakeStore is the little of a store an attempt touches: the merchant, and the record of
// the attempt.
type fakeStore struct {
	store.Store
	merchant payment.Merchant
	mu       sync.Mutex
	recorded []payment.NotificationAttempt
	state    []payment.Notification
}

func (f *fakeStore) MerchantGet(context.Context, string) (*payment.Merchant, error) {
	m := f.merchant
	return &m, nil
}

func (f *fakeStore) Tx(_ context.Context, fn func(store.Tx) error) error { return fn(fakeTx{f: f}) }

type fakeTx struct {
	store.Tx
	f *fakeStore
}

func (t fakeTx) NotificationRecordAttempt(_ context.Context, n *payment.Notification, a *payment.NotificationAttempt) error {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	t.f.state = append(t.f.state, *n)
	t.f.recorded = append(t.f.recorded, *a)
	return nil
}

type fakeSigner struct{}

func (fakeSigner) Sign([]byte) ([]byte, error) { return []byte("sig"), nil }

// receiver is an httptest server on 127.0.0.1 that counts the requests that reach it.
type receiver struct {
	*httptest.Server
	n atomic.Int64
}

func newReceiver(t *testing.T, reply http.HandlerFunc) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.n.Add(1)
		reply(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

func acknowledge(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, ams.AckBody) }

type workerSetup struct {
	guard    Guard
	resolver *net.Resolver
	logs     io.Writer
	observe  func(string, time.Duration)
}

func newTestWorker(s workerSetup) (*Worker, *fakeStore) {
	fs := &fakeStore{merchant: payment.Merchant{ID: "m1", ClientID: "SANDBOX_M1"}}
	if s.logs == nil {
		s.logs = io.Discard
	}
	return New(Config{
		Store: fs, Signer: fakeSigner{}, Guard: s.guard, Resolver: s.resolver, Timeout: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(s.logs, nil)), Observe: s.observe,
	}), fs
}

func notification(url string) *payment.Notification {
	return &payment.Notification{ID: "n1", MerchantID: "m1", PaymentID: "p1", Kind: "PAYMENT_RESULT", URL: url, Body: []byte(`{"notifyType":"PAYMENT_RESULT"}`), Status: payment.NotificationPending}
}

// TestRedirectIsNotFollowed: a receiver answering 307 towards another address (here
// loopback, open in the sandbox) gets a failed attempt with its status; the target of the
// redirect hears nothing.
func TestRedirectIsNotFollowed(t *testing.T) {
	target := newReceiver(t, acknowledge)
	for _, code := range []int{301, 302, 303, 307, 308} {
		redirector := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/admin", code)
		})
		w, _ := newTestWorker(workerSetup{guard: sandbox})
		a, refused := w.attempt(context.Background(), notification(redirector.URL+"/notify"))
		if redirector.n.Load() != 1 || target.n.Load() != 0 {
			t.Fatalf("%d: %d requests at the receiver, %d at the redirect's target", code, redirector.n.Load(), target.n.Load())
		}
		if a.HTTPStatus != code || !strings.Contains(a.Error, "redirects are not followed") || refused {
			t.Fatalf("%d: attempt %+v, refused %v", code, a, refused)
		}
	}
}

// TestStoredAnswerIsShortAndPrintable: whatever a receiver answers, the delivery log keeps
// at most 64 bytes of printable ASCII.
func TestStoredAnswerIsShortAndPrintable(t *testing.T) {
	answer := "\x1b]0;owned\x07\r\nSECRET-" + strings.Repeat("\xe2\x98\xa0", 30) + strings.Repeat("x", 1<<20)
	r := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, answer)
	})
	w, _ := newTestWorker(workerSetup{guard: sandbox})
	a, _ := w.attempt(context.Background(), notification(r.URL))
	if len(a.Response) != 64 {
		t.Fatalf("stored %d bytes of the answer, want 64", len(a.Response))
	}
	for _, c := range []byte(a.Response) {
		if c < 0x20 || c > 0x7e {
			t.Fatalf("stored %q: not printable ASCII", a.Response)
		}
	}
	if !strings.HasPrefix(a.Response, "?]0;owned???SECRET-?") || a.HTTPStatus != 500 {
		t.Fatalf("stored %q, status %d", a.Response, a.HTTPStatus)
	}
}

// TestProductionRefusesLoopback: under production's guard a receiver on 127.0.0.1 gets no
// request at all; the attempt is recorded as refused, with a WARN line and the refused
// outcome, and retried on the ordinary schedule.
func TestProductionRefusesLoopback(t *testing.T) {
	r := newReceiver(t, acknowledge)
	var logs bytes.Buffer
	var outcomes []string
	w, fs := newTestWorker(workerSetup{guard: production, logs: &logs, observe: func(o string, _ time.Duration) { outcomes = append(outcomes, o) }})
	n := notification(r.URL + "/notify")
	w.deliver(context.Background(), n)
	if r.n.Load() != 0 {
		t.Fatalf("%d requests reached the loopback receiver", r.n.Load())
	}
	if len(fs.recorded) != 1 {
		t.Fatalf("%d attempts recorded", len(fs.recorded))
	}
	a, got := fs.recorded[0], fs.state[0]
	if !strings.Contains(a.Error, "refused to connect to 127.0.0.1 (loopback)") || a.HTTPStatus != 0 || a.Response != "" {
		t.Fatalf("attempt %+v", a)
	}
	if got.Status != payment.NotificationPending || !got.NextAttemptAt.Equal(a.StartedAt.Add(RetryDelays[0])) {
		t.Fatalf("after a refusal: status %s, next attempt %v (started %v)", got.Status, got.NextAttemptAt, a.StartedAt)
	}
	if len(outcomes) != 1 || outcomes[0] != "refused" {
		t.Fatalf("outcomes %v", outcomes)
	}
	if line := logs.String(); !strings.Contains(line, "level=WARN") || !strings.Contains(line, "outcome=refused") {
		t.Fatalf("log: %s", line)
	}

	// The same receiver, allowed by the sandbox or by an allow-list, acknowledges.
	for _, g := range []Guard{sandbox, {Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}} {
		w, _ := newTestWorker(workerSetup{guard: g})
		if a, _ := w.attempt(context.Background(), notification(r.URL+"/notify")); a.Error != "" {
			t.Fatalf("under %+v: %s", g, a.Error)
		}
	}
}

// TestRefusedURLs: URLs that CheckURL turns down are refused before any connection, even
// when they were stored before the API checked them.
func TestRefusedURLs(t *testing.T) {
	r := newReceiver(t, acknowledge)
	u, _ := url.Parse(r.URL)
	for _, raw := range []string{"http://user:pass@" + u.Host + "/n", "ftp://" + u.Host + "/n"} {
		w, _ := newTestWorker(workerSetup{guard: sandbox})
		a, refused := w.attempt(context.Background(), notification(raw))
		if !refused || !strings.HasPrefix(a.Error, "refused notification URL") || r.n.Load() != 0 {
			t.Fatalf("%s: attempt %+v, refused %v, %d requests", raw, a, refused, r.n.Load())
		}
	}
}

// TestNamesAreJudgedByWhatTheyResolveTo: a name is checked on the address it resolves to
// when the connection is made, so a DNS server answering 127.0.0.1 (rebinding) or a host
// spelt as a number does not reach loopback under production's guard. The resolver is a
// fake DNS server answering as a hostile one would; the same names reach the receiver
// where the guard opens loopback, which shows the resolver was asked.
func TestNamesAreJudgedByWhatTheyResolveTo(t *testing.T) {
	r := newReceiver(t, acknowledge)
	_, port, _ := net.SplitHostPort(r.Listener.Addr().String())
	dns := fakeDNS(map[string]netip.Addr{
		"rebind.example":           netip.MustParseAddr("127.0.0.1"),
		"0x7f000001":               netip.MustParseAddr("127.0.0.1"), // as inet_aton reads it
		"017700000001":             netip.MustParseAddr("127.0.0.1"),
		"2130706433":               netip.MustParseAddr("127.0.0.1"),
		"0":                        netip.MustParseAddr("0.0.0.0"),
		"metadata.google.internal": netip.MustParseAddr("169.254.169.254"),
		"intranet.example":         netip.MustParseAddr("10.0.0.1"),
	})
	for _, c := range []struct {
		host      string
		want      string // the range refused; "" when the name does not resolve at all
		reachable bool   // in the sandbox
	}{
		{"rebind.example", "loopback", true},
		{"0x7f000001", "loopback", true},
		{"localhost", "loopback", true},
		{"[::ffff:127.0.0.1]", "loopback", true},
		// Go's resolver looks up no all-digit name; a system resolver reading them as
		// inet_aton does gives 127.0.0.1 and 0.0.0.0, which the guard refuses (above).
		{"017700000001", "", false},
		{"0", "", false},
		{"2130706433", "", false},
		{"metadata.google.internal", "cloud metadata", false},
		{"intranet.example", "private", false},
	} {
		target := "http://" + net.JoinHostPort(strings.Trim(c.host, "[]"), port) + "/notify"
		w, _ := newTestWorker(workerSetup{guard: production, resolver: dns})
		before := r.n.Load()
		a, refused := w.attempt(context.Background(), notification(target))
		switch {
		case r.n.Load() != before:
			t.Errorf("%s under production reached the receiver", target)
		case c.want == "" && a.Error == "":
			t.Errorf("%s under production: no error", target)
		case c.want != "" && (!refused || !strings.Contains(a.Error, "("+c.want+")")):
			t.Errorf("%s under production: attempt %q, refused %v; want refused as %s", target, a.Error, refused, c.want)
		}
		if c.reachable {
			w, _ := newTestWorker(workerSetup{guard: sandbox, resolver: dns})
			if a, _ := w.attempt(context.Background(), notification(target)); a.Error != "" || r.n.Load() != before+1 {
				t.Errorf("%s in the sandbox: %q", target, a.Error)
			}
		}
	}
}

// TestNoProxyFromTheEnvironment: HTTP_PROXY is not used, since the guard would judge the
// proxy's address instead of the receiver's.
func TestNoProxyFromTheEnvironment(t *testing.T) {
	proxy := newReceiver(t, acknowledge)
	r := newReceiver(t, acknowledge)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	_, port, _ := net.SplitHostPort(r.Listener.Addr().String())
	// A name, since no proxy is used for loopback addresses spelt as such.
	dns := fakeDNS(map[string]netip.Addr{"shop.example": netip.MustParseAddr("127.0.0.1")})
	w, _ := newTestWorker(workerSetup{guard: sandbox, resolver: dns})
	a, _ := w.attempt(context.Background(), notification("http://shop.example:"+port+"/notify"))
	if a.Error != "" || r.n.Load() != 1 || proxy.n.Load() != 0 {
		t.Fatalf("attempt %q; %d requests at the receiver, %d at the proxy", a.Error, r.n.Load(), proxy.n.Load())
	}
}

// fakeDNS is a resolver whose DNS server answers each name in answers (or a name under
// it, whatever search domain the system adds) with its address, and anything else with
// no address.
func fakeDNS(answers map[string]netip.Addr) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		client, server := net.Pipe()
		go serveDNS(server, answers)
		return client, nil
	}}
}

// serveDNS answers DNS queries framed as over TCP (the resolver uses that framing on a
// connection that is not a PacketConn).
func serveDNS(c net.Conn, answers map[string]netip.Addr) {
	defer c.Close()
	for {
		var size uint16
		if binary.Read(c, binary.BigEndian, &size) != nil {
			return
		}
		q := make([]byte, size)
		if _, err := io.ReadFull(c, q); err != nil || len(q) < 12 {
			return
		}
		// The question: labels up to a zero byte, then type and class.
		var labels []string
		i := 12
		for i < len(q) && q[i] != 0 && i+1+int(q[i]) <= len(q) {
			labels = append(labels, string(q[i+1:i+1+int(q[i])]))
			i += 1 + int(q[i])
		}
		if i+5 > len(q) {
			return
		}
		question, qtype := q[12:i+5], binary.BigEndian.Uint16(q[i+1:])
		name := strings.Join(labels, ".")
		var rdata []byte
		for k, addr := range answers {
			if name != k && !strings.HasPrefix(name, k+".") {
				continue
			}
			if qtype == 1 && addr.Is4() || qtype == 28 && addr.Is6() {
				rdata = addr.AsSlice()
			}
		}
		// Header: the query's id; a recursive, authoritative answer with no error.
		resp := append([]byte{q[0], q[1], 0x85, 0x80, 0, 1, 0, 0, 0, 0, 0, 0}, question...)
		if rdata != nil {
			resp[7] = 1
			resp = append(resp, 0xc0, 12, byte(qtype>>8), byte(qtype), 0, 1, 0, 0, 0, 0, 0, byte(len(rdata)))
			resp = append(resp, rdata...)
		}
		if binary.Write(c, binary.BigEndian, uint16(len(resp))) != nil || func() error { _, err := c.Write(resp); return err }() != nil {
			return
		}
	}
}
