package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/web"
)

type merchantShowCmd struct {
	storeFlags `embed:""`
	ClientID   string `required:"" placeholder:"ID" help:"The merchant's client id."`
}

func (c *merchantShowCmd) Run(e *env) error {
	gw, err := loadGatewayKeys(c.Data, false, c.secrets(e.log()))
	if err != nil {
		return err
	}
	st, m, err := openMerchant(e, c.storeFlags, "--client-id", c.ClientID)
	if err != nil {
		return err
	}
	defer st.Close()
	signing, version := gw.signing()
	return printJSON(e.stdout, map[string]any{
		"clientId": m.ClientID, "name": m.Name, "notifyUrl": m.NotifyURL, "requestWindow": windowText(m.RequestWindow),
		"createdAt": m.CreatedAt.Format(time.RFC3339), "keys": keysJSON(m.Keys, time.Now()), "logo": web.LogoPath(m.LogoDigest),
		"gatewayPublicKey": ams.EncodePublicKey(&signing.PublicKey), "gatewayKeyVersion": version, "gatewayPublicKeys": gw.public(),
	})
}

type merchantKeysCmd struct {
	Add    merchantKeysAddCmd    `cmd:"" help:"Add a public key to a merchant under the next key version, which the command prints; the merchant's other keys keep working."`
	Retire merchantKeysRetireCmd `cmd:"" help:"Retire one of a merchant's keys: requests signed with it are refused with KEY_NOT_FOUND. The last key without a retirement cannot be retired."`
	List   merchantKeysListCmd   `cmd:"" help:"List a merchant's keys with their versions and states."`
}

type merchantKeysAddCmd struct {
	storeFlags `embed:""`
	ClientID   string `required:"" name:"merchant" aliases:"client-id" placeholder:"ID" help:"The merchant's client id."`
	PublicKey  string `required:"" placeholder:"KEY" help:"The new public key: bare base64 X.509 SubjectPublicKeyInfo, PEM, or @FILE holding either."`
}

func (c *merchantKeysAddCmd) Run(e *env) error {
	keyText, err := readArg(c.PublicKey)
	if err != nil {
		return fmt.Errorf("--public-key: %w", err)
	}
	pub, err := ams.ParsePublicKey(keyText)
	if err != nil {
		return fmt.Errorf("--public-key: %w", err)
	}
	st, err := c.openExisting(e.ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	k := payment.MerchantKey{PublicKey: ams.EncodePublicKey(pub), CreatedAt: time.Now().UTC()}
	err = st.Tx(e.ctx, func(tx store.Tx) error {
		m, err := tx.MerchantLock(e.ctx, c.ClientID)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(m.Keys, func(o payment.MerchantKey) bool { return o.PublicKey == k.PublicKey }) {
			return errors.New("the merchant has this key already (merchant keys list)")
		}
		k.Version = m.Keys.NextVersion()
		return tx.MerchantKeyInsert(e.ctx, m.ID, k)
	})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no merchant %q", c.ClientID)
	} else if err != nil {
		return err
	}
	return printJSON(e.stdout, map[string]any{"clientId": c.ClientID, "keyVersion": k.Version})
}

type merchantKeysRetireCmd struct {
	storeFlags `embed:""`
	ClientID   string        `required:"" name:"merchant" aliases:"client-id" placeholder:"ID" help:"The merchant's client id."`
	Version    int           `required:"" placeholder:"N" help:"The key version to retire."`
	After      time.Duration `placeholder:"DURATION" help:"Retire the key this long from now (72h, say) instead of at once: it verifies until then."`
}

func (c *merchantKeysRetireCmd) Run(e *env) error {
	if c.After < 0 {
		return errors.New("--after must not be negative")
	}
	st, err := c.openExisting(e.ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now().UTC()
	at := now.Add(c.After).Truncate(time.Microsecond)
	err = st.Tx(e.ctx, func(tx store.Tx) error {
		m, err := tx.MerchantLock(e.ctx, c.ClientID)
		if err != nil {
			return err
		}
		if err := m.Keys.CheckRetire(c.Version, at, now); err != nil {
			return fmt.Errorf("cannot retire key version %d of %s: %w", c.Version, c.ClientID, err)
		}
		return tx.MerchantKeyRetire(e.ctx, store.KeyRetire{MerchantID: m.ID, Version: c.Version, At: at, Now: now})
	})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no merchant %q", c.ClientID)
	} else if err != nil {
		return err
	}
	return printJSON(e.stdout, map[string]any{"clientId": c.ClientID, "keyVersion": c.Version, "retiredAt": at.Format(time.RFC3339)})
}

type merchantKeysListCmd struct {
	storeFlags `embed:""`
	ClientID   string `required:"" name:"merchant" aliases:"client-id" placeholder:"ID" help:"The merchant's client id."`
}

func (c *merchantKeysListCmd) Run(e *env) error {
	st, m, err := openMerchant(e, c.storeFlags, "--merchant", c.ClientID)
	if err != nil {
		return err
	}
	defer st.Close()
	return printJSON(e.stdout, keysJSON(m.Keys, time.Now()))
}

// keyJSON is one of a merchant's keys as the commands print it.
type keyJSON struct {
	Version   int    `json:"keyVersion"`
	State     string `json:"state"` // active, retiring (a retirement ahead) or retired
	PublicKey string `json:"publicKey"`
	CreatedAt string `json:"createdAt"`
	RetiredAt string `json:"retiredAt,omitempty"`
}

func keysJSON(keys payment.MerchantKeys, now time.Time) []keyJSON {
	out := []keyJSON{}
	for _, k := range keys {
		j := keyJSON{Version: k.Version, State: "active", PublicKey: k.PublicKey, CreatedAt: k.CreatedAt.Format(time.RFC3339)}
		if !k.RetiredAt.IsZero() {
			j.RetiredAt, j.State = k.RetiredAt.Format(time.RFC3339), "retiring"
			if !k.ActiveAt(now) {
				j.State = "retired"
			}
		}
		out = append(out, j)
	}
	return out
}

// keysCmd manages the gateway's own signing keys; merchant keys manages the merchants'.
type keysCmd struct {
	Add      keysAddCmd      `cmd:"" help:"Create a new gateway signing key under the next version and publish it (merchant show; sandbox-merchant.json from the next start); it signs nothing until activated."`
	Activate keysActivateCmd `cmd:"" help:"Sign responses and notifications with this key version, from each node's next start; give merchants its public key first."`
	Retire   keysRetireCmd   `cmd:"" help:"Stop publishing a key version and delete its private key; never the active one."`
	List     keysListCmd     `cmd:"" help:"List the gateway's signing keys: versions, public keys, which one signs."`
}

// gatewayKeysFlags are the flags of the commands that change the data directory's keys.
type gatewayKeysFlags struct {
	Data              string `default:"cashier-data" env:"CASHIER_DATA" placeholder:"DIR" help:"Data directory holding the gateway's keys (${env})."`
	AllowOpenKeyFiles bool   `name:"allow-open-key-files" env:"CASHIER_ALLOW_OPEN_KEY_FILES" help:"Read key files that group or others can read, with a warning (${env})."`
}

// load reads the data directory's keys; the environment's key is a node's own, which no
// command here can change.
func (f gatewayKeysFlags) load(e *env) (*gatewayKeys, error) {
	if os.Getenv(envGatewayKey) != "" {
		return nil, fmt.Errorf("%s is set: this node's key comes from the environment, not from %s; unset it to manage the data directory's keys", envGatewayKey, f.Data)
	}
	return loadGatewayKeys(f.Data, false, storeFlags{AllowOpenKeyFiles: f.AllowOpenKeyFiles}.secrets(e.log()))
}

type keysAddCmd struct {
	gatewayKeysFlags `embed:""`
}

func (c *keysAddCmd) Run(e *env) error {
	g, err := c.load(e)
	if err != nil {
		return err
	}
	v := g.next()
	if err := newGatewayKey(c.Data, v); errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("key version %d appeared meanwhile: run keys add again", v)
	} else if err != nil {
		return err
	}
	if g, err = c.load(e); err != nil {
		return err
	}
	return printJSON(e.stdout, map[string]any{"keyVersion": v, "publicKey": g.public()[strconv.Itoa(v)], "signing": g.Signing})
}

type keysActivateCmd struct {
	gatewayKeysFlags `embed:""`
	Version          int `required:"" placeholder:"N" help:"The key version to sign with."`
}

func (c *keysActivateCmd) Run(e *env) error {
	g, err := c.load(e)
	if err != nil {
		return err
	}
	if g.keys[c.Version] == nil {
		return fmt.Errorf("no published gateway key version %d (keys list)", c.Version)
	}
	g.Signing = c.Version
	if err := g.save(c.Data); err != nil {
		return err
	}
	return printJSON(e.stdout, map[string]any{"signing": c.Version, "note": "each node signs with this key from its next start"})
}

type keysRetireCmd struct {
	gatewayKeysFlags `embed:""`
	Version          int `required:"" placeholder:"N" help:"The key version to retire."`
}

func (c *keysRetireCmd) Run(e *env) error {
	g, err := c.load(e)
	if err != nil {
		return err
	}
	switch {
	case g.keys[c.Version] == nil:
		return fmt.Errorf("no published gateway key version %d (keys list)", c.Version)
	case c.Version == g.Signing:
		return fmt.Errorf("key version %d is the one the gateway signs with: activate another first", c.Version)
	}
	// Recorded first, so that a crash before the file goes leaves it ignored, not published.
	g.Retired = append(g.Retired, c.Version)
	if err := g.save(c.Data); err != nil {
		return err
	}
	if err := os.Remove(gatewayKeyPath(c.Data, c.Version)); err != nil {
		return err
	}
	return printJSON(e.stdout, map[string]any{"retired": c.Version, "signing": g.Signing})
}

type keysListCmd struct {
	gatewayKeysFlags `embed:""`
}

func (c *keysListCmd) Run(e *env) error {
	g, err := c.load(e)
	if err != nil {
		return err
	}
	return printJSON(e.stdout, map[string]any{"signing": g.Signing, "publicKeys": g.public(), "retired": g.Retired})
}
