// Package report writes the reconciliation files Antom gives its merchants: the
// transaction details, the settlement details and the settlement summary of a period, as
// CSV with a header row of field names and <END> as the last line (docs/reconciliation.md
// says which fields, and what Antom's docs leave open). All are drawn from the same lines,
// one per transaction that happened, which Sources reads from the store, one source a kind
// of transaction.
package report

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// Transaction types, as Antom's reports name them.
const (
	TypeAuthorization = "AUTHORIZATION"
	TypeCapture       = "CAPTURE"
	TypeRefund        = "REFUND"
	TypeCancel        = "CANCEL"
	TypeVoid          = "VOID"
	TypeDispute       = "DISPUTE"
)

// Acquirer is the acquirer column: cashier is the acquirer of its merchants.
const Acquirer = "cashier"

// Day is how long a settlement takes: a transaction completed on day T settles in the
// batch of day T+1 (UTC, on the gateway's clock, which a sandbox test clock moves).
const Day = 24 * time.Hour

// Line is one transaction of a merchant.
type Line struct {
	Type string
	// ID is the transaction's id (paymentId, captureId, refundId); OriginalID the payment's
	// for a transaction on a payment.
	ID, OriginalID               string
	RequestID, OriginalRequestID string
	Created, Completed           time.Time
	// Amount is what the transaction moves for the merchant: a refund is negative.
	Amount payment.Amount
	// Settles says whether the transaction moves money, and so is in a settlement batch.
	Settles bool
	// ARN is the acquirer reference number the scheme traces the transaction by: a
	// capture's, a refund's, or for a dispute the disputed capture's; "" for the others.
	ARN     string
	Payment *payment.Payment
}

// Source reads the lines of a kind of transaction completed within a period.
type Source func(ctx context.Context, q store.Queries, per store.Period) ([]Line, error)

// Sources are the kinds of transaction the files report.
var Sources = []Source{payments, captures, refunds, disputes}

// payments are the authorizations and the cancels (a merchant's cancel, or the release of
// an uncaptured authorization after 7 days: VOID).
func payments(ctx context.Context, q store.Queries, per store.Period) ([]Line, error) {
	ps, err := q.PaymentListPeriod(ctx, per)
	if err != nil {
		return nil, err
	}
	var out []Line
	in := func(t time.Time) bool { return !t.IsZero() && !t.Before(per.From) && t.Before(per.To) }
	for _, p := range ps {
		if in(p.PaidAt) {
			out = append(out, Line{Type: TypeAuthorization, ID: p.ID, RequestID: p.RequestID, Created: p.CreatedAt, Completed: p.PaidAt, Amount: p.Amount, Payment: p})
		}
		if in(p.CancelledAt) && !p.PaidAt.IsZero() {
			typ := TypeCancel
			if p.CancelReason == payment.CancelReleased {
				typ = TypeVoid
			}
			out = append(out, Line{Type: typ, ID: p.ID, OriginalID: p.ID, RequestID: p.RequestID, OriginalRequestID: p.RequestID,
				Created: p.CancelledAt, Completed: p.CancelledAt, Amount: p.Amount, Payment: p})
		}
	}
	return out, nil
}

func captures(ctx context.Context, q store.Queries, per store.Period) ([]Line, error) {
	cs, err := q.CaptureListCompleted(ctx, per)
	if err != nil {
		return nil, err
	}
	var out []Line
	pays := paymentCache{q: q}
	for _, c := range cs {
		if c.Status != payment.Success {
			continue
		}
		p, err := pays.get(ctx, c.PaymentID)
		if err != nil {
			return nil, err
		}
		out = append(out, Line{Type: TypeCapture, ID: c.ID, OriginalID: p.ID, RequestID: c.RequestID, OriginalRequestID: p.RequestID,
			Created: c.CreatedAt, Completed: c.CompletedAt, Amount: c.Amount, Settles: true, ARN: c.ARN, Payment: p})
	}
	return out, nil
}

func refunds(ctx context.Context, q store.Queries, per store.Period) ([]Line, error) {
	rs, err := q.RefundListCompleted(ctx, per)
	if err != nil {
		return nil, err
	}
	var out []Line
	pays := paymentCache{q: q}
	for _, r := range rs {
		if r.Status != payment.Success {
			continue
		}
		p, err := pays.get(ctx, r.PaymentID)
		if err != nil {
			return nil, err
		}
		out = append(out, Line{Type: TypeRefund, ID: r.ID, OriginalID: p.ID, RequestID: r.RequestID, OriginalRequestID: p.RequestID,
			Created: r.CreatedAt, Completed: r.CompletedAt, Amount: payment.Amount{Currency: r.Amount.Currency, Value: -r.Amount.Value}, Settles: true, ARN: r.ARN, Payment: p})
	}
	return out, nil
}

// disputes are the disputes the merchant lost: the amount judged against it is debited when
// the dispute is judged (DISPUTE, negative) and settles as a refund does. A dispute won,
// withdrawn or still open moves no money and has no line.
func disputes(ctx context.Context, q store.Queries, per store.Period) ([]Line, error) {
	ds, err := q.DisputeList(ctx, store.DisputeFilter{MerchantID: per.MerchantID, From: per.From, Until: per.To})
	if err != nil {
		return nil, err
	}
	var out []Line
	pays := paymentCache{q: q}
	for _, d := range ds {
		if d.JudgedAmount.Value == 0 || d.ClosedAt.Before(per.From) || !d.ClosedAt.Before(per.To) {
			continue
		}
		p, err := pays.get(ctx, d.PaymentID)
		if err != nil {
			return nil, err
		}
		out = append(out, Line{Type: TypeDispute, ID: d.ID, OriginalID: p.ID, OriginalRequestID: p.RequestID,
			Created: d.RaisedAt, Completed: d.ClosedAt, Amount: payment.Amount{Currency: d.JudgedAmount.Currency, Value: -d.JudgedAmount.Value}, Settles: true, ARN: d.ARN, Payment: p})
	}
	return out, nil
}

// paymentCache reads each payment of a file once.
type paymentCache struct {
	q store.Queries
	m map[string]*payment.Payment
}

func (c *paymentCache) get(ctx context.Context, id string) (*payment.Payment, error) {
	if p, ok := c.m[id]; ok {
		return p, nil
	}
	p, err := c.q.PaymentGet(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*payment.Payment{}
	}
	c.m[id] = p
	return p, nil
}

// Lines reads every source over per, in the order of the sources.
func Lines(ctx context.Context, q store.Queries, per store.Period) ([]Line, error) {
	var out []Line
	for _, src := range Sources {
		ls, err := src(ctx, q, per)
		if err != nil {
			return nil, err
		}
		out = append(out, ls...)
	}
	return out, nil
}

// Settlement is what a line settles as: its amount converted at the payment's quote when
// the merchant settles in another currency.
func Settlement(l Line) (payment.Amount, *payment.Quote, error) {
	q := l.Payment.Order.SettlementQuote
	if q == nil {
		return l.Amount, nil, nil
	}
	v, err := q.Convert(l.Amount.Value)
	return payment.Amount{Currency: q.Buy, Value: v}, q, err
}

// SettlementDate is the day of the batch a settling line is in.
func SettlementDate(l Line) time.Time { return l.Completed.UTC().Truncate(Day).Add(Day) }

// BatchID names the merchant's batch of a settlement date and currency.
func BatchID(merchantID string, date time.Time, currency string) string {
	return merchantID + "-" + date.Format("20060102") + "-" + currency
}

// Kind is one of the two files.
type Kind string

// The files.
const (
	Transactions Kind = "transactions"
	Settlements  Kind = "settlements"
	Summary      Kind = "summary"
)

// Request asks for a file: the merchant's transactions of the UTC days From to To, both
// included; for settlements and their summary, the batches whose settlement date is one of
// those days and has come at Now.
type Request struct {
	Kind     Kind
	Merchant *payment.Merchant
	From, To time.Time
	Now      time.Time
}

// Write writes the file r asks for to w.
func Write(ctx context.Context, q store.Queries, r Request, w io.Writer) error {
	from, to := r.From.UTC().Truncate(Day), r.To.UTC().Truncate(Day).Add(Day)
	if !from.Before(to) {
		return fmt.Errorf("the period ends (%s) before it starts (%s)", r.To.Format(time.DateOnly), r.From.Format(time.DateOnly))
	}
	var cols []column
	per := store.Period{MerchantID: r.Merchant.ID, From: from, To: to}
	switch r.Kind {
	case Transactions:
		cols = transactionColumns
	case Settlements, Summary:
		cols = settlementColumns
		// A batch of day D holds the transactions of day D-1, and exists once D has come.
		per.From, per.To = from.Add(-Day), to.Add(-Day)
		if today := r.Now.UTC().Truncate(Day); today.Before(per.To) {
			per.To = today
		}
	default:
		return fmt.Errorf("no such report %q: transactions, settlements or summary", r.Kind)
	}
	var lines []Line
	if per.From.Before(per.To) {
		var err error
		if lines, err = Lines(ctx, q, per); err != nil {
			return err
		}
	}
	cw := csv.NewWriter(w)
	if r.Kind == Summary {
		return writeSummary(cw, w, r.Merchant, lines)
	}
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.name
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, l := range lines {
		if r.Kind == Settlements && !l.Settles {
			continue
		}
		row := make([]string, len(cols))
		for i, c := range cols {
			v, err := c.value(r.Merchant, l)
			if err != nil {
				return fmt.Errorf("%s %s: %w", l.Type, l.ID, err)
			}
			row[i] = v
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	return end(cw, w)
}

// end closes a file cw writes to w with its <END> line.
func end(cw *csv.Writer, w io.Writer) error {
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "<END>\n")
	return err
}

// SummaryTotal is the summaryType of a batch's own row: every line of the batch, netted.
const SummaryTotal = "TOTAL"

// SummaryRow is a row of the settlement summary: the lines of a batch of one type and one
// transaction currency, counted and summed; or, of type TOTAL, all the lines of the batch,
// whose Transaction is then zero with no currency, a batch holding payments of several.
type SummaryRow struct {
	BatchID                 string
	Date                    time.Time
	Type                    string
	Count                   int
	Transaction, Settlement payment.Amount
}

// Summarize sums the settling lines of a merchant into rows ordered by batch, each batch's
// types in alphabetical order and its TOTAL last.
func Summarize(merchantID string, lines []Line) ([]SummaryRow, error) {
	type key struct{ batch, typ, currency string }
	rows := map[key]*SummaryRow{}
	for _, l := range lines {
		if !l.Settles {
			continue
		}
		a, _, err := Settlement(l)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", l.Type, l.ID, err)
		}
		date := SettlementDate(l)
		batch := BatchID(merchantID, date, a.Currency)
		for _, k := range []key{{batch, l.Type, l.Amount.Currency}, {batch, SummaryTotal, ""}} {
			r := rows[k]
			if r == nil {
				r = &SummaryRow{BatchID: batch, Date: date, Type: k.typ, Transaction: payment.Amount{Currency: k.currency}, Settlement: payment.Amount{Currency: a.Currency}}
				rows[k] = r
			}
			r.Count++
			var ok bool
			r.Settlement.Value, ok = sum(r.Settlement.Value, a.Value)
			if k.currency != "" && ok {
				r.Transaction.Value, ok = sum(r.Transaction.Value, l.Amount.Value)
			}
			if !ok {
				return nil, fmt.Errorf("batch %s: the %s lines sum past 64 bits of minor units", batch, k.typ)
			}
		}
	}
	out := make([]SummaryRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.BatchID != b.BatchID {
			return a.BatchID < b.BatchID
		}
		if (a.Type == SummaryTotal) != (b.Type == SummaryTotal) {
			return b.Type == SummaryTotal
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.Transaction.Currency < b.Transaction.Currency
	})
	return out, nil
}

// sum adds minor units, saying whether the sum fits.
func sum(a, b int64) (int64, bool) {
	s := a + b
	return s, (s > a) == (b > 0)
}

// summaryHeader are the settlement summary's columns. The fee columns are left out: cashier
// charges no fees, so the gross is the net (docs/reconciliation.md).
var summaryHeader = []string{"settlementBatchId", "customerId", "acquirer", "summaryType", "settlementTime", "count",
	"transactionAmountValue", "transactionCurrency", "settlementAmountValue", "settlementCurrency"}

func writeSummary(cw *csv.Writer, w io.Writer, m *payment.Merchant, lines []Line) error {
	rows, err := Summarize(m.ID, lines)
	if err != nil {
		return err
	}
	if err := cw.Write(summaryHeader); err != nil {
		return err
	}
	for _, r := range rows {
		value := ""
		if r.Transaction.Currency != "" {
			value = ams.FormatMajor(r.Transaction.Currency, r.Transaction.Value)
		}
		if err := cw.Write([]string{r.BatchID, m.ClientID, Acquirer, r.Type, wireTime(r.Date), strconv.Itoa(r.Count),
			value, r.Transaction.Currency, ams.FormatMajor(r.Settlement.Currency, r.Settlement.Value), r.Settlement.Currency}); err != nil {
			return err
		}
	}
	return end(cw, w)
}

// column is a field of a file and how a line gives its value.
type column struct {
	name  string
	value func(m *payment.Merchant, l Line) (string, error)
}

func text(name string, f func(m *payment.Merchant, l Line) string) column {
	return column{name, func(m *payment.Merchant, l Line) (string, error) { return f(m, l), nil }}
}

func settled(name string, f func(a payment.Amount, q *payment.Quote) string) column {
	return column{name, func(_ *payment.Merchant, l Line) (string, error) {
		if !l.Settles {
			return "", nil
		}
		a, q, err := Settlement(l)
		if err != nil {
			return "", err
		}
		return f(a, q), nil
	}}
}

var (
	colCustomer       = text("customerId", func(m *payment.Merchant, _ Line) string { return m.ClientID })
	colAcquirer       = text("acquirer", func(*payment.Merchant, Line) string { return Acquirer })
	colType           = text("transactionType", func(_ *payment.Merchant, l Line) string { return l.Type })
	colID             = text("transactionId", func(_ *payment.Merchant, l Line) string { return l.ID })
	colOriginalID     = text("originalTransactionId", func(_ *payment.Merchant, l Line) string { return l.OriginalID })
	colRequestID      = text("transactionRequestId", func(_ *payment.Merchant, l Line) string { return l.RequestID })
	colOriginalReq    = text("originalTransactionRequestId", func(_ *payment.Merchant, l Line) string { return l.OriginalRequestID })
	colReference      = text("referenceTransactionId", func(_ *payment.Merchant, l Line) string { return l.Payment.Order.ReferenceOrderID })
	colMethod         = text("paymentMethodType", func(*payment.Merchant, Line) string { return ams.PaymentMethodCard })
	colCreated        = text("transactionCreationTime", func(_ *payment.Merchant, l Line) string { return wireTime(l.Created) })
	colCompleted      = text("transactionCompletionTime", func(_ *payment.Merchant, l Line) string { return wireTime(l.Completed) })
	colProduct        = text("productCode", func(*payment.Merchant, Line) string { return ams.ProductCashierPayment })
	colAmount         = text("transactionAmountValue", func(_ *payment.Merchant, l Line) string { return ams.FormatMajor(l.Amount.Currency, l.Amount.Value) })
	colCurrency       = text("transactionCurrency", func(_ *payment.Merchant, l Line) string { return l.Amount.Currency })
	colSettleValue    = settled("settlementAmountValue", func(a payment.Amount, _ *payment.Quote) string { return ams.FormatMajor(a.Currency, a.Value) })
	colSettleCurrency = settled("settlementCurrency", func(a payment.Amount, _ *payment.Quote) string { return a.Currency })
	colPair           = settled("quoteCurrencyPair", func(_ payment.Amount, q *payment.Quote) string { return quoteField(q, payment.Quote.Pair) })
	colPrice          = settled("quotePrice", func(_ payment.Amount, q *payment.Quote) string {
		return quoteField(q, func(q payment.Quote) string { return q.Price })
	})
	colIssuingCountry = text("issuingCountry", func(_ *payment.Merchant, l Line) string { return l.Payment.Card.IssuingCountry })
	colBrand          = text("cardBrand", func(_ *payment.Merchant, l Line) string { return l.Payment.Card.Brand })
	colFunding        = text("funding", func(_ *payment.Merchant, l Line) string { return l.Payment.Card.Funding })
	colBatch          = text("settlementBatchId", func(m *payment.Merchant, l Line) string {
		a, _, _ := Settlement(l)
		return BatchID(m.ID, SettlementDate(l), a.Currency)
	})
	colSettlementTime = text("settlementTime", func(_ *payment.Merchant, l Line) string { return wireTime(SettlementDate(l)) })
	colARN            = text("ARN", func(_ *payment.Merchant, l Line) string { return l.ARN })
)

var transactionColumns = []column{
	colCustomer, colAcquirer, colType, colID, colOriginalID, colRequestID, colOriginalReq, colReference,
	text("orderDescription", func(_ *payment.Merchant, l Line) string { return l.Payment.Order.Description }),
	colMethod, colCreated, colCompleted, colProduct, colAmount, colCurrency,
	colSettleValue, colSettleCurrency, colPair, colPrice, colIssuingCountry, colBrand, colFunding, colARN,
}

var settlementColumns = []column{
	colBatch, colCustomer, colAcquirer, colType, colID, colOriginalID, colRequestID, colOriginalReq, colReference,
	colMethod, colCreated, colCompleted, colSettlementTime, colProduct, colAmount, colCurrency,
	colSettleValue, colSettleCurrency, colPair, colPrice, colIssuingCountry, colBrand, colFunding, colARN,
}

func quoteField(q *payment.Quote, f func(payment.Quote) string) string {
	if q == nil {
		return ""
	}
	return f(*q)
}

func wireTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Route answers a merchant's signed ams.ReportRequest for its own file of kind, read from q
// at the time now gives, with an ams.ReportResponse. Result codes: PARAM_ILLEGAL naming the
// field.
func Route(kind Kind, q store.Queries, now func() time.Time) func(ctx context.Context, m *payment.Merchant, body []byte) (any, error) {
	return func(ctx context.Context, m *payment.Merchant, body []byte) (any, error) {
		var req ams.ReportRequest
		if err := ams.Decode(body, &req); err != nil {
			return nil, payment.NewError(payment.CodeParamIllegal, err.Error())
		}
		from, err := time.Parse(time.DateOnly, req.StartDate)
		if err != nil {
			return nil, payment.Invalid("startDate", "must be a day as YYYY-MM-DD")
		}
		to := from
		if req.EndDate != "" {
			if to, err = time.Parse(time.DateOnly, req.EndDate); err != nil {
				return nil, payment.Invalid("endDate", "must be a day as YYYY-MM-DD")
			}
		}
		if to.Before(from) {
			return nil, payment.Invalid("endDate", "must not be before startDate")
		}
		if to.Sub(from) > MaxDays*Day {
			return nil, payment.Invalid("endDate", fmt.Sprintf("must be within %d days of startDate", MaxDays))
		}
		var buf strings.Builder
		if err := Write(ctx, q, Request{Kind: kind, Merchant: m, From: from, To: to, Now: now()}, &buf); err != nil {
			return nil, err
		}
		return ams.ReportResponse{Result: ams.SuccessResult(), FileName: FileName(kind, m, from, to), Content: buf.String()}, nil
	}
}

// MaxDays bounds the days of a file served over HTTP, which is built in memory.
const MaxDays = 31

// FileName names a file as Antom's SFTP folders do, by kind and days.
func FileName(kind Kind, m *payment.Merchant, from, to time.Time) string {
	name := "transactionDetails"
	switch kind {
	case Settlements:
		name = "settlementDetails"
	case Summary:
		name = "settlementSummary"
	}
	return fmt.Sprintf("%s_%s_%s_%s.csv", name, m.ClientID, from.Format("20060102"), to.Format("20060102"))
}
