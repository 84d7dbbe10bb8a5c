package cli

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestOpenRefusesOpenSecretFiles: every secret file of the data directory is created 0600;
// one that group or others can read stops the gateway with an error naming it and the fix,
// unless AllowOpenKeyFiles, which warns instead. An open data directory is a warning.
func TestOpenRefusesOpenSecretFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unix modes")
	}
	dir := t.TempDir()
	app, err := Open(context.Background(), Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	app.Close()
	for _, name := range []string{"gateway-key.pem", "vault-keys.json", "sandbox-merchant.json"} {
		path := filepath.Join(dir, name)
		st, err := os.Stat(path)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v, %v; want mode 0600", name, st.Mode(), err)
		}
		os.Chmod(path, 0o644)
		_, err = Open(context.Background(), Options{DataDir: dir})
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("%s at 0644: Open = %v; want a refusal naming the file and chmod 600", name, err)
		}
		var logs bytes.Buffer
		app, err := Open(context.Background(), Options{DataDir: dir, AllowOpenKeyFiles: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatalf("%s at 0644 with AllowOpenKeyFiles: %v", name, err)
		}
		app.Close()
		if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), name) {
			t.Fatalf("%s at 0644 with AllowOpenKeyFiles: no warning naming it:\n%s", name, logs.String())
		}
		os.Chmod(path, 0o600)
	}

	os.Chmod(dir, 0o755)
	var logs bytes.Buffer
	app, err = Open(context.Background(), Options{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("an open data directory stopped the gateway: %v", err)
	}
	app.Close()
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "chmod 700") {
		t.Fatalf("no warning about the open data directory:\n%s", logs.String())
	}
}

// TestTestClockFlags: the clock's allow-list takes prefixes and addresses, and goes with
// --test-clock only.
func TestTestClockFlags(t *testing.T) {
	got, err := prefixes([]string{"10.0.0.0/8", " 192.168.1.7", "::1", "2001:db8::/32"})
	if err != nil || fmt.Sprint(got) != "[10.0.0.0/8 192.168.1.7/32 ::1/128 2001:db8::/32]" {
		t.Fatalf("prefixes = %v, %v", got, err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--test-clock-allow", "10.0.0.0/8"}, "--test-clock"},
		{[]string{"serve", "--test-clock", "--test-clock-allow", "ten"}, "--test-clock-allow"},
		{[]string{"serve", "--test-clock", "--test-clock-max-advance", "0s"}, "--test-clock-max-advance"},
	} {
		dir := t.TempDir()
		if code, _, errOut := run(append(c.args, "--data", dir)...); code != 1 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d %q; want 1 naming %s", c.args, code, errOut, c.want)
		}
	}
}

// TestAllowOpenKeyFilesFlag: the flag and its variable reach the commands that read keys.
func TestAllowOpenKeyFilesFlag(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unix modes")
	}
	dir := t.TempDir()
	app, err := Open(context.Background(), Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	app.Close()
	os.Chmod(filepath.Join(dir, "vault-keys.json"), 0o640)
	if code, _, errOut := run("vault", "rotate-key", "--page", "--data", dir); code != 1 || !strings.Contains(errOut, "chmod 600") {
		t.Fatalf("rotate-key with an open keys file: exit %d %q", code, errOut)
	}
	if code, out, errOut := run("vault", "rotate-key", "--page", "--data", dir, "--allow-open-key-files"); code != 0 || !strings.Contains(out, "pageKeyId") || !strings.Contains(errOut, "WARN") {
		t.Fatalf("rotate-key --allow-open-key-files: exit %d %s %q", code, out, errOut)
	}
	t.Setenv("CASHIER_ALLOW_OPEN_KEY_FILES", "true")
	if code, out, errOut := run("vault", "rotate-key", "--csrf", "--data", dir); code != 0 || !strings.Contains(out, "csrfKeyId") || strings.Contains(out, "pageKeyId") {
		t.Fatalf("rotate-key --csrf with CASHIER_ALLOW_OPEN_KEY_FILES: exit %d %s %q", code, out, errOut)
	}
}
