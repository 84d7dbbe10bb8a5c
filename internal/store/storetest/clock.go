package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/store"
)

func testClock(t *testing.T, s store.Store) {
	ctx := t.Context()
	offset := func(what string, q store.Queries, want time.Duration) {
		t.Helper()
		got, err := q.ClockOffset(ctx)
		ok(t, err, "ClockOffset")
		if got != want {
			t.Errorf("ClockOffset %s: got %v, want %v", what, got, want)
		}
	}
	advance := func(what string, q store.Queries, d, want time.Duration) error {
		t.Helper()
		got, err := q.ClockAdvance(ctx, d)
		if err != nil {
			return fmt.Errorf("ClockAdvance %s: %w", what, err)
		}
		if got != want {
			t.Errorf("ClockAdvance %s: returned %v, want %v", what, got, want)
		}
		return nil
	}
	offset("of a new store", s, 0)

	ok(t, advance("by 90s", s, 90*time.Second, 90*time.Second), "ClockAdvance")
	offset("after an advance", s, 90*time.Second)
	total := 90*time.Second + 2*time.Hour + time.Microsecond
	ok(t, advance("by 2h and a microsecond", s, 2*time.Hour+time.Microsecond, total), "ClockAdvance")
	offset("after a second advance", s, total)

	// In a transaction: it reads its own advance, and the advance outlives it.
	ok(t, s.Tx(ctx, func(q store.Tx) error {
		offset("in a transaction, before its advance", q, total)
		if err := advance("in a transaction", q, 24*time.Hour, total+24*time.Hour); err != nil {
			return err
		}
		offset("in a transaction, after its advance", q, total+24*time.Hour)
		return nil
	}), "Tx(ClockAdvance)")
	total += 24 * time.Hour
	offset("after the transaction", s, total)

	// A rolled-back advance is undone.
	err := s.Tx(ctx, func(q store.Tx) error {
		if err := advance("in a rolled-back transaction", q, time.Hour, total+time.Hour); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, err, errBoom, "Tx(ClockAdvance) returning an error")
	offset("after a rolled-back advance", s, total)

	ok(t, advance("by zero", s, 0, total), "ClockAdvance")
	offset("after advancing by zero", s, total)
}
