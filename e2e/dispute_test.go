package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/report"
	"github.com/cashierpay/cashier/internal/sandbox"
	"github.com/cashierpay/cashier/internal/store"
)

// Dispute cards of the sandbox (docs/test-cards.md).
const (
	disputeWinCard       = "4000000000000259"
	disputeMCWinCard     = "5100000000000198"
	disputeLostCard      = "4000000000002685"
	disputeWithdrawnCard = "4000000000001976"
	disputeHalfCard      = "4000000000002693"
)

// disputeEnv is a gateway whose sandbox merchant has a notify URL, where the client
// package's handler verifies every notification and keeps the dispute ones.
type disputeEnv struct {
	*env
	mu       sync.Mutex
	disputes []ams.DisputeNotification
}

func newDisputeEnv(t *testing.T) *disputeEnv {
	e := &disputeEnv{env: newEnv(t)}
	handler := e.c.NotificationHandler(func(ctx context.Context, n client.Notification) error {
		if n.Dispute != nil {
			if n.Type != n.Dispute.DisputeNotificationType {
				t.Errorf("notification type %q, body says %q", n.Type, n.Dispute.DisputeNotificationType)
			}
			e.mu.Lock()
			e.disputes = append(e.disputes, *n.Dispute)
			e.mu.Unlock()
		}
		return nil
	})
	var verified sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		// The handler answers only what it verified; a body that fails fails the test.
		if err := e.c.VerifyNotification(r, body); err != nil {
			verified.Lock()
			t.Errorf("notification not verified: %v", err)
			verified.Unlock()
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	if err := e.app.Store.MerchantSetNotifyURL(context.Background(), e.app.SandboxClient.ClientID, srv.URL+"/notify/antom"); err != nil {
		t.Fatal(err)
	}
	return e
}

// note waits for the notification of type typ about the dispute of paymentID.
func (e *disputeEnv) note(paymentID, typ string) ams.DisputeNotification {
	e.t.Helper()
	var got ams.DisputeNotification
	eventually(e.t, typ+" for "+paymentID, func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, n := range e.disputes {
			if n.PaymentID == paymentID && n.DisputeNotificationType == typ {
				got = n
				return true
			}
		}
		return false
	})
	return got
}

// count is how many notifications of type typ arrived about the dispute of paymentID.
func (e *disputeEnv) count(paymentID, typ string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, d := range e.disputes {
		if d.PaymentID == paymentID && d.DisputeNotificationType == typ {
			n++
		}
	}
	return n
}

// disputed pays value USD with card (captured at once, or by capture when manualCapture),
// moves the clock past sandbox.DisputeDelay and returns DISPUTE_CREATED.
func (e *disputeEnv) disputed(card string, value int64, manualCapture bool) ams.DisputeNotification {
	e.t.Helper()
	return e.disputedIn(card, "USD", value, value, manualCapture)
}

// disputedIn is disputed in currency, for a dispute of want minor units.
func (e *disputeEnv) disputedIn(card, currency string, value, want int64, manualCapture bool) ams.DisputeNotification {
	e.t.Helper()
	req := payReq(card, currency, value)
	if manualCapture {
		req = manual(req)
	}
	p := e.pay(req)
	wantResult(e.t, p.Result, ams.StatusSuccess, ams.CodeSuccess)
	if manualCapture {
		wantResult(e.t, e.capture(p.PaymentID, uniq("cap"), currency, value).Result, ams.StatusSuccess, ams.CodeSuccess)
	}
	e.advance(sandbox.DisputeDelay)
	created := e.note(p.PaymentID, ams.DisputeCreated)
	if created.DisputeID == "" || created.PaymentRequestID != req.PaymentRequestID ||
		created.DisputeAmount == nil || created.DisputeAmount.Currency != currency || created.DisputeAmount.Value != strconv.FormatInt(want, 10) ||
		created.DisputeReasonCode == "" || created.DisputeSource == "" {
		e.t.Fatalf("DISPUTE_CREATED: %+v", created)
	}
	// A chargeback of the payment's capture, open to a defence.
	e.wantDispute(created, p.PaymentID, true)
	raised, err1 := ams.ParseTime(created.DisputeTime)
	due, err2 := ams.ParseTime(created.DefenseDueTime)
	if err1 != nil || err2 != nil || !due.Equal(raised.Add(payment.DefenseWindow)) {
		e.t.Fatalf("DISPUTE_CREATED times %q, %q: want the defence due %s after the dispute", created.DisputeTime, created.DefenseDueTime, payment.DefenseWindow)
	}
	return created
}

// wantDispute checks what every notifyDispute about the dispute of paymentID carries: a
// chargeback of the payment's capture, and whether it can still be defended.
func (e *disputeEnv) wantDispute(n ams.DisputeNotification, paymentID string, defendable bool) {
	e.t.Helper()
	captures, err := e.app.Store.CaptureListByPayment(context.Background(), paymentID)
	if err != nil || len(captures) != 1 || captures[0].Status != payment.Success {
		e.t.Fatalf("captures of %s: %v, %v", paymentID, captures, err)
	}
	got := "absent"
	if n.Defendable != nil {
		got = strconv.FormatBool(*n.Defendable)
	}
	if n.DisputeType != ams.DisputeTypeChargeback || n.CaptureID != captures[0].ID || got != strconv.FormatBool(defendable) {
		e.t.Fatalf("%s: disputeType %q, captureId %q (capture %s), defendable %s, want %v", n.DisputeNotificationType, n.DisputeType, n.CaptureID, captures[0].ID, got, defendable)
	}
}

func pdfEvidence(text string) string {
	return base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n% " + text + "\n%%EOF\n"))
}

func (e *disputeEnv) defend(id, evidence string) *ams.SupplyDefenseDocumentResponse {
	e.t.Helper()
	resp, err := e.c.SupplyDefenseDocument(context.Background(), &ams.SupplyDefenseDocumentRequest{DisputeID: id, DisputeEvidence: evidence})
	if err != nil {
		e.t.Fatalf("supplyDefenseDocument: %v", err)
	}
	return resp
}

func (e *disputeEnv) accept(id string) *ams.AcceptDisputeResponse {
	e.t.Helper()
	resp, err := e.c.AcceptDispute(context.Background(), &ams.AcceptDisputeRequest{DisputeID: id})
	if err != nil {
		e.t.Fatalf("acceptDispute: %v", err)
	}
	return resp
}

func (e *disputeEnv) download(id, typ string) *ams.DownloadDisputeEvidenceResponse {
	e.t.Helper()
	resp, err := e.c.DownloadDisputeEvidence(context.Background(), &ams.DownloadDisputeEvidenceRequest{DisputeID: id, DisputeEvidenceType: typ})
	if err != nil {
		e.t.Fatalf("downloadDisputeEvidence: %v", err)
	}
	return resp
}

// stored reads the dispute as the reconciliation report will.
func (e *disputeEnv) stored(id string) *payment.Dispute {
	e.t.Helper()
	d, err := e.app.Store.DisputeGet(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

// TestDisputeDefendedAndWon walks the dispute of a defendable card: created after the
// capture on the test clock, the template downloaded, a defence supplied (and retried), the
// judgement two days later for the merchant, who is debited nothing.
func TestDisputeDefendedAndWon(t *testing.T) {
	t.Parallel()
	e := newDisputeEnv(t)
	ctx := context.Background()
	created := e.disputed(disputeWinCard, 2500, false)
	id := created.DisputeID

	tpl := e.download(id, ams.DisputeEvidenceTemplate)
	wantResult(t, tpl.Result, ams.StatusSuccess, ams.CodeSuccess)
	doc, err := base64.StdEncoding.DecodeString(tpl.DisputeEvidence)
	if err != nil || tpl.DisputeEvidenceFormat != "PDF" || !bytes.HasPrefix(doc, []byte("%PDF-")) || !bytes.Contains(doc, []byte(id)) {
		t.Fatalf("template: format %q, %d bytes, %v", tpl.DisputeEvidenceFormat, len(doc), err)
	}
	wantResult(t, e.download(id, ams.DisputeEvidenceFile).Result, ams.StatusFail, ams.CodeParamIllegal)

	evidence := pdfEvidence("proof of delivery")
	first := e.defend(id, evidence)
	wantResult(t, first.Result, ams.StatusSuccess, ams.CodeSuccess)
	if first.DisputeID != id || first.DisputeResolutionTime == "" {
		t.Fatalf("supplyDefenseDocument: %+v", first)
	}
	// Defended: another document is REPEAT_REQUEST from now on.
	e.wantDispute(e.note(created.PaymentID, ams.DefenseSupplied), created.PaymentID, false)
	// A retry of the same document answers as the first call; another document or an
	// acceptance is refused, and nothing is notified again.
	again := e.defend(id, evidence)
	wantResult(t, again.Result, ams.StatusSuccess, ams.CodeSuccess)
	if again.DisputeResolutionTime != first.DisputeResolutionTime {
		t.Fatalf("retried defence answered time %s, first %s", again.DisputeResolutionTime, first.DisputeResolutionTime)
	}
	wantResult(t, e.defend(id, pdfEvidence("another")).Result, ams.StatusFail, ams.CodeRepeatRequest)
	wantResult(t, e.accept(id).Result, ams.StatusFail, ams.CodeRepeatRequest)
	file := e.download(id, ams.DisputeEvidenceFile)
	if file.DisputeEvidence != evidence || file.DisputeEvidenceFormat != "PDF" {
		t.Fatalf("evidence file: %+v", file)
	}

	e.advance(payment.JudgeDelay)
	judged := e.note(created.PaymentID, ams.DisputeJudged)
	if judged.DisputeJudgedResult != ams.AcceptByCustomer || judged.DisputeJudgedAmount == nil || judged.DisputeJudgedAmount.Value != "0" || judged.DisputeJudgedTime == "" {
		t.Fatalf("DISPUTE_JUDGED: %+v", judged)
	}
	e.wantDispute(judged, created.PaymentID, false)
	if n := e.count(created.PaymentID, ams.DefenseSupplied); n != 1 {
		t.Fatalf("%d DEFENSE_SUPPLIED notifications, want 1", n)
	}
	d := e.stored(id)
	if d.Status != payment.DisputeJudged || d.JudgedAmount.Value != 0 {
		t.Fatalf("stored dispute: %+v", d)
	}
	wantResult(t, e.defend(id, evidence).Result, ams.StatusFail, ams.CodeTimeExceedsLimit)
	wantResult(t, e.accept(id).Result, ams.StatusFail, ams.CodeTimeExceedsLimit)

	list, err := e.app.Store.DisputeList(ctx, store.DisputeFilter{MerchantID: d.MerchantID, From: d.RaisedAt, Until: d.ClosedAt.Add(time.Second)})
	if err != nil || len(list) != 1 || list[0].ID != id {
		t.Fatalf("DisputeList: %v, %v", list, err)
	}
}

// TestDisputeOutcomes runs each sandbox rule: what the merchant does and what the scheme
// decides, with what the merchant is debited.
func TestDisputeOutcomes(t *testing.T) {
	t.Parallel()
	e := newDisputeEnv(t)
	cases := []struct {
		name          string
		card          string
		manualCapture bool
		respond       string // "accept", "defend" or "" (let the deadline pass)
		note          string
		result        string
		acceptReason  string
		debited       bool
	}{
		{"defendable accepted", disputeWinCard, false, "accept", ams.DisputeJudged, ams.AcceptByMerchant, payment.AcceptedByMerchant, true},
		{"defendable unanswered", disputeMCWinCard, true, "", ams.DisputeJudged, ams.AcceptByMerchant, payment.AcceptedOnTimeout, true},
		{"lost defended", disputeLostCard, false, "defend", ams.DisputeJudged, ams.AcceptByMerchant, "", true},
		{"withdrawn defended", disputeWithdrawnCard, true, "defend", ams.DisputeCancelled, "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			created := e.disputed(tc.card, 1999, tc.manualCapture)
			id := created.DisputeID
			switch tc.respond {
			case "accept":
				wantResult(t, e.accept(id).Result, ams.StatusSuccess, ams.CodeSuccess)
				e.wantDispute(e.note(created.PaymentID, ams.DisputeAccepted), created.PaymentID, false)
				e.advance(payment.JudgeDelay)
			case "defend":
				wantResult(t, e.defend(id, pdfEvidence(tc.name)).Result, ams.StatusSuccess, ams.CodeSuccess)
				e.advance(payment.JudgeDelay)
			default:
				e.advance(payment.DefenseWindow - payment.DefenseDueAlert)
				alert := e.note(created.PaymentID, ams.DefenseDueAlert)
				if alert.DefenseDueTime != created.DefenseDueTime {
					t.Fatalf("DEFENSE_DUE_ALERT due %s, created said %s", alert.DefenseDueTime, created.DefenseDueTime)
				}
				// A day left: still open to a defence.
				e.wantDispute(alert, created.PaymentID, true)
				e.advance(payment.DefenseDueAlert)
			}
			got := e.note(created.PaymentID, tc.note)
			if got.DisputeJudgedResult != tc.result || got.DisputeAcceptReason != tc.acceptReason {
				t.Fatalf("%s: result %q reason %q, want %q %q", tc.note, got.DisputeJudgedResult, got.DisputeAcceptReason, tc.result, tc.acceptReason)
			}
			// Judged or withdrawn, on time or not: over.
			e.wantDispute(got, created.PaymentID, false)
			d := e.stored(id)
			if debited := d.JudgedAmount.Value == 1999 && d.JudgedAmount.Currency == "USD"; debited != tc.debited {
				t.Fatalf("stored judged amount %+v, debited want %v", d.JudgedAmount, tc.debited)
			}
			wantResult(t, e.accept(id).Result, ams.StatusFail, ams.CodeTimeExceedsLimit)
		})
	}
}

// TestDisputeRefusals covers the bad calls: unknown ids, a card that is never disputed, a
// defence that is not a document, a response after the deadline.
func TestDisputeRefusals(t *testing.T) {
	t.Parallel()
	e := newDisputeEnv(t)
	ctx := context.Background()
	wantResult(t, e.accept("no-such-dispute").Result, ams.StatusFail, ams.CodeParamIllegal)
	wantResult(t, e.accept("").Result, ams.StatusFail, ams.CodeParamIllegal)
	wantResult(t, e.download("no-such-dispute", ams.DisputeEvidenceTemplate).Result, ams.StatusFail, ams.CodeParamIllegal)

	ordinary := e.pay(payReq(visaOK, "USD", 700))
	created := e.disputed(disputeWinCard, 700, false)
	// The ordinary card's payment was captured at the same time and is not disputed.
	if _, err := e.app.Sweeper.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.count(ordinary.PaymentID, ams.DisputeCreated); n != 0 {
		t.Fatalf("an ordinary card was disputed")
	}
	id := created.DisputeID
	wantResult(t, e.download(id, "PDF").Result, ams.StatusFail, ams.CodeParamIllegal)
	wantResult(t, e.defend(id, "not base64!").Result, ams.StatusFail, ams.CodeParamIllegal)
	wantResult(t, e.defend(id, base64.StdEncoding.EncodeToString([]byte("plain text"))).Result, ams.StatusFail, ams.CodeParamIllegal)
	wantResult(t, e.defend(id, "").Result, ams.StatusFail, ams.CodeParamIllegal)
	// The error-scenario simulation forces the dispute APIs' documented codes too; a refused
	// call changes nothing.
	e.simulate(0, "add", "--merchant", e.app.SandboxClient.ClientID, "--api", ams.APISupplyDefenseDocument, "--result-code", "DEFENSE_EXCEED_LIMIT", "--times", "1")
	wantResult(t, e.defend(id, pdfEvidence("forced")).Result, ams.StatusFail, "DEFENSE_EXCEED_LIMIT")
	if d := e.stored(id); d.Status != payment.DisputeOpen {
		t.Fatalf("refused calls moved the dispute to %s", d.Status)
	}

	// Past the deadline (the sweeper has not judged it yet when the call arrives first, or
	// has): TIME_EXCEEDS_LIMIT either way.
	e.advance(payment.DefenseWindow)
	wantResult(t, e.defend(id, pdfEvidence("late")).Result, ams.StatusFail, ams.CodeTimeExceedsLimit)
	judged := e.note(created.PaymentID, ams.DisputeJudged)
	if judged.DisputeAcceptReason != payment.AcceptedOnTimeout {
		t.Fatalf("late dispute judged %+v", judged)
	}
}

// TestDisputeConcurrentAcceptAndDefend races acceptances and defences of one dispute: one
// response wins, every call agrees with it, and exactly one notification reports it.
func TestDisputeConcurrentAcceptAndDefend(t *testing.T) {
	t.Parallel()
	e := newDisputeEnv(t)
	created := e.disputed(disputeWinCard, 4200, false)
	id := created.DisputeID
	evidence := pdfEvidence("race")
	const n = 8
	codes := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var res ams.Result
			if i%2 == 0 {
				resp, err := e.c.AcceptDispute(context.Background(), &ams.AcceptDisputeRequest{DisputeID: id})
				if err != nil {
					t.Error(err)
					return
				}
				res = resp.Result
			} else {
				resp, err := e.c.SupplyDefenseDocument(context.Background(), &ams.SupplyDefenseDocumentRequest{DisputeID: id, DisputeEvidence: evidence})
				if err != nil {
					t.Error(err)
					return
				}
				res = resp.Result
			}
			codes[i] = res.ResultCode
		}()
	}
	wg.Wait()
	d := e.stored(id)
	accepted := d.Status == payment.DisputeAccepted
	if !accepted && d.Status != payment.DisputeDefended {
		t.Fatalf("dispute %s after the race", d.Status)
	}
	for i, code := range codes {
		isAccept := i%2 == 0
		want := ams.CodeRepeatRequest
		if isAccept == accepted {
			want = ams.CodeSuccess
		}
		if code != want {
			t.Errorf("call %d (accept %v) answered %s, want %s with the dispute %s", i, isAccept, code, want, d.Status)
		}
	}
	winner := ams.DefenseSupplied
	if accepted {
		winner = ams.DisputeAccepted
	}
	e.note(created.PaymentID, winner)
	notes, err := e.app.Store.NotificationListByPayment(context.Background(), created.PaymentID)
	if err != nil {
		t.Fatal(err)
	}
	responses := 0
	for _, n := range notes {
		if n.Kind == payment.NotifyDispute && (bytes.Contains(n.Body, []byte(ams.DisputeAccepted)) || bytes.Contains(n.Body, []byte(ams.DefenseSupplied))) {
			responses++
		}
	}
	if responses != 1 {
		t.Fatalf("%d response notifications stored, want 1", responses)
	}
}

// TestDisputeAndRefunds: a dispute is raised for what refunds left of the capture, not at
// all after a full refund; no refund goes through while it is open or once it is lost; one
// the buyer withdrew leaves the payment refundable.
func TestDisputeAndRefunds(t *testing.T) {
	t.Parallel()
	e := newDisputeEnv(t)
	ctx := context.Background()
	partly := e.pay(payReq(disputeWinCard, "USD", 1000))
	wantResult(t, e.refund(partly.PaymentID, uniq("ref"), "USD", 300).Result, ams.StatusSuccess, ams.CodeSuccess)
	full := e.pay(payReq(disputeLostCard, "USD", 500))
	wantResult(t, e.refund(full.PaymentID, uniq("ref"), "USD", 500).Result, ams.StatusSuccess, ams.CodeSuccess)
	withdrawn := e.pay(payReq(disputeWithdrawnCard, "USD", 800))

	e.advance(sandbox.DisputeDelay)
	created := e.note(partly.PaymentID, ams.DisputeCreated)
	if created.DisputeAmount.Value != "700" {
		t.Fatalf("dispute of a payment refunded 300 of 1000 is for %s", created.DisputeAmount.Value)
	}
	other := e.note(withdrawn.PaymentID, ams.DisputeCreated)
	if _, err := e.app.Sweeper.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if e.count(full.PaymentID, ams.DisputeCreated) != 0 {
		t.Fatal("a payment refunded in full was disputed")
	}
	dropped, err := e.app.Store.DisputeGetByPayment(ctx, full.PaymentID)
	if err != nil || dropped.Status != payment.DisputeDropped {
		t.Fatalf("dispute of the refunded payment: %+v, %v", dropped, err)
	}
	wantResult(t, e.accept(dropped.ID).Result, ams.StatusFail, ams.CodeParamIllegal)

	wantResult(t, e.refund(partly.PaymentID, uniq("ref"), "USD", 100).Result, ams.StatusFail, ams.CodeOrderStatusInvalid)
	wantResult(t, e.accept(created.DisputeID).Result, ams.StatusSuccess, ams.CodeSuccess)
	wantResult(t, e.defend(other.DisputeID, pdfEvidence("refund")).Result, ams.StatusSuccess, ams.CodeSuccess)
	e.advance(payment.JudgeDelay)
	e.note(partly.PaymentID, ams.DisputeJudged)
	e.note(withdrawn.PaymentID, ams.DisputeCancelled)
	wantResult(t, e.refund(partly.PaymentID, uniq("ref"), "USD", 100).Result, ams.StatusFail, ams.CodeOrderStatusInvalid)
	wantResult(t, e.refund(withdrawn.PaymentID, uniq("ref"), "USD", 800).Result, ams.StatusSuccess, ams.CodeSuccess)
	if d := e.stored(created.DisputeID); d.JudgedAmount.Value != 700 {
		t.Fatalf("lost dispute debits %d, want 700", d.JudgedAmount.Value)
	}
}

// TestDisputePartial: the half-dispute card's buyer disputes half the capture, rounded down in
// minor units (USD 19.99 → 9.99, JPY 1001 → 500). The other half stays refundable while the
// dispute is open and once it is lost, by concurrent refunds too, and no further; the lost
// dispute debits the disputed half only.
func TestDisputePartial(t *testing.T) {
	t.Parallel()
	e := newDisputeEnv(t)
	ctx := context.Background()
	yen := e.disputedIn(disputeHalfCard, "JPY", 1001, 500, false)
	created := e.disputedIn(disputeHalfCard, "USD", 1999, 999, true)
	id := created.DisputeID
	if d := e.stored(id); d.Amount.Value != 999 || d.Status != payment.DisputeOpen {
		t.Fatalf("stored dispute %+v", d)
	}
	// The acquirer that processed the payment, with its reference of the chargeback.
	if a, auth := created.AcquirerInfo, e.inquiry(created.PaymentID).AcquirerInfo; a == nil || auth == nil || a.AcquirerName != sandbox.AcquirerName ||
		a.AcquirerMerchantID != auth.AcquirerMerchantID || !strings.HasPrefix(a.AcquirerTransactionID, "simdsp_") || a.AcquirerReasonDescription != created.DisputeReasonMsg {
		t.Fatalf("DISPUTE_CREATED acquirerInfo %+v, the payment's %+v", a, auth)
	}

	// 1000 of the 1999 captured are not disputed: refunds racing for them get exactly that.
	wantResult(t, e.refund(created.PaymentID, uniq("ref"), "USD", 1001).Result, ams.StatusFail, ams.CodeRefundAmountExceed)
	const racers = 6
	codes := make([]string, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := e.c.Refund(ctx, &ams.RefundRequest{RefundRequestID: uniq("race"), PaymentID: created.PaymentID, RefundAmount: &ams.Amount{Currency: "USD", Value: "400"}})
			if err != nil {
				t.Error(err)
				return
			}
			codes[i] = resp.Result.ResultCode
		}()
	}
	wg.Wait()
	ok := 0
	for _, c := range codes {
		switch c {
		case ams.CodeSuccess:
			ok++
		case ams.CodeRefundAmountExceed:
		default:
			t.Errorf("racing refund answered %s", c)
		}
	}
	if ok != 2 {
		t.Fatalf("%d refunds of 400 went through against the 1000 left undisputed, want 2: %v", ok, codes)
	}
	wantResult(t, e.refund(created.PaymentID, uniq("ref"), "USD", 201).Result, ams.StatusFail, ams.CodeRefundAmountExceed)
	wantResult(t, e.refund(created.PaymentID, uniq("ref"), "USD", 200).Result, ams.StatusSuccess, ams.CodeSuccess)
	wantResult(t, e.refund(created.PaymentID, uniq("ref"), "USD", 1).Result, ams.StatusFail, ams.CodeOrderStatusInvalid)

	// Lost whatever the merchant does: judged for the disputed half.
	wantResult(t, e.defend(id, pdfEvidence("half")).Result, ams.StatusSuccess, ams.CodeSuccess)
	e.advance(payment.JudgeDelay)
	judged := e.note(created.PaymentID, ams.DisputeJudged)
	if judged.DisputeJudgedResult != ams.AcceptByMerchant || judged.DisputeJudgedAmount == nil || judged.DisputeJudgedAmount.Value != "999" || judged.DisputeAmount.Value != "999" {
		t.Fatalf("DISPUTE_JUDGED: %+v", judged)
	}
	e.wantDispute(judged, created.PaymentID, false)
	if d := e.stored(id); d.JudgedAmount.Value != 999 {
		t.Fatalf("lost dispute debits %d, want 999", d.JudgedAmount.Value)
	}
	wantResult(t, e.refund(created.PaymentID, uniq("ref"), "USD", 1).Result, ams.StatusFail, ams.CodeOrderStatusInvalid)

	// The yen payment: the undisputed 501 stays refundable after the loss, no more.
	wantResult(t, e.accept(yen.DisputeID).Result, ams.StatusSuccess, ams.CodeSuccess)
	e.wantDispute(e.note(yen.PaymentID, ams.DisputeAccepted), yen.PaymentID, false)
	e.advance(payment.JudgeDelay)
	j := e.note(yen.PaymentID, ams.DisputeJudged)
	if j.DisputeJudgedAmount == nil || j.DisputeJudgedAmount.Value != "500" || j.DisputeJudgedAmount.Currency != "JPY" {
		t.Fatalf("yen DISPUTE_JUDGED: %+v", j)
	}
	e.wantDispute(j, yen.PaymentID, false)
	wantResult(t, e.refund(yen.PaymentID, uniq("ref"), "JPY", 502).Result, ams.StatusFail, ams.CodeRefundAmountExceed)
	wantResult(t, e.refund(yen.PaymentID, uniq("ref"), "JPY", 501).Result, ams.StatusSuccess, ams.CodeSuccess)
}

// TestReconciliationLostDispute: a dispute the merchant lost is a DISPUTE line of the day it
// was judged, debiting the judged amount (half the capture for a partial dispute), and
// settles the next day with the captures and refunds: the settlement files' total for the
// payments is what the store says the merchant kept, the captures less the refunds and the
// lost disputes, each converted at its payment's quote.
func TestReconciliationLostDispute(t *testing.T) {
	t.Parallel()
	e := newDisputeEnv(t)
	ctx := context.Background()
	day := e.clock.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	e.advance(day.Add(time.Hour).Sub(e.clock.Now()))
	p := e.pay(settleIn(payReq(disputeLostCard, "USD", 1500), "EUR"))
	wantResult(t, p.Result, ams.StatusSuccess, ams.CodeSuccess)
	half := e.pay(settleIn(payReq(disputeHalfCard, "USD", 1001), "EUR"))
	wantResult(t, half.Result, ams.StatusSuccess, ams.CodeSuccess)
	e.advance(sandbox.DisputeDelay)
	created := e.note(p.PaymentID, ams.DisputeCreated)
	partial := e.note(half.PaymentID, ams.DisputeCreated)
	// The undisputed part is refunded while the dispute is open.
	refund := e.refund(half.PaymentID, uniq("ref"), "USD", 300)
	wantResult(t, refund.Result, ams.StatusSuccess, ams.CodeSuccess)
	inq, err := e.c.InquiryRefund(ctx, &ams.InquiryRefundRequest{RefundID: refund.RefundID})
	if err != nil {
		t.Fatal(err)
	}
	refundDay := e.clock.Now().UTC().Truncate(24 * time.Hour)
	wantResult(t, e.accept(created.DisputeID).Result, ams.StatusSuccess, ams.CodeSuccess)
	wantResult(t, e.accept(partial.DisputeID).Result, ams.StatusSuccess, ams.CodeSuccess)
	e.advance(payment.JudgeDelay)
	e.note(p.PaymentID, ams.DisputeJudged)
	e.note(half.PaymentID, ams.DisputeJudged)
	d := e.stored(created.DisputeID)
	if d.JudgedAmount.Value != 1500 {
		t.Fatalf("judged %+v, want the whole capture against the merchant", d.JudgedAmount)
	}
	if hd := e.stored(partial.DisputeID); hd.JudgedAmount.Value != 500 {
		t.Fatalf("partial dispute judged %+v, want half the capture against the merchant", hd.JudgedAmount)
	}
	judged := d.ClosedAt.UTC().Truncate(24 * time.Hour)

	// The ARNs: the capture's on its dispute's notifications and on the CAPTURE and DISPUTE
	// lines, the refund's on inquiryRefund and the REFUND line; 23 digits, 2 for a sale, 7 for
	// a credit.
	arnOf := func(rows [][]string, typ, id string) string {
		t.Helper()
		col := func(name string) int { return slices.Index(rows[0], name) }
		for _, r := range rows[1:] {
			if len(r) == len(rows[0]) && r[col("transactionType")] == typ && (r[col("transactionId")] == id || r[col("originalTransactionId")] == id) {
				return r[col("ARN")]
			}
		}
		t.Fatalf("no %s line of %s in %v", typ, id, rows)
		return ""
	}
	arnFormat := regexp.MustCompile(`^[27]448899\d{16}$`)
	if !arnFormat.MatchString(created.ARN) || created.ARN[0] != '2' || partial.ARN == created.ARN || !arnFormat.MatchString(partial.ARN) {
		t.Errorf("dispute ARNs %q, %q", created.ARN, partial.ARN)
	}
	if judgedNote := e.note(p.PaymentID, ams.DisputeJudged); judgedNote.ARN != created.ARN {
		t.Errorf("DISPUTE_JUDGED ARN %q, DISPUTE_CREATED %q", judgedNote.ARN, created.ARN)
	}
	if inq.ARN == "" || inq.ARN[0] != '7' || !arnFormat.MatchString(inq.ARN) {
		t.Errorf("inquiryRefund arn %q", inq.ARN)
	}
	_, capDay := e.reportFile("transactions", day)
	if got := arnOf(capDay, report.TypeCapture, p.PaymentID); got != created.ARN {
		t.Errorf("CAPTURE line ARN %q, the dispute's %q", got, created.ARN)
	}
	if _, refDay := e.reportFile("transactions", refundDay); arnOf(refDay, report.TypeRefund, refund.RefundID) != inq.ARN {
		t.Errorf("REFUND line ARN %q, inquiryRefund %q", arnOf(refDay, report.TypeRefund, refund.RefundID), inq.ARN)
	}

	content, tx := e.reportFile("transactions", judged)
	if got := arnOf(tx, report.TypeDispute, partial.DisputeID); got != partial.ARN {
		t.Errorf("DISPUTE line ARN %q, the dispute's %q", got, partial.ARN)
	}
	if got := sums(t, tx, "transactionAmountValue", "transactionCurrency", report.TypeDispute); !sameSums(got, map[string]*big.Rat{"USD": big.NewRat(-20, 1)}) {
		t.Errorf("transaction details of the judgement's day: disputes %v, want USD -20 (15 and the half of 10.01)\n%s", got, content)
	}
	if !strings.Contains(content, ",-5.00,USD,") {
		t.Errorf("no DISPUTE line of -5.00 USD for the partial dispute:\n%s", content)
	}

	// The store's side: what the merchant kept of each payment, converted at its quote one
	// transaction at a time.
	want := new(big.Rat)
	for _, id := range []string{p.PaymentID, half.PaymentID} {
		stored, err := e.app.Store.PaymentGet(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		q := stored.Order.SettlementQuote
		if q == nil {
			t.Fatal("no settlement quote on a payment settled in EUR")
		}
		conv := func(v int64) *big.Rat {
			n, err := q.Convert(v)
			if err != nil {
				t.Fatal(err)
			}
			return major(t, "EUR", n)
		}
		cs, _ := e.app.Store.CaptureListByPayment(ctx, id)
		rs, _ := e.app.Store.RefundListByPayment(ctx, id)
		for _, c := range cs {
			want.Add(want, conv(c.Amount.Value))
		}
		for _, r := range rs {
			want.Sub(want, conv(r.Amount.Value))
		}
		dsp, err := e.app.Store.DisputeGetByPayment(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want.Sub(want, conv(dsp.JudgedAmount.Value))
	}
	// The captures settle on the day after the payments, the refund the day after it, the
	// disputes on the day after their judgement: together, what the store says.
	e.advance(judged.Add(48 * time.Hour).Sub(e.clock.Now()))
	got := new(big.Rat)
	var files strings.Builder
	for d := day.Add(24 * time.Hour); !d.After(judged.Add(24 * time.Hour)); d = d.Add(24 * time.Hour) {
		content, st := e.reportFile("settlements", d)
		files.WriteString(content)
		if s := sums(t, st, "settlementAmountValue", "settlementCurrency", report.TypeCapture, report.TypeRefund, report.TypeDispute)["EUR"]; s != nil {
			got.Add(got, s)
		}
	}
	if got.Cmp(want) != 0 {
		t.Errorf("settled %s EUR over the days, the store says %s\n%s", got.FloatString(2), want.FloatString(2), files.String())
	}
	content, st := e.reportFile("settlements", judged.Add(24*time.Hour))
	if n := len(sums(t, st, "transactionAmountValue", "transactionCurrency", report.TypeDispute)); n != 1 || !strings.Contains(content, ",-5.00,USD,") {
		t.Errorf("settlement of the judgement's day lacks the partial dispute:\n%s", content)
	}
}
