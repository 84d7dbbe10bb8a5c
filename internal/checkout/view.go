package checkout

import (
	"time"

	"github.com/cashierpay/cashier/internal/payment"
)

// Step is what the buyer's page shows next.
type Step string

// Steps of the hosted flow.
const (
	// StepCard: the card form (number, expiry, CVV, name, optional billing address).
	StepCard Step = "card"
	// StepCVV: a saved card is being paid; only its CVV is asked for.
	StepCVV Step = "cvv"
	// StepChallenge: the 3-D Secure challenge (one-time code).
	StepChallenge Step = "challenge"
	// StepIssuer: the Korean issuer's own authentication, for IssuerBrand.
	StepIssuer Step = "issuer"
	// StepResult: the payment is final (or waits on the issuer); show Status and send the
	// buyer to RedirectURL.
	StepResult Step = "result"
)

// HostedView is everything a hosted page needs to render a payment. It never holds card
// data beyond the masked number.
type HostedView struct {
	Token            string // the page token from normalUrl
	Step             Step
	PaymentID        string
	MerchantName     string
	MerchantLogo     string // the digest of the merchant's logo, "" for none
	OrderDescription string
	Amount           payment.Amount
	SaveCardOffered  bool   // the merchant asked to tokenize: show the consent checkbox
	CardMasked       string // StepCVV and StepChallenge: the card being paid
	CardBrand        string
	IssuerBrand      string // StepIssuer: SAMSUNG, HYUNDAI, KOOKMIN, ...
	ChallengeHint    string // StepChallenge: what the ACS lets the page show (the sandbox's code)
	TerminalType     string // WEB, WAP, APP, MINI_APP
	DeviceLanguage   string // env.deviceLanguage of the merchant's request, as sent
	Status           payment.Status
	ResultCode       string
	ResultMessage    string
	RedirectURL      string // paymentRedirectUrl
	ExpiresAt        time.Time
	// Expired: the payment closed because its expiry time passed.
	Expired bool
	// Session: opened by createPaymentSession (or createVaultingSession) for the browser SDK.
	Session bool
	// Vaulting: the page saves a card without paying (PaymentID is then the vaulting's id,
	// and Amount is zero).
	Vaulting bool
	// DeclineCode and DeclineMessage, on a session's card step, say why the buyer's last
	// card was declined; the buyer may try another.
	DeclineCode, DeclineMessage string
	// CollectInstallments: the card form offers the card's installment plans
	// (Flow.InstallmentPlans) once the buyer has typed its first digits; PlanCount is the one
	// chosen beforehand (the merchant's creditPayPlan), 0 for none.
	CollectInstallments bool
	PlanCount           int
	// Plans, on a saved card's CVV page of a session that collects installments, are the
	// plans that card has; on the card form, those of the card in Choice.
	Plans []PlanOption
	// Choice: the card form is back to ask what a browser without JavaScript could not offer
	// before the number was known (a co-badged card's brand, the card's plans).
	Choice *CardChoice
	// AnotherCard: at StepCVV or StepChallenge, the buyer may leave this card for the card
	// form (Flow.UseAnotherCard).
	AnotherCard bool
	// FieldErrors maps a form field (cardNo, expiryMonth, expiryYear, cvv, holderName,
	// otp) to the result code that rejected it, for a form shown again.
	FieldErrors map[string]string
}

// CardChoice is a card the form keeps while the buyer chooses how to pay with it. The number
// is sealed for the page (Cards.SealForPage), never in clear.
type CardChoice struct {
	// CardRef is the sealed number, for the form to post back (CardInput.CardRef).
	CardRef string
	// Masked is the card as Antom masks it, for the page to show; Brand the brand it pays
	// with, the one chosen or else its default.
	Masked, Brand string
	// Brands are a co-badged card's brands, the default first; nil when there is no brand
	// to choose. The plans are the view's Plans, the one chosen its PlanCount.
	Brands []string
}

// CardInput is what the buyer typed on the card form. It lives in memory only.
type CardInput struct {
	Number      string
	ExpiryMonth string // "01".."12"
	ExpiryYear  string // two digits
	CVV         string
	HolderName  string
	Billing     *payment.Address
	SaveCard    bool // consent to keep the card for later payments
	// Brand is the brand the buyer chose for a co-badged card; "" takes its default.
	Brand string
	// Installments is the plan chosen on a form that collects installments: the number of
	// monthly instalments, 0 to pay in full, -1 for anything unreadable.
	Installments int
	// Undecided: the form posted neither a brand nor a plan, as a form without JavaScript
	// does, which cannot look the card up before it is sent. A card that has a brand or a
	// plan to choose is then not paid: the view comes back with its Choice.
	Undecided bool
	// CardRef is the number as the form that asked for the choice kept it (CardChoice), for
	// a post whose Number is empty.
	CardRef string
}
