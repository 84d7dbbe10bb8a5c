package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/cashierpay/cashier/internal/store"
)

type clockJSON struct {
	Now string `json:"now"`
}

func (s *Server) getClock(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, clockJSON{Now: s.cfg.TestClock.Now().UTC().Format(time.RFC3339Nano)})
}

// advanceClock moves the sandbox's test clock forward: {"duration":"2h"}. Work that becomes
// due (retries, expiries, releases) runs at once, because the workers wake on the move.
func (s *Server) advanceClock(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Duration string `json:"duration"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4096))
	if err != nil || json.Unmarshal(body, &req) != nil {
		WriteJSON(w, http.StatusBadRequest, map[string]string{"error": `body must be {"duration":"2h"}`})
		return
	}
	d, err := time.ParseDuration(req.Duration)
	if err != nil || d < 0 {
		WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "duration must be a non-negative Go duration such as 90s, 2h or 24h"})
		return
	}
	// The offset lives in the database so that every node follows the same clock.
	var offset time.Duration
	err = s.cfg.Store.Tx(r.Context(), func(q store.Queries) error {
		offset, err = q.ClockAdvance(r.Context(), d)
		return err
	})
	if err != nil {
		s.log.ErrorContext(r.Context(), "advance test clock", "err", err)
		WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "the clock could not be moved"})
		return
	}
	s.cfg.TestClock.SetOffset(offset)
	now := s.cfg.TestClock.Now()
	s.log.InfoContext(r.Context(), "test clock advanced", "by", d.String(), "now", now)
	WriteJSON(w, http.StatusOK, clockJSON{Now: now.UTC().Format(time.RFC3339Nano)})
}
