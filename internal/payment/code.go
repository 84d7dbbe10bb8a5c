package payment

// Result codes: the outcomes of the product, in the vocabulary of Antom's Checkout Payment,
// which is the product cashier implements. Processors report declines in it too
// (issuer.AuthResult.ResultCode), and the transport hands these codes to merchants as they
// are, with the result status Antom pairs with each. Only the codes the domain and the use
// cases produce are here; a processor's decline codes pass through as strings.
const (
	CodeAuthExpired                  = "AUTH_EXPIRED"
	CodeAuthenticationRequired       = "AUTHENTICATION_REQUIRED"
	CodeCancelWindowExceed           = "CANCEL_WINDOW_EXCEED"
	CodeCaptureAmountExceedAuthLimit = "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT"
	CodeCaptureInProcess             = "CAPTURE_IN_PROCESS"
	CodeCardNotSupported             = "CARD_NOT_SUPPORTED"
	CodeCurrencyNotSupport           = "CURRENCY_NOT_SUPPORT"
	CodeInvalidCVV                   = "INVALID_CVV"
	CodeInvalidContract              = "INVALID_CONTRACT"
	CodeInvalidCardNumber            = "INVALID_CARD_NUMBER"
	CodeMultiCaptureNotSupported     = "MULTI_CAPTURE_NOT_SUPPORTED"
	CodeOrderIsCanceled              = "ORDER_IS_CANCELED"
	CodeOrderIsClosed                = "ORDER_IS_CLOSED"
	CodeOrderNotExist                = "ORDER_NOT_EXIST"
	CodeOrderStatusInvalid           = "ORDER_STATUS_INVALID"
	CodeParamIllegal                 = "PARAM_ILLEGAL"
	CodePaymentInProcess             = "PAYMENT_IN_PROCESS"
	CodeProcessFail                  = "PROCESS_FAIL"
	CodeRefundAmountExceed           = "REFUND_AMOUNT_EXCEED"
	CodeRefundInProcess              = "REFUND_IN_PROCESS"
	CodeRefundWindowExceed           = "REFUND_WINDOW_EXCEED"
	CodeRepeatReqInconsistent        = "REPEAT_REQ_INCONSISTENT"
	CodeRiskReject                   = "RISK_REJECT"
	CodeSelectedCardBrandUnavailable = "SELECTED_CARD_BRAND_NOT_AVAILABLE"
	CodeSettleContractNotMatch       = "SETTLE_CONTRACT_NOT_MATCH"
	CodeSuccess                      = "SUCCESS"
	CodeUnknownException             = "UNKNOWN_EXCEPTION"
	CodeUserPaymentVerificationFail  = "USER_PAYMENT_VERIFICATION_FAILED"
	CodeVerificationFail             = "VERIFICATION_FAIL"
	CodeVerificationInProcess        = "VERIFICATION_IN_PROCESS"
)
