package client_test

import (
	"context"
	"crypto/rsa"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
)

// TestGatewayKeyRotation: a client given the gateway's keys by version verifies each
// response with the key its Signature names, old and new alike; a signature naming a
// version by another key, or a version it was not given and no default key, is refused.
func TestGatewayKeyRotation(t *testing.T) {
	g := newGateway(t)
	oldKey, newKey := gatewayKey, strangerKey // the gateway's key 1 and the key 2 it rotates to
	both := func(c *client.Config) {
		c.GatewayPublicKey = ""
		c.GatewayPublicKeys = map[string]string{"1": ams.EncodePublicKey(&oldKey.PublicKey), "2": ams.EncodePublicKey(&newKey.PublicKey)}
	}
	c := newClient(t, g, "M", both)
	call := func(c *client.Client) error {
		var resp ams.PayResponse
		return c.Call(context.Background(), "pay", &ams.PayRequest{}, &resp)
	}
	for _, tc := range []struct {
		key     *rsa.PrivateKey
		version string
		ok      bool
	}{
		{oldKey, "1", true},
		{newKey, "2", true},
		{newKey, "1", false},
		{oldKey, "2", false},
		{newKey, "3", false},
	} {
		g.signWith, g.keyVersion = tc.key, tc.version
		err := call(c)
		var se *client.SignatureError
		if tc.ok && err != nil || !tc.ok && !errors.As(err, &se) {
			t.Errorf("response signed by key %v naming keyVersion %s: %v", tc.key == newKey, tc.version, err)
		}
	}

	// With the default key as well, a version not listed falls back to it: a merchant that
	// adds the new key to its old configuration keeps working.
	fallback := newClient(t, g, "M", func(c *client.Config) {
		c.GatewayPublicKeys = map[string]string{"2": ams.EncodePublicKey(&newKey.PublicKey)}
	})
	for _, tc := range []struct {
		key     *rsa.PrivateKey
		version string
	}{{oldKey, "1"}, {oldKey, ""}, {newKey, "2"}} {
		g.signWith, g.keyVersion = tc.key, tc.version
		if err := call(fallback); err != nil {
			t.Errorf("client with a default key and key 2: response naming %q: %v", tc.version, err)
		}
	}
	if got := fallback.GatewayPublicKeys(); len(got) != 1 || !got["2"].Equal(&newKey.PublicKey) || !fallback.GatewayPublicKey().Equal(&oldKey.PublicKey) {
		t.Errorf("GatewayPublicKeys = %v, GatewayPublicKey = %v", got, fallback.GatewayPublicKey())
	}
}

// TestMerchantKeyVersion: the client names the merchant's key version it signs with in
// the Signature header and in Key-Version, "1" unless configured.
func TestMerchantKeyVersion(t *testing.T) {
	g := newGateway(t)
	for _, tc := range []struct{ configured, want string }{{"", "1"}, {"2", "2"}} {
		c := newClient(t, g, "M", func(c *client.Config) { c.KeyVersion = tc.configured })
		if err := c.Call(context.Background(), "pay", &ams.PayRequest{}, nil); err != nil {
			t.Fatal(err)
		}
		s := g.last(t)
		h, err := ams.ParseSignatureHeader(s.Header.Get("Signature"))
		if err != nil || h.KeyVersion != tc.want || s.Header.Get("Key-Version") != tc.want || !s.VerifyOK {
			t.Errorf("KeyVersion %q: Signature %q, Key-Version %q, verified %v; want %s", tc.configured, s.Header.Get("Signature"), s.Header.Get("Key-Version"), s.VerifyOK, tc.want)
		}
	}
}

// TestNotificationKeyRotation: the notification handler verifies by the keyVersion the
// Signature names, with the keys by version it was given.
func TestNotificationKeyRotation(t *testing.T) {
	keys(t)
	rc := &recorder{}
	h := client.NotificationHandler(client.HandlerConfig{
		GatewayPublicKeys: map[string]*rsa.PublicKey{"1": &gatewayKey.PublicKey, "2": &strangerKey.PublicKey},
		Handle:            rc.handle,
	})
	const url = "https://merchant.example/antom/notify"
	for _, tc := range []struct {
		key     *rsa.PrivateKey
		version string
		want    int
	}{
		{gatewayKey, "1", http.StatusOK},
		{strangerKey, "2", http.StatusOK},
		{strangerKey, "1", http.StatusUnauthorized},
		{gatewayKey, "3", http.StatusUnauthorized},
	} {
		w := serve(h, versionedNotification(t, tc.key, tc.version, url, "", paymentNotifyBody))
		if w.Code != tc.want {
			t.Errorf("notification naming keyVersion %s: HTTP %d, want %d", tc.version, w.Code, tc.want)
		}
	}
}

// countingVerifiers is a Config.NewVerifier that prepares crypto/rsa's verifier and counts
// the keys it prepared and the signatures its verifiers checked.
type countingVerifiers struct {
	prepared, verified atomic.Int64
}

func (cv *countingVerifiers) new(pub *rsa.PublicKey) (ams.Verifier, error) {
	cv.prepared.Add(1)
	return countingVerifier{cv, ams.RSAVerifier{Key: pub}}, nil
}

type countingVerifier struct {
	cv *countingVerifiers
	ams.RSAVerifier
}

func (v countingVerifier) Verify(content, sig []byte) error {
	v.cv.verified.Add(1)
	return v.RSAVerifier.Verify(content, sig)
}

// TestNewVerifier: the client prepares each gateway key once, in New, with
// Config.NewVerifier, and verifies the responses and the notifications with what it
// prepared; a NotificationHandler of its own prepares its keys with HandlerConfig's.
func TestNewVerifier(t *testing.T) {
	g := newGateway(t)
	var cv countingVerifiers
	c := newClient(t, g, "M", func(c *client.Config) {
		c.GatewayPublicKeys = map[string]string{"2": ams.EncodePublicKey(&strangerKey.PublicKey)}
		c.NewVerifier = cv.new
	})
	if got := cv.prepared.Load(); got != 2 {
		t.Fatalf("New prepared %d keys, want 2", got)
	}
	for range 3 {
		if err := c.Call(context.Background(), "pay", &ams.PayRequest{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	const url = "https://merchant.example/antom/notify"
	rc := &recorder{}
	assertAck(t, serve(c.NotificationHandler(rc.handle), notification(t, gatewayKey, url, "", paymentNotifyBody)))
	if err := c.VerifyNotification(notification(t, strangerKey, url, "", paymentNotifyBody), []byte(paymentNotifyBody)); err == nil {
		t.Error("a notification signed by key 2 naming keyVersion 1 verified")
	}
	if p, v := cv.prepared.Load(), cv.verified.Load(); p != 2 || v != 5 {
		t.Errorf("after 3 responses and 2 notifications: %d keys prepared, %d signatures verified; want 2 and 5", p, v)
	}

	var hv countingVerifiers
	h := client.NotificationHandler(client.HandlerConfig{GatewayPublicKey: &gatewayKey.PublicKey, NewVerifier: hv.new, Handle: rc.handle})
	for range 2 {
		assertAck(t, serve(h, notification(t, gatewayKey, url, "", paymentNotifyBody)))
	}
	if p, v := hv.prepared.Load(), hv.verified.Load(); p != 1 || v != 2 {
		t.Errorf("NotificationHandler: %d keys prepared, %d signatures verified; want 1 and 2", p, v)
	}

	refuse := func(*rsa.PublicKey) (ams.Verifier, error) { return nil, errors.New("no") }
	if _, err := client.New(client.Config{BaseURL: g.srv.URL, ClientID: "M", MerchantPrivateKey: ams.EncodePrivateKey(merchantKey),
		GatewayPublicKey: ams.EncodePublicKey(&gatewayKey.PublicKey), NewVerifier: refuse}); err == nil {
		t.Error("New accepted a key its NewVerifier refused")
	}
}
