package e2e

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/sandbox"
)

// refundFailCard's refunds fail at the sandbox issuer (docs/test-cards.md).
const refundFailCard = "4000000000005126"

// notificationBody decodes into v the first stored notification of kind about paymentID
// that match accepts once decoded (several refunds have one each).
func (e *env) notificationBody(paymentID, kind string, v any, match func() bool) {
	e.t.Helper()
	ns, err := e.app.Store.NotificationListByPayment(context.Background(), paymentID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, n := range ns {
		if n.Kind != kind {
			continue
		}
		if err := json.Unmarshal(n.Body, v); err != nil {
			e.t.Fatal(err)
		}
		if match() {
			return
		}
	}
	e.t.Fatalf("no matching %s for %s", kind, paymentID)
}

// TestAcquirerInfo: pay, inquiryPayment (and each of its transactions), notifyPayment,
// notifyCapture, refund and inquiryRefund carry acquirerInfo as the SDKs' type has it,
// filled from what the sandbox issuer answered: its name, the merchant's account with it,
// the gateway's reference of the request, the issuer's reference of the transaction and
// its result; a refund's ARN is on inquiryRefund and notifyRefund.
func TestAcquirerInfo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	mid := regexp.MustCompile(`^\d{15}$`)
	check := func(what string, got *ams.AcquirerInfo, refReq, code string) *ams.AcquirerInfo {
		t.Helper()
		if got == nil || got.AcquirerName != sandbox.AcquirerName || !mid.MatchString(got.AcquirerMerchantID) ||
			got.ReferenceRequestID != refReq || got.AcquirerTransactionID == "" || got.AcquirerResultCode != code || got.AcquirerResultMessage == "" {
			t.Fatalf("%s acquirerInfo %+v, want %s for request %s", what, got, code, refReq)
		}
		return got
	}

	p := e.pay(manual(payReq(visaOK, "USD", 1000)))
	wantResult(t, p.Result, ams.StatusSuccess, ams.CodeSuccess)
	auth := check("pay", p.AcquirerInfo, p.PaymentID+"-1", ams.CodeSuccess)
	capture := e.capture(p.PaymentID, uniq("cap"), "USD", 1000)
	wantResult(t, capture.Result, ams.StatusSuccess, ams.CodeSuccess)
	refund := e.refund(p.PaymentID, uniq("ref"), "USD", 400)
	wantResult(t, refund.Result, ams.StatusSuccess, ams.CodeSuccess)
	check("refund", refund.AcquirerInfo, refund.RefundID, ams.CodeSuccess)

	inq := e.inquiry(p.PaymentID)
	if got := check("inquiryPayment", inq.AcquirerInfo, p.PaymentID+"-1", ams.CodeSuccess); *got != *auth {
		t.Errorf("inquiryPayment acquirerInfo %+v, pay said %+v", got, auth)
	}
	seen := map[string]string{}
	for _, tx := range inq.Transactions {
		a := check("transaction "+tx.TransactionType, tx.AcquirerInfo, tx.TransactionID, ams.CodeSuccess)
		if a.AcquirerMerchantID != auth.AcquirerMerchantID {
			t.Errorf("%s acquirerMerchantId %s, the authorization's %s", tx.TransactionType, a.AcquirerMerchantID, auth.AcquirerMerchantID)
		}
		seen[tx.TransactionType] = a.AcquirerTransactionID
	}
	if len(seen) != 2 || seen[ams.TransactionCapture] == seen[ams.TransactionRefund] || seen[ams.TransactionCapture] == auth.AcquirerTransactionID {
		t.Errorf("transactions' acquirer ids %v, the authorization's %s", seen, auth.AcquirerTransactionID)
	}

	var pn ams.PaymentNotification
	e.notificationBody(p.PaymentID, payment.NotifyPayment, &pn, func() bool { return true })
	if got := check("notifyPayment", pn.AcquirerInfo, p.PaymentID+"-1", ams.CodeSuccess); *got != *auth {
		t.Errorf("notifyPayment acquirerInfo %+v, pay said %+v", got, auth)
	}
	var cn ams.CaptureNotification
	e.notificationBody(p.PaymentID, payment.NotifyCapture, &cn, func() bool { return true })
	check("notifyCapture", cn.AcquirerInfo, capture.CaptureID, ams.CodeSuccess)

	ir, err := e.c.InquiryRefund(ctx, &ams.InquiryRefundRequest{RefundID: refund.RefundID})
	if err != nil {
		t.Fatal(err)
	}
	if got := check("inquiryRefund", ir.AcquirerInfo, refund.RefundID, ams.CodeSuccess); *got != *refund.AcquirerInfo {
		t.Errorf("inquiryRefund acquirerInfo %+v, refund said %+v", got, refund.AcquirerInfo)
	}
	var rn ams.RefundNotification
	e.notificationBody(p.PaymentID, payment.NotifyRefund, &rn, func() bool { return rn.RefundID == refund.RefundID })
	if len(ir.ARN) != 23 || ir.ARN[0] != '7' || rn.ARN != ir.ARN {
		t.Errorf("refund ARN: inquiryRefund %q, notifyRefund %q", ir.ARN, rn.ARN)
	}

	// The issuer's declines are the acquirer's result; a refund the issuer refused too.
	declined := e.pay(payReq(visaDecl, "USD", 900))
	wantResult(t, declined.Result, ams.StatusFail, "DO_NOT_HONOR")
	check("declined pay", declined.AcquirerInfo, declined.PaymentID+"-1", "DO_NOT_HONOR")
	failing := e.pay(payReq(refundFailCard, "USD", 500))
	failed := e.refund(failing.PaymentID, uniq("ref"), "USD", 500)
	wantResult(t, failed.Result, ams.StatusFail, "PROCESS_FAIL")
	check("failed refund", failed.AcquirerInfo, failed.RefundID, "PROCESS_FAIL")
	if failed.GrossSettlementAmount != nil {
		t.Errorf("a failed refund settles %+v", failed.GrossSettlementAmount)
	}
	if ir, err := e.c.InquiryRefund(ctx, &ams.InquiryRefundRequest{RefundID: failed.RefundID}); err != nil || ir.ARN != "" {
		t.Errorf("failed refund: arn %q, %v", ir.ARN, err)
	}
}
