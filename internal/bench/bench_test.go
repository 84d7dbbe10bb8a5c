package bench

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
)

// TestRunChecksAnswersAfterTheWindow: against a gateway whose answers are, by the pay's
// number, a success, a refusal, a bad signature, a signed body without a result, or no
// answer at all, the report counts each under its code and fails all but the successes;
// and no answer is verified before the last one has arrived.
func TestRunChecksAnswersAfterTheWindow(t *testing.T) {
	t.Parallel()
	merchantKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	gatewayKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	const clientID = "bench-test"
	var mu sync.Mutex
	var lastAnswer, firstVerify time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct {
			PaymentRequestID string `json:"paymentRequestId"`
		}
		json.Unmarshal(body, &req)
		n, _ := strconv.Atoi(req.PaymentRequestID[strings.LastIndexByte(req.PaymentRequestID, '-')+1:])
		answer := `{"result":{"resultStatus":"S","resultCode":"SUCCESS","resultMessage":"success."},"paymentId":"p"}`
		key := gatewayKey
		switch n % 5 {
		case 1:
			answer = `{"result":{"resultStatus":"F","resultCode":"CARD_NOT_SUPPORTED","resultMessage":"no."}}`
		case 2:
			key = merchantKey // signed, but not by the gateway
		case 3:
			answer = `{"paymentId":"p"}`
		case 4:
			panic(http.ErrAbortHandler) // the connection is closed without an answer
		}
		now := time.Now()
		sig, err := ams.SignHeader(ams.RSASigner{Key: key}, "", http.MethodPost, r.URL.Path, clientID, ams.FormatTime(now), []byte(answer))
		if err != nil {
			t.Error(err)
		}
		w.Header().Set(ams.HeaderClientID, clientID)
		w.Header().Set(ams.HeaderResponseTime, ams.FormatTime(now))
		w.Header().Set(ams.HeaderSignature, sig)
		mu.Lock()
		lastAnswer = time.Now()
		mu.Unlock()
		io.WriteString(w, answer)
	}))
	defer srv.Close()
	c, err := client.New(client.Config{
		BaseURL: srv.URL, ClientID: clientID, MerchantPrivateKey: ams.EncodePrivateKey(merchantKey),
		GatewayPublicKey: ams.EncodePublicKey(&gatewayKey.PublicKey),
		NewVerifier: func(pub *rsa.PublicKey) (ams.Verifier, error) {
			return verifierFunc(func(content, sig []byte) error {
				mu.Lock()
				if firstVerify.IsZero() {
					firstVerify = time.Now()
				}
				mu.Unlock()
				return ams.Verify(pub, content, sig)
			}), nil
		},
		HTTPClient: &http.Client{Transport: &Transport{MaxIdle: 4}},
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), Config{Client: c, Scenario: ScenarioPay, Load: Load{Ops: 50, Concurrency: 4}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"SUCCESS": 10, "CARD_NOT_SUPPORTED": 10, codeSignature: 10, codeMalformed: 10, codeTransport: 10}
	if got := rep.APIs[ams.APIPay].Codes; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("result codes %v, want %v", got, want)
	}
	if rep.Operations != 50 || rep.Failed != 40 || rep.SignatureFailures != 10 || rep.APIs[ams.APIPay].Calls != 50 {
		t.Errorf("report %+v", rep)
	}
	if firstVerify.Before(lastAnswer) {
		t.Errorf("an answer was verified at %v, before the last answer came at %v", firstVerify, lastAnswer)
	}
}

type verifierFunc func(content, sig []byte) error

func (f verifierFunc) Verify(content, sig []byte) error { return f(content, sig) }
