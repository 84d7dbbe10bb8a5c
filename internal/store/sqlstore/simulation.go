package sqlstore

import (
	"context"

	"github.com/cashierpay/cashier/internal/store"
)

const simulationColumns = `id, merchant_id, api, result_code, request_id, currency, value, times, used, created_at`

func (q queries) SandboxSimulationInsert(ctx context.Context, r *store.SandboxSimulation) error {
	return q.exec(ctx, `INSERT INTO sandbox_simulations (`+simulationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.MerchantID, r.API, r.ResultCode, r.RequestID, r.Amount.Currency, r.Amount.Value, r.Times, r.Used, micros(r.CreatedAt))
}

func (q queries) SandboxSimulationList(ctx context.Context, merchantID, api string) ([]*store.SandboxSimulation, error) {
	rows, err := q.query(ctx, `SELECT `+simulationColumns+` FROM sandbox_simulations
		WHERE merchant_id = ? AND (? = '' OR api = ?) AND (times = 0 OR used < times)
		ORDER BY created_at, id`, merchantID, api, api)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s scanner) (*store.SandboxSimulation, error) {
		var r store.SandboxSimulation
		var created int64
		err := s.Scan(&r.ID, &r.MerchantID, &r.API, &r.ResultCode, &r.RequestID, &r.Amount.Currency, &r.Amount.Value, &r.Times, &r.Used, &created)
		r.CreatedAt = fromMicros(created)
		return &r, err
	})
}

// SandboxSimulationUse counts in one conditional statement, so that two calls racing for
// the last use of a rule cannot both have it; a rule so spent is deleted after, which need
// not be atomic with the count, since the list leaves spent rules out anyway.
func (q queries) SandboxSimulationUse(ctx context.Context, id string) error {
	if err := q.execOne(ctx, `UPDATE sandbox_simulations SET used = used + 1 WHERE id = ? AND (times = 0 OR used < times)`, id); err != nil {
		return err
	}
	return q.exec(ctx, `DELETE FROM sandbox_simulations WHERE id = ? AND times > 0 AND used >= times`, id)
}

func (q queries) SandboxSimulationClear(ctx context.Context, merchantID, id string) (int, error) {
	res, err := q.w.ExecContext(ctx, q.d.q(`DELETE FROM sandbox_simulations WHERE merchant_id = ? AND (? = '' OR id = ?)`), merchantID, id, id)
	if err != nil {
		return 0, q.d.MapErr(err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
