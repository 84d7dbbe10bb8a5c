package payment

import (
	"fmt"
	"time"
)

// CheckCapture says whether amount may be captured now. Result codes: ORDER_IS_CANCELED,
// AUTH_EXPIRED, ORDER_STATUS_INVALID, MULTI_CAPTURE_NOT_SUPPORTED, CURRENCY_NOT_SUPPORT,
// CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT, PARAM_ILLEGAL (a partial capture: card captures must
// equal the authorized amount).
func (p *Payment) CheckCapture(amount Amount, now time.Time) *Error {
	switch p.Status {
	case Cancelled:
		if p.CancelReason == CancelReleased {
			return NewError(CodeAuthExpired, "the authorization was released after 7 days without capture; pay again with a new paymentRequestId")
		}
		return NewError(CodeOrderIsCanceled, "the payment was cancelled; pay again with a new paymentRequestId")
	case Fail:
		return NewError(CodeOrderStatusInvalid, "the payment failed and cannot be captured")
	case Processing:
		return NewError(CodeOrderStatusInvalid, "the payment is not authorized yet")
	}
	if p.CaptureState != CaptureNone {
		return NewError(CodeMultiCaptureNotSupported, "the payment is already captured; card payments allow one capture")
	}
	if !now.Before(p.AuthExpiresAt()) {
		return NewError(CodeAuthExpired, "the authorization expired 7 days after it was granted")
	}
	if amount.Currency != p.Amount.Currency {
		return NewError(CodeCurrencyNotSupport, fmt.Sprintf("captureAmount.currency must be the payment currency %s", p.Amount.Currency))
	}
	if amount.Value > p.Amount.Value {
		return NewError(CodeCaptureAmountExceedAuthLimit, "captureAmount exceeds the authorized amount")
	}
	if amount.Value < p.Amount.Value {
		return NewError(CodeParamIllegal, "captureAmount.value must equal the authorized amount; partial capture is not supported for cards")
	}
	return nil
}

// CheckCancel says whether the payment may be voided now. A nil error with done=true means
// there is nothing to do (already cancelled, or failed: Antom answers SUCCESS and the status
// stays FAIL). Result codes: ORDER_STATUS_INVALID (captured: refund instead), PROCESS_FAIL
// (refunded), CANCEL_WINDOW_EXCEED.
func (p *Payment) CheckCancel(now time.Time) (done bool, err *Error) {
	switch p.Status {
	case Cancelled, Fail:
		return true, nil
	case Processing:
		return false, nil
	}
	if p.RefundedValue > 0 {
		return false, NewError(CodeProcessFail, "the payment has been refunded and cannot be cancelled")
	}
	if p.CaptureState != CaptureNone {
		return false, NewError(CodeOrderStatusInvalid, "the payment is captured and cannot be cancelled; refund it instead")
	}
	if !now.Before(p.AuthExpiresAt()) {
		return false, NewError(CodeCancelWindowExceed, "card payments can be cancelled up to 7 days after authorization")
	}
	return false, nil
}

// CheckRefund says whether amount may be refunded now. Result codes: PAYMENT_IN_PROCESS,
// ORDER_STATUS_INVALID, CURRENCY_NOT_SUPPORT, REFUND_WINDOW_EXCEED, REFUND_AMOUNT_EXCEED.
func (p *Payment) CheckRefund(amount Amount, now time.Time) *Error {
	switch {
	case p.Status == Processing:
		return NewError(CodePaymentInProcess, "the payment is still processing; wait for its result before refunding")
	case p.Status != Success:
		return NewError(CodeOrderStatusInvalid, fmt.Sprintf("a %s payment cannot be refunded", p.Status))
	case p.CaptureState != CaptureCaptured:
		return NewError(CodeOrderStatusInvalid, "the payment is not captured; cancel it instead")
	}
	if amount.Currency != p.Amount.Currency {
		return NewError(CodeCurrencyNotSupport, fmt.Sprintf("refundAmount.currency must be the payment currency %s", p.Amount.Currency))
	}
	if !now.Before(p.PaidAt.Add(RefundWindow)) {
		return NewError(CodeRefundWindowExceed, "refunds are accepted up to 365 days after the payment")
	}
	if amount.Value > p.CapturedValue-p.RefundedValue {
		return NewError(CodeRefundAmountExceed, fmt.Sprintf("refundAmount exceeds the refundable amount (%d of %d minor units left)", p.CapturedValue-p.RefundedValue, p.CapturedValue))
	}
	return nil
}
