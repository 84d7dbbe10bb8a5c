// Package httpapi is the HTTP transport of the gateway: the Antom API routes, the check of
// each request's signature, the signature of every response (errors included, because the
// official SDKs verify a response before reading it), the mapping of errors to Antom result
// objects, and the sandbox's side routes.
package httpapi

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// Config is what the transport needs. Fields without a default are required.
type Config struct {
	Gateway *gateway.Gateway
	Store   store.Store
	// Signer signs responses with the gateway's private key.
	Signer ams.Signer
	// Clock stamps Response-Time; defaults to the wall clock.
	Clock clock.Clock
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// TestCards is served at GET /sandbox/test-cards; nil leaves the route out.
	TestCards any
	// TestClock, when set, is served at GET /sandbox/clock and POST /sandbox/clock/advance.
	TestClock *clock.Test
	// Pages registers the buyer-facing pages (hosted card page and its steps); optional.
	Pages interface{ Register(*http.ServeMux) }
	// MaxBodyBytes bounds a request body; default 1 MiB.
	MaxBodyBytes int64
}

// Server routes HTTP requests to the gateway.
type Server struct {
	cfg  Config
	log  *slog.Logger
	keys sync.Map // merchant public key text → *rsa.PublicKey
	apis map[string]endpoint
}

type endpoint func(ctx context.Context, m *payment.Merchant, body []byte) (any, error)

// handle decodes the body into Req and calls the use case.
func handle[Req, Resp any](fn func(context.Context, *payment.Merchant, *Req) (*Resp, error)) endpoint {
	return func(ctx context.Context, m *payment.Merchant, body []byte) (any, error) {
		var req Req
		if err := ams.Decode(body, &req); err != nil {
			return nil, payment.NewError(ams.CodeParamIllegal, err.Error())
		}
		return fn(ctx, m, &req)
	}
}

// New builds a Server.
func New(cfg Config) *Server {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	g := cfg.Gateway
	return &Server{cfg: cfg, log: cfg.Logger, apis: map[string]endpoint{
		ams.APIPay:                  handle(g.Pay),
		ams.APICreatePaymentSession: handle(g.CreatePaymentSession),
		ams.APIInquiryPayment:       handle(g.InquiryPayment),
		ams.APICapture:              handle(g.Capture),
		ams.APICancel:               handle(g.Cancel),
		ams.APIRefund:               handle(g.Refund),
		ams.APIInquiryRefund:        handle(g.InquiryRefund),
		ams.APIConsult:              handle(g.Consult),
	}}
}

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(ams.PathPrefix+"{api}", s.serveAPI)
	mux.HandleFunc(ams.SandboxPathPrefix+"{api}", s.serveAPI)
	// Every other /ams/ path (vaults, other versions, typos) is an API cashier lacks; the
	// answer is still signed, as the SDKs verify before reading.
	mux.HandleFunc("/ams/", s.serveAPI)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /static/logos/{file}", serveLogo)
	if s.cfg.Pages != nil {
		s.cfg.Pages.Register(mux)
	}
	if s.cfg.TestCards != nil {
		mux.HandleFunc("GET /sandbox/test-cards", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(s.cfg.TestCards)
		})
	}
	if s.cfg.TestClock != nil {
		mux.HandleFunc("GET /sandbox/clock", s.getClock)
		mux.HandleFunc("POST /sandbox/clock/advance", s.advanceClock)
	}
	// An SDK configured with a trailing slash on its base URL sends //ams/...; ServeMux would
	// redirect that, and a redirected POST loses its body.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "//") {
			r2 := r.Clone(r.Context())
			r2.URL.Path = ams.NormalizePath(r.URL.Path)
			r2.URL.RawPath = ""
			r = r2
		}
		mux.ServeHTTP(w, r)
	})
}

// serveAPI answers one Antom API call; whatever happens, the answer is a signed JSON body
// with a result object and HTTP 200.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := uuid.NewString()
	ctx := r.Context()
	path := r.URL.Path
	if r.URL.RawQuery != "" {
		path += "?" + r.URL.RawQuery
	}
	clientID := r.Header.Get(ams.HeaderClientID)
	resp := s.call(ctx, r, reqID, clientID)

	body, err := json.Marshal(resp)
	if err != nil {
		s.log.ErrorContext(ctx, "marshal response", "request_id", reqID, "err", err)
		body, _ = json.Marshal(ams.ErrorResponse{Result: ams.NewResult(ams.CodeUnknownException, "the response could not be encoded")})
	}
	respTime := ams.FormatTime(s.cfg.Clock.Now())
	sig, err := ams.SignHeader(s.cfg.Signer, http.MethodPost, path, clientID, respTime, body)
	if err != nil {
		// Without a signature the SDK cannot read the answer at all; say so plainly.
		s.log.ErrorContext(ctx, "sign response", "request_id", reqID, "err", err)
		http.Error(w, "response signing failed", http.StatusServiceUnavailable)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	h.Set(ams.HeaderClientID, clientID)
	h.Set(ams.HeaderResponseTime, respTime)
	h.Set(ams.HeaderSignature, sig)
	h.Set("X-Request-Id", reqID)
	w.WriteHeader(http.StatusOK)
	w.Write(body)

	res := resultOf(resp)
	s.log.InfoContext(ctx, "api", "request_id", reqID, "method", r.Method, "path", path, "client_id", clientID,
		"result_status", res.ResultStatus, "result_code", res.ResultCode, "ms", time.Since(start).Milliseconds())
}

// call authenticates the request and runs the use case; it never panics out.
func (s *Server) call(ctx context.Context, r *http.Request, reqID, clientID string) (resp any) {
	defer func() {
		if v := recover(); v != nil {
			s.log.ErrorContext(ctx, "panic in API handler", "request_id", reqID, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			resp = errorBody(payment.NewError(ams.CodeUnknownException, "the request could not be completed; retry or inquire"))
		}
	}()
	if r.Method != http.MethodPost {
		return errorBody(payment.NewError(ams.CodeMethodNotSupported, "use POST"))
	}
	ep, ok := s.apis[r.PathValue("api")]
	if !ok {
		return errorBody(payment.NewError(ams.CodeNoInterfaceDef, fmt.Sprintf("no API at %s", r.URL.Path)))
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errorBody(payment.NewError(ams.CodeParamIllegal, fmt.Sprintf("request body is larger than %d bytes", s.cfg.MaxBodyBytes)))
		}
		return errorBody(payment.NewError(ams.CodeParamIllegal, "request body could not be read"))
	}
	m, perr := s.authenticate(ctx, r, clientID, body)
	if perr != nil {
		return errorBody(perr)
	}
	out, err := ep(ctx, m, body)
	if err != nil {
		var pe *payment.Error
		if errors.As(err, &pe) {
			return errorBody(pe)
		}
		s.log.ErrorContext(ctx, "use case error", "request_id", reqID, "err", err)
		return errorBody(payment.NewError(ams.CodeUnknownException, "the request could not be completed; retry or inquire"))
	}
	return out
}

// authenticate finds the merchant and verifies the request signature over the raw body.
// Result codes: CLIENT_INVALID, PARAM_ILLEGAL (Request-Time), INVALID_SIGNATURE.
func (s *Server) authenticate(ctx context.Context, r *http.Request, clientID string, body []byte) (*payment.Merchant, *payment.Error) {
	if clientID == "" {
		return nil, payment.NewError(ams.CodeClientInvalid, "the Client-Id header is missing")
	}
	m, err := s.cfg.Store.MerchantGetByClientID(ctx, clientID)
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
	pub, err := s.publicKey(m.PublicKey)
	if err != nil {
		s.log.ErrorContext(ctx, "merchant public key unusable", "client_id", clientID, "err", err)
		return nil, payment.NewError(ams.CodeKeyNotFound, "the merchant's public key is not usable")
	}
	path := r.URL.Path
	if r.URL.RawQuery != "" {
		path += "?" + r.URL.RawQuery
	}
	if err := ams.VerifyHeader(pub, http.MethodPost, path, clientID, reqTime, body, sigHeader); err != nil {
		return nil, payment.NewError(ams.CodeInvalidSignature, "the signature does not verify with the merchant's public key")
	}
	return m, nil
}

func (s *Server) publicKey(text string) (*rsa.PublicKey, error) {
	if k, ok := s.keys.Load(text); ok {
		return k.(*rsa.PublicKey), nil
	}
	k, err := ams.ParsePublicKey(text)
	if err != nil {
		return nil, err
	}
	s.keys.Store(text, k)
	return k, nil
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
