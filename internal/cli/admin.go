package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/notify"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/vault"
	"github.com/cashierpay/cashier/internal/web"
)

// openExisting opens the database of a gateway that exists, creating nothing: a command
// pointed at the wrong directory says so instead of leaving an empty gateway behind.
func (f storeFlags) openExisting(ctx context.Context) (store.Store, error) {
	path, sqlite := sqlitePath(f.Data, f.DB)
	if sqlite {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no database at %s: run cashier serve or cashier migrate there first, or give --db", path)
		}
	}
	st, err := openStore(ctx, f.Data, f.DB)
	if err != nil {
		return nil, err // not a nil *sqlstore.DB in a non-nil store.Store
	}
	return st, nil
}

type merchantCmd struct {
	Add          merchantAddCmd          `cmd:"" help:"Register a merchant: its client id and the public key its requests are signed with."`
	List         merchantListCmd         `cmd:"" help:"List the merchants."`
	Show         merchantShowCmd         `cmd:"" help:"Show a merchant: its settings, its keys by version, and the gateway's public keys by version to verify responses and notifications with."`
	Keys         merchantKeysCmd         `cmd:"" help:"Rotate a merchant's keys: add a new public key beside the old, retire the old once the merchant signs with the new."`
	SetNotifyURL merchantSetNotifyURLCmd `cmd:"" name:"set-notify-url" help:"Set or clear a merchant's default notification URL."`
	Set          merchantSetCmd          `cmd:"" help:"Change a merchant's settings: its replay window."`
}

type merchantAddCmd struct {
	storeFlags `embed:""`
	ClientID   string `required:"" placeholder:"ID" help:"The merchant's client id (at most 64 characters)."`
	PublicKey  string `required:"" placeholder:"KEY" help:"The merchant's public key: bare base64 X.509 SubjectPublicKeyInfo, PEM, or @FILE holding either."`
	NotifyURL  string `placeholder:"URL" help:"Default notification URL, for requests that carry none: http or https, without credentials."`
	Name       string `help:"Display name (default: the client id)."`
}

func (c *merchantAddCmd) Run(e *env) error {
	if len(c.ClientID) > 64 {
		return errors.New("--client-id is longer than 64 characters")
	}
	if err := checkNotifyURL(c.NotifyURL); err != nil {
		return err
	}
	keyText, err := readArg(c.PublicKey)
	if err != nil {
		return fmt.Errorf("--public-key: %w", err)
	}
	pub, err := ams.ParsePublicKey(keyText)
	if err != nil {
		return fmt.Errorf("--public-key: %w", err)
	}
	gw, err := loadGatewayKeys(c.Data, false, c.secrets(e.log()))
	if err != nil {
		return err
	}
	st, err := c.openExisting(e.ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	name := cmp.Or(c.Name, c.ClientID)
	created := time.Now().UTC()
	m := &payment.Merchant{
		ID: c.ClientID, ClientID: c.ClientID, Name: name, NotifyURL: c.NotifyURL, CreatedAt: created,
		Keys: payment.MerchantKeys{{Version: 1, PublicKey: ams.EncodePublicKey(pub), CreatedAt: created}},
	}
	if err := st.MerchantInsert(e.ctx, m); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("client id %q is already registered", c.ClientID)
		}
		return err
	}
	signing, version := gw.signing()
	return printJSON(e.stdout, map[string]any{
		"clientId": m.ClientID, "name": m.Name, "notifyUrl": m.NotifyURL, "keyVersion": 1,
		"gatewayPublicKey": ams.EncodePublicKey(&signing.PublicKey), "gatewayKeyVersion": version, "gatewayPublicKeys": gw.public(),
	})
}

type merchantListCmd struct {
	storeFlags `embed:""`
}

func (c *merchantListCmd) Run(e *env) error {
	st, err := c.openExisting(e.ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	ms, err := st.MerchantList(e.ctx)
	if err != nil {
		return err
	}
	out := []map[string]string{}
	for _, m := range ms {
		out = append(out, map[string]string{
			"clientId": m.ClientID, "name": m.Name, "notifyUrl": m.NotifyURL, "requestWindow": windowText(m.RequestWindow), "createdAt": m.CreatedAt.Format(time.RFC3339),
		})
	}
	return printJSON(e.stdout, out)
}

type merchantSetNotifyURLCmd struct {
	storeFlags `embed:""`
	ClientID   string `required:"" placeholder:"ID" help:"The merchant's client id."`
	NotifyURL  string `required:"" placeholder:"URL" help:"The new default notification URL (http or https, without credentials); '' clears it."`
}

func (c *merchantSetNotifyURLCmd) Run(e *env) error {
	if err := checkNotifyURL(c.NotifyURL); err != nil {
		return err
	}
	st, err := c.openExisting(e.ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	resent, err := notify.SetMerchantURL(e.ctx, st, c.ClientID, c.NotifyURL, time.Now().UTC())
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no merchant %q", c.ClientID)
		}
		return err
	}
	return printJSON(e.stdout, map[string]any{"clientId": c.ClientID, "notifyUrl": c.NotifyURL, "resentNotifications": resent})
}

type merchantSetCmd struct {
	storeFlags    `embed:""`
	ClientID      string         `required:"" placeholder:"ID" help:"The merchant's client id."`
	RequestWindow *time.Duration `placeholder:"DURATION" help:"Refuse requests whose Request-Time is further than this from the gateway's clock (5m, say; at most 24h); 0 turns the check off, the default, as SDKs on a drifting clock would be refused."`
	Logo          *string        `placeholder:"FILE" help:"The logo the hosted pages show in place of the merchant's name (which becomes its alt text): a PNG, JPEG or WebP file of at most 100 KB, 16 to 1024 pixels a side; no SVG. '' removes it."`
}

// maxRequestWindow keeps a window a window: a day is already far more than any clock drifts.
const maxRequestWindow = 24 * time.Hour

// Run checks every setting given before it changes any, so that a bad logo leaves the
// window as it was too.
func (c *merchantSetCmd) Run(e *env) error {
	if c.RequestWindow == nil && c.Logo == nil {
		return errors.New("nothing to set: give --request-window or --logo")
	}
	out := map[string]any{"clientId": c.ClientID}
	if w := c.RequestWindow; w != nil {
		if *w < 0 || *w > maxRequestWindow || *w%time.Millisecond != 0 {
			return fmt.Errorf("--request-window must be 0 (off) or up to %s, in whole milliseconds", maxRequestWindow)
		}
		out["requestWindow"] = windowText(*w)
	}
	var logo *payment.Logo
	if c.Logo != nil && *c.Logo != "" {
		data, err := readLogo(*c.Logo)
		if err != nil {
			return fmt.Errorf("--logo: %w", err)
		}
		if logo, err = web.ParseLogo(data); err != nil {
			return fmt.Errorf("--logo %s: %w", *c.Logo, err)
		}
	}
	st, err := c.openExisting(e.ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if c.RequestWindow != nil {
		err = st.MerchantSetRequestWindow(e.ctx, c.ClientID, *c.RequestWindow)
	}
	if err == nil && c.Logo != nil {
		err = st.MerchantSetLogo(e.ctx, c.ClientID, logo)
		out["logo"] = logoJSON(logo)
	}
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no merchant %q", c.ClientID)
	} else if err != nil {
		return err
	}
	return printJSON(e.stdout, out)
}

// readLogo reads a logo file, no further than one byte past what a logo may weigh.
func readLogo(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, web.MaxLogoBytes+1))
}

// logoJSON describes a logo for the operator: its type, size and the path it is served
// at; "" for none.
func logoJSON(l *payment.Logo) any {
	if l == nil {
		return ""
	}
	return map[string]any{"contentType": l.ContentType, "bytes": len(l.Data), "path": web.LogoPath(l.Digest)}
}

// windowText shows a replay window as the flag takes it, or "off".
func windowText(d time.Duration) string {
	if d == 0 {
		return "off"
	}
	return d.String()
}

type migrateCmd struct {
	storeFlags `embed:""`
}

func (c *migrateCmd) Run(e *env) error {
	if path, ok := sqlitePath(c.Data, c.DB); ok {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
	}
	st, err := openStore(e.ctx, c.Data, c.DB)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "database is up to date")
	return st.Close()
}

type notificationsCmd struct {
	List   notificationsListCmd   `cmd:"" help:"List notifications, newest first, with every delivery attempt."`
	Resend notificationsResendCmd `cmd:"" help:"Make a notification pending again, even one that exhausted its retries; a running gateway sends it within a second."`
}

type notificationsListCmd struct {
	storeFlags `embed:""`
	Payment    string `placeholder:"ID" help:"Only this payment's notifications."`
	Failed     bool   `help:"Only notifications that exhausted their retries or are held for want of a URL."`
}

func (c *notificationsListCmd) Run(e *env) error {
	st, err := c.openExisting(e.ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	ns, err := st.NotificationList(e.ctx, store.NotificationFilter{PaymentID: c.Payment, FailedOnly: c.Failed, Limit: 1000})
	if err != nil {
		return err
	}
	out := []notificationJSON{}
	for _, n := range ns {
		attempts, err := st.NotificationAttempts(e.ctx, n.ID)
		if err != nil {
			return err
		}
		out = append(out, toNotificationJSON(n, attempts))
	}
	return printJSON(e.stdout, out)
}

type notificationsResendCmd struct {
	storeFlags `embed:""`
	ID         string `arg:"" help:"The notification's id, as notifications list shows it."`
}

func (c *notificationsResendCmd) Run(e *env) error {
	st, err := c.openExisting(e.ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.NotificationResend(e.ctx, c.ID, time.Now().UTC()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no notification %q", c.ID)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "notification %s is pending again; a running gateway sends it within a second\n", c.ID)
	return nil
}

type attemptJSON struct {
	Attempt    int    `json:"attempt"`
	Time       string `json:"time"`
	URL        string `json:"url"`
	HTTPStatus int    `json:"httpStatus,omitempty"`
	LatencyMS  int64  `json:"latencyMs"`
	Response   string `json:"response,omitempty"`
	Error      string `json:"error,omitempty"`
}

type notificationJSON struct {
	ID            string        `json:"id"`
	Kind          string        `json:"kind"`
	PaymentID     string        `json:"paymentId"`
	Status        string        `json:"status"`
	URL           string        `json:"url,omitempty"`
	Attempts      int           `json:"attempts"`
	NextAttemptAt string        `json:"nextAttemptAt,omitempty"`
	CreatedAt     string        `json:"createdAt"`
	DeliveredAt   string        `json:"deliveredAt,omitempty"`
	Log           []attemptJSON `json:"log"`
}

func toNotificationJSON(n *payment.Notification, attempts []*payment.NotificationAttempt) notificationJSON {
	j := notificationJSON{
		ID: n.ID, Kind: n.Kind, PaymentID: n.PaymentID, Status: n.Status, URL: n.URL, Attempts: n.Attempts,
		CreatedAt: n.CreatedAt.Format(time.RFC3339Nano), Log: []attemptJSON{},
	}
	if n.Status == payment.NotificationPending {
		j.NextAttemptAt = n.NextAttemptAt.Format(time.RFC3339Nano)
	}
	if !n.DeliveredAt.IsZero() {
		j.DeliveredAt = n.DeliveredAt.Format(time.RFC3339Nano)
	}
	for _, a := range attempts {
		j.Log = append(j.Log, attemptJSON{
			Attempt: a.Attempt, Time: a.StartedAt.Format(time.RFC3339Nano), URL: a.URL, HTTPStatus: a.HTTPStatus,
			LatencyMS: a.Latency.Milliseconds(), Response: a.Response, Error: a.Error,
		})
	}
	return j
}

type vaultCmd struct {
	RotateKey vaultRotateKeyCmd `cmd:"" name:"rotate-key" help:"Rotate keys of the keyring: by default the key-encryption key (re-wrapping every stored card's data key under the new one); --page and --csrf the keys of hosted-page links and of the pages' forms."`
}

type vaultRotateKeyCmd struct {
	storeFlags `embed:""`
	KEK        bool `name:"kek" help:"Rotate the key-encryption key and re-wrap the cards; the default when neither --page nor --csrf is given."`
	Page       bool `help:"Rotate the key of hosted-page links; links handed out before keep working for 30 days."`
	CSRF       bool `name:"csrf" help:"Rotate the key of the hosted pages' form tokens; each node uses the new key from its next start."`
}

// Run rotates the keys the flags name. Card ciphertexts are untouched, and a running
// gateway keeps working throughout: it reloads the key file when it meets a key id it does
// not know. Running it again finishes cards sealed meanwhile under the old key.
func (c *vaultRotateKeyCmd) Run(e *env) error {
	if _, fromEnv := os.LookupEnv(vault.EnvKeyring); !fromEnv {
		if _, err := os.Stat(filepath.Join(c.Data, vault.KeysFile)); err != nil {
			return fmt.Errorf("no vault keys at %s: %w", filepath.Join(c.Data, vault.KeysFile), err)
		}
	}
	kr, err := vault.LoadOrCreate(c.Data, c.secrets(e.log()))
	if err != nil {
		return err
	}
	out := map[string]any{}
	for _, m := range []struct {
		on    bool
		p     vault.Purpose
		field string
	}{{c.Page, vault.PageTokens, "pageKeyId"}, {c.CSRF, vault.CSRF, "csrfKeyId"}} {
		if !m.on {
			continue
		}
		if out[m.field], err = kr.RotateMAC(c.Data, m.p); err != nil {
			return err
		}
	}
	if c.KEK || !c.Page && !c.CSRF {
		if err := c.rotateKEK(e, kr, out); err != nil {
			return err
		}
	}
	return printJSON(e.stdout, out)
}

// rotateKEK adds a KEK and re-wraps every card under it.
func (c *vaultRotateKeyCmd) rotateKEK(e *env, kr *vault.Keyring, out map[string]any) error {
	st, err := c.openExisting(e.ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	newID, err := kr.Rotate(c.Data)
	if err != nil {
		return err
	}
	rewrapped, after := 0, ""
	for {
		cards, err := st.CardListNotUnderKey(e.ctx, store.CardKeyPage{KeyID: newID, AfterID: after, Limit: 200})
		if err != nil {
			return err
		}
		if len(cards) == 0 {
			break
		}
		for _, card := range cards {
			after = card.ID
			s, err := kr.Rewrap(vault.Sealed{KeyID: card.KeyID, Blob: card.Sealed}, []byte(card.ID))
			if err != nil {
				return fmt.Errorf("card %s: %w", card.ID, err)
			}
			if err := st.CardRewrap(e.ctx, store.CardRewrap{ID: card.ID, FromKeyID: card.KeyID, ToKeyID: s.KeyID, Sealed: s.Blob}); err != nil && !errors.Is(err, store.ErrStale) {
				return fmt.Errorf("card %s: %w", card.ID, err)
			}
			rewrapped++
		}
	}
	out["activeKeyId"], out["rewrapped"] = newID, rewrapped
	return nil
}

// sqlitePath is the SQLite file the flags name, and whether they name one at all.
func sqlitePath(dataDir, dbURL string) (string, bool) {
	switch {
	case dbURL == "":
		return filepath.Join(dataDir, "cashier.db"), true
	case strings.HasPrefix(dbURL, "sqlite:"):
		return strings.TrimPrefix(strings.TrimPrefix(dbURL, "sqlite:"), "//"), true
	}
	return "", false
}
