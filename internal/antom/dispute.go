package antom

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/merchantapi"
	"github.com/cashierpay/cashier/internal/payment"
)

// disputeEndpoints are acceptDispute, supplyDefenseDocument and downloadDisputeEvidence.
func disputeEndpoints(api *merchantapi.API, sim Simulator) map[string]Endpoint {
	return map[string]Endpoint{
		ams.APIAcceptDispute: decode(sim, ams.APIAcceptDispute, func(ctx context.Context, m *payment.Merchant, req *ams.AcceptDisputeRequest) (any, error) {
			cmd, perr := parseAccept(req)
			if perr != nil {
				return nil, perr
			}
			d, err := api.RespondDispute(ctx, m, cmd)
			if err != nil {
				return nil, err
			}
			return &ams.AcceptDisputeResponse{Result: ams.SuccessResult(), DisputeID: d.ID, DisputeResolutionTime: wireTime(d.RespondedAt)}, nil
		}, nil),
		ams.APISupplyDefenseDocument: decode(sim, ams.APISupplyDefenseDocument, func(ctx context.Context, m *payment.Merchant, req *ams.SupplyDefenseDocumentRequest) (any, error) {
			cmd, perr := parseDefense(req)
			if perr != nil {
				return nil, perr
			}
			d, err := api.RespondDispute(ctx, m, cmd)
			if err != nil {
				return nil, err
			}
			return &ams.SupplyDefenseDocumentResponse{Result: ams.SuccessResult(), DisputeID: d.ID, DisputeResolutionTime: wireTime(d.RespondedAt)}, nil
		}, nil),
		ams.APIDownloadDisputeEvidence: decode(sim, ams.APIDownloadDisputeEvidence, func(ctx context.Context, m *payment.Merchant, req *ams.DownloadDisputeEvidenceRequest) (any, error) {
			er, perr := parseDownload(req)
			if perr != nil {
				return nil, perr
			}
			d, err := api.Dispute(ctx, m, er.DisputeID)
			if err != nil {
				return nil, err
			}
			if er.Type == ams.DisputeEvidenceTemplate {
				return &ams.DownloadDisputeEvidenceResponse{
					Result: ams.SuccessResult(), DisputeEvidence: base64.StdEncoding.EncodeToString(evidenceTemplate(d)), DisputeEvidenceFormat: "PDF",
				}, nil
			}
			if d.Evidence == "" {
				return nil, paramError("disputeEvidenceType", "DISPUTE_EVIDENCE_FILE: no defence document was supplied for the dispute")
			}
			return &ams.DownloadDisputeEvidenceResponse{Result: ams.SuccessResult(), DisputeEvidence: d.Evidence, DisputeEvidenceFormat: d.EvidenceFormat}, nil
		}, nil),
	}
}

// parseAccept checks an acceptDispute request. Result codes: PARAM_ILLEGAL.
func parseAccept(req *ams.AcceptDisputeRequest) (merchantapi.DisputeCommand, *payment.Error) {
	if err := require("disputeId", req.DisputeID); err != nil {
		return merchantapi.DisputeCommand{}, err
	}
	return merchantapi.DisputeCommand{DisputeID: req.DisputeID}, nil
}

// evidenceRequest is what downloadDisputeEvidence asks for: the template or the document
// supplied, of a dispute.
type evidenceRequest struct {
	DisputeID, Type string
}

// parseDownload checks a downloadDisputeEvidence request. Result codes: PARAM_ILLEGAL.
func parseDownload(req *ams.DownloadDisputeEvidenceRequest) (evidenceRequest, *payment.Error) {
	if err := require("disputeId", req.DisputeID); err != nil {
		return evidenceRequest{}, err
	}
	if req.DisputeEvidenceType != ams.DisputeEvidenceTemplate && req.DisputeEvidenceType != ams.DisputeEvidenceFile {
		return evidenceRequest{}, paramError("disputeEvidenceType", "must be DISPUTE_EVIDENCE_TEMPLATE or DISPUTE_EVIDENCE_FILE")
	}
	return evidenceRequest{DisputeID: req.DisputeID, Type: req.DisputeEvidenceType}, nil
}

// parseDefense checks a supplyDefenseDocument request: the document must be standard base64
// (padded) of a PDF, Word, ZIP or JPG file, the formats downloadDisputeEvidence reports.
// Result codes: PARAM_ILLEGAL.
func parseDefense(req *ams.SupplyDefenseDocumentRequest) (merchantapi.DisputeCommand, *payment.Error) {
	if err := require("disputeId", req.DisputeID); err != nil {
		return merchantapi.DisputeCommand{}, err
	}
	if err := require("disputeEvidence", req.DisputeEvidence); err != nil {
		return merchantapi.DisputeCommand{}, err
	}
	doc, err := base64.StdEncoding.DecodeString(req.DisputeEvidence)
	if err != nil {
		return merchantapi.DisputeCommand{}, paramError("disputeEvidence", "must be the document in standard base64")
	}
	format := payment.EvidenceFormat(doc)
	if format == "" {
		return merchantapi.DisputeCommand{}, paramError("disputeEvidence", "must be a PDF, Word, ZIP or JPG document")
	}
	return merchantapi.DisputeCommand{DisputeID: req.DisputeID, Evidence: req.DisputeEvidence, EvidenceFormat: format}, nil
}

// Dispute implements gateway.NotificationBodies: notifyDispute of type note about d, a
// dispute of capture of p. Each type carries the fields Antom's docs give it: the dispute's
// amount, time, reason, type, capture, ARN, acquirer and whether it can still be defended
// always; defenseDueTime while it can be defended; the judgement once judged.
func (Bodies) Dispute(p *payment.Payment, capture *payment.Capture, d *payment.Dispute, note string) ([]byte, error) {
	// Only an open dispute takes a defence: once defended, accepted, judged or withdrawn,
	// supplyDefenseDocument answers REPEAT_REQUEST or TIME_EXCEEDS_LIMIT. An open dispute is
	// notified only before its defenseDueTime (created, or alerted a day before it).
	defendable := d.Status == payment.DisputeOpen
	n := ams.DisputeNotification{
		PaymentRequestID: d.PaymentRequestID, DisputeID: d.ID, PaymentID: d.PaymentID, DisputeTime: wireTime(d.RaisedAt),
		DisputeAmount: wireAmount(d.Amount), DisputeNotificationType: note, DisputeReasonMsg: d.ReasonMsg,
		DisputeReasonCode: d.ReasonCode, DisputeSource: d.Source, ARN: d.ARN,
		DisputeType: ams.DisputeTypeChargeback, Defendable: &defendable, CaptureID: capture.ID,
		AcquirerInfo: disputeAcquirer(p, d),
	}
	switch note {
	case payment.DisputeCreatedNote, payment.DefenseDueAlertNote:
		n.DefenseDueTime = wireTime(d.DefenseDueAt)
	case payment.DisputeJudgedNote:
		n.DisputeJudgedTime, n.DisputeJudgedResult = wireTime(d.ClosedAt), d.JudgedResult
		n.DisputeJudgedAmount = wireAmount(d.JudgedAmount)
		if d.AcceptReason != "" {
			n.DisputeAcceptReason = d.AcceptReason
			n.DisputeAcceptTime = wireTime(d.ClosedAt)
			if d.AcceptReason == payment.AcceptedByMerchant {
				n.DisputeAcceptTime = wireTime(d.RespondedAt)
			}
		}
	case payment.DisputeAcceptedNote:
		n.DisputeAcceptReason, n.DisputeAcceptTime = payment.AcceptedByMerchant, wireTime(d.RespondedAt)
	}
	return json.Marshal(n)
}

// evidenceTemplate is the pre-filled evidence template: a one-page PDF with the dispute's
// and the payment's details, for the merchant to complete.
func evidenceTemplate(d *payment.Dispute) []byte {
	lines := []string{
		"Dispute evidence - merchant letter",
		"Dispute ID: " + d.ID,
		"Payment ID: " + d.PaymentID,
		"Payment request ID: " + d.PaymentRequestID,
		fmt.Sprintf("Disputed amount: %d %s (minor units)", d.Amount.Value, d.Amount.Currency),
		"Dispute time: " + wireTime(d.RaisedAt),
		"Defence due: " + wireTime(d.DefenseDueAt),
		"Reason: " + d.ReasonCode + " " + d.ReasonMsg + " (" + d.Source + ")",
		"Describe the goods or service delivered and attach proof of delivery.",
	}
	var text strings.Builder
	text.WriteString("BT /F1 11 Tf 50 780 Td 16 TL\n")
	for _, l := range lines {
		fmt.Fprintf(&text, "(%s) '\n", pdfEscape(l))
	}
	text.WriteString("ET")
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", text.Len(), text.String()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// pdfEscape makes s a PDF literal string of printable ASCII.
func pdfEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
