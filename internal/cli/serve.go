package cli

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kong"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/httpapi"
	"github.com/cashierpay/cashier/internal/limit"
	"github.com/cashierpay/cashier/internal/notify"
	"github.com/cashierpay/cashier/internal/sandbox"
	"github.com/cashierpay/cashier/internal/signer"
	"github.com/cashierpay/cashier/internal/tlscert"
)

type serveCmd struct {
	storeFlags          `embed:""`
	Listen              string         `default:"127.0.0.1:8080" env:"CASHIER_LISTEN" placeholder:"ADDR" help:"Address of the plain HTTP listener; '' turns it off (${env})."`
	HTTPSListen         string         `name:"https-listen" default:"127.0.0.1:8443" env:"CASHIER_HTTPS_LISTEN" placeholder:"ADDR" help:"Address of the HTTPS listener; '' turns it off. The Python SDK dials port 443: 127.0.0.1:443 (${env})."`
	TLSCert             string         `name:"tls-cert" env:"CASHIER_TLS_CERT" type:"path" placeholder:"FILE" help:"Certificate (PEM, chain after it) of the HTTPS listener, reloaded on SIGHUP or change; default a sandbox certificate from the data dir's sandbox CA (${env})."`
	TLSKey              string         `name:"tls-key" env:"CASHIER_TLS_KEY" type:"path" placeholder:"FILE" help:"Private key (PEM) of --tls-cert (${env})."`
	TLSHosts            []string       `name:"tls-hosts" env:"CASHIER_TLS_HOSTS" sep:"," placeholder:"HOST,…" help:"Host names and IP addresses the sandbox certificate names besides localhost, 127.0.0.1 and ::1 (${env})."`
	PublicURL           string         `name:"public-url" env:"CASHIER_PUBLIC_URL" placeholder:"URL" help:"Base of the links handed to buyers; default the URL of the listener the merchant's request came in on (${env})."`
	TrustProxy          bool           `env:"CASHIER_TRUST_PROXY" help:"Believe X-Forwarded-Proto from a TLS-terminating proxy in front: Secure cookies, HSTS (${env})."`
	NotifyURL           string         `name:"notify-url" env:"CASHIER_NOTIFY_URL" placeholder:"URL" help:"Notification URL of the sandbox merchant (http or https, without credentials), kept across restarts (${env})."`
	NotifyAllow         []netip.Prefix `name:"notify-allow" env:"CASHIER_NOTIFY_ALLOW" sep:"," placeholder:"CIDR,…" help:"Private ranges notifications may go to, such as 10.0.0.0/8 for receivers on the gateway's network; without it only public addresses are, and in the sandbox loopback too. Cloud metadata addresses stay closed (${env})."`
	TestClock           bool           `env:"CASHIER_TEST_CLOCK" help:"Run on a sandbox test clock moved by POST /sandbox/clock/advance, served to loopback clients only (${env})."`
	TestClockAllow      []string       `name:"test-clock-allow" env:"CASHIER_TEST_CLOCK_ALLOW" sep:"," placeholder:"CIDR,…" help:"Clients besides loopback that may read and move the test clock: CIDR prefixes or addresses, by the connection's address (${env})."`
	TestClockMaxAdvance time.Duration  `name:"test-clock-max-advance" default:"720h" env:"CASHIER_TEST_CLOCK_MAX_ADVANCE" help:"The longest one move of the test clock (${env})."`
	NotifyTimeout       time.Duration  `default:"10s" env:"CASHIER_NOTIFY_TIMEOUT" help:"Timeout of one notification delivery attempt (${env})."`
	DebugListen         string         `name:"debug-listen" env:"CASHIER_DEBUG_LISTEN" placeholder:"ADDR" help:"Address of a private listener for /metrics and /debug/pprof/; without it /metrics is on the gateway's listeners and pprof is off (${env})."`
	Production          bool           `env:"CASHIER_PRODUCTION" help:"Build no sandbox part: no simulated issuer, no sandbox merchant, no /sandbox routes. Needs a connection to an acquirer (${env})."`
	AuthLease           time.Duration  `name:"auth-lease" default:"30s" env:"CASHIER_AUTH_LEASE" help:"How long an authorization may stay in flight before the sweeper asks the issuer about it and records the answer (a crash left it); more than twice the 10 s issuer timeout (${env})."`
	Signer              string         `default:"auto" enum:"auto,go,openssl" env:"CASHIER_SIGNER" help:"Implementation of the gateway's RSA signatures and of its verification of the merchants': auto (OpenSSL's libcrypto.so.3 when this build has cgo and the library loads, else Go), go (pure Go) or openssl (refuse to start without it) (${env})."`
	Fault               string         `hidden:"" env:"CASHIER_FAULT" placeholder:"POINT[:N]" help:"Sandbox fault injection for crash tests: after-issuer-authorize[:N] kills the process when the N-th authorization is answered and not yet recorded. Refused with --production (${env})."`
	limitFlags          `embed:""`
}

// limitFlags are the limits against card testing and API floods (docs/security.md).
type limitFlags struct {
	CardAttempts   int            `name:"card-attempts" default:"${card_attempts}" env:"CASHIER_CARD_ATTEMPTS" help:"Cards a buyer may submit on one payment; after the last is declined the payment closes with RISK_REJECT; 0: no bound (${env})."`
	CardIPFree     int            `name:"card-ip-declines" default:"${card_ip_free}" env:"CASHIER_CARD_IP_DECLINES" help:"Declined card attempts from one buyer IP (IPv6: one /64) within --card-window before its attempts are delayed; 0: no per-IP limit (${env})."`
	CardFree       int            `name:"card-fingerprint-declines" default:"${card_fingerprint_free}" env:"CASHIER_CARD_FINGERPRINT_DECLINES" help:"Declined attempts of one card (by its vault fingerprint) within --card-window before its attempts are delayed; 0: no per-card limit (${env})."`
	CardDelayed    int            `name:"card-delayed" default:"${card_delayed}" env:"CASHIER_CARD_DELAYED" help:"Delayed attempts, once over the declines above, before a buyer IP or card is refused for --card-cool-off (${env})."`
	CardDelay      time.Duration  `name:"card-delay" default:"${card_delay}" env:"CASHIER_CARD_DELAY" help:"Wait before the first delayed attempt; it doubles with each further decline (${env})."`
	CardDelayMax   time.Duration  `name:"card-delay-max" default:"${card_delay_max}" env:"CASHIER_CARD_DELAY_MAX" help:"Longest wait before an attempt (${env})."`
	CardWindow     time.Duration  `name:"card-window" default:"${card_window}" env:"CASHIER_CARD_WINDOW" help:"How long declines count, from the first (${env})."`
	CardCoolOff    time.Duration  `name:"card-cool-off" default:"${card_cool_off}" env:"CASHIER_CARD_COOL_OFF" help:"How long a buyer IP or card is refused after its last delayed decline (${env})."`
	APIRate        float64        `name:"api-rate" default:"${api_rate}" env:"CASHIER_API_RATE" help:"API calls a second per merchant (Client-Id), past which calls answer REQUEST_TRAFFIC_EXCEED_LIMIT; 0: no limit (${env})."`
	APIBurst       int            `name:"api-burst" default:"${api_burst}" env:"CASHIER_API_BURST" help:"API calls a merchant may make at once before --api-rate applies (${env})."`
	TrustedProxies []netip.Prefix `name:"trusted-proxy" env:"CASHIER_TRUSTED_PROXY" sep:"," placeholder:"CIDR" help:"Proxies (CIDR: 10.0.0.0/8, 192.0.2.7/32) whose X-Forwarded-For gives the buyer's IP for the card-testing limits; from any other peer the header is ignored (${env})."`
}

// limitVars are the defaults of limitFlags, from the packages that own them.
func limitVars() kong.Vars {
	l, r := checkout.DefaultLimits(), httpapi.DefaultAPIRate
	return kong.Vars{
		"card_attempts": strconv.Itoa(l.Attempts), "card_ip_free": strconv.Itoa(l.IP.Free), "card_fingerprint_free": strconv.Itoa(l.Card.Free),
		"card_delayed": strconv.Itoa(l.Card.Delayed), "card_delay": l.Card.Delay.String(), "card_delay_max": l.Card.MaxDelay.String(),
		"card_window": l.Card.Window.String(), "card_cool_off": l.Card.CoolOff.String(),
		"api_rate": strconv.FormatFloat(r.PerSecond, 'g', -1, 64), "api_burst": strconv.Itoa(r.Burst),
	}
}

// options checks the limits and turns them into Options' terms.
func (f *limitFlags) options(o *Options) error {
	switch {
	case f.CardAttempts < 0 || f.CardIPFree < 0 || f.CardFree < 0 || f.CardDelayed < 0 || f.APIBurst < 0:
		return errors.New("--card-attempts, --card-ip-declines, --card-fingerprint-declines, --card-delayed and --api-burst cannot be negative")
	case f.CardDelay < 0 || f.CardDelayMax < f.CardDelay || f.CardWindow <= 0 || f.CardCoolOff < 0:
		return errors.New("--card-delay must be at least 0 and at most --card-delay-max, --card-window positive, --card-cool-off at least 0")
	case f.APIRate < 0 || f.APIRate > 0 && f.APIBurst < 1:
		return errors.New("--api-rate cannot be negative, and with a rate --api-burst must be at least 1")
	}
	p := limit.Policy{Window: f.CardWindow, Delay: f.CardDelay, MaxDelay: f.CardDelayMax, Delayed: f.CardDelayed, CoolOff: f.CardCoolOff}
	ip, card := p, p
	ip.Free, card.Free = f.CardIPFree, f.CardFree
	o.CardTesting = &checkout.Limits{Attempts: f.CardAttempts, IP: ip, Card: card}
	o.APIRate = &limit.Rate{PerSecond: f.APIRate, Burst: f.APIBurst}
	o.TrustedProxies = f.TrustedProxies
	return nil
}

func (c *serveCmd) Run(e *env) error {
	ctx := e.ctx
	switch {
	case c.Listen == "" && c.HTTPSListen == "":
		return errors.New("--listen and --https-listen are both off; keep one")
	case (c.TLSCert == "") != (c.TLSKey == ""):
		return errors.New("--tls-cert and --tls-key go together")
	case c.TLSCert != "" && len(c.TLSHosts) > 0:
		return errors.New("--tls-hosts names the hosts of the sandbox certificate; with --tls-cert the certificate names its own")
	case c.PublicURL != "" && !validHTTPURL(c.PublicURL):
		return errors.New("--public-url must be an absolute http or https URL")
	case c.Production && c.NotifyURL != "":
		return errors.New("--notify-url sets the sandbox merchant's; in production use cashier merchant set-notify-url")
	case c.Production && c.Fault != "":
		return errors.New("--fault is a sandbox tool: production never kills itself on purpose")
	case len(c.TestClockAllow) > 0 && !c.TestClock:
		return errors.New("--test-clock-allow opens the test clock's routes, which only --test-clock serves")
	case c.TestClockMaxAdvance <= 0:
		return errors.New("--test-clock-max-advance must be positive")
	}
	clockClients, err := prefixes(c.TestClockAllow)
	if err != nil {
		return fmt.Errorf("--test-clock-allow: %w", err)
	}
	if err := checkNotifyURL(c.NotifyURL); err != nil {
		return err
	}
	opts, err := c.options(e.log(), clockClients)
	if err != nil {
		return err
	}
	// The live heap is a few MB and almost all a request allocates is garbage once it is
	// answered, so Go's default GOGC=100 collects every few hundred pays; 400 trades ≈ 10 MB
	// of RSS for ≈ 6 % of the gateway's processor time per pay (docs/performance.md).
	// GOGC, when set, wins.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(400)
	}
	if c.Production && opts.Issuer == nil {
		// Before any listener, key or database is made.
		return errNoIssuer
	}

	var listeners []*listener
	defer func() {
		for _, l := range listeners {
			l.ln.Close()
		}
	}()
	if c.Listen != "" {
		ln, err := net.Listen("tcp", c.Listen)
		if err != nil {
			return err
		}
		listeners = append(listeners, newListener(ln, "http", nil))
	}
	var certs *tlscert.Manager
	if c.HTTPSListen != "" {
		if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
			return err
		}
		var err error
		if c.TLSCert != "" {
			certs, err = tlscert.Files(c.TLSCert, c.TLSKey, tlscert.Options{Logger: opts.Logger})
		} else {
			certs, err = tlscert.Sandbox(opts.DataDir, c.TLSHosts, tlscert.Options{Logger: opts.Logger, Secrets: opts.secrets()})
		}
		if err != nil {
			return fmt.Errorf("HTTPS certificate: %w", err)
		}
		ln, err := net.Listen("tcp", c.HTTPSListen)
		if err != nil {
			return err
		}
		listeners = append(listeners, newListener(ln, "https", certs))
	}

	var debugLn net.Listener
	if c.DebugListen != "" {
		var err error
		if debugLn, err = net.Listen("tcp", c.DebugListen); err != nil {
			return err
		}
		defer debugLn.Close()
	}

	app, err := Open(ctx, *opts)
	if err != nil {
		return err
	}
	defer app.Close()
	if c.NotifyURL != "" {
		if _, err := notify.SetMerchantURL(ctx, app.Store, app.SandboxClient.ClientID, c.NotifyURL, opts.Clock.Now()); err != nil {
			return err
		}
	}
	var httpURL, httpsURL string
	for _, l := range listeners {
		if l.tls != nil {
			httpsURL = l.url
		} else {
			httpURL = l.url
		}
	}
	if err := app.PublishURLs(httpURL, httpsURL); err != nil {
		return err
	}

	// The listeners are bound already: connections wait in their backlogs until served.
	var intro bytes.Buffer
	debugURL := ""
	if debugLn != nil {
		debugURL = "http://" + hostPort(debugLn.Addr().String())
	}
	if err := banner(ctx, &intro, app, opts, httpURL, httpsURL, debugURL, certs); err != nil {
		return err
	}

	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { app.Run(bg); close(done) }()
	if certs != nil {
		go certs.Run(bg)
		go reloadOnHangup(bg, certs, opts.Logger)
	}
	serveErr := make(chan error, len(listeners)+1) // and the debug listener
	errLog := slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn)
	for _, l := range listeners {
		l.srv = &http.Server{
			Handler: app.HandlerAt(l.base), ErrorLog: errLog,
			ReadHeaderTimeout: 15 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute,
		}
		if l.tls != nil {
			l.srv.TLSConfig = l.tls.TLSConfig()
			go func() { serveErr <- l.srv.ServeTLS(l.ln, "", "") }()
		} else {
			go func() { serveErr <- l.srv.Serve(l.ln) }()
		}
	}
	var debugSrv *http.Server
	if debugLn != nil {
		debugSrv = &http.Server{Handler: debugRoutes(app), ErrorLog: errLog, ReadHeaderTimeout: 15 * time.Second}
		go func() { serveErr <- debugSrv.Serve(debugLn) }()
	}
	e.stdout.Write(intro.Bytes())

	select {
	case err = <-serveErr:
	case <-ctx.Done():
	}
	// Let in-flight requests finish, then stop the background work.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	for _, l := range listeners {
		if serr := l.srv.Shutdown(shutdownCtx); err == nil {
			err = serr
		}
	}
	if debugSrv != nil {
		debugSrv.Shutdown(shutdownCtx)
	}
	cancel()
	stopBG()
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// prefixes parses CIDR prefixes; a bare address stands for itself alone.
func prefixes(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a CIDR prefix nor an IP address", s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// options are the gateway's Options as the flags set them.
func (c *serveCmd) options(log *slog.Logger, clockClients []netip.Prefix) (*Options, error) {
	opts := &Options{
		DataDir: c.Data, DB: c.DB, PublicURL: c.PublicURL, TrustProxy: c.TrustProxy, NotifyTimeout: c.NotifyTimeout,
		Production: c.Production, NotifyAllow: c.NotifyAllow, Logger: log, DebugListener: c.DebugListen != "",
		AllowOpenKeyFiles: c.AllowOpenKeyFiles, TestClockClients: clockClients, TestClockMaxAdvance: c.TestClockMaxAdvance,
		AuthLease: c.AuthLease, Fault: c.Fault, Signer: c.Signer,
	}
	if err := c.limitFlags.options(opts); err != nil {
		return nil, err
	}
	opts.defaults()
	if c.TestClock {
		opts.Clock = clock.NewTest()
	}
	return opts, nil
}

// debugRoutes are the operator's: metrics and the profiler, on a listener of their own
// that is not exposed where merchants and buyers connect.
func debugRoutes(app *App) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", app.Metrics.Handler())
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// listener is one of serve's sockets, the URL merchants and buyers reach it at, and the
// certificates it serves over TLS (nil for plain HTTP).
type listener struct {
	ln     net.Listener
	scheme string
	url    string
	tls    *tlscert.Manager
	srv    *http.Server
	// wildcard: bound to every address, so it has no one name; links follow the Host a
	// request was sent to.
	wildcard bool
}

func newListener(ln net.Listener, scheme string, certs *tlscert.Manager) *listener {
	l := &listener{ln: ln, scheme: scheme, url: listenerURL(scheme, ln.Addr()), tls: certs}
	if a, ok := ln.Addr().(*net.TCPAddr); ok && a.IP.IsUnspecified() {
		l.wildcard = true
	}
	return l
}

// base is the URL a request reached the listener at: the listener's own URL, or for a
// listener bound to every address, the Host the request was sent to when that is a plain
// host name or IP address (with its port), so that a merchant on the LAN hands out links
// that work on the LAN.
func (l *listener) base(r *http.Request) string {
	if !l.wildcard {
		return l.url
	}
	name := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		name = h
	}
	if net.ParseIP(strings.Trim(name, "[]")) == nil && !dnsName(name) {
		return l.url
	}
	return l.scheme + "://" + r.Host
}

func dnsName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// listenerURL is the URL a browser or an SDK on this machine reaches addr at: an
// unspecified host becomes 127.0.0.1, and the scheme's default port is left out (the
// Python SDK dials 443 whatever the URL says, so its URL carries no port).
func listenerURL(scheme string, addr net.Addr) string {
	hp := hostPort(addr.String())
	if host, port, err := net.SplitHostPort(hp); err == nil && (scheme == "https" && port == "443" || scheme == "http" && port == "80") {
		hp = host
		if strings.Contains(host, ":") {
			hp = "[" + host + "]"
		}
	}
	return scheme + "://" + hp
}

// hostPort turns a listen address into one a browser can reach: an unspecified host
// becomes 127.0.0.1.
func hostPort(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// reloadOnHangup reloads the certificate files on SIGHUP, as servers do after a renewal.
func reloadOnHangup(ctx context.Context, certs *tlscert.Manager, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := certs.Reload(); err != nil {
				log.ErrorContext(ctx, "SIGHUP: certificate reload failed; serving the previous one", "err", err)
			} else {
				log.InfoContext(ctx, "SIGHUP: certificate reloaded")
			}
		}
	}
}

// banner tells the user where everything is and, in the sandbox, how to make a first
// signed call.
func banner(ctx context.Context, w io.Writer, app *App, opts *Options, httpURL, httpsURL, debugURL string, certs *tlscert.Manager) error {
	sm := app.SandboxClient
	base := cmp.Or(httpsURL, httpURL)
	var listening []string
	for _, u := range []string{httpURL, httpsURL} {
		if u != "" {
			listening = append(listening, u)
		}
	}
	kind, prefix := "sandbox", ams.SandboxPathPrefix
	if sm == nil {
		kind, prefix = "production", ams.PathPrefix
	}
	fmt.Fprintf(w, "cashier %s gateway listening on %s\n", kind, strings.Join(listening, " and "))
	fmt.Fprintf(w, "  signer:            %s (%s; --signer)\n", app.Signer, signer.Version(app.Signer))
	if certs != nil {
		leaf := certs.Leaf()
		fmt.Fprintf(w, "  HTTPS certificate: %s, valid until %s", strings.Join(certNames(leaf.DNSNames, leaf.IPAddresses), ", "), leaf.NotAfter.Format(time.DateOnly))
		if ca := certs.CAFile(); ca != "" {
			fmt.Fprintf(w, ", issued by the sandbox CA %s (add it to a trust store to trust it)", ca)
		}
		fmt.Fprintln(w)
	}
	if sm != nil {
		fmt.Fprintf(w, "  sandbox merchant:  %s (keys and URLs in %s)\n", sm.ClientID, app.dataFile(sandbox.MerchantFile))
		m, err := app.Store.MerchantGetByClientID(ctx, sm.ClientID)
		if err != nil {
			return err
		}
		if m.NotifyURL != "" {
			fmt.Fprintf(w, "  notify URL:        %s\n", m.NotifyURL)
		} else {
			fmt.Fprintln(w, "  notify URL:        none: notifications go only to a request's paymentNotifyUrl/refundNotifyUrl (set one with serve --notify-url)")
		}
	}
	apis := []string{ams.APIPay, ams.APICreatePaymentSession, ams.APIInquiryPayment, ams.APICapture, ams.APICancel, ams.APIRefund, ams.APIInquiryRefund, ams.APIConsult}
	fmt.Fprintf(w, "  API:               POST %s%s{%s}\n", base, prefix, strings.Join(apis, ","))
	vaultPrefix := strings.Replace(prefix, "/payments/", "/vaults/", 1)
	fmt.Fprintf(w, "                     POST %s%s{%s,%s,%s}\n", base, vaultPrefix, ams.APIVaultPaymentMethod, ams.APICreateVaultingSession, ams.APIInquireVaulting)
	fmt.Fprintln(w, "                     signed as Antom's SDKs sign: give an SDK the URL above (docs/sdks.md)")
	fmt.Fprintf(w, "  hosted card page:  %s/checkout/{token}, the normalUrl of a pay without card data\n", base)
	fmt.Fprintf(w, "  browser SDK:       %s/sdk/ams-checkout.js (window.AMSCashierPayment), for createPaymentSession's paymentSessionData\n", base)
	fmt.Fprintf(w, "  health:            %[1]s/healthz, %[1]s/readyz (the database answers)\n", base)
	if debugURL != "" {
		fmt.Fprintf(w, "  debug:             %[1]s/metrics, %[1]s/debug/pprof/\n", debugURL)
	} else {
		fmt.Fprintf(w, "  metrics:           %s/metrics\n", base)
	}
	if sm == nil {
		return nil
	}
	fmt.Fprintf(w, "  test cards:        %s/sandbox/test-cards\n", base)
	if app.testClock != nil {
		fmt.Fprintf(w, "  test clock:        GET %[1]s/sandbox/clock, POST %[1]s/sandbox/clock/advance {\"duration\":\"2h\"}\n", base)
	}
	merchantFlag := ""
	if opts.DataDir != defaultDataDir {
		merchantFlag = " --merchant " + app.dataFile(sandbox.MerchantFile)
	}
	fmt.Fprintf(w, "  try it:            cashier call pay%s --data '%s'\n", merchantFlag, examplePay)
	return nil
}

// examplePay is a server-to-server card payment with the sandbox's always-approving Visa.
const examplePay = `{"productCode":"CASHIER_PAYMENT","paymentRequestId":"try-1","order":{"referenceOrderId":"order-1","orderDescription":"A book"},` +
	`"paymentAmount":{"currency":"USD","value":"1050"},"paymentMethod":{"paymentMethodType":"CARD","paymentMethodMetaData":` +
	`{"cardNo":"4054695723100768","cvv":"123","expiryMonth":"12","expiryYear":"30"}},"paymentRedirectUrl":"https://shop.example/return","env":{"terminalType":"WEB"}}`

func certNames(dns []string, ips []net.IP) []string {
	names := append([]string(nil), dns...)
	for _, ip := range ips {
		names = append(names, ip.String())
	}
	return names
}
