package cli

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/datadir"
)

// The gateway's signing keys live in the data directory: gateway-key.pem is version 1 (the
// key every gateway had before rotation), gateway-key-N.pem version N, and
// gateway-keys.json says which version signs and which are retired. A key added by
// `cashier keys add` is published (cashier merchant show, the sandbox merchant's file) but
// signs nothing until `cashier keys activate`, so that merchants trust it before they meet
// it; each node signs with the active key from its next start.
const gatewayKeysFile = "gateway-keys.json"

// Environment variables that give a node its signing key instead of the data directory.
const (
	envGatewayKey        = "CASHIER_GATEWAY_PRIVATE_KEY"
	envGatewayKeyVersion = "CASHIER_GATEWAY_KEY_VERSION"
)

// gatewayKeyState is the content of gateway-keys.json.
type gatewayKeyState struct {
	Signing int   `json:"signing"`
	Retired []int `json:"retired,omitempty"`
}

// gatewayKeys are the gateway's published keys by version and the version it signs with.
type gatewayKeys struct {
	gatewayKeyState
	keys map[int]*rsa.PrivateKey
}

// signing is the key the gateway signs with, and its version as a Signature names it.
func (g *gatewayKeys) signing() (*rsa.PrivateKey, string) {
	return g.keys[g.Signing], strconv.Itoa(g.Signing)
}

// public are the public halves of the published keys by version, in the form merchants
// configure (bare base64 SubjectPublicKeyInfo).
func (g *gatewayKeys) public() map[string]string {
	out := map[string]string{}
	for v, k := range g.keys {
		out[strconv.Itoa(v)] = ams.EncodePublicKey(&k.PublicKey)
	}
	return out
}

// next is the version the next key gets: never one a key had, retired ones included.
func (g *gatewayKeys) next() int {
	return slices.Max(slices.Concat(slices.Collect(maps.Keys(g.keys)), g.Retired, []int{g.Signing})) + 1
}

func gatewayKeyPath(dir string, version int) string {
	if version == 1 {
		return filepath.Join(dir, "gateway-key.pem")
	}
	return filepath.Join(dir, fmt.Sprintf("gateway-key-%d.pem", version))
}

// newGatewayKey creates the key of version in dir; fs.ErrExist when it is there already.
func newGatewayKey(dir string, version int) error {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return err
	}
	return datadir.Create(gatewayKeyPath(dir, version), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// loadGatewayKeys reads the gateway's RSA-2048 signing keys: from CASHIER_GATEWAY_PRIVATE_KEY
// (PKCS#8, PEM or bare base64), the one key of version CASHIER_GATEWAY_KEY_VERSION (default
// 1), or from the data directory, creating key 1 when create is set (the first start of a
// gateway).
func loadGatewayKeys(dir string, create bool, secrets datadir.Secrets) (*gatewayKeys, error) {
	if v := os.Getenv(envGatewayKey); v != "" {
		k, err := ams.ParsePrivateKey(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", envGatewayKey, err)
		}
		version := 1
		if s := os.Getenv(envGatewayKeyVersion); s != "" {
			if version, err = strconv.Atoi(s); err != nil || version < 1 {
				return nil, fmt.Errorf("%s: %q is not a key version (1, 2, ...)", envGatewayKeyVersion, s)
			}
		}
		return &gatewayKeys{gatewayKeyState: gatewayKeyState{Signing: version}, keys: map[int]*rsa.PrivateKey{version: k}}, nil
	}
	g := &gatewayKeys{gatewayKeyState: gatewayKeyState{Signing: 1}, keys: map[int]*rsa.PrivateKey{}}
	data, err := os.ReadFile(filepath.Join(dir, gatewayKeysFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		first := gatewayKeyPath(dir, 1)
		if _, err := os.Stat(first); errors.Is(err, fs.ErrNotExist) && !create {
			return nil, fmt.Errorf("no gateway key at %s (nor %s): run cashier serve there first", first, envGatewayKey)
		} else if errors.Is(err, fs.ErrNotExist) {
			if err := newGatewayKey(dir, 1); err != nil && !errors.Is(err, fs.ErrExist) {
				return nil, err
			}
		}
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(data, &g.gatewayKeyState); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, gatewayKeysFile), err)
		}
	}
	names, err := filepath.Glob(filepath.Join(dir, "gateway-key*.pem"))
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		version := 1
		if n, ok := strings.CutPrefix(strings.TrimSuffix(filepath.Base(name), ".pem"), "gateway-key-"); ok {
			if version, err = strconv.Atoi(n); err != nil || version < 2 {
				continue // not one of ours
			}
		}
		if slices.Contains(g.Retired, version) {
			continue
		}
		data, err := secrets.Read(name)
		if err != nil {
			return nil, err
		}
		if g.keys[version], err = ams.ParsePrivateKey(string(data)); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if g.keys[g.Signing] == nil {
		return nil, fmt.Errorf("%s: the active gateway key %d is not in %s", gatewayKeysFile, g.Signing, dir)
	}
	return g, nil
}

// save writes gateway-keys.json.
func (g *gatewayKeys) save(dir string) error {
	data, err := json.MarshalIndent(g.gatewayKeyState, "", "  ")
	if err != nil {
		return err
	}
	return datadir.Replace(filepath.Join(dir, gatewayKeysFile), append(data, '\n'))
}
