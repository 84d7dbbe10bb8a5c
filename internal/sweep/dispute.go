package sweep

import (
	"context"
	"errors"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// sweepDisputes moves the disputes whose time has come: raises scheduled ones
// (DISPUTE_CREATED), warns a day before an unanswered defence is due (DEFENSE_DUE_ALERT),
// and has the scheme judge those the merchant answered and those it let run out
// (DISPUTE_JUDGED, or DISPUTE_CANCELLED when the buyer withdrew).
func (s *Sweeper) sweepDisputes(ctx context.Context) error {
	due, err := s.core.Store.DisputeListDue(ctx, store.Due{Until: s.core.Now(), Limit: sweepBatch})
	if err != nil {
		return err
	}
	for _, d := range due {
		if err := s.stepDispute(ctx, d.ID); err != nil {
			s.core.Log.ErrorContext(ctx, "sweep dispute failed", "dispute", d.ID, "err", err)
		}
	}
	return nil
}

// stepDispute takes the next step of dispute id, with its notification, in one transaction;
// the update is conditional on the version read, so a merchant's response or another node
// that moved it first wins and this step is skipped.
func (s *Sweeper) stepDispute(ctx context.Context, id string) error {
	err := s.core.Tx(ctx, func(q store.Tx) error {
		d, err := q.DisputeGet(ctx, id)
		if err != nil {
			return err
		}
		now := s.core.Now()
		if d.NextActionAt.IsZero() || now.Before(d.NextActionAt) {
			return nil
		}
		var note string
		switch d.Status {
		case payment.DisputeScheduled:
			// The payment is locked, as a refund locks it, so that the amount raised and
			// the refunds agree.
			p, err := q.PaymentLock(ctx, d.PaymentID)
			if err != nil {
				return err
			}
			d.Raise(p, now)
			if !d.Hidden() {
				note = payment.DisputeCreatedNote
			}
		case payment.DisputeOpen:
			if now.Before(d.DefenseDueAt) {
				d.Alerted = true
				d.Schedule()
				note = payment.DefenseDueAlertNote
				break
			}
			note = s.judge(d, false, now)
		case payment.DisputeDefended:
			note = s.judge(d, true, now)
		case payment.DisputeAccepted:
			d.Close(payment.VerdictBuyerWins, now)
			note = payment.DisputeJudgedNote
		default:
			d.Schedule()
		}
		if err := q.DisputeUpdate(ctx, d); err != nil {
			return err
		}
		if note == "" {
			return nil
		}
		return s.core.NotifyDispute(ctx, q, d, note, now)
	})
	if errors.Is(err, store.ErrStale) {
		return nil
	}
	return err
}

// judge closes d with the scheme's verdict and names the notification that reports it.
func (s *Sweeper) judge(d *payment.Dispute, defended bool, now time.Time) string {
	v := payment.VerdictBuyerWins
	if s.core.Disputes != nil {
		v = s.core.Disputes.Judge(d.IssuerRef, defended)
	}
	d.Close(v, now)
	if v == payment.VerdictWithdrawn {
		return payment.DisputeCancelledNote
	}
	return payment.DisputeJudgedNote
}
