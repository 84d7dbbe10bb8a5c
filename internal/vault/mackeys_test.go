package vault

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/datadir"
)

// TestMACKeysOwnAndShared: a new keyring has a random key per purpose, none equal to another
// key it holds, and a second process on the same directory reads the same ones.
func TestMACKeysOwnAndShared(t *testing.T) {
	k, dir := newKeyring(t)
	page, csrf := k.MACKey(PageTokens), k.MACKey(CSRF)
	if len(page) != 32 || len(csrf) != 32 || bytes.Equal(page, csrf) || bytes.Equal(page, k.fpKey) || bytes.Equal(csrf, k.fpKey) {
		t.Fatalf("page %x, csrf %x: want two distinct random 32-byte keys", page, csrf)
	}
	other, err := LoadOrCreate(dir, datadir.Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(other.MACKey(PageTokens), page) || !bytes.Equal(other.MACKey(CSRF), csrf) {
		t.Fatal("a second load of the same keys file has other MAC keys")
	}
}

// TestMACKeysAddedOnUpgrade: a keys file written before MAC keys lived in it gets one per
// purpose, keeps its KEKs and fingerprint key, and nodes upgrading at once agree.
func TestMACKeysAddedOnUpgrade(t *testing.T) {
	noEnv(t)
	for range 10 {
		dir := t.TempDir()
		old := without(t, without(t, envJSON(t, "k1", "k1"), "page_keys"), "csrf_keys")
		if err := datadir.Create(filepath.Join(dir, KeysFile), []byte(old)); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		rings := make([]*Keyring, 4)
		for i := range rings {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k, err := LoadOrCreate(dir, datadir.Secrets{})
				if err != nil {
					t.Error(err)
					return
				}
				rings[i] = k
			}()
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		for _, k := range rings {
			if k.ActiveKeyID() != "k1" || !bytes.Equal(k.fpKey, bytes.Repeat([]byte{7}, 32)) {
				t.Fatal("the upgrade changed the KEKs or the fingerprint key")
			}
			for _, p := range []Purpose{PageTokens, CSRF} {
				if len(k.MACKey(p)) != 32 || !bytes.Equal(k.MACKey(p), rings[0].MACKey(p)) {
					t.Fatalf("%s: nodes upgrading together disagree", p)
				}
			}
		}
		var f keyFile
		data, _ := os.ReadFile(filepath.Join(dir, KeysFile))
		if err := json.Unmarshal(data, &f); err != nil || len(f.PageKeys) != 1 || len(f.CSRFKeys) != 1 {
			t.Fatalf("keys file after the upgrade: %s (%v)", data, err)
		}
	}
}

// TestRotateMAC: a rotation makes a new current key; the old one still verifies for
// KeepRetired and no longer after; the other purpose, the KEKs and a later KEK rotation
// leave the MAC keys alone; a running process learns the new key through Reload.
func TestRotateMAC(t *testing.T) {
	k, dir := newKeyring(t)
	running, err := LoadOrCreate(dir, datadir.Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	oldPage, oldCSRF, kek := k.MACKey(PageTokens), k.MACKey(CSRF), k.ActiveKeyID()
	id, err := k.RotateMAC(dir, PageTokens)
	if err != nil {
		t.Fatal(err)
	}
	if id[0] != 'p' || generation(id) != 2 {
		t.Errorf("new id %q, want p2-<date>", id)
	}
	page := k.MACKey(PageTokens)
	if bytes.Equal(page, oldPage) || !bytes.Equal(k.MACKey(CSRF), oldCSRF) || k.ActiveKeyID() != kek {
		t.Fatal("RotateMAC(page) did not change the page key alone")
	}
	now := time.Now()
	if got := k.MACKeys(PageTokens, now); len(got) != 2 || !bytes.Equal(got[0], page) || !bytes.Equal(got[1], oldPage) {
		t.Fatalf("MACKeys after the rotation: %d keys, want the new then the old", len(got))
	}
	if got := k.MACKeys(PageTokens, now.Add(KeepRetired+time.Hour)); len(got) != 1 || !bytes.Equal(got[0], page) {
		t.Fatalf("MACKeys after KeepRetired: %d keys, want the new one alone", len(got))
	}

	if _, err := k.Rotate(dir); err != nil {
		t.Fatal(err)
	}
	reread, err := LoadOrCreate(dir, datadir.Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(reread.MACKey(PageTokens), page) || len(reread.MACKeys(PageTokens, now)) != 2 || !bytes.Equal(reread.MACKey(CSRF), oldCSRF) {
		t.Fatal("a KEK rotation lost MAC keys")
	}

	if bytes.Equal(running.MACKey(PageTokens), page) {
		t.Fatal("the running keyring knew the new key before reloading")
	}
	if !running.Reload() || !bytes.Equal(running.MACKey(PageTokens), page) {
		t.Fatal("Reload did not learn the rotated key")
	}
	if running.Reload() {
		t.Error("a second Reload at once read the file again")
	}
}

// TestPruneMACs: keys that no longer verify leave the file at the next rotation.
func TestPruneMACs(t *testing.T) {
	now := time.Now()
	set := []*macKey{
		{id: "p3", created: now.Add(-time.Hour)},
		{id: "p2", created: now.Add(-KeepRetired - 2*time.Hour)},
		{id: "p1", created: now.Add(-2 * KeepRetired)},
	}
	got := prune(set, now)
	if ids := []string{got[0].id, got[1].id}; len(got) != 2 || !slices.Equal(ids, []string{"p3", "p2"}) {
		t.Fatalf("prune kept %d keys, want p3 and p2 (p2 was replaced an hour ago)", len(got))
	}
}

func TestRotateMACEnvRefused(t *testing.T) {
	t.Setenv(EnvKeyring, envJSON(t, "k1", "k1"))
	k, err := LoadOrCreate(t.TempDir(), datadir.Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.RotateMAC(t.TempDir(), CSRF); err != ErrReadOnly {
		t.Fatalf("RotateMAC of an env keyring: %v, want ErrReadOnly", err)
	}
}
