// Package storetest is the conformance suite of store.Store. Every adapter's tests call Run
// with a function that opens a fresh store, and every adapter must pass all of it: the
// gateway relies on these behaviours (sentinel errors, merchant scoping, exact round-trips,
// conditional updates, transactions) and on nothing an adapter does beyond them.
package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

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
		{"MerchantInsertAllOrNothing", testMerchantInsertAllOrNothing},
		{"MerchantGetUnknown", testMerchantGetUnknown},
		{"MerchantList", testMerchantList},
		{"MerchantSetNotifyURL", testMerchantSetNotifyURL},
		{"MerchantSetRequestWindow", testMerchantSetRequestWindow},
		{"MerchantGet", testMerchantGet},
		{"MerchantKeys", testMerchantKeys},
		{"MerchantLogo", testMerchantLogo},
		{"MerchantLockAddsInTurn", testMerchantLockAddsInTurn},
		{"ConfigRevision", testConfigRevision},
		{"ConfigCacheChangeBetweenReads", testConfigCacheChangeBetweenReads},
		{"ConfigCacheConcurrent", testConfigCacheConcurrent},

		{"CardInsertGet", testCardInsertGet},
		{"CardGetByToken", testCardGetByToken},
		{"CardWithoutToken", testCardWithoutToken},
		{"CardDuplicateToken", testCardDuplicateToken},
		{"CardSealedBytes", testCardSealedBytes},
		{"CardListNotUnderKey", testCardListNotUnderKey},
		{"CardRewrap", testCardRewrap},
		{"CardTokenize", testCardTokenize},

		{"PaymentRoundTrip", testPaymentRoundTrip},
		{"PaymentZeroTimes", testPaymentZeroTimes},
		{"PaymentDuplicateRequestID", testPaymentDuplicateRequestID},
		{"PaymentScopedByMerchant", testPaymentScopedByMerchant},
		{"PaymentUpdate", testPaymentUpdate},
		{"PaymentUpdateStale", testPaymentUpdateStale},
		{"PaymentListDue", testPaymentListDue},
		{"PaymentListByCard", testPaymentListByCard},
		{"PaymentCardAttemptsBound", testPaymentCardAttemptsBound},

		{"CaptureInsertGet", testCaptureInsertGet},
		{"CaptureDuplicateRequestID", testCaptureDuplicateRequestID},
		{"CaptureUpdate", testCaptureUpdate},
		{"CaptureListByPayment", testCaptureListByPayment},

		{"RefundInsertGet", testRefundInsertGet},
		{"RefundDuplicateRequestID", testRefundDuplicateRequestID},
		{"RefundUpdate", testRefundUpdate},
		{"RefundListByPayment", testRefundListByPayment},
		{"RefundListProcessing", testRefundListProcessing},

		{"DisputeInsertGet", testDisputeInsertGet},
		{"DisputeUpdate", testDisputeUpdate},
		{"DisputeUpdateConcurrent", testDisputeUpdateConcurrent},
		{"DisputeListDue", testDisputeListDue},
		{"DisputeList", testDisputeList},
		{"VaultingRoundTrip", testVaultingRoundTrip},
		{"VaultingUpdate", testVaultingUpdate},
		{"VaultingListExpired", testVaultingListExpired},

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
		{"NotificationUndeliverableInsert", testNotificationUndeliverableInsert},
		{"NotificationSetUndeliverable", testNotificationSetUndeliverable},
		{"NotificationResendUndeliverable", testNotificationResendUndeliverable},
		{"NotificationUndeliverableRace", testNotificationUndeliverableRace},
		{"Ping", testPing},

		{"Clock", testClock},
		{"ClockConcurrent", testClockConcurrent},

		{"SandboxAuth", testSandboxAuth},
		{"SandboxSimulation", testSandboxSimulation},
		{"SandboxRates", testSandboxRates},
		{"SandboxQuotes", testSandboxQuotes},

		{"ReportPeriod", testReportPeriod},

		{"TxCommit", testTxCommit},
		{"TxRollback", testTxRollback},
		{"TxInsertErrorLater", testTxInsertErrorLater},
		{"TxConcurrent", testTxConcurrent},
		{"TxConcurrentFailures", testTxConcurrentFailures},
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

// same fails the test with a diff when got differs from want; it compares single rows and
// lists of them alike.
func same[T any](t *testing.T, what string, want, got T) {
	t.Helper()
	if d := cmp.Diff(want, got, storedValue); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", what, d)
	}
}

// storedValue says when a value read back from a store is the one written.
var storedValue = cmp.Options{
	// A database keeps neither a time's monotonic reading nor its *time.Location, so times
	// compare by instant. Callers format stored times as they read them (the admin CLI
	// does), so a time read back must also be in UTC, not merely the same instant.
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) && inUTC(a) && inUTC(b) }),
	// An empty list or blob may come back nil or empty depending on the driver; only the
	// contents are part of the contract.
	cmpopts.EquateEmpty(),
}

func inUTC(t time.Time) bool { return t.IsZero() || t.Location() == time.UTC }

var timeType = reflect.TypeFor[time.Time]()

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

func testPing(t *testing.T, s store.Store) {
	ok(t, s.Ping(t.Context()), "Ping")
}
