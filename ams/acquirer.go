package ams

// AcquirerInfo is the acquirer that processed a payment, a capture, a refund or a dispute,
// as the SDKs' AcquirerInfo types have it. cashier fills acquirerName,
// referenceRequestId (its own reference of the request it sent the acquirer),
// acquirerTransactionId (the acquirer's reference of the transaction), acquirerMerchantId
// and the acquirer's result; the other fields are there for SDK parity and stay empty
// unless a processor reports them.
type AcquirerInfo struct {
	AcquirerName              string `json:"acquirerName,omitempty"`
	ReferenceRequestID        string `json:"referenceRequestId,omitempty"`
	AcquirerTransactionID     string `json:"acquirerTransactionId,omitempty"`
	AcquirerMerchantID        string `json:"acquirerMerchantId,omitempty"`
	AcquirerResultCode        string `json:"acquirerResultCode,omitempty"`
	AcquirerResultMessage     string `json:"acquirerResultMessage,omitempty"`
	AcquirerMerchantName      string `json:"acquirerMerchantName,omitempty"`
	AcquirerReasonDescription string `json:"acquirerReasonDescription,omitempty"`
	PtspTransactionID         string `json:"ptspTransactionId,omitempty"`
	AcquirerCardToken         string `json:"acquirerCardToken,omitempty"`
}
