package sandbox

import (
	"cmp"
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// fakeClock is moved by hand only, so that 29 s and 30 s mean exactly that.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	// Half a second past the minute, to exercise the rounding of resolve times.
	return &fakeClock{t: time.Date(2026, time.March, 15, 10, 0, 0, 500_000_000, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var ctx = context.Background()

// memRecords keeps the simulator's records in memory, as the store's sandbox_authorizations
// table does (storetest checks the table on both engines).
type memRecords struct {
	mu sync.Mutex
	m  map[string]store.SandboxAuth
}

func (r *memRecords) SandboxAuthInsert(_ context.Context, a *store.SandboxAuth) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.m[a.Reference]; ok {
		return store.ErrConflict
	}
	r.m[a.Reference] = *a
	return nil
}

func (r *memRecords) SandboxAuthGet(_ context.Context, reference string) (*store.SandboxAuth, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ok := r.m[reference]
	if !ok {
		return nil, store.ErrNotFound
	}
	return &a, nil
}

// newIssuer is a simulator with records of its own.
func newIssuer(clk interface{ Now() time.Time }) *Issuer {
	return NewIssuer(clk, &memRecords{m: map[string]store.SandboxAuth{}})
}

var references atomic.Int64

// authReq is a customer-initiated payment with everything a card form sends.
func authReq(pan string) issuer.AuthRequest {
	cvv := "123"
	if card.DetectBrand(pan) == card.Amex {
		cvv = "1234"
	}
	return issuer.AuthRequest{
		Reference: "pay_" + strconv.FormatInt(references.Add(1), 10), MerchantID: "m_1", Currency: "USD", Amount: 1000,
		Card: issuer.Card{
			Number: pan, ExpiryMonth: "12", ExpiryYear: "30", CVV: cvv, HolderName: "Jane Doe",
			Billing: &payment.Address{Region: "US", State: "CA", City: "San Francisco", Address1: "1 Market St", ZipCode: "94105"},
		},
	}
}

// sameResult compares results by value, ThreeDS included.
func sameResult(a, b issuer.AuthResult) bool {
	if (a.ThreeDS == nil) != (b.ThreeDS == nil) || (a.ThreeDS != nil && *a.ThreeDS != *b.ThreeDS) {
		return false
	}
	a.ThreeDS, b.ThreeDS = nil, nil
	return a == b
}

var authenticated = &payment.ThreeDS{Version: "2.2.0", ECI: "05", CAVV: "AAABBBCCC", DSTransactionID: "f25084f0-5b16-4c0a-ae5d-b24808a95e4b", Challenged: true}

func authorize(t *testing.T, s *Issuer, req issuer.AuthRequest) issuer.AuthResult {
	t.Helper()
	res, err := s.Authorize(ctx, req)
	if err != nil {
		t.Fatalf("Authorize(%s): %v", card.Mask(req.Card.Number), err)
	}
	if strings.Contains(res.Ref, req.Card.Number) || strings.Contains(res.Message, req.Card.Number) {
		t.Fatalf("result %+v quotes the card number", res)
	}
	if len(res.Ref) > 64 {
		t.Errorf("ref %q is longer than Antom's 64-character ids", res.Ref)
	}
	return res
}

// Antom's published sandbox cards are pinned here, apart from the catalogue, so that an edit
// of the table cannot quietly change them.
func TestAntomSandboxCards(t *testing.T) {
	t.Parallel()
	s := newIssuer(newFakeClock())
	tests := []struct {
		pan, code, brand, country string
		outcome                   issuer.Outcome
	}{
		{"4054695723100768", "SUCCESS", "VISA", "US", issuer.Approved},
		{"5162774114974622", "SUCCESS", "MASTERCARD", "US", issuer.Approved},
		{"4054692760174822", "DO_NOT_HONOR", "VISA", "US", issuer.Declined},
		{"5162770472561357", "DO_NOT_HONOR", "MASTERCARD", "US", issuer.Declined},
		{"9490220011669217", "SUCCESS", "HYUNDAI", "KR", issuer.Approved},
		{"4294097400915107", "SUCCESS", "VISA", "BR", issuer.Approved},
		{"4006055482525268", "SUCCESS", "VISA", "MX", issuer.Approved},
		{"4600729331819383", "SUCCESS", "VISA", "CL", issuer.Approved},
		{"4310377720003234", "SUCCESS", "VISA", "PE", issuer.Approved},
		{"4035501000000008", "SUCCESS", "VISA", "US", issuer.Approved},
	}
	for _, tt := range tests {
		for _, force3DS := range []bool{false, true} {
			req := authReq(tt.pan)
			req.Force3DS = force3DS
			res := authorize(t, s, req)
			want := tt.outcome
			if force3DS && tt.pan != "4035501000000008" {
				want = issuer.ChallengeRequired // only the exemption card escapes is3DSAuthentication
			}
			if res.Outcome != want {
				t.Errorf("%s force3DS=%v: outcome %s, want %s", tt.pan, force3DS, res.Outcome, want)
				continue
			}
			if !force3DS && (res.ResultCode != tt.code || res.CardBrand != tt.brand || res.IssuingCountry != tt.country) {
				t.Errorf("%s: got %s %s %s, want %s %s %s", tt.pan, res.ResultCode, res.CardBrand, res.IssuingCountry, tt.code, tt.brand, tt.country)
			}
			if res.ThreeDS != nil {
				t.Errorf("%s force3DS=%v: payment.ThreeDS %+v, want none", tt.pan, force3DS, res.ThreeDS)
			}
		}
	}
	// Amount 11 is a risk rejection on any card, in any currency.
	for _, pan := range []string{"4054695723100768", "9490220011669217", "4111111111111111"} {
		req := authReq(pan)
		req.Amount, req.Currency = 11, "KRW"
		if res := authorize(t, s, req); res.Outcome != issuer.Declined || res.ResultCode != "RISK_REJECT" {
			t.Errorf("%s amount 11: %s %s, want RISK_REJECT", pan, res.Outcome, res.ResultCode)
		}
	}
	req := authReq("4054695723100768")
	req.Amount = 1100 // only exactly 11
	if res := authorize(t, s, req); res.Outcome != issuer.Approved {
		t.Errorf("amount 1100: %s %s", res.Outcome, res.ResultCode)
	}
}

func TestCatalogueInvariants(t *testing.T) {
	t.Parallel()
	numbers, kinds := map[string]bool{}, map[string]bool{}
	for _, tc := range Catalogue() {
		if _, ok := card.Normalize(tc.CardNo); !ok || !card.Luhn(tc.CardNo) {
			t.Errorf("%s is not a valid card number", tc.CardNo)
		}
		if numbers[tc.CardNo] || kinds[tc.kind] {
			t.Errorf("%s (%s) is listed twice", tc.CardNo, tc.kind)
		}
		numbers[tc.CardNo], kinds[tc.kind] = true, true
		if tc.kind == "" || strings.ContainsAny(tc.kind, "_") || strings.HasPrefix(tc.kind, unknownKind) {
			t.Errorf("%s: kind %q cannot be told apart in references", tc.CardNo, tc.kind)
		}
		if b := card.DefaultBrand(tc.CardNo); b != "" && b != tc.Brand {
			t.Errorf("%s: brand %s, but its prefix says %s", tc.CardNo, tc.Brand, b)
		}
		if b := card.CoBadged(tc.CardNo); !slices.Equal(b, tc.Brands) {
			t.Errorf("%s: brands %v, but the co-badge table says %v", tc.CardNo, tc.Brands, b)
		}
		if tc.Brand == "" || tc.Funding == "" || len(tc.IssuingCountry) != 2 || tc.Description == "" {
			t.Errorf("%s: incomplete entry %+v", tc.CardNo, tc)
		}
		if tc.Source != "antom" && tc.Source != "cashier" {
			t.Errorf("%s: source %q", tc.CardNo, tc.Source)
		}
		wantStatus := map[string]string{"SUCCESS": "S", "PAYMENT_IN_PROCESS": "U"}[tc.ResultCode]
		if tc.ResultStatus != cmp.Or(wantStatus, "F") {
			t.Errorf("%s: resultStatus %s for %s", tc.CardNo, tc.ResultStatus, tc.ResultCode)
		}
		if (tc.ResultCode == "PAYMENT_IN_PROCESS") != (tc.FinalResultCode != "") || tc.FinalResultCode == "PAYMENT_IN_PROCESS" {
			t.Errorf("%s: finalResultCode %q with resultCode %s", tc.CardNo, tc.FinalResultCode, tc.ResultCode)
		}
		switch tc.ThreeDS {
		case "", "frictionless", "exempt":
		case "challenge":
			if tc.ResultCode != "PAYMENT_IN_PROCESS" {
				t.Errorf("%s: a challenge card answers PAYMENT_IN_PROCESS first", tc.CardNo)
			}
		default:
			t.Errorf("%s: threeDS %q", tc.CardNo, tc.ThreeDS)
		}
	}
	for _, sc := range Scenarios() {
		if sc.Name == "" || sc.Description == "" || (sc.CheckedBy != "gateway" && sc.CheckedBy != "issuer") || sc.ResultStatus == "" {
			t.Errorf("incomplete scenario %+v", sc)
		}
	}
}

// Every catalogue card, sent as a card form sends it, gives what the catalogue publishes.
func TestCatalogueAuthorize(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	s := newIssuer(clk)
	for _, tc := range Catalogue() {
		req := authReq(tc.CardNo)
		res := authorize(t, s, req)
		wantOutcome := map[string]issuer.Outcome{"S": issuer.Approved, "F": issuer.Declined, "U": issuer.Pending}[tc.ResultStatus]
		if tc.ThreeDS == "challenge" {
			wantOutcome = issuer.ChallengeRequired
		}
		if res.Outcome != wantOutcome || res.ResultCode != tc.ResultCode {
			t.Errorf("%s: %s %s, want %s %s", tc.CardNo, res.Outcome, res.ResultCode, wantOutcome, tc.ResultCode)
			continue
		}
		if res.CardBrand != tc.Brand || res.Funding != tc.Funding || res.IssuingCountry != tc.IssuingCountry {
			t.Errorf("%s: %s %s %s, want %s %s %s", tc.CardNo, res.CardBrand, res.Funding, res.IssuingCountry, tc.Brand, tc.Funding, tc.IssuingCountry)
		}
		if res.Message == "" || res.Ref == "" {
			t.Errorf("%s: no message or ref: %+v", tc.CardNo, res)
		}
		wantAVS, wantCVV := cmp.Or(tc.AVSResultRaw, "Y"), cmp.Or(tc.CVVResultRaw, "Y")
		if res.Outcome == issuer.ChallengeRequired {
			wantAVS, wantCVV = "", "" // nothing reached the issuer yet
		}
		if res.AVSResult != wantAVS || res.CVVResult != wantCVV {
			t.Errorf("%s: avs %q cvv %q, want %q %q", tc.CardNo, res.AVSResult, res.CVVResult, wantAVS, wantCVV)
		}
		if (res.ThreeDS != nil) != (tc.ThreeDS == "frictionless") {
			t.Errorf("%s: payment.ThreeDS %+v for a %q card", tc.CardNo, res.ThreeDS, tc.ThreeDS)
		}
		approved := res.Outcome == issuer.Approved
		if approved != (res.AuthCode != "") || approved != regexp.MustCompile(`^\d{15}$`).MatchString(res.NetworkTransactionID) {
			t.Errorf("%s: auth code %q, network transaction id %q", tc.CardNo, res.AuthCode, res.NetworkTransactionID)
		}
		if (res.Outcome == issuer.Pending) != !res.RetryAfter.IsZero() {
			t.Errorf("%s: RetryAfter %v", tc.CardNo, res.RetryAfter)
		}
		// Inquire right away repeats the answer.
		again, err := s.Inquire(ctx, req.Reference)
		if err != nil || !sameResult(again, res) {
			t.Errorf("%s: Inquire = %+v, %v; Authorize said %+v", tc.CardNo, again, err, res)
		}
	}
}

func TestPendingResolvesAfterDelay(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		pan     string
		outcome issuer.Outcome
		code    string
	}{
		{"4000000000007015", issuer.Approved, "SUCCESS"},
		{"4000000000007023", issuer.Declined, "DO_NOT_HONOR"},
	} {
		clk := newFakeClock()
		start := clk.Now()
		s := newIssuer(clk)
		req := authReq(tt.pan)
		res := authorize(t, s, req)
		if res.Outcome != issuer.Pending || res.ResultCode != "PAYMENT_IN_PROCESS" {
			t.Fatalf("%s: %s %s, want pending", tt.pan, res.Outcome, res.ResultCode)
		}
		if d := res.RetryAfter.Sub(start); d <= PendingDelay-time.Second || d > PendingDelay {
			t.Errorf("%s: RetryAfter %v after the authorization", tt.pan, d)
		}
		clk.Advance(29 * time.Second)
		// A new Issuer on the same records stands for a restarted gateway: its own
		// reference is all it has.
		restarted := NewIssuer(clk, s.records)
		got, err := restarted.Inquire(ctx, req.Reference)
		if err != nil || got.Outcome != issuer.Pending || got.RetryAfter != res.RetryAfter {
			t.Fatalf("%s after 29 s: %+v, %v", tt.pan, got, err)
		}
		if op, _ := restarted.Capture(ctx, res.Ref, "USD", 1000); op.Success || op.ResultCode != "ORDER_STATUS_INVALID" {
			t.Errorf("%s: capture while pending: %+v", tt.pan, op)
		}
		clk.Advance(time.Second)
		got, err = restarted.Inquire(ctx, req.Reference)
		if err != nil || got.Outcome != tt.outcome || got.ResultCode != tt.code || got.Ref != res.Ref || !got.RetryAfter.IsZero() {
			t.Fatalf("%s after 30 s: %+v, %v; want %s %s", tt.pan, got, err, tt.outcome, tt.code)
		}
		if got.AVSResult != "Y" || got.CVVResult != "Y" || got.Funding != "CREDIT" || got.CardBrand != "VISA" {
			t.Errorf("%s: the final answer lost the card details: %+v", tt.pan, got)
		}
		if tt.outcome == issuer.Approved && (got.AuthCode == "" || got.NetworkTransactionID == "") {
			t.Errorf("%s: approved without ids: %+v", tt.pan, got)
		}
		op, _ := restarted.Capture(ctx, res.Ref, "USD", 1000)
		if op.Success != (tt.outcome == issuer.Approved) {
			t.Errorf("%s: capture after resolution: %+v", tt.pan, op)
		}
		later, _ := restarted.Inquire(ctx, req.Reference)
		if !sameResult(later, got) {
			t.Errorf("%s: the final answer changed: %+v then %+v", tt.pan, got, later)
		}
	}
}

func TestThreeDS(t *testing.T) {
	t.Parallel()
	s := newIssuer(newFakeClock())
	type step struct {
		name     string
		pan      string
		force3DS bool
		threeDS  *payment.ThreeDS
		mit      bool
		outcome  issuer.Outcome
		code     string
		// echo: the result carries the request's ThreeDS; frictionless: the simulator's own.
		echo, frictionless bool
	}
	tests := []step{
		{name: "ordinary card", pan: "4242424242424242", outcome: issuer.Approved, code: "SUCCESS"},
		{name: "ordinary card, forced", pan: "4242424242424242", force3DS: true, outcome: issuer.ChallengeRequired, code: "PAYMENT_IN_PROCESS"},
		{name: "ordinary card, forced, authenticated", pan: "4242424242424242", force3DS: true, threeDS: authenticated, outcome: issuer.Approved, code: "SUCCESS", echo: true},
		{name: "ordinary card, merchant's MPI", pan: "4242424242424242", threeDS: authenticated, outcome: issuer.Approved, code: "SUCCESS", echo: true},
		{name: "declining card, forced", pan: "4054692760174822", force3DS: true, outcome: issuer.ChallengeRequired, code: "PAYMENT_IN_PROCESS"},
		{name: "declining card, authenticated", pan: "4054692760174822", threeDS: authenticated, outcome: issuer.Declined, code: "DO_NOT_HONOR", echo: true},
		{name: "challenge card", pan: "4000000000003220", outcome: issuer.ChallengeRequired, code: "PAYMENT_IN_PROCESS"},
		{name: "challenge card, authenticated", pan: "4000000000003220", threeDS: authenticated, outcome: issuer.Approved, code: "SUCCESS", echo: true},
		{name: "challenge card, merchant-initiated", pan: "4000000000003220", mit: true, outcome: issuer.Approved, code: "SUCCESS"},
		{name: "challenge then no funds", pan: "4000008260003178", outcome: issuer.ChallengeRequired, code: "PAYMENT_IN_PROCESS"},
		{name: "challenge then no funds, authenticated", pan: "4000008260003178", threeDS: authenticated, outcome: issuer.Declined, code: "USER_BALANCE_NOT_ENOUGH", echo: true},
		{name: "frictionless", pan: "4000000000003055", outcome: issuer.Approved, code: "SUCCESS", frictionless: true},
		{name: "frictionless, forced", pan: "4000000000003055", force3DS: true, outcome: issuer.Approved, code: "SUCCESS", frictionless: true},
		{name: "exempt, forced", pan: "4035501000000008", force3DS: true, outcome: issuer.Approved, code: "SUCCESS"},
		{name: "soft decline", pan: "4000002500003155", outcome: issuer.Declined, code: "AUTHENTICATION_REQUIRED"},
		{name: "soft decline, forced", pan: "4000002500003155", force3DS: true, outcome: issuer.ChallengeRequired, code: "PAYMENT_IN_PROCESS"},
		{name: "soft decline, authenticated", pan: "4000002500003155", threeDS: authenticated, outcome: issuer.Approved, code: "SUCCESS", echo: true},
		{name: "soft decline, merchant-initiated", pan: "4000002500003155", mit: true, outcome: issuer.Approved, code: "SUCCESS"},
		{name: "pending card, forced", pan: "4000000000007015", force3DS: true, outcome: issuer.ChallengeRequired, code: "PAYMENT_IN_PROCESS"},
		{name: "pending card, authenticated", pan: "4000000000007015", threeDS: authenticated, outcome: issuer.Pending, code: "PAYMENT_IN_PROCESS", echo: true},
		{name: "risk before 3DS", pan: "4000000000003220", force3DS: true, outcome: issuer.Declined, code: "RISK_REJECT"},
	}
	for _, tt := range tests {
		req := authReq(tt.pan)
		req.Force3DS, req.ThreeDS = tt.force3DS, tt.threeDS
		if tt.mit {
			req.StoredCredential, req.NetworkTransactionID, req.Card.CVV = true, "483299310332879", ""
		}
		if tt.name == "risk before 3DS" {
			req.Amount = 11
		}
		res := authorize(t, s, req)
		if res.Outcome != tt.outcome || res.ResultCode != tt.code {
			t.Errorf("%s: %s %s, want %s %s", tt.name, res.Outcome, res.ResultCode, tt.outcome, tt.code)
		}
		switch {
		case tt.echo:
			if res.ThreeDS == nil || *res.ThreeDS != *tt.threeDS || res.ThreeDS == tt.threeDS {
				t.Errorf("%s: payment.ThreeDS %+v, want a copy of the request's", tt.name, res.ThreeDS)
			}
		case tt.frictionless:
			f := res.ThreeDS
			if f == nil || f.Challenged || f.ECI != "05" || f.Version != "2.2.0" || f.CAVV == "" ||
				!regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(f.DSTransactionID) {
				t.Errorf("%s: payment.ThreeDS %+v, want a frictionless result", tt.name, f)
			}
			again, _ := s.Inquire(ctx, req.Reference)
			if again.ThreeDS == nil || *again.ThreeDS != *f {
				t.Errorf("%s: Inquire payment.ThreeDS %+v, Authorize said %+v", tt.name, again.ThreeDS, f)
			}
		default:
			if res.ThreeDS != nil {
				t.Errorf("%s: payment.ThreeDS %+v, want none", tt.name, res.ThreeDS)
			}
		}
	}
}

func TestAVSAndCVVCodes(t *testing.T) {
	t.Parallel()
	s := newIssuer(newFakeClock())
	tests := []struct {
		name, pan string
		billing   bool
		cvv       string
		outcome   issuer.Outcome
		avs, cvvR string
	}{
		{"all sent", "4242424242424242", true, "123", issuer.Approved, "Y", "Y"},
		{"no address", "4242424242424242", false, "123", issuer.Approved, "", "Y"},
		{"stored card", "4242424242424242", true, "", issuer.Approved, "Y", ""},
		{"amex", "378282246310005", true, "1234", issuer.Approved, "Y", "Y"},
		{"avs mismatch", "4000000000000010", true, "123", issuer.Approved, "N", "Y"},
		{"avs mismatch, no address", "4000000000000010", false, "123", issuer.Approved, "", "Y"},
		{"zip only", "4000000000000028", true, "123", issuer.Approved, "Z", "Y"},
		{"street only", "4000000000000036", true, "123", issuer.Approved, "A", "Y"},
		{"cvv mismatch", "4000000000000127", true, "123", issuer.Declined, "Y", "D"},
		{"cvv mismatch, stored card", "4000000000000127", true, "", issuer.Approved, "Y", ""},
		{"decline keeps the checks", "4000000000009995", true, "123", issuer.Declined, "Y", "Y"},
	}
	for _, tt := range tests {
		req := authReq(tt.pan)
		req.Card.CVV = tt.cvv
		if !tt.billing {
			req.Card.Billing = nil
		}
		res := authorize(t, s, req)
		if res.Outcome != tt.outcome || res.AVSResult != tt.avs || res.CVVResult != tt.cvvR {
			t.Errorf("%s: %s avs %q cvv %q, want %s %q %q", tt.name, res.Outcome, res.AVSResult, res.CVVResult, tt.outcome, tt.avs, tt.cvvR)
		}
	}
}

// The scenarios are checked where they say: gateway ones with card.Validate, and all of them
// through the simulator, which repeats the gateway's checks.
func TestScenarios(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	s := newIssuer(clk)
	for _, sc := range Scenarios() {
		req := authReq(sc.CardNo)
		req.Card.ExpiryMonth = cmp.Or(sc.ExpiryMonth, req.Card.ExpiryMonth)
		req.Card.ExpiryYear = cmp.Or(sc.ExpiryYear, req.Card.ExpiryYear)
		req.Card.CVV = cmp.Or(sc.CVV, req.Card.CVV)
		req.Force3DS = sc.Is3DSAuthentication
		req.Installments = sc.InstallmentNum
		if sc.AmountValue != "" {
			v, err := strconv.ParseInt(sc.AmountValue, 10, 64)
			if err != nil {
				t.Fatalf("%s: amount %q", sc.Name, sc.AmountValue)
			}
			req.Amount = v
		}
		if sc.CheckedBy == "gateway" {
			var ce *card.Error
			err := card.Validate(req.Card.Number, req.Card.ExpiryMonth, req.Card.ExpiryYear, req.Card.CVV, clk.Now())
			if !errors.As(err, &ce) || ce.Code != sc.ResultCode {
				t.Errorf("%s: card.Validate = %v, want %s", sc.Name, err, sc.ResultCode)
			}
		}
		res := authorize(t, s, req)
		if res.ResultCode != sc.ResultCode || resultStatus(res.ResultCode) != sc.ResultStatus {
			t.Errorf("%s: %s %s, want %s", sc.Name, res.Outcome, res.ResultCode, sc.ResultCode)
		}
	}
}

func TestUnknownCards(t *testing.T) {
	t.Parallel()
	s := newIssuer(newFakeClock())
	for _, tt := range []struct{ pan, brand string }{
		{"4111111111111111", "VISA"},
		{"5555555555554444", "MASTERCARD"},
		{"371449635398431", "AMEX"},
		{"9400000000000007", ""}, // a national number: the issuer names no brand
	} {
		req := authReq(tt.pan)
		res := authorize(t, s, req)
		if res.Outcome != issuer.Approved || res.CardBrand != tt.brand || res.Funding != "CREDIT" || res.IssuingCountry != "US" {
			t.Errorf("%s: %+v", tt.pan, res)
		}
		again, err := NewIssuer(newFakeClock(), s.records).Inquire(ctx, req.Reference)
		if err != nil || again.CardBrand != tt.brand || again.Outcome != issuer.Approved {
			t.Errorf("%s: Inquire = %+v, %v", tt.pan, again, err)
		}
	}
	if res := authorize(t, s, authReq("1234567890123452")); res.Outcome != issuer.Declined || res.ResultCode != "CARD_NOT_SUPPORTED" {
		t.Errorf("Luhn-valid of no brand: %s %s", res.Outcome, res.ResultCode)
	}
	res := authorize(t, s, authReq("4111111111111112"))
	if res.Outcome != issuer.Declined || res.ResultCode != "INVALID_CARD_NUMBER" {
		t.Errorf("Luhn-invalid: %s %s", res.Outcome, res.ResultCode)
	}
	req := authReq("4111111111111111")
	req.Amount = 0
	if res := authorize(t, s, req); res.ResultCode != "INVALID_AMOUNT" {
		t.Errorf("amount 0: %s", res.ResultCode)
	}
}

// Merchant-initiated payments: no challenge, no CVV, and the MIT declines of the two cards
// made for them, repeated by Inquire from the reference alone.
func TestMerchantInitiated(t *testing.T) {
	t.Parallel()
	s := newIssuer(newFakeClock())
	mit := func(pan, recurring string) issuer.AuthRequest {
		req := authReq(pan)
		req.Card.CVV, req.StoredCredential = "", true
		req.NetworkTransactionID, req.RecurringType = "123456789012345", recurring
		return req
	}
	for _, tt := range []struct {
		name, pan, recurring, code string
	}{
		{"challenge card, no buyer", "4000000000003220", "SCHEDULED", "SUCCESS"},
		{"soft decline, no buyer", "4000002500003155", "UNSCHEDULED", "SUCCESS"},
		{"scheduled on the no-unscheduled card", "4000000000006017", "SCHEDULED", "SUCCESS"},
		{"unscheduled on the no-unscheduled card", "4000000000006017", "UNSCHEDULED", "DO_NOT_HONOR"},
		{"scheduled on the revoked card", "4000000000006025", "SCHEDULED", "ISSUER_REJECTS_TRANSACTION"},
		{"unscheduled on the revoked card", "4000000000006025", "UNSCHEDULED", "ISSUER_REJECTS_TRANSACTION"},
		{"a declining card declines", "4000000000000002", "SCHEDULED", "DO_NOT_HONOR"},
	} {
		req := mit(tt.pan, tt.recurring)
		res := authorize(t, s, req)
		if res.ResultCode != tt.code || res.ThreeDS != nil || res.CVVResult != "" {
			t.Errorf("%s: %s %s (3DS %+v, cvv %q), want %s", tt.name, res.Outcome, res.ResultCode, res.ThreeDS, res.CVVResult, tt.code)
		}
		if again, err := s.Inquire(ctx, req.Reference); err != nil || !sameResult(again, res) {
			t.Errorf("%s: Inquire = %+v, %v; Authorize said %+v", tt.name, again, err, res)
		}
	}
	// The buyer paying with these cards is approved.
	for _, pan := range []string{"4000000000006017", "4000000000006025"} {
		if res := authorize(t, s, authReq(pan)); res.ResultCode != "SUCCESS" {
			t.Errorf("%s customer-initiated: %s", pan, res.ResultCode)
		}
	}
}

// A co-badged card is authorized on the brand asked for when it carries it, else on its
// first; Inquire, on a fresh simulator, names the same brand.
func TestCoBadgedBrand(t *testing.T) {
	t.Parallel()
	s := newIssuer(newFakeClock())
	for _, tt := range []struct{ pan, asked, want string }{
		{"4973010000000004", "", "CARTES_BANCAIRES"},
		{"4973010000000004", "CARTES_BANCAIRES", "CARTES_BANCAIRES"},
		{"4973010000000004", "VISA", "VISA"},
		{"4973010000000004", "MASTERCARD", "CARTES_BANCAIRES"},
		{"5137010000000004", "MASTERCARD", "MASTERCARD"},
		{"4576310000000009", "VISA", "VISA"},
		{"4576310000000009", "ELO", "ELO"},
		{"4973010000000012", "VISA", "VISA"},             // not in the catalogue, in a co-badged BIN
		{"4973010000000012", "", "CARTES_BANCAIRES"},     // its default
		{"4242424242424242", "CARTES_BANCAIRES", "VISA"}, // a card of one brand ignores the choice
	} {
		req := authReq(tt.pan)
		req.Brand = tt.asked
		res := authorize(t, s, req)
		if res.Outcome != issuer.Approved || res.CardBrand != tt.want {
			t.Errorf("%s asked %q: %s %s, want %s", tt.pan, tt.asked, res.Outcome, res.CardBrand, tt.want)
		}
		again, err := NewIssuer(newFakeClock(), s.records).Inquire(ctx, req.Reference)
		if err != nil || again.CardBrand != tt.want {
			t.Errorf("%s asked %q: Inquire = %+v, %v", tt.pan, tt.asked, again, err)
		}
	}
}

func TestOperations(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	s := newIssuer(clk)
	var pendingRefs []string           // the gateway's
	approvedRef := map[string]string{} // card number → ref of an approved authorization
	for _, tc := range Catalogue() {
		req := authReq(tc.CardNo)
		req.ThreeDS = authenticated // gets the challenge and soft-decline cards through
		res := authorize(t, s, req)
		switch res.Outcome {
		case issuer.Approved:
			approvedRef[tc.CardNo] = res.Ref
		case issuer.Pending:
			pendingRefs = append(pendingRefs, req.Reference)
		case issuer.Declined:
			if op, _ := s.Capture(ctx, res.Ref, "USD", 1000); op.Success || op.ResultCode != "ORDER_STATUS_INVALID" {
				t.Errorf("%s: capture of a decline: %+v", tc.CardNo, op)
			}
			if op, _ := s.Refund(ctx, res.Ref, "USD", 1000); op.Success || op.ResultCode != "ORDER_STATUS_INVALID" {
				t.Errorf("%s: refund of a decline: %+v", tc.CardNo, op)
			}
			if op, _ := s.Void(ctx, res.Ref); !op.Success {
				t.Errorf("%s: void of a decline: %+v", tc.CardNo, op)
			}
		default:
			t.Errorf("%s: %s after 3-D Secure", tc.CardNo, res.Outcome)
		}
	}
	clk.Advance(PendingDelay)
	for _, ref := range pendingRefs {
		if res, _ := s.Inquire(ctx, ref); res.Outcome == issuer.Approved {
			approvedRef[ref] = res.Ref
		}
	}
	if len(approvedRef) < 30 {
		t.Fatalf("only %d approved authorizations", len(approvedRef))
	}
	for key, ref := range approvedRef {
		wantCapture, wantRefund := "SUCCESS", "SUCCESS"
		switch key {
		case "4000000000008013":
			wantCapture = "PROCESS_FAIL"
		case "4000000000005126":
			wantRefund = "PROCESS_FAIL"
		}
		capture, err1 := s.Capture(ctx, ref, "USD", 1000)
		refund, err2 := s.Refund(ctx, ref, "USD", 400)
		void, err3 := s.Void(ctx, ref)
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			op   issuer.OpResult
			want string
		}{{"capture", capture, wantCapture}, {"refund", refund, wantRefund}, {"void", void, "SUCCESS"}} {
			if c.op.ResultCode != c.want || c.op.Success != (c.want == "SUCCESS") || c.op.Message == "" || c.op.Ref == "" {
				t.Errorf("%s of %s: %+v, want %s", c.name, ref, c.op, c.want)
			}
		}
	}

	ok := approvedRef["4242424242424242"]
	for _, tt := range []struct {
		name string
		op   func() (issuer.OpResult, error)
		want string
	}{
		{"capture, no currency", func() (issuer.OpResult, error) { return s.Capture(ctx, ok, "", 1000) }, "PARAM_ILLEGAL"},
		{"capture, zero", func() (issuer.OpResult, error) { return s.Capture(ctx, ok, "USD", 0) }, "PARAM_ILLEGAL"},
		{"refund, negative", func() (issuer.OpResult, error) { return s.Refund(ctx, ok, "USD", -5) }, "PARAM_ILLEGAL"},
		{"capture, unknown ref", func() (issuer.OpResult, error) { return s.Capture(ctx, "never-sent", "USD", 1000) }, "AUTH_NOT_FOUND"},
		{"refund, unknown ref", func() (issuer.OpResult, error) { return s.Refund(ctx, "never-sent", "USD", 1000) }, "ORDER_NOT_EXIST"},
	} {
		op, err := tt.op()
		if err != nil || op.Success || op.ResultCode != tt.want {
			t.Errorf("%s: %+v, %v; want %s", tt.name, op, err, tt.want)
		}
	}
	// Not "pay_N": authReq numbers its references from a counter that parallel tests share.
	if _, err := s.Inquire(ctx, "never-sent"); !errors.Is(err, issuer.ErrNotFound) {
		t.Errorf("Inquire of a reference nothing arrived under: %v", err)
	}
}

func TestRefRoundTrip(t *testing.T) {
	t.Parallel()
	for _, a := range []authRef{
		{outcome: issuer.Approved, kind: "visa", avs: "Y", cvv: "Y", nonce: "0123456789ab"},
		{outcome: issuer.Pending, resolve: 1773568830, kind: "slowok", cvv: "Y", nonce: "0123456789ab"},
		{outcome: issuer.ChallengeRequired, kind: "any-mastercard", nonce: "0123456789ab"},
		{outcome: issuer.Declined, code: "USER_BALANCE_NOT_ENOUGH", kind: "nofunds", avs: "N", cvv: "D", nonce: "0123456789ab"},
		{outcome: issuer.Approved, kind: "3dsfric", frictionless: true, nonce: "0123456789ab"},
		{outcome: issuer.Approved, kind: "any", nonce: "0123456789ab"},
	} {
		got, err := parseRef(a.String())
		if err != nil || got != a {
			t.Errorf("parseRef(%q) = %+v, %v; want %+v", a.String(), got, err, a)
		}
	}
	for _, bad := range []string{
		"",
		"sim",
		"sim_ok_0_visa_YY-_0123456789ab_x",
		"xim_ok_0_visa_YY-_0123456789ab",
		"sim_OK_0_visa_YY-_0123456789ab",
		"sim__0_visa_YY-_0123456789ab",
		"sim_ok_-1_visa_YY-_0123456789ab",
		"sim_ok_x_visa_YY-_0123456789ab",
		"sim_ok_0_nosuch_YY-_0123456789ab",
		"sim_ok_0_any-troy_YY-_0123456789ab",
		"sim_ok_0_visa_YY-1_0123456789ab",       // visa has one brand
		"sim_ok_0_cbvisa_YY-2_0123456789ab",     // and cbvisa two
		"sim_ok_0_cbvisa_YY-0_0123456789ab",     // the first is written by leaving the index out
		"sim_pending_0_visa_YY-_0123456789ab",   // visa never pends
		"sim_pending_0_3dsreq_YY-_0123456789ab", // challenge cards wait for the buyer, not the clock
		"sim_ok_0_visa_YY_0123456789ab",
		"sim_ok_0_visa_YYx_0123456789ab",
		"sim_ok_0_visa_YY-_0123456789",
		"sim_ok_0_visa_YY-_0123456789xy",
	} {
		if a, err := parseRef(bad); err == nil {
			t.Errorf("parseRef(%q) = %+v, want an error", bad, a)
		}
	}
}

func TestRefsAreUnique(t *testing.T) {
	t.Parallel()
	s := newIssuer(newFakeClock())
	seen := map[string]bool{}
	ntids := map[string]bool{}
	for range 200 {
		res := authorize(t, s, authReq("4242424242424242"))
		if seen[res.Ref] || ntids[res.NetworkTransactionID] {
			t.Fatalf("repeated ref %s or network transaction id %s", res.Ref, res.NetworkTransactionID)
		}
		seen[res.Ref], ntids[res.NetworkTransactionID] = true, true
	}
}

func TestDoneContext(t *testing.T) {
	t.Parallel()
	s := newIssuer(newFakeClock())
	done, cancel := context.WithCancel(ctx)
	cancel()
	ok := authorize(t, s, authReq("4242424242424242")).Ref
	if _, err := s.Authorize(done, authReq("4242424242424242")); !errors.Is(err, context.Canceled) {
		t.Errorf("Authorize: %v", err)
	}
	if _, err := s.Inquire(done, ok); !errors.Is(err, context.Canceled) {
		t.Errorf("Inquire: %v", err)
	}
	if _, err := s.Capture(done, ok, "USD", 1); !errors.Is(err, context.Canceled) {
		t.Errorf("Capture: %v", err)
	}
	if _, err := s.Void(done, ok); !errors.Is(err, context.Canceled) {
		t.Errorf("Void: %v", err)
	}
	if _, err := s.Refund(done, ok, "USD", 1); !errors.Is(err, context.Canceled) {
		t.Errorf("Refund: %v", err)
	}
}

func TestSandboxConcurrentUse(t *testing.T) {
	t.Parallel()
	s := newIssuer(newFakeClock())
	var wg sync.WaitGroup
	for _, tc := range Catalogue() {
		wg.Go(func() {
			req := authReq(tc.CardNo)
			_, err := s.Authorize(ctx, req)
			if err == nil {
				_, err = s.Inquire(ctx, req.Reference)
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// TestRecords: the simulator answers an inquiry from what it recorded before answering
// Authorize, whichever Issuer asks (a restarted gateway builds a new one); a reference asked
// again gets the first decision; nothing recorded is issuer.ErrNotFound; and a technical
// cancel by reference refuses an authorization that arrives under it later.
func TestRecords(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	records := &memRecords{m: map[string]store.SandboxAuth{}}
	s := NewIssuer(clk, records)
	req := authReq("4242424242424242")
	res := authorize(t, s, req)
	rec := records.m[req.Reference]
	if rec.IssuerRef != res.Ref || rec.Amount != (payment.Amount{Currency: "USD", Value: 1000}) || !rec.CreatedAt.Equal(clk.Now()) {
		t.Fatalf("record %+v for %+v", rec, res)
	}
	got, err := NewIssuer(clk, records).Inquire(ctx, req.Reference)
	if err != nil || !sameResult(got, res) || got.AuthCode == "" {
		t.Fatalf("Inquire after a restart = %+v, %v; Authorize said %+v", got, err, res)
	}
	again := req
	again.Card.Number = "4054692760174822" // a declining card under the same reference
	if got := authorize(t, s, again); !sameResult(got, res) {
		t.Fatalf("the same reference again = %+v, want the first answer %+v", got, res)
	}

	lost := authReq("4242424242424242")
	if _, err := s.Inquire(ctx, lost.Reference); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("Inquire before the authorization arrived: %v", err)
	}
	if op, err := s.Void(ctx, lost.Reference); err != nil || !op.Success {
		t.Fatalf("technical cancel: %+v %v", op, err)
	}
	if op, err := s.Void(ctx, lost.Reference); err != nil || !op.Success {
		t.Fatalf("technical cancel again: %+v %v", op, err)
	}
	if got := authorize(t, s, lost); got.Outcome != issuer.Declined || got.ResultCode != "PROCESS_FAIL" {
		t.Fatalf("an authorization arriving after its cancel: %+v", got)
	}
	if _, err := s.Inquire(ctx, lost.Reference); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("Inquire of a cancelled reference: %v", err)
	}
	if _, err := s.Authorize(ctx, issuer.AuthRequest{Card: req.Card, Currency: "USD", Amount: 1}); err == nil {
		t.Fatal("an authorization without the gateway's reference was answered")
	}
}

// The installment offers decide both what the card form offers and what Authorize accepts,
// so the two agree: every offered plan is approved, every other count declined.
func TestInstallments(t *testing.T) {
	t.Parallel()
	s := newIssuer(newFakeClock())
	for _, c := range []struct {
		pan, currency string
		amount        int64
		want          []int
	}{
		{"4006055482525268", "MXN", 100000, []int{3, 6, 9}}, // MXN 1,000.00: 12 would be under MXN 100.00 each
		{"4006055482525268", "MXN", 120000, []int{3, 6, 9, 12}},
		{"4006055482525268", "USD", 120000, nil}, // only in the issuer's currency
		{"4294097400915107", "BRL", 1000, []int{2}},
		{"4600729331819383", "CLP", 60000, []int{3, 6, 12}}, // zero-decimal currency
		{"4890070000000008", "THB", 300000, []int{3, 6, 10}},
		{"9490220011669217", "KRW", 100000, []int{2}},
		{"4054695723100768", "USD", 1000000, nil}, // no offer
		{"4000056655665556", "USD", 1000000, nil}, // a debit card
		{"4111111111111111", "MXN", 1000000, nil}, // not a catalogue card
	} {
		got, err := s.InstallmentPlans(ctx, c.pan[:8], c.currency, c.amount)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("InstallmentPlans(%s, %s %d) = %v, %v; want %v", c.pan[:8], c.currency, c.amount, got, err, c.want)
		}
		for n := payment.MinInstallments; n <= payment.MaxInstallments; n++ {
			req := authReq(c.pan)
			req.Currency, req.Amount, req.Installments = c.currency, c.amount, n
			res := authorize(t, s, req)
			offered := slices.Contains(got, n)
			if offered != (res.Outcome == issuer.Approved) || (!offered && res.ResultCode != codeCardNotSupported) {
				t.Errorf("%s %s %d in %d: %s %s; offered %v", card.Mask(c.pan), c.currency, c.amount, n, res.Outcome, res.ResultCode, offered)
			}
		}
	}
	if got, _ := s.InstallmentPlans(ctx, "40060", "MXN", 1000000); got != nil {
		t.Errorf("a BIN shorter than six digits has plans %v", got)
	}
}

// ARNs are 23 digits with a Luhn check digit: the format indicator (2 a capture, 7 a
// refund), the acquirer's BIN and the processing date (YDDD), then a sequence of the
// operation's reference, the same whenever asked again and another for another operation.
func TestARN(t *testing.T) {
	at := time.Date(2026, 2, 3, 23, 59, 0, 0, time.UTC) // day 034
	a := arn(arnSale, "simcap_abc", at)
	if len(a) != 23 || !card.Luhn(a) || !strings.HasPrefix(a, "2"+arnBIN+"6034") {
		t.Fatalf("arn = %q", a)
	}
	if again := arn(arnSale, "simcap_abc", at); again != a {
		t.Errorf("arn of the same operation %q, then %q", a, again)
	}
	if other := arn(arnSale, "simcap_abd", at); other == a {
		t.Errorf("two operations share the ARN %q", a)
	}
	if r := arn(arnCredit, "simrefund_abc", at); r[0] != '7' || len(r) != 23 || !card.Luhn(r) {
		t.Errorf("refund arn = %q", r)
	}

	s := newIssuer(newFakeClock())
	auth, err := s.Authorize(t.Context(), authReq("4242424242424242"))
	if err != nil {
		t.Fatal(err)
	}
	c, err1 := s.Capture(t.Context(), auth.Ref, "USD", 100)
	r, err2 := s.Refund(t.Context(), auth.Ref, "USD", 100)
	v, err3 := s.Void(t.Context(), auth.Ref)
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	if c.ARN[0] != '2' || len(c.ARN) != 23 || r.ARN[0] != '7' || len(r.ARN) != 23 || v.ARN != "" {
		t.Errorf("capture ARN %q, refund ARN %q, void ARN %q", c.ARN, r.ARN, v.ARN)
	}
	failed, _ := s.Capture(t.Context(), auth.Ref, "", 100)
	if failed.Success || failed.ARN != "" {
		t.Errorf("a failed capture has ARN %q", failed.ARN)
	}
}
