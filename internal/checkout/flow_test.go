package checkout_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/internal/antom"
	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/datadir"
	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/merchantapi"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/sandbox"
	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/store/sqlite"
	"github.com/cashierpay/cashier/internal/vault"
)

// Sandbox catalogue cards (internal/sandbox/catalogue.go).
const (
	approved       = "4054695723100768"
	declined       = "4000000000000002" // DO_NOT_HONOR
	challenged     = "4000000000003220" // 3-D Secure challenge, then approved
	challengedDecl = "4000008260003178" // 3-D Secure challenge, then insufficient funds

	doNotHonor = "DO_NOT_HONOR"
)

type fixture struct {
	api  *merchantapi.API
	core *gateway.Core
	flow *checkout.Flow
	st   store.Store
	m    *payment.Merchant
	n    int
}

func newFixture(t *testing.T, limits checkout.Limits) *fixture {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "cashier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	kr, err := vault.LoadOrCreate(dir, datadir.Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewTest()
	m := &payment.Merchant{ID: "M1", ClientID: "M1", Name: "Shop", CreatedAt: clk.Now()}
	if err := st.MerchantInsert(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	core := gateway.New(gateway.Config{Store: st, Issuer: sandbox.NewIssuer(clk, st), ACS: sandbox.ACS{}, Bodies: antom.Bodies{},
		Vault: kr, Clock: clk, PublicURL: "http://cashier.test"})
	return &fixture{api: merchantapi.New(core), core: core, flow: checkout.New(core, checkout.Config{Limits: limits, Clock: clk}), st: st, m: m}
}

// pay starts a payment: hosted without c, server to server with it.
func (f *fixture) pay(t *testing.T, c *merchantapi.CardData) *payment.Payment {
	t.Helper()
	f.n++
	id := "req-" + string(rune('a'+f.n))
	p, err := f.api.Pay(context.Background(), f.m, &merchantapi.PayCommand{
		RequestID: id, Amount: payment.Amount{Currency: "USD", Value: 1050}, CaptureMode: payment.CaptureAutomatic,
		RedirectURL: "https://shop.test/r", Order: payment.Order{ReferenceOrderID: "o-" + id, Description: "tea", TerminalType: "WEB"},
		Card: c,
	})
	if err != nil {
		t.Fatalf("pay: %v", err)
	}
	return p
}

func (f *fixture) stored(t *testing.T, id string) *payment.Payment {
	t.Helper()
	p, err := f.st.PaymentGet(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// notified lists the result codes of the payment's notifyPayment notifications.
func (f *fixture) notified(t *testing.T, id string) []string {
	t.Helper()
	ns, err := f.st.NotificationListByPayment(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, n := range ns {
		if n.Kind != payment.NotifyPayment {
			continue
		}
		var body struct {
			Result struct{ ResultCode string }
		}
		if err := json.Unmarshal(n.Body, &body); err != nil {
			t.Fatal(err)
		}
		codes = append(codes, body.Result.ResultCode)
	}
	return codes
}

func cardOf(number string) checkout.CardInput {
	return checkout.CardInput{Number: number, ExpiryMonth: "12", ExpiryYear: "30", CVV: "123", HolderName: "Ada Lovelace"}
}

// TestHostedDeclineKeepsPaymentOpen: on the hosted page, as in a session, a declined card
// leaves the payment waiting for another card, with the reason on the form, unnotified; the
// next card decides it, and only that is notified.
func TestHostedDeclineKeepsPaymentOpen(t *testing.T) {
	f := newFixture(t, checkout.Limits{Attempts: 5})
	ctx := context.Background()
	p := f.pay(t, nil)
	token := f.core.Tokens.Make(p.ID)

	v, err := f.flow.SubmitCard(ctx, token, cardOf(declined))
	if err != nil || v.Step != checkout.StepCard || v.DeclineCode != doNotHonor || v.Status != payment.Processing {
		t.Fatalf("after a decline: %+v %v", v, err)
	}
	if s := f.stored(t, p.ID); s.Status != payment.Processing || s.Stage != payment.StageAwaitingCard || s.CardAttempts != 1 {
		t.Fatalf("stored after a decline: %s %s attempts %d", s.Status, s.Stage, s.CardAttempts)
	}
	if code, _ := f.stored(t, p.ID).Outcome(); code != payment.CodePaymentInProcess {
		t.Fatalf("the merchant sees %s while the buyer may try again", code)
	}
	if n := f.notified(t, p.ID); len(n) != 0 {
		t.Fatalf("an open payment was notified: %v", n)
	}
	// The page opened again shows the form, with the reason.
	if v, err = f.flow.HostedPage(ctx, token); err != nil || v.Step != checkout.StepCard || v.DeclineCode != doNotHonor {
		t.Fatalf("page reopened after a decline: %+v %v", v, err)
	}
	if v, err = f.flow.SubmitCard(ctx, token, cardOf(approved)); err != nil || v.Step != checkout.StepResult || v.Status != payment.Success {
		t.Fatalf("the next card: %+v %v", v, err)
	}
	if n := f.notified(t, p.ID); len(n) != 1 || n[0] != payment.CodeSuccess {
		t.Fatalf("notifications %v, want the success only", n)
	}
}

// TestHostedDeclineAtBound: the last attempt's decline closes the hosted payment with
// RISK_REJECT, notified once.
func TestHostedDeclineAtBound(t *testing.T) {
	f := newFixture(t, checkout.Limits{Attempts: 2})
	ctx := context.Background()
	p := f.pay(t, nil)
	token := f.core.Tokens.Make(p.ID)
	if v, err := f.flow.SubmitCard(ctx, token, cardOf(declined)); err != nil || v.Step != checkout.StepCard {
		t.Fatalf("first decline: %+v %v", v, err)
	}
	v, err := f.flow.SubmitCard(ctx, token, cardOf(declined))
	if err != nil || v.Step != checkout.StepResult || v.Status != payment.Fail || v.ResultCode != payment.CodeRiskReject {
		t.Fatalf("decline at the bound: %+v %v", v, err)
	}
	if n := f.notified(t, p.ID); len(n) != 1 || n[0] != payment.CodeRiskReject {
		t.Fatalf("notifications %v", n)
	}
}

// TestServerToServerDeclineFails: a card the merchant sent has no buyer to try another; its
// decline is final.
func TestServerToServerDeclineFails(t *testing.T) {
	f := newFixture(t, checkout.Limits{Attempts: 5})
	p := f.pay(t, &merchantapi.CardData{Number: declined, CVV: "123", ExpiryMonth: "12", ExpiryYear: "30"})
	if p.Status != payment.Fail || p.ResultCode != doNotHonor {
		t.Fatalf("server-to-server decline: %s %s", p.Status, p.ResultCode)
	}
}

// challenge starts a hosted payment and submits card, which goes to the challenge.
func (f *fixture) challenge(t *testing.T, card string) (*payment.Payment, string) {
	t.Helper()
	p := f.pay(t, nil)
	token := f.core.Tokens.Make(p.ID)
	if v, err := f.flow.SubmitCard(context.Background(), token, cardOf(card)); err != nil || v.Step != checkout.StepChallenge {
		t.Fatalf("card to the challenge: %+v %v", v, err)
	}
	return p, token
}

// wrongCode types a wrong code and wants the challenge again with the error.
func (f *fixture) wrongCode(t *testing.T, token string, failures int) {
	t.Helper()
	v, err := f.flow.CompleteChallenge(context.Background(), token, "999999", false)
	if err != nil || v.Step != checkout.StepChallenge || v.FieldErrors["otp"] != payment.CodeUserPaymentVerificationFail {
		t.Fatalf("wrong code %d: %+v %v", failures, v, err)
	}
	if s := f.stored(t, v.PaymentID); s.Status != payment.Processing || s.Order.ChallengeFailures != failures {
		t.Fatalf("after wrong code %d: %s, %d counted", failures, s.Status, s.Order.ChallengeFailures)
	}
}

// TestChallengeTries: two wrong codes, then the right one, pay; a blank code is asked again
// without counting.
func TestChallengeTries(t *testing.T) {
	f := newFixture(t, checkout.Limits{Attempts: 5})
	ctx := context.Background()
	p, token := f.challenge(t, challenged)
	v, err := f.flow.CompleteChallenge(ctx, token, "", false)
	if err != nil || v.Step != checkout.StepChallenge || v.FieldErrors["otp"] != payment.CodeParamIllegal {
		t.Fatalf("blank code: %+v %v", v, err)
	}
	f.wrongCode(t, token, 1)
	f.wrongCode(t, token, 2)
	if n := f.notified(t, p.ID); len(n) != 0 {
		t.Fatalf("wrong codes were notified: %v", n)
	}
	v, err = f.flow.CompleteChallenge(ctx, token, sandbox.OTP, false)
	if err != nil || v.Step != checkout.StepResult || v.Status != payment.Success {
		t.Fatalf("right code on the last try: %+v %v", v, err)
	}
	if s := f.stored(t, p.ID); s.Card.ThreeDS == nil || s.Card.ThreeDS.ECI != "05" {
		t.Fatalf("3-D Secure result %+v", s.Card.ThreeDS)
	}
}

// TestChallengeFailsAfterThreeWrongCodes: the third wrong code fails the payment, notified
// once with the failed authentication's result.
func TestChallengeFailsAfterThreeWrongCodes(t *testing.T) {
	f := newFixture(t, checkout.Limits{Attempts: 5})
	ctx := context.Background()
	p, token := f.challenge(t, challenged)
	f.wrongCode(t, token, 1)
	f.wrongCode(t, token, 2)
	v, err := f.flow.CompleteChallenge(ctx, token, "999999", false)
	if err != nil || v.Step != checkout.StepResult || v.Status != payment.Fail || v.ResultCode != payment.CodeUserPaymentVerificationFail {
		t.Fatalf("third wrong code: %+v %v", v, err)
	}
	if s := f.stored(t, p.ID); s.Card.ThreeDS == nil || s.Card.ThreeDS.ECI != "07" {
		t.Fatalf("3-D Secure result %+v", s.Card.ThreeDS)
	}
	if n := f.notified(t, p.ID); len(n) != 1 || n[0] != payment.CodeUserPaymentVerificationFail {
		t.Fatalf("notifications %v", n)
	}
}

// TestChallengeCancelFails: cancelling the challenge fails at once, whatever tries are left.
func TestChallengeCancelFails(t *testing.T) {
	f := newFixture(t, checkout.Limits{Attempts: 5})
	_, token := f.challenge(t, challenged)
	v, err := f.flow.CompleteChallenge(context.Background(), token, "", true)
	if err != nil || v.Status != payment.Fail || v.ResultCode != payment.CodeUserPaymentVerificationFail {
		t.Fatalf("cancel: %+v %v", v, err)
	}
}

// TestChallengeThenDecline: a card declined after its challenge returns the buyer to the
// card form, and the next card's challenge has all its tries.
func TestChallengeThenDecline(t *testing.T) {
	f := newFixture(t, checkout.Limits{Attempts: 5})
	ctx := context.Background()
	p, token := f.challenge(t, challengedDecl)
	f.wrongCode(t, token, 1)
	v, err := f.flow.CompleteChallenge(ctx, token, sandbox.OTP, false)
	if err != nil || v.Step != checkout.StepCard || v.DeclineCode == "" {
		t.Fatalf("declined after the challenge: %+v %v", v, err)
	}
	if v, err = f.flow.SubmitCard(ctx, token, cardOf(challenged)); err != nil || v.Step != checkout.StepChallenge {
		t.Fatalf("the next card: %+v %v", v, err)
	}
	if s := f.stored(t, p.ID); s.Order.ChallengeFailures != 0 {
		t.Fatalf("the new challenge starts with %d failures", s.Order.ChallengeFailures)
	}
}

// TestCardFormText: the buyer's form is held to the API's text rules before anything is
// stored: a NUL or a line break in the holder's name or the billing address, or a field
// longer than the API takes, is a field error and leaves the payment waiting for a card.
func TestCardFormText(t *testing.T) {
	f := newFixture(t, checkout.Limits{Attempts: 5})
	ctx := context.Background()
	p := f.pay(t, nil)
	token := f.core.Tokens.Make(p.ID)
	for _, tc := range []struct {
		field string
		set   func(*checkout.CardInput)
	}{
		{"holderName", func(in *checkout.CardInput) { in.HolderName = "Ada\x00Lovelace" }},
		{"holderName", func(in *checkout.CardInput) { in.HolderName = strings.Repeat("A", 129) }},
		{"city", func(in *checkout.CardInput) { in.Billing = &payment.Address{Region: "US", City: "Spring\x00field"} }},
		{"address1", func(in *checkout.CardInput) {
			in.Billing = &payment.Address{Region: "US", Address1: "1 Main St\nApt 2"}
		}},
		{"state", func(in *checkout.CardInput) {
			in.Billing = &payment.Address{Region: "US", State: strings.Repeat("x", 129)}
		}},
		{"zipCode", func(in *checkout.CardInput) { in.Billing = &payment.Address{Region: "US", ZipCode: "\xff94107"} }},
	} {
		in := cardOf(approved)
		tc.set(&in)
		v, err := f.flow.SubmitCard(ctx, token, in)
		if err != nil || v.Step != checkout.StepCard || v.FieldErrors[tc.field] != payment.CodeParamIllegal {
			t.Errorf("%s: %+v %v", tc.field, v, err)
		}
	}
	if s := f.stored(t, p.ID); s.Stage != payment.StageAwaitingCard || s.CardAttempts != 0 || s.CardID != "" {
		t.Fatalf("refused forms changed the payment: %s, %d attempts, card %q", s.Stage, s.CardAttempts, s.CardID)
	}
	in := cardOf(approved)
	in.Billing = &payment.Address{Region: "US", State: "California", City: "San Francisco", Address1: "1 Market Street, Suite 300", ZipCode: "94105"}
	if v, err := f.flow.SubmitCard(ctx, token, in); err != nil || v.Status != payment.Success {
		t.Fatalf("a good address: %+v %v", v, err)
	}
}

// TestCardOfNoBrand: a Luhn-valid number of no brand is refused on the form, not sent to
// the issuer and not counted as an attempt; a Korean local card (a national number, brand
// from the issuer) still goes through.
func TestCardOfNoBrand(t *testing.T) {
	f := newFixture(t, checkout.Limits{Attempts: 5})
	ctx := context.Background()
	p := f.pay(t, nil)
	token := f.core.Tokens.Make(p.ID)
	v, err := f.flow.SubmitCard(ctx, token, cardOf("1000000000000008"))
	if err != nil || v.Step != checkout.StepCard || v.FieldErrors["cardNo"] != payment.CodeCardNotSupported {
		t.Fatalf("no brand: %+v %v", v, err)
	}
	if s := f.stored(t, p.ID); s.Stage != payment.StageAwaitingCard || s.CardAttempts != 0 || s.CardID != "" {
		t.Fatalf("a refused number changed the payment: %s, %d attempts, card %q", s.Stage, s.CardAttempts, s.CardID)
	}
	if v, err = f.flow.SubmitCard(ctx, token, cardOf("9440220011669218")); err != nil || v.Status != payment.Success || v.CardBrand != "SAMSUNG" {
		t.Fatalf("Korean local card: %+v %v", v, err)
	}
}

// TestHostedCoBadgedChoice: the buyer's brand for a co-badged card is checked against the
// typed number before anything is asked of the issuer, and the one chosen authorizes.
func TestHostedCoBadgedChoice(t *testing.T) {
	f := newFixture(t, checkout.Limits{Attempts: 5})
	ctx := context.Background()
	p := f.pay(t, nil)
	token := f.core.Tokens.Make(p.ID)
	in := cardOf("4973010000000004")
	in.Brand = "MASTERCARD"
	v, err := f.flow.SubmitCard(ctx, token, in)
	if err != nil || v.Step != checkout.StepCard || v.FieldErrors["cardNo"] != payment.CodeSelectedCardBrandUnavailable {
		t.Fatalf("a brand the card does not carry: %+v %v", v, err)
	}
	if got := f.stored(t, p.ID); got.Stage != payment.StageAwaitingCard || got.CardAttempts != 0 {
		t.Fatalf("after the refused brand: stage %s, %d attempts", got.Stage, got.CardAttempts)
	}
	in.Brand = "VISA"
	if v, err = f.flow.SubmitCard(ctx, token, in); err != nil || v.Step != checkout.StepResult || v.Status != payment.Success {
		t.Fatalf("Visa chosen: %+v %v", v, err)
	}
	if got := f.stored(t, p.ID); got.Card.Brand != "VISA" {
		t.Fatalf("authorized on %s, want VISA", got.Card.Brand)
	}
}

// TestUndecidedCoBadged: a form that could not offer a co-badged card's brands (no
// JavaScript) gets them back with the card kept, sealed for this payment only and never in
// clear, the payment untouched; the form posted again pays with the brand chosen; a kept card
// comes back with its choice after another field's error. A card of one brand pays at once.
func TestUndecidedCoBadged(t *testing.T) {
	f := newFixture(t, checkout.Limits{Attempts: 5})
	ctx := context.Background()
	p := f.pay(t, nil)
	token := f.core.Tokens.Make(p.ID)
	in := cardOf("4973010000000004")
	in.Undecided = true
	v, err := f.flow.SubmitCard(ctx, token, in)
	if err != nil || v.Step != checkout.StepCard || v.Choice == nil || len(v.FieldErrors) != 0 {
		t.Fatalf("undecided co-badged card: %+v %v", v, err)
	}
	c := v.Choice
	if strings.Join(c.Brands, ",") != "CARTES_BANCAIRES,VISA" || c.Brand != "CARTES_BANCAIRES" || c.Masked != "497301******0004" ||
		c.CardRef == "" || strings.Contains(c.CardRef, "4973010000000004") || len(v.Plans) != 0 {
		t.Fatalf("choice %+v, plans %v", c, v.Plans)
	}
	if s := f.stored(t, p.ID); s.Stage != payment.StageAwaitingCard || s.CardAttempts != 0 || s.CardID != "" {
		t.Fatalf("asking changed the payment: %s, %d attempts, card %q", s.Stage, s.CardAttempts, s.CardID)
	}

	// The kept card opens for its own payment only.
	other := f.pay(t, nil)
	stolen := checkout.CardInput{CardRef: c.CardRef, Brand: "VISA", ExpiryMonth: "12", ExpiryYear: "30", CVV: "123", HolderName: "Ada Lovelace"}
	if v, err := f.flow.SubmitCard(ctx, f.core.Tokens.Make(other.ID), stolen); err != nil || v.FieldErrors["cardNo"] != payment.CodeInvalidCardNumber {
		t.Fatalf("another payment's kept card: %+v %v", v, err)
	}

	// A bad CVV on the form with the choice: the choice again, the card still kept.
	again := stolen
	again.CVV = "12"
	v, err = f.flow.SubmitCard(ctx, token, again)
	if err != nil || v.FieldErrors["cvv"] != payment.CodeInvalidCVV || v.Choice == nil || v.Choice.Brand != "VISA" || v.Choice.CardRef == "" {
		t.Fatalf("choice form with a bad CVV: %+v %v", v, err)
	}
	v, err = f.flow.SubmitCard(ctx, token, stolen)
	if err != nil || v.Status != payment.Success || v.CardBrand != "VISA" {
		t.Fatalf("Visa chosen: %+v %v", v, err)
	}
	if s := f.stored(t, p.ID); s.Card.Brand != "VISA" || s.Card.Last4 != "0004" || s.CardAttempts != 1 {
		t.Fatalf("stored card %+v, %d attempts", s.Card, s.CardAttempts)
	}

	one := f.pay(t, nil)
	plain := cardOf(approved)
	plain.Undecided = true
	if v, err := f.flow.SubmitCard(ctx, f.core.Tokens.Make(one.ID), plain); err != nil || v.Choice != nil || v.Status != payment.Success {
		t.Fatalf("a card of one brand: %+v %v", v, err)
	}
}
