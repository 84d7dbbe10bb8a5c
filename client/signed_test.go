package client_test

import (
	"context"
	"testing"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
)

// recordingSigner signs with the merchant's key and counts its calls.
type recordingSigner struct{ n *int }

func (s recordingSigner) Sign(content []byte) ([]byte, error) {
	*s.n++
	return ams.RSASigner{Key: merchantKey}.Sign(content)
}

// TestSignThenPost: a request signed by Sign is posted later by Post with the headers and
// the time it was signed with, as many times as asked, and is signed by Config.Signer
// when one is given (with no private key).
func TestSignThenPost(t *testing.T) {
	g := newGateway(t)
	var signed int
	c := newClient(t, g, "MERCHANT_0001", func(cfg *client.Config) {
		cfg.MerchantPrivateKey, cfg.Signer = "", recordingSigner{&signed}
	})
	req, err := c.Sign("inquiryPayment", []byte(`{"paymentRequestId":"R-1"}`))
	if err != nil || signed != 1 || req.Path != "/ams/api/v1/payments/inquiryPayment" {
		t.Fatalf("Sign: %+v, %v, %d signatures", req, err, signed)
	}
	for range 2 {
		x, err := c.Post(context.Background(), req)
		if err != nil || string(x.RequestSigned) != string(req.Signed) {
			t.Fatalf("Post: %v", err)
		}
		// The fake gateway acknowledges with ams.AckBody: its result, decoded once for the
		// caller.
		if x.Result == nil || x.Result.ResultCode != "SUCCESS" || x.Result.ResultStatus != ams.StatusSuccess {
			t.Fatalf("Post: Exchange.Result = %+v, want the SUCCESS of the answer", x.Result)
		}
	}
	seen := g.requests()
	if signed != 1 || len(seen) != 2 || !seen[1].VerifyOK || seen[1].Header.Get("Request-Time") != req.RequestTime || seen[1].Header.Get("Signature") != req.Signature {
		t.Fatalf("%d signatures; the gateway saw %+v", signed, seen)
	}
}
