package merchantapi

import (
	"context"

	"github.com/cashierpay/cashier/internal/payment"
)

// InquiryPayment reports a payment by paymentId or paymentRequestId (paymentId wins), with
// its captures and refunds. Result codes: SUCCESS; ORDER_NOT_EXIST.
func (a *API) InquiryPayment(ctx context.Context, m *payment.Merchant, l Lookup) (*PaymentRecord, error) {
	p, err := a.findPayment(ctx, m, l)
	if err != nil {
		return nil, err
	}
	captures, err := a.core.Store.CaptureListByPayment(ctx, p.ID)
	if err != nil {
		return nil, a.core.InternalError(ctx, "capture list", err)
	}
	refunds, err := a.core.Store.RefundListByPayment(ctx, p.ID)
	if err != nil {
		return nil, a.core.InternalError(ctx, "refund list", err)
	}
	return &PaymentRecord{Payment: p, Captures: captures, Refunds: refunds}, nil
}
