package sandbox

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// PendingDelay is how long the slow-issuer test cards keep an authorization in process
// before Inquire gives the final answer. It runs on the Issuer's clock, so a test clock
// moved forward by PendingDelay resolves them at once.
const PendingDelay = 30 * time.Second

// Issuer is the simulated issuer behind the sandbox. Its decisions depend only on the
// request (card number, amount, CVV, billing address, 3-D Secure data) and the clock, never
// on earlier calls, and its own reference encodes each decision, so Capture, Void and Refund
// need nothing stored. Like a real issuer it keeps a record of every authorization it decides,
// under the gateway's reference, written before it answers: Inquire answers from it, so a
// gateway that crashed between asking and recording learns the answer it lost. It is safe for
// concurrent use.
//
// Rules, in the order they apply to Authorize:
//   - card data the gateway should have refused (card.Validate) or a non-positive amount is
//     declined with the matching code, so a gateway bug shows as a decline, never an approval;
//     a verification (req.Verification, for a card saved without a payment) has amount 0 and
//     otherwise follows the same rules as an authorization;
//   - amount 11 (minor units, any currency) is declined with RISK_REJECT, as in Antom's sandbox;
//   - an installment plan (req.Installments) the card's BIN has no offer of for the currency
//     and amount (InstallmentOffer) is declined with CARD_NOT_SUPPORTED;
//   - 3-D Secure: a card without req.ThreeDS answers ChallengeRequired when it is a "challenge"
//     card, or when req.Force3DS is set on an ordinary card; "frictionless" cards authenticate
//     on their own and "exempt" ones are never authenticated. Merchant-initiated payments
//     (req.NetworkTransactionID set) have no buyer to challenge and skip this step;
//   - then the card's catalogue entry decides, its MIT declines for merchant-initiated
//     payments first; a number not in the catalogue is approved;
//   - a co-badged card is authorized on req.Brand when it carries it, else on its first brand.
//
// A reference that has a record already gets that record's answer again, and one the gateway
// voided before any authorization arrived (a technical cancel) is declined with PROCESS_FAIL.
type Issuer struct {
	clk     interface{ Now() time.Time }
	records Records
}

// Records is where the simulator keeps the authorizations it decided: the gateway's store
// (its sandbox_authorizations table) in the sandbox, which outlives the gateway's process
// as a real issuer's records do.
type Records interface {
	SandboxAuthInsert(ctx context.Context, a *store.SandboxAuth) error
	SandboxAuthGet(ctx context.Context, reference string) (*store.SandboxAuth, error)
}

// NewIssuer returns a simulator that reads the time from clk (a clock.Clock will do), so
// that pending authorizations resolve when a test clock is moved, and keeps its records in
// records.
func NewIssuer(clk interface{ Now() time.Time }, records Records) *Issuer {
	return &Issuer{clk: clk, records: records}
}

var _ issuer.Processor = (*Issuer)(nil)

// StoreIssuer is the simulator as the sandbox runs it, with its records in the gateway's own
// store: it can decide inside the gateway's transaction (issuer.TxAuthorizer). An Issuer
// whose records are elsewhere (standing in for a remote acquirer in tests) is not one.
type StoreIssuer struct{ *Issuer }

// NewStoreIssuer returns the simulator keeping its records in st, the gateway's store.
func NewStoreIssuer(clk interface{ Now() time.Time }, st store.Store) StoreIssuer {
	return StoreIssuer{NewIssuer(clk, st)}
}

var _ issuer.TxAuthorizer = StoreIssuer{}

// AuthorizeTx implements issuer.TxAuthorizer: Authorize, with the record written through
// q, a transaction of the store the simulator keeps its records in.
func (s StoreIssuer) AuthorizeTx(ctx context.Context, q store.Queries, req issuer.AuthRequest) (issuer.AuthResult, error) {
	return s.authorize(ctx, q, req)
}

// Authorize implements Processor. It returns an error only for a done ctx, a request
// without a reference or records it cannot write; every business answer, including invalid
// card data, is an AuthResult. Result codes: SUCCESS;
// PAYMENT_IN_PROCESS (Pending or ChallengeRequired); INVALID_CARD_NUMBER,
// INVALID_EXPIRATION_DATE, CARD_EXPIRED, INVALID_CVV, INVALID_AMOUNT; RISK_REJECT; the
// catalogue's declines (DO_NOT_HONOR, USER_BALANCE_NOT_ENOUGH, SUSPECTED_CARD,
// AUTHENTICATION_REQUIRED, ...).
func (s *Issuer) Authorize(ctx context.Context, req issuer.AuthRequest) (issuer.AuthResult, error) {
	return s.authorize(ctx, s.records, req)
}

// authorize decides and writes the record through records.
func (s *Issuer) authorize(ctx context.Context, records Records, req issuer.AuthRequest) (issuer.AuthResult, error) {
	if err := ctx.Err(); err != nil {
		return issuer.AuthResult{}, err
	}
	if req.Reference == "" {
		return issuer.AuthResult{}, errNoReference
	}
	now := s.clk.Now()
	tc, kind := cardProfile(req.Card.Number, req.Brand)
	a := authRef{kind: kind, nonce: newNonce(), brand: max(slices.Index(tc.Brands, req.Brand), 0)}
	var cerr *card.Error
	switch {
	case errors.As(card.Validate(req.Card.Number, req.Card.ExpiryMonth, req.Card.ExpiryYear, req.Card.CVV, now), &cerr):
		a.decline(cerr.Code)
	case req.Amount < 0, req.Amount == 0 && !req.Verification:
		a.decline(codeInvalidAmount)
	case req.Amount == riskRejectAmount:
		a.decline(codeRiskReject)
	case req.Installments != 0 && !slices.Contains(offerOf(req.Card.Number).plans(req.Currency, req.Amount), req.Installments):
		a.decline(codeCardNotSupported)
	default:
		decide(&a, tc, req, now)
	}
	rec := &store.SandboxAuth{Reference: req.Reference, IssuerRef: a.String(), Amount: payment.Amount{Currency: req.Currency, Value: req.Amount}, CreatedAt: now}
	err := records.SandboxAuthInsert(ctx, rec)
	if errors.Is(err, store.ErrConflict) {
		// Asked again under the same reference: the first decision stands.
		return s.recorded(ctx, records, req.Reference, now)
	}
	if err != nil {
		return issuer.AuthResult{}, err
	}
	res := describe(a, now)
	if req.ThreeDS != nil {
		t := *req.ThreeDS
		res.ThreeDS = &t
	}
	return res, nil
}

var errNoReference = errors.New("sandbox: an authorization needs the gateway's reference")

// recorded answers for the authorization recorded under reference: issuer.ErrNotFound when
// there is none; a decline when the reference was voided before any authorization arrived.
func (s *Issuer) recorded(ctx context.Context, records Records, reference string, now time.Time) (issuer.AuthResult, error) {
	rec, err := records.SandboxAuthGet(ctx, reference)
	if errors.Is(err, store.ErrNotFound) {
		return issuer.AuthResult{}, issuer.ErrNotFound
	}
	if err != nil {
		return issuer.AuthResult{}, err
	}
	if rec.IssuerRef == "" {
		return issuer.AuthResult{Outcome: issuer.Declined, ResultCode: codeProcessFail, Message: "The authorization was cancelled before it arrived."}, nil
	}
	a, err := parseRef(rec.IssuerRef)
	if err != nil {
		return issuer.AuthResult{}, err
	}
	return describe(a, now), nil
}

// decide applies the 3-D Secure step and the card's catalogue entry.
func decide(a *authRef, tc *TestCard, req issuer.AuthRequest, now time.Time) {
	authenticated := req.ThreeDS != nil || req.NetworkTransactionID != ""
	if !authenticated {
		switch {
		case tc.ThreeDS == threeDSFrictionless:
			a.frictionless, authenticated = true, true
		case tc.ThreeDS == threeDSChallenge, req.Force3DS && tc.ThreeDS != threeDSExempt:
			a.outcome = issuer.ChallengeRequired
			return
		}
	}
	code := tc.ResultCode
	if tc.ThreeDS == threeDSChallenge {
		// Authenticated by now: the challenge was the in-process step.
		code = tc.FinalResultCode
	}
	if req.NetworkTransactionID != "" {
		switch {
		case tc.MITResultCode != "":
			code = tc.MITResultCode
		case req.RecurringType == ams.RecurringUnscheduled && tc.UnscheduledResultCode != "":
			code = tc.UnscheduledResultCode
		}
	}
	if code == codeAuthRequired && authenticated {
		code = codeSuccess
	}
	if code == codeInvalidCVV && req.Card.CVV == "" {
		// A stored card has no CVV to mismatch.
		code = codeSuccess
	}
	if req.Card.Billing != nil {
		a.avs = cmp.Or(tc.AVSResultRaw, "Y")
	}
	if req.Card.CVV != "" {
		a.cvv = cmp.Or(tc.CVVResultRaw, "Y")
	}
	switch code {
	case codeSuccess:
		a.outcome = issuer.Approved
	case codeInProcess:
		a.outcome = issuer.Pending
		// Whole seconds keep the reference short; rounding down can only resolve it early by
		// less than a second, never late.
		a.resolve = now.Add(PendingDelay).Unix()
	default:
		a.decline(code)
	}
}

// Inquire implements Processor, from the records: Pending until PendingDelay has passed on
// the clock, then the card's final answer; issuer.ErrNotFound for a reference no
// authorization arrived under. It does not repeat the request's own ThreeDS data, which it
// never stored.
func (s *Issuer) Inquire(ctx context.Context, reference string) (issuer.AuthResult, error) {
	if err := ctx.Err(); err != nil {
		return issuer.AuthResult{}, err
	}
	res, err := s.recorded(ctx, s.records, reference, s.clk.Now())
	if err == nil && res.Ref == "" {
		// A voided reference has no authorization to report.
		return issuer.AuthResult{}, issuer.ErrNotFound
	}
	return res, err
}

// Capture implements Processor. Result codes: SUCCESS; PARAM_ILLEGAL (no currency, amount
// not positive); AUTH_NOT_FOUND (not a sandbox reference); ORDER_STATUS_INVALID (the
// authorization is not approved, or still pending); the card's CaptureResultCode. Limits on
// the amount are the gateway's to check: the simulator does not remember authorizations.
func (s *Issuer) Capture(ctx context.Context, ref, currency string, amount int64) (issuer.OpResult, error) {
	if err := ctx.Err(); err != nil {
		return issuer.OpResult{}, err
	}
	tc, code := s.approvedCard(ref, currency, amount, codeAuthNotFound)
	if code == "" {
		code = tc.CaptureResultCode
	}
	res := opResult("simcap", code, "Captured.")
	if res.Success {
		res.ARN = arn(arnSale, res.Ref, s.clk.Now())
	}
	return res, nil
}

// Void implements Processor. It succeeds for every authorization, whatever the outcome:
// Antom answers SUCCESS when cancelling a failed payment too. Any other ref is the
// gateway's reference of a request whose answer it never recorded: a technical cancel,
// which marks the reference so that an authorization arriving under it later is declined.
// Result codes: SUCCESS.
func (s *Issuer) Void(ctx context.Context, ref string) (issuer.OpResult, error) {
	if err := ctx.Err(); err != nil {
		return issuer.OpResult{}, err
	}
	if _, err := parseRef(ref); err != nil {
		err := s.records.SandboxAuthInsert(ctx, &store.SandboxAuth{Reference: ref, CreatedAt: s.clk.Now()})
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return issuer.OpResult{}, err
		}
	}
	return opResult("simvoid", "", "Voided."), nil
}

// Refund implements Processor. Result codes: SUCCESS; PARAM_ILLEGAL; ORDER_NOT_EXIST (not a
// sandbox reference); ORDER_STATUS_INVALID (not approved); the card's RefundResultCode.
// Whether the payment was captured and the refunded total are the gateway's to check.
func (s *Issuer) Refund(ctx context.Context, ref, currency string, amount int64) (issuer.OpResult, error) {
	if err := ctx.Err(); err != nil {
		return issuer.OpResult{}, err
	}
	tc, code := s.approvedCard(ref, currency, amount, codeOrderNotExist)
	if code == "" {
		code = tc.RefundResultCode
	}
	res := opResult("simrefund", code, "Refunded.")
	if res.Success {
		res.ARN = arn(arnCredit, res.Ref, s.clk.Now())
	}
	return res, nil
}

// approvedCard returns the card of ref when ref is an authorization that stands approved now
// and the amount is usable; otherwise the result code refusing the operation.
func (s *Issuer) approvedCard(ref, currency string, amount int64, notFound string) (*TestCard, string) {
	if currency == "" || amount <= 0 {
		return nil, codeParamIllegal
	}
	a, err := parseRef(ref)
	if err != nil {
		return nil, notFound
	}
	if describe(a, s.clk.Now()).Outcome != issuer.Approved {
		return nil, codeOrderStatusWrong
	}
	tc, _ := cardOfKind(a.kind)
	return tc, ""
}

func opResult(prefix, code, done string) issuer.OpResult {
	r := issuer.OpResult{Success: code == "", ResultCode: cmp.Or(code, codeSuccess), Ref: prefix + "_" + newNonce()}
	r.Message = done
	if !r.Success {
		r.Message = cmp.Or(messages[code], code)
	}
	return r
}

// describe turns an authorization reference into the answer for it at now. Authorize and
// Inquire both answer through it, which is what makes them agree.
func describe(a authRef, now time.Time) issuer.AuthResult {
	tc, _ := cardOfKind(a.kind)
	ref := a.String()
	res := issuer.AuthResult{
		Outcome: a.outcome, ResultCode: a.code, Ref: ref,
		AVSResult: a.avs, CVVResult: a.cvv,
		CardBrand: tc.Brand, Funding: tc.Funding, IssuingCountry: tc.IssuingCountry,
	}
	if a.brand > 0 {
		res.CardBrand = tc.Brands[a.brand]
	}
	switch a.outcome {
	case issuer.Approved:
		res.ResultCode = codeSuccess
	case issuer.Pending, issuer.ChallengeRequired:
		res.ResultCode = codeInProcess
	}
	if a.outcome == issuer.Pending {
		due := time.Unix(a.resolve, 0)
		if now.Before(due) {
			res.RetryAfter = due
		} else {
			res.ResultCode = tc.FinalResultCode
			res.Outcome = issuer.Declined
			if res.ResultCode == codeSuccess {
				res.Outcome = issuer.Approved
			}
		}
	}
	res.Message = cmp.Or(messages[res.ResultCode], res.ResultCode)
	if res.Outcome == issuer.ChallengeRequired {
		res.Message = "The card requires 3-D Secure authentication."
	}
	if res.Outcome == issuer.Approved {
		res.AuthCode, res.NetworkTransactionID = approvalIDs(ref)
	}
	if a.frictionless {
		res.ThreeDS = frictionless(ref, tc.Brand)
	}
	return res
}

// messages are safe for merchant and buyer: they never quote card data.
var messages = map[string]string{
	codeSuccess:                "Approved.",
	codeInProcess:              "The issuer has not answered yet.",
	codeDoNotHonor:             "The issuer declined the payment.",
	codeRiskReject:             "The payment was rejected by risk control.",
	codeCardNotSupported:       "The card has no installment plan of creditPayPlan.installmentNum for this currency and amount; pay in full or choose a plan the card has.",
	codeBalance:                "The card has insufficient funds.",
	codeCardExpired:            card.ErrExpired.Message,
	codeSuspectedCard:          "The issuer declined the payment.", // do not tell a thief why
	codeInvalidCVV:             card.ErrInvalidCVV.Message,
	codeAuthRequired:           "The issuer requires 3-D Secure authentication; pay again with it.",
	codeInvalidAmount:          "The amount is invalid.",
	card.ErrInvalidNumber.Code: card.ErrInvalidNumber.Message,
	card.ErrInvalidExpiry.Code: card.ErrInvalidExpiry.Message,
	codeProcessFail:            "The issuer refused the operation.",
	codeParamIllegal:           "The currency or the amount is invalid.",
	codeAuthNotFound:           "The authorization does not exist.",
	codeOrderNotExist:          "The authorization does not exist.",
	codeOrderStatusWrong:       "The authorization is not approved.",
	codeIssuerRejects:          "The cardholder has stopped payments the merchant initiates on this card.",
}

// approvalIDs derives the authorization code and the network transaction id from the
// reference, so that Inquire repeats what Authorize said and every authorization still gets
// its own: the reference carries a random nonce.
func approvalIDs(ref string) (authCode, ntid string) {
	h := sha256.Sum256([]byte("approval:" + ref))
	const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, 6)
	for i := range b {
		b[i] = alnum[int(h[i])%len(alnum)]
	}
	// 15 digits, the length of a Visa transaction identifier.
	n := binary.BigEndian.Uint64(h[8:16]) % 1_000_000_000_000_000
	return string(b), fmt.Sprintf("%015d", n)
}

// AcquirerName is the simulator's name as an acquirer (acquirerInfo.acquirerName).
const AcquirerName = "CASHIER_SANDBOX"

var _ issuer.Acquirer = (*Issuer)(nil)

// AcquirerName implements issuer.Acquirer.
func (s *Issuer) AcquirerName() string { return AcquirerName }

// AcquirerMerchantID implements issuer.Acquirer: the merchant's account number with the
// simulated acquirer, 15 digits (the length of a Visa merchant id) derived from the
// gateway's merchant id, so that a merchant always has the same one.
func (s *Issuer) AcquirerMerchantID(merchantID string) string {
	h := sha256.Sum256([]byte("mid:" + merchantID))
	return fmt.Sprintf("%015d", binary.BigEndian.Uint64(h[:8])%1_000_000_000_000_000)
}

// ARN format indicators: the first digit tells a sale's presentment (a capture) from a
// credit to the card (a refund), as Visa's ARNs do.
const (
	arnSale   = '2'
	arnCredit = '7'
)

// arnBIN is the acquirer BIN of the simulator's ARNs: the acquirer that presented the
// transaction to the scheme.
const arnBIN = "448899"

// arn makes up the 23-digit acquirer reference number of the operation ref processed at:
// the format indicator, the acquirer's BIN, the processing date (last digit of the year and
// day of the year, YDDD), an 11-digit sequence derived from ref (unique as ref is, and the
// same whenever asked again, as approvalIDs are) and a Luhn check digit over the 22 before.
func arn(indicator byte, ref string, at time.Time) string {
	at = at.UTC()
	h := sha256.Sum256([]byte("arn:" + ref))
	seq := binary.BigEndian.Uint64(h[:8]) % 100_000_000_000
	body := fmt.Sprintf("%c%s%d%03d%011d", indicator, arnBIN, at.Year()%10, at.YearDay(), seq)
	check := byte('0')
	for !card.Luhn(body + string(check)) { // one digit of ten does
		check++
	}
	return body + string(check)
}

// frictionless makes up the 3-D Secure 2 result of an authentication the issuer did without
// a challenge, deterministically from the reference for the same reason as approvalIDs.
func frictionless(ref, brand string) *payment.ThreeDS {
	h := sha256.Sum256([]byte("3ds:" + ref))
	eci := "05" // fully authenticated, Visa and most brands
	if brand == card.Mastercard || brand == card.Maestro {
		eci = "02"
	}
	var u [16]byte
	copy(u[:], h[16:])
	u[6] = u[6]&0x0f | 0x40 // a version-4 UUID, as directory servers issue
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u[:])
	return &payment.ThreeDS{
		Version:         "2.2.0",
		ECI:             eci,
		CAVV:            base64.StdEncoding.EncodeToString(h[:20]),
		DSTransactionID: x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:],
	}
}

// cardProfile finds the catalogue entry of a PAN, or makes the profile of an unknown card:
// approved, CREDIT, issued in US, brand from its prefix, or for a co-badged one chosen as
// the issuer chooses for catalogue cards. The kind it returns names the profile in
// references without the PAN.
func cardProfile(pan, chosen string) (*TestCard, string) {
	if tc, ok := cardsByNumber[pan]; ok {
		return tc, tc.kind
	}
	brand := card.DetectBrand(pan)
	if brands := card.CoBadged(pan); brands != nil {
		brand = brands[0]
		if slices.Contains(brands, chosen) {
			brand = chosen
		}
	}
	kind := unknownKind
	if brand != "" {
		// Kinds are one field of an underscore-separated reference: CARTES_BANCAIRES is
		// written cartes-bancaires.
		kind += "-" + strings.ToLower(strings.ReplaceAll(brand, "_", "-"))
	}
	return unknownCard(brand), kind
}

// unknownKind is the kind of cards outside the catalogue, followed by "-brand" when the
// prefix tells the brand, so that Inquire can repeat it.
const unknownKind = "any"

func unknownCard(brand string) *TestCard {
	return &TestCard{Brand: brand, Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess}
}

func cardOfKind(kind string) (*TestCard, bool) {
	if tc, ok := cardsByKind[kind]; ok {
		return tc, true
	}
	if kind == unknownKind {
		return unknownCard(""), true
	}
	if b, ok := strings.CutPrefix(kind, unknownKind+"-"); ok {
		if brand := strings.ToUpper(strings.ReplaceAll(b, "-", "_")); isDetectableBrand(brand) {
			return unknownCard(brand), true
		}
	}
	return nil, false
}

// isDetectableBrand says whether an unknown card can have brand: one its prefix or a
// co-badged BIN names.
func isDetectableBrand(brand string) bool {
	for _, r := range card.BrandRanges() {
		if r.Brand == brand {
			return true
		}
	}
	for _, c := range card.BrowserTable().CoBadged {
		if slices.Contains(c.Brands, brand) {
			return true
		}
	}
	return false
}

// authRef is an authorization as its reference records it:
//
//	sim_<state>_<resolveUnix>_<kind>_<avs><cvv><3ds>[<brand>]_<nonce>
//
// state is "ok", "pending", "challenge" or the decline code in lower case with dashes
// (do-not-honor); resolveUnix is when a pending authorization gets its final answer, 0
// otherwise; kind names the catalogue card (or "any[-brand]"), never the PAN; avs and cvv are
// the result codes, "-" when unchecked; 3ds is "f" when the simulator authenticated the card
// frictionlessly, else "-"; brand, for a co-badged catalogue card authorized on another
// brand than its first, is the index of that brand in TestCard.Brands (absent for the
// first, so older references still read); nonce is random hex that makes the reference unique. Example:
// sim_pending_1767225630_slowok_YY-_3f9a1c2e7b4d. References fit Antom's 64-character ids.
type authRef struct {
	outcome      issuer.Outcome
	code         string // decline code, when outcome is issuer.Declined
	resolve      int64
	kind         string
	avs, cvv     string
	frictionless bool
	brand        int // index in the card's Brands
	nonce        string
}

func (a *authRef) decline(code string) {
	a.outcome, a.code = issuer.Declined, code
}

const refPrefix = "sim"

func (a authRef) String() string {
	var state string
	switch a.outcome {
	case issuer.Approved:
		state = "ok"
	case issuer.Pending:
		state = "pending"
	case issuer.ChallengeRequired:
		state = "challenge"
	default:
		state = strings.ToLower(strings.ReplaceAll(a.code, "_", "-"))
	}
	tds := "-"
	if a.frictionless {
		tds = "f"
	}
	if a.brand > 0 {
		tds += strconv.Itoa(a.brand)
	}
	return refPrefix + "_" + state + "_" + strconv.FormatInt(a.resolve, 10) + "_" + a.kind + "_" +
		cmp.Or(a.avs, "-") + cmp.Or(a.cvv, "-") + tds + "_" + a.nonce
}

var errNotSandboxRef = errors.New("sandbox: not a sandbox authorization reference")

func parseRef(ref string) (authRef, error) {
	f := strings.Split(ref, "_")
	if len(f) != 6 || f[0] != refPrefix {
		return authRef{}, errNotSandboxRef
	}
	var a authRef
	switch state := f[1]; state {
	case "ok":
		a.outcome = issuer.Approved
	case "pending":
		a.outcome = issuer.Pending
	case "challenge":
		a.outcome = issuer.ChallengeRequired
	default:
		if state == "" || strings.Trim(state, "abcdefghijklmnopqrstuvwxyz-") != "" {
			return authRef{}, errNotSandboxRef
		}
		a.decline(strings.ToUpper(strings.ReplaceAll(state, "-", "_")))
	}
	var err error
	if a.resolve, err = strconv.ParseInt(f[2], 10, 64); err != nil || a.resolve < 0 {
		return authRef{}, errNotSandboxRef
	}
	a.kind = f[3]
	tc, ok := cardOfKind(a.kind)
	if !ok || (a.outcome == issuer.Pending && (tc.ResultCode != codeInProcess || tc.ThreeDS == threeDSChallenge)) {
		return authRef{}, errNotSandboxRef
	}
	flags := f[4]
	if len(flags) < 3 || len(flags) > 4 || (flags[2] != 'f' && flags[2] != '-') {
		return authRef{}, errNotSandboxRef
	}
	a.avs, a.cvv, a.frictionless = unflag(flags[0]), unflag(flags[1]), flags[2] == 'f'
	if len(flags) == 4 {
		if a.brand = int(flags[3] - '0'); a.brand < 1 || a.brand >= len(tc.Brands) {
			return authRef{}, errNotSandboxRef
		}
	}
	if _, err := hex.DecodeString(f[5]); err != nil || len(f[5]) != 2*nonceBytes {
		return authRef{}, errNotSandboxRef
	}
	a.nonce = f[5]
	return a, nil
}

func unflag(c byte) string {
	if c == '-' {
		return ""
	}
	return string(c)
}

const nonceBytes = 6

func newNonce() string {
	b := make([]byte, nonceBytes)
	rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

var _ issuer.InstallmentPlans = (*Issuer)(nil)

// InstallmentPlans implements issuer.InstallmentPlans from the catalogue's offers.
func (s *Issuer) InstallmentPlans(ctx context.Context, bin, currency string, amount int64) ([]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return offerOf(bin).plans(currency, amount), nil
}

var _ issuer.InstallmentOffers = (*Issuer)(nil)

// InstallmentOffers implements issuer.InstallmentOffers from the catalogue's offers, one per
// card that has one.
func (s *Issuer) InstallmentOffers(ctx context.Context, currency string) ([]issuer.InstallmentOffer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []issuer.InstallmentOffer
	for _, c := range catalogue {
		if o := c.Installments; o != nil && o.Currency == currency {
			out = append(out, issuer.InstallmentOffer{Brand: c.Brand, Counts: append([]int(nil), o.InstallmentNums...), MinInstalment: o.min})
		}
	}
	return out, nil
}

// offerOf is the installment offer of the BIN that number starts with; nil when none.
func offerOf(number string) *InstallmentOffer {
	if len(number) < 6 {
		return nil
	}
	return offersByBIN[number[:6]]
}

// IssuerAuthenticate implements IssuerAuthenticator: the sandbox's Korean issuer "app"
// approves with the brand's first catalogue card, so the payment then follows that card's
// documented outcome (the LOTTE card, for instance, is declined for insufficient funds).
func (s *Issuer) IssuerAuthenticate(ctx context.Context, brand string) (issuer.Card, error) {
	if err := ctx.Err(); err != nil {
		return issuer.Card{}, err
	}
	for _, tc := range catalogue {
		if tc.Brand == brand && tc.IssuingCountry == "KR" {
			return issuer.Card{Number: tc.CardNo, ExpiryMonth: "12", ExpiryYear: "30"}, nil
		}
	}
	return issuer.Card{}, fmt.Errorf("sandbox: no %s card to authenticate", brand)
}
