package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// testNotificationClaimDuringClaim: a claim made while another worker's claim is not yet
// committed neither fails nor takes that worker's rows.
func testNotificationClaimDuringClaim(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := addPayment(t, s, m)
	base := now()
	var due []*payment.Notification
	for i := range 10 {
		n := newNotification(p, base)
		n.NextAttemptAt = base.Add(-time.Duration(10-i) * time.Second)
		ok(t, s.NotificationInsert(ctx, n), "NotificationInsert")
		due = append(due, n)
	}
	lease := base.Add(time.Hour)

	var first, second []*payment.Notification
	var firstErr, secondErr error
	claimed, secondDone := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		firstErr = s.Tx(ctx, func(q store.Tx) error {
			var err error
			first, err = q.NotificationClaimDue(ctx, store.NotificationClaim{Now: base, WallNow: base, LeaseUntil: lease, Limit: 5})
			close(claimed)
			if err != nil {
				return err
			}
			// Where a claim holds the only writer (SQLite), the second claim waits for this
			// transaction instead; elsewhere it runs now, beside this uncommitted one.
			select {
			case <-secondDone:
			case <-time.After(time.Second):
			}
			return nil
		})
		select {
		case <-claimed:
		default:
			close(claimed) // Tx failed before fn ran
		}
	})
	<-claimed
	secondErr = s.Tx(ctx, func(q store.Tx) error {
		var err error
		second, err = q.NotificationClaimDue(ctx, store.NotificationClaim{Now: base, WallNow: base, LeaseUntil: lease, Limit: 5})
		return err
	})
	close(secondDone)
	wg.Wait()
	ok(t, firstErr, "first claim")
	ok(t, secondErr, "second claim, during the first")
	same(t, "first claim", due[:5], first)
	same(t, "second claim, during the first", due[5:], second)
}

// testNotificationClaimConcurrent: two workers claiming at once never get the same row
// while its lease holds, so that two nodes do not send the same attempt.
func testNotificationClaimConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := addPayment(t, s, m)
	base := now()
	const rows, workers, batch = 40, 2, 5
	byID := map[string]*payment.Notification{}
	ok(t, s.Tx(ctx, func(q store.Tx) error {
		for i := range rows {
			n := newNotification(p, base)
			n.NextAttemptAt = base.Add(-time.Duration(i) * time.Millisecond)
			byID[n.ID] = n
			if err := q.NotificationInsert(ctx, n); err != nil {
				return err
			}
		}
		return nil
	}), "Tx(NotificationInsert)")
	lease := base.Add(time.Hour)

	got := make([][]*payment.Notification, workers)
	errs := make([]error, workers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			<-start
			for range 2 * rows { // a bound, in case a claim keeps returning rows
				var batchGot []*payment.Notification
				err := s.Tx(ctx, func(q store.Tx) error {
					var err error
					batchGot, err = q.NotificationClaimDue(ctx, store.NotificationClaim{Now: base, WallNow: base, LeaseUntil: lease, Limit: batch})
					return err
				})
				if err != nil {
					errs[w] = err
					return
				}
				if len(batchGot) > batch {
					errs[w] = fmt.Errorf("a claim with limit %d returned %d rows", batch, len(batchGot))
					return
				}
				if len(batchGot) == 0 {
					return
				}
				got[w] = append(got[w], batchGot...)
			}
		})
	}
	close(start)
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Errorf("worker %d: %v", w, err)
		}
	}
	claimedBy := map[string]int{}
	for w := range workers {
		for _, n := range got[w] {
			if prev, dup := claimedBy[n.ID]; dup {
				t.Errorf("notification %s claimed by worker %d and again by worker %d while leased", n.ID, prev, w)
				continue
			}
			claimedBy[n.ID] = w
			want, known := byID[n.ID]
			if !known {
				t.Errorf("worker %d claimed notification %s, which the test did not insert", w, n.ID)
				continue
			}
			same(t, "claimed notification", want, n)
		}
	}
	if len(claimedBy) != rows {
		t.Errorf("the workers claimed %d distinct notifications, want all %d", len(claimedBy), rows)
	}
	same(t, "claim after the workers", nil, claim(t, s, base, base, lease, rows))
}

// testClockConcurrent: concurrent advances add up exactly, and each returns the lead it made.
func testClockConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	const workers = 10
	const d = time.Minute + time.Microsecond
	ways := []struct {
		name    string
		advance func() (time.Duration, error)
	}{
		{"in Tx", func() (got time.Duration, err error) {
			txErr := s.Tx(ctx, func(q store.Tx) error {
				got, err = q.ClockAdvance(ctx, d)
				return err
			})
			return got, txErr
		}},
		{"outside Tx", func() (time.Duration, error) { return s.ClockAdvance(ctx, d) }},
	}
	var total time.Duration
	for _, way := range ways {
		returned := make([]time.Duration, workers)
		errs := make([]error, workers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range workers {
			wg.Go(func() {
				<-start
				returned[i], errs[i] = way.advance()
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("%s: worker %d: ClockAdvance: %v", way.name, i, err)
			}
		}
		// The order in which the advances landed is the scheduler's; each lead, once, is not.
		slices.Sort(returned)
		want := make([]time.Duration, workers)
		for i := range want {
			want[i] = total + time.Duration(i+1)*d
		}
		same(t, fmt.Sprintf("%s: the leads the advances returned, sorted (each of %v + k×%v for k = 1..%d once)", way.name, total, d, workers), want, returned)
		total += workers * d
		got, err := s.ClockOffset(ctx)
		ok(t, err, "ClockOffset")
		if got != total {
			t.Errorf("%s: ClockOffset after %d concurrent advances by %v: got %v, want %v", way.name, workers, d, got, total)
		}
	}
}

// testTxConcurrent: PaymentLock serialises read-modify-write transactions on one payment,
// so that no concurrent increment is lost and every update sees the version before it.
func testTxConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := addPayment(t, s, m)

	const workers = 20
	var wg sync.WaitGroup
	errs := make([]error, workers)
	start := make(chan struct{})
	for i := range workers {
		wg.Go(func() {
			<-start
			errs[i] = s.Tx(ctx, func(q store.Tx) error {
				cur, err := q.PaymentLock(ctx, p.ID)
				if err != nil {
					return fmt.Errorf("PaymentLock: %w", err)
				}
				cur.RefundedValue++
				if err := q.PaymentUpdate(ctx, cur); err != nil {
					return fmt.Errorf("PaymentUpdate: %w", err)
				}
				return nil
			})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("worker %d: Tx: %v", i, err)
		}
	}
	got, err := s.PaymentGet(ctx, p.ID)
	ok(t, err, "PaymentGet")
	if got.RefundedValue != workers {
		t.Errorf("RefundedValue after %d concurrent increments: got %d", workers, got.RefundedValue)
	}
	if got.Version != 1+workers {
		t.Errorf("Version after %d concurrent updates: got %d, want %d", workers, got.Version, 1+workers)
	}
}

// testPaymentCardAttemptsBound: attempts counted under PaymentLock, as the buyer's pages
// count cards, never pass their bound however many transactions count at once.
func testPaymentCardAttemptsBound(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := addPayment(t, s, m)

	const workers, bound = 20, 5
	var wg sync.WaitGroup
	var mu sync.Mutex
	counted := 0
	errs := make([]error, workers)
	start := make(chan struct{})
	for i := range workers {
		wg.Go(func() {
			<-start
			errs[i] = s.Tx(ctx, func(q store.Tx) error {
				cur, err := q.PaymentLock(ctx, p.ID)
				if err != nil {
					return fmt.Errorf("PaymentLock: %w", err)
				}
				if cur.CardAttempts >= bound {
					return nil
				}
				cur.CardAttempts++
				if err := q.PaymentUpdate(ctx, cur); err != nil {
					return fmt.Errorf("PaymentUpdate: %w", err)
				}
				mu.Lock()
				counted++
				mu.Unlock()
				return nil
			})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("worker %d: Tx: %v", i, err)
		}
	}
	got, err := s.PaymentGet(ctx, p.ID)
	ok(t, err, "PaymentGet")
	if got.CardAttempts != bound || counted != bound {
		t.Errorf("after %d concurrent attempts with a bound of %d: stored %d, counted %d", workers, bound, got.CardAttempts, counted)
	}
}

// testTxConcurrentFailures: of transactions run at once (which an engine may commit
// together), the ones that fail, lose a unique key or panic leave nothing behind and return
// their own error, and the others commit all they wrote.
func testTxConcurrentFailures(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	const workers = 40
	payments := make([]*payment.Payment, workers)
	for i := range payments {
		payments[i] = newPayment(m, now())
	}
	// Every fourth reuses its neighbour's request id: one of the two wins.
	for i := 3; i < workers; i += 4 {
		payments[i].RequestID = payments[i-1].RequestID
	}
	fails := func(i int) bool { return i%4 == 1 }
	panics := func(i int) bool { return i == 5 }
	errs := make([]error, workers)
	panicked := make([]any, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, p := range payments {
		wg.Go(func() {
			<-start
			defer func() { panicked[i] = recover() }()
			errs[i] = s.Tx(ctx, func(q store.Tx) error {
				if err := q.PaymentInsert(ctx, p); err != nil {
					return err
				}
				if err := q.NotificationInsert(ctx, newNotification(p, now())); err != nil {
					return err
				}
				switch {
				case panics(i):
					panic("storetest: panic in a transaction")
				case fails(i):
					return errBoom
				}
				return nil
			})
		})
	}
	close(start)
	wg.Wait()
	for i, p := range payments {
		_, gerr := s.PaymentGet(ctx, p.ID)
		notes, err := s.NotificationListByPayment(ctx, p.ID)
		ok(t, err, "NotificationListByPayment")
		stored := gerr == nil
		switch {
		case panics(i):
			if panicked[i] == nil {
				t.Errorf("worker %d: the panic in its transaction did not reach the caller", i)
			}
			if stored || len(notes) > 0 {
				t.Errorf("worker %d: a transaction that panicked left its payment (%v) or %d notifications", i, stored, len(notes))
			}
		case fails(i):
			if !errors.Is(errs[i], errBoom) {
				t.Errorf("worker %d: Tx returned %v, want fn's error", i, errs[i])
			}
			if stored || len(notes) > 0 {
				t.Errorf("worker %d: a failed transaction left its payment (%v) or %d notifications", i, stored, len(notes))
			}
		case errs[i] == nil:
			if !stored || len(notes) != 1 {
				t.Errorf("worker %d: a committed transaction left payment %v and %d notifications, want both", i, stored, len(notes))
			}
		case errors.Is(errs[i], store.ErrConflict):
			if stored || len(notes) > 0 {
				t.Errorf("worker %d: a transaction that lost its request id left its payment (%v) or %d notifications", i, stored, len(notes))
			}
			// The winner is committed by the time the loser hears of the conflict.
			if _, err := s.PaymentGetByRequestID(ctx, m.ID, p.RequestID); err != nil {
				t.Errorf("worker %d: after ErrConflict, the request id's payment: %v", i, err)
			}
		default:
			t.Errorf("worker %d: Tx: %v", i, errs[i])
		}
	}
	for i := 3; i < workers; i += 4 {
		if (errs[i] == nil) == (errs[i-1] == nil) {
			t.Errorf("workers %d and %d shared a request id: errors %v and %v, want exactly one to win", i-1, i, errs[i-1], errs[i])
		}
	}
}
