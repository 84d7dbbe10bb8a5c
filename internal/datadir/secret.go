package datadir

import (
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
)

// Secrets reads the data directory's secret files: the gateway key, the keyring, the sandbox
// merchant's and the sandbox CA's private keys. Every one of them is written 0600 by Create
// and Replace; one found readable by group or others was loosened by hand or restored from a
// backup without its mode, which is more likely an accident worth stopping for than a choice.
type Secrets struct {
	// AllowOpen turns that refusal into a warning (serve --allow-open-key-files), for
	// filesystems whose modes mean nothing, such as some volume mounts.
	AllowOpen bool
	// Logger receives the warnings; default slog.Default().
	Logger *slog.Logger
}

// OpenError is a secret file, or the data directory, that group or others can reach.
type OpenError struct {
	Path string
	Mode fs.FileMode
}

func (e *OpenError) Error() string {
	return fmt.Sprintf("%s has mode %v: group or others can read it; make it readable by its owner only (chmod 600 %s), "+
		"or start with --allow-open-key-files (CASHIER_ALLOW_OPEN_KEY_FILES) to run anyway", e.Path, e.Mode.Perm(), e.Path)
}

// open reports whether mode lets anyone but the owner in. Windows has no such bits to read.
func open(mode fs.FileMode) bool {
	return runtime.GOOS != "windows" && mode.Perm()&0o077 != 0
}

// Read reads the secret file at path, checking its mode on the open file so that the file
// checked is the file read.
func (s Secrets) Read(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if open(st.Mode()) {
		if err := s.refuse(&OpenError{Path: path, Mode: st.Mode()}); err != nil {
			return nil, err
		}
	}
	return io.ReadAll(f)
}

// CheckDir warns, and never refuses, when others can enter the data directory: every secret
// in it is checked on its own, but the SQLite database beside them holds buyers' names,
// addresses and sealed cards, and is created with the process's umask.
func (s Secrets) CheckDir(dir string) {
	st, err := os.Stat(dir)
	if err != nil || !open(st.Mode()) {
		return
	}
	s.logger().Warn("data directory is open to group or others; the database files in it are readable by them unless their own modes say otherwise (chmod 700 "+dir+")",
		"dir", dir, "mode", st.Mode().Perm().String())
}

func (s Secrets) refuse(e *OpenError) error {
	if !s.AllowOpen {
		return e
	}
	s.logger().Warn("secret file is readable by group or others; running anyway", "file", e.Path, "mode", e.Mode.Perm().String())
	return nil
}

func (s Secrets) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}
