package sweep_test

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/merchantapi"
	"github.com/cashierpay/cashier/internal/payment"
)

func payCommand(id, pan, captureMode string) *merchantapi.PayCommand {
	return &merchantapi.PayCommand{
		RequestID: id, Amount: usd1000, CaptureMode: captureMode, RedirectURL: "https://shop.test/r",
		Order: payment.Order{ReferenceOrderID: "o-" + id, Description: "mug", TerminalType: "WEB"},
		Card:  &merchantapi.CardData{Number: pan, CVV: "123", ExpiryMonth: "12", ExpiryYear: "30"},
		CVV:   "123",
	}
}

func (f *fixture) sweep(t *testing.T) {
	t.Helper()
	if _, err := f.sw.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) notifications(t *testing.T, paymentID string) map[string]int {
	t.Helper()
	ns, err := f.st.NotificationListByPayment(context.Background(), paymentID)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, n := range ns {
		kinds[n.Kind]++
	}
	return kinds
}

// TestStrandedAuthorization: the issuer answered, the request that asked never recorded it.
// Another node answers a retry PAYMENT_IN_PROCESS at once; nothing happens before the lease
// runs out; then the sweeper asks the issuer by the gateway's reference and records its answer
// as the request would have (captured when automatic, notified). When the request comes back
// to life after all, it records nothing more and voids nothing.
func TestStrandedAuthorization(t *testing.T) {
	for _, c := range []struct {
		name, pan, capture string
		status             payment.Status
		code               string
		captured           bool
	}{
		{"approved, automatic capture", "4054695723100768", payment.CaptureAutomatic, payment.Success, payment.CodeSuccess, true},
		{"approved, manual capture", "4054695723100768", payment.CaptureManual, payment.Success, payment.CodeSuccess, false},
		{"declined", "4054692760174822", payment.CaptureAutomatic, payment.Fail, "DO_NOT_HONOR", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			release := make(chan struct{})
			f.hold.Store(&release)
			cmd := payCommand("p", c.pan, c.capture)
			live := make(chan *payment.Payment)
			go func() {
				p, err := f.g.Pay(ctx, f.m, cmd)
				if err != nil {
					t.Error(err)
				}
				live <- p
			}()
			<-f.held

			elsewhere := merchantapi.New(f.core) // another node, or this one restarted
			dup, err := elsewhere.Pay(ctx, f.m, cmd)
			if err != nil || dup.Status != payment.Processing || dup.Stage != payment.StageAuthorizing {
				t.Fatalf("retry on another node: %+v %v", dup, err)
			}

			f.clk.Advance(gateway.DefaultAuthLease - time.Second)
			f.sweep(t)
			if p := f.payment(t, dup.ID); p.Status != payment.Processing || p.Stage != payment.StageAuthorizing {
				t.Fatalf("settled before the lease ran out: %s %s", p.Status, p.Stage)
			}
			f.clk.Advance(time.Second)
			f.sweep(t)
			settled := f.payment(t, dup.ID)
			if settled.Status != c.status || settled.ResultCode != c.code || (settled.CaptureState == payment.CaptureCaptured) != c.captured {
				t.Fatalf("after the sweeper: %s %s %s", settled.Status, settled.ResultCode, settled.CaptureState)
			}
			wantNotes := map[string]int{payment.NotifyPayment: 1}
			if c.captured {
				wantNotes[payment.NotifyCapture] = 1
			}
			if got := f.notifications(t, dup.ID); !maps.Equal(got, wantNotes) {
				t.Fatalf("notifications %v, want %v", got, wantNotes)
			}
			if again, err := elsewhere.Pay(ctx, f.m, cmd); err != nil || again.Status != c.status {
				t.Fatalf("retry after the sweeper: %+v %v", again, err)
			}

			close(release)
			if p := <-live; p.Status != c.status || p.Version != settled.Version {
				t.Fatalf("the late request answered %s at version %d, the sweeper recorded %s at %d", p.Status, p.Version, c.status, settled.Version)
			}
			if p := f.payment(t, dup.ID); p.Version != settled.Version {
				t.Fatalf("the late request wrote again: version %d, was %d", p.Version, settled.Version)
			}
			if got := f.notifications(t, dup.ID); !maps.Equal(got, wantNotes) {
				t.Fatalf("notifications after the late request %v, want %v", got, wantNotes)
			}
			if v := f.iss.voids(); len(v) != 0 {
				t.Fatalf("voided %v", v)
			}
		})
	}
}

// TestAuthorizationThatNeverArrived: the issuer never received the authorization (the
// request died before, or timed out on the way). The sweeper's inquiry finds nothing, so it
// cancels the reference at the issuer, which then refuses the authorization should it still
// arrive, and fails the payment with PROCESS_FAIL, notified.
func TestAuthorizationThatNeverArrived(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.iss.silentAuths.Store(1)
	p, err := f.g.Pay(ctx, f.m, payCommand("p", "4054695723100768", payment.CaptureAutomatic))
	if err != nil || p.Status != payment.Processing || p.Stage != payment.StageIssuerPending || p.IssuerRef != "" {
		t.Fatalf("pay with a silent issuer: %+v %v", p, err)
	}
	f.clk.Advance(30 * time.Second)
	f.sweep(t)
	p = f.payment(t, p.ID)
	if p.Status != payment.Fail || p.ResultCode != payment.CodeProcessFail {
		t.Fatalf("after the sweeper: %s %s", p.Status, p.ResultCode)
	}
	if got := f.notifications(t, p.ID); got[payment.NotifyPayment] != 1 {
		t.Fatalf("notifications %v", got)
	}
	if v := f.iss.voids(); !slices.Equal(v, []string{p.AuthRef()}) {
		t.Fatalf("voided %v, want the reference %s", v, p.AuthRef())
	}
	late, err := f.iss.Issuer.Authorize(ctx, issuer.AuthRequest{Reference: p.AuthRef(), Currency: "USD", Amount: 1000,
		Card: issuer.Card{Number: "4054695723100768", ExpiryMonth: "12", ExpiryYear: "30", CVV: "123"}})
	if err != nil || late.Outcome != issuer.Declined {
		t.Fatalf("an authorization arriving after the cancel: %+v %v", late, err)
	}
}

// TestUndecidedAtExpiry: an authorization the issuer still has not decided when the payment
// expires is cancelled at the issuer by reference, and the payment closes with
// ORDER_IS_CLOSED, notified.
func TestUndecidedAtExpiry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cmd := payCommand("p", "4000000000007015", payment.CaptureAutomatic) // the issuer decides after 30 s
	cmd.ExpiresAt = f.clk.Now().Add(20 * time.Second)
	p, err := f.g.Pay(ctx, f.m, cmd)
	if err != nil || p.Stage != payment.StageIssuerPending {
		t.Fatalf("pay: %+v %v", p, err)
	}
	f.clk.Advance(20 * time.Second)
	f.sweep(t)
	p = f.payment(t, p.ID)
	if p.Status != payment.Fail || p.ResultCode != payment.CodeOrderIsClosed || f.notifications(t, p.ID)[payment.NotifyPayment] != 1 {
		t.Fatalf("at expiry: %s %s", p.Status, p.ResultCode)
	}
	if v := f.iss.voids(); !slices.Equal(v, []string{p.AuthRef()}) {
		t.Fatalf("voided %v, want the reference %s", v, p.AuthRef())
	}
}

// TestExpiryWaitsForTheLease: a payment whose expiry comes while its authorization is in
// flight is not closed under it; once the lease has run out the issuer's approval stands.
func TestExpiryWaitsForTheLease(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	release := make(chan struct{})
	defer close(release)
	f.hold.Store(&release)
	cmd := payCommand("p", "4054695723100768", payment.CaptureManual)
	cmd.ExpiresAt = f.clk.Now().Add(5 * time.Second)
	go f.g.Pay(ctx, f.m, cmd)
	<-f.held
	f.clk.Advance(10 * time.Second)
	f.sweep(t)
	p, err := f.st.PaymentGetByRequestID(ctx, f.m.ID, "p")
	if err != nil || p.Status != payment.Processing {
		t.Fatalf("expired under a live authorization: %+v %v", p, err)
	}
	if err := f.core.CloseExpired(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(gateway.DefaultAuthLease)
	f.sweep(t)
	if p = f.payment(t, p.ID); p.Status != payment.Success || len(f.iss.voids()) != 0 {
		t.Fatalf("after the lease: %s %s, voided %v", p.Status, p.ResultCode, f.iss.voids())
	}
}

// TestCancelStrandedAuthorization: the merchant cancels a payment whose authorization the
// issuer answered but no request recorded. Cancel voids it by the gateway's reference, since
// no request may be left to do it; the sweeper leaves the cancelled payment alone, and the
// request coming back to life voids the authorization it holds rather than recording it.
func TestCancelStrandedAuthorization(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	release := make(chan struct{})
	f.hold.Store(&release)
	cmd := payCommand("p", "4054695723100768", payment.CaptureManual)
	live := make(chan *payment.Payment)
	go func() {
		p, err := f.g.Pay(ctx, f.m, cmd)
		if err != nil {
			t.Error(err)
		}
		live <- p
	}()
	<-f.held

	elsewhere := merchantapi.New(f.core)
	stranded, err := f.st.PaymentGetByRequestID(ctx, f.m.ID, cmd.RequestID)
	if err != nil {
		t.Fatal(err)
	}
	cancelled, err := elsewhere.Cancel(ctx, f.m, merchantapi.Lookup{ID: stranded.ID})
	if err != nil || cancelled.Status != payment.Cancelled {
		t.Fatalf("cancel: %+v %v", cancelled, err)
	}
	if v := f.iss.voids(); !slices.Equal(v, []string{stranded.AuthRef()}) {
		t.Fatalf("voided %v, want the gateway's reference %s", v, stranded.AuthRef())
	}
	f.clk.Advance(gateway.DefaultAuthLease)
	f.sweep(t)
	if p := f.payment(t, stranded.ID); p.Status != payment.Cancelled {
		t.Fatalf("after the sweeper: %s", p.Status)
	}
	close(release)
	if p := <-live; p.Status != payment.Cancelled {
		t.Fatalf("the late request answered %s", p.Status)
	}
	if v := f.iss.voids(); len(v) != 2 {
		t.Fatalf("voids %v: the late request should void the authorization it holds", v)
	}
}
