package cli

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/httpapi"
	"github.com/cashierpay/cashier/internal/sandbox"
)

func run(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestHelpEverywhere: every command and subcommand answers --help with its own usage and
// exit status 0.
func TestHelpEverywhere(t *testing.T) {
	for _, cmd := range [][]string{
		{}, {"serve"}, {"call"}, {"merchant"}, {"merchant", "add"}, {"merchant", "list"}, {"merchant", "set-notify-url"}, {"merchant", "set"},
		{"notifications"}, {"notifications", "list"}, {"notifications", "resend"}, {"vault"}, {"vault", "rotate-key"},
		{"migrate"}, {"version"}, {"bench"},
	} {
		code, out, errOut := run(append(cmd, "--help")...)
		if code != 0 || !strings.Contains(out, "Usage: cashier "+strings.Join(cmd, " ")) {
			t.Errorf("cashier %v --help: exit %d\n%s%s", cmd, code, out, errOut)
		}
	}
	for _, line := range []string{"CASHIER_DATA", "CASHIER_DB", "CASHIER_LISTEN", "CASHIER_HTTPS_LISTEN", "CASHIER_PUBLIC_URL", "CASHIER_PRODUCTION", "CASHIER_NOTIFY_ALLOW"} {
		if _, out, _ := run("serve", "--help"); !strings.Contains(out, line) {
			t.Errorf("serve --help does not name %s", line)
		}
	}
}

// TestCommandLineErrors: a wrong command line exits 2 and names what is wrong.
func TestCommandLineErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"teleport"}, "teleport"},
		{[]string{"merchant", "list", "--client-id", "X"}, "--client-id"},
		{[]string{"merchant", "add", "--client-id", "X"}, "--public-key"},
		{[]string{"notifications", "resend"}, "<id>"},
		{[]string{"serve", "--notify-timeout", "soon"}, "--notify-timeout"},
		{[]string{"bench", "--scenario", "refund"}, "--scenario"},
		{[]string{"bench", "--sweep", "10,x"}, "--sweep"},
	} {
		code, _, errOut := run(c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("cashier %v: exit %d, %q; want 2 naming %s", c.args, code, errOut, c.want)
		}
	}
}

// TestCommandsCreateNothing: commands that read the gateway's state, pointed at an empty
// directory, say so and leave it empty.
func TestCommandsCreateNothing(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"merchant", "list"}, {"notifications", "list"}, {"notifications", "resend", "n1"},
		{"merchant", "set-notify-url", "--client-id", "X", "--notify-url", ""},
		{"merchant", "set", "--client-id", "X", "--request-window", "5m"},
		{"merchant", "set", "--client-id", "X", "--request-window", "25h"},
		{"merchant", "set", "--client-id", "X", "--request-window=-1s"},
		{"merchant", "set", "--client-id", "X"},
		{"merchant", "set", "--client-id", "X", "--logo", "/nonexistent.png"},
		{"merchant", "add", "--client-id", "X", "--public-key", "@/nonexistent"},
		{"vault", "rotate-key"},
	} {
		code, _, errOut := run(append(args, "--data", dir)...)
		if code != 1 || errOut == "" {
			t.Errorf("%v on an empty dir: exit %d %q", args, code, errOut)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("commands created %v", entries)
	}
	if code, _, errOut := run("serve", "--production", "--data", dir); code != 1 || !strings.Contains(errOut, "acquirer") {
		t.Fatalf("serve --production without an issuer: exit %d %q", code, errOut)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("serve --production created %v before refusing", entries)
	}
}

// TestEnvironment: CASHIER_* variables stand for flags; a flag wins over its variable.
func TestEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CASHIER_DATA", dir)
	if code, out, errOut := run("migrate"); code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate with CASHIER_DATA: exit %d %s%s", code, out, errOut)
	}
	if _, err := os.Stat(dir + "/cashier.db"); err != nil {
		t.Fatalf("CASHIER_DATA was not used: %v", err)
	}
	other := t.TempDir()
	if code, _, _ := run("migrate", "--data", other); code != 0 {
		t.Fatal("migrate --data")
	}
	if _, err := os.Stat(other + "/cashier.db"); err != nil {
		t.Fatalf("--data did not win over CASHIER_DATA: %v", err)
	}
	t.Setenv("CASHIER_DB", "mysql://nope")
	if code, _, errOut := run("migrate"); code != 1 || !strings.Contains(errOut, "unsupported database URL") {
		t.Fatalf("CASHIER_DB was not used: %q", errOut)
	}
	t.Setenv("CASHIER_DB", "postgres://user:secret@127.0.0.1:1/db?connect_timeout=1")
	if _, _, errOut := run("merchant", "list"); strings.Contains(errOut, "secret") {
		t.Fatalf("a database password reached the output: %q", errOut)
	}
}

func TestVersion(t *testing.T) {
	if code, out, _ := run("version"); code != 0 || !strings.HasPrefix(out, "cashier ") || !strings.Contains(out, "go1.") {
		t.Fatalf("version: %d %q", code, out)
	}
}

// TestProductionHasNoSandbox: a production gateway, given an issuer, has no sandbox
// merchant, no sandbox routes and no sandbox-merchant.json.
func TestProductionHasNoSandbox(t *testing.T) {
	dir := t.TempDir()
	iss := sandbox.NewIssuer(clock.Real{}, nil) // standing in for an acquirer connection; never called
	if _, err := Open(context.Background(), Options{DataDir: dir, Production: true}); err != errNoIssuer {
		t.Fatalf("production without an issuer: %v", err)
	}
	if _, err := Open(context.Background(), Options{DataDir: dir, Production: true, Issuer: iss, Clock: clock.NewTest()}); err == nil {
		t.Fatal("production accepted the test clock")
	}
	if _, err := Open(context.Background(), Options{DataDir: dir, Production: true, Issuer: iss, Fault: faultAfterIssuerAuthorize}); err == nil {
		t.Fatal("production accepted fault injection")
	}
	if code, _, errOut := run("serve", "--production", "--fault", faultAfterIssuerAuthorize, "--data", dir); code == 0 || !strings.Contains(errOut, "--fault") {
		t.Fatalf("serve --production --fault: %d %q", code, errOut)
	}
	app, err := Open(context.Background(), Options{DataDir: dir, Production: true, Issuer: iss})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if app.SandboxClient != nil {
		t.Fatal("a sandbox merchant in production")
	}
	if ms, _ := app.Store.MerchantList(context.Background()); len(ms) != 0 {
		t.Fatalf("merchants in a new production gateway: %v", ms)
	}
	if _, err := os.Stat(dir + "/sandbox-merchant.json"); err == nil {
		t.Fatal("sandbox-merchant.json in production")
	}
	for _, path := range []string{"/sandbox/test-cards", "/sandbox/clock"} {
		w := httptest.NewRecorder()
		app.Handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != http.StatusNotFound {
			t.Errorf("GET %s in production: %d", path, w.Code)
		}
	}
}

// TestFaultHook: only the documented fault point, with a positive count, is accepted.
func TestFaultHook(t *testing.T) {
	if h, err := faultHook(""); h != nil || err != nil {
		t.Fatalf("no fault: %v %v", h != nil, err)
	}
	for _, ok := range []string{"after-issuer-authorize", "after-issuer-authorize:6"} {
		if h, err := faultHook(ok); h == nil || err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"after-issuer-capture", "after-issuer-authorize:0", "after-issuer-authorize:x", "after-issuer-authorize:"} {
		if _, err := faultHook(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// TestNotifyURLFlags: every flag that sets a notification URL refuses one that is not http
// or https or that carries credentials, names the flag, does not repeat the password, and
// creates nothing.
func TestNotifyURLFlags(t *testing.T) {
	dir := t.TempDir()
	// Were the URL accepted, serve would stop at once rather than serve on.
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	for _, url := range []string{"ftp://shop.example/n", "file:///etc/passwd", "https://admin:hunter2@shop.example/n", "http://:80/n"} {
		for _, args := range [][]string{
			{"serve", "--listen", "127.0.0.1:0", "--https-listen", "", "--notify-url", url},
			{"merchant", "add", "--client-id", "X", "--public-key", "@/nonexistent", "--notify-url", url},
			{"merchant", "set-notify-url", "--client-id", "X", "--notify-url", url},
		} {
			var out, errOut bytes.Buffer
			code := Main(stopped, append(args, "--data", dir), &out, &errOut)
			if code != 1 || !strings.Contains(errOut.String(), "--notify-url: the URL") || strings.Contains(errOut.String(), "hunter2") {
				t.Errorf("%v: exit %d %q", args, code, errOut.String())
			}
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("refused commands created %v", entries)
	}
}

// TestNotifyAllowFlag: --notify-allow and CASHIER_NOTIFY_ALLOW take a comma-separated list
// of CIDR ranges; anything else is a command-line error naming the flag.
func TestNotifyAllowFlag(t *testing.T) {
	parse := func(args ...string) (serveCmd, error) {
		var cmds commands
		parser, err := kong.New(&cmds, kong.Exit(func(int) {}), limitVars())
		if err != nil {
			t.Fatal(err)
		}
		_, err = parser.Parse(args)
		return cmds.Serve, err
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	c, err := parse("serve", "--notify-allow", "10.0.0.0/8,fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	if opts, err := c.options(slog.New(slog.DiscardHandler), nil); err != nil || !slices.Equal(opts.NotifyAllow, want) {
		t.Fatalf("--notify-allow: %v %v", c.NotifyAllow, err)
	}
	t.Setenv("CASHIER_NOTIFY_ALLOW", "10.0.0.0/8,fd00::/8")
	if c, err := parse("serve"); err != nil || !slices.Equal(c.NotifyAllow, want) {
		t.Fatalf("CASHIER_NOTIFY_ALLOW: %v %v", c.NotifyAllow, err)
	}
	for _, bad := range []string{"10.0.0.1", "intranet", "10.0.0.0/33"} {
		if code, _, errOut := run("serve", "--notify-allow", bad); code != 2 || !strings.Contains(errOut, "--notify-allow") {
			t.Errorf("--notify-allow %s: exit %d %q", bad, code, errOut)
		}
	}
}

// TestLimitFlags: serve's limits default to the owning packages' defaults, read their
// CASHIER_* variables, and refuse values that make no sense before anything starts.
func TestLimitFlags(t *testing.T) {
	parse := func(args ...string) *Options {
		t.Helper()
		var cmds commands
		parser, err := kong.New(&cmds, limitVars())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parser.Parse(append([]string{"serve"}, args...)); err != nil {
			t.Fatal(err)
		}
		var o Options
		if err := cmds.Serve.limitFlags.options(&o); err != nil {
			t.Fatal(err)
		}
		return &o
	}
	o := parse()
	if !reflect.DeepEqual(*o.CardTesting, checkout.DefaultLimits()) || *o.APIRate != httpapi.DefaultAPIRate || o.TrustedProxies != nil {
		t.Errorf("defaults: %+v %+v %v", *o.CardTesting, *o.APIRate, o.TrustedProxies)
	}
	t.Setenv("CASHIER_API_RATE", "2.5")
	t.Setenv("CASHIER_CARD_FINGERPRINT_DECLINES", "0")
	o = parse("--card-attempts", "7", "--card-cool-off", "10m", "--trusted-proxy", "10.0.0.0/8,2001:db8::/32")
	if o.CardTesting.Attempts != 7 || o.CardTesting.IP.CoolOff != 10*time.Minute || o.CardTesting.Card.Free != 0 || o.APIRate.PerSecond != 2.5 ||
		len(o.TrustedProxies) != 2 || o.TrustedProxies[1] != netip.MustParsePrefix("2001:db8::/32") {
		t.Errorf("flags and variables: %+v %+v %v", *o.CardTesting, *o.APIRate, o.TrustedProxies)
	}
	for _, args := range [][]string{
		{"--card-attempts=-1"}, {"--card-delay", "10s", "--card-delay-max", "1s"}, {"--card-window", "0s"}, {"--api-rate", "5", "--api-burst", "0"},
	} {
		code, _, errOut := run(append([]string{"serve", "--data", t.TempDir()}, args...)...)
		flag, _, _ := strings.Cut(args[0], "=")
		if code != 1 || !strings.Contains(errOut, flag) {
			t.Errorf("serve %v: exit %d, %q; want 1 naming %s", args, code, errOut, flag)
		}
	}
	if code, _, errOut := run("serve", "--trusted-proxy", "10.0.0.1"); code != 2 || !strings.Contains(errOut, "--trusted-proxy") {
		t.Errorf("a proxy without a prefix length: exit %d, %q", code, errOut)
	}
}
