package payment

import "time"

// Vaulting is a card saved without a payment (Antom's vaultPaymentMethod and
// createVaultingSession): the issuer verifies the card with an authorization of no amount,
// after 3-D Secure when the issuer asks for it, and the card gets a token pay accepts as
// paymentMethodId. It is found by the merchant's vaultingRequestId, on which it is
// idempotent.
type Vaulting struct {
	ID         string
	MerchantID string
	RequestID  string // vaultingRequestId
	// KeyHash fingerprints what a repeat of the request must repeat: the card, or for a
	// session, the session's parameters.
	KeyHash     string
	Status      Status // PROCESSING until the card is verified or refused: SUCCESS or FAIL
	Stage       Stage  // while processing: StageAwaitingCard (a session's form) or StageAwaitingChallenge
	NotifyURL   string // vaultingNotificationUrl
	RedirectURL string // where the page sends the buyer at the end
	Region      string // merchantRegion
	// Session: opened by createVaultingSession, for the card form; else vaultPaymentMethod.
	Session bool
	// Force3DS is the session's is3DSAuthentication: authenticate even a card whose issuer
	// does not ask for it.
	Force3DS bool
	// CardID is the sealed card, once the buyer or the merchant gave one; Card describes it
	// (masked), with its token once the card is verified.
	CardID        string
	Card          CardResult
	ResultCode    string
	ResultMessage string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// ExpiresAt ends the page: a session's form or a challenge not completed by then fails.
	ExpiresAt time.Time
	Version   int64
}

// VaultingExpiry is how long a vaulting session's form, or a vaulting's 3-D Secure page,
// stays open: as long as an unpaid payment's page.
const VaultingExpiry = DefaultExpiry

// Outcome is the vaulting as it stands in a result code and message.
func (v *Vaulting) Outcome() (code, message string) {
	switch v.Status {
	case Success:
		return CodeSuccess, "success"
	case Fail:
		return v.ResultCode, v.ResultMessage
	}
	return CodeVerificationInProcess, "the card is being verified; send the buyer to normalUrl, then wait for notifyVaulting or call inquireVaulting"
}
