package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/datadir"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// MerchantFile is the name of the sandbox merchant's file in the data directory.
const MerchantFile = "sandbox-merchant.json"

// Merchant is the content of sandbox-merchant.json: everything a merchant needs to call the
// sandbox, in the forms the official SDKs take.
type Merchant struct {
	ClientID           string `json:"clientId"`
	MerchantPrivateKey string `json:"merchantPrivateKey"`
	MerchantPublicKey  string `json:"merchantPublicKey"`
	// GatewayPublicKey is the key the gateway signs with, for the SDKs, which take one;
	// GatewayPublicKeys are all its published keys by keyVersion, the new one included
	// while it rotates (docs/operations.md).
	GatewayPublicKey  string            `json:"gatewayPublicKey"`
	GatewayPublicKeys map[string]string `json:"gatewayPublicKeys,omitempty"`
	// BaseURL and HTTPSBaseURL are where the last `cashier serve` on this data dir
	// listened, over HTTP and HTTPS; either is empty when that listener was off.
	BaseURL      string `json:"baseUrl,omitempty"`
	HTTPSBaseURL string `json:"httpsBaseUrl,omitempty"`
}

// EnsureMerchant makes sure the sandbox merchant of dir's sandbox-merchant.json exists in the
// store, creating both on first start. Later starts only refresh the gateway's public keys; the URLs
// are the server's to write (PublishURLs), so that a command run beside a server leaves them
// alone. gatewayKeys are the gateway's public keys by version, signing the one it signs with.
func EnsureMerchant(ctx context.Context, st store.Store, dir string, secrets datadir.Secrets, gatewayKeys map[string]string, signing string, now time.Time) (*Merchant, error) {
	path := filepath.Join(dir, MerchantFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		m := &Merchant{
			ClientID: "SANDBOX_" + randomUpper(16), MerchantPrivateKey: ams.EncodePrivateKey(k),
			MerchantPublicKey: ams.EncodePublicKey(&k.PublicKey),
		}
		if err := datadir.Create(path, m.encode()); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
	}
	m, err := ReadMerchant(path, secrets)
	if err != nil {
		return nil, err
	}
	if m.GatewayPublicKey != gatewayKeys[signing] || !maps.Equal(m.GatewayPublicKeys, gatewayKeys) {
		m.GatewayPublicKey, m.GatewayPublicKeys = gatewayKeys[signing], gatewayKeys
		if err := datadir.Replace(path, m.encode()); err != nil {
			return nil, err
		}
	}
	_, err = st.MerchantGetByClientID(ctx, m.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		err = st.MerchantInsert(ctx, &payment.Merchant{
			ID: m.ClientID, ClientID: m.ClientID, Name: "Sandbox merchant", CreatedAt: now.UTC(),
			Keys: payment.MerchantKeys{{Version: 1, PublicKey: m.MerchantPublicKey, CreatedAt: now.UTC()}},
		})
		if errors.Is(err, store.ErrConflict) {
			err = nil
		}
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

// ReadMerchant reads a merchant file, which holds the merchant's private key, through secrets.
func ReadMerchant(path string, secrets datadir.Secrets) (*Merchant, error) {
	data, err := secrets.Read(path)
	if err != nil {
		return nil, err
	}
	var m Merchant
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}

// PublishURLs records in dir's sandbox-merchant.json where the gateway listens, over HTTP and
// HTTPS ("" for a listener that is off), for the merchant tools that read the file.
func (m *Merchant) PublishURLs(dir, httpURL, httpsURL string) error {
	if m.BaseURL == httpURL && m.HTTPSBaseURL == httpsURL {
		return nil
	}
	m.BaseURL, m.HTTPSBaseURL = httpURL, httpsURL
	return datadir.Replace(filepath.Join(dir, MerchantFile), m.encode())
}

func (m *Merchant) encode() []byte {
	data, _ := json.MarshalIndent(m, "", "  ")
	return append(data, '\n')
}

const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomUpper(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = upperAlnum[int(b[i])%len(upperAlnum)]
	}
	return string(b)
}
