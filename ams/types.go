package ams

import (
	"encoding/json"
	"errors"
	"strconv"
)

// API paths. Both the production prefix and the sandbox prefix reach the same handlers;
// the official SDKs rewrite the first to the second for client ids starting with SANDBOX_.
const (
	PathPrefix        = "/ams/api/v1/payments/"
	SandboxPathPrefix = "/ams/sandbox/api/v1/payments/"
)

// API names, the last segment of the path.
const (
	APIPay                  = "pay"
	APICreatePaymentSession = "createPaymentSession"
	APIInquiryPayment       = "inquiryPayment"
	APICapture              = "capture"
	APICancel               = "cancel"
	APIRefund               = "refund"
	APIInquiryRefund        = "inquiryRefund"
	APIConsult              = "consult"
)

// Payment statuses reported by inquiryPayment.
const (
	PaymentSuccess    = "SUCCESS"
	PaymentFail       = "FAIL"
	PaymentProcessing = "PROCESSING"
	PaymentCancelled  = "CANCELLED"
	PaymentPending    = "PENDING"
)

// Capture modes of paymentFactor.captureMode.
const (
	CaptureAutomatic = "AUTOMATIC"
	CaptureManual    = "MANUAL"
)

// Recurring types of paymentMethodMetaData.recurringType: a merchant-initiated payment on a
// schedule agreed with the buyer (a subscription), or at times the merchant decides (a
// top-up, a usage charge).
const (
	RecurringScheduled   = "SCHEDULED"
	RecurringUnscheduled = "UNSCHEDULED"
)

// Notification types.
const (
	NotifyPaymentResult = "PAYMENT_RESULT"
	NotifyCaptureResult = "CAPTURE_RESULT"
	NotifyRefundResult  = "REFUND_RESULT"
)

// ProductCashierPayment is the only productCode cashier serves.
const ProductCashierPayment = "CASHIER_PAYMENT"

// PaymentMethodCard is the paymentMethodType for cards.
const PaymentMethodCard = "CARD"

// Buyer identifies the merchant's customer; saved cards are scoped to ReferenceBuyerID.
type Buyer struct {
	ReferenceBuyerID      string `json:"referenceBuyerId,omitempty"`
	BuyerName             *Name  `json:"buyerName,omitempty"`
	BuyerPhoneNo          string `json:"buyerPhoneNo,omitempty"`
	BuyerEmail            string `json:"buyerEmail,omitempty"`
	BuyerRegistrationTime string `json:"buyerRegistrationTime,omitempty"`
	SuccessfulOrderCount  int    `json:"successfulOrderCount,omitempty"`
}

// Name is a person's name as Antom splits it.
type Name struct {
	FirstName  string `json:"firstName,omitempty"`
	MiddleName string `json:"middleName,omitempty"`
	LastName   string `json:"lastName,omitempty"`
	FullName   string `json:"fullName,omitempty"`
}

// Goods is one line of an order.
type Goods struct {
	ReferenceGoodsID string  `json:"referenceGoodsId,omitempty"`
	GoodsName        string  `json:"goodsName,omitempty"`
	GoodsCategory    string  `json:"goodsCategory,omitempty"`
	GoodsBrand       string  `json:"goodsBrand,omitempty"`
	GoodsUnitAmount  *Amount `json:"goodsUnitAmount,omitempty"`
	GoodsQuantity    string  `json:"goodsQuantity,omitempty"`
	GoodsSkuName     string  `json:"goodsSkuName,omitempty"`
	GoodsURL         string  `json:"goodsUrl,omitempty"`
	GoodsImageURL    string  `json:"goodsImageUrl,omitempty"`
}

// Order describes what is being paid for.
type Order struct {
	ReferenceOrderID string          `json:"referenceOrderId,omitempty"`
	OrderDescription string          `json:"orderDescription,omitempty"`
	OrderAmount      *Amount         `json:"orderAmount,omitempty"`
	Buyer            *Buyer          `json:"buyer,omitempty"`
	Goods            []Goods         `json:"goods,omitempty"`
	Shipping         json.RawMessage `json:"shipping,omitempty"`
	Env              *Env            `json:"env,omitempty"`
	ExtendInfo       string          `json:"extendInfo,omitempty"`
}

// Env describes the buyer's device.
type Env struct {
	TerminalType   string          `json:"terminalType,omitempty"`
	OsType         string          `json:"osType,omitempty"`
	BrowserInfo    json.RawMessage `json:"browserInfo,omitempty"`
	ColorDepth     string          `json:"colorDepth,omitempty"`
	ScreenHeight   string          `json:"screenHeight,omitempty"`
	ScreenWidth    string          `json:"screenWidth,omitempty"`
	TimeZoneOffset int             `json:"timeZoneOffset,omitempty"`
	DeviceBrand    string          `json:"deviceBrand,omitempty"`
	DeviceModel    string          `json:"deviceModel,omitempty"`
	DeviceTokenID  string          `json:"deviceTokenId,omitempty"`
	ClientIP       string          `json:"clientIp,omitempty"`
	DeviceLanguage string          `json:"deviceLanguage,omitempty"`
	DeviceID       string          `json:"deviceId,omitempty"`
}

// Address is a billing or shipping address.
type Address struct {
	Region   string `json:"region,omitempty"`
	State    string `json:"state,omitempty"`
	City     string `json:"city,omitempty"`
	Address1 string `json:"address1,omitempty"`
	Address2 string `json:"address2,omitempty"`
	ZipCode  string `json:"zipCode,omitempty"`
}

// MpiData is 3-D Secure data from the merchant's own MPI.
type MpiData struct {
	ThreeDSVersion  string `json:"threeDSVersion,omitempty"`
	Eci             string `json:"eci,omitempty"`
	Cavv            string `json:"cavv,omitempty"`
	DsTransactionID string `json:"dsTransactionId,omitempty"`
}

// CardMetaData is paymentMethod.paymentMethodMetaData for paymentMethodType CARD.
type CardMetaData struct {
	CardNo                      string   `json:"cardNo,omitempty"`
	CVV                         string   `json:"cvv,omitempty"`
	ExpiryYear                  string   `json:"expiryYear,omitempty"`
	ExpiryMonth                 string   `json:"expiryMonth,omitempty"`
	CardholderName              *Name    `json:"cardholderName,omitempty"`
	BillingAddress              *Address `json:"billingAddress,omitempty"`
	Is3DSAuthentication         Bool     `json:"is3DSAuthentication,omitempty"`
	EnableAuthenticationUpgrade Bool     `json:"enableAuthenticationUpgrade,omitempty"`
	Request3DS                  string   `json:"request3DS,omitempty"`
	ScaExemptionIndicator       string   `json:"scaExemptionIndicator,omitempty"`
	MpiData                     *MpiData `json:"mpiData,omitempty"`
	SelectedCardBrand           string   `json:"selectedCardBrand,omitempty"`
	// RequireIssuerAuthentication is where Antom's docs (and Java SDK 2.0.21) put the flag;
	// PaymentMethod.RequireIssuerAuthentication is where newer SDKs put it.
	RequireIssuerAuthentication Bool `json:"requireIssuerAuthentication,omitempty"`
	Tokenize                    Bool `json:"tokenize,omitempty"`
	// IsCardOnFile on a payment the buyer makes saves the card for merchant-initiated
	// payments; RecurringType (RecurringScheduled or RecurringUnscheduled) with
	// NetworkTransactionID (the initial payment's) and PaymentMethod.PaymentMethodID makes
	// one. See docs/api.md.
	IsCardOnFile         Bool   `json:"isCardOnFile,omitempty"`
	RecurringType        string `json:"recurringType,omitempty"`
	NetworkTransactionID string `json:"networkTransactionId,omitempty"`
	PaymentMethodRegion  string `json:"paymentMethodRegion,omitempty"`
	PayerEmail           string `json:"payerEmail,omitempty"`
	// NeedCVV is cashier's: with paymentMethodId, send the buyer to a hosted page that asks
	// only for the saved card's CVV (Antom's web SDK has merchantAppointParam.storedCard.needCVV).
	NeedCVV Bool `json:"needCVV,omitempty"`
}

// PaymentMethod says how the buyer pays. PaymentMethodMetaData is kept raw so that its
// shape can be checked field by field against the payment method type.
type PaymentMethod struct {
	PaymentMethodType           string          `json:"paymentMethodType"`
	PaymentMethodID             string          `json:"paymentMethodId,omitempty"`
	PaymentMethodMetaData       json.RawMessage `json:"paymentMethodMetaData,omitempty"`
	CustomerID                  string          `json:"customerId,omitempty"`
	ExtendInfo                  string          `json:"extendInfo,omitempty"`
	RequireIssuerAuthentication Bool            `json:"requireIssuerAuthentication,omitempty"`
}

// PaymentFactor carries the authorization and capture choices.
type PaymentFactor struct {
	IsAuthorization     Bool   `json:"isAuthorization,omitempty"`
	CaptureMode         string `json:"captureMode,omitempty"`
	IsPaymentEvaluation Bool   `json:"isPaymentEvaluation,omitempty"`
	PresentmentMode     string `json:"presentmentMode,omitempty"`
}

// SettlementStrategy names the currency the merchant is settled in.
type SettlementStrategy struct {
	SettlementCurrency string `json:"settlementCurrency,omitempty"`
}

// PayRequest is the body of pay.
type PayRequest struct {
	ProductCode        string              `json:"productCode"`
	PaymentRequestID   string              `json:"paymentRequestId"`
	Order              *Order              `json:"order,omitempty"`
	PaymentAmount      *Amount             `json:"paymentAmount,omitempty"`
	PaymentMethod      *PaymentMethod      `json:"paymentMethod,omitempty"`
	PaymentRedirectURL string              `json:"paymentRedirectUrl,omitempty"`
	PaymentNotifyURL   string              `json:"paymentNotifyUrl,omitempty"`
	PaymentExpiryTime  string              `json:"paymentExpiryTime,omitempty"`
	PaymentFactor      *PaymentFactor      `json:"paymentFactor,omitempty"`
	SettlementStrategy *SettlementStrategy `json:"settlementStrategy,omitempty"`
	CreditPayPlan      *CreditPayPlan      `json:"creditPayPlan,omitempty"`
	Env                *Env                `json:"env,omitempty"`
	MerchantRegion     string              `json:"merchantRegion,omitempty"`
	MerchantAccountID  string              `json:"merchantAccountId,omitempty"`
	UserRegion         string              `json:"userRegion,omitempty"`
	Metadata           string              `json:"metadata,omitempty"`
	ExtendInfo         string              `json:"extendInfo,omitempty"`
	// PaymentQuote (a quote of inquireExchangeRate, by its QuoteID) charges the card in the
	// quote's other currency, at its price; ProcessingAmount, when sent, must be that
	// charge (docs/api.md, "Payment quote").
	PaymentQuote     *Quote  `json:"paymentQuote,omitempty"`
	ProcessingAmount *Amount `json:"processingAmount,omitempty"`
}

// CreditPayPlan is an installment plan: on pay and createPaymentSession the plan the
// merchant asks for, in paymentResultInfo the plan the payment was authorized with.
// InstallmentNum is the number of instalments; Interval is MONTH, the only interval cards
// have; CreditPayFeeType (PERCENTAGE) and FeePercentage describe a fee the buyer pays on top.
type CreditPayPlan struct {
	InstallmentNum   Int    `json:"installmentNum,omitempty"`
	Interval         string `json:"interval,omitempty"`
	CreditPayFeeType string `json:"creditPayFeeType,omitempty"`
	FeePercentage    Int    `json:"feePercentage,omitempty"`
}

// Installment values.
const (
	IntervalMonth       = "MONTH"
	CreditPayFeePercent = "PERCENTAGE"
)

// ThreeDSResult is the outcome of 3-D Secure authentication. Challenged is cashier's
// addition: whether the buyer saw a challenge.
type ThreeDSResult struct {
	ThreeDSVersion  string `json:"threeDSVersion,omitempty"`
	Eci             string `json:"eci,omitempty"`
	Cavv            string `json:"cavv,omitempty"`
	DsTransactionID string `json:"dsTransactionId,omitempty"`
	Xid             string `json:"xid,omitempty"`
	Challenged      *bool  `json:"challenged,omitempty"`
}

// PaymentResultInfo is what the card payment produced, as returned by pay, inquiryPayment
// and notifyPayment. CardNo is always masked.
type PaymentResultInfo struct {
	CardNo               string         `json:"cardNo,omitempty"`
	CardBrand            string         `json:"cardBrand,omitempty"`
	CardToken            string         `json:"cardToken,omitempty"`
	IssuingCountry       string         `json:"issuingCountry,omitempty"`
	Funding              string         `json:"funding,omitempty"`
	PaymentMethodRegion  string         `json:"paymentMethodRegion,omitempty"`
	ThreeDSResult        *ThreeDSResult `json:"threeDSResult,omitempty"`
	AvsResultRaw         string         `json:"avsResultRaw,omitempty"`
	CvvResultRaw         string         `json:"cvvResultRaw,omitempty"`
	NetworkTransactionID string         `json:"networkTransactionId,omitempty"`
	CreditPayPlan        *CreditPayPlan `json:"creditPayPlan,omitempty"`
	CardholderName       string         `json:"cardholderName,omitempty"`
	CardBin              string         `json:"cardBin,omitempty"`
	LastFour             string         `json:"lastFour,omitempty"`
	ExpiryMonth          string         `json:"expiryMonth,omitempty"`
	ExpiryYear           string         `json:"expiryYear,omitempty"`
}

// RedirectActionForm tells the merchant where to send the buyer.
type RedirectActionForm struct {
	Method         string `json:"method,omitempty"`
	Parameters     string `json:"parameters,omitempty"`
	RedirectURL    string `json:"redirectUrl,omitempty"`
	ActionFormType string `json:"actionFormType,omitempty"`
}

// PayResponse is the answer to pay.
type PayResponse struct {
	Result                Result              `json:"result"`
	PaymentRequestID      string              `json:"paymentRequestId,omitempty"`
	PaymentID             string              `json:"paymentId,omitempty"`
	PaymentAmount         *Amount             `json:"paymentAmount,omitempty"`
	PaymentCreateTime     string              `json:"paymentCreateTime,omitempty"`
	PaymentTime           string              `json:"paymentTime,omitempty"`
	AuthExpiryTime        string              `json:"authExpiryTime,omitempty"`
	NormalURL             string              `json:"normalUrl,omitempty"`
	RedirectActionForm    *RedirectActionForm `json:"redirectActionForm,omitempty"`
	PaymentResultInfo     *PaymentResultInfo  `json:"paymentResultInfo,omitempty"`
	GrossSettlementAmount *Amount             `json:"grossSettlementAmount,omitempty"`
	SettlementQuote       *Quote              `json:"settlementQuote,omitempty"`
	// PaymentQuote and ProcessingAmount: the quote the card is charged at and what it is
	// charged, when the pay cited one; ActualPaymentAmount is what the buyer paid, once the
	// payment succeeded, in the currency the card was charged in.
	PaymentQuote        *Quote        `json:"paymentQuote,omitempty"`
	ProcessingAmount    *Amount       `json:"processingAmount,omitempty"`
	ActualPaymentAmount *Amount       `json:"actualPaymentAmount,omitempty"`
	AcquirerInfo        *AcquirerInfo `json:"acquirerInfo,omitempty"`
}

// InquiryPaymentRequest names a payment by paymentId or paymentRequestId; paymentId wins.
type InquiryPaymentRequest struct {
	PaymentRequestID  string `json:"paymentRequestId,omitempty"`
	PaymentID         string `json:"paymentId,omitempty"`
	MerchantAccountID string `json:"merchantAccountId,omitempty"`
}

// Transaction is one capture, refund or cancel of a payment, as listed by inquiryPayment.
type Transaction struct {
	TransactionResult    Result        `json:"transactionResult"`
	TransactionID        string        `json:"transactionId,omitempty"`
	TransactionType      string        `json:"transactionType"`
	TransactionStatus    string        `json:"transactionStatus"`
	TransactionAmount    *Amount       `json:"transactionAmount,omitempty"`
	TransactionRequestID string        `json:"transactionRequestId,omitempty"`
	TransactionTime      string        `json:"transactionTime,omitempty"`
	AcquirerInfo         *AcquirerInfo `json:"acquirerInfo,omitempty"`
}

// Transaction types.
const (
	TransactionCapture = "CAPTURE"
	TransactionRefund  = "REFUND"
	TransactionCancel  = "CANCEL"
)

// InquiryPaymentResponse is the answer to inquiryPayment. Result says whether the inquiry
// worked; PaymentStatus and PaymentResultCode say what happened to the payment.
type InquiryPaymentResponse struct {
	Result                Result              `json:"result"`
	PaymentStatus         string              `json:"paymentStatus,omitempty"`
	PaymentResultCode     string              `json:"paymentResultCode,omitempty"`
	PaymentResultMessage  string              `json:"paymentResultMessage,omitempty"`
	PaymentRequestID      string              `json:"paymentRequestId,omitempty"`
	PaymentID             string              `json:"paymentId,omitempty"`
	PaymentAmount         *Amount             `json:"paymentAmount,omitempty"`
	ActualPaymentAmount   *Amount             `json:"actualPaymentAmount,omitempty"`
	PaymentCreateTime     string              `json:"paymentCreateTime,omitempty"`
	PaymentTime           string              `json:"paymentTime,omitempty"`
	AuthExpiryTime        string              `json:"authExpiryTime,omitempty"`
	PaymentMethodType     string              `json:"paymentMethodType,omitempty"`
	RedirectActionForm    *RedirectActionForm `json:"redirectActionForm,omitempty"`
	PaymentResultInfo     *PaymentResultInfo  `json:"paymentResultInfo,omitempty"`
	Transactions          []Transaction       `json:"transactions,omitempty"`
	GrossSettlementAmount *Amount             `json:"grossSettlementAmount,omitempty"`
	SettlementQuote       *Quote              `json:"settlementQuote,omitempty"`
	// PaymentQuote and ProcessingAmount, as on pay.
	PaymentQuote     *Quote        `json:"paymentQuote,omitempty"`
	ProcessingAmount *Amount       `json:"processingAmount,omitempty"`
	AcquirerInfo     *AcquirerInfo `json:"acquirerInfo,omitempty"`
}

// CaptureRequest is the body of capture.
type CaptureRequest struct {
	CaptureRequestID string  `json:"captureRequestId"`
	PaymentID        string  `json:"paymentId"`
	CaptureAmount    *Amount `json:"captureAmount,omitempty"`
	IsLastCapture    Bool    `json:"isLastCapture,omitempty"`
}

// CaptureResponse is the answer to capture.
type CaptureResponse struct {
	Result           Result  `json:"result"`
	CaptureRequestID string  `json:"captureRequestId,omitempty"`
	CaptureID        string  `json:"captureId,omitempty"`
	PaymentID        string  `json:"paymentId,omitempty"`
	CaptureAmount    *Amount `json:"captureAmount,omitempty"`
	CaptureTime      string  `json:"captureTime,omitempty"`
}

// CancelRequest names the payment to void by paymentId or paymentRequestId.
type CancelRequest struct {
	PaymentID         string `json:"paymentId,omitempty"`
	PaymentRequestID  string `json:"paymentRequestId,omitempty"`
	MerchantAccountID string `json:"merchantAccountId,omitempty"`
}

// CancelResponse is the answer to cancel.
type CancelResponse struct {
	Result           Result `json:"result"`
	PaymentID        string `json:"paymentId,omitempty"`
	PaymentRequestID string `json:"paymentRequestId,omitempty"`
	CancelTime       string `json:"cancelTime,omitempty"`
}

// RefundRequest is the body of refund.
type RefundRequest struct {
	RefundRequestID   string  `json:"refundRequestId"`
	PaymentID         string  `json:"paymentId"`
	ReferenceRefundID string  `json:"referenceRefundId,omitempty"`
	RefundAmount      *Amount `json:"refundAmount,omitempty"`
	RefundReason      string  `json:"refundReason,omitempty"`
	RefundNotifyURL   string  `json:"refundNotifyUrl,omitempty"`
	CaptureID         string  `json:"captureId,omitempty"`
	Metadata          string  `json:"metadata,omitempty"`
}

// RefundResponse is the answer to refund.
type RefundResponse struct {
	Result                Result        `json:"result"`
	RefundRequestID       string        `json:"refundRequestId,omitempty"`
	RefundID              string        `json:"refundId,omitempty"`
	PaymentID             string        `json:"paymentId,omitempty"`
	RefundAmount          *Amount       `json:"refundAmount,omitempty"`
	RefundTime            string        `json:"refundTime,omitempty"`
	GrossSettlementAmount *Amount       `json:"grossSettlementAmount,omitempty"`
	SettlementQuote       *Quote        `json:"settlementQuote,omitempty"`
	AcquirerInfo          *AcquirerInfo `json:"acquirerInfo,omitempty"`
	// ActualRefundAmount is what a refund that succeeded gave back to the card, in the
	// currency it was charged in, when the payment cited a paymentQuote.
	ActualRefundAmount *Amount `json:"actualRefundAmount,omitempty"`
}

// InquiryRefundRequest names a refund by refundId or refundRequestId; refundId wins.
type InquiryRefundRequest struct {
	RefundRequestID   string `json:"refundRequestId,omitempty"`
	RefundID          string `json:"refundId,omitempty"`
	MerchantAccountID string `json:"merchantAccountId,omitempty"`
}

// Refund statuses.
const (
	RefundSuccess    = "SUCCESS"
	RefundProcessing = "PROCESSING"
	RefundFail       = "FAIL"
)

// InquiryRefundResponse is the answer to inquiryRefund.
type InquiryRefundResponse struct {
	Result                Result  `json:"result"`
	RefundID              string  `json:"refundId,omitempty"`
	RefundRequestID       string  `json:"refundRequestId,omitempty"`
	PaymentID             string  `json:"paymentId,omitempty"`
	RefundAmount          *Amount `json:"refundAmount,omitempty"`
	RefundTime            string  `json:"refundTime,omitempty"`
	RefundStatus          string  `json:"refundStatus,omitempty"`
	GrossSettlementAmount *Amount `json:"grossSettlementAmount,omitempty"`
	SettlementQuote       *Quote  `json:"settlementQuote,omitempty"`
	// ActualRefundAmount is what a refund that succeeded gave back to the card, in the
	// currency it was charged in, when the payment cited a paymentQuote.
	ActualRefundAmount *Amount `json:"actualRefundAmount,omitempty"`
	// ARN is the acquirer reference number of a refund that succeeded: the buyer's bank
	// traces the credit by it.
	ARN          string        `json:"arn,omitempty"`
	AcquirerInfo *AcquirerInfo `json:"acquirerInfo,omitempty"`
}

// ConsultRequest asks which payment options suit an amount and a device.
type ConsultRequest struct {
	ProductCode                 string   `json:"productCode"`
	PaymentAmount               *Amount  `json:"paymentAmount,omitempty"`
	Env                         *Env     `json:"env,omitempty"`
	MerchantRegion              string   `json:"merchantRegion,omitempty"`
	MerchantAccountID           string   `json:"merchantAccountId,omitempty"`
	UserRegion                  string   `json:"userRegion,omitempty"`
	AllowedPaymentMethodRegions []string `json:"allowedPaymentMethodRegions,omitempty"`
	Buyer                       *Buyer   `json:"buyer,omitempty"`
}

// Logo is an image cashier serves for a payment option or card brand.
type Logo struct {
	LogoName string `json:"logoName,omitempty"`
	LogoURL  string `json:"logoUrl,omitempty"`
}

// SupportCardBrand is one card brand a payment option accepts.
type SupportCardBrand struct {
	CardBrand string `json:"cardBrand"`
	Logo      *Logo  `json:"logo,omitempty"`
}

// PaymentOptionDetail lists the brands and funding types of a card option.
type PaymentOptionDetail struct {
	SupportCardBrands []SupportCardBrand `json:"supportCardBrands,omitempty"`
	Funding           []string           `json:"funding,omitempty"`
}

// PaymentOption is one way to pay, as consult lists it.
type PaymentOption struct {
	PaymentMethodType     string               `json:"paymentMethodType"`
	PaymentMethodCategory string               `json:"paymentMethodCategory,omitempty"`
	PaymentMethodRegion   []string             `json:"paymentMethodRegion,omitempty"`
	Enabled               bool                 `json:"enabled"`
	DisableReason         string               `json:"disableReason,omitempty"`
	SupportedCurrencies   []string             `json:"supportedCurrencies,omitempty"`
	PaymentOptionDetail   *PaymentOptionDetail `json:"paymentOptionDetail,omitempty"`
	Logo                  *Logo                `json:"logo,omitempty"`
	Installment           *Installment         `json:"installment,omitempty"`
}

// Installment is what a card option offers to pay in instalments: the brands whose cards
// have plans, and the plans.
type Installment struct {
	SupportCardBrands []SupportCardBrand `json:"supportCardBrands,omitempty"`
	Plans             []Plan             `json:"plans,omitempty"`
}

// Plan is an installment plan consult lists. InstallmentNum is a string on the wire (the
// SDKs' Plan.installmentNum); Enabled says whether the amount asked about can be paid so.
type Plan struct {
	InterestRate         string  `json:"interestRate,omitempty"`
	MinInstallmentAmount *Amount `json:"minInstallmentAmount,omitempty"`
	MaxInstallmentAmount *Amount `json:"maxInstallmentAmount,omitempty"`
	InstallmentNum       string  `json:"installmentNum"`
	Interval             string  `json:"interval"`
	Enabled              *bool   `json:"enabled,omitempty"`
}

// ConsultResponse is the answer to consult.
type ConsultResponse struct {
	Result         Result          `json:"result"`
	PaymentOptions []PaymentOption `json:"paymentOptions,omitempty"`
}

// ErrorResponse is the body of an answer that carries only a result.
type ErrorResponse struct {
	Result Result `json:"result"`
}

// PaymentNotification is the body of notifyPayment (notifyType PAYMENT_RESULT).
type PaymentNotification struct {
	NotifyType            string             `json:"notifyType"`
	Result                Result             `json:"result"`
	PaymentRequestID      string             `json:"paymentRequestId"`
	PaymentID             string             `json:"paymentId"`
	PaymentAmount         *Amount            `json:"paymentAmount,omitempty"`
	PaymentCreateTime     string             `json:"paymentCreateTime,omitempty"`
	PaymentTime           string             `json:"paymentTime,omitempty"`
	PaymentResultInfo     *PaymentResultInfo `json:"paymentResultInfo,omitempty"`
	GrossSettlementAmount *Amount            `json:"grossSettlementAmount,omitempty"`
	SettlementQuote       *Quote             `json:"settlementQuote,omitempty"`
	// PaymentQuote and ProcessingAmount: what the card is charged, as on pay.
	PaymentQuote     *Quote        `json:"paymentQuote,omitempty"`
	ProcessingAmount *Amount       `json:"processingAmount,omitempty"`
	AcquirerInfo     *AcquirerInfo `json:"acquirerInfo,omitempty"`
}

// CaptureNotification is the body of notifyCapture (notifyType CAPTURE_RESULT).
type CaptureNotification struct {
	NotifyType       string        `json:"notifyType"`
	Result           Result        `json:"result"`
	CaptureRequestID string        `json:"captureRequestId"`
	PaymentID        string        `json:"paymentId"`
	CaptureID        string        `json:"captureId"`
	CaptureAmount    *Amount       `json:"captureAmount,omitempty"`
	CaptureTime      string        `json:"captureTime,omitempty"`
	AcquirerInfo     *AcquirerInfo `json:"acquirerInfo,omitempty"`
}

// RefundNotification is the body of notifyRefund (notifyType REFUND_RESULT).
type RefundNotification struct {
	NotifyType            string  `json:"notifyType"`
	Result                Result  `json:"result"`
	RefundStatus          string  `json:"refundStatus"`
	RefundRequestID       string  `json:"refundRequestId"`
	RefundID              string  `json:"refundId"`
	PaymentID             string  `json:"paymentId,omitempty"`
	RefundAmount          *Amount `json:"refundAmount,omitempty"`
	RefundTime            string  `json:"refundTime,omitempty"`
	GrossSettlementAmount *Amount `json:"grossSettlementAmount,omitempty"`
	SettlementQuote       *Quote  `json:"settlementQuote,omitempty"`
	// ActualRefundAmount is what a refund that succeeded gave back to the card, in the
	// currency it was charged in, when the payment cited a paymentQuote.
	ActualRefundAmount *Amount `json:"actualRefundAmount,omitempty"`
	// ARN is the acquirer reference number of a refund that succeeded.
	ARN string `json:"arn,omitempty"`
}

// APIInquireExchangeRate is the API that quotes exchange rates.
const APIInquireExchangeRate = "inquireExchangeRate"

// Rate types of inquireExchangeRate.
const (
	RateTrade          = "TRADE"
	RateReference      = "REFERENCE"
	RateReferenceTrade = "REFERENCE_TRADE"
)

// Decimal is a decimal number written on the wire as a JSON number (quotePrice,
// exchangeRate), kept as its text so that no float ever rounds it.
type Decimal string

// MarshalJSON writes d as a JSON number.
func (d Decimal) MarshalJSON() ([]byte, error) {
	if !isNumber(string(d)) {
		return nil, errors.New("ams: decimal " + strconv.Quote(string(d)) + " is not a number")
	}
	return []byte(d), nil
}

// UnmarshalJSON reads a JSON number, or a string holding one: Antom's docs write every
// field as a string.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s := string(b)
	if uq, err := strconv.Unquote(s); err == nil {
		s = uq
	}
	if !isNumber(s) {
		return errors.New("is not a decimal number")
	}
	*d = Decimal(s)
	return nil
}

// isNumber says whether s is one JSON number.
func isNumber(s string) bool {
	return s != "" && (s[0] == '-' || s[0] >= '0' && s[0] <= '9') && json.Valid([]byte(s))
}

// CurrencyPair names a pair to quote: the currency sold and the currency bought.
type CurrencyPair struct {
	SellCurrency string `json:"sellCurrency,omitempty"`
	BuyCurrency  string `json:"buyCurrency,omitempty"`
}

// Quote is an exchange rate: QuotePrice units of the second currency of QuoteCurrencyPair
// ("USD/EUR") for one unit of the first, valid from QuoteStartTime to QuoteExpiryTime.
type Quote struct {
	QuoteID           string  `json:"quoteId,omitempty"`
	QuoteCurrencyPair string  `json:"quoteCurrencyPair,omitempty"`
	QuotePrice        Decimal `json:"quotePrice,omitempty"`
	QuoteStartTime    string  `json:"quoteStartTime,omitempty"`
	QuoteExpiryTime   string  `json:"quoteExpiryTime,omitempty"`
	Guaranteed        bool    `json:"guaranteed,omitempty"`
	ExchangeAmount    *Amount `json:"exchangeAmount,omitempty"`
}

// PaymentQuote is the rate between the payment currency and the currency the buyer pays in.
type PaymentQuote struct {
	BuyCurrency  string  `json:"buyCurrency,omitempty"`
	SellCurrency string  `json:"sellCurrency,omitempty"`
	QuoteID      string  `json:"quoteId,omitempty"`
	ExchangeRate Decimal `json:"exchangeRate,omitempty"`
}

// InquireExchangeRateRequest asks for quotes: the pairs of CurrencyPairs, or the one pair
// SellCurrency/BuyCurrency, or PaymentCurrency against each settlement currency.
type InquireExchangeRateRequest struct {
	MerchantAccountID string         `json:"merchantAccountId,omitempty"`
	PaymentCurrency   string         `json:"paymentCurrency,omitempty"`
	CurrencyPairs     []CurrencyPair `json:"currencyPairs,omitempty"`
	SellCurrency      string         `json:"sellCurrency,omitempty"`
	BuyCurrency       string         `json:"buyCurrency,omitempty"`
	ProductCode       string         `json:"productCode,omitempty"`
	RateType          string         `json:"rateType,omitempty"`
}

// InquireExchangeRateResponse is the answer to inquireExchangeRate.
type InquireExchangeRateResponse struct {
	Result        Result         `json:"result"`
	Quotes        []Quote        `json:"quotes,omitempty"`
	PaymentQuotes []PaymentQuote `json:"paymentQuotes,omitempty"`
}
