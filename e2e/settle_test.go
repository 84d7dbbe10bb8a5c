package e2e

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/cli"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/report"
	"github.com/cashierpay/cashier/internal/sandbox"
	"github.com/cashierpay/cashier/internal/store/sqlite"
)

func settleIn(r *ams.PayRequest, currency string) *ams.PayRequest {
	r.SettlementStrategy = &ams.SettlementStrategy{SettlementCurrency: currency}
	return r
}

// TestSettlementCurrency: a payment settled in another currency carries its quote and
// gross settlement amount in pay, inquiryPayment, notifyPayment and notifyRefund,
// converted in minor units and rounded half to even; a currency the merchant cannot settle
// in is refused and stores nothing.
func TestSettlementCurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()

	resp := e.pay(settleIn(payReq(visaOK, "USD", 1050), "EUR"))
	wantResult(t, resp.Result, "S", "SUCCESS")
	q := resp.SettlementQuote
	if g := resp.GrossSettlementAmount; g == nil || *g != (ams.Amount{Currency: "EUR", Value: "966"}) {
		t.Fatalf("grossSettlementAmount %+v, want EUR 966 (10.50 USD at 0.92)", g)
	}
	if q == nil || q.QuoteCurrencyPair != "USD/EUR" || q.QuotePrice != "0.92" || q.QuoteID == "" || !q.Guaranteed {
		t.Fatalf("settlementQuote %+v", q)
	}
	start, _ := time.Parse(time.RFC3339, q.QuoteStartTime)
	expiry, _ := time.Parse(time.RFC3339, q.QuoteExpiryTime)
	if now := e.clock.Now(); expiry.Sub(start) != 24*time.Hour || now.Before(start) || !now.Before(expiry) {
		t.Fatalf("quote from %s to %s at %s", q.QuoteStartTime, q.QuoteExpiryTime, now)
	}
	// The settlement currency is a parameter a retry repeats.
	first := settleIn(payReq(visaOK, "USD", 1050), "EUR")
	first.PaymentRequestID = resp.PaymentRequestID
	if again := e.pay(first); again.PaymentID != resp.PaymentID || *again.SettlementQuote != *q {
		t.Errorf("a retry answered %+v", again)
	}
	first.SettlementStrategy.SettlementCurrency = "GBP"
	wantResult(t, e.pay(first).Result, "F", "REPEAT_REQ_INCONSISTENT")
	inq := e.inquiry(resp.PaymentID)
	if *inq.GrossSettlementAmount != *resp.GrossSettlementAmount || *inq.SettlementQuote != *q {
		t.Fatalf("inquiry settles %+v at %+v, pay said %+v at %+v", inq.GrossSettlementAmount, inq.SettlementQuote, resp.GrossSettlementAmount, q)
	}
	notified := func(kind string) map[string]json.RawMessage {
		t.Helper()
		ns, err := e.app.Store.NotificationListByPayment(ctx, resp.PaymentID)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if n.Kind == kind {
				var body map[string]json.RawMessage
				if err := json.Unmarshal(n.Body, &body); err != nil {
					t.Fatal(err)
				}
				return body
			}
		}
		t.Fatalf("no %s", kind)
		return nil
	}
	body := notified(payment.NotifyPayment)
	if got := string(body["grossSettlementAmount"]); got != `{"currency":"EUR","value":"966"}` {
		t.Errorf("notifyPayment grossSettlementAmount %s", got)
	}
	// quotePrice is a JSON number, written exactly as the quote has it.
	if got := string(body["settlementQuote"]); !strings.Contains(got, `"quotePrice":0.92,`) || !strings.Contains(got, `"quoteId":"`+q.QuoteID+`"`) {
		t.Errorf("notifyPayment settlementQuote %s", got)
	}
	ref := e.refund(resp.PaymentID, uniq("refund"), "USD", 1050)
	wantResult(t, ref.Result, "S", "SUCCESS")
	if g := ref.GrossSettlementAmount; g == nil || *g != (ams.Amount{Currency: "EUR", Value: "966"}) || *ref.SettlementQuote != *q {
		t.Errorf("refund settles %+v at %+v", g, ref.SettlementQuote)
	}
	if inq, err := e.c.InquiryRefund(ctx, &ams.InquiryRefundRequest{RefundID: ref.RefundID}); err != nil || *inq.GrossSettlementAmount != *ref.GrossSettlementAmount || *inq.SettlementQuote != *q {
		t.Errorf("inquiryRefund: %+v %v", inq, err)
	}
	if got := string(notified(payment.NotifyRefund)["grossSettlementAmount"]); got != `{"currency":"EUR","value":"966"}` {
		t.Errorf("notifyRefund grossSettlementAmount %s: a full refund undoes the settlement", got)
	}

	// USD 10.01 and 10.03 at 150 JPY are 1501.5 and 1504.5 yen: half to even.
	for value, want := range map[int64]string{1001: "1502", 1003: "1504", 1002: "1503"} {
		r := e.pay(settleIn(payReq(visaOK, "USD", value), "JPY"))
		if g := r.GrossSettlementAmount; g == nil || g.Currency != "JPY" || g.Value != want {
			t.Errorf("USD %d minor units settle as %+v, want JPY %s", value, g, want)
		}
	}
	// The same currency needs no quote.
	if r := e.pay(settleIn(payReq(visaOK, "USD", 500), "USD")); r.Result.ResultStatus != "S" || r.SettlementQuote != nil || r.GrossSettlementAmount != nil {
		t.Errorf("USD settled in USD: %+v, quote %+v", r.Result, r.SettlementQuote)
	}

	for cur, code := range map[string]string{"CNY": "SETTLE_CONTRACT_NOT_MATCH", "XYZ": "CURRENCY_NOT_SUPPORT"} {
		req := settleIn(payReq(visaOK, "USD", 700), cur)
		wantResult(t, e.pay(req).Result, "F", code)
		got, err := e.c.InquiryPayment(ctx, &ams.InquiryPaymentRequest{PaymentRequestID: req.PaymentRequestID})
		if err != nil || got.Result.ResultCode != "ORDER_NOT_EXIST" {
			t.Errorf("settlement in %s stored a payment: %+v %v", cur, got, err)
		}
	}

	// A session locks its quote when it opens: EUR/GBP is 0.79/0.92, to 8 decimals.
	sreq := &ams.CreatePaymentSessionRequest{
		ProductCode: ams.ProductCashierPayment, PaymentRequestID: uniq("session"),
		Order:              &ams.Order{ReferenceOrderID: uniq("order"), OrderDescription: "Session order"},
		PaymentAmount:      &ams.Amount{Currency: "EUR", Value: "2000"},
		PaymentRedirectURL: "https://merchant.example/return",
		SettlementStrategy: &ams.SettlementStrategy{SettlementCurrency: "GBP"},
	}
	if sess, err := e.c.CreatePaymentSession(ctx, sreq); err != nil || sess.Result.ResultStatus != "S" {
		t.Fatalf("createPaymentSession: %+v %v", sess, err)
	}
	got, err := e.c.InquiryPayment(ctx, &ams.InquiryPaymentRequest{PaymentRequestID: sreq.PaymentRequestID})
	if err != nil {
		t.Fatal(err)
	}
	if sq := got.SettlementQuote; sq == nil || sq.QuoteCurrencyPair != "EUR/GBP" || sq.QuotePrice != "0.85869565" || *got.GrossSettlementAmount != (ams.Amount{Currency: "GBP", Value: "1717"}) {
		t.Errorf("session settles %+v at %+v", got.GrossSettlementAmount, sq)
	}
}

// TestInquireExchangeRate: quotes of pairs, of a payment currency against each settlement
// currency, at the rates the sandbox's table has, which the CLI changes.
func TestInquireExchangeRate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	inquire := func(req *ams.InquireExchangeRateRequest) *ams.InquireExchangeRateResponse {
		t.Helper()
		resp, err := e.c.InquireExchangeRate(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := inquire(&ams.InquireExchangeRateRequest{CurrencyPairs: []ams.CurrencyPair{{SellCurrency: "USD", BuyCurrency: "EUR"}, {SellCurrency: "EUR", BuyCurrency: "USD"}}})
	wantResult(t, resp.Result, "S", "SUCCESS")
	if len(resp.Quotes) != 2 || resp.Quotes[0].QuotePrice != "0.92" || resp.Quotes[1].QuotePrice != "1.08695652" || resp.Quotes[1].QuoteCurrencyPair != "EUR/USD" {
		t.Fatalf("quotes %+v", resp.Quotes)
	}
	usdEUR := resp.Quotes[0]
	// The quote of a pay made now is the one inquireExchangeRate gave.
	if p := e.pay(settleIn(payReq(visaOK, "USD", 100), "EUR")); p.SettlementQuote == nil || *p.SettlementQuote != usdEUR {
		t.Errorf("pay quoted %+v, inquireExchangeRate %+v", p.SettlementQuote, usdEUR)
	}
	all := inquire(&ams.InquireExchangeRateRequest{PaymentCurrency: "JPY"})
	if len(all.Quotes) != 7 || all.Quotes[0].QuoteCurrencyPair != "JPY/AUD" {
		t.Errorf("JPY against the settlement currencies: %+v", all.Quotes)
	}

	var out bytes.Buffer
	if code := cli.Main(ctx, []string{"sandbox", "rates", "set", "EUR", "0.9", "--data", e.dir, "--db", e.db}, &out, &out); code != 0 {
		t.Fatalf("rates set: %s", out.String())
	}
	again := inquire(&ams.InquireExchangeRateRequest{SellCurrency: "USD", BuyCurrency: "EUR"})
	if len(again.Quotes) != 1 || again.Quotes[0].QuotePrice != "0.9" || again.Quotes[0].QuoteID == usdEUR.QuoteID {
		t.Errorf("after setting EUR at 0.9: %+v", again.Quotes)
	}
	if code := cli.Main(ctx, []string{"sandbox", "rates", "set", "EUR", "-1", "--data", e.dir, "--db", e.db}, &out, &out); code == 0 {
		t.Error("a negative rate was set")
	}

	for body, code := range map[string]string{
		`{}`:                     "PARAM_ILLEGAL",
		`{"sellCurrency":"USD"}`: "PARAM_ILLEGAL",
		`{"sellCurrency":"USD","buyCurrency":"QQQ"}`:  "CURRENCY_NOT_SUPPORT",
		`{"paymentCurrency":"USD","rateType":"SPOT"}`: "PARAM_ILLEGAL",
		`{"sellCurrency":"USD","buyCurrency":"XOF"}`:  "SETTLE_CONTRACT_NOT_MATCH",
	} {
		ex, err := e.c.Send(ctx, ams.APIInquireExchangeRate, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		var r ams.ErrorResponse
		if err := json.Unmarshal(ex.ResponseBody, &r); err != nil || r.Result.ResultCode != code || r.Result.ResultStatus != "F" {
			t.Errorf("%s answered %s, want %s", body, ex.ResponseBody, code)
		}
	}
	ex, err := e.c.Send(ctx, ams.APIInquireExchangeRate, []byte(`{"sellCurrency":"USD","buyCurrency":"JPY"}`))
	if err != nil || !strings.Contains(string(ex.ResponseBody), `"quotePrice":150,`) {
		t.Errorf("quotePrice is not a JSON number: %s %v", ex.ResponseBody, err)
	}
}

// reportFile fetches a reconciliation file with the client's typed call and parses it.
func (e *env) reportFile(kind string, day time.Time) (string, [][]string) {
	e.t.Helper()
	call := map[string]func(context.Context, *ams.ReportRequest) (*ams.ReportResponse, error){
		"transactions": e.c.TransactionReport, "settlements": e.c.SettlementReport, "summary": e.c.SettlementSummary,
	}[kind]
	resp, err := call(context.Background(), &ams.ReportRequest{StartDate: day.Format(time.DateOnly)})
	if err != nil || resp.Result.ResultStatus != "S" {
		e.t.Fatalf("%s report: %+v %v", kind, resp, err)
	}
	rows, err := resp.Rows()
	if err != nil {
		e.t.Fatalf("%s report: %v\n%s", kind, err, resp.Content)
	}
	if want := fmt.Sprintf("_%s_%s_%s.csv", e.c.ClientID(), day.Format("20060102"), day.Format("20060102")); !strings.HasSuffix(resp.FileName, want) {
		e.t.Errorf("%s report named %q", kind, resp.FileName)
	}
	return resp.Content, rows
}

// sums adds a column of decimal amounts by the currency of another, for rows whose type
// column is one of types.
func sums(t testing.TB, rows [][]string, valueCol, currencyCol string, types ...string) map[string]*big.Rat {
	t.Helper()
	idx := map[string]int{}
	for i, h := range rows[0] {
		idx[h] = i
	}
	out := map[string]*big.Rat{}
	for _, r := range rows[1:] {
		if !slices.Contains(types, r[idx["transactionType"]]) {
			continue
		}
		v, ok := new(big.Rat).SetString(r[idx[valueCol]])
		if !ok {
			t.Fatalf("%s %q is not a decimal", valueCol, r[idx[valueCol]])
		}
		cur := r[idx[currencyCol]]
		if out[cur] == nil {
			out[cur] = new(big.Rat)
		}
		out[cur].Add(out[cur], v)
	}
	return out
}

// TestReconciliationFiles: the day's transaction details and the next day's settlement
// details reconcile with the payments, captures and refunds in the store: the captures
// less the refunds of each currency, and what they settle as, at each payment's quote.
func TestReconciliationFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	// Start at 01:00 on a day of the test clock, so that every transaction falls on it.
	day := e.clock.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	e.advance(day.Add(time.Hour).Sub(e.clock.Now()))

	a := e.pay(settleIn(payReq(visaOK, "USD", 1001), "JPY")) // auto capture, settled in JPY
	b := e.pay(settleIn(manual(payReq(visaOK, "USD", 2000)), "EUR"))
	wantResult(t, e.capture(b.PaymentID, uniq("capture"), "USD", 2000).Result, "S", "SUCCESS")
	wantResult(t, e.refund(b.PaymentID, uniq("refund"), "USD", 333).Result, "S", "SUCCESS")
	c := e.pay(payReq(visaOK, "JPY", 5000))
	wantResult(t, e.refund(c.PaymentID, uniq("refund"), "JPY", 5000).Result, "S", "SUCCESS")
	d := e.pay(manual(payReq(visaOK, "KWD", 1234)))
	wantResult(t, e.cancel(d.PaymentID).Result, "S", "SUCCESS")
	wantResult(t, e.pay(payReq(visaDecl, "USD", 900)).Result, "F", "DO_NOT_HONOR")
	for _, r := range []*ams.PayResponse{a, b, c, d} {
		wantResult(t, r.Result, "S", "SUCCESS")
	}

	// The store's side: captures less refunds, in each payment currency and converted at
	// each payment's quote into its settlement currency.
	want, wantSettled := map[string]*big.Rat{}, map[string]*big.Rat{}
	add := func(m map[string]*big.Rat, cur string, v *big.Rat) {
		if m[cur] == nil {
			m[cur] = new(big.Rat)
		}
		m[cur].Add(m[cur], v)
	}
	for _, id := range []string{a.PaymentID, b.PaymentID, c.PaymentID, d.PaymentID} {
		p, err := e.app.Store.PaymentGet(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		cs, _ := e.app.Store.CaptureListByPayment(ctx, id)
		rs, _ := e.app.Store.RefundListByPayment(ctx, id)
		var net int64
		for _, c := range cs {
			if c.Status == payment.Success {
				net += c.Amount.Value
			}
		}
		for _, r := range rs {
			if r.Status == payment.Success {
				net -= r.Amount.Value
			}
		}
		add(want, p.Amount.Currency, major(t, p.Amount.Currency, net))
		// Each transaction converts on its own, rounded: the sum of the rounded amounts.
		settleCur, conv := p.Amount.Currency, func(v int64) int64 { return v }
		if q := p.Order.SettlementQuote; q != nil {
			settleCur = q.Buy
			conv = func(v int64) int64 {
				n, err := q.Convert(v)
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
		}
		for _, c := range cs {
			add(wantSettled, settleCur, major(t, settleCur, conv(c.Amount.Value)))
		}
		for _, r := range rs {
			add(wantSettled, settleCur, major(t, settleCur, -conv(r.Amount.Value)))
		}
	}

	content, tx := e.reportFile("transactions", day)
	if got := sums(t, tx, "transactionAmountValue", "transactionCurrency", report.TypeCapture, report.TypeRefund); !sameSums(got, want) {
		t.Errorf("transaction details: captures less refunds %v, the store %v\n%s", got, want, content)
	}
	counts := map[string]int{}
	for _, r := range tx[1:] {
		counts[r[2]]++
	}
	if counts[report.TypeAuthorization] != 4 || counts[report.TypeCapture] != 3 || counts[report.TypeRefund] != 2 || counts[report.TypeCancel] != 1 {
		t.Errorf("transaction types %v\n%s", counts, content)
	}

	// Nothing settles until the next day has come.
	if _, rows := e.reportFile("settlements", day.Add(24*time.Hour)); len(rows) != 1 {
		t.Errorf("settled before the day came: %v", rows)
	}
	e.advance(24 * time.Hour)
	content, st := e.reportFile("settlements", day.Add(24*time.Hour))
	if got := sums(t, st, "settlementAmountValue", "settlementCurrency", report.TypeCapture, report.TypeRefund); !sameSums(got, wantSettled) {
		t.Errorf("settlement details: %v, the store at the quotes %v\n%s", got, wantSettled, content)
	}
	if got := sums(t, st, "transactionAmountValue", "transactionCurrency", report.TypeCapture, report.TypeRefund); !sameSums(got, want) {
		t.Errorf("settlement details in the payment currencies: %v, the store %v", got, want)
	}
	if !strings.Contains(content, "-"+day.Add(24*time.Hour).Format("20060102")+"-JPY") {
		t.Errorf("no JPY batch of the next day:\n%s", content)
	}

	// The summary of the same day: each batch's rows by type add up to the settlement
	// details of that batch and type, its TOTAL to the whole batch, and all of them to the
	// store.
	content, sum := e.reportFile("summary", day.Add(24*time.Hour))
	col := func(rows [][]string, name string) int { return slices.Index(rows[0], name) }
	type key struct{ batch, typ string }
	detail, summed := map[key]*big.Rat{}, map[key]*big.Rat{}
	counts = map[string]int{}
	for _, r := range st[1:] {
		for _, k := range []key{{r[col(st, "settlementBatchId")], r[col(st, "transactionType")]}, {r[col(st, "settlementBatchId")], report.SummaryTotal}} {
			v, _ := new(big.Rat).SetString(r[col(st, "settlementAmountValue")])
			if detail[k] == nil {
				detail[k] = new(big.Rat)
			}
			detail[k].Add(detail[k], v)
			counts[k.batch+"/"+k.typ]++
		}
	}
	totals := map[string]*big.Rat{}
	for _, r := range sum[1:] {
		k := key{r[col(sum, "settlementBatchId")], r[col(sum, "summaryType")]}
		v, ok := new(big.Rat).SetString(r[col(sum, "settlementAmountValue")])
		if !ok || r[col(sum, "customerId")] != e.app.SandboxClient.ClientID {
			t.Fatalf("summary row %v", r)
		}
		if summed[k] == nil {
			summed[k] = new(big.Rat)
		}
		summed[k].Add(summed[k], v)
		n, _ := strconv.Atoi(r[col(sum, "count")])
		counts[k.batch+"/"+k.typ] -= n
		if k.typ == report.SummaryTotal {
			cur := r[col(sum, "settlementCurrency")]
			if totals[cur] == nil {
				totals[cur] = new(big.Rat)
			}
			totals[cur].Add(totals[cur], v)
		}
	}
	if !sameSums(totals, wantSettled) {
		t.Errorf("settlement summary TOTALs %v, the store at the quotes %v\n%s", totals, wantSettled, content)
	}
	if len(detail) != len(summed) {
		t.Errorf("the summary has %d batch rows, the details %d kinds of batch line\n%s", len(summed), len(detail), content)
	}
	for k, v := range detail {
		if summed[k] == nil || summed[k].Cmp(v) != 0 {
			t.Errorf("%v: the summary says %v, the details add up to %v", k, summed[k], v)
		}
	}
	for k, n := range counts {
		if n != 0 {
			t.Errorf("%s: the summary counts %d lines more or less than the details", k, -n)
		}
	}
	byType := append([][]string{slices.Clone(sum[0])}, sum[1:]...)
	byType[0][col(sum, "summaryType")] = "transactionType"
	if got := sums(t, byType, "transactionAmountValue", "transactionCurrency", report.TypeCapture, report.TypeRefund); !sameSums(got, want) {
		t.Errorf("settlement summary in the payment currencies: %v, the store %v", got, want)
	}

	if r, err := e.c.SettlementSummary(ctx, &ams.ReportRequest{StartDate: day.Format(time.DateOnly), EndDate: "2026-13-01"}); err != nil ||
		r.Result.ResultStatus != "F" || r.Result.ResultCode != "PARAM_ILLEGAL" || !strings.Contains(r.Result.ResultMessage, "endDate") {
		t.Errorf("a summary to month 13: %+v %v", r, err)
	}

	// The CLI writes the same files, at the gateway's business time: the test clock's lead,
	// which the CLI reads from the store, as the sandbox's test clock records it.
	if _, err := e.app.Store.ClockAdvance(ctx, e.clock.Now().Sub(time.Now())); err != nil {
		t.Fatal(err)
	}
	for kind, on := range map[string]time.Time{"transactions": day, "summary": day.Add(24 * time.Hour)} {
		out := filepath.Join(t.TempDir(), kind+".csv")
		var log bytes.Buffer
		if code := cli.Main(ctx, []string{"report", kind, "--merchant", e.app.SandboxClient.ClientID, "--from", on.Format(time.DateOnly),
			"--out", out, "--data", e.dir, "--db", e.db}, &log, &log); code != 0 {
			t.Fatalf("report %s: %s", kind, log.String())
		}
		_, rows := e.reportFile(kind, on)
		if file, _ := os.ReadFile(out); string(file) != joinCSV(t, rows) {
			t.Errorf("report %s: the CLI wrote\n%s\nthe route\n%s", kind, file, joinCSV(t, rows))
		}
	}
}

func joinCSV(t testing.TB, rows [][]string) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.String() + "<END>\n"
}

func major(t testing.TB, currency string, minor int64) *big.Rat {
	exp, ok := ams.CurrencyExponent(currency)
	if !ok {
		t.Fatalf("no exponent for %s", currency)
	}
	return new(big.Rat).SetFrac(big.NewInt(minor), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil))
}

func sameSums(a, b map[string]*big.Rat) bool {
	for _, m := range []map[string]*big.Rat{a, b} {
		for cur := range m {
			x, y := a[cur], b[cur]
			if x == nil {
				x = new(big.Rat)
			}
			if y == nil {
				y = new(big.Rat)
			}
			if x.Cmp(y) != 0 {
				return false
			}
		}
	}
	return true
}

// TestProductionSettlesInPaymentCurrency: a production gateway has no rate table: it
// settles each payment in its own currency, refuses another as the merchant's contract
// does, serves no inquireExchangeRate and takes no paymentQuote.
func TestProductionSettlesInPaymentCurrency(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	records, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "acquirer.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { records.Close() })
	opts := cli.Options{DataDir: dir, DB: testDB(t), Production: true, Issuer: sandbox.NewIssuer(clock.Real{}, records), ACS: sandbox.ACS{},
		Logger: slog.New(slog.DiscardHandler)}
	app, err := cli.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler)
	t.Cleanup(func() { srv.Close(); app.Close() })
	shop := addShop(ctx, t, app, dir, opts.DB, srv.URL)
	resp, err := shop.Pay(ctx, settleIn(manual(payReq(visaOK, "USD", 700)), "EUR"))
	if err != nil {
		t.Fatal(err)
	}
	wantResult(t, resp.Result, "F", "SETTLE_CONTRACT_NOT_MATCH")
	if resp, err = shop.Pay(ctx, settleIn(manual(payReq(visaOK, "USD", 700)), "USD")); err != nil || resp.Result.ResultStatus != "S" || resp.SettlementQuote != nil {
		t.Fatalf("settled in its own currency: %+v %v", resp, err)
	}
	rates, err := shop.InquireExchangeRate(ctx, &ams.InquireExchangeRateRequest{SellCurrency: "USD", BuyCurrency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	wantResult(t, rates.Result, "F", "NO_INTERFACE_DEF")
	// Nor does it charge cards in another currency at a quote (paymentQuote): the contract
	// has no foreign-exchange pricing.
	quoted := payReq(visaOK, "USD", 700)
	quoted.PaymentQuote = &ams.Quote{QuoteID: "FXQ20261206USDJPY8b016ba9"}
	if resp, err = shop.Pay(ctx, quoted); err != nil {
		t.Fatal(err)
	}
	wantResult(t, resp.Result, "F", "INVALID_CONTRACT")
}
