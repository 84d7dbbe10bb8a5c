// Package sweep is the work time decides: expiry of payments and vaultings, the 7-day
// release of uncaptured authorizations, the steps of disputes (raise, defence deadline,
// judgement), and asking the issuer again about authorizations no request is waiting for:
// pending ones, and those a crash left in flight.
package sweep

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

const sweepBatch = 100

// Sweeper is the time-driven service: it asks the issuer again about pending authorizations,
// stranded ones and unanswered captures and refunds, closes payments that reach their expiry time, and
// releases manual-capture authorizations 7 days after they were granted. Every change it
// makes is conditional, so several nodes may sweep at once.
type Sweeper struct {
	core  *gateway.Core
	clock clock.Clock
	lag   func(time.Duration)
	// lastRefundRetry is when the sweeper last asked the issuer about silent refunds.
	lastRefundRetry atomic.Value // time.Time
}

// New builds a Sweeper on core. clock wakes it (a test clock moved forward wakes it at
// once); lag, if set, hears after each pass how late it handled the most overdue payment.
func New(core *gateway.Core, clk clock.Clock, lag func(time.Duration)) *Sweeper {
	s := &Sweeper{core: core, clock: clk, lag: lag}
	s.lastRefundRetry.Store(time.Time{})
	return s
}

// Run sweeps until ctx ends. It wakes every second, and at once when the test clock moves.
func (s *Sweeper) Run(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := s.Sweep(ctx)
		if err != nil && ctx.Err() == nil {
			s.core.Log.ErrorContext(ctx, "sweep failed", "err", err)
		}
		if n < sweepBatch {
			clock.Sleep(s.clock, time.Second, ctx.Done())
		}
	}
}

// Sweep handles one batch of due payments and reports how many it looked at.
func (s *Sweeper) Sweep(ctx context.Context) (int, error) {
	start := s.core.Now()
	due, err := s.core.Store.PaymentListDue(ctx, store.Due{Until: start, Limit: sweepBatch})
	if err != nil {
		return 0, err
	}
	if s.lag != nil {
		var lag time.Duration
		if len(due) > 0 {
			lag = start.Sub(due[0].NextActionAt) // oldest first
		}
		s.lag(lag)
	}
	for _, p := range due {
		if err := s.sweepPayment(ctx, p); err != nil {
			s.core.Log.ErrorContext(ctx, "sweep payment failed", "payment", p.ID, "err", err)
		}
	}
	if err := s.sweepDisputes(ctx); err != nil {
		return len(due), err
	}
	if err := s.sweepVaultings(ctx); err != nil {
		return len(due), err
	}
	// Refunds the issuer did not answer are asked again, once a minute at most.
	now := s.core.Now()
	if now.Sub(s.lastRefundRetry.Load().(time.Time)) < time.Minute {
		return len(due), nil
	}
	s.lastRefundRetry.Store(now)
	stuck, err := s.core.Store.RefundListProcessing(ctx, store.Due{Until: now.Add(-s.core.IssuerTimeout - time.Minute), Limit: sweepBatch})
	if err != nil {
		return len(due), err
	}
	for _, r := range stuck {
		if err := s.core.RetryRefund(ctx, r); err != nil {
			s.core.Log.ErrorContext(ctx, "refund retry failed", "refund", r.ID, "err", err)
		}
	}
	return len(due), nil
}

func (s *Sweeper) sweepPayment(ctx context.Context, p *payment.Payment) error {
	now := s.core.Now()
	switch {
	case p.Status == payment.Processing && (p.Stage == payment.StageAuthorizing || p.Stage == payment.StageIssuerPending):
		// Listed only once an authorization's lease has run out (its request died), or
		// when a pending one is due again or expires.
		return s.settleAuth(ctx, p, now)
	case p.Status == payment.Processing && !now.Before(p.ExpiresAt):
		return s.core.CloseExpired(ctx, p.ID)
	case p.Status == payment.Success && p.CaptureState == payment.CaptureNone && !now.Before(p.AuthExpiresAt()):
		return s.releaseAuth(ctx, p.ID)
	case p.Status == payment.Success && p.CaptureState == payment.CaptureCapturing:
		return s.retryCapture(ctx, p)
	}
	return s.reschedule(ctx, p.ID, time.Time{})
}

// settleAuth asks the issuer, by the gateway's reference, about the authorization of p that
// no request is waiting for, and records the answer as that request would have. An
// authorization that never reached the issuer fails with PROCESS_FAIL; one the issuer has
// not decided by the payment's expiry (or cannot be asked about by then) closes with
// ORDER_IS_CLOSED. Either way it is voided by reference first, so that nothing arriving at
// the issuer later can hold the buyer's funds.
func (s *Sweeper) settleAuth(ctx context.Context, p *payment.Payment, now time.Time) error {
	ictx, cancel := s.core.IssuerCtx(ctx)
	res, err := s.core.Issuer.Inquire(ictx, p.AuthRef())
	cancel()
	switch {
	case errors.Is(err, issuer.ErrNotFound):
		return s.abandonAuth(ctx, p, payment.CodeProcessFail, "the authorization did not reach the issuer; pay again with a new paymentRequestId")
	case (err != nil || res.Outcome == issuer.Pending) && !now.Before(p.ExpiresAt):
		return s.abandonAuth(ctx, p, payment.CodeOrderIsClosed, "the issuer did not decide before the payment's expiry time")
	case err != nil:
		s.core.Log.WarnContext(ctx, "issuer inquiry failed", "payment", p.ID, "err", err)
		return s.reschedule(ctx, p.ID, now.Add(s.core.AuthLease))
	case res.Outcome == issuer.Pending:
		if p.Stage == payment.StageIssuerPending {
			return s.reschedule(ctx, p.ID, res.RetryAfter)
		}
	}
	_, err = s.core.RecordAuth(ctx, p, p.Card.ThreeDS, res)
	return err
}

// abandonAuth voids the authorization of p by the gateway's reference and fails p with code
// through the recording path, as the issuer's decline would.
func (s *Sweeper) abandonAuth(ctx context.Context, p *payment.Payment, code, message string) error {
	ictx, cancel := s.core.IssuerCtx(ctx)
	res, err := s.core.Issuer.Void(ictx, p.AuthRef())
	cancel()
	if err != nil || !res.Success {
		// Not failed while the issuer may still approve it: asked again after a lease.
		s.core.Log.WarnContext(ctx, "issuer void by reference failed", "payment", p.ID, "err", err, "code", res.ResultCode)
		return s.reschedule(ctx, p.ID, s.core.Now().Add(s.core.AuthLease))
	}
	_, err = s.core.RecordAuth(ctx, p, p.Card.ThreeDS, issuer.AuthResult{Outcome: issuer.Declined, ResultCode: code, Message: message})
	return err
}

// releaseAuth cancels an authorization that was not captured within 7 days and voids it
// at the issuer. No notification is sent: Antom has no cancel notification, and the
// merchant learns it from inquiryPayment (CANCELLED, AUTH_EXPIRED) or from capture.
func (s *Sweeper) releaseAuth(ctx context.Context, id string) error {
	var ref string
	err := s.core.Tx(ctx, func(q store.Tx) error {
		p, err := q.PaymentLock(ctx, id)
		if err != nil {
			return err
		}
		now := s.core.Now()
		if p.Status != payment.Success || p.CaptureState != payment.CaptureNone || now.Before(p.AuthExpiresAt()) {
			return nil
		}
		ref = p.IssuerRef
		p.Status, p.CancelReason, p.CancelledAt, p.UpdatedAt = payment.Cancelled, payment.CancelReleased, now, now
		p.ResultCode, p.ResultMessage = payment.CodeAuthExpired, "the authorization was released 7 days after it was granted without capture"
		p.Schedule(time.Time{})
		return q.PaymentUpdate(ctx, p)
	})
	if err != nil || ref == "" {
		return err
	}
	ictx, cancel := s.core.IssuerCtx(ctx)
	defer cancel()
	if res, err := s.core.Issuer.Void(ictx, ref); err != nil || !res.Success {
		s.core.Log.WarnContext(ctx, "issuer void of a released authorization failed", "payment", id, "err", err)
	}
	return nil
}

// reschedule recomputes when the sweeper should look at a payment again.
func (s *Sweeper) reschedule(ctx context.Context, id string, issuerRetry time.Time) error {
	return s.core.Tx(ctx, func(q store.Tx) error {
		p, err := q.PaymentLock(ctx, id)
		if err != nil {
			return err
		}
		before := p.NextActionAt
		p.Schedule(issuerRetry)
		if p.NextActionAt.Equal(before) && !before.IsZero() && !before.After(s.core.Now()) {
			// Nothing moved it forward: push it a little so a stuck row cannot spin the sweeper.
			p.NextActionAt = s.core.Now().Add(time.Minute)
		}
		return q.PaymentUpdate(ctx, p)
	})
}

// retryCapture asks the issuer again about the captures of p it did not answer.
func (s *Sweeper) retryCapture(ctx context.Context, p *payment.Payment) error {
	captures, err := s.core.Store.CaptureListByPayment(ctx, p.ID)
	if err != nil {
		return err
	}
	for _, c := range captures {
		if c.Status != payment.Processing {
			continue
		}
		if err := s.core.CaptureAtIssuer(ctx, p, c); err != nil {
			return err
		}
	}
	return s.reschedule(ctx, p.ID, time.Time{})
}
