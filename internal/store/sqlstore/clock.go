package sqlstore

import (
	"context"
	"time"
)

func (q queries) ClockOffset(ctx context.Context) (time.Duration, error) {
	var v int64
	if err := q.queryRow(ctx, `SELECT offset_micros FROM sandbox_clock WHERE id = 1`).Scan(&v); err != nil {
		return 0, noRows(err)
	}
	return time.Duration(v) * time.Microsecond, nil
}

// ClockAdvance adds and reads back in one statement: outside a transaction, an UPDATE and
// a separate SELECT could read another caller's advance too.
func (q queries) ClockAdvance(ctx context.Context, d time.Duration) (time.Duration, error) {
	var v int64
	if err := q.w.QueryRowContext(ctx, q.d.q(`UPDATE sandbox_clock SET offset_micros = offset_micros + ? WHERE id = 1
		RETURNING offset_micros`), d.Microseconds()).Scan(&v); err != nil {
		return 0, q.d.MapErr(err)
	}
	return time.Duration(v) * time.Microsecond, nil
}
