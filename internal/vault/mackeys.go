package vault

import (
	"cmp"
	"crypto/hmac"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cashierpay/cashier/internal/datadir"
)

// Purpose names a set of MAC keys in the keyring. Each set rotates on its own, and none is
// derived from another key, so that a leak of one (or of the gateway's signing key) is the
// leak of that one alone.
type Purpose string

const (
	// PageTokens authenticate hosted-page URLs, which the merchant hands to its buyer and
	// which must open on every node until the payment ends.
	PageTokens Purpose = "page"
	// CSRF binds the hosted pages' form tokens to the browser's cookie.
	CSRF Purpose = "csrf"
)

// purposes are the sets every keyring holds, with the letter their key ids start with.
var purposes = []struct {
	p      Purpose
	prefix string
}{{PageTokens, "p"}, {CSRF, "c"}}

// KeepRetired is how long a MAC key still verifies after a rotation replaced it: longer than a
// hosted-page link is useful (a payment page lives for its payment's expiry, a session at most
// an hour), so that rotating never breaks a link already handed out.
const KeepRetired = 30 * 24 * time.Hour

// reloadEvery bounds how often a failed token check re-reads the keys file: bad tokens are
// what an attacker sends, and each may cost at most a share of one read.
const reloadEvery = 5 * time.Second

type macKey struct {
	id      string
	raw     []byte
	created time.Time
}

// MACKey is the key new tokens of purpose p are made with: the newest of its set.
func (k *Keyring) MACKey(p Purpose) []byte {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if set := k.macs[p]; len(set) > 0 {
		return set[0].raw
	}
	return nil
}

// MACKeys lists the keys a token of purpose p is checked with, the current one first, then
// each key a rotation replaced until KeepRetired after its successor was made.
func (k *Keyring) MACKeys(p Purpose, now time.Time) [][]byte {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return live(k.macs[p], now)
}

// live is the keys of a set (newest first) that still verify at now.
func live(set []*macKey, now time.Time) [][]byte {
	var out [][]byte
	for i, m := range set {
		if i > 0 && now.Sub(set[i-1].created) > KeepRetired {
			break
		}
		out = append(out, m.raw)
	}
	return out
}

// Reload re-reads the keys file of a file-based keyring, for keys another process added (a
// rotation, or a node that upgraded first), at most once per reloadEvery. It reports whether
// it learnt a key.
func (k *Keyring) Reload() bool {
	k.mu.Lock()
	dir, now := k.dir, time.Now()
	due := dir != "" && now.Sub(k.reloaded) >= reloadEvery
	if due {
		k.reloaded = now
	}
	before := k.keyCountLocked()
	k.mu.Unlock()
	if !due {
		return false
	}
	if err := k.refresh(dir); err != nil {
		return false
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.keyCountLocked() != before
}

func (k *Keyring) keyCountLocked() int {
	n := len(k.keks)
	for _, set := range k.macs {
		n += len(set)
	}
	return n
}

// RotateMAC adds a new current key for purpose p to the keys file in dir, here and on disk.
// The previous keys keep verifying for KeepRetired; older ones are dropped from the file.
func (k *Keyring) RotateMAC(dir string, p Purpose) (newID string, err error) {
	prefix := ""
	for _, pp := range purposes {
		if pp.p == p {
			prefix = pp.prefix
		}
	}
	if prefix == "" {
		return "", fmt.Errorf("vault: no MAC keys for %q", p)
	}
	err = k.update(dir, func(next *Keyring, now time.Time) error {
		newID = nextID(prefix, next.macs[p], now)
		next.macs[p] = prune(append([]*macKey{{id: newID, raw: randomBytes(keySize), created: now}}, next.macs[p]...), now)
		return nil
	})
	return newID, err
}

// prune drops the keys that no longer verify at now from a set, newest first.
func prune(set []*macKey, now time.Time) []*macKey {
	return set[:len(live(set, now))]
}

// nextID is the id of the next key of a set: the prefix, one more than the highest
// generation, and the date.
func nextID(prefix string, set []*macKey, now time.Time) string {
	n := 0
	for _, m := range set {
		n = max(n, generation(m.id))
	}
	return fmt.Sprintf("%s%d-%s", prefix, n+1, now.Format("20060102"))
}

// sortMACs orders a set newest first: by generation, then creation, then id.
func sortMACs(set []*macKey) {
	slices.SortFunc(set, func(a, b *macKey) int {
		return cmp.Or(cmp.Compare(generation(b.id), generation(a.id)), b.created.Compare(a.created), strings.Compare(b.id, a.id))
	})
}

// completeMACs gives a keys file written before MAC keys lived in the keyring one key per
// purpose, under the lock, so that nodes upgrading together agree on them.
func (k *Keyring) completeMACs(dir string) error {
	if !k.missingMACs() {
		return nil
	}
	return k.update(dir, func(next *Keyring, now time.Time) error {
		for _, pp := range purposes {
			if len(next.macs[pp.p]) == 0 {
				next.macs[pp.p] = []*macKey{{id: nextID(pp.prefix, nil, now), raw: randomBytes(keySize), created: now}}
			}
		}
		return nil
	})
}

func (k *Keyring) missingMACs() bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	for _, pp := range purposes {
		if len(k.macs[pp.p]) == 0 {
			return true
		}
	}
	return false
}

// update changes the keys file in dir under a lock: it merges the file into memory first, so
// that a concurrent rotation's key is never dropped by this one's write, lets change edit a
// copy, writes the copy and adopts it.
func (k *Keyring) update(dir string, change func(next *Keyring, now time.Time) error) error {
	if k.fromEnv {
		return ErrReadOnly
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return err
	}
	defer unlock()
	if err := k.refresh(dir); err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	next := k.cloneLocked()
	if err := change(next, time.Now().UTC().Truncate(time.Second)); err != nil {
		return err
	}
	data, err := next.marshal()
	if err != nil {
		return err
	}
	if err := datadir.Replace(filepath.Join(dir, KeysFile), data); err != nil {
		return fmt.Errorf("vault: publishing keys: %w", err)
	}
	k.keks, k.active, k.macs, k.dir = next.keks, next.active, next.macs, dir
	return nil
}

func (k *Keyring) cloneLocked() *Keyring {
	next := &Keyring{keks: make(map[string]*kek, len(k.keks)+1), active: k.active, fpKey: k.fpKey, macs: map[Purpose][]*macKey{}}
	for id, w := range k.keks {
		next.keks[id] = w
	}
	for p, set := range k.macs {
		next.macs[p] = slices.Clone(set)
	}
	return next
}

// mergeMACsLocked adds the disk's MAC keys to memory, refusing a key id that names other
// bytes here: that file belongs to another keyring.
func (k *Keyring) mergeMACsLocked(disk *Keyring) error {
	for p, set := range disk.macs {
		for _, d := range set {
			i := slices.IndexFunc(k.macs[p], func(m *macKey) bool { return m.id == d.id })
			if i >= 0 && !hmac.Equal(k.macs[p][i].raw, d.raw) {
				return fmt.Errorf("vault: keys file has a different %s key under id %q", p, d.id)
			}
		}
	}
	for p, set := range disk.macs {
		for _, d := range set {
			if !slices.ContainsFunc(k.macs[p], func(m *macKey) bool { return m.id == d.id }) {
				k.macs[p] = append(k.macs[p], d)
			}
		}
		sortMACs(k.macs[p])
	}
	return nil
}

// errNoMACs is an environment keyring without the MAC keys: it cannot be completed, since
// nothing is written for it, and keys made up per process would differ between nodes.
var errNoMACs = errors.New(`has no page_keys or csrf_keys: add one of each, e.g. "page_keys":[{"id":"p1","key":"<base64 of 32 random bytes>"}], "csrf_keys":[{"id":"c1","key":"<another>"}] (openssl rand -base64 32)`)
