package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// claim runs NotificationClaimDue in a transaction of its own, as the worker does.
func claim(t *testing.T, s store.Store, now, wallNow, leaseUntil time.Time, limit int) []*payment.Notification {
	t.Helper()
	var got []*payment.Notification
	ok(t, s.Tx(t.Context(), func(q store.Tx) error {
		var err error
		got, err = q.NotificationClaimDue(t.Context(), store.NotificationClaim{Now: now, WallNow: wallNow, LeaseUntil: leaseUntil, Limit: limit})
		return err
	}), "Tx(NotificationClaimDue)")
	return got
}

// record runs NotificationRecordAttempt in a transaction of its own, as the worker does.
func record(t *testing.T, s store.Store, n *payment.Notification, a *payment.NotificationAttempt) error {
	t.Helper()
	return s.Tx(t.Context(), func(q store.Tx) error { return q.NotificationRecordAttempt(t.Context(), n, a) })
}

func testNotificationClaimDue(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := addPayment(t, s, m)
	// The gateway's clock runs two hours ahead of the wall clock, as in the sandbox after an
	// advance: due times are on the gateway's clock, leases on the wall clock.
	wall := now()
	gw := wall.Add(2 * time.Hour)
	lease := wall.Add(15 * time.Second)
	ids := sortedIDs(7)
	mk := func(id string, created, next time.Time) *payment.Notification {
		n := newNotification(p, created)
		n.ID, n.NextAttemptAt = id, next
		return n
	}
	// Due in the order b, a (at the same time, b's id first), c, d; neither ids nor creation
	// times give that order.
	b := mk(ids[1], wall.Add(-1*time.Hour), gw.Add(-time.Hour))
	a := mk(ids[3], wall.Add(-2*time.Hour), gw.Add(-time.Hour))
	c := mk(ids[0], wall.Add(-3*time.Hour), gw.Add(-30*time.Minute))
	d := mk(ids[2], wall.Add(-4*time.Hour), gw)
	later := mk(ids[4], wall.Add(-5*time.Hour), gw.Add(time.Microsecond))
	delivered := mk(ids[5], wall.Add(-6*time.Hour), gw.Add(-2*time.Hour))
	delivered.Status, delivered.Attempts, delivered.DeliveredAt = payment.NotificationDelivered, 1, gw.Add(-time.Hour)
	failed := mk(ids[6], wall.Add(-7*time.Hour), gw.Add(-2*time.Hour))
	failed.Status, failed.Attempts = payment.NotificationFailed, 8
	for _, n := range []*payment.Notification{later, d, failed, a, c, delivered, b} {
		ok(t, s.NotificationInsert(ctx, n), "NotificationInsert")
	}

	lease2 := lease.Add(time.Microsecond + 15*time.Second)
	steps := []struct {
		name                     string
		now, wallNow, leaseUntil time.Time
		limit                    int
		want                     []*payment.Notification
	}{
		{"a microsecond before the first is due", gw.Add(-time.Hour - time.Microsecond), wall, lease, 100, nil},
		{"due on the wall clock but not on the gateway's", wall, gw.Add(time.Hour), lease, 100, nil},
		{"limit", gw, wall, lease, 2, []*payment.Notification{b, a}},
		{"the rest, which the limited claim did not lease", gw, wall, lease, 100, []*payment.Notification{c, d}},
		{"again with the same wall clock", gw, wall, lease, 100, nil},
		{"a day later on the gateway's clock: only the one not leased yet", gw.Add(24 * time.Hour), wall, lease, 100, []*payment.Notification{later}},
		{"a microsecond before the lease ends", gw.Add(24 * time.Hour), lease.Add(-time.Microsecond), lease2, 100, nil},
		{"after the lease", gw.Add(24 * time.Hour), lease.Add(time.Microsecond), lease2, 100, []*payment.Notification{b, a, c, d, later}},
		{"leased again", gw.Add(24 * time.Hour), lease.Add(time.Microsecond), lease2, 100, nil},
		{"after the second lease", gw.Add(365 * 24 * time.Hour), lease2.Add(time.Hour), lease2.Add(2 * time.Hour), 100, []*payment.Notification{b, a, c, d, later}},
	}
	for _, st := range steps {
		got := claim(t, s, st.now, st.wallNow, st.leaseUntil, st.limit)
		same(t, "NotificationClaimDue: "+st.name, st.want, got)
	}

	// Claiming changes nothing a reader sees.
	for _, want := range []*payment.Notification{a, b, c, d, later, delivered, failed} {
		got, err := s.NotificationGet(ctx, want.ID)
		ok(t, err, "NotificationGet")
		same(t, "notification after claims", want, got)
	}
}

func testNotificationRecordAttempt(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := addPayment(t, s, m)
	base := now()
	n := newNotification(p, base)
	other := newNotification(p, base)
	other.NextAttemptAt = base.Add(30 * 24 * time.Hour) // not due during this test
	for _, x := range []*payment.Notification{n, other} {
		ok(t, s.NotificationInsert(ctx, x), "NotificationInsert")
	}
	check := func(what string, want *payment.Notification, attempts []*payment.NotificationAttempt) {
		t.Helper()
		got, err := s.NotificationGet(ctx, want.ID)
		ok(t, err, "NotificationGet")
		same(t, what, want, got)
		list, err := s.NotificationAttempts(ctx, want.ID)
		ok(t, err, "NotificationAttempts")
		same(t, what+": attempts", attempts, list)
	}
	check("notification before any attempt", n, nil)

	// The worker claims the row, leased for an hour of wall time, and attempt 1 fails.
	wallLease := base.Add(time.Hour)
	same(t, "claim", []*payment.Notification{n}, claim(t, s, base, base, wallLease, 10))
	a1 := newAttempt(n, 1, base.Add(3*time.Millisecond+3*time.Microsecond))
	allSet(t, a1)
	n.Attempts, n.NextAttemptAt = 1, a1.StartedAt.Add(2*time.Minute)
	// The record writes the notification's state only: the rest of n is not its to change.
	sent := *n
	sent.MerchantID, sent.PaymentID, sent.Kind, sent.URL = newID(), newID(), payment.NotifyRefund, "https://elsewhere.example"
	sent.Body, sent.RoundStart, sent.CreatedAt = []byte(`{"changed":true}`), 7, base.Add(-time.Hour)
	ok(t, record(t, s, &sent, a1), "NotificationRecordAttempt of attempt 1")
	check("notification after a failed attempt", n, []*payment.NotificationAttempt{a1})

	// Recording ended the lease: the row is due at its next attempt on the gateway's clock,
	// though the claim's lease has most of an hour to run on the wall clock.
	same(t, "claim a microsecond before the next attempt", nil,
		claim(t, s, n.NextAttemptAt.Add(-time.Microsecond), base, wallLease, 10))
	same(t, "claim at the next attempt", []*payment.Notification{n},
		claim(t, s, n.NextAttemptAt, base.Add(time.Second), wallLease, 10))

	// Attempt 2 is acknowledged.
	a2 := newAttempt(n, 2, n.NextAttemptAt.Add(5*time.Microsecond))
	a2.HTTPStatus, a2.Error = 200, ""
	a2.Response = `{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}`
	n.Attempts, n.Status, n.DeliveredAt = 2, payment.NotificationDelivered, a2.StartedAt
	ok(t, record(t, s, n, a2), "NotificationRecordAttempt of attempt 2")
	check("notification after delivery", n, []*payment.NotificationAttempt{a1, a2})
	same(t, "claim after delivery", nil,
		claim(t, s, n.NextAttemptAt.Add(24*time.Hour), wallLease.Add(time.Hour), wallLease.Add(2*time.Hour), 10))

	// Another worker's record of an attempt already recorded, or of one out of turn, is stale
	// and changes nothing, in a transaction or not.
	ways := []struct {
		name string
		rec  func(n *payment.Notification, a *payment.NotificationAttempt) error
	}{
		{"in Tx", func(n *payment.Notification, a *payment.NotificationAttempt) error { return record(t, s, n, a) }},
		{"outside Tx", func(n *payment.Notification, a *payment.NotificationAttempt) error {
			return s.NotificationRecordAttempt(ctx, n, a)
		}},
	}
	stale := []struct {
		name    string
		attempt int
	}{
		{"the same attempt again", 2},
		{"an earlier attempt", 1},
		{"an attempt that skips one", 4},
		{"attempt zero", 0},
	}
	for _, way := range ways {
		for _, tc := range stale {
			late := *n
			late.Status, late.Attempts = payment.NotificationFailed, tc.attempt
			late.NextAttemptAt, late.DeliveredAt = base.Add(time.Minute), time.Time{}
			a := newAttempt(n, tc.attempt, base.Add(time.Minute))
			wantErr(t, way.rec(&late, a), store.ErrStale, "NotificationRecordAttempt "+way.name+" of "+tc.name)
			check("notification after a stale record "+way.name+" of "+tc.name, n, []*payment.NotificationAttempt{a1, a2})
		}
		unknown := newNotification(p, base)
		wantErr(t, way.rec(unknown, newAttempt(unknown, 1, base)), store.ErrStale,
			"NotificationRecordAttempt "+way.name+" of an unknown notification")
		list, err := s.NotificationAttempts(ctx, unknown.ID)
		ok(t, err, "NotificationAttempts")
		same(t, "attempts of an unknown notification", nil, list)
	}
	check("the other notification", other, nil)
}

// testNotificationAttemptsOrder: attempts come back in attempt order, by number (10 after
// 9), each notification's own.
func testNotificationAttemptsOrder(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := addPayment(t, s, m)
	base := now()
	n, other := newNotification(p, base), newNotification(p, base)
	for _, x := range []*payment.Notification{n, other} {
		ok(t, s.NotificationInsert(ctx, x), "NotificationInsert")
	}
	var want, wantOther []*payment.NotificationAttempt
	for i := 1; i <= 11; i++ {
		a := newAttempt(n, i, base.Add(time.Duration(i)*time.Minute+time.Duration(i)*time.Microsecond))
		// Not whole microseconds, as the worker measures it: kept to the microsecond.
		a.Latency = time.Duration(i)*time.Second + 1234*time.Nanosecond
		n.Attempts, n.NextAttemptAt = i, a.StartedAt.Add(time.Minute)
		if i == 11 {
			n.Status = payment.NotificationFailed
		}
		ok(t, record(t, s, n, a), "NotificationRecordAttempt")
		want = append(want, a)
		if i <= 2 {
			o := newAttempt(other, i, a.StartedAt)
			other.Attempts, other.NextAttemptAt = i, o.StartedAt.Add(time.Minute)
			ok(t, record(t, s, other, o), "NotificationRecordAttempt of the other notification")
			wantOther = append(wantOther, o)
		}
	}

	got, err := s.NotificationAttempts(ctx, n.ID)
	ok(t, err, "NotificationAttempts")
	if len(got) != len(want) {
		t.Fatalf("NotificationAttempts: got %d attempts, want %d", len(got), len(want))
	}
	for i := range want {
		if d := got[i].Latency - want[i].Latency; d <= -time.Microsecond || d >= time.Microsecond {
			t.Errorf("attempt %d: Latency: got %v, want %v to the microsecond", i+1, got[i].Latency, want[i].Latency)
		}
		w := *want[i]
		w.Latency = got[i].Latency
		same(t, fmt.Sprintf("attempt[%d]", i), &w, got[i])
	}
	gotOther, err := s.NotificationAttempts(ctx, other.ID)
	ok(t, err, "NotificationAttempts")
	same(t, "the other notification's attempts", wantOther, gotOther)
	for _, x := range []*payment.Notification{n, other} {
		got, err := s.NotificationGet(ctx, x.ID)
		ok(t, err, "NotificationGet")
		same(t, "notification after its attempts", x, got)
	}
}
