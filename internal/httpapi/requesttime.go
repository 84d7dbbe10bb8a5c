package httpapi

import (
	"fmt"
	"strconv"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
)

// checkRequestTime applies a merchant's replay window (off when window is 0) to the
// Request-Time of a request whose signature verified. Antom's SDKs put epoch milliseconds
// there; the Go SDK puts nanoseconds, older documentation shows ISO 8601 with an offset, and
// all three are read. A value missing, unreadable or further than window from now is
// PARAM_ILLEGAL naming the header: the request may be retried with a fresh time, which is
// what a merchant whose clock drifted needs to learn.
func checkRequestTime(header string, window time.Duration, now time.Time) *payment.Error {
	if window <= 0 {
		return nil
	}
	t, ok := parseRequestTime(header)
	if !ok {
		return payment.NewError(ams.CodeParamIllegal, "the Request-Time header must be epoch milliseconds (or an ISO 8601 time with an offset)")
	}
	if skew := now.Sub(t); skew > window || skew < -window {
		return payment.NewError(ams.CodeParamIllegal, fmt.Sprintf(
			"the Request-Time header is %s from the gateway's clock; this merchant's requests must be signed within %s of it (now %s)",
			skew.Abs().Round(time.Second), window, now.UTC().Format(time.RFC3339)))
	}
	return nil
}

// parseRequestTime reads epoch milliseconds, microseconds or nanoseconds (told apart by
// magnitude: milliseconds reach 1e14 only in the year 5138) or an ISO 8601 time.
func parseRequestTime(s string) (time.Time, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 && s[0] != '+' {
		switch {
		case n >= 1e17:
			return time.Unix(0, n), true
		case n >= 1e14:
			return time.UnixMicro(n), true
		default:
			return time.UnixMilli(n), true
		}
	}
	t, err := ams.ParseTime(s)
	return t, err == nil
}
