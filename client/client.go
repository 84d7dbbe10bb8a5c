package client

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cashierpay/cashier/ams"
)

// DefaultTimeout is the total timeout of the HTTP client used when Config.HTTPClient is
// nil; the official SDKs give up after 30 seconds too.
const DefaultTimeout = 30 * time.Second

// SandboxPrefix is the client id prefix that makes the official SDKs, and this client by
// default, call the sandbox paths (/ams/sandbox/api/...).
const SandboxPrefix = "SANDBOX_"

// maxResponseBytes bounds what is read of a response. Real responses are a few kilobytes.
const maxResponseBytes = 8 << 20

const userAgent = "cashier-go-client/1"

// Config configures a Client.
type Config struct {
	// BaseURL is the gateway's scheme and host, such as "https://cashier.example.com" or
	// "https://open-sea-global.alipay.com". A trailing slash is trimmed. A path in it is
	// prepended to the request URL but, as in the official SDKs, is not part of what is
	// signed.
	BaseURL string
	// ClientID is the merchant's client id, sent as Client-Id.
	ClientID string
	// MerchantPrivateKey signs the requests: bare base64 PKCS#8 (the form the official SDKs
	// take) or PEM (PKCS#8 or PKCS#1).
	MerchantPrivateKey string
	// KeyVersion is the version of MerchantPrivateKey among the merchant's keys, sent as
	// the Signature's keyVersion and as Key-Version. Empty means "1", as the official SDKs
	// send; the gateway also accepts a signature by another of the merchant's active keys.
	KeyVersion string
	// GatewayPublicKey verifies the responses and notifications: bare base64 X.509
	// SubjectPublicKeyInfo (the form the dashboard hands out) or PEM.
	GatewayPublicKey string
	// GatewayPublicKeys are the gateway's public keys by keyVersion, in the same forms,
	// while the gateway rotates its key (cashier merchant show lists them): a response or
	// notification is verified with the key of the version its Signature header names, and
	// with GatewayPublicKey when it names none or one not listed here. One of the two is
	// required.
	GatewayPublicKeys map[string]string
	// Signer, if set, signs the requests in place of MerchantPrivateKey: a faster
	// implementation, or a key that never leaves an HSM.
	Signer ams.Signer
	// NewVerifier, if set, prepares each gateway public key once, in New, for verifying the
	// responses and notifications: a faster implementation than ams.RSAVerifier (crypto/rsa),
	// the default, such as one that keeps the key in OpenSSL's form. It must verify as
	// ams.Verify does.
	NewVerifier func(*rsa.PublicKey) (ams.Verifier, error)
	// HTTPClient sends the requests. Nil means a client with a DefaultTimeout timeout.
	HTTPClient *http.Client
	// Sandbox selects the /ams/sandbox/api/... paths. Nil means: sandbox when ClientID
	// starts with SANDBOX_, as in the official SDKs.
	Sandbox *bool
}

// Client calls the gateway. It is safe for concurrent use.
type Client struct {
	baseURL     string
	clientID    string
	signer      ams.Signer
	keyVersion  string
	gatewayKeys gatewayKeys
	httpClient  *http.Client
	sandbox     bool
}

// New checks cfg, parses its keys and returns a Client.
func New(cfg Config) (*Client, error) {
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if base == "" {
		return nil, errors.New("client: Config.BaseURL is required")
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("client: Config.BaseURL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: Config.BaseURL %q is not an http(s) URL with a host", cfg.BaseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("client: Config.BaseURL %q must not have a query or fragment", cfg.BaseURL)
	}
	if cfg.ClientID == "" {
		return nil, errors.New("client: Config.ClientID is required")
	}
	sign := cfg.Signer
	if sign == nil {
		if cfg.MerchantPrivateKey == "" {
			return nil, errors.New("client: Config.MerchantPrivateKey is required")
		}
		priv, err := ams.ParsePrivateKey(cfg.MerchantPrivateKey)
		if err != nil {
			return nil, fmt.Errorf("client: Config.MerchantPrivateKey: %w", err)
		}
		sign = ams.RSASigner{Key: priv}
	}
	if cfg.GatewayPublicKey == "" && len(cfg.GatewayPublicKeys) == 0 {
		return nil, errors.New("client: Config.GatewayPublicKey is required: responses are always verified")
	}
	var fallback *rsa.PublicKey
	if cfg.GatewayPublicKey != "" {
		if fallback, err = ams.ParsePublicKey(cfg.GatewayPublicKey); err != nil {
			return nil, fmt.Errorf("client: Config.GatewayPublicKey: %w", err)
		}
	}
	byVersion := map[string]*rsa.PublicKey{}
	for v, text := range cfg.GatewayPublicKeys {
		if byVersion[v], err = ams.ParsePublicKey(text); err != nil {
			return nil, fmt.Errorf("client: Config.GatewayPublicKeys[%q]: %w", v, err)
		}
	}
	gk, err := newGatewayKeys(fallback, byVersion, cfg.NewVerifier)
	if err != nil {
		return nil, fmt.Errorf("client: Config.NewVerifier: %w", err)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	sandbox := strings.HasPrefix(cfg.ClientID, SandboxPrefix)
	if cfg.Sandbox != nil {
		sandbox = *cfg.Sandbox
	}
	return &Client{
		baseURL:     base,
		clientID:    cfg.ClientID,
		signer:      sign,
		keyVersion:  cmp.Or(cfg.KeyVersion, ams.DefaultKeyVersion),
		gatewayKeys: gk,
		httpClient:  hc,
		sandbox:     sandbox,
	}, nil
}

// ClientID is the merchant client id the Client sends.
func (c *Client) ClientID() string { return c.clientID }

// Sandbox reports whether the Client calls the sandbox paths.
func (c *Client) Sandbox() bool { return c.sandbox }

// GatewayPublicKey is the key the Client verifies responses with when their signature
// names no version of GatewayPublicKeys; notifications are verified alike. Nil when only
// GatewayPublicKeys were given.
func (c *Client) GatewayPublicKey() *rsa.PublicKey { return c.gatewayKeys.fallback.pub }

// GatewayPublicKeys are the gateway's public keys by keyVersion the Client was given.
func (c *Client) GatewayPublicKeys() map[string]*rsa.PublicKey {
	return c.gatewayKeys.public()
}

// gatewayKeys are the gateway public keys a merchant trusts: by the keyVersion a signature
// names, and one for a signature that names no version listed (pub nil: none).
type gatewayKeys struct {
	byVersion map[string]gatewayKey
	fallback  gatewayKey
}

// gatewayKey is one gateway public key and its verifier, prepared once.
type gatewayKey struct {
	pub      *rsa.PublicKey
	verifier ams.Verifier
}

// newGatewayKeys prepares each key with newVerifier; nil means ams.RSAVerifier.
func newGatewayKeys(fallback *rsa.PublicKey, byVersion map[string]*rsa.PublicKey, newVerifier func(*rsa.PublicKey) (ams.Verifier, error)) (gatewayKeys, error) {
	if newVerifier == nil {
		newVerifier = ams.NewRSAVerifier
	}
	prepare := func(pub *rsa.PublicKey) (gatewayKey, error) {
		if pub == nil {
			return gatewayKey{}, nil
		}
		v, err := newVerifier(pub)
		return gatewayKey{pub: pub, verifier: v}, err
	}
	g := gatewayKeys{byVersion: make(map[string]gatewayKey, len(byVersion))}
	var err error
	if g.fallback, err = prepare(fallback); err != nil {
		return g, err
	}
	for v, pub := range byVersion {
		if g.byVersion[v], err = prepare(pub); err != nil {
			return g, fmt.Errorf("keyVersion %q: %w", v, err)
		}
	}
	return g, nil
}

// public are the keys by version, as given.
func (g gatewayKeys) public() map[string]*rsa.PublicKey {
	out := make(map[string]*rsa.PublicKey, len(g.byVersion))
	for v, k := range g.byVersion {
		out[v] = k.pub
	}
	return out
}

// pick is the verifier of a signature of keyVersion.
func (g gatewayKeys) pick(keyVersion string) (ams.Verifier, error) {
	if k, ok := g.byVersion[keyVersion]; ok && k.pub != nil {
		return k.verifier, nil
	}
	if g.fallback.pub != nil {
		return g.fallback.verifier, nil
	}
	return nil, fmt.Errorf("no gateway public key of keyVersion %q", keyVersion)
}

// Path is the path the Client posts to and signs for api: an API name such as "pay"
// becomes /ams/api/v1/payments/pay (a vaulting API /ams/api/v1/vaults/…), or
// /ams/sandbox/api/v1/payments/pay in sandbox mode.
// A full path (starting with "/") is used as given, except that in sandbox mode its first
// "/ams/api" becomes "/ams/sandbox/api", as the official SDKs do.
func (c *Client) Path(api string) string {
	p := api
	if !strings.HasPrefix(p, "/") {
		p = ams.APIPath(p)
	}
	if c.sandbox {
		p = strings.Replace(p, "/ams/api", "/ams/sandbox/api", 1)
	}
	return p
}

// SignatureError reports a response or a notification whose signature is missing,
// malformed or does not verify with the gateway's public key. Its body must not be trusted.
type SignatureError struct {
	// Path is the path the signature was checked against.
	Path string
	// StatusCode is the HTTP status of the response; 0 for a notification.
	StatusCode int
	// Reason says what is wrong.
	Reason string
	// Err is the underlying error, if any.
	Err error
}

func (e *SignatureError) Error() string {
	var b strings.Builder
	b.WriteString("client: ")
	b.WriteString(e.Reason)
	if e.Path != "" {
		b.WriteString(" (")
		b.WriteString(e.Path)
		if e.StatusCode != 0 {
			fmt.Fprintf(&b, ", HTTP %d", e.StatusCode)
		}
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *SignatureError) Unwrap() error { return e.Err }

// Call posts req, JSON-encoded, to api (see Path) and decodes the verified response into
// resp, which may be nil to discard it.
//
// The request carries Client-Id, Request-Time (epoch milliseconds), Key-Version (Config.KeyVersion) and a
// Signature over "POST <path>\n<Client-Id>.<Request-Time>.<body>". The response must carry
// a Signature over "POST <path>\n<its Client-Id>.<its Response-Time>.<body>" made with the
// gateway's key of the keyVersion it names; otherwise Call returns a *SignatureError and does not parse the body. The
// HTTP status is ignored, as in the official SDKs.
//
// A response with result status F or U is not an error: Call returns nil and the caller
// reads the result. Errors are returned for transport failures (wrapped, so errors.Is
// finds context.Canceled or a *url.Error), bad signatures, and bodies that are not JSON of
// the expected shape or carry no result.
func (c *Client) Call(ctx context.Context, api string, req, resp any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("client: %s: encoding request: %w", c.Path(api), err)
	}
	x, err := c.Send(ctx, api, body)
	if err != nil {
		return err
	}
	if resp == nil {
		return nil
	}
	if err := json.Unmarshal(x.ResponseBody, resp); err != nil {
		return fmt.Errorf("client: %s: decoding response: %w", x.Path, err)
	}
	return nil
}

// Exchange is one signed request and its verified response, byte for byte: what a
// merchant compares with its own SDK's when a signature does not verify.
type Exchange struct {
	// Path is the path posted to and signed.
	Path string
	// RequestBody is the body sent.
	RequestBody []byte
	// RequestSigned is the content the request's signature covers.
	RequestSigned []byte
	// StatusCode and Header are the response's.
	StatusCode int
	Header     http.Header
	// ResponseBody is the body received.
	ResponseBody []byte
	// ResponseSigned is the content the response's signature must cover.
	ResponseSigned []byte
	// Result is the response's result, decoded once its signature verified; nil when Post
	// or Check returns an error, and before Check.
	Result *ams.Result
}

// Send posts body exactly as given to api (see Path), signed as Call signs, and verifies
// the response. It returns the Exchange whenever a response arrived, also with a
// *SignatureError, and an error for a body that is not JSON with a result.
func (c *Client) Send(ctx context.Context, api string, body []byte) (*Exchange, error) {
	req, err := c.Sign(api, body)
	if err != nil {
		return nil, err
	}
	return c.Post(ctx, req)
}

// SignedRequest is a request body signed for one API at one Request-Time, ready to post.
type SignedRequest struct {
	// Path is the path it is posted to and signed for.
	Path string
	// Body is the body sent.
	Body []byte
	// RequestTime is the Request-Time header: epoch milliseconds when it was signed.
	RequestTime string
	// Signed is the content the signature covers.
	Signed []byte
	// Signature is the Signature header.
	Signature string
}

// Sign signs body for api (see Path) now, as Send does, without sending it: a load
// generator signs its requests before it measures. A merchant whose replay window is on
// refuses a request posted later than the window after it was signed.
func (c *Client) Sign(api string, body []byte) (*SignedRequest, error) {
	path := c.Path(api)
	req := &SignedRequest{Path: path, Body: body, RequestTime: strconv.FormatInt(time.Now().UnixMilli(), 10)}
	req.Signed = ams.SignContent(http.MethodPost, path, c.clientID, req.RequestTime, body)
	sig, err := c.signer.Sign(req.Signed)
	if err != nil {
		return nil, fmt.Errorf("client: %s: signing request: %w", path, err)
	}
	req.Signature = ams.FormatSignatureHeader(c.keyVersion, sig)
	return req, nil
}

// Post sends a request signed by Sign and verifies the response, as Send does.
func (c *Client) Post(ctx context.Context, req *SignedRequest) (*Exchange, error) {
	x, err := c.Deliver(ctx, req)
	if err != nil {
		return nil, err
	}
	return x, c.Check(x)
}

// Deliver sends a request signed by Sign and returns the response as it arrived, neither
// verified nor decoded: a load generator checks its answers after the timed window, as it
// signs its requests before it, so that what it measures is the gateway and not itself.
// Nothing in the Exchange may be trusted until Check returns nil.
func (c *Client) Deliver(ctx context.Context, req *SignedRequest) (*Exchange, error) {
	path, body := req.Path, req.Body
	x := &Exchange{Path: path, RequestBody: body, RequestSigned: req.Signed}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("client: %s: %w", path, err)
	}
	hreq.Header.Set("Content-Type", "application/json; charset=UTF-8")
	hreq.Header.Set(ams.HeaderClientID, c.clientID)
	hreq.Header.Set(ams.HeaderRequestTime, req.RequestTime)
	hreq.Header.Set(ams.HeaderSignature, req.Signature)
	hreq.Header.Set(ams.HeaderKeyVersion, c.keyVersion)
	hreq.Header.Set("User-Agent", userAgent)

	hres, err := c.httpClient.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("client: %s: %w", path, err)
	}
	defer hres.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(hres.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("client: %s: reading response: %w", path, err)
	}
	if len(raw) > maxResponseBytes {
		return nil, fmt.Errorf("client: %s: response is larger than %d bytes", path, maxResponseBytes)
	}
	x.StatusCode, x.Header, x.ResponseBody = hres.StatusCode, hres.Header, raw
	return x, nil
}

// Check verifies the signature of a response Deliver returned and decodes its result into
// x.Result, as Post does: a *SignatureError for a signature that is missing or wrong, an
// error for a body that is not JSON with a result.
func (c *Client) Check(x *Exchange) error {
	x.ResponseSigned = ams.SignContent(http.MethodPost, x.Path, x.Header.Get(ams.HeaderClientID), x.Header.Get(ams.HeaderResponseTime), x.ResponseBody)
	if err := c.verifyResponse(x); err != nil {
		return err
	}
	var head struct {
		Result *ams.Result `json:"result"`
	}
	if err := json.Unmarshal(x.ResponseBody, &head); err != nil {
		return fmt.Errorf("client: %s: decoding response (HTTP %d): %w", x.Path, x.StatusCode, err)
	}
	if head.Result == nil || head.Result.ResultStatus == "" {
		return fmt.Errorf("client: %s: response (HTTP %d) carries no result", x.Path, x.StatusCode)
	}
	x.Result = head.Result
	return nil
}

// verifyResponse checks the Signature of a response over the exact bytes received, with
// the Client-Id and Response-Time headers of the response, as the official SDKs do, and
// with the gateway's key of the keyVersion the Signature names.
func (c *Client) verifyResponse(x *Exchange) error {
	h := x.Header.Get(ams.HeaderSignature)
	if strings.TrimSpace(h) == "" {
		return &SignatureError{Path: x.Path, StatusCode: x.StatusCode, Reason: "response is not signed"}
	}
	parsed, err := ams.ParseSignatureHeader(h)
	var v ams.Verifier
	if err == nil {
		v, err = c.gatewayKeys.pick(parsed.KeyVersion)
	}
	if err == nil {
		err = v.Verify(x.ResponseSigned, parsed.Signature)
	}
	if err != nil {
		reason := "response signature does not verify"
		if errors.Is(err, ams.ErrSignatureHeader) {
			reason = "response Signature header is malformed"
		}
		return &SignatureError{Path: x.Path, StatusCode: x.StatusCode, Reason: reason, Err: err}
	}
	return nil
}
