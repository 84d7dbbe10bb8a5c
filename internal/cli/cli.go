// Package cli is the cashier command line: serve the gateway, manage merchants, migrate the
// database. main only builds a context and calls Main, so that tests can run every command
// in-process.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/vault"
)

const usage = `cashier — a self-hosted card payment gateway speaking the Antom Checkout Payment API

Usage:
  cashier serve    [--listen ADDR] [--https-listen ADDR] [--tls-cert FILE --tls-key FILE] [--tls-hosts H,H]
                   [--public-url URL] [--trust-proxy] [--notify-url URL] [--data DIR] [--db URL]
                   [--test-clock] [--notify-timeout 10s]
  cashier call API [--merchant FILE] [--data JSON|@FILE|-] [--url URL] [--ca FILE] [-v]
  cashier merchant add --client-id ID --public-key KEY [--notify-url URL] [--name N] [--data DIR] [--db URL]
  cashier merchant list [--data DIR] [--db URL]
  cashier merchant set-notify-url --client-id ID --notify-url URL [--data DIR] [--db URL]
  cashier notifications list [--payment ID] [--failed] [--data DIR] [--db URL]
  cashier notifications resend ID [--data DIR] [--db URL]
  cashier vault rotate-key [--data DIR] [--db URL]
  cashier migrate  [--data DIR] [--db URL]

KEY is bare base64 X.509 SubjectPublicKeyInfo, PEM, or @FILE holding either.
`

// Main runs the command named by args (without the program name) and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, stderr)
	case "call":
		err = call(ctx, args[1:], os.Stdin, stdout, stderr)
	case "merchant":
		err = merchant(ctx, args[1:], stdout)
	case "migrate":
		err = migrate(ctx, args[1:], stdout)
	case "notifications":
		err = notifications(ctx, args[1:], stdout)
	case "vault":
		err = vaultCmd(ctx, args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = fmt.Errorf("unknown command %q\n\n%s", args[0], usage)
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "cashier:", err)
		return 1
	}
	return 0
}

// defaultDataDir is where the gateway keeps its state unless --data says otherwise.
const defaultDataDir = "cashier-data"

// storeFlags registers the flags every command that touches the store takes.
func storeFlags(fs *flag.FlagSet) *Options {
	o := &Options{}
	fs.StringVar(&o.DataDir, "data", defaultDataDir, "data directory (keys, SQLite database, sandbox-merchant.json)")
	fs.StringVar(&o.DB, "db", "", "database URL (default: SQLite file in the data directory)")
	return o
}

func merchant(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("merchant: want add, list or set-notify-url")
	}
	fs := flag.NewFlagSet("merchant "+args[0], flag.ContinueOnError)
	opts := storeFlags(fs)
	clientID := fs.String("client-id", "", "merchant client id")
	publicKey := fs.String("public-key", "", "merchant public key: bare base64 SPKI, PEM, or @FILE")
	notifyURL := fs.String("notify-url", "", "default notification URL")
	name := fs.String("name", "", "merchant name")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	app, err := Open(ctx, *opts)
	if err != nil {
		return err
	}
	defer app.Close()
	switch args[0] {
	case "add":
		if *clientID == "" || *publicKey == "" {
			return errors.New("merchant add: --client-id and --public-key are required")
		}
		if len(*clientID) > 64 {
			return errors.New("merchant add: --client-id is longer than 64 characters")
		}
		keyText := *publicKey
		if path, ok := strings.CutPrefix(keyText, "@"); ok {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			keyText = string(data)
		}
		pub, err := ams.ParsePublicKey(keyText)
		if err != nil {
			return fmt.Errorf("merchant add: --public-key: %w", err)
		}
		if *notifyURL != "" && !validHTTPURL(*notifyURL) {
			return errors.New("merchant add: --notify-url must be an absolute http or https URL")
		}
		if *name == "" {
			*name = *clientID
		}
		m := &payment.Merchant{ID: *clientID, ClientID: *clientID, Name: *name, PublicKey: ams.EncodePublicKey(pub), NotifyURL: *notifyURL, CreatedAt: time.Now().UTC()}
		if err := app.Store.MerchantInsert(ctx, m); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("merchant add: client id %q is already registered", *clientID)
			}
			return err
		}
		return printJSON(stdout, map[string]string{
			"clientId": m.ClientID, "name": m.Name, "notifyUrl": m.NotifyURL,
			"gatewayPublicKey": ams.EncodePublicKey(&app.GatewayKey.PublicKey),
		})
	case "list":
		ms, err := app.Store.MerchantList(ctx)
		if err != nil {
			return err
		}
		out := []map[string]string{}
		for _, m := range ms {
			out = append(out, map[string]string{"clientId": m.ClientID, "name": m.Name, "notifyUrl": m.NotifyURL, "createdAt": m.CreatedAt.Format(time.RFC3339)})
		}
		return printJSON(stdout, out)
	case "set-notify-url":
		if *clientID == "" {
			return errors.New("merchant set-notify-url: --client-id is required")
		}
		if *notifyURL != "" && !validHTTPURL(*notifyURL) {
			return errors.New("merchant set-notify-url: --notify-url must be an absolute http or https URL")
		}
		if err := app.Store.MerchantSetNotifyURL(ctx, *clientID, *notifyURL); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("merchant set-notify-url: no merchant %q", *clientID)
			}
			return err
		}
		return printJSON(stdout, map[string]string{"clientId": *clientID, "notifyUrl": *notifyURL})
	}
	return fmt.Errorf("merchant: unknown subcommand %q", args[0])
}

func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	opts := storeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts.defaults()
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return err
	}
	st, err := openStore(ctx, *opts)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "database is up to date")
	return st.Close()
}

func validHTTPURL(s string) bool {
	return (strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")) && len(s) > len("https://")
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func notifications(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("notifications: want list or resend")
	}
	fs := flag.NewFlagSet("notifications "+args[0], flag.ContinueOnError)
	opts := storeFlags(fs)
	paymentID := fs.String("payment", "", "only this payment's notifications")
	failed := fs.Bool("failed", false, "only notifications that exhausted their retries")
	// Accept the id before or after the flags: flag stops at the first positional argument.
	var positional []string
	for rest := args[1:]; ; {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		positional, rest = append(positional, fs.Arg(0)), fs.Args()[1:]
	}
	app, err := Open(ctx, *opts)
	if err != nil {
		return err
	}
	defer app.Close()
	switch args[0] {
	case "list":
		ns, err := app.Store.NotificationList(ctx, store.NotificationFilter{PaymentID: *paymentID, FailedOnly: *failed, Limit: 1000})
		if err != nil {
			return err
		}
		out := []notificationJSON{}
		for _, n := range ns {
			attempts, err := app.Store.NotificationAttempts(ctx, n.ID)
			if err != nil {
				return err
			}
			out = append(out, toNotificationJSON(n, attempts))
		}
		return printJSON(stdout, out)
	case "resend":
		if len(positional) != 1 {
			return errors.New("notifications resend: want exactly one notification id")
		}
		id := positional[0]
		if err := app.Store.NotificationResend(ctx, id, time.Now().UTC()); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("notifications resend: no notification %q", id)
			}
			return err
		}
		fmt.Fprintf(stdout, "notification %s is pending again; a running gateway sends it within a second\n", id)
		return nil
	}
	return fmt.Errorf("notifications: unknown subcommand %q", args[0])
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

// vaultCmd rotates the vault's key-encryption key: a new key becomes active for new cards,
// and every stored card's data key is re-wrapped under it. Card ciphertexts are untouched,
// and a running gateway keeps working throughout: it reloads the key file when it meets a
// key id it does not know. Running it again finishes cards sealed meanwhile under the old key.
func vaultCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "rotate-key" {
		return errors.New("vault: want rotate-key")
	}
	fs := flag.NewFlagSet("vault rotate-key", flag.ContinueOnError)
	opts := storeFlags(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	app, err := Open(ctx, *opts)
	if err != nil {
		return err
	}
	defer app.Close()
	newID, err := app.Vault.Rotate(opts.DataDir)
	if err != nil {
		return err
	}
	rewrapped, after := 0, ""
	for {
		cards, err := app.Store.CardListNotUnderKey(ctx, newID, after, 200)
		if err != nil {
			return err
		}
		if len(cards) == 0 {
			break
		}
		for _, c := range cards {
			after = c.ID
			s, err := app.Vault.Rewrap(vault.Sealed{KeyID: c.KeyID, Blob: c.Sealed}, []byte(c.ID))
			if err != nil {
				return fmt.Errorf("card %s: %w", c.ID, err)
			}
			if err := app.Store.CardRewrap(ctx, c.ID, c.KeyID, s.KeyID, s.Blob); err != nil && !errors.Is(err, store.ErrStale) {
				return fmt.Errorf("card %s: %w", c.ID, err)
			}
			rewrapped++
		}
	}
	return printJSON(stdout, map[string]any{"activeKeyId": newID, "rewrapped": rewrapped})
}
