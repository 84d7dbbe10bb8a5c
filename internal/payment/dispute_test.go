package payment

import (
	"testing"
	"time"
)

var raisedAt = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// openDispute is a USD 1.00 dispute raised at raisedAt.
func openDispute() *Dispute {
	d := &Dispute{Amount: usd100, Status: DisputeScheduled, RaisedAt: raisedAt}
	d.Raise(captured(), raisedAt)
	return d
}

// captured is the USD 1.00 payment captured in full that disputes are about.
func captured() *Payment {
	p := authorized()
	p.CaptureState, p.CapturedValue = CaptureCaptured, usd100.Value
	return p
}

func TestDisputeSchedule(t *testing.T) {
	d := &Dispute{Amount: usd100, Status: DisputeScheduled, RaisedAt: raisedAt}
	d.Schedule()
	if !d.NextActionAt.Equal(raisedAt) {
		t.Fatalf("scheduled: next action %s, want the raise time", d.NextActionAt)
	}
	d.Raise(captured(), raisedAt.Add(time.Minute))
	due := raisedAt.Add(time.Minute + DefenseWindow)
	if !d.DefenseDueAt.Equal(due) || !d.NextActionAt.Equal(due.Add(-DefenseDueAlert)) {
		t.Fatalf("raised: due %s next %s, want due %s and the alert a day before", d.DefenseDueAt, d.NextActionAt, due)
	}
	d.Alerted = true
	d.Schedule()
	if !d.NextActionAt.Equal(due) {
		t.Fatalf("alerted: next action %s, want the deadline %s", d.NextActionAt, due)
	}
	at := raisedAt.Add(time.Hour)
	d.Respond("", "", at)
	if d.Status != DisputeAccepted || !d.NextActionAt.Equal(at.Add(JudgeDelay)) {
		t.Fatalf("accepted: %s next %s, want judged %s later", d.Status, d.NextActionAt, JudgeDelay)
	}
	d.Close(VerdictBuyerWins, at.Add(JudgeDelay))
	if !d.NextActionAt.IsZero() {
		t.Fatalf("judged: next action %s, want none", d.NextActionAt)
	}
}

func TestCheckRespond(t *testing.T) {
	const doc, other = "JVBERi0x", "JVBERi0y"
	for _, c := range []struct {
		name     string
		change   func(*Dispute)
		evidence string
		at       time.Time
		done     bool
		code     string
	}{
		{"accept an open dispute", nil, "", raisedAt.Add(time.Hour), false, ""},
		{"defend an open dispute", nil, doc, raisedAt.Add(time.Hour), false, ""},
		{"defend just before the deadline", nil, doc, raisedAt.Add(DefenseWindow - time.Microsecond), false, ""},
		{"defend at the deadline", nil, doc, raisedAt.Add(DefenseWindow), false, CodeTimeExceedsLimit},
		{"accept after the deadline", nil, "", raisedAt.Add(DefenseWindow + time.Hour), false, CodeTimeExceedsLimit},
		{"accept again", func(d *Dispute) { d.Respond("", "", raisedAt) }, "", raisedAt.Add(time.Hour), true, ""},
		{"defend an accepted dispute", func(d *Dispute) { d.Respond("", "", raisedAt) }, doc, raisedAt.Add(time.Hour), false, CodeRepeatRequest},
		{"the same defence again", func(d *Dispute) { d.Respond(doc, "PDF", raisedAt) }, doc, raisedAt.Add(time.Hour), true, ""},
		{"another defence", func(d *Dispute) { d.Respond(doc, "PDF", raisedAt) }, other, raisedAt.Add(time.Hour), false, CodeRepeatRequest},
		{"accept a defended dispute", func(d *Dispute) { d.Respond(doc, "PDF", raisedAt) }, "", raisedAt.Add(time.Hour), false, CodeRepeatRequest},
		{"defend a judged dispute", func(d *Dispute) { d.Close(VerdictMerchantWins, raisedAt) }, doc, raisedAt.Add(time.Hour), false, CodeTimeExceedsLimit},
		{"accept a cancelled dispute", func(d *Dispute) { d.Close(VerdictWithdrawn, raisedAt) }, "", raisedAt.Add(time.Hour), false, CodeTimeExceedsLimit},
		{"accept a scheduled dispute", func(d *Dispute) { d.Status = DisputeScheduled }, "", raisedAt.Add(time.Hour), false, CodeTimeExceedsLimit},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := openDispute()
			if c.change != nil {
				c.change(d)
			}
			done, err := d.CheckRespond(c.evidence, c.at)
			if done != c.done || code(err) != c.code {
				t.Fatalf("CheckRespond = %v, %q; want %v, %q", done, code(err), c.done, c.code)
			}
		})
	}
}

func TestDisputeClose(t *testing.T) {
	at := raisedAt.Add(3 * 24 * time.Hour)
	for _, c := range []struct {
		name    string
		respond func(*Dispute)
		verdict Verdict
		status  DisputeStatus
		result  string
		reason  string
		debit   int64
	}{
		{"defended and won", func(d *Dispute) { d.Respond("JVBERi0x", "PDF", raisedAt) }, VerdictMerchantWins, DisputeJudged, JudgedForMerchant, "", 0},
		{"defended and lost", func(d *Dispute) { d.Respond("JVBERi0x", "PDF", raisedAt) }, VerdictBuyerWins, DisputeJudged, JudgedForBuyer, "", 100},
		{"accepted", func(d *Dispute) { d.Respond("", "", raisedAt) }, VerdictBuyerWins, DisputeJudged, JudgedForBuyer, AcceptedByMerchant, 100},
		{"unanswered", func(*Dispute) {}, VerdictBuyerWins, DisputeJudged, JudgedForBuyer, AcceptedOnTimeout, 100},
		{"withdrawn", func(*Dispute) {}, VerdictWithdrawn, DisputeCancelled, "", "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := openDispute()
			c.respond(d)
			d.Close(c.verdict, at)
			if d.Status != c.status || d.JudgedResult != c.result || d.AcceptReason != c.reason || d.JudgedAmount.Value != c.debit || !d.ClosedAt.Equal(at) {
				t.Fatalf("closed: %s %q %q debit %d at %s; want %s %q %q debit %d", d.Status, d.JudgedResult, d.AcceptReason, d.JudgedAmount.Value, d.ClosedAt, c.status, c.result, c.reason, c.debit)
			}
			if c.result != "" && d.JudgedAmount.Currency != "USD" {
				t.Fatalf("judged amount %+v has no currency", d.JudgedAmount)
			}
		})
	}
}

func TestEvidenceFormat(t *testing.T) {
	for _, c := range []struct {
		doc, want string
	}{
		{"%PDF-1.7\n", "PDF"},
		{"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest", "WORD"},
		{"PK\x03\x04....word/document.xml", "WORD"},
		{"PK\x03\x04....photos/1.jpg", "ZIP"},
		{"\xFF\xD8\xFF\xE0JFIF", "JPG"},
		{"%PDF", ""},
		{"hello", ""},
		{"", ""},
	} {
		if got := EvidenceFormat([]byte(c.doc)); got != c.want {
			t.Errorf("EvidenceFormat(%q) = %q, want %q", c.doc, got, c.want)
		}
	}
}

func TestDisputeRaiseAfterRefunds(t *testing.T) {
	for _, c := range []struct {
		refunded int64
		status   DisputeStatus
		amount   int64
	}{
		{0, DisputeOpen, 100},
		{30, DisputeOpen, 70},
		{100, DisputeDropped, 0},
	} {
		p := captured()
		p.RefundedValue = c.refunded
		d := &Dispute{Amount: usd100, Status: DisputeScheduled, RaisedAt: raisedAt}
		d.Raise(p, raisedAt)
		if d.Status != c.status || d.Amount.Value != c.amount || (c.status == DisputeDropped) != d.Hidden() || (d.Hidden() && !d.NextActionAt.IsZero()) {
			t.Errorf("refunded %d: raised %s for %d, next %s; want %s for %d", c.refunded, d.Status, d.Amount.Value, d.NextActionAt, c.status, c.amount)
		}
	}
}

func TestDisputeCheckRefund(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*Dispute)
		code   string
	}{
		{"scheduled", func(d *Dispute) { d.Status = DisputeScheduled }, ""},
		{"open", func(*Dispute) {}, CodeOrderStatusInvalid},
		{"defended", func(d *Dispute) { d.Respond("JVBERi0x", "PDF", raisedAt) }, CodeOrderStatusInvalid},
		{"accepted", func(d *Dispute) { d.Respond("", "", raisedAt) }, CodeOrderStatusInvalid},
		{"won", func(d *Dispute) { d.Close(VerdictMerchantWins, raisedAt) }, ""},
		{"lost", func(d *Dispute) { d.Close(VerdictBuyerWins, raisedAt) }, CodeOrderStatusInvalid},
		{"withdrawn", func(d *Dispute) { d.Close(VerdictWithdrawn, raisedAt) }, ""},
	} {
		d := openDispute()
		c.change(d)
		if got := code(d.CheckRefund(captured(), 1)); got != c.code {
			t.Errorf("%s: CheckRefund = %q, want %q", c.name, got, c.code)
		}
	}
}

// A partial dispute holds its amount only: refunds may take the rest of the capture, while
// it is open and once it is lost, and everything once the merchant won it.
func TestPartialDisputeCheckRefund(t *testing.T) {
	for _, c := range []struct {
		name     string
		refunded int64
		change   func(*Dispute)
		amount   int64
		code     string
	}{
		{"open, the rest", 0, func(*Dispute) {}, 60, ""},
		{"open, more than the rest", 0, func(*Dispute) {}, 61, CodeRefundAmountExceed},
		{"open, the rest after a refund", 20, func(*Dispute) {}, 40, ""},
		{"open, more than the rest after a refund", 20, func(*Dispute) {}, 41, CodeRefundAmountExceed},
		{"open, nothing left after refunds", 60, func(*Dispute) {}, 1, CodeOrderStatusInvalid},
		{"accepted, the rest", 0, func(d *Dispute) { d.Respond("", "", raisedAt) }, 60, ""},
		{"lost, the rest", 0, func(d *Dispute) { d.Close(VerdictBuyerWins, raisedAt) }, 60, ""},
		{"lost, more than the rest", 0, func(d *Dispute) { d.Close(VerdictBuyerWins, raisedAt) }, 61, CodeRefundAmountExceed},
		{"lost, nothing left", 60, func(d *Dispute) { d.Close(VerdictBuyerWins, raisedAt) }, 1, CodeOrderStatusInvalid},
		{"won, everything", 0, func(d *Dispute) { d.Close(VerdictMerchantWins, raisedAt) }, 100, ""},
	} {
		d := &Dispute{Amount: Amount{Currency: "USD", Value: 40}, Status: DisputeScheduled, RaisedAt: raisedAt}
		d.Raise(captured(), raisedAt)
		c.change(d)
		p := captured()
		p.RefundedValue = c.refunded
		if got := code(d.CheckRefund(p, c.amount)); got != c.code {
			t.Errorf("%s: CheckRefund(%d) = %q, want %q", c.name, c.amount, got, c.code)
		}
	}
}
