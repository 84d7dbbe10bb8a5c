package e2e

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
)

// TestWireAuthentication checks the signature rules on raw HTTP, and that every answer,
// errors included, is signed so that the official SDKs can read it.
func TestWireAuthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := "/ams/sandbox/api/v1/payments/inquiryPayment"
	body := []byte(`{"paymentRequestId":"nothing-here"}`)
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)

	type tc struct {
		name   string
		method string
		path   string
		header func() http.Header
		body   []byte
		code   string
	}
	cases := []tc{
		{"valid", "POST", path, func() http.Header { return e.signedHeaders(path, now, body) }, body, "ORDER_NOT_EXIST"},
		{"production path", "POST", "/ams/api/v1/payments/inquiryPayment", func() http.Header {
			return e.signedHeaders("/ams/api/v1/payments/inquiryPayment", now, body)
		}, body, "ORDER_NOT_EXIST"},
		{"nanosecond request time", "POST", path, func() http.Header {
			ns := strconv.FormatInt(time.Now().UnixNano(), 10)
			return e.signedHeaders(path, ns, body)
		}, body, "ORDER_NOT_EXIST"},
		{"unknown client", "POST", path, func() http.Header {
			h := e.signedHeaders(path, now, body)
			h.Set("Client-Id", "SANDBOX_NOBODY")
			return h
		}, body, "CLIENT_INVALID"},
		{"missing client", "POST", path, func() http.Header {
			h := e.signedHeaders(path, now, body)
			h.Del("Client-Id")
			return h
		}, body, "CLIENT_INVALID"},
		{"missing signature", "POST", path, func() http.Header {
			h := e.signedHeaders(path, now, body)
			h.Del("Signature")
			return h
		}, body, "INVALID_SIGNATURE"},
		{"garbage signature", "POST", path, func() http.Header {
			h := e.signedHeaders(path, now, body)
			h.Set("Signature", "algorithm=RSA256,keyVersion=1,signature=%%%")
			return h
		}, body, "INVALID_SIGNATURE"},
		{"tampered body", "POST", path, func() http.Header { return e.signedHeaders(path, now, body) },
			[]byte(`{"paymentRequestId":"nothing-her3"}`), "INVALID_SIGNATURE"},
		{"signed other time", "POST", path, func() http.Header {
			h := e.signedHeaders(path, now, body)
			h.Set("Request-Time", now+"1")
			return h
		}, body, "INVALID_SIGNATURE"},
		{"missing request time", "POST", path, func() http.Header {
			h := e.signedHeaders(path, now, body)
			h.Del("Request-Time")
			return h
		}, body, "PARAM_ILLEGAL"},
		{"GET", "GET", path, func() http.Header { return e.signedHeaders(path, now, body) }, nil, "METHOD_NOT_SUPPORTED"},
		{"unknown api", "POST", "/ams/sandbox/api/v1/payments/teleport", func() http.Header {
			return e.signedHeaders("/ams/sandbox/api/v1/payments/teleport", now, body)
		}, body, "NO_INTERFACE_DEF"},
		{"vault api, its body checked", "POST", "/ams/api/v1/vaults/vaultPaymentMethod", func() http.Header {
			return e.signedHeaders("/ams/api/v1/vaults/vaultPaymentMethod", now, body)
		}, body, "PARAM_ILLEGAL"},
		{"vault api under payments", "POST", "/ams/api/v1/payments/vaultPaymentMethod", func() http.Header {
			return e.signedHeaders("/ams/api/v1/payments/vaultPaymentMethod", now, body)
		}, body, "NO_INTERFACE_DEF"},
		{"not json", "POST", path, func() http.Header { return e.signedHeaders(path, now, []byte("{oops")) }, []byte("{oops"), "PARAM_ILLEGAL"},
		{"empty body", "POST", path, func() http.Header { return e.signedHeaders(path, now, nil) }, nil, "PARAM_ILLEGAL"},
		{"wrong type", "POST", path, func() http.Header {
			return e.signedHeaders(path, now, []byte(`{"paymentId":12}`))
		}, []byte(`{"paymentId":12}`), "PARAM_ILLEGAL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, data := e.rawCall(c.method, c.path, c.body, c.header())
			if resp.StatusCode != 200 {
				t.Fatalf("HTTP %d", resp.StatusCode)
			}
			if err := e.verifyGatewaySignature(c.path, resp, data); err != nil {
				t.Fatalf("response not signed correctly: %v (Signature %q)", err, resp.Header.Get("Signature"))
			}
			sig := resp.Header.Get("Signature")
			if strings.Contains(sig, " ") || !strings.HasPrefix(sig, "algorithm=RSA256,keyVersion=1,signature=") {
				t.Fatalf("Signature header %q", sig)
			}
			if _, err := ams.ParseTime(resp.Header.Get("Response-Time")); err != nil {
				t.Fatalf("Response-Time %q: %v", resp.Header.Get("Response-Time"), err)
			}
			var r ams.ErrorResponse
			if err := json.Unmarshal(data, &r); err != nil {
				t.Fatal(err)
			}
			if r.Result.ResultCode != c.code {
				t.Fatalf("result %+v, want %s", r.Result, c.code)
			}
		})
	}
	t.Run("wrong type names field", func(t *testing.T) {
		b := []byte(`{"paymentId":12}`)
		_, data := e.rawCall("POST", path, b, e.signedHeaders(path, now, b))
		if !strings.Contains(string(data), "paymentId") {
			t.Fatalf("message does not name the field: %s", data)
		}
	})
	t.Run("double slash from a trailing-slash base URL", func(t *testing.T) {
		// Signed over /ams/..., sent to //ams/...; the answer is signed over the path sent.
		resp, data := e.rawCall("POST", "/"+path, body, e.signedHeaders(path, now, body))
		if err := e.verifyGatewaySignature("/"+path, resp, data); err != nil || !strings.Contains(string(data), "ORDER_NOT_EXIST") {
			t.Fatalf("//ams path: %v %s", err, data)
		}
	})
	t.Run("oversized body", func(t *testing.T) {
		big := []byte(`{"paymentId":"` + strings.Repeat("a", 2<<20) + `"}`)
		resp, data := e.rawCall("POST", path, big, e.signedHeaders(path, now, big))
		if err := e.verifyGatewaySignature(path, resp, data); err != nil || !strings.Contains(string(data), "PARAM_ILLEGAL") {
			t.Fatalf("oversized: %v %.200s", err, data)
		}
	})
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp, err := http.Get(e.baseURL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", err, resp)
	}
	resp.Body.Close()
}
