// Package storetest is the conformance suite of store.Store. Every adapter's tests call Run
// with a function that opens a fresh store, and every adapter must pass all of it: the
// gateway relies on these behaviours (sentinel errors, merchant scoping, exact round-trips,
// conditional updates, transactions) and on nothing an adapter does beyond them.
package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// Run runs the suite. open must return a fresh, empty, migrated store on every call and
// close it itself (with t.Cleanup); each subtest calls it once.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"MerchantInsertGet", testMerchantInsertGet},
		{"MerchantDuplicateClientID", testMerchantDuplicateClientID},
		{"MerchantGetUnknown", testMerchantGetUnknown},
		{"MerchantList", testMerchantList},
		{"MerchantSetNotifyURL", testMerchantSetNotifyURL},
		{"MerchantGet", testMerchantGet},

		{"CardInsertGet", testCardInsertGet},
		{"CardGetByToken", testCardGetByToken},
		{"CardWithoutToken", testCardWithoutToken},
		{"CardDuplicateToken", testCardDuplicateToken},
		{"CardSealedBytes", testCardSealedBytes},
		{"CardListNotUnderKey", testCardListNotUnderKey},
		{"CardRewrap", testCardRewrap},

		{"PaymentRoundTrip", testPaymentRoundTrip},
		{"PaymentZeroTimes", testPaymentZeroTimes},
		{"PaymentDuplicateRequestID", testPaymentDuplicateRequestID},
		{"PaymentScopedByMerchant", testPaymentScopedByMerchant},
		{"PaymentUpdate", testPaymentUpdate},
		{"PaymentUpdateStale", testPaymentUpdateStale},
		{"PaymentListDue", testPaymentListDue},

		{"CaptureInsertGet", testCaptureInsertGet},
		{"CaptureDuplicateRequestID", testCaptureDuplicateRequestID},
		{"CaptureUpdate", testCaptureUpdate},
		{"CaptureListByPayment", testCaptureListByPayment},

		{"RefundInsertGet", testRefundInsertGet},
		{"RefundDuplicateRequestID", testRefundDuplicateRequestID},
		{"RefundUpdate", testRefundUpdate},
		{"RefundListByPayment", testRefundListByPayment},
		{"RefundListProcessing", testRefundListProcessing},

		{"NotificationInsertList", testNotificationInsertList},
		{"NotificationGet", testNotificationGet},
		{"NotificationList", testNotificationList},
		{"NotificationListDefaultLimit", testNotificationListDefaultLimit},
		{"NotificationClaimDue", testNotificationClaimDue},
		{"NotificationClaimDuringClaim", testNotificationClaimDuringClaim},
		{"NotificationClaimConcurrent", testNotificationClaimConcurrent},
		{"NotificationRecordAttempt", testNotificationRecordAttempt},
		{"NotificationAttemptsOrder", testNotificationAttemptsOrder},
		{"NotificationResend", testNotificationResend},
		{"NotificationBacklog", testNotificationBacklog},
		{"Ping", testPing},

		{"Clock", testClock},
		{"ClockConcurrent", testClockConcurrent},

		{"TxCommit", testTxCommit},
		{"TxRollback", testTxRollback},
		{"TxConcurrent", testTxConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			if s == nil {
				t.Fatal("open returned a nil store")
			}
			tc.fn(t, s)
		})
	}
}

// Fixtures. IDs are UUIDs, as the gateway makes them, so that an adapter may use a UUID
// column; times are UTC and truncated to microseconds, as the gateway writes them.

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// newMerchant has every field set and a client id no other fixture has.
func newMerchant(created time.Time) *payment.Merchant {
	id := newID()
	return &payment.Merchant{
		ID:        id,
		ClientID:  "client-" + id,
		Name:      "Boutique Zoë & Co",
		PublicKey: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE" + id,
		NotifyURL: "https://shop.example/notify?m=" + id,
		CreatedAt: created,
	}
}

// newCard has every field set; the token is unique.
func newCard(m *payment.Merchant, created time.Time) *payment.Card {
	return &payment.Card{
		ID:             newID(),
		MerchantID:     m.ID,
		BuyerID:        "buyer-1",
		Token:          "tok-" + newID(),
		Fingerprint:    "fp-" + newID(),
		KeyID:          "k1-20250101",
		Sealed:         []byte{0x00, 0x01, 0xfe, 0xff, 'p', 'a', 'n', 0x00, 0xc3, 0x28},
		Brand:          "VISA",
		BIN:            "411111",
		Last4:          "1111",
		ExpiryMonth:    "12",
		ExpiryYear:     "2030",
		HolderName:     "Zoë Ångström",
		Funding:        "CREDIT",
		IssuingCountry: "US",
		CreatedAt:      created,
	}
}

// newPayment is a payment as pay first writes it: processing, nothing optional set.
func newPayment(m *payment.Merchant, created time.Time) *payment.Payment {
	return &payment.Payment{
		ID:           newID(),
		MerchantID:   m.ID,
		RequestID:    "req-" + newID(),
		KeyHash:      "kh-" + newID(),
		Amount:       payment.Amount{Currency: "USD", Value: 1000},
		Status:       payment.Processing,
		Stage:        payment.StageAuthorizing,
		CaptureMode:  "AUTOMATIC",
		CaptureState: payment.CaptureNone,
		CreatedAt:    created,
		UpdatedAt:    created,
		ExpiresAt:    created.Add(payment.DefaultExpiry),
		Version:      1,
	}
}

// fullPayment has every field set, every time distinct and with sub-second parts.
func fullPayment(m *payment.Merchant, c *payment.Card, base time.Time) *payment.Payment {
	return &payment.Payment{
		ID:            newID(),
		MerchantID:    m.ID,
		RequestID:     "req-" + newID(),
		KeyHash:       "kh-" + newID(),
		Amount:        payment.Amount{Currency: "JPY", Value: 123456789012},
		Status:        payment.Success,
		Stage:         payment.StageIssuerPending,
		ResultCode:    "SUCCESS",
		ResultMessage: `Success. "quoted" <b>&amp;</b> é`,
		CaptureMode:   "MANUAL",
		CaptureState:  payment.CaptureCapturing,
		CapturedValue: 1000,
		RefundedValue: 250,
		CancelReason:  payment.CancelReleased,
		CardID:        c.ID,
		Card: payment.CardResult{
			Masked: "411111******1111", Brand: "VISA", BIN: "411111", Last4: "1111",
			ExpiryMonth: "12", ExpiryYear: "2030", HolderName: "Zoë Ångström", Funding: "CREDIT",
			IssuingCountry: "US", Token: c.Token, AVS: "Y", CVV: "M", NetworkTransactionID: "ntx-1",
			AuthCode: "A1B2C3",
			ThreeDS: &payment.ThreeDS{
				Version: "2.2.0", ECI: "05", CAVV: "AAABBBCCC=", DSTransactionID: "ds-1", Challenged: true,
			},
		},
		IssuerRef:   "iss-" + newID(),
		RedirectURL: "https://shop.example/return?a=1&b=é",
		NotifyURL:   "https://shop.example/notify?p=1",
		Order: payment.Order{
			ReferenceOrderID: "order-42", Description: "Two \"café\" mugs\n\t<and> a tea\u2028pot",
			BuyerID: "buyer-1", TerminalType: "WEB", Tokenize: true, Force3DS: true, AuthUpgrade: true, IssuerBrand: "HYUNDAI", Session: true,
		},
		CreatedAt:    base,
		UpdatedAt:    base.Add(1*time.Second + 1*time.Microsecond),
		PaidAt:       base.Add(2*time.Second + 2*time.Microsecond),
		CancelledAt:  base.Add(3*time.Second + 3*time.Microsecond),
		ExpiresAt:    base.Add(payment.DefaultExpiry + 4*time.Microsecond),
		NextActionAt: base.Add(payment.AuthWindow + 5*time.Microsecond),
		Version:      1,
	}
}

// newCapture is a processing capture; only the outcome fields are unset.
func newCapture(p *payment.Payment, created time.Time) *payment.Capture {
	return &payment.Capture{
		ID:         newID(),
		PaymentID:  p.ID,
		MerchantID: p.MerchantID,
		RequestID:  "cap-" + newID(),
		Amount:     payment.Amount{Currency: "USD", Value: 600},
		Status:     payment.Processing,
		CreatedAt:  created,
	}
}

// newRefund is a processing refund; only the outcome fields are unset.
func newRefund(p *payment.Payment, created time.Time) *payment.Refund {
	return &payment.Refund{
		ID:                newID(),
		PaymentID:         p.ID,
		MerchantID:        p.MerchantID,
		RequestID:         "ref-" + newID(),
		ReferenceRefundID: "merchant-ref-1",
		Amount:            payment.Amount{Currency: "USD", Value: 300},
		Reason:            "Buyer changed their mind — “é”",
		NotifyURL:         "https://shop.example/refunds?x=1&y=2",
		Status:            payment.Processing,
		CreatedAt:         created,
	}
}

func newNotification(p *payment.Payment, created time.Time) *payment.Notification {
	return &payment.Notification{
		ID:            newID(),
		MerchantID:    p.MerchantID,
		PaymentID:     p.ID,
		Kind:          payment.NotifyPayment,
		URL:           "https://shop.example/notify?n=1",
		Body:          []byte(`{"notifyType":"PAYMENT_RESULT","result":{"resultStatus":"S"},"x":"é\u0000"}`),
		Status:        payment.NotificationPending,
		NextAttemptAt: created,
		CreatedAt:     created,
	}
}

// newAttempt is a failed attempt with every field set; Latency is whole microseconds, the
// precision the store keeps.
func newAttempt(n *payment.Notification, attempt int, started time.Time) *payment.NotificationAttempt {
	return &payment.NotificationAttempt{
		NotificationID: n.ID,
		Attempt:        attempt,
		StartedAt:      started,
		URL:            "https://shop.example/notify?attempt=" + strconv.Itoa(attempt) + "&q=é",
		HTTPStatus:     500 + attempt,
		Latency:        1234567*time.Microsecond + time.Duration(attempt)*time.Microsecond,
		Response:       `{"result":{"resultStatus":"F","resultMessage":"busy — é"}}` + "\n\t<" + strconv.Itoa(attempt) + ">",
		Error:          "HTTP " + strconv.Itoa(500+attempt) + " is not an acknowledgement",
	}
}

// sortedIDs returns n fresh ids in ascending order, so that a test can give rows ids whose
// order differs from the order of their other columns.
func sortedIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = newID()
	}
	slices.Sort(ids)
	return ids
}

// Helpers.

func ok(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func wantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

func addMerchant(t *testing.T, s store.Store) *payment.Merchant {
	t.Helper()
	m := newMerchant(now())
	ok(t, s.MerchantInsert(t.Context(), m), "MerchantInsert")
	return m
}

func addPayment(t *testing.T, s store.Store, m *payment.Merchant) *payment.Payment {
	t.Helper()
	p := newPayment(m, now())
	ok(t, s.PaymentInsert(t.Context(), p), "PaymentInsert")
	return p
}

// claim runs NotificationClaimDue in a transaction of its own, as the worker does.
func claim(t *testing.T, s store.Store, now, wallNow, leaseUntil time.Time, limit int) []*payment.Notification {
	t.Helper()
	var got []*payment.Notification
	ok(t, s.Tx(t.Context(), func(q store.Queries) error {
		var err error
		got, err = q.NotificationClaimDue(t.Context(), now, wallNow, leaseUntil, limit)
		return err
	}), "Tx(NotificationClaimDue)")
	return got
}

// record runs NotificationRecordAttempt in a transaction of its own, as the worker does.
func record(t *testing.T, s store.Store, n *payment.Notification, a *payment.NotificationAttempt) error {
	t.Helper()
	return s.Tx(t.Context(), func(q store.Queries) error { return q.NotificationRecordAttempt(t.Context(), n, a) })
}

// same reports every field where got differs from want. Times compare by instant, and a
// non-zero time read back must be in UTC; byte slices compare by content.
func same(t *testing.T, what string, want, got any) {
	t.Helper()
	var diffs []string
	wv, gv := reflect.ValueOf(want), reflect.ValueOf(got)
	if wv.Type() != gv.Type() {
		t.Fatalf("%s: got a %T, want a %T", what, got, want)
	}
	if wv.Kind() == reflect.Pointer && (wv.IsNil() || gv.IsNil()) {
		if wv.IsNil() != gv.IsNil() {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
		return
	}
	diff(what, wv, gv, &diffs)
	for _, d := range diffs {
		t.Error(d)
	}
}

var timeType = reflect.TypeFor[time.Time]()

func diff(path string, w, g reflect.Value, out *[]string) {
	switch {
	case w.Type() == timeType:
		wt, gt := w.Interface().(time.Time), g.Interface().(time.Time)
		switch {
		case wt.IsZero() != gt.IsZero():
			*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, gt, wt))
		case !gt.Equal(wt):
			*out = append(*out, fmt.Sprintf("%s: got %v, want %v (off by %v)", path, gt, wt, gt.Sub(wt)))
		case !gt.IsZero() && gt.Location() != time.UTC:
			*out = append(*out, fmt.Sprintf("%s: got location %v, want UTC", path, gt.Location()))
		}
	case w.Kind() == reflect.Pointer:
		if w.IsNil() || g.IsNil() {
			if w.IsNil() != g.IsNil() {
				*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, g.Interface(), w.Interface()))
			}
			return
		}
		diff(path, w.Elem(), g.Elem(), out)
	case w.Kind() == reflect.Struct:
		for i := range w.NumField() {
			diff(path+"."+w.Type().Field(i).Name, w.Field(i), g.Field(i), out)
		}
	case w.Kind() == reflect.Slice && w.Type().Elem().Kind() == reflect.Uint8:
		if !bytes.Equal(w.Bytes(), g.Bytes()) {
			*out = append(*out, fmt.Sprintf("%s: got %q, want %q", path, g.Bytes(), w.Bytes()))
		}
	default:
		if !reflect.DeepEqual(w.Interface(), g.Interface()) {
			*out = append(*out, fmt.Sprintf("%s: got %#v, want %#v", path, g.Interface(), w.Interface()))
		}
	}
}

// sameList compares two lists element by element, in order.
func sameList[T any](t *testing.T, what string, want, got []*T) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d rows, want %d", what, len(got), len(want))
		return
	}
	for i := range want {
		same(t, fmt.Sprintf("%s[%d]", what, i), want[i], got[i])
	}
}

// allSet fails the test when a fixture leaves a field zero, so that a field added to the
// domain is not silently left out of the round-trip tests.
func allSet(t *testing.T, v any) {
	t.Helper()
	var zero []string
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		switch {
		case v.Type() == timeType:
			if v.Interface().(time.Time).IsZero() {
				zero = append(zero, path)
			}
		case v.Kind() == reflect.Pointer:
			if v.IsNil() {
				zero = append(zero, path)
				return
			}
			walk(path, v.Elem())
		case v.Kind() == reflect.Struct:
			for i := range v.NumField() {
				walk(path+"."+v.Type().Field(i).Name, v.Field(i))
			}
		case v.Kind() == reflect.Slice:
			if v.Len() == 0 {
				zero = append(zero, path)
			}
		default:
			if v.IsZero() {
				zero = append(zero, path)
			}
		}
	}
	walk(fmt.Sprintf("%T", v), reflect.ValueOf(v))
	if len(zero) > 0 {
		t.Fatalf("fixture leaves %v zero; set every field so that the round trip covers it", zero)
	}
}

// Merchants.

func testMerchantInsertGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := newMerchant(now())
	allSet(t, m)
	ok(t, s.MerchantInsert(ctx, m), "MerchantInsert")
	got, err := s.MerchantGetByClientID(ctx, m.ClientID)
	ok(t, err, "MerchantGetByClientID")
	same(t, "merchant", m, got)
}

func testMerchantDuplicateClientID(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	dup := newMerchant(now())
	dup.ClientID = m.ClientID
	wantErr(t, s.MerchantInsert(ctx, dup), store.ErrConflict, "MerchantInsert with a taken client id")

	got, err := s.MerchantGetByClientID(ctx, m.ClientID)
	ok(t, err, "MerchantGetByClientID")
	same(t, "merchant after the conflict", m, got)
	list, err := s.MerchantList(ctx)
	ok(t, err, "MerchantList")
	sameList(t, "merchants after the conflict", []*payment.Merchant{m}, list)
}

func testMerchantGetUnknown(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	for _, clientID := range []string{"no-such-client", "", m.ID} {
		got, err := s.MerchantGetByClientID(ctx, clientID)
		wantErr(t, err, store.ErrNotFound, fmt.Sprintf("MerchantGetByClientID(%q)", clientID))
		if got != nil {
			t.Errorf("MerchantGetByClientID(%q) returned %+v with its error", clientID, got)
		}
	}
}

func testMerchantList(t *testing.T, s store.Store) {
	ctx := t.Context()
	list, err := s.MerchantList(ctx)
	ok(t, err, "MerchantList on an empty store")
	if len(list) != 0 {
		t.Fatalf("MerchantList on an empty store: got %d merchants", len(list))
	}

	// Inserted out of creation order: the list is in creation order.
	base := now()
	second, third, first := newMerchant(base.Add(time.Second)), newMerchant(base.Add(2*time.Second)), newMerchant(base)
	for _, m := range []*payment.Merchant{second, third, first} {
		ok(t, s.MerchantInsert(ctx, m), "MerchantInsert")
	}
	list, err = s.MerchantList(ctx)
	ok(t, err, "MerchantList")
	sameList(t, "merchants", []*payment.Merchant{first, second, third}, list)
}

func testMerchantSetNotifyURL(t *testing.T, s store.Store) {
	ctx := t.Context()
	m, other := addMerchant(t, s), addMerchant(t, s)
	for _, url := range []string{"https://new.example/hook?x=1&y=é", ""} {
		ok(t, s.MerchantSetNotifyURL(ctx, m.ClientID, url), "MerchantSetNotifyURL")
		m.NotifyURL = url
		got, err := s.MerchantGetByClientID(ctx, m.ClientID)
		ok(t, err, "MerchantGetByClientID")
		same(t, fmt.Sprintf("merchant after setting %q", url), m, got)
	}
	got, err := s.MerchantGetByClientID(ctx, other.ClientID)
	ok(t, err, "MerchantGetByClientID")
	same(t, "the other merchant", other, got)

	wantErr(t, s.MerchantSetNotifyURL(ctx, "no-such-client", "https://x.example"), store.ErrNotFound,
		"MerchantSetNotifyURL of an unknown client")
}

func testMerchantGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := newMerchant(now())
	allSet(t, m)
	ok(t, s.MerchantInsert(ctx, m), "MerchantInsert")
	other := addMerchant(t, s)
	for _, want := range []*payment.Merchant{m, other} {
		got, err := s.MerchantGet(ctx, want.ID)
		ok(t, err, "MerchantGet")
		same(t, "merchant by id", want, got)
	}

	// After a change, MerchantGet reads the stored row, not a copy of the insert.
	ok(t, s.MerchantSetNotifyURL(ctx, m.ClientID, "https://changed.example/hook"), "MerchantSetNotifyURL")
	m.NotifyURL = "https://changed.example/hook"
	got, err := s.MerchantGet(ctx, m.ID)
	ok(t, err, "MerchantGet")
	same(t, "merchant by id after MerchantSetNotifyURL", m, got)

	missing := []struct{ name, id string }{
		{"unknown id", newID()},
		{"empty id", ""},
		{"client id as id", m.ClientID},
	}
	for _, tc := range missing {
		got, err := s.MerchantGet(ctx, tc.id)
		wantErr(t, err, store.ErrNotFound, "MerchantGet: "+tc.name)
		if got != nil {
			t.Errorf("MerchantGet: %s: returned %+v with its error", tc.name, got)
		}
	}
}

// Cards.

func testCardInsertGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	c := newCard(m, now())
	allSet(t, c)
	ok(t, s.CardInsert(ctx, c), "CardInsert")
	got, err := s.CardGet(ctx, c.ID)
	ok(t, err, "CardGet")
	same(t, "card", c, got)

	got, err = s.CardGet(ctx, newID())
	wantErr(t, err, store.ErrNotFound, "CardGet of an unknown id")
	if got != nil {
		t.Errorf("CardGet of an unknown id returned %+v with its error", got)
	}
}

func testCardGetByToken(t *testing.T, s store.Store) {
	ctx := t.Context()
	m1, m2 := addMerchant(t, s), addMerchant(t, s)
	c1 := newCard(m1, now())
	c2 := newCard(m2, now())
	c2.Token = c1.Token // another merchant may hold the same token
	untokenized := newCard(m1, now())
	untokenized.Token = ""
	for _, c := range []*payment.Card{c1, c2, untokenized} {
		ok(t, s.CardInsert(ctx, c), "CardInsert")
	}

	found := []struct {
		merchant, token string
		want            *payment.Card
	}{
		{m1.ID, c1.Token, c1},
		{m2.ID, c1.Token, c2},
	}
	for _, tc := range found {
		got, err := s.CardGetByToken(ctx, tc.merchant, tc.token)
		ok(t, err, "CardGetByToken")
		same(t, "card by token", tc.want, got)
	}

	missing := []struct{ name, merchant, token string }{
		{"unknown token", m1.ID, "tok-unknown"},
		{"unknown merchant", newID(), c1.Token},
		{"empty token beside an untokenized card", m1.ID, ""},
		{"card id as token", m1.ID, c1.ID},
	}
	for _, tc := range missing {
		got, err := s.CardGetByToken(ctx, tc.merchant, tc.token)
		wantErr(t, err, store.ErrNotFound, "CardGetByToken: "+tc.name)
		if got != nil {
			t.Errorf("CardGetByToken: %s: returned %+v with its error", tc.name, got)
		}
	}
}

func testCardWithoutToken(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	var cards []*payment.Card
	for range 3 {
		c := newCard(m, now())
		c.Token = ""
		ok(t, s.CardInsert(ctx, c), "CardInsert of an untokenized card")
		cards = append(cards, c)
	}
	for _, c := range cards {
		got, err := s.CardGet(ctx, c.ID)
		ok(t, err, "CardGet")
		same(t, "untokenized card", c, got)
	}
}

func testCardDuplicateToken(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	c := newCard(m, now())
	ok(t, s.CardInsert(ctx, c), "CardInsert")
	dup := newCard(m, now())
	dup.Token = c.Token
	wantErr(t, s.CardInsert(ctx, dup), store.ErrConflict, "CardInsert of a taken token")

	_, err := s.CardGet(ctx, dup.ID)
	wantErr(t, err, store.ErrNotFound, "CardGet of the conflicting card")
	got, err := s.CardGetByToken(ctx, m.ID, c.Token)
	ok(t, err, "CardGetByToken")
	same(t, "card holding the token", c, got)
}

func testCardSealedBytes(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	every := make([]byte, 256)
	for i := range every {
		every[i] = byte(i)
	}
	large := make([]byte, 64<<10)
	rng := rand.NewChaCha8([32]byte{1})
	_, _ = rng.Read(large)
	tests := []struct {
		name   string
		sealed []byte
	}{
		{"one zero byte", []byte{0}},
		{"every byte value", every},
		{"invalid UTF-8", []byte{0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x90, 0x28, 0xbc}},
		{"trailing zeros", []byte{'k', 'e', 'y', 0, 0, 0}},
		{"64 KiB random", large},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCard(m, now())
			c.Sealed = bytes.Clone(tc.sealed)
			ok(t, s.CardInsert(ctx, c), "CardInsert")
			got, err := s.CardGet(ctx, c.ID)
			ok(t, err, "CardGet")
			if !bytes.Equal(got.Sealed, tc.sealed) {
				t.Errorf("Sealed: got %d bytes %x..., want %d bytes %x...", len(got.Sealed), head(got.Sealed), len(tc.sealed), head(tc.sealed))
			}
		})
	}
}

func head(b []byte) []byte { return b[:min(len(b), 16)] }

const (
	keyOld  = "k1-20250101"
	keyMid  = "k2-20250601"
	keyNew  = "k3-20251201"
	keyNone = "k9-never-used"
)

func testCardListNotUnderKey(t *testing.T, s store.Store) {
	ctx := t.Context()
	m1, m2 := addMerchant(t, s), addMerchant(t, s)
	base := now()
	// cards is in id order; creation times run the other way, and the cards are inserted in
	// neither order, so only ORDER BY id gives the wanted order. Rotation covers every
	// merchant's cards.
	keys := []string{keyOld, keyMid, keyOld, keyNew, keyMid, keyOld, keyNew, keyOld, keyMid}
	ids := sortedIDs(len(keys))
	cards := make([]*payment.Card, len(keys))
	for i, k := range keys {
		c := newCard([]*payment.Merchant{m1, m2}[i%2], base.Add(-time.Duration(i)*time.Second))
		c.ID, c.KeyID = ids[i], k
		c.Sealed = append(bytes.Clone(c.Sealed), byte(i))
		cards[i] = c
	}
	for _, i := range []int{4, 8, 0, 6, 2, 7, 1, 5, 3} {
		ok(t, s.CardInsert(ctx, cards[i]), "CardInsert")
	}
	notUnder := func(key, after string) []*payment.Card {
		var out []*payment.Card
		for _, c := range cards {
			if c.KeyID != key && c.ID > after {
				out = append(out, c)
			}
		}
		return out
	}

	tests := []struct {
		name       string
		key, after string
		limit      int
		want       []*payment.Card
	}{
		{"not under the middle key", keyMid, "", 100, notUnder(keyMid, "")},
		{"not under the old key", keyOld, "", 100, notUnder(keyOld, "")},
		{"not under an unused key", keyNone, "", 100, cards},
		{"limit", keyMid, "", 2, notUnder(keyMid, "")[:2]},
		{"limit one", keyOld, "", 1, notUnder(keyOld, "")[:1]},
		{"after a listed card", keyMid, cards[2].ID, 100, notUnder(keyMid, cards[2].ID)},
		{"after a card under the key", keyMid, cards[4].ID, 100, notUnder(keyMid, cards[4].ID)},
		{"after and limit", keyOld, cards[1].ID, 2, notUnder(keyOld, cards[1].ID)[:2]},
		{"after the last card", keyNone, cards[len(cards)-1].ID, 100, nil},
	}
	for _, tc := range tests {
		got, err := s.CardListNotUnderKey(ctx, tc.key, tc.after, tc.limit)
		ok(t, err, "CardListNotUnderKey: "+tc.name)
		sameList(t, "CardListNotUnderKey: "+tc.name, tc.want, got)
	}

	// Paging as vault rotate-key does: each page after the last id of the one before.
	var paged []*payment.Card
	after, pages := "", 0
	for ; pages < 10; pages++ {
		page, err := s.CardListNotUnderKey(ctx, keyNew, after, 3)
		ok(t, err, "CardListNotUnderKey: page")
		if len(page) > 3 {
			t.Fatalf("CardListNotUnderKey: page %d has %d cards, limit 3", pages, len(page))
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		after = page[len(page)-1].ID
	}
	sameList(t, "CardListNotUnderKey: pages of 3", notUnder(keyNew, ""), paged)
	if want := 3; pages != want {
		t.Errorf("CardListNotUnderKey: got %d pages before the empty one, want %d", pages, want)
	}

	// Once every card is under one key, none is listed.
	for _, c := range cards {
		if c.KeyID != keyNew {
			ok(t, s.CardRewrap(ctx, c.ID, c.KeyID, keyNew, c.Sealed), "CardRewrap")
		}
	}
	got, err := s.CardListNotUnderKey(ctx, keyNew, "", 100)
	ok(t, err, "CardListNotUnderKey")
	sameList(t, "CardListNotUnderKey after rewrapping every card", nil, got)
}

func testCardRewrap(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	c, other := newCard(m, now()), newCard(m, now())
	ok(t, s.CardInsert(ctx, c), "CardInsert")
	ok(t, s.CardInsert(ctx, other), "CardInsert")
	if c.KeyID != keyOld {
		t.Fatalf("fixture key %q, want %q", c.KeyID, keyOld)
	}
	check := func(what string, want *payment.Card) {
		t.Helper()
		got, err := s.CardGet(ctx, want.ID)
		ok(t, err, "CardGet")
		same(t, what, want, got)
		got, err = s.CardGetByToken(ctx, want.MerchantID, want.Token)
		ok(t, err, "CardGetByToken")
		same(t, what+" (by token)", want, got)
	}

	// Shorter than the old blob, with zeros and invalid UTF-8: the bytes are replaced whole.
	sealed := []byte{0xff, 0x00, 'n', 'e', 'w', 0x00, 0xc3, 0x28}
	ok(t, s.CardRewrap(ctx, c.ID, keyOld, keyMid, bytes.Clone(sealed)), "CardRewrap")
	want := *c
	want.KeyID, want.Sealed = keyMid, sealed
	check("card after CardRewrap", &want)
	check("the other card", other)

	// A rotation that read the card before it moved loses and changes nothing.
	stale := []struct{ name, id, from string }{
		{"from the key it had before", c.ID, keyOld},
		{"from a key that never wrapped it", c.ID, keyNone},
		{"from an empty key", c.ID, ""},
		{"of an unknown card", newID(), keyMid},
	}
	for _, tc := range stale {
		wantErr(t, s.CardRewrap(ctx, tc.id, tc.from, keyNew, []byte("late")), store.ErrStale, "CardRewrap "+tc.name)
		check("card after a stale CardRewrap ("+tc.name+")", &want)
	}
	check("the other card after stale rewraps", other)

	// Onwards from the key it has now, to a larger blob.
	large := make([]byte, 64<<10)
	rng := rand.NewChaCha8([32]byte{2})
	_, _ = rng.Read(large)
	ok(t, s.CardRewrap(ctx, c.ID, keyMid, keyNew, bytes.Clone(large)), "CardRewrap to a 64 KiB blob")
	want.KeyID, want.Sealed = keyNew, large
	check("card after a second CardRewrap", &want)

	// Inside a transaction, too.
	ok(t, s.Tx(ctx, func(q store.Queries) error { return q.CardRewrap(ctx, other.ID, keyOld, keyMid, sealed) }), "Tx(CardRewrap)")
	wantOther := *other
	wantOther.KeyID, wantOther.Sealed = keyMid, sealed
	check("the other card after its CardRewrap in Tx", &wantOther)
	check("card after the other card's CardRewrap", &want)
}

// Payments.

func testPaymentRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	c := newCard(m, now())
	ok(t, s.CardInsert(ctx, c), "CardInsert")
	p := fullPayment(m, c, now())
	allSet(t, p)
	ok(t, s.PaymentInsert(ctx, p), "PaymentInsert")

	reads := []struct {
		name string
		get  func() (*payment.Payment, error)
	}{
		{"PaymentGet", func() (*payment.Payment, error) { return s.PaymentGet(ctx, m.ID, p.ID) }},
		{"PaymentGetByRequestID", func() (*payment.Payment, error) { return s.PaymentGetByRequestID(ctx, m.ID, p.RequestID) }},
		{"PaymentGetForUpdate", func() (*payment.Payment, error) { return s.PaymentGetForUpdate(ctx, p.ID) }},
		{"PaymentGetForUpdate in Tx", func() (got *payment.Payment, err error) {
			txErr := s.Tx(ctx, func(q store.Queries) error {
				got, err = q.PaymentGetForUpdate(ctx, p.ID)
				return nil
			})
			return got, errors.Join(err, txErr)
		}},
	}
	for _, r := range reads {
		got, err := r.get()
		ok(t, err, r.name)
		same(t, r.name, p, got)
	}
}

func testPaymentZeroTimes(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := newPayment(m, now())
	ok(t, s.PaymentInsert(ctx, p), "PaymentInsert")
	got, err := s.PaymentGet(ctx, m.ID, p.ID)
	ok(t, err, "PaymentGet")
	same(t, "payment with zero times and no card", p, got)
	for name, tm := range map[string]time.Time{"PaidAt": got.PaidAt, "CancelledAt": got.CancelledAt, "NextActionAt": got.NextActionAt} {
		if !tm.IsZero() {
			t.Errorf("%s: got %v, want the zero time", name, tm)
		}
	}
	if got.Card.ThreeDS != nil {
		t.Errorf("Card.ThreeDS: got %+v, want nil", got.Card.ThreeDS)
	}

	// Times set and then cleared again read back as zero.
	got.PaidAt, got.CancelledAt, got.NextActionAt = now(), now(), now()
	ok(t, s.PaymentUpdate(ctx, got), "PaymentUpdate setting times")
	got.PaidAt, got.CancelledAt, got.NextActionAt = time.Time{}, time.Time{}, time.Time{}
	ok(t, s.PaymentUpdate(ctx, got), "PaymentUpdate clearing times")
	again, err := s.PaymentGet(ctx, m.ID, p.ID)
	ok(t, err, "PaymentGet")
	same(t, "payment with times cleared", got, again)
}

func testPaymentDuplicateRequestID(t *testing.T, s store.Store) {
	ctx := t.Context()
	m1, m2 := addMerchant(t, s), addMerchant(t, s)
	p := addPayment(t, s, m1)

	dup := newPayment(m1, now())
	dup.RequestID = p.RequestID
	wantErr(t, s.PaymentInsert(ctx, dup), store.ErrConflict, "PaymentInsert of a taken request id")
	_, err := s.PaymentGet(ctx, m1.ID, dup.ID)
	wantErr(t, err, store.ErrNotFound, "PaymentGet of the conflicting payment")

	other := newPayment(m2, now())
	other.RequestID = p.RequestID
	ok(t, s.PaymentInsert(ctx, other), "PaymentInsert of the same request id for another merchant")

	for _, want := range []*payment.Payment{p, other} {
		got, err := s.PaymentGetByRequestID(ctx, want.MerchantID, want.RequestID)
		ok(t, err, "PaymentGetByRequestID")
		same(t, "payment by request id", want, got)
	}
}

func testPaymentScopedByMerchant(t *testing.T, s store.Store) {
	ctx := t.Context()
	m1, m2 := addMerchant(t, s), addMerchant(t, s)
	p := addPayment(t, s, m1)
	addPayment(t, s, m2) // m2 has payments, just not this one

	missing := []struct {
		name string
		get  func() (*payment.Payment, error)
	}{
		{"PaymentGet by another merchant", func() (*payment.Payment, error) { return s.PaymentGet(ctx, m2.ID, p.ID) }},
		{"PaymentGet of an unknown id", func() (*payment.Payment, error) { return s.PaymentGet(ctx, m1.ID, newID()) }},
		{"PaymentGet with the request id as id", func() (*payment.Payment, error) { return s.PaymentGet(ctx, m1.ID, p.RequestID) }},
		{"PaymentGetByRequestID by another merchant", func() (*payment.Payment, error) {
			return s.PaymentGetByRequestID(ctx, m2.ID, p.RequestID)
		}},
		{"PaymentGetByRequestID of an unknown request id", func() (*payment.Payment, error) {
			return s.PaymentGetByRequestID(ctx, m1.ID, "req-unknown")
		}},
		{"PaymentGetForUpdate of an unknown id", func() (*payment.Payment, error) { return s.PaymentGetForUpdate(ctx, newID()) }},
	}
	for _, tc := range missing {
		got, err := tc.get()
		wantErr(t, err, store.ErrNotFound, tc.name)
		if got != nil {
			t.Errorf("%s: returned %+v with its error", tc.name, got)
		}
	}
}

func testPaymentUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	c := newCard(m, now())
	ok(t, s.CardInsert(ctx, c), "CardInsert")
	p := addPayment(t, s, m)

	// Every field an update may change, changed.
	full := fullPayment(m, c, now().Add(time.Minute))
	p.Status, p.Stage, p.ResultCode, p.ResultMessage = full.Status, full.Stage, full.ResultCode, full.ResultMessage
	p.CaptureState, p.CapturedValue, p.RefundedValue = full.CaptureState, full.CapturedValue, full.RefundedValue
	p.CancelReason, p.CardID, p.Card, p.IssuerRef, p.Order = full.CancelReason, full.CardID, full.Card, full.IssuerRef, full.Order
	p.UpdatedAt, p.PaidAt, p.CancelledAt = full.UpdatedAt, full.PaidAt, full.CancelledAt
	p.ExpiresAt, p.NextActionAt = full.ExpiresAt, full.NextActionAt

	ok(t, s.PaymentUpdate(ctx, p), "PaymentUpdate")
	if p.Version != 2 {
		t.Errorf("Version after the first update: got %d, want 2", p.Version)
	}
	got, err := s.PaymentGet(ctx, m.ID, p.ID)
	ok(t, err, "PaymentGet")
	same(t, "payment after the update", p, got)

	p.Status, p.Stage, p.RefundedValue = payment.Cancelled, payment.StageNone, 0
	ok(t, s.PaymentUpdate(ctx, p), "second PaymentUpdate")
	if p.Version != 3 {
		t.Errorf("Version after the second update: got %d, want 3", p.Version)
	}
	got, err = s.PaymentGetForUpdate(ctx, p.ID)
	ok(t, err, "PaymentGetForUpdate")
	same(t, "payment after the second update", p, got)
}

func testPaymentUpdateStale(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := addPayment(t, s, m)

	// Two readers of version 1; the first to write wins.
	first, err := s.PaymentGet(ctx, m.ID, p.ID)
	ok(t, err, "PaymentGet")
	second, err := s.PaymentGet(ctx, m.ID, p.ID)
	ok(t, err, "PaymentGet")
	first.Status, first.RefundedValue = payment.Success, 100
	ok(t, s.PaymentUpdate(ctx, first), "PaymentUpdate")
	stored, err := s.PaymentGet(ctx, m.ID, p.ID)
	ok(t, err, "PaymentGet")

	tests := []struct {
		name    string
		version int64
	}{
		{"version read before another update", 1},
		{"version from the future", 3},
		{"version zero", 0},
	}
	for _, tc := range tests {
		late := *second
		late.Version = tc.version
		late.Status, late.ResultCode, late.RefundedValue, late.NextActionAt = payment.Fail, "LATE", 999, now()
		wantErr(t, s.PaymentUpdate(ctx, &late), store.ErrStale, "PaymentUpdate with a "+tc.name)
		if late.Version != tc.version {
			t.Errorf("%s: failed PaymentUpdate moved Version from %d to %d", tc.name, tc.version, late.Version)
		}
		got, err := s.PaymentGet(ctx, m.ID, p.ID)
		ok(t, err, "PaymentGet")
		same(t, "payment after a stale update ("+tc.name+")", stored, got)
	}

	unknown := newPayment(m, now())
	wantErr(t, s.PaymentUpdate(ctx, unknown), store.ErrStale, "PaymentUpdate of an unknown payment")
	_, err = s.PaymentGet(ctx, m.ID, unknown.ID)
	wantErr(t, err, store.ErrNotFound, "PaymentGet after updating an unknown payment")
}

func testPaymentListDue(t *testing.T, s store.Store) {
	ctx := t.Context()
	m1, m2 := addMerchant(t, s), addMerchant(t, s)
	base := now()
	due := func(m *payment.Merchant, at time.Time) *payment.Payment {
		p := newPayment(m, base.Add(-time.Hour))
		p.NextActionAt = at
		ok(t, s.PaymentInsert(ctx, p), "PaymentInsert")
		return p
	}
	// Inserted out of order, across two merchants.
	b := due(m1, base.Add(-1*time.Minute))
	a := due(m1, base.Add(-3*time.Minute))
	d := due(m1, base) // at now: due
	g := due(m2, base.Add(-90*time.Second))
	c := due(m2, base.Add(-2*time.Minute))
	due(m1, base.Add(time.Microsecond)) // just after now
	due(m2, base.Add(time.Minute))
	due(m1, time.Time{}) // nothing scheduled
	due(m2, time.Time{})

	tests := []struct {
		name  string
		now   time.Time
		limit int
		want  []*payment.Payment
	}{
		{"all due", base, 100, []*payment.Payment{a, c, g, b, d}},
		{"limit", base, 2, []*payment.Payment{a, c}},
		{"limit one", base, 1, []*payment.Payment{a}},
		{"boundary is inclusive", base.Add(-2 * time.Minute), 100, []*payment.Payment{a, c}},
		{"a microsecond before", base.Add(-2*time.Minute - time.Microsecond), 100, []*payment.Payment{a}},
		{"none due", base.Add(-time.Hour), 100, nil},
	}
	for _, tc := range tests {
		got, err := s.PaymentListDue(ctx, tc.now, tc.limit)
		ok(t, err, "PaymentListDue: "+tc.name)
		sameList(t, "PaymentListDue: "+tc.name, tc.want, got)
	}

	// Unscheduling a payment takes it off the list.
	d.NextActionAt = time.Time{}
	ok(t, s.PaymentUpdate(ctx, d), "PaymentUpdate")
	got, err := s.PaymentListDue(ctx, base, 100)
	ok(t, err, "PaymentListDue")
	sameList(t, "PaymentListDue after unscheduling", []*payment.Payment{a, c, g, b}, got)
}

// Captures.

func testCaptureInsertGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	m1, m2 := addMerchant(t, s), addMerchant(t, s)
	p := addPayment(t, s, m1)
	c := newCapture(p, now())
	c.Status, c.ResultCode, c.ResultMessage = payment.Success, "SUCCESS", "Success é"
	c.IssuerRef, c.CompletedAt = "iss-cap-1", c.CreatedAt.Add(1500*time.Millisecond+7*time.Microsecond)
	allSet(t, c)
	ok(t, s.CaptureInsert(ctx, c), "CaptureInsert")
	got, err := s.CaptureGetByRequestID(ctx, m1.ID, c.RequestID)
	ok(t, err, "CaptureGetByRequestID")
	same(t, "capture", c, got)

	processing := newCapture(p, now())
	ok(t, s.CaptureInsert(ctx, processing), "CaptureInsert")
	got, err = s.CaptureGetByRequestID(ctx, m1.ID, processing.RequestID)
	ok(t, err, "CaptureGetByRequestID")
	same(t, "processing capture with a zero CompletedAt", processing, got)

	missing := []struct{ name, merchant, requestID string }{
		{"another merchant", m2.ID, c.RequestID},
		{"unknown request id", m1.ID, "cap-unknown"},
		{"capture id as request id", m1.ID, c.ID},
	}
	for _, tc := range missing {
		got, err := s.CaptureGetByRequestID(ctx, tc.merchant, tc.requestID)
		wantErr(t, err, store.ErrNotFound, "CaptureGetByRequestID: "+tc.name)
		if got != nil {
			t.Errorf("CaptureGetByRequestID: %s: returned %+v with its error", tc.name, got)
		}
	}
}

func testCaptureDuplicateRequestID(t *testing.T, s store.Store) {
	ctx := t.Context()
	m1, m2 := addMerchant(t, s), addMerchant(t, s)
	p1, p2 := addPayment(t, s, m1), addPayment(t, s, m2)
	c := newCapture(p1, now())
	ok(t, s.CaptureInsert(ctx, c), "CaptureInsert")

	dup := newCapture(p1, now())
	dup.RequestID = c.RequestID
	wantErr(t, s.CaptureInsert(ctx, dup), store.ErrConflict, "CaptureInsert of a taken request id")
	otherPayment := addPayment(t, s, m1)
	dup = newCapture(otherPayment, now())
	dup.RequestID = c.RequestID
	wantErr(t, s.CaptureInsert(ctx, dup), store.ErrConflict, "CaptureInsert of a taken request id on another payment")

	other := newCapture(p2, now())
	other.RequestID = c.RequestID
	ok(t, s.CaptureInsert(ctx, other), "CaptureInsert of the same request id for another merchant")

	for _, want := range []*payment.Capture{c, other} {
		got, err := s.CaptureGetByRequestID(ctx, want.MerchantID, want.RequestID)
		ok(t, err, "CaptureGetByRequestID")
		same(t, "capture", want, got)
	}
	list, err := s.CaptureListByPayment(ctx, otherPayment.ID)
	ok(t, err, "CaptureListByPayment")
	sameList(t, "captures of the payment whose insert conflicted", nil, list)
}

func testCaptureUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := addPayment(t, s, m)
	c := newCapture(p, now())
	ok(t, s.CaptureInsert(ctx, c), "CaptureInsert")

	done := *c
	done.Status, done.ResultCode, done.ResultMessage = payment.Success, "SUCCESS", "Success."
	done.IssuerRef, done.CompletedAt = "iss-cap", now().Add(time.Second)

	stale := []struct {
		name string
		from payment.Status
	}{
		{"from the wrong status", payment.Success},
		{"from another wrong status", payment.Fail},
		{"from an empty status", ""},
	}
	for _, tc := range stale {
		u := done
		wantErr(t, s.CaptureUpdate(ctx, &u, tc.from), store.ErrStale, "CaptureUpdate "+tc.name)
		got, err := s.CaptureGetByRequestID(ctx, m.ID, c.RequestID)
		ok(t, err, "CaptureGetByRequestID")
		same(t, "capture after a stale update ("+tc.name+")", c, got)
	}

	ok(t, s.CaptureUpdate(ctx, &done, payment.Processing), "CaptureUpdate")
	got, err := s.CaptureGetByRequestID(ctx, m.ID, c.RequestID)
	ok(t, err, "CaptureGetByRequestID")
	same(t, "capture after the update", &done, got)

	// A second writer that also read PROCESSING loses.
	late := *c
	late.Status, late.ResultCode = payment.Fail, "LATE"
	wantErr(t, s.CaptureUpdate(ctx, &late, payment.Processing), store.ErrStale, "CaptureUpdate of a capture already moved")
	got, err = s.CaptureGetByRequestID(ctx, m.ID, c.RequestID)
	ok(t, err, "CaptureGetByRequestID")
	same(t, "capture after a late update", &done, got)

	unknown := newCapture(p, now())
	wantErr(t, s.CaptureUpdate(ctx, unknown, payment.Processing), store.ErrStale, "CaptureUpdate of an unknown capture")
}

func testCaptureListByPayment(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p, other, none := addPayment(t, s, m), addPayment(t, s, m), addPayment(t, s, m)
	base := now()
	second, third, first := newCapture(p, base.Add(time.Second)), newCapture(p, base.Add(2*time.Second)), newCapture(p, base)
	elsewhere := newCapture(other, base.Add(-time.Second))
	for _, c := range []*payment.Capture{second, elsewhere, third, first} {
		ok(t, s.CaptureInsert(ctx, c), "CaptureInsert")
	}
	tests := []struct {
		name    string
		payment string
		want    []*payment.Capture
	}{
		{"payment with three captures", p.ID, []*payment.Capture{first, second, third}},
		{"payment with one capture", other.ID, []*payment.Capture{elsewhere}},
		{"payment without captures", none.ID, nil},
		{"unknown payment", newID(), nil},
	}
	for _, tc := range tests {
		got, err := s.CaptureListByPayment(ctx, tc.payment)
		ok(t, err, "CaptureListByPayment: "+tc.name)
		sameList(t, "CaptureListByPayment: "+tc.name, tc.want, got)
	}
}

// Refunds.

func testRefundInsertGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	m1, m2 := addMerchant(t, s), addMerchant(t, s)
	p := addPayment(t, s, m1)
	r := newRefund(p, now())
	r.Status, r.ResultCode, r.ResultMessage = payment.Fail, "REFUND_AMOUNT_EXCEED", "Too much — é"
	r.IssuerRef, r.CompletedAt = "iss-ref-1", r.CreatedAt.Add(2500*time.Millisecond+3*time.Microsecond)
	allSet(t, r)
	ok(t, s.RefundInsert(ctx, r), "RefundInsert")

	processing := newRefund(p, now())
	processing.ReferenceRefundID, processing.Reason, processing.NotifyURL = "", "", ""
	ok(t, s.RefundInsert(ctx, processing), "RefundInsert")

	for _, want := range []*payment.Refund{r, processing} {
		got, err := s.RefundGet(ctx, m1.ID, want.ID)
		ok(t, err, "RefundGet")
		same(t, "refund by id", want, got)
		got, err = s.RefundGetByRequestID(ctx, m1.ID, want.RequestID)
		ok(t, err, "RefundGetByRequestID")
		same(t, "refund by request id", want, got)
	}

	missing := []struct {
		name string
		get  func() (*payment.Refund, error)
	}{
		{"RefundGet by another merchant", func() (*payment.Refund, error) { return s.RefundGet(ctx, m2.ID, r.ID) }},
		{"RefundGet of an unknown id", func() (*payment.Refund, error) { return s.RefundGet(ctx, m1.ID, newID()) }},
		{"RefundGet with the request id as id", func() (*payment.Refund, error) { return s.RefundGet(ctx, m1.ID, r.RequestID) }},
		{"RefundGetByRequestID by another merchant", func() (*payment.Refund, error) {
			return s.RefundGetByRequestID(ctx, m2.ID, r.RequestID)
		}},
		{"RefundGetByRequestID of an unknown request id", func() (*payment.Refund, error) {
			return s.RefundGetByRequestID(ctx, m1.ID, "ref-unknown")
		}},
	}
	for _, tc := range missing {
		got, err := tc.get()
		wantErr(t, err, store.ErrNotFound, tc.name)
		if got != nil {
			t.Errorf("%s: returned %+v with its error", tc.name, got)
		}
	}
}

func testRefundDuplicateRequestID(t *testing.T, s store.Store) {
	ctx := t.Context()
	m1, m2 := addMerchant(t, s), addMerchant(t, s)
	p1, p2 := addPayment(t, s, m1), addPayment(t, s, m2)
	r := newRefund(p1, now())
	ok(t, s.RefundInsert(ctx, r), "RefundInsert")

	dup := newRefund(p1, now())
	dup.RequestID = r.RequestID
	wantErr(t, s.RefundInsert(ctx, dup), store.ErrConflict, "RefundInsert of a taken request id")
	_, err := s.RefundGet(ctx, m1.ID, dup.ID)
	wantErr(t, err, store.ErrNotFound, "RefundGet of the conflicting refund")
	otherPayment := addPayment(t, s, m1)
	dup = newRefund(otherPayment, now())
	dup.RequestID = r.RequestID
	wantErr(t, s.RefundInsert(ctx, dup), store.ErrConflict, "RefundInsert of a taken request id on another payment")

	other := newRefund(p2, now())
	other.RequestID = r.RequestID
	ok(t, s.RefundInsert(ctx, other), "RefundInsert of the same request id for another merchant")

	for _, want := range []*payment.Refund{r, other} {
		got, err := s.RefundGetByRequestID(ctx, want.MerchantID, want.RequestID)
		ok(t, err, "RefundGetByRequestID")
		same(t, "refund", want, got)
	}
}

func testRefundUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := addPayment(t, s, m)
	r := newRefund(p, now())
	ok(t, s.RefundInsert(ctx, r), "RefundInsert")

	done := *r
	done.Status, done.ResultCode, done.ResultMessage = payment.Success, "SUCCESS", "Success."
	done.IssuerRef, done.CompletedAt = "iss-ref", now().Add(time.Second)

	stale := []struct {
		name string
		from payment.Status
	}{
		{"from the wrong status", payment.Success},
		{"from another wrong status", payment.Fail},
		{"from an empty status", ""},
	}
	for _, tc := range stale {
		u := done
		wantErr(t, s.RefundUpdate(ctx, &u, tc.from), store.ErrStale, "RefundUpdate "+tc.name)
		got, err := s.RefundGet(ctx, m.ID, r.ID)
		ok(t, err, "RefundGet")
		same(t, "refund after a stale update ("+tc.name+")", r, got)
	}

	ok(t, s.RefundUpdate(ctx, &done, payment.Processing), "RefundUpdate")
	got, err := s.RefundGet(ctx, m.ID, r.ID)
	ok(t, err, "RefundGet")
	same(t, "refund after the update", &done, got)

	late := *r
	late.Status, late.ResultCode = payment.Fail, "LATE"
	wantErr(t, s.RefundUpdate(ctx, &late, payment.Processing), store.ErrStale, "RefundUpdate of a refund already moved")
	got, err = s.RefundGet(ctx, m.ID, r.ID)
	ok(t, err, "RefundGet")
	same(t, "refund after a late update", &done, got)

	unknown := newRefund(p, now())
	wantErr(t, s.RefundUpdate(ctx, unknown, payment.Processing), store.ErrStale, "RefundUpdate of an unknown refund")
}

func testRefundListByPayment(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p, other, none := addPayment(t, s, m), addPayment(t, s, m), addPayment(t, s, m)
	base := now()
	second, third, first := newRefund(p, base.Add(time.Second)), newRefund(p, base.Add(2*time.Second)), newRefund(p, base)
	elsewhere := newRefund(other, base.Add(-time.Second))
	for _, r := range []*payment.Refund{second, elsewhere, third, first} {
		ok(t, s.RefundInsert(ctx, r), "RefundInsert")
	}
	tests := []struct {
		name    string
		payment string
		want    []*payment.Refund
	}{
		{"payment with three refunds", p.ID, []*payment.Refund{first, second, third}},
		{"payment with one refund", other.ID, []*payment.Refund{elsewhere}},
		{"payment without refunds", none.ID, nil},
		{"unknown payment", newID(), nil},
	}
	for _, tc := range tests {
		got, err := s.RefundListByPayment(ctx, tc.payment)
		ok(t, err, "RefundListByPayment: "+tc.name)
		sameList(t, "RefundListByPayment: "+tc.name, tc.want, got)
	}
}

func testRefundListProcessing(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p, other := addPayment(t, s, m), addPayment(t, s, m)
	base := now()
	old2, old1, recent := newRefund(p, base.Add(-time.Minute)), newRefund(other, base.Add(-2*time.Minute)), newRefund(p, base)
	done := newRefund(p, base.Add(-3*time.Minute))
	for _, r := range []*payment.Refund{old2, recent, done, old1} {
		ok(t, s.RefundInsert(ctx, r), "RefundInsert")
	}
	done.Status, done.ResultCode, done.CompletedAt = payment.Success, "SUCCESS", base
	ok(t, s.RefundUpdate(ctx, done, payment.Processing), "RefundUpdate")
	tests := []struct {
		name   string
		before time.Time
		limit  int
		want   []*payment.Refund
	}{
		{"all old processing refunds, oldest first", base, 10, []*payment.Refund{old1, old2}},
		{"limit", base, 1, []*payment.Refund{old1}},
		{"created exactly at before is excluded", base.Add(-time.Minute), 10, []*payment.Refund{old1}},
		{"including the recent one", base.Add(time.Microsecond), 10, []*payment.Refund{old1, old2, recent}},
		{"nothing that old", base.Add(-time.Hour), 10, nil},
	}
	for _, tc := range tests {
		got, err := s.RefundListProcessing(ctx, tc.before, tc.limit)
		ok(t, err, "RefundListProcessing: "+tc.name)
		sameList(t, "RefundListProcessing: "+tc.name, tc.want, got)
	}
}

// Notifications.

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
		sameList(t, "NotificationListByPayment: "+tc.name, tc.want, got)
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
	d := mk(3, p1, payment.NotificationFailed)
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
		sameList(t, "NotificationList: "+tc.name, tc.want, got)
	}
}

func testNotificationListDefaultLimit(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := addPayment(t, s, m)
	base := now()
	const total = 105
	all := make([]*payment.Notification, total) // newest first
	ok(t, s.Tx(ctx, func(q store.Queries) error {
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
		sameList(t, "NotificationList: "+tc.name, tc.want, got)
	}
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
		sameList(t, "NotificationClaimDue: "+st.name, st.want, got)
	}

	// Claiming changes nothing a reader sees.
	for _, want := range []*payment.Notification{a, b, c, d, later, delivered, failed} {
		got, err := s.NotificationGet(ctx, want.ID)
		ok(t, err, "NotificationGet")
		same(t, "notification after claims", want, got)
	}
}

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
		firstErr = s.Tx(ctx, func(q store.Queries) error {
			var err error
			first, err = q.NotificationClaimDue(ctx, base, base, lease, 5)
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
	secondErr = s.Tx(ctx, func(q store.Queries) error {
		var err error
		second, err = q.NotificationClaimDue(ctx, base, base, lease, 5)
		return err
	})
	close(secondDone)
	wg.Wait()
	ok(t, firstErr, "first claim")
	ok(t, secondErr, "second claim, during the first")
	sameList(t, "first claim", due[:5], first)
	sameList(t, "second claim, during the first", due[5:], second)
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
	ok(t, s.Tx(ctx, func(q store.Queries) error {
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
				err := s.Tx(ctx, func(q store.Queries) error {
					var err error
					batchGot, err = q.NotificationClaimDue(ctx, base, base, lease, batch)
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
	sameList(t, "claim after the workers", nil, claim(t, s, base, base, lease, rows))
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
		sameList(t, what+": attempts", attempts, list)
	}
	check("notification before any attempt", n, nil)

	// The worker claims the row, leased for an hour of wall time, and attempt 1 fails.
	wallLease := base.Add(time.Hour)
	sameList(t, "claim", []*payment.Notification{n}, claim(t, s, base, base, wallLease, 10))
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
	sameList(t, "claim a microsecond before the next attempt", nil,
		claim(t, s, n.NextAttemptAt.Add(-time.Microsecond), base, wallLease, 10))
	sameList(t, "claim at the next attempt", []*payment.Notification{n},
		claim(t, s, n.NextAttemptAt, base.Add(time.Second), wallLease, 10))

	// Attempt 2 is acknowledged.
	a2 := newAttempt(n, 2, n.NextAttemptAt.Add(5*time.Microsecond))
	a2.HTTPStatus, a2.Error = 200, ""
	a2.Response = `{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}`
	n.Attempts, n.Status, n.DeliveredAt = 2, payment.NotificationDelivered, a2.StartedAt
	ok(t, record(t, s, n, a2), "NotificationRecordAttempt of attempt 2")
	check("notification after delivery", n, []*payment.NotificationAttempt{a1, a2})
	sameList(t, "claim after delivery", nil,
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
		sameList(t, "attempts of an unknown notification", nil, list)
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
	sameList(t, "the other notification's attempts", wantOther, gotOther)
	for _, x := range []*payment.Notification{n, other} {
		got, err := s.NotificationGet(ctx, x.ID)
		ok(t, err, "NotificationGet")
		same(t, "notification after its attempts", x, got)
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
	ok(t, s.Tx(ctx, func(q store.Queries) error { return q.NotificationResend(ctx, delivered.ID, at2) }),
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
	sameList(t, "claim a microsecond before the resend", nil, claim(t, s, at.Add(-time.Microsecond), wall, lease, 10))
	sameList(t, "claim at the resend", []*payment.Notification{failed}, claim(t, s, at, wall, lease, 10))
	sameList(t, "claim at the second resend", []*payment.Notification{delivered}, claim(t, s, at2, wall, lease, 10))

	// The new round's first attempt records on top of the old count and keeps the round start.
	a9 := newAttempt(failed, 9, at.Add(time.Millisecond))
	failed.Attempts, failed.NextAttemptAt = 9, a9.StartedAt.Add(2*time.Minute)
	ok(t, record(t, s, failed, a9), "NotificationRecordAttempt after NotificationResend")
	check("notification after the new round's first attempt", failed)
	list, err := s.NotificationAttempts(ctx, failed.ID)
	ok(t, err, "NotificationAttempts")
	sameList(t, "attempts after the new round's first attempt", []*payment.NotificationAttempt{a9}, list)

	// A pending notification can be resent too: due at once, in a round starting at its count.
	ok(t, s.NotificationResend(ctx, failed.ID, at2), "NotificationResend of a pending notification")
	failed.RoundStart, failed.NextAttemptAt = 9, at2
	check("pending notification after NotificationResend", failed)
}

// Clock.

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
	ok(t, s.Tx(ctx, func(q store.Queries) error {
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
	err := s.Tx(ctx, func(q store.Queries) error {
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
			txErr := s.Tx(ctx, func(q store.Queries) error {
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
		slices.Sort(returned)
		for i, got := range returned {
			if want := total + time.Duration(i+1)*d; got != want {
				t.Errorf("%s: the advances returned %v, want each of %v + k×%v for k = 1..%d once", way.name, returned, total, d, workers)
				break
			}
		}
		total += workers * d
		got, err := s.ClockOffset(ctx)
		ok(t, err, "ClockOffset")
		if got != total {
			t.Errorf("%s: ClockOffset after %d concurrent advances by %v: got %v, want %v", way.name, workers, d, got, total)
		}
	}
}

// Transactions.

func testTxCommit(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	p := newPayment(m, now())
	c := newCapture(p, now())
	n := newNotification(p, now())
	err := s.Tx(ctx, func(q store.Queries) error {
		if err := q.PaymentInsert(ctx, p); err != nil {
			return err
		}
		// The transaction reads its own writes.
		got, err := q.PaymentGet(ctx, m.ID, p.ID)
		if err != nil {
			return fmt.Errorf("PaymentGet inside the transaction: %w", err)
		}
		same(t, "payment read inside the transaction", p, got)
		p.Status, p.Stage = payment.Success, payment.StageNone
		if err := q.PaymentUpdate(ctx, p); err != nil {
			return err
		}
		if err := q.CaptureInsert(ctx, c); err != nil {
			return err
		}
		return q.NotificationInsert(ctx, n)
	})
	ok(t, err, "Tx")

	got, err := s.PaymentGet(ctx, m.ID, p.ID)
	ok(t, err, "PaymentGet after commit")
	same(t, "payment after commit", p, got)
	if got.Version != 2 {
		t.Errorf("Version after commit: got %d, want 2", got.Version)
	}
	captures, err := s.CaptureListByPayment(ctx, p.ID)
	ok(t, err, "CaptureListByPayment")
	sameList(t, "captures after commit", []*payment.Capture{c}, captures)
	notes, err := s.NotificationListByPayment(ctx, p.ID)
	ok(t, err, "NotificationListByPayment")
	sameList(t, "notifications after commit", []*payment.Notification{n}, notes)
}

type txError struct{ msg string }

func (e *txError) Error() string { return e.msg }

func testTxRollback(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	existing := addPayment(t, s, m)

	tests := []struct {
		name string
		// fn writes p (fresh for the case) and more, then fails with err.
		fn func(q store.Queries, p *payment.Payment) error
		// is is what the error Tx returns must match with errors.Is.
		is error
	}{
		{"insert then error", func(q store.Queries, p *payment.Payment) error {
			if err := q.PaymentInsert(ctx, p); err != nil {
				return err
			}
			return errBoom
		}, errBoom},
		{"many writes then a typed error", func(q store.Queries, p *payment.Payment) error {
			if err := q.PaymentInsert(ctx, p); err != nil {
				return err
			}
			p.Status = payment.Success
			if err := q.PaymentUpdate(ctx, p); err != nil {
				return err
			}
			if err := q.CaptureInsert(ctx, newCapture(p, now())); err != nil {
				return err
			}
			if err := q.RefundInsert(ctx, newRefund(p, now())); err != nil {
				return err
			}
			if err := q.NotificationInsert(ctx, newNotification(p, now())); err != nil {
				return err
			}
			if err := q.MerchantSetNotifyURL(ctx, m.ClientID, "https://rolled.back.example"); err != nil {
				return err
			}
			existing := *existing
			existing.RefundedValue = 777
			if err := q.PaymentUpdate(ctx, &existing); err != nil {
				return err
			}
			return errTyped
		}, errTyped},
		{"wrapped sentinel", func(q store.Queries, p *payment.Payment) error {
			if err := q.PaymentInsert(ctx, p); err != nil {
				return err
			}
			return fmt.Errorf("refund: %w", store.ErrStale)
		}, store.ErrStale},
		{"store error from a statement", func(q store.Queries, p *payment.Payment) error {
			if err := q.PaymentInsert(ctx, p); err != nil {
				return err
			}
			dup := newPayment(m, now())
			dup.RequestID = p.RequestID
			return q.PaymentInsert(ctx, dup)
		}, store.ErrConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPayment(m, now())
			var returned error
			err := s.Tx(ctx, func(q store.Queries) error {
				returned = tc.fn(q, p)
				return returned
			})
			if !errors.Is(err, tc.is) {
				t.Errorf("Tx returned %v, want an error matching %v", err, tc.is)
			}
			if err != returned {
				t.Errorf("Tx returned %#v, want fn's error %#v unchanged", err, returned)
			}

			_, err = s.PaymentGet(ctx, m.ID, p.ID)
			wantErr(t, err, store.ErrNotFound, "PaymentGet after rollback")
			_, err = s.PaymentGetByRequestID(ctx, m.ID, p.RequestID)
			wantErr(t, err, store.ErrNotFound, "PaymentGetByRequestID after rollback")
			captures, err := s.CaptureListByPayment(ctx, p.ID)
			ok(t, err, "CaptureListByPayment")
			sameList(t, "captures after rollback", nil, captures)
			refunds, err := s.RefundListByPayment(ctx, p.ID)
			ok(t, err, "RefundListByPayment")
			sameList(t, "refunds after rollback", nil, refunds)
			notes, err := s.NotificationListByPayment(ctx, p.ID)
			ok(t, err, "NotificationListByPayment")
			sameList(t, "notifications after rollback", nil, notes)
			gotM, err := s.MerchantGetByClientID(ctx, m.ClientID)
			ok(t, err, "MerchantGetByClientID")
			same(t, "merchant after rollback", m, gotM)
			gotP, err := s.PaymentGet(ctx, m.ID, existing.ID)
			ok(t, err, "PaymentGet")
			same(t, "existing payment after rollback", existing, gotP)

			// The store is usable after a rollback.
			after := newPayment(m, now())
			ok(t, s.Tx(ctx, func(q store.Queries) error { return q.PaymentInsert(ctx, after) }), "Tx after rollback")
			_, err = s.PaymentGet(ctx, m.ID, after.ID)
			ok(t, err, "PaymentGet of a payment committed after a rollback")
		})
	}
}

var (
	errBoom  = errors.New("storetest: boom")
	errTyped = &txError{"storetest: typed"}
)

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
			errs[i] = s.Tx(ctx, func(q store.Queries) error {
				cur, err := q.PaymentGetForUpdate(ctx, p.ID)
				if err != nil {
					return fmt.Errorf("PaymentGetForUpdate: %w", err)
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
	got, err := s.PaymentGet(ctx, m.ID, p.ID)
	ok(t, err, "PaymentGet")
	if got.RefundedValue != workers {
		t.Errorf("RefundedValue after %d concurrent increments: got %d", workers, got.RefundedValue)
	}
	if got.Version != 1+workers {
		t.Errorf("Version after %d concurrent updates: got %d, want %d", workers, got.Version, 1+workers)
	}
}

func testNotificationBacklog(t *testing.T, s store.Store) {
	ctx := t.Context()
	n, oldest, err := s.NotificationBacklog(ctx)
	ok(t, err, "NotificationBacklog")
	if n != 0 || !oldest.IsZero() {
		t.Fatalf("empty outbox: %d pending, oldest %v", n, oldest)
	}
	p := addPayment(t, s, addMerchant(t, s))
	base := now()
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
	n, oldest, err = s.NotificationBacklog(ctx)
	ok(t, err, "NotificationBacklog")
	if n != 2 || !oldest.Equal(base) {
		t.Fatalf("backlog %d pending, oldest %v; want 2, %v", n, oldest, base)
	}
}

func testPing(t *testing.T, s store.Store) {
	ok(t, s.Ping(t.Context()), "Ping")
}
