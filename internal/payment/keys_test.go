package payment

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestMerchantKeys(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	keys := MerchantKeys{
		{Version: 1, RetiredAt: now.Add(-time.Minute)}, // retired
		{Version: 2, RetiredAt: now.Add(time.Hour)},    // retiring ahead: still active
		{Version: 3},
	}
	versions := func(ks []MerchantKey) string {
		var out []int
		for _, k := range ks {
			out = append(out, k.Version)
		}
		return fmt.Sprint(out)
	}
	for named, want := range map[string]string{"": "[3 2]", "2": "[2 3]", "3": "[3 2]", "1": "[3 2]", "9": "[3 2]", "x": "[3 2]"} {
		if got := versions(keys.Verifying(named, now)); got != want {
			t.Errorf("Verifying(%q) = %s, want %s", named, got, want)
		}
	}
	if got := versions(keys.Verifying("2", now.Add(2*time.Hour))); got != "[3]" {
		t.Errorf("Verifying after key 2's retirement = %s", got)
	}
	if keys.NextVersion() != 4 || (MerchantKeys{}).NextVersion() != 1 {
		t.Errorf("NextVersion = %d, empty %d", keys.NextVersion(), MerchantKeys{}.NextVersion())
	}

	for _, tc := range []struct {
		version int
		ok      bool
	}{{1, false}, {2, true}, {3, false}, {9, false}} {
		err := keys.CheckRetire(tc.version, now, now)
		if (err == nil) != tc.ok {
			t.Errorf("CheckRetire(%d) = %v, want ok %v", tc.version, err, tc.ok)
		}
	}
	if err := keys.CheckRetire(3, now, now); !errors.Is(err, ErrLastActiveKey) {
		t.Errorf("retiring the last key without a retirement: %v, want ErrLastActiveKey", err)
	}
	if err := append(keys, MerchantKey{Version: 4}).CheckRetire(3, now.Add(time.Hour), now); err != nil {
		t.Errorf("scheduling key 3's retirement beside key 4: %v", err)
	}
}
