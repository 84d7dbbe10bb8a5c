package sandbox

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/antom"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/store/sqlite"
)

func clockRoutes(t *testing.T, r Routes) (http.Handler, *clock.Test) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "cashier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r.Store, r.Clock, r.Logger = st, clock.NewTest(), slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	r.Register(mux, func(string, antom.Endpoint) http.Handler { return http.NotFoundHandler() })
	return mux, r.Clock
}

func clockCall(h http.Handler, method, path, remote, body string) (int, map[string]string) {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = remote
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var out map[string]string
	json.Unmarshal(w.Body.Bytes(), &out)
	return w.Code, out
}

// TestClockLoopbackOnly: the clock's routes answer loopback clients and those the allow-list
// names; anyone else gets 403 in the routes' JSON error shape and the clock stays put,
// whatever X-Forwarded-For says.
func TestClockLoopbackOnly(t *testing.T) {
	h, tc := clockRoutes(t, Routes{ClockClients: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}})
	for _, remote := range []string{"203.0.113.5:4000", "[2001:db8::1]:4000", "10.0.0.1:1", "garbage"} {
		for _, c := range []struct{ method, path, body string }{{"GET", "/sandbox/clock", ""}, {"POST", "/sandbox/clock/advance", `{"duration":"24h"}`}} {
			code, out := clockCall(h, c.method, c.path, remote, c.body)
			if code != http.StatusForbidden || !strings.Contains(out["error"], "loopback") {
				t.Errorf("%s %s from %s: %d %v; want 403 with an error", c.method, c.path, remote, code, out)
			}
		}
	}
	if tc.Offset() != 0 {
		t.Fatalf("a refused client moved the clock by %s", tc.Offset())
	}
	for _, remote := range []string{"127.0.0.1:4000", "[::1]:4000", "127.8.9.10:1", "[::ffff:127.0.0.1]:1", "198.51.100.77:4000"} {
		if code, out := clockCall(h, "POST", "/sandbox/clock/advance", remote, `{"duration":"1h"}`); code != http.StatusOK || out["now"] == "" {
			t.Errorf("advance from %s: %d %v", remote, code, out)
		}
	}
	if tc.Offset() != 5*time.Hour {
		t.Fatalf("offset %s after five allowed advances of 1h", tc.Offset())
	}
}

// TestClockBoundedAdvance: one advance goes at most MaxAdvance (30 days by default), never
// backwards; a refused one leaves the clock where it was.
func TestClockBoundedAdvance(t *testing.T) {
	h, tc := clockRoutes(t, Routes{})
	for _, d := range []string{"721h", "2600000h", "-1h", "-0.5s", "forever", ""} {
		code, out := clockCall(h, "POST", "/sandbox/clock/advance", "127.0.0.1:1", `{"duration":"`+d+`"}`)
		if code != http.StatusBadRequest || out["error"] == "" {
			t.Errorf("advance %q: %d %v; want 400 with an error", d, code, out)
		}
	}
	if tc.Offset() != 0 {
		t.Fatalf("refused advances moved the clock by %s", tc.Offset())
	}
	if code, out := clockCall(h, "POST", "/sandbox/clock/advance", "127.0.0.1:1", `{"duration":"720h"}`); code != http.StatusOK {
		t.Fatalf("advance 720h: %d %v", code, out)
	}

	h, tc = clockRoutes(t, Routes{MaxAdvance: time.Hour})
	if code, out := clockCall(h, "POST", "/sandbox/clock/advance", "127.0.0.1:1", `{"duration":"61m"}`); code != http.StatusBadRequest || !strings.Contains(out["error"], "1h0m0s") {
		t.Fatalf("advance 61m with MaxAdvance 1h: %d %v", code, out)
	}
	if tc.Offset() != 0 {
		t.Fatal("a refused advance moved the clock")
	}
}
