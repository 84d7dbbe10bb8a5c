package ams

// Result is the outcome object every response and notification carries. For inquiries it
// says whether the call worked, not what happened to the payment.
type Result struct {
	ResultCode    string `json:"resultCode"`
	ResultStatus  string `json:"resultStatus"`
	ResultMessage string `json:"resultMessage,omitempty"`
}

// Result statuses.
const (
	StatusSuccess = "S"
	StatusFail    = "F"
	StatusUnknown = "U"
)

// Result codes cashier produces. The status each one travels with is in CodeStatus.
const (
	CodeSuccess                      = "SUCCESS"
	CodeAccessDenied                 = "ACCESS_DENIED"
	CodeClientInvalid                = "CLIENT_INVALID"
	CodeInvalidSignature             = "INVALID_SIGNATURE"
	CodeKeyNotFound                  = "KEY_NOT_FOUND"
	CodeNoInterfaceDef               = "NO_INTERFACE_DEF"
	CodeMethodNotSupported           = "METHOD_NOT_SUPPORTED"
	CodeParamIllegal                 = "PARAM_ILLEGAL"
	CodeProcessFail                  = "PROCESS_FAIL"
	CodeRiskReject                   = "RISK_REJECT"
	CodeSystemError                  = "SYSTEM_ERROR"
	CodeRepeatReqInconsistent        = "REPEAT_REQ_INCONSISTENT"
	CodeRequestTrafficExceedLimit    = "REQUEST_TRAFFIC_EXCEED_LIMIT"
	CodeUnknownException             = "UNKNOWN_EXCEPTION"
	CodePaymentInProcess             = "PAYMENT_IN_PROCESS"
	CodeCurrencyNotSupport           = "CURRENCY_NOT_SUPPORT"
	CodeInvalidPaymentMethodMetaData = "INVALID_PAYMENT_METHOD_META_DATA"
	CodeOrderIsCanceled              = "ORDER_IS_CANCELED"
	CodeOrderIsClosed                = "ORDER_IS_CLOSED"
	CodeOrderNotExist                = "ORDER_NOT_EXIST"
	CodeOrderStatusInvalid           = "ORDER_STATUS_INVALID"
	CodeUserBalanceNotEnough         = "USER_BALANCE_NOT_ENOUGH"
	CodeAuthenticationRequired       = "AUTHENTICATION_REQUIRED"
	CodeSelectedCardBrandUnavailable = "SELECTED_CARD_BRAND_NOT_AVAILABLE"
	CodeSettleContractNotMatch       = "SETTLE_CONTRACT_NOT_MATCH"
	CodeInvalidContract              = "INVALID_CONTRACT"
	CodeInvalidExpirationDate        = "INVALID_EXPIRATION_DATE"
	CodeInvalidCardNumber            = "INVALID_CARD_NUMBER"
	CodeCardNotSupported             = "CARD_NOT_SUPPORTED"
	CodeDoNotHonor                   = "DO_NOT_HONOR"
	CodeInvalidAmount                = "INVALID_AMOUNT"
	CodeInvalidCVV                   = "INVALID_CVV"
	CodeCardExpired                  = "CARD_EXPIRED"
	CodeSuspectedCard                = "SUSPECTED_CARD"
	CodeIssuerRejectsTransaction     = "ISSUER_REJECTS_TRANSACTION"
	CodeAuthCancelled                = "AUTH_CANCELLED"
	CodeAuthExpired                  = "AUTH_EXPIRED"
	CodeCaptureAmountExceedAuthLimit = "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT"
	CodeCaptureInProcess             = "CAPTURE_IN_PROCESS"
	CodeMultiCaptureNotSupported     = "MULTI_CAPTURE_NOT_SUPPORTED"
	CodeCancelWindowExceed           = "CANCEL_WINDOW_EXCEED"
	CodeRefundAmountExceed           = "REFUND_AMOUNT_EXCEED"
	CodeRefundWindowExceed           = "REFUND_WINDOW_EXCEED"
	CodeRefundInProcess              = "REFUND_IN_PROCESS"
	CodeUserPaymentVerificationFail  = "USER_PAYMENT_VERIFICATION_FAILED"
	// Vaulting: the card is refused by its issuer or its 3-D Secure failed (F); the buyer has
	// to verify the card at normalUrl (U).
	CodeVerificationFail      = "VERIFICATION_FAIL"
	CodeVerificationInProcess = "VERIFICATION_IN_PROCESS"
)

// unknownCodes are the codes that travel with status U; every other code but SUCCESS is F.
var unknownCodes = map[string]bool{
	CodePaymentInProcess:          true,
	CodeUnknownException:          true,
	CodeCaptureInProcess:          true,
	CodeRefundInProcess:           true,
	CodeRequestTrafficExceedLimit: true,
	CodeVerificationInProcess:     true,
}

// CodeStatus is the resultStatus that Antom pairs with a result code.
func CodeStatus(code string) string {
	switch {
	case code == CodeSuccess:
		return StatusSuccess
	case unknownCodes[code]:
		return StatusUnknown
	}
	return StatusFail
}

// NewResult builds a Result for code with its status.
func NewResult(code, message string) Result {
	return Result{ResultCode: code, ResultStatus: CodeStatus(code), ResultMessage: message}
}

// SuccessResult is the result of a call that worked.
func SuccessResult() Result { return NewResult(CodeSuccess, "success") }

// AckBody is the only acknowledgement of a notification that ends its retries.
const AckBody = `{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}`
