package sweep

import (
	"context"

	"github.com/cashierpay/cashier/internal/store"
)

// sweepVaultings fails the vaultings left processing past their expiry, with their
// notifyVaulting: a buyer who never finished the form or the challenge, and a merchant who
// never asked, would otherwise leave one processing for ever. The page and inquireVaulting
// close one they look at the same way (gateway.CloseExpiredVaulting), and a vaulting that
// moved meanwhile is left as it is.
func (s *Sweeper) sweepVaultings(ctx context.Context) error {
	due, err := s.core.Store.VaultingListExpired(ctx, store.Due{Until: s.core.Now(), Limit: sweepBatch})
	if err != nil {
		return err
	}
	for _, v := range due {
		if _, err := s.core.CloseExpiredVaulting(ctx, v); err != nil {
			s.core.Log.ErrorContext(ctx, "sweep vaulting failed", "vaulting", v.ID, "err", err)
		}
	}
	return nil
}
