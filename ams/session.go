package ams

// CreatePaymentSessionRequest is the body of createPaymentSession: it opens a session that
// the client-side SDK (card component, Payment Element, hosted Checkout Page) completes.
type CreatePaymentSessionRequest struct {
	ProductCode                 string              `json:"productCode"`
	PaymentRequestID            string              `json:"paymentRequestId"`
	Order                       *Order              `json:"order,omitempty"`
	PaymentAmount               *Amount             `json:"paymentAmount,omitempty"`
	PaymentMethod               *PaymentMethod      `json:"paymentMethod,omitempty"`
	PaymentSessionExpiryTime    string              `json:"paymentSessionExpiryTime,omitempty"`
	PaymentRedirectURL          string              `json:"paymentRedirectUrl,omitempty"`
	PaymentNotifyURL            string              `json:"paymentNotifyUrl,omitempty"`
	PaymentFactor               *PaymentFactor      `json:"paymentFactor,omitempty"`
	SettlementStrategy          *SettlementStrategy `json:"settlementStrategy,omitempty"`
	EnableInstallmentCollection Bool                `json:"enableInstallmentCollection,omitempty"`
	CreditPayPlan               *CreditPayPlan      `json:"creditPayPlan,omitempty"`
	MerchantRegion              string              `json:"merchantRegion,omitempty"`
	Env                         *Env                `json:"env,omitempty"`
	ProductScene                string              `json:"productScene,omitempty"`
	Locale                      string              `json:"locale,omitempty"`
	// PaymentQuote and ProcessingAmount, as on pay.
	PaymentQuote     *Quote  `json:"paymentQuote,omitempty"`
	ProcessingAmount *Amount `json:"processingAmount,omitempty"`
}

// CreatePaymentSessionResponse is the answer to createPaymentSession. PaymentSessionData is
// handed unchanged to the client-side SDK; NormalURL is the hosted Checkout Page, if any.
type CreatePaymentSessionResponse struct {
	Result                   Result `json:"result"`
	PaymentSessionData       string `json:"paymentSessionData,omitempty"`
	PaymentSessionID         string `json:"paymentSessionId,omitempty"`
	PaymentSessionExpiryTime string `json:"paymentSessionExpiryTime,omitempty"`
	NormalURL                string `json:"normalUrl,omitempty"`
}
