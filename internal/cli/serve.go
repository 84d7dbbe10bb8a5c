package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/tlscert"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	opts := storeFlags(fs)
	listen := fs.String("listen", "127.0.0.1:8080", "address of the plain HTTP listener; '' turns it off")
	httpsListen := fs.String("https-listen", "127.0.0.1:8443", "address of the HTTPS listener; '' turns it off (the Python SDK dials port 443: 127.0.0.1:443)")
	tlsCert := fs.String("tls-cert", "", "certificate file (PEM, chain allowed) of the HTTPS listener, reloaded on SIGHUP or change (default: a sandbox certificate from the data dir's sandbox CA)")
	tlsKey := fs.String("tls-key", "", "private key file (PEM) of --tls-cert")
	tlsHosts := fs.String("tls-hosts", "", "comma-separated host names and IP addresses the sandbox certificate names besides localhost, 127.0.0.1 and ::1")
	fs.StringVar(&opts.PublicURL, "public-url", "", "URL of the links handed to buyers (default: the URL of the listener the merchant's request came in on)")
	fs.BoolVar(&opts.TrustProxy, "trust-proxy", false, "believe X-Forwarded-Proto from a TLS-terminating proxy in front (Secure cookies, HSTS)")
	notifyURL := fs.String("notify-url", "", "notification URL of the sandbox merchant, kept across restarts")
	testClock := fs.Bool("test-clock", false, "run on a sandbox test clock moved by POST /sandbox/clock/advance")
	fs.DurationVar(&opts.NotifyTimeout, "notify-timeout", 10*time.Second, "timeout of one notification delivery attempt")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	case *listen == "" && *httpsListen == "":
		return errors.New("serve: --listen and --https-listen are both off; keep one")
	case (*tlsCert == "") != (*tlsKey == ""):
		return errors.New("serve: --tls-cert and --tls-key go together")
	case *tlsCert != "" && *tlsHosts != "":
		return errors.New("serve: --tls-hosts names the hosts of the sandbox certificate; with --tls-cert the certificate names its own")
	case *notifyURL != "" && !validHTTPURL(*notifyURL):
		return errors.New("serve: --notify-url must be an absolute http or https URL")
	}
	if opts.PublicURL != "" && !validHTTPURL(opts.PublicURL) {
		return errors.New("serve: --public-url must be an absolute http or https URL")
	}
	opts.defaults()
	opts.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	if *testClock {
		opts.Clock = clock.NewTest()
	}

	var listeners []*listener
	defer func() {
		for _, l := range listeners {
			l.ln.Close()
		}
	}()
	if *listen != "" {
		ln, err := net.Listen("tcp", *listen)
		if err != nil {
			return err
		}
		listeners = append(listeners, newListener(ln, "http", nil))
	}
	var certs *tlscert.Manager
	if *httpsListen != "" {
		if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
			return err
		}
		var err error
		if *tlsCert != "" {
			certs, err = tlscert.Files(*tlsCert, *tlsKey, tlscert.Options{Logger: opts.Logger})
		} else {
			certs, err = tlscert.Sandbox(opts.DataDir, splitList(*tlsHosts), tlscert.Options{Logger: opts.Logger})
		}
		if err != nil {
			return fmt.Errorf("serve: HTTPS certificate: %w", err)
		}
		ln, err := net.Listen("tcp", *httpsListen)
		if err != nil {
			return err
		}
		listeners = append(listeners, newListener(ln, "https", certs))
	}

	app, err := Open(ctx, *opts)
	if err != nil {
		return err
	}
	defer app.Close()
	if *notifyURL != "" {
		if err := app.Store.MerchantSetNotifyURL(ctx, app.SandboxClient.ClientID, *notifyURL); err != nil {
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
	if err := banner(ctx, &intro, app, opts, httpURL, httpsURL, certs, *testClock); err != nil {
		return err
	}

	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { app.Run(bg); close(done) }()
	if certs != nil {
		go certs.Run(bg)
		go reloadOnHangup(bg, certs, opts.Logger)
	}
	serveErr := make(chan error, len(listeners))
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
	stdout.Write(intro.Bytes())

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
	cancel()
	stopBG()
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
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

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
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

// banner tells the user where everything is and how to make a first signed call.
func banner(ctx context.Context, w io.Writer, app *App, opts *Options, httpURL, httpsURL string, certs *tlscert.Manager, testClock bool) error {
	sm := app.SandboxClient
	base := httpsURL
	if base == "" {
		base = httpURL
	}
	var listening []string
	for _, u := range []string{httpURL, httpsURL} {
		if u != "" {
			listening = append(listening, u)
		}
	}
	fmt.Fprintf(w, "cashier sandbox gateway listening on %s\n", strings.Join(listening, " and "))
	if certs != nil {
		leaf := certs.Leaf()
		fmt.Fprintf(w, "  HTTPS certificate: %s, valid until %s", strings.Join(certNames(leaf.DNSNames, leaf.IPAddresses), ", "), leaf.NotAfter.Format(time.DateOnly))
		if ca := certs.CAFile(); ca != "" {
			fmt.Fprintf(w, ", issued by the sandbox CA %s (add it to a trust store to trust it)", ca)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  sandbox merchant:  %s (keys and URLs in %s)\n", sm.ClientID, app.dataFile(sandboxMerchantFile))
	m, err := app.Store.MerchantGetByClientID(ctx, sm.ClientID)
	if err != nil {
		return err
	}
	if m.NotifyURL != "" {
		fmt.Fprintf(w, "  notify URL:        %s\n", m.NotifyURL)
	} else {
		fmt.Fprintln(w, "  notify URL:        none: notifications go only to a request's paymentNotifyUrl/refundNotifyUrl (set one with serve --notify-url)")
	}
	apis := []string{ams.APIPay, ams.APICreatePaymentSession, ams.APIInquiryPayment, ams.APICapture, ams.APICancel, ams.APIRefund, ams.APIInquiryRefund, ams.APIConsult}
	fmt.Fprintf(w, "  API:               POST %s%s{%s}\n", base, ams.SandboxPathPrefix, strings.Join(apis, ","))
	fmt.Fprintln(w, "                     (also under /ams/api/v1/payments/), signed as Antom's SDKs sign: give an SDK the URL above (docs/sdks.md)")
	fmt.Fprintf(w, "  hosted card page:  %s/checkout/{token}, the normalUrl of a pay without card data\n", base)
	fmt.Fprintf(w, "  browser SDK:       %s/sdk/ams-checkout.js (window.AMSCashierPayment), for createPaymentSession's paymentSessionData\n", base)
	fmt.Fprintf(w, "  test cards:        %s/sandbox/test-cards\n", base)
	fmt.Fprintf(w, "  health:            %s/healthz\n", base)
	if testClock {
		fmt.Fprintf(w, "  test clock:        GET %[1]s/sandbox/clock, POST %[1]s/sandbox/clock/advance {\"duration\":\"2h\"}\n", base)
	}
	merchantFlag := ""
	if opts.DataDir != defaultDataDir {
		merchantFlag = " --merchant " + app.dataFile(sandboxMerchantFile)
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
