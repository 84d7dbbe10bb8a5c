package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
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

// disputed pays with card (captured at once, or by capture when manualCapture), moves the
// clock past sandbox.DisputeDelay and returns DISPUTE_CREATED.
func (e *disputeEnv) disputed(card string, value int64, manualCapture bool) ams.DisputeNotification {
	e.t.Helper()
	req := payReq(card, "USD", value)
	if manualCapture {
		req = manual(req)
	}
	p := e.pay(req)
	wantResult(e.t, p.Result, ams.StatusSuccess, ams.CodeSuccess)
	if manualCapture {
		wantResult(e.t, e.capture(p.PaymentID, uniq("cap"), "USD", value).Result, ams.StatusSuccess, ams.CodeSuccess)
	}
	e.advance(sandbox.DisputeDelay)
	created := e.note(p.PaymentID, ams.DisputeCreated)
	if created.DisputeID == "" || created.PaymentRequestID != req.PaymentRequestID ||
		created.DisputeAmount == nil || created.DisputeAmount.Currency != "USD" || created.DisputeAmount.Value != strconv.FormatInt(value, 10) ||
		created.DisputeReasonCode == "" || created.DisputeSource == "" {
		e.t.Fatalf("DISPUTE_CREATED: %+v", created)
	}
	raised, err1 := ams.ParseTime(created.DisputeTime)
	due, err2 := ams.ParseTime(created.DefenseDueTime)
	if err1 != nil || err2 != nil || !due.Equal(raised.Add(payment.DefenseWindow)) {
		e.t.Fatalf("DISPUTE_CREATED times %q, %q: want the defence due %s after the dispute", created.DisputeTime, created.DefenseDueTime, payment.DefenseWindow)
	}
	return created
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
	e.note(created.PaymentID, ams.DefenseSupplied)
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
				e.note(created.PaymentID, ams.DisputeAccepted)
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
				e.advance(payment.DefenseDueAlert)
			}
			got := e.note(created.PaymentID, tc.note)
			if got.DisputeJudgedResult != tc.result || got.DisputeAcceptReason != tc.acceptReason {
				t.Fatalf("%s: result %q reason %q, want %q %q", tc.note, got.DisputeJudgedResult, got.DisputeAcceptReason, tc.result, tc.acceptReason)
			}
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

// TestReconciliationLostDispute: a dispute the merchant lost is a DISPUTE line of the day it
// was judged, debiting the judged amount, and settles the next day with the captures and
// refunds: the settlement file's total for the payment is what the store says the merchant
// kept, the capture less the dispute, converted at the payment's quote.
func TestReconciliationLostDispute(t *testing.T) {
	e := newDisputeEnv(t)
	ctx := context.Background()
	day := e.clock.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	e.advance(day.Add(time.Hour).Sub(e.clock.Now()))
	p := e.pay(settleIn(payReq(disputeLostCard, "USD", 1500), "EUR"))
	wantResult(t, p.Result, ams.StatusSuccess, ams.CodeSuccess)
	e.advance(sandbox.DisputeDelay)
	created := e.note(p.PaymentID, ams.DisputeCreated)
	wantResult(t, e.accept(created.DisputeID).Result, ams.StatusSuccess, ams.CodeSuccess)
	e.advance(payment.JudgeDelay)
	e.note(p.PaymentID, ams.DisputeJudged)
	d := e.stored(created.DisputeID)
	if d.JudgedAmount.Value != 1500 {
		t.Fatalf("judged %+v, want the whole capture against the merchant", d.JudgedAmount)
	}
	judged := d.ClosedAt.UTC().Truncate(24 * time.Hour)

	content, tx := e.reportFile("transactions", judged)
	if got := sums(t, tx, "transactionAmountValue", "transactionCurrency", report.TypeDispute); !sameSums(got, map[string]*big.Rat{"USD": big.NewRat(-15, 1)}) {
		t.Errorf("transaction details of the judgement's day: disputes %v, want USD -15\n%s", got, content)
	}

	stored, err := e.app.Store.PaymentGet(ctx, p.PaymentID)
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
	// The capture settles on the day after the payment, the dispute on the day after its
	// judgement, each converted on its own at the payment's quote: the merchant keeps nothing.
	e.advance(judged.Add(48 * time.Hour).Sub(e.clock.Now()))
	_, st := e.reportFile("settlements", day.Add(24*time.Hour))
	if got := sums(t, st, "settlementAmountValue", "settlementCurrency", report.TypeCapture, report.TypeRefund, report.TypeDispute); !sameSums(got, map[string]*big.Rat{"EUR": conv(1500)}) {
		t.Errorf("settled the day after the capture: %v, want EUR %s", got, conv(1500).FloatString(2))
	}
	content, st = e.reportFile("settlements", judged.Add(24*time.Hour))
	if got := sums(t, st, "settlementAmountValue", "settlementCurrency", report.TypeCapture, report.TypeRefund, report.TypeDispute); !sameSums(got, map[string]*big.Rat{"EUR": new(big.Rat).Neg(conv(1500))}) {
		t.Errorf("settled the day after the judgement: %v, want EUR -%s\n%s", got, conv(1500).FloatString(2), content)
	}
}
