package gateway_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/sandbox"
	"github.com/cashierpay/cashier/internal/store/sqlite"
	"github.com/cashierpay/cashier/internal/vault"
)

// silentIssuer is the sandbox issuer, except that it gives no answer to the next
// silentCaptures captures and silentRefunds refunds, as a real acquirer may time out.
type silentIssuer struct {
	*sandbox.Issuer
	silentCaptures, silentRefunds atomic.Int32
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
	g   *gateway.Gateway
	st  *sqlite.DB
	clk *clock.Test
	iss *silentIssuer
	m   *payment.Merchant
}

func newFixture(t *testing.T) *fixture {
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "cashier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	kr, err := vault.LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewTest()
	m := &payment.Merchant{ID: "M1", ClientID: "M1", Name: "Shop", PublicKey: "unused", CreatedAt: clk.Now()}
	if err := st.MerchantInsert(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	iss := &silentIssuer{Issuer: sandbox.NewIssuer(clk)}
	g := gateway.New(gateway.Config{Store: st, Issuer: iss, Vault: kr, Clock: clk, PublicURL: "http://cashier.test", PageKey: []byte("k")})
	return &fixture{g: g, st: st, clk: clk, iss: iss, m: m}
}

func (f *fixture) pay(t *testing.T, id, captureMode string) *ams.PayResponse {
	t.Helper()
	resp, err := f.g.Pay(context.Background(), f.m, &ams.PayRequest{
		ProductCode: "CASHIER_PAYMENT", PaymentRequestID: id,
		Order:         &ams.Order{ReferenceOrderID: "o-" + id, OrderDescription: "mug"},
		PaymentAmount: &ams.Amount{Currency: "USD", Value: "1000"},
		PaymentMethod: &ams.PaymentMethod{PaymentMethodType: "CARD",
			PaymentMethodMetaData: []byte(`{"cardNo":"4054695723100768","cvv":"123","expiryMonth":"12","expiryYear":"30"}`)},
		PaymentRedirectURL: "https://shop.test/r", Env: &ams.Env{TerminalType: "WEB"},
		PaymentFactor: &ams.PaymentFactor{CaptureMode: captureMode},
	})
	if err != nil || resp.Result.ResultCode != "SUCCESS" {
		t.Fatalf("pay: %+v %v", resp, err)
	}
	return resp
}

func (f *fixture) payment(t *testing.T, id string) *payment.Payment {
	t.Helper()
	p, err := f.st.PaymentGet(context.Background(), f.m.ID, id)
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

	m := f.pay(t, "manual", ams.CaptureManual)
	f.iss.silentCaptures.Store(1)
	c, err := f.g.Capture(ctx, f.m, &ams.CaptureRequest{CaptureRequestID: "cap-1", PaymentID: m.PaymentID, CaptureAmount: &ams.Amount{Currency: "USD", Value: "1000"}})
	if err != nil || c.Result.ResultStatus != "U" || c.Result.ResultCode != "CAPTURE_IN_PROCESS" {
		t.Fatalf("silent capture: %+v %v", c, err)
	}
	if again, _ := f.g.Capture(ctx, f.m, &ams.CaptureRequest{CaptureRequestID: "cap-1", PaymentID: m.PaymentID, CaptureAmount: &ams.Amount{Currency: "USD", Value: "1000"}}); again.Result.ResultCode != "CAPTURE_IN_PROCESS" {
		t.Fatalf("repeat while in process: %+v", again.Result)
	}
	if p := f.payment(t, m.PaymentID); p.CaptureState != payment.CaptureCapturing || f.captureNotified(t, m.PaymentID) {
		t.Fatalf("after silence: %s, notified %v", p.CaptureState, f.captureNotified(t, m.PaymentID))
	}

	a := func() *ams.PayResponse {
		f.iss.silentCaptures.Store(1)
		return f.pay(t, "auto", ams.CaptureAutomatic)
	}()
	if p := f.payment(t, a.PaymentID); p.Status != payment.Success || p.CaptureState != payment.CaptureCapturing {
		t.Fatalf("automatic capture unanswered: %s %s", p.Status, p.CaptureState)
	}

	f.clk.Advance(61 * time.Second)
	if _, err := f.g.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{m.PaymentID, a.PaymentID} {
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
	p := f.pay(t, "p", "")
	refund := func(id string) *ams.RefundResponse {
		r, err := f.g.Refund(ctx, f.m, &ams.RefundRequest{RefundRequestID: id, PaymentID: p.PaymentID, RefundAmount: &ams.Amount{Currency: "USD", Value: "600"}})
		var pe *payment.Error
		if errors.As(err, &pe) {
			return &ams.RefundResponse{Result: ams.NewResult(pe.Code, pe.Message)}
		}
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	f.iss.silentRefunds.Store(2)
	if r := refund("r1"); r.Result.ResultCode != "REFUND_IN_PROCESS" || r.Result.ResultStatus != "U" {
		t.Fatalf("silent refund: %+v", r.Result)
	}
	// The amount stays reserved: a second refund cannot take it.
	if r := refund("r2"); r.Result.ResultCode != "REFUND_AMOUNT_EXCEED" {
		t.Fatalf("second refund while the first is unanswered: %+v", r.Result)
	}
	// A retry right away does not ask again; one after the issuer timeout does (and the
	// issuer is silent once more).
	if r := refund("r1"); r.Result.ResultCode != "REFUND_IN_PROCESS" || f.iss.silentRefunds.Load() != 1 {
		t.Fatalf("early retry: %+v, silent left %d", r.Result, f.iss.silentRefunds.Load())
	}
	f.clk.Advance(21 * time.Second)
	if r := refund("r1"); r.Result.ResultCode != "REFUND_IN_PROCESS" || f.iss.silentRefunds.Load() != 0 {
		t.Fatalf("retry after the timeout: %+v, silent left %d", r.Result, f.iss.silentRefunds.Load())
	}
	// Now the sweeper finishes it a minute later, without the merchant.
	f.clk.Advance(2 * time.Minute)
	if _, err := f.g.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := f.g.InquiryRefund(ctx, f.m, &ams.InquiryRefundRequest{RefundRequestID: "r1"})
	if err != nil || got.RefundStatus != "SUCCESS" || got.RefundTime == "" {
		t.Fatalf("after the sweeper: %+v %v", got, err)
	}
	ns, _ := f.st.NotificationListByPayment(ctx, p.PaymentID)
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
