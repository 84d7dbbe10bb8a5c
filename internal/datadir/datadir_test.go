package datadir

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestCreateRace: of processes racing to create one file, exactly one wins and everyone
// then reads the winner's content.
func TestCreateRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key.pem")
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := Create(path, []byte{byte('a' + i)})
			if err != nil && !errors.Is(err, fs.ErrExist) {
				t.Error(err)
			}
			if err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d creators won", won)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
}

func TestReplace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ca.pem")
	for _, c := range []struct {
		data  string
		write func(string, []byte) error
		mode  fs.FileMode
	}{{"one", Replace, 0o600}, {"two", Public, 0o644}, {"three", Replace, 0o600}} {
		if err := c.write(path, []byte(c.data)); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		fi, _ := os.Stat(path)
		if string(got) != c.data || fi.Mode().Perm() != c.mode {
			t.Fatalf("got %q %v, want %q %v", got, fi.Mode(), c.data, c.mode)
		}
	}
	if err := Create(path, []byte("four")); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Create over an existing file: %v", err)
	}
}
