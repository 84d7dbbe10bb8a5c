package ams

// The vaulting APIs save a card without a payment; their paths are under VaultsPathPrefix.
const (
	APICreateVaultingSession = "createVaultingSession"
	APIVaultPaymentMethod    = "vaultPaymentMethod"
	APIInquireVaulting       = "inquireVaulting"
)

// VaultsPathPrefix is where the vaulting APIs are; SandboxVaultsPathPrefix is its sandbox
// twin, as for the payments.
const (
	VaultsPathPrefix        = "/ams/api/v1/vaults/"
	SandboxVaultsPathPrefix = "/ams/sandbox/api/v1/vaults/"
)

// APIPath is the production path of api: the vaulting APIs under VaultsPathPrefix, every
// other one under PathPrefix.
func APIPath(api string) string {
	switch api {
	case APICreateVaultingSession, APIVaultPaymentMethod, APIInquireVaulting:
		return VaultsPathPrefix + api
	}
	return PathPrefix + api
}

// Vaulting statuses, of inquireVaulting and notifyVaulting.
const (
	VaultingSuccess    = "SUCCESS"
	VaultingFail       = "FAIL"
	VaultingProcessing = "PROCESSING"
)

// CardPaymentMethodDetail is paymentMethodDetail.card: the card to save in a request, the
// saved card (token and masked number, never the number) in answers and notifications.
// The SDKs' type has many more fields, which cashier neither reads nor writes.
type CardPaymentMethodDetail struct {
	CardToken           string   `json:"cardToken,omitempty"`
	CardNo              string   `json:"cardNo,omitempty"`
	Brand               string   `json:"brand,omitempty"`
	CardholderName      *Name    `json:"cardholderName,omitempty"`
	BillingAddress      *Address `json:"billingAddress,omitempty"`
	CVV                 string   `json:"cvv,omitempty"`
	ExpiryYear          string   `json:"expiryYear,omitempty"`
	ExpiryMonth         string   `json:"expiryMonth,omitempty"`
	Is3DSAuthentication Bool     `json:"is3DSAuthentication,omitempty"`
	MaskedCardNo        string   `json:"maskedCardNo,omitempty"`
	Bin                 string   `json:"bin,omitempty"`
	LastFour            string   `json:"lastFour,omitempty"`
	Funding             string   `json:"funding,omitempty"`
	IssuingCountry      string   `json:"issuingCountry,omitempty"`
}

// PaymentMethodDetail is the payment method a vaulting saves; only CARD is served.
type PaymentMethodDetail struct {
	PaymentMethodType string                   `json:"paymentMethodType,omitempty"`
	Card              *CardPaymentMethodDetail `json:"card,omitempty"`
}

// VaultPaymentMethodRequest is the body of vaultPaymentMethod.
type VaultPaymentMethodRequest struct {
	VaultingRequestID       string               `json:"vaultingRequestId"`
	VaultingNotificationURL string               `json:"vaultingNotificationUrl"`
	RedirectURL             string               `json:"redirectUrl"`
	MerchantRegion          string               `json:"merchantRegion,omitempty"`
	PaymentMethodDetail     *PaymentMethodDetail `json:"paymentMethodDetail,omitempty"`
	Env                     *Env                 `json:"env,omitempty"`
}

// VaultPaymentMethodResponse is the answer to vaultPaymentMethod: the saved card on S, the
// 3-D Secure page in NormalURL on U with VERIFICATION_IN_PROCESS.
type VaultPaymentMethodResponse struct {
	Result              Result               `json:"result"`
	VaultingRequestID   string               `json:"vaultingRequestId,omitempty"`
	PaymentMethodDetail *PaymentMethodDetail `json:"paymentMethodDetail,omitempty"`
	NormalURL           string               `json:"normalUrl,omitempty"`
	SchemeURL           string               `json:"schemeUrl,omitempty"`
	ApplinkURL          string               `json:"applinkUrl,omitempty"`
}

// CreateVaultingSessionRequest is the body of createVaultingSession.
type CreateVaultingSessionRequest struct {
	PaymentMethodType       string `json:"paymentMethodType"`
	VaultingRequestID       string `json:"vaultingRequestId"`
	VaultingNotificationURL string `json:"vaultingNotificationUrl"`
	RedirectURL             string `json:"redirectUrl"`
	MerchantRegion          string `json:"merchantRegion,omitempty"`
	Is3DSAuthentication     Bool   `json:"is3DSAuthentication,omitempty"`
}

// CreateVaultingSessionResponse is the answer to createVaultingSession. NormalURL, the
// hosted vaulting form, is cashier's addition: Antom hands its form only to its SDK.
type CreateVaultingSessionResponse struct {
	Result                    Result `json:"result"`
	VaultingSessionData       string `json:"vaultingSessionData,omitempty"`
	VaultingSessionID         string `json:"vaultingSessionId,omitempty"`
	VaultingSessionExpiryTime string `json:"vaultingSessionExpiryTime,omitempty"`
	NormalURL                 string `json:"normalUrl,omitempty"`
}

// InquireVaultingRequest names a vaulting by the merchant's vaultingRequestId.
type InquireVaultingRequest struct {
	VaultingRequestID string `json:"vaultingRequestId"`
	MerchantAccountID string `json:"merchantAccountId,omitempty"`
}

// InquireVaultingResponse is the answer to inquireVaulting. Result says whether the inquiry
// worked; VaultingStatus what became of the card.
type InquireVaultingResponse struct {
	Result              Result               `json:"result"`
	VaultingRequestID   string               `json:"vaultingRequestId,omitempty"`
	NormalURL           string               `json:"normalUrl,omitempty"`
	SchemeURL           string               `json:"schemeUrl,omitempty"`
	ApplinkURL          string               `json:"applinkUrl,omitempty"`
	VaultingStatus      string               `json:"vaultingStatus,omitempty"`
	PaymentMethodDetail *PaymentMethodDetail `json:"paymentMethodDetail,omitempty"`
}

// VaultingNotification is the body of notifyVaulting. It has no notifyType: it is told from
// the other notifications by its vaultingRequestId.
type VaultingNotification struct {
	Result              Result               `json:"result"`
	VaultingRequestID   string               `json:"vaultingRequestId"`
	VaultingStatus      string               `json:"vaultingStatus,omitempty"`
	PaymentMethodDetail *PaymentMethodDetail `json:"paymentMethodDetail,omitempty"`
	VaultingCreateTime  string               `json:"vaultingCreateTime,omitempty"`
}
