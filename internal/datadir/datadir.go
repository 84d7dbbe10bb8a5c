// Package datadir writes the files of the gateway's data directory (keys, certificates, the
// sandbox merchant) so that a reader, or a second node starting on the same directory, sees a
// file whole or not at all: each is written to a temporary file, synced, then linked or
// renamed into place. Every file is written readable by its owner only, except the copies of
// public material that Public writes for people and tools; Secrets reads the secret ones
// back, refusing any whose mode was loosened since.
package datadir

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Create writes data to path, readable by its owner only, unless path exists. Of processes racing to create
// the same file, exactly one succeeds and the others get an error satisfying
// errors.Is(err, fs.ErrExist): they then read the winner's file, so two nodes never start
// with two different keys.
func Create(path string, data []byte) error {
	return write(path, data, 0o600, os.Link)
}

// Replace writes data to path, readable by its owner only, replacing what is there.
func Replace(path string, data []byte) error {
	return write(path, data, 0o600, os.Rename)
}

// Public writes data that anyone may read (a CA certificate for trust stores) to path,
// replacing what is there.
func Public(path string, data []byte) error {
	return write(path, data, 0o644, os.Rename)
}

func write(path string, data []byte, mode fs.FileMode, place func(tmp, path string) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*.tmp") // created 0600
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name) // after a link or a rename this only drops the spare name
	if err := tmp.Chmod(mode); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	// The content must be on disk before the name points at it, or a crash could leave an
	// empty key file behind.
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := place(name, path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir makes a new directory entry durable. It is best effort: some platforms and
// filesystems cannot sync a directory, and refusing to start there would help no one.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
