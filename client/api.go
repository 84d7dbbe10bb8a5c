package client

import (
	"context"

	"github.com/cashierpay/cashier/ams"
)

// The typed calls below return the response and a nil error whatever the result status:
// check resp.Result.ResultStatus (ams.StatusSuccess, ams.StatusFail, ams.StatusUnknown)
// and resp.Result.ResultCode. An error means there is no trustworthy response at all.

// Pay calls pay (/ams/api/v1/payments/pay). U with PAYMENT_IN_PROCESS means: send the
// buyer to resp.NormalURL (hosted card page or 3-D Secure), then wait for the
// notification or call InquiryPayment.
func (c *Client) Pay(ctx context.Context, req *ams.PayRequest) (*ams.PayResponse, error) {
	var resp ams.PayResponse
	if err := c.Call(ctx, ams.APIPay, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// CreatePaymentSession calls createPaymentSession: resp.PaymentSessionData goes to the
// client-side SDK; resp.NormalURL, if set, is the hosted Checkout Page.
func (c *Client) CreatePaymentSession(ctx context.Context, req *ams.CreatePaymentSessionRequest) (*ams.CreatePaymentSessionResponse, error) {
	var resp ams.CreatePaymentSessionResponse
	if err := c.Call(ctx, ams.APICreatePaymentSession, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// InquiryPayment calls inquiryPayment. resp.Result says whether the inquiry worked;
// resp.PaymentStatus says what happened to the payment.
func (c *Client) InquiryPayment(ctx context.Context, req *ams.InquiryPaymentRequest) (*ams.InquiryPaymentResponse, error) {
	var resp ams.InquiryPaymentResponse
	if err := c.Call(ctx, ams.APIInquiryPayment, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Capture calls capture for a payment authorized with captureMode MANUAL.
func (c *Client) Capture(ctx context.Context, req *ams.CaptureRequest) (*ams.CaptureResponse, error) {
	var resp ams.CaptureResponse
	if err := c.Call(ctx, ams.APICapture, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Cancel calls cancel, which voids a payment that is not captured yet.
func (c *Client) Cancel(ctx context.Context, req *ams.CancelRequest) (*ams.CancelResponse, error) {
	var resp ams.CancelResponse
	if err := c.Call(ctx, ams.APICancel, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Refund calls refund. Retry a timed-out or U refund with the same RefundRequestID.
func (c *Client) Refund(ctx context.Context, req *ams.RefundRequest) (*ams.RefundResponse, error) {
	var resp ams.RefundResponse
	if err := c.Call(ctx, ams.APIRefund, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// InquiryRefund calls inquiryRefund. resp.Result says whether the inquiry worked;
// resp.RefundStatus says what happened to the refund.
func (c *Client) InquiryRefund(ctx context.Context, req *ams.InquiryRefundRequest) (*ams.InquiryRefundResponse, error) {
	var resp ams.InquiryRefundResponse
	if err := c.Call(ctx, ams.APIInquiryRefund, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Consult calls consult, which lists the payment options for an amount and a device.
func (c *Client) Consult(ctx context.Context, req *ams.ConsultRequest) (*ams.ConsultResponse, error) {
	var resp ams.ConsultResponse
	if err := c.Call(ctx, ams.APIConsult, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// InquireExchangeRate calls inquireExchangeRate: the quotes of currency pairs, or of a
// payment currency against each settlement currency. Quote prices are decimals kept as
// their text (ams.Decimal): convert them with math/big, never a float.
func (c *Client) InquireExchangeRate(ctx context.Context, req *ams.InquireExchangeRateRequest) (*ams.InquireExchangeRateResponse, error) {
	var resp ams.InquireExchangeRateResponse
	if err := c.Call(ctx, ams.APIInquireExchangeRate, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// VaultPaymentMethod calls vaultPaymentMethod (/ams/api/v1/vaults/vaultPaymentMethod): S
// gives the saved card's token in resp.PaymentMethodDetail.Card.CardToken, which pay takes
// as paymentMethodId; U with VERIFICATION_IN_PROCESS means: send the buyer to
// resp.NormalURL for 3-D Secure, then wait for notifyVaulting or call InquireVaulting.
func (c *Client) VaultPaymentMethod(ctx context.Context, req *ams.VaultPaymentMethodRequest) (*ams.VaultPaymentMethodResponse, error) {
	var resp ams.VaultPaymentMethodResponse
	if err := c.Call(ctx, ams.APIVaultPaymentMethod, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// AcceptDispute calls acceptDispute: the merchant takes the liability for the dispute, which
// is then judged ACCEPT_BY_MERCHANT. resp.DisputeResolutionTime is when it was accepted.
// Result codes besides SUCCESS: PARAM_ILLEGAL (no such dispute), REPEAT_REQUEST (already
// defended), TIME_EXCEEDS_LIMIT (past defenseDueTime, or over).
func (c *Client) AcceptDispute(ctx context.Context, req *ams.AcceptDisputeRequest) (*ams.AcceptDisputeResponse, error) {
	var resp ams.AcceptDisputeResponse
	if err := c.Call(ctx, ams.APIAcceptDispute, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// CreateVaultingSession calls createVaultingSession: resp.VaultingSessionData goes to the
// client-side SDK; resp.NormalURL is the hosted form that saves the buyer's card.
func (c *Client) CreateVaultingSession(ctx context.Context, req *ams.CreateVaultingSessionRequest) (*ams.CreateVaultingSessionResponse, error) {
	var resp ams.CreateVaultingSessionResponse
	if err := c.Call(ctx, ams.APICreateVaultingSession, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// SupplyDefenseDocument calls supplyDefenseDocument with the defence document in base64
// (PDF, Word, ZIP or JPG). Sending the same document again answers SUCCESS as the first
// time; another one, or a defence after acceptDispute, REPEAT_REQUEST.
func (c *Client) SupplyDefenseDocument(ctx context.Context, req *ams.SupplyDefenseDocumentRequest) (*ams.SupplyDefenseDocumentResponse, error) {
	var resp ams.SupplyDefenseDocumentResponse
	if err := c.Call(ctx, ams.APISupplyDefenseDocument, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// DownloadDisputeEvidence calls downloadDisputeEvidence: the pre-filled template
// (DISPUTE_EVIDENCE_TEMPLATE) or the document supplied (DISPUTE_EVIDENCE_FILE), in base64.
func (c *Client) DownloadDisputeEvidence(ctx context.Context, req *ams.DownloadDisputeEvidenceRequest) (*ams.DownloadDisputeEvidenceResponse, error) {
	var resp ams.DownloadDisputeEvidenceResponse
	if err := c.Call(ctx, ams.APIDownloadDisputeEvidence, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// InquireVaulting calls inquireVaulting. resp.Result says whether the inquiry worked;
// resp.VaultingStatus says what became of the card.
func (c *Client) InquireVaulting(ctx context.Context, req *ams.InquireVaultingRequest) (*ams.InquireVaultingResponse, error) {
	var resp ams.InquireVaultingResponse
	if err := c.Call(ctx, ams.APIInquireVaulting, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// TransactionReport fetches the transaction details of the merchant's days (a cashier
// route: Antom serves its files over SFTP). resp.Rows parses the CSV file.
func (c *Client) TransactionReport(ctx context.Context, req *ams.ReportRequest) (*ams.ReportResponse, error) {
	return c.report(ctx, ams.PathReportTransactions, req)
}

// SettlementReport fetches the settlement details of the batches settled on the merchant's
// days; a day that has not come yet has none.
func (c *Client) SettlementReport(ctx context.Context, req *ams.ReportRequest) (*ams.ReportResponse, error) {
	return c.report(ctx, ams.PathReportSettlements, req)
}

// SettlementSummary fetches the settlement summary of the same batches: each batch's count
// and sums by transaction type, and its net.
func (c *Client) SettlementSummary(ctx context.Context, req *ams.ReportRequest) (*ams.ReportResponse, error) {
	return c.report(ctx, ams.PathReportSummary, req)
}

func (c *Client) report(ctx context.Context, path string, req *ams.ReportRequest) (*ams.ReportResponse, error) {
	var resp ams.ReportResponse
	if err := c.Call(ctx, path, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}
