package gateway

import (
	"context"
	"sort"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
)

// InquiryPayment reports a payment by paymentId or paymentRequestId (paymentId wins), with
// every capture, refund and cancel in transactions[]. Result codes: SUCCESS (the inquiry
// worked; paymentStatus tells the payment's state); ORDER_NOT_EXIST; PARAM_ILLEGAL.
func (g *Gateway) InquiryPayment(ctx context.Context, m *payment.Merchant, req *ams.InquiryPaymentRequest) (*ams.InquiryPaymentResponse, error) {
	p, err := g.findPayment(ctx, m, req.PaymentID, req.PaymentRequestID)
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
	res := paymentResult(p)
	resp := &ams.InquiryPaymentResponse{
		Result: ams.SuccessResult(), PaymentStatus: string(p.Status), PaymentResultCode: res.ResultCode,
		PaymentResultMessage: res.ResultMessage, PaymentRequestID: p.RequestID, PaymentID: p.ID,
		PaymentAmount: wireAmount(p.Amount), PaymentCreateTime: wireTime(p.CreatedAt), PaymentTime: wireTime(p.PaidAt),
		AuthExpiryTime: wireTime(p.AuthExpiresAt()), PaymentMethodType: ams.PaymentMethodCard, PaymentResultInfo: resultInfo(p),
	}
	if p.Status == payment.Success {
		resp.ActualPaymentAmount = wireAmount(p.Amount)
	}
	if p.AwaitingBuyer() {
		resp.RedirectActionForm = &ams.RedirectActionForm{Method: "GET", RedirectURL: g.pageURL(ctx, p.ID)}
	}
	if p.Status == payment.Cancelled {
		// A cancelled payment reports why in paymentResultCode: the merchant's cancel, or the
		// release of an uncaptured authorization after 7 days.
		resp.PaymentResultCode, resp.PaymentResultMessage = p.ResultCode, p.ResultMessage
	}
	for _, c := range captures {
		resp.Transactions = append(resp.Transactions, ams.Transaction{
			TransactionResult: captureResponseResult(c), TransactionID: c.ID, TransactionType: ams.TransactionCapture,
			TransactionStatus: string(c.Status), TransactionAmount: wireAmount(c.Amount),
			TransactionRequestID: c.RequestID, TransactionTime: wireTime(firstSet(c.CompletedAt, c.CreatedAt)),
		})
	}
	for _, r := range refunds {
		resp.Transactions = append(resp.Transactions, ams.Transaction{
			TransactionResult: refundResult(r), TransactionID: r.ID, TransactionType: ams.TransactionRefund,
			TransactionStatus: string(r.Status), TransactionAmount: wireAmount(r.Amount),
			TransactionRequestID: r.RequestID, TransactionTime: wireTime(firstSet(r.CompletedAt, r.CreatedAt)),
		})
	}
	if p.Status == payment.Cancelled {
		resp.Transactions = append(resp.Transactions, ams.Transaction{
			TransactionResult: ams.SuccessResult(), TransactionID: p.ID, TransactionType: ams.TransactionCancel,
			TransactionStatus: ams.PaymentSuccess, TransactionAmount: wireAmount(p.Amount),
			TransactionRequestID: p.RequestID, TransactionTime: wireTime(p.CancelledAt),
		})
	}
	sort.SliceStable(resp.Transactions, func(i, j int) bool {
		return resp.Transactions[i].TransactionTime < resp.Transactions[j].TransactionTime
	})
	return resp, nil
}
