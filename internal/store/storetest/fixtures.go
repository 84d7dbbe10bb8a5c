package storetest

import (
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/cashierpay/cashier/internal/payment"
)

// IDs are UUIDs, as the gateway makes them, so that an adapter may use a UUID
// column; times are UTC and truncated to microseconds, as the gateway writes them.

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// newMerchant has every field set and a client id no other fixture has.
func newMerchant(created time.Time) *payment.Merchant {
	id := newID()
	return &payment.Merchant{
		ID:       id,
		ClientID: "client-" + id,
		Name:     "Boutique Zoë & Co",
		Keys: payment.MerchantKeys{
			{Version: 1, PublicKey: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE" + id, CreatedAt: created, RetiredAt: created.Add(time.Hour)},
			{Version: 2, PublicKey: "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIB" + id, CreatedAt: created.Add(time.Minute)},
		},
		NotifyURL:     "https://shop.example/notify?m=" + id,
		RequestWindow: 5*time.Minute + 250*time.Millisecond,
		CreatedAt:     created,
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
			AuthCode: "A1B2C3", AcquirerName: "CASHIER_SANDBOX", AcquirerMerchantID: "100000000000001",
			ThreeDS: &payment.ThreeDS{
				Version: "2.2.0", ECI: "05", CAVV: "AAABBBCCC=", DSTransactionID: "ds-1", Challenged: true,
			},
		},
		IssuerRef:   "iss-" + newID(),
		AuthAttempt: 3,
		RedirectURL: "https://shop.example/return?a=1&b=é",
		NotifyURL:   "https://shop.example/notify?p=1",
		Order: payment.Order{
			ReferenceOrderID: "order-42", Description: "Two \"café\" mugs\n\t<and> a tea\u2028pot",
			BuyerID: "buyer-1", TerminalType: "WEB", Tokenize: true, Force3DS: true, AuthUpgrade: true, IssuerBrand: "HYUNDAI", RecurringType: "SCHEDULED", Session: true,
			DeviceLanguage: "ko_KR", ChallengeFailures: 2, CollectInstallments: true, SettlementCurrency: "EUR",
			Plan: &payment.Plan{Count: 6, Interval: payment.IntervalMonth, FeeType: payment.FeePercentage, FeePercent: 3},
			SettlementQuote: &payment.Quote{ID: "FXQ20261206KWDEUR0a1b2c3d", Sell: "KWD", Buy: "EUR", Price: "2.99674267",
				Start: base.Truncate(24 * time.Hour), Expiry: base.Truncate(24 * time.Hour).Add(24 * time.Hour), SellExp: 3, BuyExp: 2},
			PaymentQuote: &payment.Quote{ID: "FXQ20261206USDKWD4e5f6a7b", Sell: "USD", Buy: "KWD", Price: "0.30725",
				Start: base.Truncate(24 * time.Hour), Expiry: base.Truncate(24 * time.Hour).Add(24 * time.Hour), SellExp: 2, BuyExp: 3},
			Processing: &payment.Amount{Currency: "KWD", Value: 379312500006},
		},
		CreatedAt:    base,
		UpdatedAt:    base.Add(1*time.Second + 1*time.Microsecond),
		PaidAt:       base.Add(2*time.Second + 2*time.Microsecond),
		CancelledAt:  base.Add(3*time.Second + 3*time.Microsecond),
		ExpiresAt:    base.Add(payment.DefaultExpiry + 4*time.Microsecond),
		NextActionAt: base.Add(payment.AuthWindow + 5*time.Microsecond),
		CardAttempts: 3,
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
