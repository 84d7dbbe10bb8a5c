package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/cashierpay/cashier/client"
)

// call signs a request body as the official SDKs do, sends it, verifies the answer's
// signature and prints the verified JSON: the first signed call, before any code.
func call(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("call", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: cashier call API [--merchant FILE] [--data JSON|@FILE|-] [--url URL] [--ca FILE] [-v]\n\n"+
			"API is an API name (pay, inquiryPayment, ...) or a path (/ams/api/v1/payments/pay).\n\n")
		fs.PrintDefaults()
	}
	merchantFile := fs.String("merchant", filepath.Join(defaultDataDir, sandboxMerchantFile), "merchant file: clientId, merchantPrivateKey, gatewayPublicKey, baseUrl/httpsBaseUrl, as `cashier serve` writes it")
	data := fs.String("data", "{}", "request body: JSON, @FILE, or - for standard input; sent byte for byte")
	rawURL := fs.String("url", "", "gateway URL (default: the merchant file's httpsBaseUrl, else its baseUrl)")
	caFile := fs.String("ca", "", "extra CA certificate (PEM) to trust over HTTPS; sandbox-ca.pem beside the merchant file is trusted anyway")
	verbose := fs.Bool("v", false, "print the exact content signed on each side to standard error")
	// The API name may come before or after the flags.
	var api string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		api, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if api == "" && fs.NArg() > 0 {
		api = fs.Arg(0)
		fs.Parse(fs.Args()[1:])
	}
	if api == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("call: want exactly one API")
	}

	sm, err := readSandboxMerchant(*merchantFile)
	if err != nil {
		return fmt.Errorf("call: --merchant: %w (run `cashier serve` first, or write the file)", err)
	}
	base := *rawURL
	if base == "" {
		base = sm.HTTPSBaseURL
	}
	if base == "" {
		base = sm.BaseURL
	}
	body, err := readData(*data, stdin)
	if err != nil {
		return fmt.Errorf("call: --data: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if err := trustPEM(pool, filepath.Join(filepath.Dir(*merchantFile), "sandbox-ca.pem")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("call: %w", err)
	}
	if *caFile != "" {
		if err := trustPEM(pool, *caFile); err != nil {
			return fmt.Errorf("call: --ca: %w", err)
		}
	}
	hc := &http.Client{Timeout: client.DefaultTimeout, Transport: &http.Transport{
		Proxy: http.ProxyFromEnvironment, TLSClientConfig: &tls.Config{RootCAs: pool},
	}}
	c, err := client.New(client.Config{BaseURL: base, ClientID: sm.ClientID, MerchantPrivateKey: sm.MerchantPrivateKey, GatewayPublicKey: sm.GatewayPublicKey, HTTPClient: hc})
	if err != nil {
		return fmt.Errorf("call: %w", err)
	}
	x, err := c.Send(ctx, api, body)
	if *verbose && x != nil {
		fmt.Fprintf(stderr, "> POST %s%s\n> signed by the merchant:\n%s\n\n< HTTP %d\n< signed by the gateway:\n%s\n\n", base, x.Path, x.RequestSigned, x.StatusCode, x.ResponseSigned)
	}
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, x.ResponseBody, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = stdout.Write(out.Bytes())
	return err
}

func trustPEM(pool *x509.CertPool, file string) error {
	pem, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if !pool.AppendCertsFromPEM(pem) {
		return fmt.Errorf("%s holds no PEM certificate", file)
	}
	return nil
}

// readData reads a request body given as JSON, @FILE or - (standard input).
func readData(arg string, stdin io.Reader) ([]byte, error) {
	switch {
	case arg == "-":
		return io.ReadAll(stdin)
	case strings.HasPrefix(arg, "@"):
		return os.ReadFile(arg[1:])
	}
	return []byte(arg), nil
}
