package httpapi

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/gateway"
)

type requestIDKey struct{}

// RequestID is the id the edge gave the request of ctx ("" outside a request). It is in the
// X-Request-Id answer header and in every log line written with ctx.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// LogHandler adds the request id of a record's context to the record, so that an error
// logged deep in a use case can be found from the request that caused it.
func LogHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(logHandler); ok {
		return h
	}
	return logHandler{h}
}

type logHandler struct{ slog.Handler }

func (h logHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return logHandler{h.Handler.WithAttrs(as)}
}
func (h logHandler) WithGroup(name string) slog.Handler { return logHandler{h.Handler.WithGroup(name)} }

// exchange is what the API handler tells the edge about an Antom call, for the access line
// and the metrics.
type exchange struct {
	route         string // for paths the mux does not route
	api, clientID string
	result        ams.Result
}

type exchangeKey struct{}

// edge stands in front of every route: it gives the request an id, recovers a panic, and
// writes one access line and the metrics per request, by route pattern.
func (s *Server) edge(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := uuid.NewString()
		ex := &exchange{}
		ctx := context.WithValue(context.WithValue(r.Context(), requestIDKey{}, id), exchangeKey{}, ex)
		r = r.WithContext(gateway.WithBuyerIP(ctx, s.clientIP(r)))
		w.Header().Set("X-Request-Id", id)
		if !s.cfg.TrustProxy {
			// Any client could say it came over HTTPS; only a trusted proxy's word counts.
			r.Header.Del("X-Forwarded-Proto")
		}
		rec := &recorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				s.log.ErrorContext(r.Context(), "panic in HTTP handler", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if rec.status == 0 {
					http.Error(rec, "internal error", http.StatusInternalServerError)
				}
			}
			route := cmp.Or(ex.route, r.Pattern, "unmatched")
			d := time.Since(start)
			attrs := []any{"method", r.Method, "route", route, "path", r.URL.RequestURI(), "status", rec.status, "bytes", rec.bytes, "ms", d.Milliseconds()}
			if ex.route != "" {
				attrs = append(attrs, "api", ex.api, "client_id", ex.clientID, "result_status", ex.result.ResultStatus, "result_code", ex.result.ResultCode)
				s.cfg.Metrics.API(ex.api, ex.result, d)
			}
			s.log.InfoContext(r.Context(), "http", attrs...)
			s.cfg.Metrics.Request(route, rec.status, d)
		}()
		next.ServeHTTP(rec, r)
	})
}

// clientIP is the address of the request's client: the peer's, or behind trusted proxies
// the nearest address in X-Forwarded-For that no trusted proxy added. Entries are read from
// the nearest hop outward because a client can write anything in the header; only what
// the trusted proxies appended is known to be true.
func (s *Server) clientIP(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	ip := ap.Addr().Unmap()
	if !s.trusted(ip) {
		return ip
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return ip // beyond a malformed entry nothing can be trusted
		}
		if ip = hop.Unmap(); !s.trusted(ip) {
			return ip
		}
	}
	return ip
}

func (s *Server) trusted(ip netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// recorder notes the status and size of an answer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// WriteJSON answers v as JSON with status: the one way every JSON route of the gateway
// (but the signed Antom API) writes its answer. A value that cannot be encoded is a 500.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal","message":"the answer could not be encoded"}`)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
