package gateway

import (
	"context"

	"github.com/cashierpay/cashier/internal/payment"
)

// InquiryPayment reports a payment by paymentId or paymentRequestId (paymentId wins), with
// its captures and refunds. Result codes: SUCCESS; ORDER_NOT_EXIST.
func (g *Gateway) InquiryPayment(ctx context.Context, m *payment.Merchant, l Lookup) (*PaymentRecord, error) {
	p, err := g.findPayment(ctx, m, l)
	if err != nil {
		return nil, err
	}
	captures, err := g.store.CaptureListByPayment(ctx, p.ID)
	if err != nil {
		return nil, g.internalError(ctx, "capture list", err)
	}
	refunds, err := g.store.RefundListByPayment(ctx, p.ID)
	if err != nil {
		return nil, g.internalError(ctx, "refund list", err)
	}
	return &PaymentRecord{Payment: p, Captures: captures, Refunds: refunds}, nil
}
