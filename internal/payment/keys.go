package payment

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// MerchantKey is one of the public keys a merchant's requests may be signed with. A
// merchant holds several during a rotation: the new one is added, the merchant's servers
// move to it, then the old one is retired.
type MerchantKey struct {
	// Version is the keyVersion a request names it by: 1, 2, ... in the order added.
	Version   int
	PublicKey string // bare base64 SubjectPublicKeyInfo
	CreatedAt time.Time
	// RetiredAt is when the key stops verifying requests; zero while no retirement is set.
	// A time in the future is a scheduled retirement: the key verifies until then.
	RetiredAt time.Time
}

// ActiveAt says whether the key verifies requests at now.
func (k MerchantKey) ActiveAt(now time.Time) bool {
	return k.RetiredAt.IsZero() || now.Before(k.RetiredAt)
}

// MerchantKeys are a merchant's keys in version order.
type MerchantKeys []MerchantKey

// NextVersion is the version the next key added gets: one more than any version ever
// given, retired ones included, so a version never names two keys.
func (ks MerchantKeys) NextVersion() int {
	next := 1
	for _, k := range ks {
		next = max(next, k.Version+1)
	}
	return next
}

// Find is the key of version, if there is one.
func (ks MerchantKeys) Find(version int) (MerchantKey, bool) {
	i := slices.IndexFunc(ks, func(k MerchantKey) bool { return k.Version == version })
	if i < 0 {
		return MerchantKey{}, false
	}
	return ks[i], true
}

// Verifying are the keys to try on a request at now, in order: the key of the version the
// request names, when it is active, then the other active keys, newest first (the latest
// key is the one a request without keyVersion names). Retired keys are never in it.
func (ks MerchantKeys) Verifying(named string, now time.Time) []MerchantKey {
	out := make([]MerchantKey, 0, len(ks))
	for i := len(ks) - 1; i >= 0; i-- {
		if k := ks[i]; k.ActiveAt(now) {
			if strconv.Itoa(k.Version) == named {
				out = slices.Insert(out, 0, k)
			} else {
				out = append(out, k)
			}
		}
	}
	return out
}

// ErrLastActiveKey refuses to retire the key that would leave a merchant with none it can
// sign with for good.
var ErrLastActiveKey = errors.New("it is the merchant's last key without a retirement: add another key first (merchant keys add), move the merchant's servers to it, then retire this one")

// CheckRetire checks that the key of version can be retired at at (now or later): it
// exists, is not retired already, and another key stays active with no retirement set.
func (ks MerchantKeys) CheckRetire(version int, at, now time.Time) error {
	k, ok := ks.Find(version)
	switch {
	case !ok:
		return fmt.Errorf("the merchant has no key version %d", version)
	case !k.ActiveAt(now):
		return fmt.Errorf("key version %d was retired at %s", version, k.RetiredAt.Format(time.RFC3339))
	}
	for _, o := range ks {
		if o.Version != version && o.RetiredAt.IsZero() {
			return nil
		}
	}
	return ErrLastActiveKey
}
