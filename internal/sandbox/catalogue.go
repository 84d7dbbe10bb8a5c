package sandbox

import "strconv"

// The sandbox test cards. The table is data, and the Sandbox's behaviour is read from it, so
// what Catalogue publishes (and docs/test-cards.md repeats, checked by a test) is what the
// simulator does; nothing about a card is decided anywhere else.

// TestCard is one sandbox card as published at GET /sandbox/test-cards. The JSON names are a
// stable contract for merchants' test tools: fields are added, never renamed.
type TestCard struct {
	CardNo         string `json:"cardNo"`
	Brand          string `json:"brand"`
	Funding        string `json:"funding"`
	IssuingCountry string `json:"issuingCountry"`
	Description    string `json:"description"`
	// ResultCode and ResultStatus are what pay answers for the card with a valid CVV and
	// expiry, a billing address, no mpiData, is3DSAuthentication false and any amount but 11.
	ResultCode   string `json:"resultCode"`
	ResultStatus string `json:"resultStatus"` // S, F or U
	// FinalResultCode, for a card whose pay answers PAYMENT_IN_PROCESS, is where it ends: after
	// the buyer's 3-D Secure challenge for ThreeDS "challenge", else once PendingDelay has
	// passed, as inquiryPayment and notifyPayment report it.
	FinalResultCode string `json:"finalResultCode,omitempty"`
	// AVSResultRaw and CVVResultRaw are set only where the card departs from the default
	// rule: AVS "Y" when a billing address was sent ("" when none), CVV "Y" when a CVV was
	// sent ("" when none).
	AVSResultRaw string `json:"avsResultRaw,omitempty"`
	CVVResultRaw string `json:"cvvResultRaw,omitempty"`
	// ThreeDS is the card's 3-D Secure behaviour: "challenge" (always asks the buyer),
	// "frictionless" (authenticated without asking, even with is3DSAuthentication) or "exempt"
	// (never authenticated, even with is3DSAuthentication); "" for an ordinary card, which is
	// challenged only when the merchant sets is3DSAuthentication.
	ThreeDS string `json:"threeDS,omitempty"`
	// CaptureResultCode and RefundResultCode are set for the cards on which a capture or a
	// refund fails; every other card's captures and refunds succeed.
	CaptureResultCode string `json:"captureResultCode,omitempty"`
	RefundResultCode  string `json:"refundResultCode,omitempty"`
	// MITResultCode is the decline of every merchant-initiated payment (recurringType with
	// networkTransactionId) on a card whose stored credential the cardholder revoked;
	// UnscheduledResultCode that of UNSCHEDULED ones only. Customer-initiated payments get
	// ResultCode.
	MITResultCode         string `json:"mitResultCode,omitempty"`
	UnscheduledResultCode string `json:"unscheduledResultCode,omitempty"`
	// Brands are the brands of a co-badged card, the default first (as card.CoBadged has
	// them); the issuer authorizes on the one chosen (selectedCardBrand, or the buyer's
	// choice on the card form) and reports it as cardBrand. Brand is the first.
	Brands []string `json:"brands,omitempty"`
	// Installments, when set, is the installment offer of the card's issuer: it belongs to
	// the BIN (the first six digits), as real issuers' plans do.
	Installments *InstallmentOffer `json:"installments,omitempty"`
	// Dispute is how a captured payment of the card is disputed: "defendable" (won with a
	// defence), "lost" (lost whatever the merchant does) or "withdrawn" (the buyer withdraws);
	// "" for a card that is never disputed.
	Dispute string `json:"dispute,omitempty"`
	// DisputePercent is the part of the capture the buyer disputes, in percent; 0 disputes
	// the whole capture.
	DisputePercent int `json:"disputePercent,omitempty"`
	// Source is "antom" for the cards Antom publishes for its own sandbox (they behave as
	// there), "cashier" for the ones added here.
	Source string `json:"source"`

	// kind names the card inside processor references. It must never change once published:
	// references outlive the process, and a renamed kind would orphan pending authorizations.
	kind string
}

// InstallmentOffer is the installment plans an issuer has for its cards: the instalment
// counts (creditPayPlan.installmentNum) it accepts in its own currency, each plan only while
// every instalment comes to at least MinInstalment. Any other count, currency or a smaller
// amount is declined with CARD_NOT_SUPPORTED, and the card form does not offer it.
type InstallmentOffer struct {
	Currency        string `json:"currency"`
	InstallmentNums []int  `json:"installmentNums"`
	// MinInstalment is in minor units of Currency, as a string like paymentAmount.value.
	MinInstalment string `json:"minInstalment"`
	min           int64
}

// plans lists the counts o has for amount in currency.
func (o *InstallmentOffer) plans(currency string, amount int64) []int {
	if o == nil || currency != o.Currency {
		return nil
	}
	var out []int
	for _, n := range o.InstallmentNums {
		if amount/int64(n) >= o.min {
			out = append(out, n)
		}
	}
	return out
}

func offer(currency, min string, nums ...int) *InstallmentOffer {
	return &InstallmentOffer{Currency: currency, InstallmentNums: nums, MinInstalment: min}
}

// Scenario is a sandbox rule that is not a property of one card number, published so that
// tools can check both the gateway and the simulator. Fields other than name, description,
// checkedBy, resultCode and resultStatus are the request values that trigger it and are
// omitted when any value will do.
type Scenario struct {
	Name        string `json:"name"` // stable identifier
	Description string `json:"description"`
	// CheckedBy is "gateway" for card data the gateway refuses before calling the issuer, or
	// "issuer" for rules of the simulator.
	CheckedBy           string `json:"checkedBy"`
	CardNo              string `json:"cardNo,omitempty"`
	ExpiryMonth         string `json:"expiryMonth,omitempty"`
	ExpiryYear          string `json:"expiryYear,omitempty"`
	CVV                 string `json:"cvv,omitempty"`
	AmountValue         string `json:"amountValue,omitempty"` // paymentAmount.value, minor units
	Is3DSAuthentication bool   `json:"is3DSAuthentication,omitempty"`
	InstallmentNum      int    `json:"installmentNum,omitempty"` // creditPayPlan.installmentNum
	ResultCode          string `json:"resultCode"`
	ResultStatus        string `json:"resultStatus"`
}

// 3-D Secure behaviours of TestCard.ThreeDS.
const (
	threeDSChallenge    = "challenge"
	threeDSFrictionless = "frictionless"
	threeDSExempt       = "exempt"
)

// Result codes the simulator produces.
const (
	codeSuccess          = "SUCCESS"
	codeInProcess        = "PAYMENT_IN_PROCESS"
	codeDoNotHonor       = "DO_NOT_HONOR"
	codeRiskReject       = "RISK_REJECT"
	codeBalance          = "USER_BALANCE_NOT_ENOUGH"
	codeCardExpired      = "CARD_EXPIRED"
	codeSuspectedCard    = "SUSPECTED_CARD"
	codeInvalidCVV       = "INVALID_CVV"
	codeAuthRequired     = "AUTHENTICATION_REQUIRED"
	codeInvalidAmount    = "INVALID_AMOUNT"
	codeProcessFail      = "PROCESS_FAIL"
	codeParamIllegal     = "PARAM_ILLEGAL"
	codeAuthNotFound     = "AUTH_NOT_FOUND"
	codeOrderNotExist    = "ORDER_NOT_EXIST"
	codeOrderStatusWrong = "ORDER_STATUS_INVALID"
	codeIssuerRejects    = "ISSUER_REJECTS_TRANSACTION"
	codeCardNotSupported = "CARD_NOT_SUPPORTED"
)

// riskRejectAmount is Antom's sandbox trigger for a risk-control failure: paymentAmount.value
// "11", in minor units of any currency.
const riskRejectAmount = 11

// catalogue is the table. Lost and stolen cards decline with SUSPECTED_CARD rather than
// ISSUER_REJECTS_TRANSACTION: Antom's own plugins treat it as a risk rejection, which is the
// handling a merchant wants (do not retry, do not tell the buyer why), while the latter reads
// as a generic decline worth retrying. Antom's "global" cards have no published country; they
// are US here, like unknown cards. The Korean domestic numbers other than Antom's HYUNDAI
// card are made up for this sandbox and mean nothing elsewhere.
var catalogue = withStatus([]TestCard{
	// Antom's published sandbox cards.
	{kind: "visa", CardNo: "4054695723100768", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, Source: "antom",
		Description: "Antom global Visa: approved."},
	{kind: "mc", CardNo: "5162774114974622", Brand: "MASTERCARD", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, Source: "antom",
		Description: "Antom global Mastercard: approved."},
	{kind: "visadnh", CardNo: "4054692760174822", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeDoNotHonor, Source: "antom",
		Description: "Antom global Visa failure card: declined by the issuer."},
	{kind: "mcdnh", CardNo: "5162770472561357", Brand: "MASTERCARD", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeDoNotHonor, Source: "antom",
		Description: "Antom global Mastercard failure card: declined by the issuer."},
	{kind: "hyundai", CardNo: "9490220011669217", Brand: "HYUNDAI", Funding: "CREDIT", IssuingCountry: "KR", ResultCode: codeSuccess, Source: "antom",
		Installments: offer("KRW", "50000", 2, 3, 4, 5, 6, 10, 12),
		Description:  "Antom South Korea Hyundai Card (local brand): approved; installments in KRW from 50,000 won an instalment."},
	{kind: "visabr", CardNo: "4294097400915107", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "BR", ResultCode: codeSuccess, Source: "antom",
		Installments: offer("BRL", "500", 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
		Description:  "Antom Brazil Visa: approved; 2 to 12 installments in BRL, from BRL 5.00 an instalment."},
	{kind: "visamx", CardNo: "4006055482525268", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "MX", ResultCode: codeSuccess, Source: "antom",
		Installments: offer("MXN", "10000", 3, 6, 9, 12),
		Description:  "Antom Mexico Visa: approved; 3, 6, 9 or 12 installments in MXN, from MXN 100.00 an instalment."},
	{kind: "visacl", CardNo: "4600729331819383", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "CL", ResultCode: codeSuccess, Source: "antom",
		Installments: offer("CLP", "5000", 3, 6, 12),
		Description:  "Antom Chile Visa: approved; 3, 6 or 12 installments in CLP, from CLP 5,000 an instalment."},
	{kind: "visape", CardNo: "4310377720003234", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "PE", ResultCode: codeSuccess, Source: "antom",
		Description: "Antom Peru Visa: approved."},
	{kind: "exempt", CardNo: "4035501000000008", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, ThreeDS: threeDSExempt, Source: "antom",
		Description: "Antom 3-D Secure exemption card: approved without authentication, even with is3DSAuthentication."},

	// Brands and funding types.
	{kind: "generic", CardNo: "4242424242424242", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, Source: "cashier",
		Description: "Visa: approved."},
	{kind: "visadeb", CardNo: "4000056655665556", Brand: "VISA", Funding: "DEBIT", IssuingCountry: "US", ResultCode: codeSuccess, Source: "cashier",
		Description: "Visa debit: approved."},
	{kind: "mc2", CardNo: "2223003122003222", Brand: "MASTERCARD", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, Source: "cashier",
		Description: "Mastercard 2-series: approved."},
	{kind: "mcdeb", CardNo: "5200828282828210", Brand: "MASTERCARD", Funding: "DEBIT", IssuingCountry: "US", ResultCode: codeSuccess, Source: "cashier",
		Description: "Mastercard debit: approved."},
	{kind: "mcpre", CardNo: "5105105105105100", Brand: "MASTERCARD", Funding: "PREPAID", IssuingCountry: "US", ResultCode: codeSuccess, Source: "cashier",
		Description: "Mastercard prepaid: approved."},
	{kind: "amex", CardNo: "378282246310005", Brand: "AMEX", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, Source: "cashier",
		Description: "American Express (15 digits, 4-digit CVV): approved."},
	{kind: "jcb", CardNo: "3566002020360505", Brand: "JCB", Funding: "CREDIT", IssuingCountry: "JP", ResultCode: codeSuccess, Source: "cashier",
		Description: "JCB: approved."},
	{kind: "cup", CardNo: "6200000000000005", Brand: "CUP", Funding: "CREDIT", IssuingCountry: "CN", ResultCode: codeSuccess, Source: "cashier",
		Description: "UnionPay: approved."},
	{kind: "cupdeb", CardNo: "6200000000000047", Brand: "CUP", Funding: "DEBIT", IssuingCountry: "CN", ResultCode: codeSuccess, Source: "cashier",
		Description: "UnionPay debit: approved."},
	{kind: "diners", CardNo: "3056930009020004", Brand: "DINERS", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, Source: "cashier",
		Description: "Diners Club: approved."},
	{kind: "diners14", CardNo: "36227206271667", Brand: "DINERS", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, Source: "cashier",
		Description: "Diners Club (14 digits): approved."},
	{kind: "discover", CardNo: "6011111111111117", Brand: "DISCOVER", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, Source: "cashier",
		Description: "Discover: approved."},
	{kind: "maestro", CardNo: "6759649826438453", Brand: "MAESTRO", Funding: "DEBIT", IssuingCountry: "GB", ResultCode: codeSuccess, Source: "cashier",
		Description: "Maestro debit: approved."},
	{kind: "mir", CardNo: "2200000000000004", Brand: "MIR", Funding: "DEBIT", IssuingCountry: "RU", ResultCode: codeSuccess, Source: "cashier",
		Description: "Mir debit: approved."},

	{kind: "visath", CardNo: "4890070000000008", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "TH", ResultCode: codeSuccess, Source: "cashier",
		Installments: offer("THB", "30000", 3, 6, 10),
		Description:  "Thailand Visa: approved; 3, 6 or 10 installments in THB, from THB 300.00 an instalment."},

	// Korean local brands.
	{kind: "samsung", CardNo: "9440220011669218", Brand: "SAMSUNG", Funding: "CREDIT", IssuingCountry: "KR", ResultCode: codeSuccess, Source: "cashier",
		Description: "South Korea Samsung Card (local brand): approved."},
	{kind: "kookmin", CardNo: "9410220011669214", Brand: "KOOKMIN", Funding: "CREDIT", IssuingCountry: "KR", ResultCode: codeSuccess, Source: "cashier",
		Description: "South Korea KB Kookmin Card (local brand): approved."},
	{kind: "kbdebit", CardNo: "9410230011669213", Brand: "KOOKMIN", Funding: "DEBIT", IssuingCountry: "KR", ResultCode: codeSuccess, Source: "cashier",
		Description: "South Korea KB Kookmin check card (local brand, debit): approved."},
	{kind: "shinhan", CardNo: "9420220011669212", Brand: "SHINHAN", Funding: "CREDIT", IssuingCountry: "KR", ResultCode: codeSuccess, Source: "cashier",
		Description: "South Korea Shinhan Card (local brand): approved."},
	{kind: "lotte", CardNo: "9460220011669213", Brand: "LOTTE", Funding: "CREDIT", IssuingCountry: "KR", ResultCode: codeBalance, Source: "cashier",
		Description: "South Korea Lotte Card (local brand): declined, insufficient funds."},

	// Declines.
	{kind: "decline", CardNo: "4000000000000002", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeDoNotHonor, Source: "cashier",
		Description: "Generic issuer decline."},
	{kind: "nofunds", CardNo: "4000000000009995", Brand: "VISA", Funding: "DEBIT", IssuingCountry: "US", ResultCode: codeBalance, Source: "cashier",
		Description: "Insufficient funds."},
	{kind: "expired", CardNo: "4000000000000069", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeCardExpired, Source: "cashier",
		Description: "Expired at the issuer, whatever expiry date is sent."},
	{kind: "lost", CardNo: "4000000000009987", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuspectedCard, Source: "cashier",
		Description: "Reported lost: declined as a suspected card."},
	{kind: "stolen", CardNo: "4000000000009979", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuspectedCard, Source: "cashier",
		Description: "Reported stolen: declined as a suspected card."},
	{kind: "fraud", CardNo: "4100000000000019", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeRiskReject, Source: "cashier",
		Description: "Rejected by risk control, whatever the amount."},
	{kind: "badcvv", CardNo: "4000000000000127", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeInvalidCVV, CVVResultRaw: "D", Source: "cashier",
		Description: "CVV does not match: declined when a CVV is sent; approved without one (stored card), as nothing can be checked."},

	// AVS.
	{kind: "avsfail", CardNo: "4000000000000010", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, AVSResultRaw: "N", Source: "cashier",
		Description: "Approved, but neither street nor postal code match (when a billing address is sent)."},
	{kind: "avsstrt", CardNo: "4000000000000028", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, AVSResultRaw: "Z", Source: "cashier",
		Description: "Approved; postal code matches, street does not (when a billing address is sent)."},
	{kind: "avszip", CardNo: "4000000000000036", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, AVSResultRaw: "A", Source: "cashier",
		Description: "Approved; street matches, postal code does not (when a billing address is sent)."},

	// 3-D Secure.
	{kind: "3dsreq", CardNo: "4000000000003220", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "GB", ResultCode: codeInProcess, FinalResultCode: codeSuccess, ThreeDS: threeDSChallenge, Source: "cashier",
		Description: "Always requires a 3-D Secure challenge; approved once authenticated."},
	{kind: "3dsfunds", CardNo: "4000008260003178", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "GB", ResultCode: codeInProcess, FinalResultCode: codeBalance, ThreeDS: threeDSChallenge, Source: "cashier",
		Description: "Always requires a 3-D Secure challenge; then declined, insufficient funds."},
	{kind: "3dsfric", CardNo: "4000000000003055", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "GB", ResultCode: codeSuccess, ThreeDS: threeDSFrictionless, Source: "cashier",
		Description: "3-D Secure frictionless: authenticated without a challenge, even with is3DSAuthentication; approved."},
	{kind: "softdecl", CardNo: "4000002500003155", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "GB", ResultCode: codeAuthRequired, Source: "cashier",
		Description: "Soft decline: declined without 3-D Secure; approved when paid again with 3-D Secure (is3DSAuthentication or mpiData)."},

	// Card on file and merchant-initiated payments.
	{kind: "mitnounsched", CardNo: "4000000000006017", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, UnscheduledResultCode: codeDoNotHonor, Source: "cashier",
		Description: "Approved, and so are its SCHEDULED merchant-initiated payments; UNSCHEDULED ones are declined (DO_NOT_HONOR)."},
	{kind: "mitrevoked", CardNo: "4000000000006025", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, MITResultCode: codeIssuerRejects, Source: "cashier",
		Description: "Approved when the buyer pays; every merchant-initiated payment is declined (ISSUER_REJECTS_TRANSACTION): the cardholder revoked the stored credential."},

	// Co-badged cards.
	{kind: "cbvisa", CardNo: "4973010000000004", Brand: "CARTES_BANCAIRES", Brands: []string{"CARTES_BANCAIRES", "VISA"}, Funding: "DEBIT", IssuingCountry: "FR", ResultCode: codeSuccess, Source: "cashier",
		Description: "Cartes Bancaires co-badged with Visa: approved on the brand chosen (Cartes Bancaires when none is)."},
	{kind: "cbmc", CardNo: "5137010000000004", Brand: "CARTES_BANCAIRES", Brands: []string{"CARTES_BANCAIRES", "MASTERCARD"}, Funding: "CREDIT", IssuingCountry: "FR", ResultCode: codeSuccess, Source: "cashier",
		Description: "Cartes Bancaires co-badged with Mastercard: approved on the brand chosen (Cartes Bancaires when none is)."},
	{kind: "elovisa", CardNo: "4576310000000009", Brand: "ELO", Brands: []string{"ELO", "VISA"}, Funding: "CREDIT", IssuingCountry: "BR", ResultCode: codeSuccess, Source: "cashier",
		Description: "Elo co-badged with Visa: approved on the brand chosen (Elo when none is)."},

	// Slow issuers.
	{kind: "slowok", CardNo: "4000000000007015", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeInProcess, FinalResultCode: codeSuccess, Source: "cashier",
		Description: "Issuer timeout: in process, approved 30 s later."},
	{kind: "slowdnh", CardNo: "4000000000007023", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeInProcess, FinalResultCode: codeDoNotHonor, Source: "cashier",
		Description: "Issuer timeout: in process, declined by the issuer 30 s later."},

	// After the authorization.
	{kind: "capfail", CardNo: "4000000000008013", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, CaptureResultCode: codeProcessFail, Source: "cashier",
		Description: "Approved, but every capture fails."},
	{kind: "reffail", CardNo: "4000000000005126", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, RefundResultCode: codeProcessFail, Source: "cashier",
		Description: "Approved and captured, but every refund fails."},

	// After the capture: disputed DisputeDelay after it (docs/test-cards.md, "Disputes").
	{kind: "dspwin", CardNo: "4000000000000259", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, Dispute: disputeDefendable, Source: "cashier",
		Description: "Disputed as fraud (10.4) a day after capture: won with a defence, lost if accepted or left unanswered."},
	{kind: "dspmcwin", CardNo: "5100000000000198", Brand: "MASTERCARD", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, Dispute: disputeDefendable, Source: "cashier",
		Description: "Disputed (4853, cardholder dispute) a day after capture: won with a defence, lost if accepted or left unanswered."},
	{kind: "dsplost", CardNo: "4000000000002685", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, Dispute: disputeLost, Source: "cashier",
		Description: "Disputed as not received (13.1) a day after capture: lost whatever the merchant does."},
	{kind: "dspwithdrawn", CardNo: "4000000000001976", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, Dispute: disputeWithdrawn, Source: "cashier",
		Description: "Disputed as not as described (13.3) a day after capture: the buyer withdraws it (DISPUTE_CANCELLED) unless the merchant accepted it."},
	{kind: "dsphalf", CardNo: "4000000000002693", Brand: "VISA", Funding: "CREDIT", IssuingCountry: "US", ResultCode: codeSuccess, Dispute: disputeLost, DisputePercent: 50, Source: "cashier",
		Description: "Half the capture disputed as not received (13.1) a day after capture: lost whatever the merchant does; the other half stays refundable."},
})

// scenarios are the rules that do not belong to one card. The dates are chosen to stay
// malformed or past whatever the clock says.
var scenarios = withScenarioStatus([]Scenario{
	{Name: "risk-reject-amount", CheckedBy: "issuer", CardNo: "4242424242424242", AmountValue: "11", ResultCode: codeRiskReject,
		Description: "paymentAmount.value \"11\" (minor units, any currency, any card) is rejected by risk control."},
	{Name: "force-3ds", CheckedBy: "issuer", CardNo: "4242424242424242", Is3DSAuthentication: true, ResultCode: codeInProcess,
		Description: "is3DSAuthentication on a card without mpiData asks for a 3-D Secure challenge (except frictionless and exempt cards); approved once authenticated."},
	{Name: "installment-unsupported", CheckedBy: "issuer", CardNo: "4054695723100768", InstallmentNum: 3, ResultCode: codeCardNotSupported,
		Description: "A creditPayPlan the card's issuer has no offer of (this card has none; the others not in that currency, count or for that small an amount) is declined."},
	{Name: "unknown-card", CheckedBy: "issuer", CardNo: "4111111111111111", ResultCode: codeSuccess,
		Description: "Any other Luhn-valid number is approved: brand from its prefix, CREDIT, issued in US."},
	{Name: "invalid-month", CheckedBy: "gateway", CardNo: "4054695723100768", ExpiryMonth: "13", ExpiryYear: "30", ResultCode: "INVALID_EXPIRATION_DATE",
		Description: "Expiry month 13 (or any month outside 01-12, or not two digits) is invalid."},
	{Name: "one-digit-month", CheckedBy: "gateway", CardNo: "4054695723100768", ExpiryMonth: "1", ExpiryYear: "30", ResultCode: "INVALID_EXPIRATION_DATE",
		Description: "expiryMonth and expiryYear are exactly two digits, as in Antom's API; \"1\" is refused, send \"01\"."},
	{Name: "expired", CheckedBy: "gateway", CardNo: "4054695723100768", ExpiryMonth: "01", ExpiryYear: "20", ResultCode: codeCardExpired,
		Description: "An expiry month that is over (everywhere, i.e. in UTC-12) is expired; any other valid expiry is accepted."},
	{Name: "luhn-invalid", CheckedBy: "gateway", CardNo: "4242424242424241", ResultCode: "INVALID_CARD_NUMBER",
		Description: "A number failing the Luhn check, or not 12-19 digits, is invalid."},
	{Name: "unsupported-brand", CheckedBy: "gateway", CardNo: "1000000000000008", ResultCode: "CARD_NOT_SUPPORTED",
		Description: "A Luhn-valid number of no card brand (no brand range, not a national 9 number such as the Korean local cards) is not supported."},
	{Name: "two-digit-cvv", CheckedBy: "gateway", CardNo: "4054695723100768", CVV: "99", ResultCode: codeInvalidCVV,
		Description: "A two-digit CVV is invalid; any 3-digit CVV (4 for AMEX) is accepted."},
	{Name: "amex-three-digit-cvv", CheckedBy: "gateway", CardNo: "378282246310005", CVV: "123", ResultCode: codeInvalidCVV,
		Description: "AMEX takes a 4-digit CVV."},
})

// Catalogue returns the sandbox test cards, in a fixed order. Every number is Luhn-valid.
func Catalogue() []TestCard { return append([]TestCard(nil), catalogue...) }

// Scenarios returns the sandbox rules that are not tied to one card number.
func Scenarios() []Scenario { return append([]Scenario(nil), scenarios...) }

var (
	cardsByNumber = make(map[string]*TestCard, len(catalogue))
	cardsByKind   = make(map[string]*TestCard, len(catalogue))
)

// offersByBIN holds the installment offers by the first six digits of their cards.
var offersByBIN = map[string]*InstallmentOffer{}

func init() {
	for i := range catalogue {
		c := &catalogue[i]
		cardsByNumber[c.CardNo] = c
		cardsByKind[c.kind] = c
		if o := c.Installments; o != nil {
			var err error
			if o.min, err = strconv.ParseInt(o.MinInstalment, 10, 64); err != nil {
				panic("sandbox: minInstalment of " + c.kind + ": " + err.Error())
			}
			offersByBIN[c.CardNo[:6]] = o
		}
	}
	for _, c := range catalogue {
		if o := offersByBIN[c.CardNo[:6]]; o != nil && o != c.Installments {
			panic("sandbox: card " + c.kind + " shares the BIN of an installment offer it does not have")
		}
	}
}

// resultStatus is the pay resultStatus that goes with a result code.
func resultStatus(code string) string {
	switch code {
	case codeSuccess:
		return "S"
	case codeInProcess:
		return "U"
	}
	return "F"
}

func withStatus(cs []TestCard) []TestCard {
	for i := range cs {
		cs[i].ResultStatus = resultStatus(cs[i].ResultCode)
	}
	return cs
}

func withScenarioStatus(ss []Scenario) []Scenario {
	for i := range ss {
		ss[i].ResultStatus = resultStatus(ss[i].ResultCode)
	}
	return ss
}
