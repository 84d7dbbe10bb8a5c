package gateway

import (
	"context"
	"time"

	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

const sweepBatch = 100

// RunSweeper finishes what time decides until ctx ends: it asks the issuer again about
// pending authorizations, closes payments that reach their expiry time, and releases
// manual-capture authorizations 7 days after they were granted. It wakes every second and
// at once when the test clock moves.
func (g *Gateway) RunSweeper(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := g.Sweep(ctx)
		if err != nil && ctx.Err() == nil {
			g.log.ErrorContext(ctx, "sweep failed", "err", err)
		}
		if n < sweepBatch {
			clock.Sleep(g.clock, time.Second, ctx.Done())
		}
	}
}

// Sweep handles one batch of due payments and reports how many it looked at.
func (g *Gateway) Sweep(ctx context.Context) (int, error) {
	start := g.now()
	due, err := g.store.PaymentListDue(ctx, start, sweepBatch)
	if err != nil {
		return 0, err
	}
	if g.sweepLag != nil {
		var lag time.Duration
		if len(due) > 0 {
			lag = start.Sub(due[0].NextActionAt) // oldest first
		}
		g.sweepLag(lag)
	}
	for _, p := range due {
		if err := g.sweepPayment(ctx, p); err != nil {
			g.log.ErrorContext(ctx, "sweep payment failed", "payment", p.ID, "err", err)
		}
	}
	// Refunds the issuer did not answer are asked again, once a minute at most.
	now := g.now()
	if now.Sub(g.lastRefundRetry.Load().(time.Time)) < time.Minute {
		return len(due), nil
	}
	g.lastRefundRetry.Store(now)
	stuck, err := g.store.RefundListProcessing(ctx, now.Add(-g.issuerTimeout-time.Minute), sweepBatch)
	if err != nil {
		return len(due), err
	}
	for _, r := range stuck {
		if err := g.retryRefund(ctx, r); err != nil {
			g.log.ErrorContext(ctx, "refund retry failed", "refund", r.ID, "err", err)
		}
	}
	return len(due), nil
}

func (g *Gateway) sweepPayment(ctx context.Context, p *payment.Payment) error {
	now := g.now()
	switch {
	case p.Status == payment.Processing && !now.Before(p.ExpiresAt):
		return g.closeExpired(ctx, p.ID)
	case p.Status == payment.Processing && p.Stage == payment.StageIssuerPending && p.IssuerRef != "":
		ictx, cancel := g.issuerCtx(ctx)
		res, err := g.issuer.Inquire(ictx, p.IssuerRef)
		cancel()
		if err != nil {
			res = issuer.AuthResult{Outcome: issuer.Pending, Ref: p.IssuerRef, RetryAfter: now.Add(30 * time.Second)}
		}
		if res.Outcome != issuer.Pending {
			_, err := g.recordAuth(ctx, p.ID, p.Card.ThreeDS, res)
			return err
		}
		return g.reschedule(ctx, p.ID, res.RetryAfter)
	case p.Status == payment.Success && p.CaptureState == payment.CaptureNone && !now.Before(p.AuthExpiresAt()):
		return g.releaseAuth(ctx, p.ID)
	case p.Status == payment.Success && p.CaptureState == payment.CaptureCapturing:
		return g.retryCapture(ctx, p)
	}
	return g.reschedule(ctx, p.ID, timeZero)
}

// closeExpired fails a payment still processing at its expiry time with ORDER_IS_CLOSED
// and notifies it.
func (g *Gateway) closeExpired(ctx context.Context, id string) error {
	return g.tx(ctx, func(q store.Queries) error {
		p, err := q.PaymentGetForUpdate(ctx, id)
		if err != nil {
			return err
		}
		now := g.now()
		if p.Status != payment.Processing || now.Before(p.ExpiresAt) {
			return nil
		}
		p.Status, p.Stage, p.UpdatedAt = payment.Fail, payment.StageNone, now
		p.ResultCode, p.ResultMessage = payment.CodeOrderIsClosed, "the payment was not completed before its expiry time"
		p.Schedule(timeZero)
		if err := q.PaymentUpdate(ctx, p); err != nil {
			return err
		}
		return g.notifyPayment(ctx, q, p, now)
	})
}

// releaseAuth cancels an authorization that was not captured within 7 days and voids it
// at the issuer. No notification is sent: Antom has no cancel notification, and the
// merchant learns it from inquiryPayment (CANCELLED, AUTH_EXPIRED) or from capture.
func (g *Gateway) releaseAuth(ctx context.Context, id string) error {
	var ref string
	err := g.tx(ctx, func(q store.Queries) error {
		p, err := q.PaymentGetForUpdate(ctx, id)
		if err != nil {
			return err
		}
		now := g.now()
		if p.Status != payment.Success || p.CaptureState != payment.CaptureNone || now.Before(p.AuthExpiresAt()) {
			return nil
		}
		ref = p.IssuerRef
		p.Status, p.CancelReason, p.CancelledAt, p.UpdatedAt = payment.Cancelled, payment.CancelReleased, now, now
		p.ResultCode, p.ResultMessage = payment.CodeAuthExpired, "the authorization was released 7 days after it was granted without capture"
		p.Schedule(timeZero)
		return q.PaymentUpdate(ctx, p)
	})
	if err != nil || ref == "" {
		return err
	}
	ictx, cancel := g.issuerCtx(ctx)
	defer cancel()
	if res, err := g.issuer.Void(ictx, ref); err != nil || !res.Success {
		g.log.WarnContext(ctx, "issuer void of a released authorization failed", "payment", id, "err", err)
	}
	return nil
}

// reschedule recomputes when the sweeper should look at a payment again.
func (g *Gateway) reschedule(ctx context.Context, id string, issuerRetry time.Time) error {
	return g.tx(ctx, func(q store.Queries) error {
		p, err := q.PaymentGetForUpdate(ctx, id)
		if err != nil {
			return err
		}
		before := p.NextActionAt
		p.Schedule(issuerRetry)
		if p.NextActionAt.Equal(before) && !before.IsZero() && !before.After(g.now()) {
			// Nothing moved it forward: push it a little so a stuck row cannot spin the sweeper.
			p.NextActionAt = g.now().Add(time.Minute)
		}
		return q.PaymentUpdate(ctx, p)
	})
}
