package storetest

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

func testNotificationInsertList(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p, other, none := addPayment(t, s, m), addPayment(t, s, m), addPayment(t, s, m)
	base := now()

	delivered := newNotification(p, base.Add(time.Second))
	delivered.Kind, delivered.Status, delivered.Attempts, delivered.RoundStart = payment.NotifyCapture, payment.NotificationDelivered, 3, 1
	delivered.NextAttemptAt = base.Add(90*time.Second + 9*time.Microsecond)
	delivered.DeliveredAt = base.Add(95*time.Second + 11*time.Microsecond)
	allSet(t, delivered)
	first := newNotification(p, base)
	first.URL = "" // the merchant's configured URL at send time
	third := newNotification(p, base.Add(2*time.Second))
	third.Kind, third.Body = payment.NotifyRefund, bytes.Repeat([]byte{0xff, 0x00, '{'}, 4000)
	elsewhere := newNotification(other, base.Add(-time.Second))
	for _, n := range []*payment.Notification{delivered, elsewhere, third, first} {
		ok(t, s.NotificationInsert(ctx, n), "NotificationInsert")
	}

	tests := []struct {
		name    string
		payment string
		want    []*payment.Notification
	}{
		{"payment with three notifications", p.ID, []*payment.Notification{first, delivered, third}},
		{"payment with one notification", other.ID, []*payment.Notification{elsewhere}},
		{"payment without notifications", none.ID, nil},
		{"unknown payment", newID(), nil},
	}
	for _, tc := range tests {
		got, err := s.NotificationListByPayment(ctx, tc.payment)
		ok(t, err, "NotificationListByPayment: "+tc.name)
		same(t, "NotificationListByPayment: "+tc.name, tc.want, got)
	}
}

func testNotificationGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := addPayment(t, s, m)
	base := now()
	delivered := newNotification(p, base)
	delivered.Kind, delivered.Status, delivered.Attempts, delivered.RoundStart = payment.NotifyRefund, payment.NotificationDelivered, 4, 2
	delivered.NextAttemptAt = base.Add(10*time.Minute + 3*time.Microsecond)
	delivered.DeliveredAt = base.Add(11*time.Minute + 7*time.Microsecond)
	allSet(t, delivered)
	pending := newNotification(p, base.Add(time.Second))
	pending.URL = ""
	for _, n := range []*payment.Notification{delivered, pending} {
		ok(t, s.NotificationInsert(ctx, n), "NotificationInsert")
	}
	for _, want := range []*payment.Notification{delivered, pending} {
		got, err := s.NotificationGet(ctx, want.ID)
		ok(t, err, "NotificationGet")
		same(t, "notification", want, got)
	}

	missing := []struct{ name, id string }{
		{"unknown id", newID()},
		{"empty id", ""},
		{"payment id as id", p.ID},
	}
	for _, tc := range missing {
		got, err := s.NotificationGet(ctx, tc.id)
		wantErr(t, err, store.ErrNotFound, "NotificationGet: "+tc.name)
		if got != nil {
			t.Errorf("NotificationGet: %s: returned %+v with its error", tc.name, got)
		}
	}
}

func testNotificationList(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p1, p2, quiet := addPayment(t, s, m), addPayment(t, s, m), addPayment(t, s, m)
	base := now()
	// Newer rows get smaller ids, so that only the creation time gives the wanted order.
	ids := sortedIDs(6)
	mk := func(i int, p *payment.Payment, status string) *payment.Notification {
		n := newNotification(p, base.Add(time.Duration(i)*(time.Second+time.Microsecond)))
		n.ID, n.Status = ids[len(ids)-1-i], status
		switch status {
		case payment.NotificationFailed:
			n.Attempts = 8
		case payment.NotificationDelivered:
			n.Attempts, n.DeliveredAt = 2, n.CreatedAt.Add(time.Minute)
		}
		return n
	}
	a := mk(0, p1, payment.NotificationPending)
	b := mk(1, p2, payment.NotificationFailed)
	c := mk(2, p1, payment.NotificationDelivered)
	d := mk(3, p1, payment.NotificationUndeliverable) // not delivered either
	e := mk(4, p2, payment.NotificationPending)
	f := mk(5, p1, payment.NotificationFailed)
	oldest := newNotification(quiet, base.Add(-time.Hour))
	for _, n := range []*payment.Notification{c, f, oldest, a, e, b, d} {
		ok(t, s.NotificationInsert(ctx, n), "NotificationInsert")
	}
	all := []*payment.Notification{f, e, d, c, b, a, oldest}

	tests := []struct {
		name   string
		filter store.NotificationFilter
		want   []*payment.Notification
	}{
		{"all", store.NotificationFilter{}, all},
		{"one payment", store.NotificationFilter{PaymentID: p1.ID}, []*payment.Notification{f, d, c, a}},
		{"another payment", store.NotificationFilter{PaymentID: p2.ID}, []*payment.Notification{e, b}},
		{"failed only", store.NotificationFilter{FailedOnly: true}, []*payment.Notification{f, d, b}},
		{"one payment, failed only", store.NotificationFilter{PaymentID: p1.ID, FailedOnly: true}, []*payment.Notification{f, d}},
		{"failed only of a payment without failures", store.NotificationFilter{PaymentID: quiet.ID, FailedOnly: true}, nil},
		{"unknown payment", store.NotificationFilter{PaymentID: newID()}, nil},
		{"limit", store.NotificationFilter{Limit: 2}, []*payment.Notification{f, e}},
		{"limit one, failed only", store.NotificationFilter{FailedOnly: true, Limit: 1}, []*payment.Notification{f}},
		{"one payment, limit", store.NotificationFilter{PaymentID: p1.ID, Limit: 3}, []*payment.Notification{f, d, c}},
		{"limit above the count", store.NotificationFilter{Limit: 1000}, all},
	}
	for _, tc := range tests {
		got, err := s.NotificationList(ctx, tc.filter)
		ok(t, err, "NotificationList: "+tc.name)
		same(t, "NotificationList: "+tc.name, tc.want, got)
	}
}

func testNotificationListDefaultLimit(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := addPayment(t, s, m)
	base := now()
	const total = 105
	all := make([]*payment.Notification, total) // newest first
	ok(t, s.Tx(ctx, func(q store.Tx) error {
		for i := range all {
			all[i] = newNotification(p, base.Add(-time.Duration(i)*time.Millisecond))
			if err := q.NotificationInsert(ctx, all[i]); err != nil {
				return err
			}
		}
		return nil
	}), "Tx(NotificationInsert)")

	tests := []struct {
		name   string
		filter store.NotificationFilter
		want   []*payment.Notification
	}{
		{"no limit is 100", store.NotificationFilter{}, all[:100]},
		{"no limit is 100 for a payment", store.NotificationFilter{PaymentID: p.ID}, all[:100]},
		{"a limit above 100", store.NotificationFilter{Limit: 101}, all[:101]},
		{"a limit above the count", store.NotificationFilter{Limit: 1000}, all},
	}
	for _, tc := range tests {
		got, err := s.NotificationList(ctx, tc.filter)
		ok(t, err, "NotificationList: "+tc.name)
		same(t, "NotificationList: "+tc.name, tc.want, got)
	}
}

func testNotificationResend(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := addPayment(t, s, m)
	base := now()
	failed := newNotification(p, base.Add(-2*time.Hour))
	failed.Status, failed.Attempts, failed.NextAttemptAt = payment.NotificationFailed, 8, base.Add(-time.Hour)
	delivered := newNotification(p, base.Add(-time.Hour))
	delivered.Status, delivered.Attempts, delivered.RoundStart = payment.NotificationDelivered, 10, 8
	delivered.NextAttemptAt, delivered.DeliveredAt = base.Add(-50*time.Minute), base.Add(-30*time.Minute+7*time.Microsecond)
	pending := newNotification(p, base)
	pending.NextAttemptAt = base.Add(30 * 24 * time.Hour) // not due during this test
	for _, n := range []*payment.Notification{failed, delivered, pending} {
		ok(t, s.NotificationInsert(ctx, n), "NotificationInsert")
	}
	check := func(what string, want *payment.Notification) {
		t.Helper()
		got, err := s.NotificationGet(ctx, want.ID)
		ok(t, err, "NotificationGet")
		same(t, what, want, got)
	}

	at := base.Add(time.Hour + 3*time.Microsecond)
	ok(t, s.NotificationResend(ctx, failed.ID, at), "NotificationResend of a failed notification")
	failed.Status, failed.RoundStart, failed.NextAttemptAt = payment.NotificationPending, 8, at
	check("failed notification after NotificationResend", failed)

	at2 := at.Add(time.Minute)
	ok(t, s.Tx(ctx, func(q store.Tx) error { return q.NotificationResend(ctx, delivered.ID, at2) }),
		"Tx(NotificationResend) of a delivered notification")
	delivered.Status, delivered.RoundStart, delivered.NextAttemptAt = payment.NotificationPending, 10, at2
	delivered.DeliveredAt = time.Time{}
	check("delivered notification after NotificationResend", delivered)
	check("failed notification after the other's NotificationResend", failed)
	check("an untouched notification", pending)

	wantErr(t, s.NotificationResend(ctx, newID(), at), store.ErrNotFound, "NotificationResend of an unknown notification")
	wantErr(t, s.NotificationResend(ctx, "", at), store.ErrNotFound, "NotificationResend of an empty id")

	// Pending again: due at the resend time on the gateway's clock, not before.
	wall := now()
	lease := wall.Add(time.Hour)
	same(t, "claim a microsecond before the resend", nil, claim(t, s, at.Add(-time.Microsecond), wall, lease, 10))
	same(t, "claim at the resend", []*payment.Notification{failed}, claim(t, s, at, wall, lease, 10))
	same(t, "claim at the second resend", []*payment.Notification{delivered}, claim(t, s, at2, wall, lease, 10))

	// The new round's first attempt records on top of the old count and keeps the round start.
	a9 := newAttempt(failed, 9, at.Add(time.Millisecond))
	failed.Attempts, failed.NextAttemptAt = 9, a9.StartedAt.Add(2*time.Minute)
	ok(t, record(t, s, failed, a9), "NotificationRecordAttempt after NotificationResend")
	check("notification after the new round's first attempt", failed)
	list, err := s.NotificationAttempts(ctx, failed.ID)
	ok(t, err, "NotificationAttempts")
	same(t, "attempts after the new round's first attempt", []*payment.NotificationAttempt{a9}, list)

	// A pending notification can be resent too: due at once, in a round starting at its count.
	ok(t, s.NotificationResend(ctx, failed.ID, at2), "NotificationResend of a pending notification")
	failed.RoundStart, failed.NextAttemptAt = 9, at2
	check("pending notification after NotificationResend", failed)
}

func testNotificationBacklog(t *testing.T, s store.Store) {
	ctx := t.Context()
	base := now()
	b, err := s.NotificationBacklog(ctx, base.Add(-time.Hour))
	ok(t, err, "NotificationBacklog")
	same(t, "empty outbox", store.Backlog{}, b)
	m := addMerchant(t, s)
	p := addPayment(t, s, m)
	var ns []*payment.Notification
	for i, due := range []time.Duration{time.Minute, -time.Hour, 0} {
		nt := newNotification(p, base)
		nt.NextAttemptAt = base.Add(due)
		ok(t, s.NotificationInsert(ctx, nt), "NotificationInsert "+strconv.Itoa(i))
		ns = append(ns, nt)
	}
	// A delivered one no longer counts, however early it was due.
	early := ns[1]
	early.Status, early.Attempts, early.DeliveredAt = payment.NotificationDelivered, 1, base
	ok(t, record(t, s, early, newAttempt(early, 1, base)), "NotificationRecordAttempt")
	// Undeliverable ones count apart, from since on.
	for i, age := range []time.Duration{0, 30 * time.Minute, 2 * time.Hour} {
		nt := newNotification(p, base.Add(-age))
		nt.Status = payment.NotificationUndeliverable
		ok(t, s.NotificationInsert(ctx, nt), "NotificationInsert undeliverable "+strconv.Itoa(i))
	}
	b, err = s.NotificationBacklog(ctx, base.Add(-time.Hour))
	ok(t, err, "NotificationBacklog")
	same(t, "backlog", store.Backlog{Pending: 2, OldestDue: base, Undeliverable: 2}, b)
}

// noURLMerchant adds a merchant without a notify URL.
func noURLMerchant(t *testing.T, s store.Store) *payment.Merchant {
	t.Helper()
	m := newMerchant(now())
	m.NotifyURL = ""
	ok(t, s.MerchantInsert(t.Context(), m), "MerchantInsert")
	return m
}

func testNotificationUndeliverableInsert(t *testing.T, s store.Store) {
	ctx := t.Context()
	without, with := noURLMerchant(t, s), addMerchant(t, s)
	pw, pm := addPayment(t, s, without), addPayment(t, s, with)
	base := now()
	mk := func(p *payment.Payment, url, status string) *payment.Notification {
		n := newNotification(p, base)
		n.URL, n.Status = url, status
		return n
	}
	tests := []struct {
		name string
		n    *payment.Notification
		want string
	}{
		{"no URL anywhere", mk(pw, "", payment.NotificationPending), payment.NotificationUndeliverable},
		{"the request's URL", mk(pw, "https://shop.example/n", payment.NotificationPending), payment.NotificationPending},
		{"the merchant's URL", mk(pm, "", payment.NotificationPending), payment.NotificationPending},
		{"delivered, no URL anywhere", mk(pw, "", payment.NotificationDelivered), payment.NotificationDelivered},
	}
	for _, tc := range tests {
		ok(t, s.Tx(ctx, func(q store.Tx) error { return q.NotificationInsert(ctx, tc.n) }), "NotificationInsert: "+tc.name)
		if tc.n.Status != tc.want {
			t.Errorf("%s: NotificationInsert says %s, want %s", tc.name, tc.n.Status, tc.want)
		}
		got, err := s.NotificationGet(ctx, tc.n.ID)
		ok(t, err, "NotificationGet: "+tc.name)
		same(t, "stored: "+tc.name, tc.n, got)
	}
	// Outside a transaction too.
	lone := mk(pw, "", payment.NotificationPending)
	ok(t, s.NotificationInsert(ctx, lone), "NotificationInsert outside a Tx")
	if lone.Status != payment.NotificationUndeliverable {
		t.Errorf("NotificationInsert outside a Tx says %s", lone.Status)
	}
	// An undeliverable notification is never claimed, however due.
	var claimed []*payment.Notification
	ok(t, s.Tx(ctx, func(q store.Tx) error {
		var err error
		claimed, err = q.NotificationClaimDue(ctx, store.NotificationClaim{Now: base.Add(time.Hour), WallNow: base, LeaseUntil: base.Add(time.Minute), Limit: 100})
		return err
	}), "NotificationClaimDue")
	for _, n := range claimed {
		if n.Status != payment.NotificationPending {
			t.Errorf("claimed a %s notification", n.Status)
		}
	}
	if len(claimed) != 2 {
		t.Errorf("claimed %d notifications, want the 2 pending ones", len(claimed))
	}
}

func testNotificationSetUndeliverable(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := addPayment(t, s, m)
	base := now()
	n := newNotification(p, base)
	n.URL, n.Attempts = "", 2
	ok(t, s.NotificationInsert(ctx, n), "NotificationInsert")
	wantErr(t, s.NotificationSetUndeliverable(ctx, n), store.ErrStale, "NotificationSetUndeliverable while the merchant has a URL")

	ok(t, s.MerchantSetNotifyURL(ctx, m.ClientID, ""), "MerchantSetNotifyURL ''")
	stale := *n
	stale.Attempts = 1
	wantErr(t, s.NotificationSetUndeliverable(ctx, &stale), store.ErrStale, "NotificationSetUndeliverable after another attempt")
	own := newNotification(p, base)
	ok(t, s.NotificationInsert(ctx, own), "NotificationInsert with the request's URL")
	wantErr(t, s.NotificationSetUndeliverable(ctx, own), store.ErrStale, "NotificationSetUndeliverable of one with the request's URL")

	ok(t, s.Tx(ctx, func(q store.Tx) error { return q.NotificationSetUndeliverable(ctx, n) }), "NotificationSetUndeliverable")
	n.Status = payment.NotificationUndeliverable
	got, err := s.NotificationGet(ctx, n.ID)
	ok(t, err, "NotificationGet")
	same(t, "undeliverable notification", n, got)
	attempts, err := s.NotificationAttempts(ctx, n.ID)
	ok(t, err, "NotificationAttempts")
	same(t, "attempts of an undeliverable notification", nil, attempts)
	wantErr(t, s.NotificationSetUndeliverable(ctx, n), store.ErrStale, "NotificationSetUndeliverable twice")
}

func testNotificationResendUndeliverable(t *testing.T, s store.Store) {
	ctx := t.Context()
	m, other := noURLMerchant(t, s), noURLMerchant(t, s)
	p, po := addPayment(t, s, m), addPayment(t, s, other)
	base := now()
	since := base.Add(-24 * time.Hour)
	mk := func(p *payment.Payment, created time.Time, status string) *payment.Notification {
		n := newNotification(p, created)
		n.Status, n.Attempts = status, 3
		ok(t, s.NotificationInsert(ctx, n), "NotificationInsert")
		return n
	}
	recent, edge := mk(p, base.Add(-time.Hour), payment.NotificationUndeliverable), mk(p, since, payment.NotificationUndeliverable)
	old := mk(p, since.Add(-time.Microsecond), payment.NotificationUndeliverable)
	failed := mk(p, base, payment.NotificationFailed)
	others := mk(po, base, payment.NotificationUndeliverable)

	at := base.Add(time.Second)
	var n int
	ok(t, s.Tx(ctx, func(q store.Tx) error {
		var err error
		n, err = q.NotificationResendUndeliverable(ctx, m.ID, since, at)
		return err
	}), "NotificationResendUndeliverable")
	if n != 2 {
		t.Errorf("NotificationResendUndeliverable resent %d, want 2", n)
	}
	for _, r := range []*payment.Notification{recent, edge} {
		r.Status, r.RoundStart, r.NextAttemptAt = payment.NotificationPending, 3, at
	}
	for _, want := range []*payment.Notification{recent, edge, old, failed, others} {
		got, err := s.NotificationGet(ctx, want.ID)
		ok(t, err, "NotificationGet")
		same(t, "after NotificationResendUndeliverable", want, got)
	}
	n, err := s.NotificationResendUndeliverable(ctx, newID(), since, at)
	ok(t, err, "NotificationResendUndeliverable of an unknown merchant")
	if n != 0 {
		t.Errorf("NotificationResendUndeliverable of an unknown merchant resent %d", n)
	}
}

// testNotificationUndeliverableRace writes a notification without a URL in a transaction
// held open while another sets the merchant's URL and resends its undeliverable ones: in
// whichever order the two end, the notification must end up pending, never held.
func testNotificationUndeliverableRace(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := noURLMerchant(t, s)
	p := addPayment(t, s, m)
	n := newNotification(p, now())
	n.URL = ""
	inserted, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.Tx(ctx, func(q store.Tx) error {
			err := q.NotificationInsert(ctx, n)
			close(inserted)
			<-release
			return err
		})
	}()
	<-inserted
	set := make(chan error, 1)
	go func() {
		set <- s.Tx(ctx, func(q store.Tx) error {
			if err := q.MerchantSetNotifyURL(ctx, m.ClientID, "https://shop.example/late"); err != nil {
				return err
			}
			_, err := q.NotificationResendUndeliverable(ctx, m.ID, n.CreatedAt.Add(-time.Hour), now())
			return err
		})
	}()
	// Give the second transaction time to reach the first one's lock; the outcome must not
	// depend on whether it did.
	time.Sleep(50 * time.Millisecond)
	close(release)
	ok(t, <-done, "Tx(NotificationInsert)")
	ok(t, <-set, "Tx(MerchantSetNotifyURL, NotificationResendUndeliverable)")
	got, err := s.NotificationGet(ctx, n.ID)
	ok(t, err, "NotificationGet")
	if got.Status != payment.NotificationPending {
		t.Errorf("notification is %s after the merchant set its URL, want PENDING", got.Status)
	}
}
