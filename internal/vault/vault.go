// Package vault keeps card data unreadable at rest. A stolen database or backup must not yield
// card numbers, so every record is sealed with its own data key, and only the data key is
// encrypted under a long-lived key-encryption key (KEK) kept outside the database. That split
// lets KEKs be rotated by re-wrapping a few bytes per card instead of re-encrypting the cards,
// and lets the gateway find repeat cards through a keyed fingerprint without decrypting.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cashierpay/cashier/internal/datadir"
)

var (
	// ErrUnknownKey means a sealed record names a KEK this keyring does not hold. The
	// record is intact; the keyring is the wrong one or is missing a key.
	ErrUnknownKey = errors.New("vault: unknown key id")
	// ErrMalformed means the blob is not something Seal produced (truncated or an
	// unsupported format version).
	ErrMalformed = errors.New("vault: malformed sealed blob")
	// ErrAuth means authentication failed: wrong aad, a damaged or tampered blob, or a key
	// id pointing at a different key than the one used to seal. The cases are deliberately
	// indistinguishable.
	ErrAuth = errors.New("vault: authentication failed (wrong aad or tampered data)")
	// ErrReadOnly is returned when asked to change a keyring that came from the
	// environment: there is nowhere to persist the change, and a KEK that exists only in
	// memory would make every card sealed under it unreadable after a restart.
	ErrReadOnly = errors.New("vault: keyring from " + EnvKeyring + " is read-only")
)

// Sealed is an encrypted record. KeyID names the KEK that wraps the data key and is kept
// outside Blob so the store can index it: rotation needs to find the records still under an
// old KEK without opening them.
type Sealed struct {
	KeyID string
	Blob  []byte
}

// Blob format, version 1 (all offsets in bytes):
//
//	0   1   version (1)
//	1   12  nonce of the wrap layer
//	13  48  data key encrypted under the KEK, with its GCM tag
//	61  12  nonce of the data layer
//	73  n+16 plaintext encrypted under the data key, with its GCM tag
//
// The data layer is fixed at Seal time; Rewrap replaces bytes 1..60 only.
const (
	blobV1      = 1
	keySize     = 32
	nonceSize   = 12
	tagSize     = 16
	wrappedSize = keySize + tagSize
	offWrapN    = 1
	offWrapped  = offWrapN + nonceSize
	offDataN    = offWrapped + wrappedSize
	offData     = offDataN + nonceSize
	minBlobSize = offData + tagSize
)

// The labels separate the two layers (and future versions) so that a ciphertext from one
// context can never authenticate in another, whatever aad the caller picks.
const (
	wrapLabel = "cashier/vault/v1/wrap\x00"
	dataLabel = "cashier/vault/v1/data\x00"
	fpLabel   = "cashier/vault/v1/pan\x00"
)

// Keyring holds the KEKs by id, which one new records are sealed under, and the fingerprint
// key. The fingerprint key is separate and never rotates with the KEKs: fingerprints are
// stored and compared across the keyring's whole life.
type Keyring struct {
	mu      sync.RWMutex
	keks    map[string]*kek
	active  string
	fpKey   []byte
	fromEnv bool
	// dir is where the keys file was loaded from. Another process (cashier vault
	// rotate-key) may add a KEK there and re-wrap cards under it while this one runs, so
	// an unknown key id sends us back to the file before giving up.
	dir string
	// macs are the MAC keys by purpose, newest first.
	macs map[Purpose][]*macKey
	// secrets checks the keys file's mode on every read.
	secrets datadir.Secrets
	// reloaded is when Reload last read the file.
	reloaded time.Time
}

type kek struct {
	id      string
	raw     []byte
	created time.Time
	aead    cipher.AEAD
}

func newKEK(id string, raw []byte, created time.Time) (*kek, error) {
	a, err := newGCM(raw)
	if err != nil {
		return nil, err
	}
	return &kek{id: id, raw: raw, created: created, aead: a}, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	if len(key) != keySize {
		return nil, fmt.Errorf("vault: key is %d bytes, want %d", len(key), keySize)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails: crypto/rand crashes the program instead of returning an error
	return b
}

// ActiveKeyID names the KEK that Seal and Rewrap use.
func (k *Keyring) ActiveKeyID() string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.active
}

// Seal encrypts plaintext under a fresh data key wrapped by the active KEK. aad is bound into
// both layers, so a blob copied onto another record (another aad) will not open.
func (k *Keyring) Seal(plaintext, aad []byte) (Sealed, error) {
	k.mu.RLock()
	w := k.keks[k.active]
	k.mu.RUnlock()
	if w == nil {
		return Sealed{}, fmt.Errorf("%w: no active key", ErrUnknownKey)
	}

	dek := randomBytes(keySize)
	defer clear(dek)
	data, err := newGCM(dek)
	if err != nil {
		return Sealed{}, err
	}

	blob := make([]byte, offData, offData+len(plaintext)+tagSize)
	blob[0] = blobV1
	copy(blob[offWrapN:offWrapped], randomBytes(nonceSize))
	wrapped := w.aead.Seal(nil, blob[offWrapN:offWrapped], dek, wrapAAD(w.id, aad))
	copy(blob[offWrapped:offDataN], wrapped)
	dataNonce := randomBytes(nonceSize)
	copy(blob[offDataN:offData], dataNonce)
	blob = data.Seal(blob, dataNonce, plaintext, dataAAD(aad))
	return Sealed{KeyID: w.id, Blob: blob}, nil
}

// Open authenticates and decrypts a record sealed by Seal with the same aad.
func (k *Keyring) Open(s Sealed, aad []byte) ([]byte, error) {
	dek, err := k.unwrap(s, aad)
	if err != nil {
		return nil, err
	}
	defer clear(dek)
	data, err := newGCM(dek)
	if err != nil {
		return nil, err
	}
	pt, err := data.Open(nil, s.Blob[offDataN:offData], s.Blob[offData:], dataAAD(aad))
	if err != nil {
		return nil, ErrAuth
	}
	return pt, nil
}

// Rewrap moves a record onto the active KEK by re-encrypting its data key only; the data
// ciphertext is copied unchanged. A record already under the active KEK is returned as is,
// after checking that its wrap layer still authenticates, so a rotation pass can be re-run
// and still reports records it cannot open.
func (k *Keyring) Rewrap(s Sealed, aad []byte) (Sealed, error) {
	dek, err := k.unwrap(s, aad)
	if err != nil {
		return Sealed{}, err
	}
	defer clear(dek)

	k.mu.RLock()
	w := k.keks[k.active]
	k.mu.RUnlock()
	if w == nil {
		return Sealed{}, fmt.Errorf("%w: no active key", ErrUnknownKey)
	}
	if s.KeyID == w.id {
		return s, nil
	}

	blob := make([]byte, len(s.Blob))
	copy(blob, s.Blob)
	copy(blob[offWrapN:offWrapped], randomBytes(nonceSize))
	wrapped := w.aead.Seal(nil, blob[offWrapN:offWrapped], dek, wrapAAD(w.id, aad))
	copy(blob[offWrapped:offDataN], wrapped)
	return Sealed{KeyID: w.id, Blob: blob}, nil
}

// unwrap checks the blob's shape and returns its data key.
func (k *Keyring) unwrap(s Sealed, aad []byte) ([]byte, error) {
	if len(s.Blob) < minBlobSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrMalformed, len(s.Blob))
	}
	if s.Blob[0] != blobV1 {
		return nil, fmt.Errorf("%w: version %d", ErrMalformed, s.Blob[0])
	}
	w, err := k.lookup(s.KeyID)
	if err != nil {
		return nil, err
	}
	dek, err := w.aead.Open(nil, s.Blob[offWrapN:offWrapped], s.Blob[offWrapped:offDataN], wrapAAD(s.KeyID, aad))
	if err != nil {
		return nil, ErrAuth
	}
	return dek, nil
}

func (k *Keyring) lookup(id string) (*kek, error) {
	k.mu.RLock()
	w, dir := k.keks[id], k.dir
	k.mu.RUnlock()
	if w != nil {
		return w, nil
	}
	if dir != "" {
		if err := k.refresh(dir); err != nil {
			return nil, fmt.Errorf("%w %q (reloading keys: %v)", ErrUnknownKey, id, err)
		}
		k.mu.RLock()
		w = k.keks[id]
		k.mu.RUnlock()
		if w != nil {
			return w, nil
		}
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownKey, id)
}

// wrapAAD binds the key id as well as the caller's aad, length-prefixed so the two cannot be
// shifted into each other.
func wrapAAD(keyID string, aad []byte) []byte {
	b := make([]byte, 0, len(wrapLabel)+2+len(keyID)+len(aad))
	b = append(b, wrapLabel...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(keyID)))
	b = append(b, keyID...)
	return append(b, aad...)
}

func dataAAD(aad []byte) []byte {
	b := make([]byte, 0, len(dataLabel)+len(aad))
	b = append(b, dataLabel...)
	return append(b, aad...)
}

// Fingerprint returns a stable identifier for a card number, 64 lowercase hex digits. A plain
// hash would not do: card numbers have so little entropy that all of them for a given BIN can
// be hashed in seconds, so the hash is keyed with a secret that never leaves the keyring.
// Callers pass the PAN as digits only; the value is not normalized here, so "4111 1111..."
// and "41111111..." fingerprint differently.
func (k *Keyring) Fingerprint(pan string) string {
	k.mu.RLock()
	key := k.fpKey
	k.mu.RUnlock()
	m := hmac.New(sha256.New, key)
	m.Write([]byte(fpLabel))
	m.Write([]byte(pan))
	return hex.EncodeToString(m.Sum(nil))
}

// TokenPrefix starts every card token, so a token pasted into a log or a support ticket is
// recognisable, and so a PAN can never be mistaken for a token or the other way round.
const TokenPrefix = "ctok_"

var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewToken returns a fresh card token: TokenPrefix and 160 random bits in lowercase base32,
// 37 characters. Tokens carry no information about the card; they only name the record.
func NewToken() string {
	return TokenPrefix + tokenEncoding.EncodeToString(randomBytes(20))
}
