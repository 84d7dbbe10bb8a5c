package cli

import (
	"bytes"
	"cmp"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/cashierpay/cashier/client"
	"github.com/cashierpay/cashier/internal/datadir"
	"github.com/cashierpay/cashier/internal/sandbox"
)

type callCmd struct {
	API      string `arg:"" help:"An API name (pay, inquiryPayment, ...) or a path (/ams/api/v1/payments/pay)."`
	Merchant string `default:"cashier-data/sandbox-merchant.json" env:"CASHIER_MERCHANT_FILE" type:"path" placeholder:"FILE" help:"Merchant file: clientId, merchantPrivateKey, gatewayPublicKey, baseUrl/httpsBaseUrl, as cashier serve writes it (${env})."`
	Data     string `default:"{}" placeholder:"JSON|@FILE|-" help:"Request body: JSON, @FILE, or - for standard input; sent byte for byte."`
	URL      string `placeholder:"URL" help:"Gateway URL; default the merchant file's httpsBaseUrl, else its baseUrl."`
	CA       string `type:"path" placeholder:"FILE" help:"Extra CA certificate (PEM) to trust over HTTPS; sandbox-ca.pem beside the merchant file is trusted anyway."`
	Verbose  bool   `short:"v" help:"Print the exact content signed on each side to standard error."`
}

// Run signs the body as the official SDKs do, sends it, verifies the answer's signature and
// prints the verified JSON: the first signed call, before any code.
func (c *callCmd) Run(e *env) error {
	// The file may be one the user wrote, anywhere: an open one is worth a warning here,
	// not a refusal.
	sm, err := sandbox.ReadMerchant(c.Merchant, datadir.Secrets{AllowOpen: true, Logger: e.log()})
	if err != nil {
		return fmt.Errorf("--merchant: %w (run cashier serve first, or write the file)", err)
	}
	base := cmp.Or(c.URL, sm.HTTPSBaseURL, sm.BaseURL)
	body, err := readData(c.Data, e.stdin)
	if err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	pool, err := trustedCAs(c.Merchant, c.CA)
	if err != nil {
		return err
	}
	hc := &http.Client{Timeout: client.DefaultTimeout, Transport: &http.Transport{
		Proxy: http.ProxyFromEnvironment, TLSClientConfig: &tls.Config{RootCAs: pool},
	}}
	cl, err := client.New(client.Config{BaseURL: base, ClientID: sm.ClientID, MerchantPrivateKey: sm.MerchantPrivateKey, GatewayPublicKey: sm.GatewayPublicKey, GatewayPublicKeys: sm.GatewayPublicKeys, HTTPClient: hc})
	if err != nil {
		return err
	}
	x, err := cl.Send(e.ctx, c.API, body)
	if c.Verbose && x != nil {
		fmt.Fprintf(e.stderr, "> POST %s%s\n> signed by the merchant:\n%s\n\n< HTTP %d\n< signed by the gateway:\n%s\n\n", base, x.Path, x.RequestSigned, x.StatusCode, x.ResponseSigned)
	}
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, x.ResponseBody, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = e.stdout.Write(out.Bytes())
	return err
}

// trustedCAs are the system's CAs, the sandbox CA beside the merchant file if there is one,
// and the --ca file if given.
func trustedCAs(merchantFile, ca string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if err := trustPEM(pool, filepath.Join(filepath.Dir(merchantFile), "sandbox-ca.pem")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if ca != "" {
		if err := trustPEM(pool, ca); err != nil {
			return nil, fmt.Errorf("--ca: %w", err)
		}
	}
	return pool, nil
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
