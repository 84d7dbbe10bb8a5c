package client

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/cashierpay/cashier/ams"
)

// DefaultMaxNotificationBytes is the largest notification body NotificationHandler reads
// unless HandlerConfig.MaxBodyBytes says otherwise.
const DefaultMaxNotificationBytes = 1 << 20

// Notification is a verified notification from the gateway. Exactly one of Payment,
// Capture and Refund is set for the notify types PAYMENT_RESULT, CAPTURE_RESULT and
// REFUND_RESULT, Dispute for notifyDispute, whose body has no notifyType (Type is then its
// disputeNotificationType: DISPUTE_CREATED, DISPUTE_JUDGED, ...), and Vaulting for
// notifyVaulting, which has no notifyType either (Type is VaultingType); for any other type
// none is set and the merchant reads Body.
//
// The gateway retries until it is acknowledged, so the same notification can arrive more
// than once: handle it idempotently (by paymentId, captureId, refundId, or disputeId and
// disputeNotificationType).
type Notification struct {
	// Type is the notifyType of the body.
	Type string
	// Payment is set for PAYMENT_RESULT.
	Payment *ams.PaymentNotification
	// Capture is set for CAPTURE_RESULT.
	Capture *ams.CaptureNotification
	// Refund is set for REFUND_RESULT.
	Refund *ams.RefundNotification
	// Dispute is set for notifyDispute.
	Dispute *ams.DisputeNotification
	// Vaulting is set for notifyVaulting.
	Vaulting *ams.VaultingNotification
	// ClientID and RequestTime are the Client-Id and Request-Time headers (set by
	// NotificationHandler; empty from ParseNotification).
	ClientID    string
	RequestTime string
	// Body is the raw body, as verified.
	Body []byte
}

// VaultingType is Notification.Type for notifyVaulting, which Antom sends without a
// notifyType and is told by its vaultingRequestId.
const VaultingType = "VAULTING_RESULT"

// ParseNotification decodes a notification body by its notifyType. It does not verify
// anything: call VerifyNotification first. The error, if any, wraps an *ams.FieldError.
func ParseNotification(body []byte) (Notification, error) {
	n := Notification{Body: body}
	var head struct {
		NotifyType              string `json:"notifyType"`
		DisputeNotificationType string `json:"disputeNotificationType"`
		VaultingRequestID       string `json:"vaultingRequestId"`
	}
	if err := ams.Decode(body, &head); err != nil {
		return n, fmt.Errorf("client: notification: %w", err)
	}
	n.Type = head.NotifyType
	if n.Type == "" && head.VaultingRequestID != "" {
		n.Type = VaultingType
	}
	var err error
	switch {
	case n.Type == "" && head.DisputeNotificationType != "":
		n.Type = head.DisputeNotificationType
		var d ams.DisputeNotification
		if err = ams.Decode(body, &d); err == nil {
			n.Dispute = &d
		}
	case n.Type == ams.NotifyPaymentResult:
		var p ams.PaymentNotification
		if err = ams.Decode(body, &p); err == nil {
			n.Payment = &p
		}
	case n.Type == ams.NotifyCaptureResult:
		var c ams.CaptureNotification
		if err = ams.Decode(body, &c); err == nil {
			n.Capture = &c
		}
	case n.Type == ams.NotifyRefundResult:
		var r ams.RefundNotification
		if err = ams.Decode(body, &r); err == nil {
			n.Refund = &r
		}
	case n.Type == VaultingType:
		var v ams.VaultingNotification
		if err = ams.Decode(body, &v); err == nil {
			n.Vaulting = &v
		}
	}
	if err != nil {
		return n, fmt.Errorf("client: %s notification: %w", n.Type, err)
	}
	return n, nil
}

// VerifyNotification checks the Signature header of a notification with the gateway's
// public key over "POST <path>\n<Client-Id>.<Request-Time>.<body>", where body is the raw
// body already read from r and path is r.URL.Path. When the notify URL has a query string,
// a signature over path?query is accepted too. A failure is a *SignatureError.
func VerifyNotification(gatewayPublicKey *rsa.PublicKey, r *http.Request, body []byte) error {
	return verifyNotification(gatewayKeys{fallback: gatewayKey{pub: gatewayPublicKey, verifier: ams.RSAVerifier{Key: gatewayPublicKey}}}, r, body, "")
}

// VerifyNotification is the package function VerifyNotification with the Client's gateway
// public keys: the one of the keyVersion the Signature header names.
func (c *Client) VerifyNotification(r *http.Request, body []byte) error {
	return verifyNotification(c.gatewayKeys, r, body, "")
}

func verifyNotification(keys gatewayKeys, r *http.Request, body []byte, signedPath string) error {
	paths := notificationPaths(r, signedPath)
	h := r.Header.Get(ams.HeaderSignature)
	if strings.TrimSpace(h) == "" {
		return &SignatureError{Path: paths[0], Reason: "notification is not signed"}
	}
	parsed, err := ams.ParseSignatureHeader(h)
	if err != nil {
		return &SignatureError{Path: paths[0], Reason: "notification Signature header is malformed", Err: err}
	}
	v, err := keys.pick(parsed.KeyVersion)
	if err != nil {
		return &SignatureError{Path: paths[0], Reason: "notification signature does not verify", Err: err}
	}
	clientID := r.Header.Get(ams.HeaderClientID)
	reqTime := r.Header.Get(ams.HeaderRequestTime)
	for _, p := range paths {
		err = v.Verify(ams.SignContent(http.MethodPost, p, clientID, reqTime, body), parsed.Signature)
		if err == nil {
			return nil
		}
	}
	return &SignatureError{Path: paths[0], Reason: "notification signature does not verify", Err: err}
}

// notificationPaths lists the forms of the request path the gateway may have signed, the
// most likely first.
func notificationPaths(r *http.Request, override string) []string {
	if override != "" {
		return []string{override}
	}
	var out []string
	add := func(p string) {
		if p == "" {
			return
		}
		for _, q := range out {
			if q == p {
				return
			}
		}
		out = append(out, p)
	}
	if r.URL != nil {
		for _, p := range []string{r.URL.Path, r.URL.EscapedPath()} {
			add(p)
			add(ams.NormalizePath(p))
			if r.URL.RawQuery != "" {
				add(p + "?" + r.URL.RawQuery)
			}
		}
	}
	if len(out) == 0 {
		out = append(out, "/")
	}
	return out
}

// HandlerConfig configures NotificationHandler.
type HandlerConfig struct {
	// GatewayPublicKey verifies the notifications whose Signature names no keyVersion of
	// GatewayPublicKeys.
	GatewayPublicKey *rsa.PublicKey
	// GatewayPublicKeys verify the notifications by the keyVersion their Signature names,
	// while the gateway rotates its key. One of the two is required.
	GatewayPublicKeys map[string]*rsa.PublicKey
	// NewVerifier, if set, prepares each of the keys once, as Config.NewVerifier does; nil
	// means ams.RSAVerifier.
	NewVerifier func(*rsa.PublicKey) (ams.Verifier, error)
	// Handle processes a verified notification. It runs with the request's context. Return
	// nil only once the notification is safely processed (stored, or known to be a
	// duplicate): nil is acknowledged and ends the gateway's retries; an error is not
	// acknowledged, so the gateway sends the notification again later. Required.
	Handle func(ctx context.Context, n Notification) error
	// ClientID, if set, must equal the Client-Id header of a notification; others are
	// refused with 403.
	ClientID string
	// Path, if set, is the path the gateway signed (the path of the notify URL as the
	// merchant registered it), for servers behind a proxy that rewrites the path. Empty
	// means r.URL.Path.
	Path string
	// MaxBodyBytes bounds the body; larger bodies are refused with 413. Zero means
	// DefaultMaxNotificationBytes.
	MaxBodyBytes int64
	// OnError, if set, is told why a notification was not acknowledged.
	OnError func(r *http.Request, err error)
}

// NotificationHandler returns the handler to mount at the path of the merchant's notify
// URL. For each POST it reads the body (at most MaxBodyBytes), verifies the signature,
// decodes the body into a Notification and calls Handle. It answers:
//
//   - 200 with exactly ams.AckBody and Content-Type application/json when Handle returns
//     nil: the acknowledgement that stops the gateway's retries;
//   - 401 when the signature is missing or wrong (Handle is not called);
//   - 403 when ClientID is set and differs;
//   - 400 when a verified body is not a well-formed notification;
//   - 405 for methods other than POST, 413 for oversized bodies;
//   - 500 when Handle returns an error, so that the gateway retries.
//
// Every answer but the first has a JSON body whose result is not SUCCESS, which the gateway
// counts as a failed attempt. NotificationHandler panics if Handle is nil, both
// GatewayPublicKey and GatewayPublicKeys are, or NewVerifier refuses a key.
func NotificationHandler(cfg HandlerConfig) http.Handler {
	if cfg.GatewayPublicKey == nil && len(cfg.GatewayPublicKeys) == 0 {
		panic("client: NotificationHandler: HandlerConfig.GatewayPublicKey is nil")
	}
	keys, err := newGatewayKeys(cfg.GatewayPublicKey, cfg.GatewayPublicKeys, cfg.NewVerifier)
	if err != nil {
		panic("client: NotificationHandler: HandlerConfig.NewVerifier: " + err.Error())
	}
	return newNotificationHandler(cfg, keys)
}

// NotificationHandler is the package function NotificationHandler with the Client's
// gateway public keys, verified as the Client verifies responses, and handle as the
// merchant's function.
func (c *Client) NotificationHandler(handle func(ctx context.Context, n Notification) error) http.Handler {
	return newNotificationHandler(HandlerConfig{Handle: handle}, c.gatewayKeys)
}

func newNotificationHandler(cfg HandlerConfig, keys gatewayKeys) http.Handler {
	if cfg.Handle == nil {
		panic("client: NotificationHandler: HandlerConfig.Handle is nil")
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxNotificationBytes
	}
	return &notificationHandler{cfg: cfg, keys: keys}
}

type notificationHandler struct {
	cfg  HandlerConfig
	keys gatewayKeys // cfg's, prepared
}

func (h *notificationHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(w, r, http.StatusMethodNotAllowed, ams.CodeMethodNotSupported, "use POST",
			fmt.Errorf("client: notification with method %s", r.Method))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.refuse(w, r, http.StatusRequestEntityTooLarge, ams.CodeParamIllegal, "body too large",
				fmt.Errorf("client: notification body exceeds %d bytes", h.cfg.MaxBodyBytes))
			return
		}
		h.refuse(w, r, http.StatusBadRequest, ams.CodeParamIllegal, "cannot read body",
			fmt.Errorf("client: reading notification: %w", err))
		return
	}
	if err := verifyNotification(h.keys, r, body, h.cfg.Path); err != nil {
		h.refuse(w, r, http.StatusUnauthorized, ams.CodeInvalidSignature, "signature invalid", err)
		return
	}
	clientID := r.Header.Get(ams.HeaderClientID)
	if h.cfg.ClientID != "" && clientID != h.cfg.ClientID {
		h.refuse(w, r, http.StatusForbidden, ams.CodeClientInvalid, "unexpected Client-Id",
			fmt.Errorf("client: notification for client id %q, want %q", clientID, h.cfg.ClientID))
		return
	}
	n, err := ParseNotification(body)
	if err != nil {
		h.refuse(w, r, http.StatusBadRequest, ams.CodeParamIllegal, "malformed notification", err)
		return
	}
	n.ClientID = clientID
	n.RequestTime = r.Header.Get(ams.HeaderRequestTime)
	if err := h.cfg.Handle(r.Context(), n); err != nil {
		h.refuse(w, r, http.StatusInternalServerError, ams.CodeProcessFail, "not processed",
			fmt.Errorf("client: %s notification not processed: %w", n.Type, err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, ams.AckBody)
}

// refuse answers with a result that is not an acknowledgement. The merchant's own error
// stays out of the body; OnError gets it.
func (h *notificationHandler) refuse(w http.ResponseWriter, r *http.Request, status int, code, msg string, err error) {
	if h.cfg.OnError != nil {
		h.cfg.OnError(r, err)
	}
	b, _ := json.Marshal(ams.ErrorResponse{Result: ams.Result{ResultCode: code, ResultStatus: ams.StatusFail, ResultMessage: msg}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}
