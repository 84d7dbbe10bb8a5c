package vault

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/cashierpay/cashier/internal/datadir"
)

// noEnv makes sure a keyring in the developer's or CI's environment does not leak into tests
// that mean the keys file.
func noEnv(t *testing.T) {
	t.Helper()
	t.Setenv(EnvKeyring, "")
	os.Unsetenv(EnvKeyring)
}

func newKeyring(t *testing.T) (*Keyring, string) {
	t.Helper()
	noEnv(t)
	dir := t.TempDir()
	k, err := LoadOrCreate(dir, datadir.Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	return k, dir
}

const pan = "4111111111111111"

func TestRoundTrip(t *testing.T) {
	k, _ := newKeyring(t)
	for _, pt := range [][]byte{nil, []byte("x"), []byte(`{"pan":"` + pan + `","exp":"12/29"}`), bytes.Repeat([]byte{0xAB}, 1<<16)} {
		s, err := k.Seal(pt, []byte("card_1"))
		if err != nil {
			t.Fatal(err)
		}
		if s.KeyID != k.ActiveKeyID() {
			t.Errorf("KeyID = %q, want active %q", s.KeyID, k.ActiveKeyID())
		}
		got, err := k.Open(s, []byte("card_1"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, pt) {
			t.Errorf("Open = %q, want %q", got, pt)
		}
	}
}

func TestSealIsRandomized(t *testing.T) {
	k, _ := newKeyring(t)
	a, _ := k.Seal([]byte(pan), []byte("card_1"))
	b, _ := k.Seal([]byte(pan), []byte("card_1"))
	if bytes.Equal(a.Blob, b.Blob) {
		t.Fatal("two seals of the same plaintext are identical")
	}
}

func TestCiphertextHidesPlaintext(t *testing.T) {
	k, _ := newKeyring(t)
	s, err := k.Seal([]byte(pan), []byte("card_1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, needle := range []string{pan, pan[len(pan)-4:] + pan[:6], pan[:8], pan[8:]} {
		if bytes.Contains(s.Blob, []byte(needle)) {
			t.Errorf("blob contains %q", needle)
		}
	}
	for _, enc := range []string{base64.StdEncoding.EncodeToString(s.Blob), string(s.Blob)} {
		if strings.Contains(enc, pan) {
			t.Error("encoded blob contains the PAN")
		}
	}
}

func TestWrongAAD(t *testing.T) {
	k, _ := newKeyring(t)
	s, _ := k.Seal([]byte(pan), []byte("card_1"))
	for _, aad := range [][]byte{nil, []byte("card_2"), []byte("card_1 "), []byte("card_")} {
		if _, err := k.Open(s, aad); !errors.Is(err, ErrAuth) {
			t.Errorf("Open with aad %q: err = %v, want ErrAuth", aad, err)
		}
		if _, err := k.Rewrap(s, aad); !errors.Is(err, ErrAuth) {
			t.Errorf("Rewrap with aad %q: err = %v, want ErrAuth", aad, err)
		}
	}
}

func TestTamperedBlob(t *testing.T) {
	k, _ := newKeyring(t)
	aad := []byte("card_1")
	s, _ := k.Seal([]byte(pan), aad)
	for i := range s.Blob {
		bad := Sealed{KeyID: s.KeyID, Blob: bytes.Clone(s.Blob)}
		bad.Blob[i] ^= 0x01
		_, err := k.Open(bad, aad)
		want := ErrAuth
		if i == 0 {
			want = ErrMalformed
		}
		if !errors.Is(err, want) {
			t.Errorf("flipped byte %d: err = %v, want %v", i, err, want)
		}
	}
	for _, n := range []int{0, 1, minBlobSize - 1, len(s.Blob) - 1} {
		if _, err := k.Open(Sealed{KeyID: s.KeyID, Blob: s.Blob[:n]}, aad); err == nil {
			t.Errorf("truncated to %d bytes: opened", n)
		}
	}
	if _, err := k.Open(Sealed{KeyID: "k9-nope", Blob: s.Blob}, aad); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown key id: err = %v, want ErrUnknownKey", err)
	}
}

func TestBlobFromOtherKeyring(t *testing.T) {
	a, _ := newKeyring(t)
	b, _ := newKeyring(t) // same generated id (k1-<today>), different key
	s, _ := a.Seal([]byte(pan), []byte("card_1"))
	if _, err := b.Open(s, []byte("card_1")); err == nil {
		t.Fatal("another keyring opened the record")
	}
}

func TestRotateRewrapOpen(t *testing.T) {
	k, dir := newKeyring(t)
	aad := []byte("card_1")
	oldID := k.ActiveKeyID()
	s, _ := k.Seal([]byte(pan), aad)

	// A second process (the running gateway) holding the same keys file.
	other, err := LoadOrCreate(dir, datadir.Secrets{})
	if err != nil {
		t.Fatal(err)
	}

	newID, err := k.Rotate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if newID == oldID || k.ActiveKeyID() != newID {
		t.Fatalf("Rotate = %q, active %q, old %q", newID, k.ActiveKeyID(), oldID)
	}
	if !strings.HasPrefix(newID, "k2-") {
		t.Errorf("new id %q, want k2-<date>", newID)
	}

	// Old records open before they are re-wrapped.
	if got, err := k.Open(s, aad); err != nil || string(got) != pan {
		t.Fatalf("Open old record after rotate = %q, %v", got, err)
	}

	r, err := k.Rewrap(s, aad)
	if err != nil {
		t.Fatal(err)
	}
	if r.KeyID != newID {
		t.Errorf("rewrapped KeyID = %q, want %q", r.KeyID, newID)
	}
	if !bytes.Equal(r.Blob[offDataN:], s.Blob[offDataN:]) {
		t.Error("Rewrap changed the data layer")
	}
	if bytes.Equal(r.Blob[:offDataN], s.Blob[:offDataN]) {
		t.Error("Rewrap left the wrap layer unchanged")
	}
	if got, err := k.Open(r, aad); err != nil || string(got) != pan {
		t.Fatalf("Open rewrapped = %q, %v", got, err)
	}

	again, err := k.Rewrap(r, aad)
	if err != nil {
		t.Fatal(err)
	}
	if again.KeyID != r.KeyID || !bytes.Equal(again.Blob, r.Blob) {
		t.Error("Rewrap under the active key was not a no-op")
	}

	// The other process learns the new KEK from the file when it first meets it.
	if got, err := other.Open(r, aad); err != nil || string(got) != pan {
		t.Fatalf("other process Open rewrapped = %q, %v", got, err)
	}
	if other.ActiveKeyID() != newID {
		t.Errorf("other process active = %q, want %q", other.ActiveKeyID(), newID)
	}

	// A fresh load sees both keys, and the fingerprint key did not rotate.
	reloaded, err := LoadOrCreate(dir, datadir.Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	if reloaded.ActiveKeyID() != newID {
		t.Errorf("reloaded active = %q, want %q", reloaded.ActiveKeyID(), newID)
	}
	for _, rec := range []Sealed{s, r} {
		if got, err := reloaded.Open(rec, aad); err != nil || string(got) != pan {
			t.Errorf("reloaded Open(%s) = %q, %v", rec.KeyID, got, err)
		}
	}
	if reloaded.Fingerprint(pan) != k.Fingerprint(pan) {
		t.Error("fingerprint changed across rotation")
	}
}

func TestConcurrentRotateKeepsBothKeys(t *testing.T) {
	a, dir := newKeyring(t)
	b, err := LoadOrCreate(dir, datadir.Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	ids := make([]string, 2)
	for i, k := range []*Keyring{a, b} {
		wg.Go(func() {
			id, err := k.Rotate(dir)
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		})
	}
	wg.Wait()
	if ids[0] == ids[1] {
		t.Fatalf("both rotations produced %q", ids[0])
	}
	c, err := LoadOrCreate(dir, datadir.Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.keks) != 3 {
		t.Fatalf("keys file holds %d KEKs, want 3", len(c.keks))
	}
	for _, id := range ids {
		if c.keks[id] == nil {
			t.Errorf("KEK %q lost", id)
		}
	}
}

func TestSealDuringRotate(t *testing.T) {
	k, dir := newKeyring(t)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			aad := []byte{byte(i)}
			for range 200 {
				s, err := k.Seal([]byte(pan), aad)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := k.Open(s, aad); err != nil {
					t.Error(err)
					return
				}
				if _, err := k.Rewrap(s, aad); err != nil {
					t.Error(err)
					return
				}
				_ = k.Fingerprint(pan)
			}
		})
	}
	for range 3 {
		if _, err := k.Rotate(dir); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}

func TestKeysFileModeAndReuse(t *testing.T) {
	k, dir := newKeyring(t)
	path := filepath.Join(dir, KeysFile)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("keys file mode %v, want 0600", st.Mode().Perm())
	}
	before, _ := os.ReadFile(path)

	again, err := LoadOrCreate(dir, datadir.Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("second load rewrote the keys file")
	}
	if again.ActiveKeyID() != k.ActiveKeyID() || again.Fingerprint(pan) != k.Fingerprint(pan) {
		t.Error("second load has different keys")
	}
	s, _ := k.Seal([]byte(pan), nil)
	if _, err := again.Open(s, nil); err != nil {
		t.Errorf("second load cannot open: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestKeysFileLooseModeRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unix modes")
	}
	_, dir := newKeyring(t)
	if err := os.Chmod(filepath.Join(dir, KeysFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(dir, datadir.Secrets{}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("err = %v, want a refusal naming chmod 600", err)
	}
}

func TestConcurrentLoadOrCreate(t *testing.T) {
	noEnv(t)
	for range 20 {
		dir := filepath.Join(t.TempDir(), "data") // not there yet: both make it
		var wg sync.WaitGroup
		ks := make([]*Keyring, 2)
		for i := range ks {
			wg.Go(func() {
				k, err := LoadOrCreate(dir, datadir.Secrets{})
				if err != nil {
					t.Error(err)
				}
				ks[i] = k
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		a, b := ks[0], ks[1]
		if a.ActiveKeyID() != b.ActiveKeyID() || a.Fingerprint(pan) != b.Fingerprint(pan) {
			t.Fatal("concurrent loads ended with different keyrings")
		}
		if !bytes.Equal(a.keks[a.active].raw, b.keks[b.active].raw) {
			t.Fatal("concurrent loads ended with different KEKs")
		}
		s, _ := a.Seal([]byte(pan), nil)
		if _, err := b.Open(s, nil); err != nil {
			t.Fatalf("keyring b cannot open a's record: %v", err)
		}
	}
}

func envJSON(t *testing.T, active string, ids ...string) string {
	t.Helper()
	f := keyFile{Version: 1, Active: active, FingerprintKey: base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))}
	for i, id := range ids {
		f.KEKs = append(f.KEKs, keyJSON{ID: id, Key: base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{byte(i + 1)}, 32))})
	}
	f.PageKeys = []keyJSON{{ID: "p1", Key: base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{8}, 32))}}
	f.CSRFKeys = []keyJSON{{ID: "c1", Key: base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))}}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// without drops a field from a keyring's JSON.
func without(t *testing.T, keyring, field string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(keyring), &m); err != nil {
		t.Fatal(err)
	}
	delete(m, field)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEnvKeyring(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvKeyring, envJSON(t, "prod-2", "prod-1", "prod-2"))
	k, err := LoadOrCreate(dir, datadir.Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	if k.ActiveKeyID() != "prod-2" {
		t.Errorf("active = %q, want prod-2", k.ActiveKeyID())
	}
	s, err := k.Seal([]byte(pan), []byte("card_1"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k.Open(s, []byte("card_1")); err != nil || string(got) != pan {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(dir, KeysFile)); !os.IsNotExist(err) {
		t.Errorf("keys file written with an env keyring (stat err %v)", err)
	}
	if _, err := k.Rotate(dir); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Rotate err = %v, want ErrReadOnly", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("dir not empty after env load and refused rotate: %v", entries)
	}

	// The same JSON in a file gives the same keyring.
	k2, err := parseKeyring([]byte(envJSON(t, "prod-2", "prod-1", "prod-2")))
	if err != nil {
		t.Fatal(err)
	}
	if k2.Fingerprint(pan) != k.Fingerprint(pan) {
		t.Error("same JSON, different fingerprint")
	}
}

func TestEnvKeyringInvalid(t *testing.T) {
	for name, v := range map[string]string{
		"empty":          "",
		"blank":          "  \n",
		"not json":       "{",
		"missing active": envJSON(t, "nope", "k1"),
		"duplicate id":   envJSON(t, "k1", "k1", "k1"),
		"bad id":         envJSON(t, "k 1", "k 1"),
		"no keks":        envJSON(t, "k1"),
		"unknown field":  `{"version":1,"active":"k1","fingerprintKey":"x","keks":[]}`,
		"short key":      `{"version":1,"active":"k1","fingerprint_key":"` + base64.StdEncoding.EncodeToString(make([]byte, 32)) + `","keks":[{"id":"k1","key":"AAAA"}]}`,
		"version":        strings.Replace(envJSON(t, "k1", "k1"), `"version":1`, `"version":2`, 1),
		"no page keys":   without(t, envJSON(t, "k1", "k1"), "page_keys"),
		"no csrf keys":   without(t, envJSON(t, "k1", "k1"), "csrf_keys"),
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(EnvKeyring, v)
			if _, err := LoadOrCreate(t.TempDir(), datadir.Secrets{}); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	a, _ := newKeyring(t)
	b, _ := newKeyring(t)
	fp := a.Fingerprint(pan)
	if len(fp) != 64 || strings.Trim(fp, "0123456789abcdef") != "" {
		t.Errorf("fingerprint %q is not 64 hex digits", fp)
	}
	if strings.Contains(fp, pan) {
		t.Error("fingerprint contains the PAN")
	}
	if a.Fingerprint(pan) != fp {
		t.Error("fingerprint not stable")
	}
	if a.Fingerprint("4111111111111112") == fp {
		t.Error("different PANs share a fingerprint")
	}
	if b.Fingerprint(pan) == fp {
		t.Error("fingerprint does not depend on the keyring's key")
	}
}

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok := NewToken()
		if !strings.HasPrefix(tok, TokenPrefix) || len(tok) > 64 || len(tok)-len(TokenPrefix) < 26 {
			t.Fatalf("token %q has the wrong shape", tok)
		}
		if strings.Trim(tok[len(TokenPrefix):], "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Fatalf("token %q is not URL-safe lowercase base32", tok)
		}
		if seen[tok] {
			t.Fatalf("token %q repeated", tok)
		}
		seen[tok] = true
	}
}
