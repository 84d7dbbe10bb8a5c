package sandbox

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"

	"github.com/google/uuid"

	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
)

// OTP is the one-time code the sandbox's 3-D Secure challenge accepts.
const OTP = "123456"

// ACS is the sandbox's 3-D Secure server: the challenge passes with OTP and fails with any
// other answer or a cancel, with the ECI values the schemes use (Mastercard and Maestro
// 02/00, the others 05/07) and a random CAVV.
type ACS struct{}

var _ issuer.ACS = ACS{}

// Verify implements issuer.ACS.
func (ACS) Verify(ctx context.Context, brand, answer string, cancelled bool) (payment.ThreeDS, bool) {
	t := payment.ThreeDS{Version: "2.2.0", Challenged: true, DSTransactionID: uuid.NewString()}
	mastercard := brand == card.Mastercard || brand == card.Maestro
	if cancelled || !hmac.Equal([]byte(answer), []byte(OTP)) {
		t.ECI = "07"
		if mastercard {
			t.ECI = "00"
		}
		return t, false
	}
	t.ECI = "05"
	if mastercard {
		t.ECI = "02"
	}
	cavv := make([]byte, 20)
	rand.Read(cavv)
	t.CAVV = base64.StdEncoding.EncodeToString(cavv)
	return t, true
}

// Hint implements issuer.ACS: the sandbox's challenge page shows the code to type.
func (ACS) Hint() string { return OTP }
