package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/cashierpay/cashier/client"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "shop:", err)
		}
		os.Exit(2)
	}
}

// options are the command line.
type options struct {
	listen           string
	publicURL        string
	gatewayData      string
	gateway          string
	clientID         string
	privateKey       string
	gatewayPublicKey string
	inquiryInterval  time.Duration
	subscription     bool
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("shop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8090", "address to listen on")
	fs.StringVar(&o.publicURL, "public-url", "", "the shop's URL as the gateway and buyers reach it, for the notify and return URLs (default http://LISTEN)")
	fs.StringVar(&o.gatewayData, "gateway-data", "cashier-data", "data directory of `cashier serve`, to read sandbox-merchant.json from")
	fs.StringVar(&o.gateway, "gateway", "", "gateway base URL (default: baseUrl of sandbox-merchant.json)")
	fs.StringVar(&o.clientID, "client-id", "", "merchant client id (default: from sandbox-merchant.json)")
	fs.StringVar(&o.privateKey, "private-key", "", "merchant private key, base64 PKCS#8 or PEM, or @FILE (default: from sandbox-merchant.json)")
	fs.StringVar(&o.gatewayPublicKey, "gateway-public-key", "", "gateway public key, base64 SPKI or PEM, or @FILE (default: from sandbox-merchant.json)")
	fs.BoolVar(&o.subscription, "subscription", false, "sell a monthly subscription, renewed by merchant-initiated payments, instead of the mug")
	fs.DurationVar(&o.inquiryInterval, "inquiry-interval", DefaultInquiryInterval, "least time between two inquiryPayment calls for one order by the status endpoint")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: go run ./examples/shop [flags]\n\n"+
			"Runs the demo shop against cashier. Start the sandbox gateway first: go run ./cmd/cashier serve\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return o, nil
}

// sandboxMerchant is the part of cashier's sandbox-merchant.json the shop reads.
type sandboxMerchant struct {
	ClientID           string `json:"clientId"`
	MerchantPrivateKey string `json:"merchantPrivateKey"`
	GatewayPublicKey   string `json:"gatewayPublicKey"`
	// GatewayPublicKeys are the gateway's keys by version while it rotates its key.
	GatewayPublicKeys map[string]string `json:"gatewayPublicKeys"`
	BaseURL           string            `json:"baseUrl"`
}

// merchantConfig resolves the gateway URL and the keys: the flags, else sandbox-merchant.json.
func (o *options) merchantConfig() (client.Config, error) {
	var sm sandboxMerchant
	path := filepath.Join(o.gatewayData, "sandbox-merchant.json")
	explicit := o.gateway != "" && o.clientID != "" && o.privateKey != "" && o.gatewayPublicKey != ""
	if !explicit {
		data, err := os.ReadFile(path)
		if err != nil {
			return client.Config{}, fmt.Errorf("reading %s: %w\n(start the sandbox gateway first with `go run ./cmd/cashier serve`, or pass --gateway, --client-id, --private-key and --gateway-public-key)", path, err)
		}
		if err := json.Unmarshal(data, &sm); err != nil {
			return client.Config{}, fmt.Errorf("%s: %w", path, err)
		}
	}
	pick := func(flagValue, fileValue string) string {
		if flagValue != "" {
			return flagValue
		}
		return fileValue
	}
	priv, err := readKey(pick(o.privateKey, sm.MerchantPrivateKey))
	if err != nil {
		return client.Config{}, fmt.Errorf("--private-key: %w", err)
	}
	pub, err := readKey(pick(o.gatewayPublicKey, sm.GatewayPublicKey))
	if err != nil {
		return client.Config{}, fmt.Errorf("--gateway-public-key: %w", err)
	}
	cfg := client.Config{
		BaseURL: pick(o.gateway, sm.BaseURL), ClientID: pick(o.clientID, sm.ClientID),
		MerchantPrivateKey: priv, GatewayPublicKey: pub, GatewayPublicKeys: sm.GatewayPublicKeys,
	}
	for name, v := range map[string]string{"--gateway": cfg.BaseURL, "--client-id": cfg.ClientID, "--private-key": priv, "--gateway-public-key": pub} {
		if v == "" {
			return client.Config{}, fmt.Errorf("%s is required (it is not in %s)", name, path)
		}
	}
	return cfg, nil
}

// readKey takes a key as given, or from a file with @FILE.
func readKey(v string) (string, error) {
	if name, ok := strings.CutPrefix(v, "@"); ok {
		data, err := os.ReadFile(name)
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(data)), nil
	}
	return v, nil
}

// hostPort turns a listen address into one a browser can reach.
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

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	ccfg, err := o.merchantConfig()
	if err != nil {
		return err
	}
	c, err := client.New(ccfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	public := o.publicURL
	if public == "" {
		public = "http://" + hostPort(ln.Addr().String())
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	cfg := Config{Client: c, GatewayURL: ccfg.BaseURL, PublicURL: public, InquiryInterval: o.inquiryInterval, Logger: logger}
	if o.subscription {
		cfg.Product = SubscriptionProduct
	}
	shop := New(cfg)
	srv := &http.Server{Handler: shop.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 2 * time.Minute}
	fmt.Fprintf(stdout, `cashier demo shop listening on %[1]s
  gateway:     %[2]s (client id %[3]s)
  notify URL:  %[4]s
  orders are kept in memory and forgotten on restart
`, public, ccfg.BaseURL, ccfg.ClientID, shop.NotifyURL())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
