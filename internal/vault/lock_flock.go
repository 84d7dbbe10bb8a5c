//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package vault

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDir serialises rotations of the keys file in dir across processes. flock is released
// by the kernel if the holder dies, so a crash never leaves the vault locked.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, KeysFile+".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("vault: locking keys: %w", err)
	}
	// The lock file is left in place: removing it would let a waiter lock an unlinked
	// inode while a newcomer locks a fresh one.
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
