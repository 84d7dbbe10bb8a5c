//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// lockDir serialises rotations of the keys file in dir across processes where flock is not
// available, with a lock file created exclusively. A crash leaves the file behind; since
// rotation is a rare, hand-run operation, the error tells the operator what to remove rather
// than guessing when a lock is stale.
func lockDir(dir string) (unlock func(), err error) {
	path := filepath.Join(dir, KeysFile+".lock")
	deadline := time.Now().Add(10 * time.Second)
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("vault: locking keys: %w", err)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("vault: %s is held; if no other key rotation is running, remove it", path)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
