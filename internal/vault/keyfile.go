package vault

import (
	"bytes"
	"cmp"
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cashierpay/cashier/internal/datadir"
)

// EnvKeyring, when set, holds the whole keyring as JSON (the keys file's format). It is for
// deployments whose secrets come from a manager rather than a writable volume; the keyring is
// then never written anywhere, and Rotate refuses.
const EnvKeyring = "CASHIER_VAULT_KEYRING"

// KeysFile is the keyring's file name inside the data directory.
const KeysFile = "vault-keys.json"

const keyFileVersion = 1

type keyFile struct {
	Version        int       `json:"version"`
	Active         string    `json:"active"`
	FingerprintKey string    `json:"fingerprint_key"`
	KEKs           []keyJSON `json:"keks"`
	// PageKeys and CSRFKeys are the MAC keys of hosted-page URLs and of the pages' forms,
	// newest first; absent from files written before they lived here.
	PageKeys []keyJSON `json:"page_keys,omitempty"`
	CSRFKeys []keyJSON `json:"csrf_keys,omitempty"`
}

type keyJSON struct {
	ID      string    `json:"id"`
	Key     string    `json:"key"`
	Created time.Time `json:"created,omitzero"`
}

// LoadOrCreate returns the gateway's keyring: from EnvKeyring when that is set, otherwise from
// dir/vault-keys.json, which is created with one KEK, a fingerprint key and one MAC key per
// purpose on first use; a file from before MAC keys lived in it gets them added. secrets
// checks the file's mode on every read.
//
// Two processes starting together on an empty dir must not each make their own keys: one
// would seal cards the other cannot open. The file is therefore published with a hard link,
// which fails if the name exists, and the loser reads the winner's keys.
func LoadOrCreate(dir string, secrets datadir.Secrets) (*Keyring, error) {
	if v, ok := os.LookupEnv(EnvKeyring); ok {
		// An empty value is more likely a missing secret than a wish for a file-based
		// keyring; creating fresh keys here would silently seal cards under keys that
		// vanish with the container.
		if strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("vault: %s is set but empty", EnvKeyring)
		}
		k, err := parseKeyring([]byte(v))
		if err != nil {
			return nil, fmt.Errorf("vault: %s: %w", EnvKeyring, err)
		}
		if k.missingMACs() {
			return nil, fmt.Errorf("vault: %s %w", EnvKeyring, errNoMACs)
		}
		k.fromEnv = true
		return k, nil
	}
	if dir == "" {
		return nil, errors.New("vault: no data directory for the keys file")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	path := filepath.Join(dir, KeysFile)
	// The retry covers losing the creation race; more than a few rounds means the file is
	// appearing and vanishing under us, which is worth an error rather than a spin.
	for range 3 {
		k, err := readKeyring(path, secrets)
		if err == nil {
			k.dir, k.secrets = dir, secrets
			if err := k.completeMACs(dir); err != nil {
				return nil, err
			}
			return k, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		k, data, err := generate(time.Now())
		if err != nil {
			return nil, err
		}
		err = datadir.Create(path, data)
		if errors.Is(err, fs.ErrExist) {
			continue // another process won the race; use its keys
		}
		if err != nil {
			return nil, fmt.Errorf("vault: publishing keys: %w", err)
		}
		k.dir, k.secrets = dir, secrets
		return k, nil
	}
	return nil, fmt.Errorf("vault: %s keeps disappearing", path)
}

func generate(now time.Time) (*Keyring, []byte, error) {
	now = now.UTC().Truncate(time.Second)
	id := "k1-" + now.Format("20060102")
	w, err := newKEK(id, randomBytes(keySize), now)
	if err != nil {
		return nil, nil, err
	}
	k := &Keyring{keks: map[string]*kek{id: w}, active: id, fpKey: randomBytes(keySize), macs: map[Purpose][]*macKey{}}
	for _, pp := range purposes {
		k.macs[pp.p] = []*macKey{{id: nextID(pp.prefix, nil, now), raw: randomBytes(keySize), created: now}}
	}
	data, err := k.marshal()
	if err != nil {
		return nil, nil, err
	}
	return k, data, nil
}

// readKeyring loads the keys file through secrets: the file is every card's key.
func readKeyring(path string, secrets datadir.Secrets) (*Keyring, error) {
	data, err := secrets.Read(path)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	k, err := parseKeyring(data)
	if err != nil {
		return nil, fmt.Errorf("vault: %s: %w", path, err)
	}
	return k, nil
}

func parseKeyring(data []byte) (*Keyring, error) {
	var f keyFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a misspelt field must not be read as an absent one
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("parsing keyring: %w", err)
	}
	if f.Version != keyFileVersion {
		return nil, fmt.Errorf("keyring version %d, want %d", f.Version, keyFileVersion)
	}
	fp, err := decodeKey(f.FingerprintKey)
	if err != nil {
		return nil, fmt.Errorf("fingerprint_key: %w", err)
	}
	k := &Keyring{keks: make(map[string]*kek, len(f.KEKs)), active: f.Active, fpKey: fp, macs: map[Purpose][]*macKey{}}
	for i, j := range f.KEKs {
		if err := checkKeyID(j.ID); err != nil {
			return nil, fmt.Errorf("keks[%d]: %w", i, err)
		}
		if _, dup := k.keks[j.ID]; dup {
			return nil, fmt.Errorf("keks[%d]: duplicate id %q", i, j.ID)
		}
		raw, err := decodeKey(j.Key)
		if err != nil {
			return nil, fmt.Errorf("keks[%d] (%s): %w", i, j.ID, err)
		}
		w, err := newKEK(j.ID, raw, j.Created)
		if err != nil {
			return nil, err
		}
		k.keks[j.ID] = w
	}
	if k.keks[f.Active] == nil {
		return nil, fmt.Errorf("active key %q is not among the keks", f.Active)
	}
	for _, set := range []struct {
		p     Purpose
		field string
		keys  []keyJSON
	}{{PageTokens, "page_keys", f.PageKeys}, {CSRF, "csrf_keys", f.CSRFKeys}} {
		for i, j := range set.keys {
			if err := checkKeyID(j.ID); err != nil {
				return nil, fmt.Errorf("%s[%d]: %w", set.field, i, err)
			}
			if slices.ContainsFunc(k.macs[set.p], func(m *macKey) bool { return m.id == j.ID }) {
				return nil, fmt.Errorf("%s[%d]: duplicate id %q", set.field, i, j.ID)
			}
			raw, err := decodeKey(j.Key)
			if err != nil {
				return nil, fmt.Errorf("%s[%d] (%s): %w", set.field, i, j.ID, err)
			}
			k.macs[set.p] = append(k.macs[set.p], &macKey{id: j.ID, raw: raw, created: j.Created})
		}
		sortMACs(k.macs[set.p])
	}
	return k, nil
}

func decodeKey(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not base64: %w", err)
	}
	if len(b) != keySize {
		return nil, fmt.Errorf("key is %d bytes, want %d", len(b), keySize)
	}
	return b, nil
}

// checkKeyID keeps ids short and plain: they are stored beside every card and end up in
// logs and SQL.
func checkKeyID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("key id %q must be 1 to 64 characters", id)
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("key id %q may hold only letters, digits, '-', '_' and '.'", id)
		}
	}
	return nil
}

// marshal renders the keyring in the keys file format. Callers hold k.mu or own k alone.
func (k *Keyring) marshal() ([]byte, error) {
	f := keyFile{
		Version:        keyFileVersion,
		Active:         k.active,
		FingerprintKey: base64.StdEncoding.EncodeToString(k.fpKey),
	}
	for _, w := range k.sortedKEKs() {
		f.KEKs = append(f.KEKs, keyJSON{ID: w.id, Key: base64.StdEncoding.EncodeToString(w.raw), Created: w.created})
	}
	for _, m := range k.macs[PageTokens] {
		f.PageKeys = append(f.PageKeys, keyJSON{ID: m.id, Key: base64.StdEncoding.EncodeToString(m.raw), Created: m.created})
	}
	for _, m := range k.macs[CSRF] {
		f.CSRFKeys = append(f.CSRFKeys, keyJSON{ID: m.id, Key: base64.StdEncoding.EncodeToString(m.raw), Created: m.created})
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// sortedKEKs orders by generation number then id, so the file reads oldest first.
func (k *Keyring) sortedKEKs() []*kek {
	out := make([]*kek, 0, len(k.keks))
	for _, w := range k.keks {
		out = append(out, w)
	}
	slices.SortFunc(out, func(a, b *kek) int {
		return cmp.Or(cmp.Compare(generation(a.id), generation(b.id)), strings.Compare(a.id, b.id))
	})
	return out
}

// generation reads n from an id of the form "k<n>-..." (or "p<n>-...", "c<n>-..."), or 0 for
// ids written by hand.
func generation(id string) int {
	if id == "" || id[0] < 'a' || id[0] > 'z' {
		return 0
	}
	rest := id[1:]
	digits, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// refresh merges the keys file into memory and adopts its active key. It never forgets a
// key it already holds, and refuses a file that disagrees with memory about a key's bytes
// or the fingerprint key: that file belongs to another keyring.
func (k *Keyring) refresh(dir string) error {
	disk, err := readKeyring(filepath.Join(dir, KeysFile), k.secrets)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.mergeLocked(disk); err != nil {
		return err
	}
	k.active = disk.active
	return nil
}

func (k *Keyring) mergeLocked(disk *Keyring) error {
	if !hmac.Equal(k.fpKey, disk.fpKey) {
		return errors.New("vault: keys file belongs to another keyring (fingerprint key differs)")
	}
	for id, w := range disk.keks {
		if mine := k.keks[id]; mine != nil && !hmac.Equal(mine.raw, w.raw) {
			return fmt.Errorf("vault: keys file has a different key under id %q", id)
		}
	}
	for id, w := range disk.keks {
		if k.keks[id] == nil {
			k.keks[id] = w
		}
	}
	return k.mergeMACsLocked(disk)
}

// Rotate adds a new KEK to the keys file in dir and makes it active, here and on disk.
// Existing records stay readable under their old KEK until Rewrap moves them; old KEKs are
// kept.
func (k *Keyring) Rotate(dir string) (newID string, err error) {
	err = k.update(dir, func(next *Keyring, now time.Time) error {
		n := 0
		for id := range next.keks {
			n = max(n, generation(id))
		}
		newID = fmt.Sprintf("k%d-%s", n+1, now.Format("20060102"))
		w, err := newKEK(newID, randomBytes(keySize), now)
		if err != nil {
			return err
		}
		next.keks[newID], next.active = w, newID
		return nil
	})
	return newID, err
}
