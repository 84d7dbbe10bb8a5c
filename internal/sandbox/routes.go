package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"time"

	"github.com/cashierpay/cashier/internal/antom"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/httpapi"
	"github.com/cashierpay/cashier/internal/store"
)

// Routes are the sandbox's own HTTP routes.
type Routes struct {
	Store store.Store
	// Clock, when set, is served at GET /sandbox/clock and POST /sandbox/clock/advance.
	Clock *clock.Test
	// ClockClients may use the clock's routes besides loopback clients (serve
	// --test-clock-allow). The clock moves every payment's time on every node and never
	// comes back, so by default only someone on the gateway's own host may move it.
	ClockClients []netip.Prefix
	// MaxAdvance bounds one advance; default DefaultMaxAdvance. Time.Duration caps the
	// clock's lead anyway (292 years), but a bound per call keeps a typo ("2000h" for
	// "200h") from pushing every payment past its expiry at once.
	MaxAdvance time.Duration
	// Simulations are the merchants' error-scenario rules, served at /sandbox/simulations.
	Simulations Simulations
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// DefaultMaxAdvance is the longest one advance of the test clock goes by default: past the
// 7-day release of an uncaptured authorization, with room to spare.
const DefaultMaxAdvance = 30 * 24 * time.Hour

// Register adds the routes to mux:
//
//	GET  /sandbox/test-cards            the catalogue, JSON
//	GET  /sandbox/clock                 the test clock's time (with a test clock)
//	POST /sandbox/clock/advance         {"duration":"2h"} moves it forward (with a test clock)
//	POST /sandbox/simulations           adds an error-scenario rule (signed, see simroutes.go)
//	POST /sandbox/simulations/list      lists the merchant's rules (signed)
//	POST /sandbox/simulations/clear     clears one rule, or all (signed)
//
// signed serves a route as the API is served: to the merchant whose signature verifies.
func (s Routes) Register(mux *http.ServeMux, signed func(name string, ep antom.Endpoint) http.Handler) {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.MaxAdvance <= 0 {
		s.MaxAdvance = DefaultMaxAdvance
	}
	mux.HandleFunc("GET /sandbox/test-cards", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteJSON(w, http.StatusOK, Catalogue())
	})
	mux.Handle("POST /sandbox/simulations", signed("sandbox.simulations.add", s.Simulations.addRule))
	mux.Handle("POST /sandbox/simulations/list", signed("sandbox.simulations.list", s.Simulations.listRules))
	mux.Handle("POST /sandbox/simulations/clear", signed("sandbox.simulations.clear", s.Simulations.clearRules))
	if s.Clock != nil {
		mux.HandleFunc("GET /sandbox/clock", s.clockClient(s.getClock))
		mux.HandleFunc("POST /sandbox/clock/advance", s.clockClient(s.advanceClock))
	}
}

// clockClient serves h only to loopback clients and those ClockClients allows, by the
// connection's address: a header such as X-Forwarded-For is whatever the client says.
func (s Routes) clockClient(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ap, err := netip.ParseAddrPort(r.RemoteAddr)
		ip := ap.Addr().Unmap()
		if err != nil || !ip.IsLoopback() && !slices.ContainsFunc(s.ClockClients, func(p netip.Prefix) bool { return p.Contains(ip) }) {
			s.Logger.WarnContext(r.Context(), "test clock: refused a client", "remote", r.RemoteAddr)
			httpapi.WriteJSON(w, http.StatusForbidden, map[string]string{
				"error": "the test clock is served to loopback clients only; start serve with --test-clock-allow to open it to more",
			})
			return
		}
		h(w, r)
	}
}

type clockJSON struct {
	Now string `json:"now"`
}

func (s Routes) getClock(w http.ResponseWriter, r *http.Request) {
	httpapi.WriteJSON(w, http.StatusOK, clockJSON{Now: s.Clock.Now().UTC().Format(time.RFC3339Nano)})
}

// advanceClock moves the sandbox's test clock forward: {"duration":"2h"}. Work that becomes
// due (retries, expiries, releases) runs at once, because the workers wake on the move.
func (s Routes) advanceClock(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Duration string `json:"duration"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4096))
	if err != nil || json.Unmarshal(body, &req) != nil {
		httpapi.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": `body must be {"duration":"2h"}`})
		return
	}
	d, err := time.ParseDuration(req.Duration)
	if err != nil || d < 0 {
		httpapi.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "duration must be a non-negative Go duration such as 90s, 2h or 24h"})
		return
	}
	if d > s.MaxAdvance {
		httpapi.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("duration must be at most %s per call (serve --test-clock-max-advance)", s.MaxAdvance)})
		return
	}
	// The offset lives in the database so that every node follows the same clock.
	var offset time.Duration
	err = s.Store.Tx(r.Context(), func(q store.Tx) error {
		offset, err = q.ClockAdvance(r.Context(), d)
		return err
	})
	if err != nil {
		s.Logger.ErrorContext(r.Context(), "advance test clock", "err", err)
		httpapi.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "the clock could not be moved"})
		return
	}
	s.Clock.SetOffset(offset)
	now := s.Clock.Now()
	s.Logger.InfoContext(r.Context(), "test clock advanced", "by", d.String(), "now", now)
	httpapi.WriteJSON(w, http.StatusOK, clockJSON{Now: now.UTC().Format(time.RFC3339Nano)})
}

// FollowClock keeps this node's test clock in step with the one shared in the database,
// which another node (or this one, through /sandbox/clock/advance) moves, until ctx ends.
func FollowClock(ctx context.Context, st store.Store, tc *clock.Test, log *slog.Logger) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := SyncClock(ctx, st, tc); err != nil && ctx.Err() == nil {
				log.WarnContext(ctx, "test clock sync failed", "err", err)
			}
		}
	}
}

// SyncClock sets tc to the shared test clock's time: a restarted node, or a second one,
// takes up the clock where the sandbox left it.
func SyncClock(ctx context.Context, st store.Store, tc *clock.Test) error {
	d, err := st.ClockOffset(ctx)
	if err != nil {
		return err
	}
	tc.SetOffset(d)
	return nil
}
