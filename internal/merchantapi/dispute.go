package merchantapi

import (
	"context"
	"errors"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// errNoDispute is the answer for a dispute id that names no raised dispute of the merchant.
var errNoDispute = payment.Invalid("disputeId", "names no dispute of this merchant")

// DisputeCommand is a merchant's response to a dispute: acceptance when Evidence is "", else
// the defence document (base64, as sent) and its format.
type DisputeCommand struct {
	DisputeID      string
	Evidence       string
	EvidenceFormat string
}

// RespondDispute accepts a dispute (acceptDispute) or defends it (supplyDefenseDocument), and
// notifies it (DISPUTE_ACCEPTED, DEFENSE_SUPPLIED) in the same transaction. The write is
// conditional on the dispute's version, so of two responses racing exactly one is recorded
// and the other answers as the recorded one says; the same response again answers SUCCESS
// with the first one's time. Result codes: SUCCESS; PARAM_ILLEGAL (no such dispute);
// REPEAT_REQUEST; TIME_EXCEEDS_LIMIT.
func (a *API) RespondDispute(ctx context.Context, m *payment.Merchant, cmd DisputeCommand) (*payment.Dispute, error) {
	for {
		var d *payment.Dispute
		err := a.core.Tx(ctx, func(q store.Tx) error {
			var err error
			if d, err = disputeOf(ctx, q, m, cmd.DisputeID); err != nil {
				return err
			}
			now := a.core.Now()
			done, perr := d.CheckRespond(cmd.Evidence, now)
			if perr != nil {
				return perr
			}
			if done {
				return nil
			}
			d.Respond(cmd.Evidence, cmd.EvidenceFormat, now)
			if err := q.DisputeUpdate(ctx, d); err != nil {
				return err
			}
			note := payment.DisputeAcceptedNote
			if cmd.Evidence != "" {
				note = payment.DefenseSuppliedNote
			}
			return a.core.NotifyDispute(ctx, q, d, note, now)
		})
		switch {
		case err == nil:
			return d, nil
		case errors.Is(err, store.ErrStale):
			continue // the sweeper or another response moved it: decide again on what it is now
		}
		return nil, a.disputeError(ctx, "dispute response", err)
	}
}

// Dispute reads a raised dispute of m. Result codes: SUCCESS; PARAM_ILLEGAL (no such dispute).
func (a *API) Dispute(ctx context.Context, m *payment.Merchant, id string) (*payment.Dispute, error) {
	d, err := disputeOf(ctx, a.core.Store, m, id)
	if err != nil {
		return nil, a.disputeError(ctx, "dispute read", err)
	}
	return d, nil
}

func disputeOf(ctx context.Context, q store.Queries, m *payment.Merchant, id string) (*payment.Dispute, error) {
	d, err := q.DisputeGet(ctx, id)
	if err == nil && (d.MerchantID != m.ID || d.Hidden()) {
		return nil, store.ErrNotFound
	}
	return d, err
}

func (a *API) disputeError(ctx context.Context, op string, err error) error {
	var perr *payment.Error
	switch {
	case errors.As(err, &perr):
		return perr
	case errors.Is(err, store.ErrNotFound):
		return errNoDispute
	}
	return a.core.InternalError(ctx, op, err)
}

// checkDisputed refuses a refund of amount minor units of p that takes money its dispute
// holds (payment.Dispute.CheckRefund). It runs in the refund's transaction, after p is
// locked, which the sweeper also locks to raise the dispute: one of the two sees the other.
func checkDisputed(ctx context.Context, q store.Tx, p *payment.Payment, amount int64) error {
	d, err := q.DisputeGetByPayment(ctx, p.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	if perr := d.CheckRefund(p, amount); perr != nil {
		return perr
	}
	return nil
}
