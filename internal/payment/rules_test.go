package payment

import (
	"testing"
	"time"
)

var (
	paidAt = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	usd100 = Amount{Currency: "USD", Value: 100}
)

// authorized is a USD 1.00 payment authorized at paidAt and not captured.
func authorized() *Payment {
	return &Payment{Status: Success, Amount: usd100, CaptureState: CaptureNone, PaidAt: paidAt}
}

func code(err *Error) string {
	if err == nil {
		return ""
	}
	return err.Code
}

func TestCheckCapture(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*Payment)
		amount Amount
		at     time.Time
		want   string
	}{
		{"full amount within the window", nil, usd100, paidAt.Add(time.Hour), ""},
		{"on the last moment of the window", nil, usd100, paidAt.Add(AuthWindow - time.Nanosecond), ""},
		{"at the end of the window", nil, usd100, paidAt.Add(AuthWindow), CodeAuthExpired},
		{"released at 7 days", func(p *Payment) { p.Status, p.CancelReason = Cancelled, CancelReleased }, usd100, paidAt, CodeAuthExpired},
		{"cancelled by the merchant", func(p *Payment) { p.Status, p.CancelReason = Cancelled, CancelByMerchant }, usd100, paidAt, CodeOrderIsCanceled},
		{"failed", func(p *Payment) { p.Status = Fail }, usd100, paidAt, CodeOrderStatusInvalid},
		{"not authorized yet", func(p *Payment) { p.Status = Processing }, usd100, paidAt, CodeOrderStatusInvalid},
		{"captured already", func(p *Payment) { p.CaptureState = CaptureCaptured }, usd100, paidAt, CodeMultiCaptureNotSupported},
		{"capture in flight", func(p *Payment) { p.CaptureState = CaptureCapturing }, usd100, paidAt, CodeMultiCaptureNotSupported},
		{"other currency", nil, Amount{Currency: "EUR", Value: 100}, paidAt, CodeCurrencyNotSupport},
		{"more than authorized", nil, Amount{Currency: "USD", Value: 101}, paidAt, CodeCaptureAmountExceedAuthLimit},
		{"partial", nil, Amount{Currency: "USD", Value: 99}, paidAt, CodeParamIllegal},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := authorized()
			if c.change != nil {
				c.change(p)
			}
			if got := code(p.CheckCapture(c.amount, c.at)); got != c.want {
				t.Fatalf("CheckCapture = %q, want %q", got, c.want)
			}
		})
	}
}

func TestCheckCancel(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*Payment)
		at     time.Time
		done   bool
		want   string
	}{
		{"authorized", nil, paidAt.Add(time.Hour), false, ""},
		{"processing", func(p *Payment) { p.Status = Processing }, paidAt, false, ""},
		{"cancelled already", func(p *Payment) { p.Status = Cancelled }, paidAt, true, ""},
		{"failed", func(p *Payment) { p.Status = Fail }, paidAt, true, ""},
		{"captured", func(p *Payment) { p.CaptureState = CaptureCaptured }, paidAt, false, CodeOrderStatusInvalid},
		{"refunded", func(p *Payment) { p.CaptureState, p.RefundedValue = CaptureCaptured, 10 }, paidAt, false, CodeProcessFail},
		{"after the window", nil, paidAt.Add(AuthWindow), false, CodeCancelWindowExceed},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := authorized()
			if c.change != nil {
				c.change(p)
			}
			done, err := p.CheckCancel(c.at)
			if done != c.done || code(err) != c.want {
				t.Fatalf("CheckCancel = %v, %q; want %v, %q", done, code(err), c.done, c.want)
			}
		})
	}
}

func TestCheckRefund(t *testing.T) {
	captured := func(p *Payment) { p.CaptureState, p.CapturedValue = CaptureCaptured, 100 }
	for _, c := range []struct {
		name   string
		change func(*Payment)
		amount Amount
		at     time.Time
		want   string
	}{
		{"part of a captured payment", captured, Amount{Currency: "USD", Value: 40}, paidAt.Add(time.Hour), ""},
		{"all of it", captured, usd100, paidAt, ""},
		{"the rest after a refund", func(p *Payment) { captured(p); p.RefundedValue = 60 }, Amount{Currency: "USD", Value: 40}, paidAt, ""},
		{"more than the rest", func(p *Payment) { captured(p); p.RefundedValue = 60 }, Amount{Currency: "USD", Value: 41}, paidAt, CodeRefundAmountExceed},
		{"processing", func(p *Payment) { p.Status = Processing }, usd100, paidAt, CodePaymentInProcess},
		{"failed", func(p *Payment) { p.Status = Fail }, usd100, paidAt, CodeOrderStatusInvalid},
		{"cancelled", func(p *Payment) { p.Status = Cancelled }, usd100, paidAt, CodeOrderStatusInvalid},
		{"not captured", nil, usd100, paidAt, CodeOrderStatusInvalid},
		{"other currency", captured, Amount{Currency: "EUR", Value: 1}, paidAt, CodeCurrencyNotSupport},
		{"on the last day", captured, usd100, paidAt.Add(RefundWindow - time.Nanosecond), ""},
		{"after 365 days", captured, usd100, paidAt.Add(RefundWindow), CodeRefundWindowExceed},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := authorized()
			if c.change != nil {
				c.change(p)
			}
			if got := code(p.CheckRefund(c.amount, c.at)); got != c.want {
				t.Fatalf("CheckRefund = %q, want %q", got, c.want)
			}
		})
	}
}

// TestBeginAuthorization: each authorization gets a reference of its own, and the sweeper
// leaves it to its request until the lease runs out.
func TestBeginAuthorization(t *testing.T) {
	p := Payment{ID: "p1", Status: Processing, Stage: StageAwaitingCard, ExpiresAt: paidAt.Add(time.Second)}
	p.BeginAuthorization(paidAt, 30*time.Second)
	first := p.AuthRef()
	if p.Stage != StageAuthorizing || !p.UpdatedAt.Equal(paidAt) || !p.NextActionAt.Equal(paidAt.Add(30*time.Second)) || first != "p1-1" {
		t.Fatalf("after BeginAuthorization: %s %v %v %s", p.Stage, p.UpdatedAt, p.NextActionAt, first)
	}
	p.BeginAuthorization(paidAt, 30*time.Second)
	if p.AuthRef() == first {
		t.Fatalf("a second authorization reuses the reference %s", first)
	}
}

func TestSchedule(t *testing.T) {
	expires := paidAt.Add(DefaultExpiry)
	for _, c := range []struct {
		name  string
		p     Payment
		retry time.Time
		want  time.Time
	}{
		{"awaiting the buyer: at expiry", Payment{Status: Processing, Stage: StageAwaitingCard, ExpiresAt: expires}, time.Time{}, expires},
		{"issuer silent: the retry", Payment{Status: Processing, Stage: StageIssuerPending, ExpiresAt: expires}, paidAt.Add(time.Minute), paidAt.Add(time.Minute)},
		{"issuer silent past expiry: the expiry", Payment{Status: Processing, Stage: StageIssuerPending, ExpiresAt: expires}, expires.Add(time.Minute), expires},
		{"in flight at the issuer: the lease, even past expiry", Payment{Status: Processing, Stage: StageAuthorizing, ExpiresAt: expires}, expires.Add(time.Minute), expires.Add(time.Minute)},
		{"authorized, not captured: the 7-day release", Payment{Status: Success, CaptureState: CaptureNone, PaidAt: paidAt}, time.Time{}, paidAt.Add(AuthWindow)},
		{"capture in flight: a minute after the last change", Payment{Status: Success, CaptureState: CaptureCapturing, UpdatedAt: paidAt}, time.Time{}, paidAt.Add(time.Minute)},
		{"captured: nothing", Payment{Status: Success, CaptureState: CaptureCaptured}, time.Time{}, time.Time{}},
		{"failed: nothing", Payment{Status: Fail, ExpiresAt: expires}, time.Time{}, time.Time{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			p.NextActionAt = paidAt.Add(-time.Hour) // whatever was there is replaced
			p.Schedule(c.retry)
			if !p.NextActionAt.Equal(c.want) {
				t.Fatalf("NextActionAt = %v, want %v", p.NextActionAt, c.want)
			}
		})
	}
}
