package checkout

import (
	"context"
	"fmt"
	"time"

	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/limit"
	"github.com/cashierpay/cashier/internal/payment"
)

// Limits are the buyer's pages' defences against card testing: someone trying stolen or
// generated card numbers one after another to learn which are live.
type Limits struct {
	// Attempts bounds the cards a buyer may submit on one payment; after the last one is
	// declined the payment closes with RISK_REJECT. 0: no bound.
	Attempts int
	// IP and Card delay, then refuse, the attempts of a buyer IP, or of a card (by its
	// vault fingerprint), whose attempts keep being declined, across payments.
	IP, Card limit.Policy
}

// DefaultLimits are the limits `cashier serve` starts with.
func DefaultLimits() Limits {
	p := limit.Policy{Window: time.Hour, Delay: time.Second, MaxDelay: 8 * time.Second, Delayed: 4, CoolOff: time.Hour}
	ip, card := p, p
	ip.Free, card.Free = 10, 3
	return Limits{Attempts: 5, IP: ip, Card: card}
}

// Config is what a Flow needs besides the core.
type Config struct {
	Limits Limits
	// Clock times the delays; default the wall clock. A sandbox test clock moved forward
	// ends them early.
	Clock clock.Clock
	// Refused counts a card-testing limit's refusal: "payment" (the payment closed at its
	// bound), "ip" or "card" (an attempt refused); optional.
	Refused func(limit string)
	// Delayed records the wait imposed before an attempt, by the limit ("ip" or "card")
	// that asked for it; optional.
	Delayed func(limit string, d time.Duration)
}

// refusal is what a refused attempt records: the same whatever the card, so that a refusal
// tells a card tester nothing about the card they tried.
var refusal = issuer.AuthResult{
	Outcome: issuer.Declined, ResultCode: payment.CodeRiskReject,
	Message: "declined by the gateway's risk controls: too many declined card attempts; try again later",
}

// boundMessage says why a payment closed at its bound on attempts.
func boundMessage(n int) string {
	return fmt.Sprintf("the payment was closed after %d declined card attempts", n)
}

// ipKey is the limiter key of the buyer of ctx, "" when the request came from no network.
func ipKey(ctx context.Context) string {
	if ip, ok := gateway.BuyerIP(ctx); ok {
		return limit.AddrKey(ip)
	}
	return ""
}

// screen answers an attempt of the card with fingerprint fp by the limits on its buyer's IP
// and on the card: it waits out the longer of their delays, then says whether the attempt
// is refused. It runs before any transaction, so a waiting buyer holds no database
// connection; a buyer who leaves ends the wait.
func (f *Flow) screen(ctx context.Context, fp string) (refused bool, err error) {
	ip := ipKey(ctx)
	check := func() (limit.Decision, limit.Decision) {
		now := f.core.Now()
		di := limit.Decision{}
		if ip != "" {
			di = f.ip.Check(ip, now)
		}
		return di, f.card.Check(fp, now)
	}
	refusedBy := func(di, dc limit.Decision) bool {
		switch {
		case di.Refused:
			f.cfg.Refused("ip")
		case dc.Refused:
			f.cfg.Refused("card")
		default:
			return false
		}
		return true
	}
	di, dc := check()
	if refusedBy(di, dc) {
		return true, nil
	}
	d, by := di.Delay, "ip"
	if dc.Delay > d {
		d, by = dc.Delay, "card"
	}
	if d == 0 {
		return false, nil
	}
	// The end is fixed before the wait is reported, so that a test clock moved on the
	// report cannot push it further.
	until := f.cfg.Clock.Now().Add(d)
	f.cfg.Delayed(by, d)
	if err := f.wait(ctx, until); err != nil {
		return false, err
	}
	// Attempts that waited side by side are counted by now: the last of them may be refused.
	return refusedBy(check()), nil
}

// wait waits until until on the flow's clock, or until ctx ends.
func (f *Flow) wait(ctx context.Context, until time.Time) error {
	for {
		changed := f.cfg.Clock.Changed()
		left := until.Sub(f.cfg.Clock.Now())
		if left <= 0 {
			return nil
		}
		t := time.NewTimer(left)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		case <-changed:
			t.Stop()
		}
	}
}

// countDecline counts p's outcome against the buyer's IP and the card when the issuer
// declined it.
func (f *Flow) countDecline(ctx context.Context, p *payment.Payment, fp string) {
	declined := p.ResultCode != "" && (p.Status == payment.Fail || p.Status == payment.Processing && p.Stage == payment.StageAwaitingCard)
	switch p.ResultCode {
	case payment.CodeSuccess, payment.CodeOrderIsClosed, payment.CodeOrderIsCanceled:
		declined = false
	}
	if !declined {
		return
	}
	now := f.core.Now()
	if ip := ipKey(ctx); ip != "" {
		f.ip.Decline(ip, now)
	}
	f.card.Decline(fp, now)
}

// atBound says whether p, waiting for another card, has used all its attempts.
func (f *Flow) atBound(p *payment.Payment) bool {
	return f.cfg.Limits.Attempts > 0 && p.CardAttempts >= f.cfg.Limits.Attempts
}

// afterAuth shows the page for p after an authorization, closing the payment first when
// the buyer, declined, has no attempt left.
func (f *Flow) afterAuth(ctx context.Context, token string, p *payment.Payment) (*HostedView, error) {
	if p.Status == payment.Processing && p.Stage == payment.StageAwaitingCard && f.atBound(p) {
		f.cfg.Refused("payment")
		return f.failAtStage(ctx, token, p.ID, payment.StageAwaitingCard, nil, payment.CodeRiskReject, boundMessage(p.CardAttempts))
	}
	return f.view(ctx, token, p)
}
