package datadir

import (
	"bytes"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func unixModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unix modes")
	}
}

// TestSecretsRefuseOpenFiles: a secret file that group or others can read is refused with
// an error naming the file and the fix, whatever bit opens it; one the owner alone reads
// is read.
func TestSecretsRefuseOpenFiles(t *testing.T) {
	unixModes(t)
	path := filepath.Join(t.TempDir(), "gateway-key.pem")
	if err := Create(path, []byte("secret")); err != nil {
		t.Fatal(err)
	}
	got, err := Secrets{}.Read(path)
	if err != nil || string(got) != "secret" {
		t.Fatalf("Read of a 0600 file = %q, %v", got, err)
	}
	for _, mode := range []fs.FileMode{0o644, 0o640, 0o604, 0o660, 0o606} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		got, err := Secrets{}.Read(path)
		var open *OpenError
		if !errors.As(err, &open) || got != nil {
			t.Fatalf("mode %v: Read = %q, %v; want an *OpenError", mode, got, err)
		}
		for _, want := range []string{path, "chmod 600", "--allow-open-key-files"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("mode %v: error %q does not name %q", mode, err, want)
			}
		}
	}
}

// TestSecretsAllowOpen: with AllowOpen the file is read and the warning names it.
func TestSecretsAllowOpen(t *testing.T) {
	unixModes(t)
	path := filepath.Join(t.TempDir(), "sandbox-merchant.json")
	if err := Create(path, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	got, err := Secrets{AllowOpen: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))}.Read(path)
	if err != nil || string(got) != "{}" {
		t.Fatalf("Read = %q, %v", got, err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), path) {
		t.Fatalf("no warning naming the file: %s", logs.String())
	}
}

// TestSecretsCheckDir: an open data directory is worth a warning, a private one nothing.
func TestSecretsCheckDir(t *testing.T) {
	unixModes(t)
	dir := t.TempDir()
	for _, c := range []struct {
		mode fs.FileMode
		warn bool
	}{{0o700, false}, {0o755, true}, {0o750, true}} {
		if err := os.Chmod(dir, c.mode); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		Secrets{Logger: slog.New(slog.NewTextHandler(&logs, nil))}.CheckDir(dir)
		if warned := strings.Contains(logs.String(), "level=WARN"); warned != c.warn {
			t.Errorf("mode %v: warned %v, want %v: %s", c.mode, warned, c.warn, logs.String())
		}
	}
}
