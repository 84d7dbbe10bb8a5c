package gateway

import (
	"context"
	"encoding/json"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

func marshal(v any) ([]byte, error) { return json.Marshal(v) }

func wireTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return ams.FormatTime(t)
}

// paymentResult is the result a pay call reports for the payment as it stands.
func paymentResult(p *payment.Payment) ams.Result {
	switch p.Status {
	case payment.Success:
		return ams.SuccessResult()
	case payment.Fail:
		return ams.NewResult(p.ResultCode, p.ResultMessage)
	case payment.Cancelled:
		return ams.NewResult(payment.CodeOrderIsCanceled, "the payment was cancelled")
	}
	switch p.Stage {
	case payment.StageIssuerPending:
		return ams.NewResult(payment.CodePaymentInProcess, "the issuer has not answered yet; wait for notifyPayment or call inquiryPayment")
	case payment.StageAwaitingCard, payment.StageAwaitingCVV:
		return ams.NewResult(payment.CodePaymentInProcess, "send the buyer to normalUrl to enter the card")
	case payment.StageAwaitingChallenge:
		return ams.NewResult(payment.CodePaymentInProcess, "the card requires 3-D Secure: send the buyer to normalUrl")
	case payment.StageAwaitingIssuer:
		return ams.NewResult(payment.CodePaymentInProcess, "send the buyer to normalUrl to authenticate with the card issuer")
	}
	return ams.NewResult(payment.CodePaymentInProcess, "the payment is being processed")
}

func resultInfo(p *payment.Payment) *ams.PaymentResultInfo {
	c := p.Card
	if c.Masked == "" && c.Brand == "" {
		return nil
	}
	info := &ams.PaymentResultInfo{
		CardNo: c.Masked, CardBrand: c.Brand, CardToken: c.Token, IssuingCountry: c.IssuingCountry, Funding: c.Funding,
		AvsResultRaw: c.AVS, CvvResultRaw: c.CVV, NetworkTransactionID: c.NetworkTransactionID,
		CardholderName: c.HolderName, CardBin: c.BIN, LastFour: c.Last4, ExpiryMonth: c.ExpiryMonth, ExpiryYear: c.ExpiryYear,
	}
	if t := c.ThreeDS; t != nil {
		challenged := t.Challenged
		info.ThreeDSResult = &ams.ThreeDSResult{ThreeDSVersion: t.Version, Eci: t.ECI, Cavv: t.CAVV, DsTransactionID: t.DSTransactionID, Challenged: &challenged}
	}
	return info
}

func (g *Gateway) payResponse(ctx context.Context, p *payment.Payment) *ams.PayResponse {
	r := &ams.PayResponse{
		Result: paymentResult(p), PaymentRequestID: p.RequestID, PaymentID: p.ID, PaymentAmount: wireAmount(p.Amount),
		PaymentCreateTime: wireTime(p.CreatedAt), PaymentTime: wireTime(p.PaidAt), AuthExpiryTime: wireTime(p.AuthExpiresAt()),
		PaymentResultInfo: resultInfo(p),
	}
	if p.AwaitingBuyer() {
		r.NormalURL = g.pageURL(ctx, p.ID)
		r.RedirectActionForm = &ams.RedirectActionForm{Method: "GET", RedirectURL: r.NormalURL}
	}
	return r
}

func (g *Gateway) notifyPayment(ctx context.Context, q store.Queries, p *payment.Payment, now time.Time) error {
	body := ams.PaymentNotification{
		NotifyType: ams.NotifyPaymentResult, Result: paymentResult(p), PaymentRequestID: p.RequestID, PaymentID: p.ID,
		PaymentAmount: wireAmount(p.Amount), PaymentCreateTime: wireTime(p.CreatedAt), PaymentTime: wireTime(p.PaidAt),
		PaymentResultInfo: resultInfo(p),
	}
	n, err := g.notification(p, payment.NotifyPayment, p.NotifyURL, body, now)
	if err != nil {
		return err
	}
	return q.NotificationInsert(ctx, n)
}

func captureResponseResult(c *payment.Capture) ams.Result {
	switch c.Status {
	case payment.Success:
		return ams.SuccessResult()
	case payment.Fail:
		return ams.NewResult(c.ResultCode, c.ResultMessage)
	}
	return ams.NewResult(payment.CodeCaptureInProcess, "the capture is being processed; wait for notifyCapture or call inquiryPayment")
}

func (g *Gateway) notifyCapture(ctx context.Context, q store.Queries, p *payment.Payment, c *payment.Capture, now time.Time) error {
	body := ams.CaptureNotification{
		NotifyType: ams.NotifyCaptureResult, Result: captureResponseResult(c), CaptureRequestID: c.RequestID,
		PaymentID: c.PaymentID, CaptureID: c.ID, CaptureAmount: wireAmount(c.Amount), CaptureTime: wireTime(c.CompletedAt),
	}
	n, err := g.notification(p, payment.NotifyCapture, p.NotifyURL, body, now)
	if err != nil {
		return err
	}
	return q.NotificationInsert(ctx, n)
}

func refundResult(r *payment.Refund) ams.Result {
	switch r.Status {
	case payment.Success:
		return ams.SuccessResult()
	case payment.Fail:
		return ams.NewResult(r.ResultCode, r.ResultMessage)
	}
	return ams.NewResult(payment.CodeRefundInProcess, "the refund is being processed; wait for notifyRefund or call inquiryRefund")
}

func refundStatus(r *payment.Refund) string {
	switch r.Status {
	case payment.Success:
		return ams.RefundSuccess
	case payment.Fail:
		return ams.RefundFail
	}
	return ams.RefundProcessing
}

func (g *Gateway) notifyRefund(ctx context.Context, q store.Queries, p *payment.Payment, r *payment.Refund, now time.Time) error {
	body := ams.RefundNotification{
		NotifyType: ams.NotifyRefundResult, Result: refundResult(r), RefundStatus: refundStatus(r),
		RefundRequestID: r.RequestID, RefundID: r.ID, PaymentID: r.PaymentID, RefundAmount: wireAmount(r.Amount),
		RefundTime: refundTime(r),
	}
	n, err := g.notification(p, payment.NotifyRefund, r.NotifyURL, body, now)
	if err != nil {
		return err
	}
	return q.NotificationInsert(ctx, n)
}
