package e2e

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
)

func TestManualCapture(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp := e.pay(manual(payReq(visaOK, "USD", 2000)))
	wantResult(t, resp.Result, "S", "SUCCESS")
	id := resp.PaymentID
	if inq := e.inquiry(id); len(inq.Transactions) != 0 || inq.AuthExpiryTime == "" {
		t.Fatalf("manual payment before capture: %+v", inq)
	}
	wantResult(t, e.capture(id, uniq("cap"), "USD", 2500).Result, "F", "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT")
	wantResult(t, e.capture(id, uniq("cap"), "USD", 1500).Result, "F", "PARAM_ILLEGAL")
	wantResult(t, e.capture(id, uniq("cap"), "EUR", 2000).Result, "F", "CURRENCY_NOT_SUPPORT")
	wantResult(t, e.capture("nope", uniq("cap"), "USD", 2000).Result, "F", "ORDER_NOT_EXIST")

	capID := uniq("cap")
	first := e.capture(id, capID, "USD", 2000)
	wantResult(t, first.Result, "S", "SUCCESS")
	if first.CaptureID == "" || first.CaptureTime == "" || first.PaymentID != id {
		t.Fatalf("capture response: %+v", first)
	}
	// The same request again returns the same capture; different parameters are refused.
	again := e.capture(id, capID, "USD", 2000)
	if again.CaptureID != first.CaptureID || again.Result.ResultCode != "SUCCESS" {
		t.Fatalf("repeated capture: %+v", again)
	}
	wantResult(t, e.capture(id, capID, "USD", 1999).Result, "F", "REPEAT_REQ_INCONSISTENT")
	wantResult(t, e.capture(id, uniq("cap"), "USD", 2000).Result, "F", "MULTI_CAPTURE_NOT_SUPPORTED")

	inq := e.inquiry(id)
	if len(inq.Transactions) != 1 || inq.Transactions[0].TransactionID != first.CaptureID || inq.Transactions[0].TransactionRequestID != capID {
		t.Fatalf("transactions: %+v", inq.Transactions)
	}
	wantResult(t, e.cancel(id).Result, "F", "ORDER_STATUS_INVALID")

	// An automatic payment is already captured.
	auto := e.pay(payReq(visaOK, "USD", 2000))
	wantResult(t, e.capture(auto.PaymentID, uniq("cap"), "USD", 2000).Result, "F", "MULTI_CAPTURE_NOT_SUPPORTED")
	// A failed payment cannot be captured.
	failed := e.pay(manual(payReq(visaDecl, "USD", 2000)))
	wantResult(t, e.capture(failed.PaymentID, uniq("cap"), "USD", 2000).Result, "F", "ORDER_STATUS_INVALID")
}

func TestCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp := e.pay(manual(payReq(visaOK, "USD", 2000)))
	c := e.cancel(resp.PaymentID)
	wantResult(t, c.Result, "S", "SUCCESS")
	if c.CancelTime == "" || c.PaymentID != resp.PaymentID {
		t.Fatalf("cancel response: %+v", c)
	}
	// Repeating is safe.
	wantResult(t, e.cancel(resp.PaymentID).Result, "S", "SUCCESS")
	inq := e.inquiry(resp.PaymentID)
	if inq.PaymentStatus != "CANCELLED" || len(inq.Transactions) != 1 || inq.Transactions[0].TransactionType != "CANCEL" {
		t.Fatalf("after cancel: %+v", inq)
	}
	wantResult(t, e.capture(resp.PaymentID, uniq("cap"), "USD", 2000).Result, "F", "ORDER_IS_CANCELED")

	// Cancel by paymentRequestId.
	req := manual(payReq(mcOK, "USD", 300))
	e.pay(req)
	byReq, err := e.c.Cancel(context.Background(), &ams.CancelRequest{PaymentRequestID: req.PaymentRequestID})
	if err != nil {
		t.Fatal(err)
	}
	wantResult(t, byReq.Result, "S", "SUCCESS")

	// A captured payment must be refunded instead.
	auto := e.pay(payReq(visaOK, "USD", 2000))
	wantResult(t, e.cancel(auto.PaymentID).Result, "F", "ORDER_STATUS_INVALID")
	// Cancelling a failed payment answers SUCCESS and the payment stays FAIL.
	failed := e.pay(payReq(visaDecl, "USD", 2000))
	wantResult(t, e.cancel(failed.PaymentID).Result, "S", "SUCCESS")
	if st := e.inquiry(failed.PaymentID).PaymentStatus; st != "FAIL" {
		t.Fatalf("failed payment after cancel: %s", st)
	}
	wantResult(t, e.cancel("no-such-payment").Result, "F", "ORDER_NOT_EXIST")
}

func TestAuthorizationReleasedAfterSevenDays(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp := e.pay(manual(payReq(visaOK, "USD", 2000)))
	e.advance(payment.AuthWindow + time.Minute)
	eventually(t, "authorization released", func() bool { return e.inquiry(resp.PaymentID).PaymentStatus == "CANCELLED" })
	if code := e.inquiry(resp.PaymentID).PaymentResultCode; code != "AUTH_EXPIRED" {
		t.Fatalf("released with %s", code)
	}
	wantResult(t, e.capture(resp.PaymentID, uniq("cap"), "USD", 2000).Result, "F", "AUTH_EXPIRED")
}

func TestRefunds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp := e.pay(payReq(visaOK, "JPY", 1000))
	id := resp.PaymentID
	r1ID := uniq("ref")
	r1 := e.refund(id, r1ID, "JPY", 300)
	wantResult(t, r1.Result, "S", "SUCCESS")
	if r1.RefundID == "" || r1.RefundTime == "" || r1.RefundAmount.Value != "300" {
		t.Fatalf("refund response: %+v", r1)
	}
	if again := e.refund(id, r1ID, "JPY", 300); again.RefundID != r1.RefundID {
		t.Fatalf("repeated refund made %s", again.RefundID)
	}
	wantResult(t, e.refund(id, r1ID, "JPY", 301).Result, "F", "REPEAT_REQ_INCONSISTENT")
	wantResult(t, e.refund(id, uniq("ref"), "JPY", 700).Result, "S", "SUCCESS")
	wantResult(t, e.refund(id, uniq("ref"), "JPY", 1).Result, "F", "REFUND_AMOUNT_EXCEED")
	wantResult(t, e.refund(id, uniq("ref"), "USD", 1).Result, "F", "CURRENCY_NOT_SUPPORT")
	wantResult(t, e.refund("nope", uniq("ref"), "JPY", 1).Result, "F", "ORDER_NOT_EXIST")

	inq := e.inquiry(id)
	refunds := 0
	for _, tx := range inq.Transactions {
		if tx.TransactionType == "REFUND" {
			refunds++
		}
	}
	if inq.PaymentStatus != "SUCCESS" || refunds != 2 {
		t.Fatalf("after refunds: %s with %d refunds", inq.PaymentStatus, refunds)
	}

	ir, err := e.c.InquiryRefund(context.Background(), &ams.InquiryRefundRequest{RefundRequestID: r1ID})
	if err != nil {
		t.Fatal(err)
	}
	if ir.RefundStatus != "SUCCESS" || ir.RefundID != r1.RefundID {
		t.Fatalf("inquiryRefund: %+v", ir)
	}
	ir2, _ := e.c.InquiryRefund(context.Background(), &ams.InquiryRefundRequest{RefundID: r1.RefundID})
	if ir2.RefundRequestID != r1ID {
		t.Fatalf("inquiryRefund by id: %+v", ir2)
	}
	missing, _ := e.c.InquiryRefund(context.Background(), &ams.InquiryRefundRequest{RefundID: "nope"})
	wantResult(t, missing.Result, "F", "ORDER_NOT_EXIST")

	// An uncaptured authorization is cancelled, not refunded.
	m := e.pay(manual(payReq(visaOK, "USD", 100)))
	wantResult(t, e.refund(m.PaymentID, uniq("ref"), "USD", 100).Result, "F", "ORDER_STATUS_INVALID")

	// Refunds close a year after the payment.
	late := e.pay(payReq(mcOK, "USD", 100))
	e.advance(payment.RefundWindow + time.Hour)
	wantResult(t, e.refund(late.PaymentID, uniq("ref"), "USD", 100).Result, "F", "REFUND_WINDOW_EXCEED")
}

// TestConcurrentDuplicatePay fires 50 identical pay calls at once: one payment results and
// every caller gets its outcome.
func TestConcurrentDuplicatePay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	req := payReq(visaOK, "USD", 4200)
	const n = 50
	var wg sync.WaitGroup
	ids := make([]string, n)
	codes := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.c.Pay(context.Background(), req)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i], codes[i] = r.PaymentID, r.Result.ResultCode
		}()
	}
	wg.Wait()
	for i := range n {
		if ids[i] != ids[0] || codes[i] != "SUCCESS" {
			t.Fatalf("call %d: %s %s, call 0: %s %s", i, ids[i], codes[i], ids[0], codes[0])
		}
	}
	ns, _ := e.app.Store.NotificationListByPayment(context.Background(), ids[0])
	if len(ns) != 2 {
		t.Fatalf("%d notifications for one payment, want 2", len(ns))
	}
	// The same id with another amount is refused.
	req.PaymentAmount.Value = "4300"
	wantResult(t, e.pay(req).Result, "F", "REPEAT_REQ_INCONSISTENT")
}

// TestConcurrentConflictingRefundsAndCaptures races refunds that together exceed the
// payment, and captures with different ids, and checks the limits hold.
func TestConcurrentConflictingRefundsAndCaptures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp := e.pay(payReq(visaOK, "USD", 1000))
	var wg sync.WaitGroup
	var mu sync.Mutex
	okRefunds := 0
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.refund(resp.PaymentID, "race-ref-"+strconv.Itoa(i), "USD", 300)
			if r.Result.ResultCode == "SUCCESS" {
				mu.Lock()
				okRefunds++
				mu.Unlock()
			} else if r.Result.ResultCode != "REFUND_AMOUNT_EXCEED" {
				t.Errorf("refund %d: %+v", i, r.Result)
			}
		}()
	}
	m := e.pay(manual(payReq(mcOK, "USD", 500)))
	okCaptures := 0
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := e.capture(m.PaymentID, "race-cap-"+strconv.Itoa(i), "USD", 500)
			if c.Result.ResultCode == "SUCCESS" {
				mu.Lock()
				okCaptures++
				mu.Unlock()
			} else if c.Result.ResultCode != "MULTI_CAPTURE_NOT_SUPPORTED" {
				t.Errorf("capture %d: %+v", i, c.Result)
			}
		}()
	}
	wg.Wait()
	if okRefunds != 3 || okCaptures != 1 {
		t.Fatalf("%d refunds and %d captures succeeded, want 3 and 1", okRefunds, okCaptures)
	}
}

// TestPayReplayAfterExpiryTime: a retry of a payment whose paymentExpiryTime has passed
// since gets the payment's outcome, not a complaint about the time.
func TestPayReplayAfterExpiryTime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	req := payReq(visaOK, "USD", 100)
	req.PaymentExpiryTime = ams.FormatTime(e.clock.Now().Add(time.Minute))
	first := e.pay(req)
	wantResult(t, first.Result, "S", "SUCCESS")
	e.advance(2 * time.Minute)
	again := e.pay(req)
	if again.Result.ResultCode != "SUCCESS" || again.PaymentID != first.PaymentID {
		t.Fatalf("replay after expiry time: %+v", again.Result)
	}
	req.PaymentRequestID = uniq("pay")
	wantResult(t, e.pay(req).Result, "F", "PARAM_ILLEGAL")
}
