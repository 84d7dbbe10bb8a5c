// Package httpapi is the HTTP transport of the gateway: the Antom API routes, the check of
// each request's signature, the signature of every response (errors included, because the
// official SDKs verify a response before reading it), the mapping of errors to Antom result
// objects, and the sandbox's side routes.
package httpapi

import (
	"cmp"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/antom"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/limit"
	"github.com/cashierpay/cashier/internal/metrics"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// Config is what the transport needs. Fields without a default are required.
type Config struct {
	// APIs are the Antom APIs served, by name.
	APIs  map[string]antom.Endpoint
	Store store.Store
	// Config reads each call's merchant, under the configuration revision it pins in the
	// call's context for what else the call reads (the sandbox's simulation rules); default
	// a cache of its own over Store.
	Config *store.ConfigCache
	// Signer signs responses with the gateway's private key of version KeyVersion, which
	// each response's Signature header names (default ams.DefaultKeyVersion).
	Signer     ams.Signer
	KeyVersion string
	// NewVerifier prepares a merchant's public key for verifying its requests, once per key
	// (internal/signer's OpenSSL verifier); nil means ams.RSAVerifier, crypto/rsa.
	NewVerifier func(*rsa.PublicKey) (ams.Verifier, error)
	// Clock stamps Response-Time; defaults to the wall clock.
	Clock clock.Clock
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Pages registers the buyer-facing pages (hosted card page and its steps); optional.
	Pages interface{ Register(*http.ServeMux) }
	// Sandbox registers the sandbox's own routes (/sandbox/...); nil in production. Signed
	// serves those that act for a merchant, authenticated as the API is.
	Sandbox interface {
		Register(mux *http.ServeMux, signed func(name string, ep antom.Endpoint) http.Handler)
	}
	// Routes are signed routes of the gateway's own beside the API, by pattern ("POST
	// /v1/reports/transactions"), each acting for the merchant whose signature verifies.
	Routes map[string]antom.Endpoint
	// MaxBodyBytes bounds a request body; default 1 MiB.
	MaxBodyBytes int64
	// TrustProxy believes X-Forwarded-Proto from the proxy in front (a TLS-terminating
	// load balancer): the pages then set Secure cookies and HSTS for X-Forwarded-Proto:
	// https. Off (the default), the header is dropped, as any client could send it.
	TrustProxy bool
	// Metrics records requests; nil records nothing.
	Metrics *metrics.Metrics
	// ServeMetrics serves GET /metrics on these routes; off when a debug listener has them.
	ServeMetrics bool
	// APIRate bounds each merchant's API calls (per Client-Id, on Clock), counted once the
	// signature verified so that no one else can spend a merchant's budget; zero: no bound.
	APIRate limit.Rate
	// TrustedProxies are the proxies whose X-Forwarded-For is believed for the buyer's
	// address; from any other peer the header is ignored, as anyone could send it.
	TrustedProxies []netip.Prefix
}

// DefaultAPIRate is each merchant's API budget unless configured: 100 calls a second,
// 200 at once.
var DefaultAPIRate = limit.Rate{PerSecond: 100, Burst: 200}

// Server routes HTTP requests to the gateway.
type Server struct {
	cfg     Config
	log     *slog.Logger
	keys    sync.Map // merchant public key text → ams.Verifier
	buckets *limit.Buckets
}

// New builds a Server.
func New(cfg Config) *Server {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Logger = slog.New(LogHandler(cfg.Logger.Handler()))
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.Config == nil {
		cfg.Config = store.NewConfigCache(cfg.Store)
	}
	if cfg.NewVerifier == nil {
		cfg.NewVerifier = ams.NewRSAVerifier
	}
	return &Server{cfg: cfg, log: cfg.Logger, buckets: limit.NewBuckets(cfg.APIRate)}
}

// Handler returns the routes. Every path under /ams/, however malformed (doubled
// slashes, dot segments, a trailing slash, an API cashier lacks), is answered here with a
// signed Antom answer, never by ServeMux, which would redirect such paths with an
// unsigned 307 that no SDK can read.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", s.ready)
	if s.cfg.ServeMetrics && s.cfg.Metrics != nil {
		mux.Handle("GET /metrics", s.cfg.Metrics.Handler())
	}
	mux.HandleFunc("GET /static/logos/{file}", serveLogo)
	if s.cfg.Pages != nil {
		s.cfg.Pages.Register(mux)
	}
	if s.cfg.Sandbox != nil {
		s.cfg.Sandbox.Register(mux, s.Signed)
	}
	for pattern, ep := range s.cfg.Routes {
		_, path, _ := strings.Cut(pattern, " ")
		mux.Handle(pattern, s.Signed(strings.ReplaceAll(strings.Trim(path, "/"), "/", "."), ep))
	}
	return s.edge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if clean := ams.NormalizePath(r.URL.Path); clean == "/ams" || strings.HasPrefix(clean, "/ams/") {
			s.serveAPI(w, r, clean)
			return
		}
		mux.ServeHTTP(w, r)
	}))
}

// ready answers whether this node can serve: its database answers.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.cfg.Store.Ping(ctx); err != nil {
		s.log.WarnContext(ctx, "readiness: the database does not answer", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "the database does not answer\n")
		return
	}
	io.WriteString(w, "ready\n")
}

// apiName is the API a normalised /ams/ path names, or "" when it names none: the path must
// be the API's own (ams.APIPath), or its sandbox twin.
func apiName(clean string) string {
	p := clean
	if rest, ok := strings.CutPrefix(clean, "/ams/sandbox/api/"); ok {
		p = "/ams/api/" + rest
	}
	name := p[strings.LastIndexByte(p, '/')+1:]
	if name == "" || ams.APIPath(name) != p {
		return ""
	}
	return name
}

// rawPath is the path and query the client verifies the response over: the request target
// as sent. The Go SDK, given a base URL ending in "/", sends and verifies "//ams/...".
// The Python SDK sends the whole URL as the target (absolute form) and, given such a base
// URL, sends "https://host//ams/..." but verifies over "/ams/...": for an absolute-form
// target, leading slashes collapse (its own "/ams/api//v1/..." keeps its inner "//").
func rawPath(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		return r.RequestURI
	}
	p := r.URL.RequestURI()
	for strings.HasPrefix(p, "//") {
		p = p[1:]
	}
	return p
}

// serveAPI answers one Antom API call; whatever happens, the answer is a signed JSON body
// with a result object and HTTP 200. clean is the normalised request path.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, clean string) {
	api := apiName(clean)
	ep := s.cfg.APIs[api]
	if ep == nil {
		api = "" // only the APIs served are labels: a label per typo would have no end
	}
	s.serveSigned(w, r, clean, "/ams/", api, ep)
}

// Signed serves ep at a route of its own as the API is served: the request's signature
// checked, the answer signed. name labels its calls in the access log and the metrics.
func (s *Server) Signed(name string, ep antom.Endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serveSigned(w, r, ams.NormalizePath(r.URL.Path), r.Pattern, name, ep)
	})
}

// serveSigned answers a signed call of ep (nil: no API there) at the normalised path clean.
func (s *Server) serveSigned(w http.ResponseWriter, r *http.Request, clean, route, api string, ep antom.Endpoint) {
	ctx := r.Context()
	raw := rawPath(r)
	clientID := r.Header.Get(ams.HeaderClientID)
	resp := s.call(ctx, r, clientID, clean, raw, ep)
	// Read what is left of the body (within reason) before answering: over HTTP/2, curl
	// (under the PHP SDK) fails a stream answered before its body was read, now and then,
	// instead of showing the answer: an unknown API, a GET, a body over the limit.
	io.Copy(io.Discard, io.LimitReader(r.Body, 16*s.cfg.MaxBodyBytes))

	ex, _ := ctx.Value(exchangeKey{}).(*exchange)
	if ex != nil {
		ex.route, ex.api, ex.clientID, ex.result = route, api, clientID, resultOf(resp)
	}
	if h, ok := resp.(antom.Held); ok {
		hold(ctx, w, h.For)
		return
	}
	body, err := json.Marshal(resp)
	if err != nil {
		s.log.ErrorContext(ctx, "marshal response", "err", err)
		resp = ams.ErrorResponse{Result: ams.NewResult(ams.CodeUnknownException, "the response could not be encoded")}
		body, _ = json.Marshal(resp)
	}
	respTime := ams.FormatTime(s.cfg.Clock.Now())
	// Signed over the path as received: an SDK verifies over the path it sent, which is
	// not always the one it signed its request over.
	sig, err := ams.SignHeader(s.cfg.Signer, s.cfg.KeyVersion, http.MethodPost, raw, clientID, respTime, body)
	if err != nil {
		// Without a signature the SDK cannot read the answer at all; say so plainly.
		s.log.ErrorContext(ctx, "sign response", "err", err)
		http.Error(w, "response signing failed", http.StatusServiceUnavailable)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	ams.SetHeader(h, ams.HeaderClientID, clientID)
	ams.SetHeader(h, ams.HeaderResponseTime, respTime)
	ams.SetHeader(h, ams.HeaderSignature, sig)
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// hold answers a call whose answer a simulated timeout holds back: nothing until the client
// hangs up or d has passed, then HTTP 504 with no body to sign, as from a proxy that gave up.
func hold(ctx context.Context, w http.ResponseWriter, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
		http.Error(w, "gateway timeout", http.StatusGatewayTimeout)
	}
}

// call authenticates the request and runs ep; it never panics out.
func (s *Server) call(ctx context.Context, r *http.Request, clientID, clean, raw string, ep antom.Endpoint) (resp any) {
	defer func() {
		if v := recover(); v != nil {
			s.log.ErrorContext(ctx, "panic in API handler", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			resp = errorBody(payment.NewError(ams.CodeUnknownException, "the request could not be completed; retry or inquire"))
		}
	}()
	if r.Method != http.MethodPost {
		return errorBody(payment.NewError(ams.CodeMethodNotSupported, "use POST"))
	}
	if ep == nil {
		return errorBody(payment.NewError(ams.CodeNoInterfaceDef, fmt.Sprintf("no API at %s", clean)))
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.cfg.MaxBodyBytes+1))
	if err != nil {
		return errorBody(payment.NewError(ams.CodeParamIllegal, "request body could not be read"))
	}
	if int64(len(body)) > s.cfg.MaxBodyBytes {
		return errorBody(payment.NewError(ams.CodeParamIllegal, fmt.Sprintf("request body is larger than %d bytes", s.cfg.MaxBodyBytes)))
	}
	paths, norm := []string{raw}, clean
	if r.URL.RawQuery != "" {
		norm += "?" + r.URL.RawQuery
	}
	if norm != raw {
		paths = append(paths, norm)
	}
	// The call reads its configuration (its merchant, the sandbox's rules) as of one
	// revision, read once.
	ctx, err = s.cfg.Config.Pin(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "configuration revision", "err", err)
		return errorBody(payment.NewError(ams.CodeUnknownException, "the request could not be completed; retry"))
	}
	m, perr := s.authenticate(ctx, r, clientID, paths, body)
	if perr != nil {
		return errorBody(perr)
	}
	if perr := s.throttle(m); perr != nil {
		return errorBody(perr)
	}
	out, err := ep(ctx, m, body)
	if err != nil {
		var pe *payment.Error
		if errors.As(err, &pe) {
			return errorBody(pe)
		}
		s.log.ErrorContext(ctx, "use case error", "err", err)
		return errorBody(payment.NewError(ams.CodeUnknownException, "the request could not be completed; retry or inquire"))
	}
	return out
}

// authenticate finds the merchant and verifies the request signature over the raw body.
// The signature may cover any of paths: the path as sent, or the normalised one (an SDK
// with a trailing slash on its base URL sends "//ams/..." but signs "/ams/...").
// Result codes: CLIENT_INVALID, PARAM_ILLEGAL (Request-Time, missing or outside the merchant's
// replay window), INVALID_SIGNATURE, KEY_NOT_FOUND.
func (s *Server) authenticate(ctx context.Context, r *http.Request, clientID string, paths []string, body []byte) (*payment.Merchant, *payment.Error) {
	if clientID == "" {
		return nil, payment.NewError(ams.CodeClientInvalid, "the Client-Id header is missing")
	}
	m, err := s.cfg.Config.Merchant(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, payment.NewError(ams.CodeClientInvalid, "unknown Client-Id")
	}
	if err != nil {
		s.log.ErrorContext(ctx, "merchant lookup", "err", err)
		return nil, payment.NewError(ams.CodeUnknownException, "the request could not be completed; retry")
	}
	reqTime := r.Header.Get(ams.HeaderRequestTime)
	if reqTime == "" {
		return nil, payment.NewError(ams.CodeParamIllegal, "the Request-Time header is missing")
	}
	sigHeader := r.Header.Get(ams.HeaderSignature)
	if sigHeader == "" {
		return nil, payment.NewError(ams.CodeInvalidSignature, "the Signature header is missing")
	}
	sig, err := ams.ParseSignatureHeader(sigHeader)
	if err != nil {
		return nil, payment.NewError(ams.CodeInvalidSignature, "the Signature header is malformed")
	}
	// The keyVersion of the Signature header names the key; the Go and Java SDKs repeat it
	// in Key-Version. Retirement is measured on the wall clock, as the request window is.
	named, now := cmp.Or(sig.KeyVersion, r.Header.Get(ams.HeaderKeyVersion)), time.Now()
	keys := m.Keys.Verifying(named, now)
	for _, k := range keys {
		v, err := s.verifier(k.PublicKey)
		if err != nil {
			s.log.ErrorContext(ctx, "merchant public key unusable", "client_id", clientID, "key_version", k.Version, "err", err)
			continue
		}
		for _, p := range paths {
			if v.Verify(ams.SignContent(http.MethodPost, p, clientID, reqTime, body), sig.Signature) == nil {
				// The merchant's SDK stamps its own wall-clock time, so the window is measured
				// on the wall clock, not on the sandbox's test clock.
				if perr := checkRequestTime(reqTime, m.RequestWindow, now); perr != nil {
					return nil, perr
				}
				return m, nil
			}
		}
	}
	return nil, keyRefusal(m.Keys, named, now, len(keys))
}

// keyRefusal says why none of the merchant's keys active at now (active of them) verified
// a request that named the key version named ("" for none).
// Result codes: KEY_NOT_FOUND (the version named is unknown or retired, or no key is
// active), INVALID_SIGNATURE.
func keyRefusal(keys payment.MerchantKeys, named string, now time.Time, active int) *payment.Error {
	if named != "" {
		v, err := strconv.Atoi(named)
		k, found := keys.Find(v)
		switch {
		case err != nil || !found:
			return payment.NewError(ams.CodeKeyNotFound, "the Client-Id has no key of the keyVersion the Signature header names")
		case !k.ActiveAt(now):
			return payment.NewError(ams.CodeKeyNotFound, fmt.Sprintf("key version %d of the Client-Id is retired; sign with an active key", v))
		}
	}
	if active == 0 {
		return payment.NewError(ams.CodeKeyNotFound, "the Client-Id has no active key")
	}
	return payment.NewError(ams.CodeInvalidSignature, "the signature does not verify with the merchant's public key")
}

// throttle takes one of the merchant's request tokens.
// Result code: REQUEST_TRAFFIC_EXCEED_LIMIT (status U: call again later).
func (s *Server) throttle(m *payment.Merchant) *payment.Error {
	if s.buckets.Allow(m.ClientID, s.cfg.Clock.Now()) {
		return nil
	}
	s.cfg.Metrics.APIThrottled(m.ClientID)
	return payment.NewError(ams.CodeRequestTrafficExceedLimit, "the merchant's request rate is over its limit; call again later")
}

// verifier is the verifier of a merchant's public key, parsed and prepared on its first use.
func (s *Server) verifier(text string) (ams.Verifier, error) {
	if v, ok := s.keys.Load(text); ok {
		return v.(ams.Verifier), nil
	}
	pub, err := ams.ParsePublicKey(text)
	if err != nil {
		return nil, err
	}
	v, err := s.cfg.NewVerifier(pub)
	if err != nil {
		return nil, err
	}
	s.keys.Store(text, v)
	return v, nil
}

func errorBody(e *payment.Error) ams.ErrorResponse {
	return ams.ErrorResponse{Result: ams.NewResult(e.Code, e.Message)}
}

// resultOf reads the Result field every response type has, for the access log, without
// parsing the body again on the hot path.
func resultOf(resp any) ams.Result {
	v := reflect.Indirect(reflect.ValueOf(resp))
	if v.Kind() == reflect.Struct {
		if f := v.FieldByName("Result"); f.IsValid() {
			if r, ok := f.Interface().(ams.Result); ok {
				return r
			}
		}
	}
	return ams.Result{}
}
