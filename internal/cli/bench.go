package cli

import (
	"cmp"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
	"github.com/cashierpay/cashier/internal/bench"
	"github.com/cashierpay/cashier/internal/datadir"
	"github.com/cashierpay/cashier/internal/sandbox"
	"github.com/cashierpay/cashier/internal/signer"
)

type benchCmd struct {
	Merchant     string        `default:"cashier-data/sandbox-merchant.json" env:"CASHIER_MERCHANT_FILE" type:"path" placeholder:"FILE" help:"Merchant file: clientId, merchantPrivateKey, gatewayPublicKey, baseUrl/httpsBaseUrl, as cashier serve writes it (${env})."`
	URL          string        `placeholder:"URL" env:"CASHIER_BENCH_URL" help:"Gateway URL, cashier or any Antom-compatible one; default the merchant file's baseUrl (plain HTTP: the gateway is measured, not TLS), else its httpsBaseUrl; reached directly, never through a proxy (${env})."`
	CA           string        `type:"path" placeholder:"FILE" env:"CASHIER_BENCH_CA" help:"Extra CA certificate (PEM) to trust over HTTPS; sandbox-ca.pem beside the merchant file is trusted anyway (${env})."`
	Scenario     string        `default:"pay" enum:"pay,checkout,mixed" env:"CASHIER_BENCH_SCENARIO" help:"pay: card pays, manual capture, no notification URL (one gateway signature each); checkout: pay, inquiryPayment, capture and both notifications; mixed: of every four, two pays, one checkout, one createPaymentSession (${env})."`
	Requests     int           `default:"2000" env:"CASHIER_BENCH_REQUESTS" placeholder:"N" help:"Operations to run, all signed before the timed window (a checkout is one) (${env})."`
	Concurrency  int           `default:"8" env:"CASHIER_BENCH_CONCURRENCY" placeholder:"N" help:"Closed loop: operations in flight, each started when the last one ended; with --rate, the most in flight (${env})."`
	Rate         float64       `default:"0" env:"CASHIER_BENCH_RATE" placeholder:"R" help:"Open loop: start R operations a second whatever the answers' pace, latency counted from each one's scheduled time; 0: closed loop (${env})."`
	Duration     time.Duration `default:"0s" env:"CASHIER_BENCH_DURATION" help:"Stop starting operations after this long, even if some of --requests are left; 0: run them all (${env})."`
	NotifyListen string        `name:"notify-listen" default:"127.0.0.1:0" env:"CASHIER_BENCH_NOTIFY_LISTEN" placeholder:"ADDR" help:"Address of the tool's own notification receiver, for checkout and mixed (${env})."`
	NotifyURL    string        `name:"notify-url" env:"CASHIER_BENCH_NOTIFY_URL" placeholder:"URL" help:"URL the gateway reaches the receiver at, sent as paymentNotifyUrl; default http://<--notify-listen> (${env})."`
	NotifyWait   time.Duration `name:"notify-wait" default:"10s" env:"CASHIER_BENCH_NOTIFY_WAIT" help:"How long to wait after the last operation for notifications still due (${env})."`
	Signer       string        `default:"auto" enum:"auto,go,openssl" env:"CASHIER_BENCH_SIGNER" help:"Signer of the tool's own requests and verifier of the gateway's answers and notifications: auto, go or openssl (${env})."`
	Timeout      time.Duration `default:"30s" env:"CASHIER_BENCH_TIMEOUT" help:"Timeout of one request (${env})."`
	Ceiling      bool          `env:"CASHIER_BENCH_CEILING" help:"Before and after the run, measure this machine's RSA-2048 signing rate with each of the gateway's signers on all cores, and print pays/s as a fraction of the two readings' mean (${env})."`
	CeilingTime  time.Duration `name:"ceiling-time" default:"3s" env:"CASHIER_BENCH_CEILING_TIME" help:"How long --ceiling measures each signer, before the run and again after it (${env})."`
	Sweep        []float64     `sep:"," env:"CASHIER_BENCH_SWEEP" placeholder:"R,…" help:"Run the scenario open loop at each of these rates (--requests each) and plot throughput and p99 against them into --plot (${env})."`
	Plot         string        `default:"bench.svg" env:"CASHIER_BENCH_PLOT" type:"path" placeholder:"FILE" help:"SVG file --sweep writes (${env})."`
	GatewayPID   int           `name:"gateway-pid" env:"CASHIER_BENCH_GATEWAY_PID" placeholder:"PID" help:"Process id of the gateway, on this machine (Linux): the report adds its processor time per operation to the tool's own, the figure that holds on a shared machine (${env})."`
	JSON         bool          `name:"json" env:"CASHIER_BENCH_JSON" help:"Print the report as JSON (${env})."`
}

// Run loads the merchant file, then runs the scenario once or, with --sweep, at each rate.
func (c *benchCmd) Run(e *env) error {
	switch {
	case c.Requests < 1:
		return errors.New("--requests must be at least 1")
	case c.Concurrency < 1:
		return errors.New("--concurrency must be at least 1")
	case c.Rate < 0:
		return errors.New("--rate cannot be negative")
	case c.Duration < 0 || c.NotifyWait < 0 || c.Timeout <= 0 || c.CeilingTime <= 0:
		return errors.New("--duration and --notify-wait cannot be negative, --timeout and --ceiling-time must be positive")
	case len(c.Sweep) > 0 && c.Rate > 0:
		return errors.New("--sweep sets the rates itself; leave --rate out")
	case c.NotifyURL != "" && !validHTTPURL(c.NotifyURL):
		return errors.New("--notify-url must be an absolute http or https URL")
	}
	for _, r := range c.Sweep {
		if r <= 0 {
			return errors.New("--sweep: every rate must be positive")
		}
	}
	sm, err := sandbox.ReadMerchant(c.Merchant, datadir.Secrets{AllowOpen: true, Logger: e.log()})
	if err != nil {
		return fmt.Errorf("--merchant: %w (run cashier serve first, or write the file)", err)
	}
	key, err := ams.ParsePrivateKey(sm.MerchantPrivateKey)
	if err != nil {
		return fmt.Errorf("--merchant: merchantPrivateKey: %w", err)
	}
	sign, impl, err := signer.New(key, c.Signer)
	if err != nil {
		return fmt.Errorf("--signer: %w", err)
	}
	pool, err := trustedCAs(c.Merchant, c.CA)
	if err != nil {
		return err
	}
	// The timeout is the transport's: http.Client's own would cost a goroutine per request.
	tr := &bench.Transport{TLS: &tls.Config{RootCAs: pool}, MaxIdle: c.Concurrency, Timeout: c.Timeout}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	// The verifier is the signer's implementation: OpenSSL verifies the answers with the
	// gateway's key prepared once, where crypto/rsa converts it on every call.
	verifiers := signer.Verifiers(impl)
	cl, err := client.New(client.Config{
		BaseURL: cmp.Or(c.URL, sm.BaseURL, sm.HTTPSBaseURL), ClientID: sm.ClientID, Signer: sign,
		GatewayPublicKey: sm.GatewayPublicKey, NewVerifier: verifiers, HTTPClient: hc,
	})
	if err != nil {
		return fmt.Errorf("--merchant or --url: %w", err)
	}
	cfg := bench.Config{
		Client: cl, Scenario: c.Scenario, Duration: c.Duration, NotifyURL: c.NotifyURL, NotifyWait: c.NotifyWait,
		Progress: e.stderr, Signer: impl, NewVerifier: verifiers, GatewayPID: c.GatewayPID,
	}
	if len(c.Sweep) > 0 {
		return c.sweep(e, cfg)
	}
	var before []bench.CeilingEntry
	if c.Ceiling {
		fmt.Fprintf(e.stderr, "measuring the signing ceiling before the run (%s per signer)…\n", c.CeilingTime)
		if before, err = bench.Ceiling(e.ctx, c.CeilingTime); err != nil {
			return err
		}
	}
	rep, err := c.run(e, cfg, c.Rate)
	if err != nil {
		return err
	}
	if c.Ceiling {
		fmt.Fprintf(e.stderr, "measuring the signing ceiling after the run (%s per signer)…\n", c.CeilingTime)
		after, err := bench.Ceiling(e.ctx, c.CeilingTime)
		if err != nil {
			return err
		}
		rep.Ceiling = bench.Bracket(before, after, rep.PaysPerSecond)
	}
	if c.JSON {
		return printJSON(e.stdout, rep)
	}
	rep.WriteText(e.stdout)
	return nil
}

// run runs the scenario once at rate (0: closed loop), with a notification receiver of its
// own when the scenario needs one.
func (c *benchCmd) run(e *env, cfg bench.Config, rate float64) (*bench.Report, error) {
	cfg.Load = bench.Load{Ops: c.Requests, Concurrency: c.Concurrency, Rate: rate}
	fmt.Fprintf(e.stderr, "signing %d operations' requests in advance (%s signer)…\n", c.Requests, cfg.Signer)
	if c.Scenario != bench.ScenarioPay {
		ln, err := net.Listen("tcp", c.NotifyListen)
		if err != nil {
			return nil, fmt.Errorf("--notify-listen: %w", err)
		}
		defer ln.Close()
		cfg.Notify = ln
	}
	return bench.Run(e.ctx, cfg)
}

// sweep runs the scenario at each rate of --sweep and plots the results.
func (c *benchCmd) sweep(e *env, cfg bench.Config) error {
	var pts []bench.Point
	var reps []*bench.Report
	for _, rate := range c.Sweep {
		rep, err := c.run(e, cfg, rate)
		if err != nil {
			return err
		}
		reps = append(reps, rep)
		pts = append(pts, bench.Point{Offered: rate, Throughput: rep.Throughput, P99: rep.Latency.P99})
		if !c.JSON {
			fmt.Fprintf(e.stdout, "offered %8.1f/s  achieved %8.1f/s  %s  failed %d\n", rate, rep.Throughput, rep.Latency, rep.Failed)
		}
	}
	f, err := os.Create(c.Plot)
	if err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	title := fmt.Sprintf("cashier bench --scenario %s: throughput and p99 against offered load", c.Scenario)
	if err := bench.WriteSVG(f, title, pts); err != nil {
		f.Close()
		return fmt.Errorf("--plot: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	if c.JSON {
		return printJSON(e.stdout, reps)
	}
	fmt.Fprintf(e.stdout, "plot written to %s\n", c.Plot)
	return nil
}
