package httpapi

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCheckRequestTime: with a window, Request-Time in any form the SDKs send is read and
// held to it; without one, anything passes, as before.
func TestCheckRequestTime(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ms := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).UnixMilli(), 10) }
	for _, c := range []struct {
		name, header string
		ok           bool
	}{
		{"milliseconds", ms(0), true},
		{"milliseconds 4m59s behind", ms(-4*time.Minute - 59*time.Second), true},
		{"milliseconds 4m59s ahead", ms(4*time.Minute + 59*time.Second), true},
		{"nanoseconds (Go SDK)", strconv.FormatInt(now.Add(-time.Minute).UnixNano(), 10), true},
		{"microseconds", strconv.FormatInt(now.UnixMicro(), 10), true},
		{"ISO 8601 with offset", now.In(time.FixedZone("", 8*3600)).Format("2006-01-02T15:04:05-07:00"), true},
		{"ISO 8601 with milliseconds", now.Format("2006-01-02T15:04:05.000Z07:00"), true},
		{"zero", "0", false},
		{"letters", "abc", false},
		{"empty", "", false},
		{"negative", "-1", false},
		{"plus sign", "+" + ms(0), false},
		{"fraction", ms(0) + ".5", false},
		{"ten years ago", ms(-10 * 365 * 24 * time.Hour), false},
		{"ten years ahead", ms(10 * 365 * 24 * time.Hour), false},
		{"5m1s behind", ms(-5*time.Minute - time.Second), false},
		{"5m1s ahead", ms(5*time.Minute + time.Second), false},
		{"overflow", "99999999999999999999999", false},
		{"ISO without offset", "2026-03-01T12:00:00", false},
	} {
		err := checkRequestTime(c.header, 5*time.Minute, now)
		if (err == nil) != c.ok {
			t.Errorf("%s (%q): %v, want ok=%v", c.name, c.header, err, c.ok)
		}
		if err != nil && (err.Code != "PARAM_ILLEGAL" || !strings.Contains(err.Message, "Request-Time")) {
			t.Errorf("%s: %s %q; want PARAM_ILLEGAL naming Request-Time", c.name, err.Code, err.Message)
		}
		if err := checkRequestTime(c.header, 0, now); err != nil {
			t.Errorf("%s without a window: %v", c.name, err)
		}
	}
}
