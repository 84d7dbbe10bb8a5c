// Package cli is the cashier command line: serve the gateway, sign a first call, manage
// merchants, notifications and keys, migrate the database. main only builds a context and
// calls Main, so that tests can run every command in-process.
package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/cashierpay/cashier/internal/datadir"
	"github.com/cashierpay/cashier/internal/notify"
)

// commands is the command line. Every flag can also be set with the CASHIER_* environment
// variable its help names, so that a PostgreSQL password need not appear on a command line.
type commands struct {
	Serve         serveCmd         `cmd:"" help:"Run the gateway: the Antom API over HTTP and HTTPS, the buyer's pages, notifications. The default is the sandbox."`
	Call          callCmd          `cmd:"" help:"Sign a request body as Antom's SDKs do, send it, verify the answer's signature and print it."`
	Merchant      merchantCmd      `cmd:"" help:"Register merchants, list and show them, rotate their keys, set their notification URL."`
	Notifications notificationsCmd `cmd:"" help:"List notifications with their delivery log; resend one."`
	Keys          keysCmd          `cmd:"" help:"Rotate the gateway's own signing key: add a key, publish it to merchants, activate it, retire the old one."`
	Sandbox       sandboxCmd       `cmd:"" help:"The sandbox's tools: simulate error scenarios (result codes, timeouts) on a merchant's API calls; set exchange rates."`
	Report        reportCmd        `cmd:"" help:"Write a merchant's reconciliation files: transaction details, settlement details (docs/reconciliation.md)."`
	Vault         vaultCmd         `cmd:"" help:"Rotate the keyring's keys: the card vault's key-encryption key, the keys of hosted-page links and of the pages' forms."`
	Migrate       migrateCmd       `cmd:"" help:"Create the database, or bring its schema up to date."`
	Bench         benchCmd         `cmd:"" help:"Load-test a gateway (this one or any Antom-compatible one) with requests signed in advance; report throughput, latency, result codes, notification delay (docs/performance.md)."`
	Version       versionCmd       `cmd:"" help:"Print cashier's version."`
}

// env is what a command's Run gets besides its flags.
type env struct {
	ctx            context.Context
	stdin          io.Reader
	stdout, stderr io.Writer
}

// log is where commands write their log lines: standard error, as text.
func (e *env) log() *slog.Logger { return slog.New(slog.NewTextHandler(e.stderr, nil)) }

// exit carries kong's exit code (after --help) out of Parse.
type exit int

// Main runs the command named by args (without the program name) and returns the exit code:
// 0, 1 when the command failed, 2 when the command line is wrong.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	var cmds commands
	parser, err := kong.New(&cmds,
		kong.Name("cashier"),
		kong.Description("A self-hosted card payment gateway speaking the Antom Checkout Payment API."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(c int) { panic(exit(c)) }),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		limitVars(),
	)
	if err != nil {
		panic(err) // the command structs are wrong: a programming error
	}
	defer func() {
		if r := recover(); r != nil {
			c, ok := r.(exit)
			if !ok {
				panic(r)
			}
			code = int(c)
		}
	}()
	kctx, err := parser.Parse(args)
	if err != nil {
		parser.Errorf("%s", err)
		return 2
	}
	if err := kctx.Run(&env{ctx: ctx, stdin: os.Stdin, stdout: stdout, stderr: stderr}); err != nil {
		fmt.Fprintf(stderr, "cashier %s: %s\n", kctx.Command(), err)
		return 1
	}
	return 0
}

// defaultDataDir is where the gateway keeps its state unless --data says otherwise.
const defaultDataDir = "cashier-data"

// storeFlags are the flags of every command that reads or writes the gateway's state.
type storeFlags struct {
	Data string `default:"cashier-data" env:"CASHIER_DATA" placeholder:"DIR" help:"Data directory: keys, the SQLite database, sandbox-merchant.json (${env})."`
	DB   string `env:"CASHIER_DB" placeholder:"URL" help:"Database: postgres://… or sqlite:PATH; default the SQLite file cashier.db in the data directory (${env}; put a password there, not on the command line)."`
	// AllowOpenKeyFiles is for filesystems whose modes mean nothing (some volume mounts).
	AllowOpenKeyFiles bool `name:"allow-open-key-files" env:"CASHIER_ALLOW_OPEN_KEY_FILES" help:"Use secret files of the data directory (gateway-key.pem, vault-keys.json, sandbox-merchant.json, the sandbox CA's key) that group or others can read, with a warning; without it they are refused (${env})."`
}

// secrets reads the data directory's secret files as the flags say, warning on log.
func (f storeFlags) secrets(log *slog.Logger) datadir.Secrets {
	return datadir.Secrets{AllowOpen: f.AllowOpenKeyFiles, Logger: log}
}

type versionCmd struct{}

func (versionCmd) Run(e *env) error {
	fmt.Fprintln(e.stdout, version())
	return nil
}

// version describes the build: the module version and the commit it was built from, when
// the Go toolchain recorded them.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "cashier (unknown build)"
	}
	v := "cashier " + info.Main.Version
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		v += " " + rev[:min(12, len(rev))]
		if settings["vcs.modified"] == "true" {
			v += "+dirty"
		}
		if t := settings["vcs.time"]; t != "" {
			v += " " + t
		}
	}
	return v + " " + info.GoVersion
}

// checkNotifyURL checks a --notify-url ("" is none) as the worker will. The URL is not
// repeated in the error, since it may hold a password.
func checkNotifyURL(s string) error {
	if s == "" {
		return nil
	}
	if err := notify.CheckURL(s); err != nil {
		return fmt.Errorf("--notify-url: the URL %s; give an absolute http or https URL without credentials", err)
	}
	return nil
}

func validHTTPURL(s string) bool {
	return (strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")) && len(s) > len("https://")
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// readArg reads a value given as @FILE from the file, and returns any other value as it is.
func readArg(v string) (string, error) {
	if path, ok := strings.CutPrefix(v, "@"); ok {
		data, err := os.ReadFile(path)
		return string(data), err
	}
	return v, nil
}
