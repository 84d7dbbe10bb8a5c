package sweep_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/antom"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/datadir"
	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/merchantapi"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/sandbox"
	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/store/sqlite"
	"github.com/cashierpay/cashier/internal/sweep"
	"github.com/cashierpay/cashier/internal/vault"
)

// silentIssuer is the sandbox issuer, except that it gives no answer to the next
// silentAuths authorizations (which never reach it), silentCaptures captures and
// silentRefunds refunds, as a real acquirer may time out; it notes the references voided.
type silentIssuer struct {
	*sandbox.Issuer
	silentAuths, silentCaptures, silentRefunds atomic.Int32

	mu     sync.Mutex
	voided []string
}

func (s *silentIssuer) Authorize(ctx context.Context, req issuer.AuthRequest) (issuer.AuthResult, error) {
	if s.silentAuths.Add(-1) >= 0 {
		return issuer.AuthResult{}, errTimeout
	}
	return s.Issuer.Authorize(ctx, req)
}

func (s *silentIssuer) Void(ctx context.Context, ref string) (issuer.OpResult, error) {
	s.mu.Lock()
	s.voided = append(s.voided, ref)
	s.mu.Unlock()
	return s.Issuer.Void(ctx, ref)
}

func (s *silentIssuer) voids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.voided...)
}

var errTimeout = errors.New("issuer timed out")

func (s *silentIssuer) Capture(ctx context.Context, ref, currency string, amount int64) (issuer.OpResult, error) {
	if s.silentCaptures.Add(-1) >= 0 {
		return issuer.OpResult{}, errTimeout
	}
	return s.Issuer.Capture(ctx, ref, currency, amount)
}

func (s *silentIssuer) Refund(ctx context.Context, ref, currency string, amount int64) (issuer.OpResult, error) {
	if s.silentRefunds.Add(-1) >= 0 {
		return issuer.OpResult{}, errTimeout
	}
	return s.Issuer.Refund(ctx, ref, currency, amount)
}

type fixture struct {
	g    *merchantapi.API
	core *gateway.Core
	sw   *sweep.Sweeper
	st   store.Store
	clk  *clock.Test
	iss  *silentIssuer
	m    *payment.Merchant
	// hold, when set, is where the next authorization the issuer answers waits, unrecorded,
	// as if its request had died there; held says it arrived.
	hold atomic.Pointer[chan struct{}]
	held chan struct{}
}

func newFixture(t *testing.T) *fixture {
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "cashier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	kr, err := vault.LoadOrCreate(dir, datadir.Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewStopped(time.Now().UTC().Truncate(time.Second))
	m := &payment.Merchant{ID: "M1", ClientID: "M1", Name: "Shop", CreatedAt: clk.Now()}
	if err := st.MerchantInsert(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	iss := &silentIssuer{Issuer: sandbox.NewIssuer(clk, st)}
	f := &fixture{st: st, clk: clk, iss: iss, m: m, held: make(chan struct{}, 1)}
	f.core = gateway.New(gateway.Config{Store: st, Issuer: iss, Bodies: antom.Bodies{}, Vault: kr, Clock: clk, PublicURL: "http://cashier.test",
		AfterIssuerAuthorize: func() {
			if release := f.hold.Swap(nil); release != nil {
				f.held <- struct{}{}
				<-*release
			}
		}})
	f.g, f.sw = merchantapi.New(f.core), sweep.New(f.core, clk, nil)
	return f
}

var usd1000 = payment.Amount{Currency: "USD", Value: 1000}

func (f *fixture) pay(t *testing.T, id, captureMode string) *payment.Payment {
	t.Helper()
	p, err := f.g.Pay(context.Background(), f.m, &merchantapi.PayCommand{
		RequestID: id, Amount: usd1000, CaptureMode: captureMode, RedirectURL: "https://shop.test/r",
		Order: payment.Order{ReferenceOrderID: "o-" + id, Description: "mug", TerminalType: "WEB"},
		Card:  &merchantapi.CardData{Number: "4054695723100768", CVV: "123", ExpiryMonth: "12", ExpiryYear: "30"},
		CVV:   "123",
	})
	if err != nil || p.Status != payment.Success {
		t.Fatalf("pay: %+v %v", p, err)
	}
	return p
}

func (f *fixture) payment(t *testing.T, id string) *payment.Payment {
	t.Helper()
	p, err := f.st.PaymentGet(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) captureNotified(t *testing.T, paymentID string) bool {
	ns, _ := f.st.NotificationListByPayment(context.Background(), paymentID)
	for _, n := range ns {
		if n.Kind == payment.NotifyCapture {
			return true
		}
	}
	return false
}

// TestSilentIssuerCapture: a capture the issuer does not answer stays processing (U), is
// asked again by the sweeper, and is notified once final; for manual and automatic capture.
func TestSilentIssuerCapture(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	m := f.pay(t, "manual", payment.CaptureManual)
	f.iss.silentCaptures.Store(1)
	capture := merchantapi.CaptureCommand{RequestID: "cap-1", PaymentID: m.ID, Amount: usd1000}
	c, err := f.g.Capture(ctx, f.m, capture)
	if code, _ := c.Outcome(); err != nil || code != payment.CodeCaptureInProcess {
		t.Fatalf("silent capture: %+v %v", c, err)
	}
	if again, _ := f.g.Capture(ctx, f.m, capture); again.Status != payment.Processing {
		t.Fatalf("repeat while in process: %+v", again)
	}
	if p := f.payment(t, m.ID); p.CaptureState != payment.CaptureCapturing || f.captureNotified(t, m.ID) {
		t.Fatalf("after silence: %s, notified %v", p.CaptureState, f.captureNotified(t, m.ID))
	}

	f.iss.silentCaptures.Store(1)
	a := f.pay(t, "auto", payment.CaptureAutomatic)
	if p := f.payment(t, a.ID); p.Status != payment.Success || p.CaptureState != payment.CaptureCapturing {
		t.Fatalf("automatic capture unanswered: %s %s", p.Status, p.CaptureState)
	}

	f.clk.Advance(61 * time.Second)
	if _, err := f.sw.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{m.ID, a.ID} {
		p := f.payment(t, id)
		if p.CaptureState != payment.CaptureCaptured || p.CapturedValue != 1000 || !f.captureNotified(t, id) {
			t.Fatalf("after the sweeper: %s %d notified %v", p.CaptureState, p.CapturedValue, f.captureNotified(t, id))
		}
	}
}

// TestSilentIssuerRefund: an unanswered refund stays processing with its amount reserved; the
// merchant's retry with the same refundRequestId, or else the sweeper, asks again.
func TestSilentIssuerRefund(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.pay(t, "p", payment.CaptureAutomatic)
	// refund answers the result code a merchant would read.
	refund := func(id string) string {
		r, err := f.g.Refund(ctx, f.m, merchantapi.RefundCommand{RequestID: id, PaymentID: p.ID, Amount: payment.Amount{Currency: "USD", Value: 600}})
		var pe *payment.Error
		if errors.As(err, &pe) {
			return pe.Code
		}
		if err != nil {
			t.Fatal(err)
		}
		code, _ := r.Outcome()
		return code
	}
	f.iss.silentRefunds.Store(2)
	if r := refund("r1"); r != payment.CodeRefundInProcess {
		t.Fatalf("silent refund: %s", r)
	}
	// The amount stays reserved: a second refund cannot take it.
	if r := refund("r2"); r != payment.CodeRefundAmountExceed {
		t.Fatalf("second refund while the first is unanswered: %s", r)
	}
	// A retry right away does not ask again; one after the issuer timeout does (and the
	// issuer is silent once more).
	if r := refund("r1"); r != payment.CodeRefundInProcess || f.iss.silentRefunds.Load() != 1 {
		t.Fatalf("early retry: %s, silent left %d", r, f.iss.silentRefunds.Load())
	}
	f.clk.Advance(21 * time.Second)
	if r := refund("r1"); r != payment.CodeRefundInProcess || f.iss.silentRefunds.Load() != 0 {
		t.Fatalf("retry after the timeout: %s, silent left %d", r, f.iss.silentRefunds.Load())
	}
	// Now the sweeper finishes it a minute later, without the merchant.
	f.clk.Advance(2 * time.Minute)
	if _, err := f.sw.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := f.g.InquiryRefund(ctx, f.m, merchantapi.Lookup{RequestID: "r1"})
	if err != nil || got.Status != payment.Success || got.CompletedAt.IsZero() {
		t.Fatalf("after the sweeper: %+v %v", got, err)
	}
	ns, _ := f.st.NotificationListByPayment(ctx, p.ID)
	refunds := 0
	for _, n := range ns {
		if n.Kind == payment.NotifyRefund {
			refunds++
		}
	}
	if refunds != 1 {
		t.Fatalf("%d refund notifications, want 1", refunds)
	}
}
