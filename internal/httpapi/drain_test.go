package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/antom"
	"github.com/cashierpay/cashier/internal/payment"
)

// countingBody counts what the server reads of a request body.
type countingBody struct {
	r    io.Reader
	read int
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += n
	return n, err
}

func (b *countingBody) Close() error { return nil }

// TestBodyReadBeforeAnswer: answers given before the body matters (an unknown API, a GET,
// a body over the limit) still read the body first. Over HTTP/2, curl under the PHP SDK
// fails, now and then, a stream answered while its body is unread.
func TestBodyReadBeforeAnswer(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pay := func(context.Context, *payment.Merchant, []byte) (any, error) { return nil, nil }
	h := New(Config{Signer: ams.RSASigner{Key: key}, MaxBodyBytes: 1024, APIs: map[string]antom.Endpoint{ams.APIPay: pay}}).Handler()
	for _, c := range []struct{ method, path, code string }{
		{"POST", "/ams/api/v1/payments/retrievePaymentSession", "NO_INTERFACE_DEF"},
		{"POST", "/ams/sandbox/api//v1/payments/retrievePaymentSession", "NO_INTERFACE_DEF"},
		{"GET", "/ams/api/v1/payments/pay", "METHOD_NOT_SUPPORTED"},
		{"POST", "/ams/api/v1/payments/pay", "PARAM_ILLEGAL"}, // 8 KiB over a 1 KiB limit
	} {
		body := &countingBody{r: strings.NewReader(strings.Repeat("x", 8<<10))}
		r := httptest.NewRequest(c.method, c.path, nil)
		r.Body = body
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if !strings.Contains(w.Body.String(), c.code) {
			t.Fatalf("%s %s: %s, want %s", c.method, c.path, w.Body, c.code)
		}
		if body.read != 8<<10 {
			t.Errorf("%s %s: answered after reading %d of %d bytes", c.method, c.path, body.read, 8<<10)
		}
	}
}
