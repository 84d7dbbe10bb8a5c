package ams

// Dispute API names. Their paths are under PathPrefix like the payment APIs
// (/ams/api/v1/payments/acceptDispute, ...), as Antom's docs and the Java, Python, PHP and
// .NET SDKs have them; the Go SDK's request constructors leave the path of acceptDispute
// and downloadDisputeEvidence as "null".
const (
	APIAcceptDispute           = "acceptDispute"
	APISupplyDefenseDocument   = "supplyDefenseDocument"
	APIDownloadDisputeEvidence = "downloadDisputeEvidence"
)

// Dispute result codes, besides PARAM_ILLEGAL and UNKNOWN_EXCEPTION.
const (
	// CodeRepeatRequest: the dispute was already answered otherwise (accepted, or defended
	// with another document).
	CodeRepeatRequest = "REPEAT_REQUEST"
	// CodeTimeExceedsLimit: the defence deadline has passed, or the dispute is over.
	CodeTimeExceedsLimit = "TIME_EXCEEDS_LIMIT"
)

// disputeNotificationType values.
const (
	DisputeCreated   = "DISPUTE_CREATED"
	DisputeJudged    = "DISPUTE_JUDGED"
	DisputeCancelled = "DISPUTE_CANCELLED"
	DefenseSupplied  = "DEFENSE_SUPPLIED"
	DefenseDueAlert  = "DEFENSE_DUE_ALERT"
	DisputeAccepted  = "DISPUTE_ACCEPTED"
)

// disputeJudgedResult values: ACCEPT_BY_CUSTOMER, the buyer bears the dispute (the merchant
// won); ACCEPT_BY_MERCHANT, the merchant does and is debited disputeJudgedAmount.
const (
	AcceptByCustomer = "ACCEPT_BY_CUSTOMER"
	AcceptByMerchant = "ACCEPT_BY_MERCHANT"
)

// DisputeTypeChargeback is the disputeType of a chargeback: the formal dispute, answered by
// accepting it or supplying a defence, as opposed to a retrieval request for documents.
const DisputeTypeChargeback = "CHARGEBACK"

// disputeEvidenceType values of downloadDisputeEvidence.
const (
	DisputeEvidenceTemplate = "DISPUTE_EVIDENCE_TEMPLATE"
	DisputeEvidenceFile     = "DISPUTE_EVIDENCE_FILE"
)

// AcceptDisputeRequest is the body of acceptDispute.
type AcceptDisputeRequest struct {
	DisputeID string `json:"disputeId"`
}

// AcceptDisputeResponse is the answer to acceptDispute; DisputeResolutionTime is when the
// dispute was accepted.
type AcceptDisputeResponse struct {
	Result                Result `json:"result"`
	DisputeID             string `json:"disputeId,omitempty"`
	DisputeResolutionTime string `json:"disputeResolutionTime,omitempty"`
}

// SupplyDefenseDocumentRequest is the body of supplyDefenseDocument: DisputeEvidence is the
// defence document in base64 (at most 1,000,000 characters).
type SupplyDefenseDocumentRequest struct {
	DisputeID       string `json:"disputeId"`
	DisputeEvidence string `json:"disputeEvidence"`
}

// SupplyDefenseDocumentResponse is the answer to supplyDefenseDocument;
// DisputeResolutionTime is when the document was supplied.
type SupplyDefenseDocumentResponse struct {
	Result                Result `json:"result"`
	DisputeID             string `json:"disputeId,omitempty"`
	DisputeResolutionTime string `json:"disputeResolutionTime,omitempty"`
}

// DownloadDisputeEvidenceRequest is the body of downloadDisputeEvidence.
type DownloadDisputeEvidenceRequest struct {
	DisputeID           string `json:"disputeId"`
	DisputeEvidenceType string `json:"disputeEvidenceType"`
}

// DownloadDisputeEvidenceResponse is the answer to downloadDisputeEvidence: the document in
// base64 and its format (PDF, WORD, ZIP, JPG).
type DownloadDisputeEvidenceResponse struct {
	Result                Result `json:"result"`
	DisputeEvidence       string `json:"disputeEvidence,omitempty"`
	DisputeEvidenceFormat string `json:"disputeEvidenceFormat,omitempty"`
}

// DisputeNotification is the body of notifyDispute. It has no notifyType:
// DisputeNotificationType says what happened.
type DisputeNotification struct {
	PaymentRequestID        string  `json:"paymentRequestId"`
	DisputeID               string  `json:"disputeId"`
	PaymentID               string  `json:"paymentId"`
	DisputeTime             string  `json:"disputeTime,omitempty"`
	DisputeAmount           *Amount `json:"disputeAmount,omitempty"`
	DisputeNotificationType string  `json:"disputeNotificationType"`
	DisputeReasonMsg        string  `json:"disputeReasonMsg,omitempty"`
	DisputeJudgedTime       string  `json:"disputeJudgedTime,omitempty"`
	DisputeJudgedAmount     *Amount `json:"disputeJudgedAmount,omitempty"`
	DisputeJudgedResult     string  `json:"disputeJudgedResult,omitempty"`
	DefenseDueTime          string  `json:"defenseDueTime,omitempty"`
	DisputeReasonCode       string  `json:"disputeReasonCode,omitempty"`
	DisputeSource           string  `json:"disputeSource,omitempty"`
	DisputeAcceptReason     string  `json:"disputeAcceptReason,omitempty"`
	DisputeAcceptTime       string  `json:"disputeAcceptTime,omitempty"`
	// ARN is the acquirer reference number of the disputed capture.
	ARN string `json:"arn,omitempty"`
	// DisputeType is CHARGEBACK for every dispute cashier raises.
	DisputeType string `json:"disputeType,omitempty"`
	// Defendable says whether supplyDefenseDocument can still answer the dispute. A pointer,
	// so that false is sent rather than left out: Antom's example NoD carries it as a JSON
	// boolean, as the Java (Boolean) and Go (bool) SDKs decode it.
	Defendable *bool `json:"defendable,omitempty"`
	// CaptureID is the captureId of the disputed capture.
	CaptureID    string        `json:"captureId,omitempty"`
	AcquirerInfo *AcquirerInfo `json:"acquirerInfo,omitempty"`
}
