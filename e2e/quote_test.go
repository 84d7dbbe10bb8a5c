package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/cli"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/sandbox"
	"github.com/cashierpay/cashier/internal/store/sqlite"
)

// recordingIssuer is the sandbox issuer, remembering the currency and amount of each
// authorization, capture and refund it is asked for, as "AUTH JPY 1502".
type recordingIssuer struct {
	issuer.Processor
	mu  sync.Mutex
	ops []string
}

func (r *recordingIssuer) record(op, currency string, amount int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, op+" "+currency+" "+strconv.FormatInt(amount, 10))
}

func (r *recordingIssuer) Authorize(ctx context.Context, req issuer.AuthRequest) (issuer.AuthResult, error) {
	r.record("AUTH", req.Currency, req.Amount)
	return r.Processor.Authorize(ctx, req)
}

func (r *recordingIssuer) Capture(ctx context.Context, ref, currency string, amount int64) (issuer.OpResult, error) {
	r.record("CAPTURE", currency, amount)
	return r.Processor.Capture(ctx, ref, currency, amount)
}

func (r *recordingIssuer) Refund(ctx context.Context, ref, currency string, amount int64) (issuer.OpResult, error) {
	r.record("REFUND", currency, amount)
	return r.Processor.Refund(ctx, ref, currency, amount)
}

// took returns the operations recorded since the last call.
func (r *recordingIssuer) took() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	ops := r.ops
	r.ops = nil
	return ops
}

// quote asks inquireExchangeRate for one pair.
func (e *env) quote(sell, buy string) ams.Quote {
	e.t.Helper()
	resp, err := e.c.InquireExchangeRate(context.Background(), &ams.InquireExchangeRateRequest{SellCurrency: sell, BuyCurrency: buy})
	if err != nil || resp.Result.ResultStatus != "S" || len(resp.Quotes) != 1 {
		e.t.Fatalf("inquireExchangeRate %s/%s: %+v %v", sell, buy, resp, err)
	}
	return resp.Quotes[0]
}

// notification is the body of the payment's notification of kind, the last one.
func (e *env) notification(paymentID, kind string) map[string]json.RawMessage {
	e.t.Helper()
	ns, err := e.app.Store.NotificationListByPayment(context.Background(), paymentID)
	if err != nil {
		e.t.Fatal(err)
	}
	var body map[string]json.RawMessage
	for _, n := range ns {
		if n.Kind == kind {
			body = nil
			if err := json.Unmarshal(n.Body, &body); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	if body == nil {
		e.t.Fatalf("no %s for %s", kind, paymentID)
	}
	return body
}

func amountJSON(currency string, value int64) string {
	return `{"currency":"` + currency + `","value":"` + strconv.FormatInt(value, 10) + `"}`
}

// TestPaymentQuote: a pay citing a quote of inquireExchangeRate charges the card in the
// quote's other currency: the issuer authorizes, captures and refunds there, each amount
// converted at the quote and rounded half to even to that currency's exponent, and pay,
// inquiryPayment, notifyPayment and the refund's answers say so (paymentQuote,
// processingAmount, actualPaymentAmount, actualRefundAmount), the payment amount staying the
// merchant's.
func TestPaymentQuote(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// The issuer keeps its records in a database of its own, as an acquirer would.
	records, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "acquirer.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { records.Close() })
	iss := &recordingIssuer{Processor: sandbox.NewIssuer(clock.Real{}, records)}
	e := newEnvWith(t, cli.Options{Issuer: iss, ACS: sandbox.ACS{}})

	// A USD price charged in yen, at USD/JPY 150: USD 10.01 is 1501.5 yen, 1502 to even.
	usdJPY := e.quote("USD", "JPY")
	req := manual(payReq(visaOK, "USD", 1001))
	req.PaymentQuote = &usdJPY
	req.ProcessingAmount = &ams.Amount{Currency: "JPY", Value: "1502"}
	resp := e.pay(req)
	wantResult(t, resp.Result, "S", "SUCCESS")
	if resp.PaymentQuote == nil || *resp.PaymentQuote != usdJPY || *resp.PaymentAmount != (ams.Amount{Currency: "USD", Value: "1001"}) ||
		resp.ProcessingAmount == nil || *resp.ProcessingAmount != (ams.Amount{Currency: "JPY", Value: "1502"}) ||
		resp.ActualPaymentAmount == nil || *resp.ActualPaymentAmount != *resp.ProcessingAmount {
		t.Fatalf("pay answered quote %+v, amount %+v, processing %+v, actual %+v", resp.PaymentQuote, resp.PaymentAmount, resp.ProcessingAmount, resp.ActualPaymentAmount)
	}
	if resp.SettlementQuote != nil {
		t.Errorf("a payment quote is not a settlement quote: %+v", resp.SettlementQuote)
	}
	if got := iss.took(); strings.Join(got, ",") != "AUTH JPY 1502" {
		t.Errorf("issuer asked %v, want the processing amount authorized", got)
	}
	inq := e.inquiry(resp.PaymentID)
	if inq.PaymentQuote == nil || *inq.PaymentQuote != usdJPY || *inq.ProcessingAmount != *resp.ProcessingAmount || *inq.ActualPaymentAmount != *resp.ProcessingAmount || *inq.PaymentAmount != *resp.PaymentAmount {
		t.Errorf("inquiry: quote %+v, processing %+v, actual %+v", inq.PaymentQuote, inq.ProcessingAmount, inq.ActualPaymentAmount)
	}
	body := e.notification(resp.PaymentID, payment.NotifyPayment)
	if got := string(body["processingAmount"]); got != amountJSON("JPY", 1502) {
		t.Errorf("notifyPayment processingAmount %s", got)
	}
	if got := string(body["paymentQuote"]); !strings.Contains(got, `"quotePrice":150,`) || !strings.Contains(got, `"quoteId":"`+usdJPY.QuoteID+`"`) || !strings.Contains(got, `"quoteCurrencyPair":"USD/JPY"`) {
		t.Errorf("notifyPayment paymentQuote %s", got)
	}

	// A retry is matched on the quote's id and the amount, which fix the charge: it need not
	// repeat processingAmount, and another quote is another request.
	retry := *req
	retry.ProcessingAmount = nil
	if again := e.pay(&retry); again.PaymentID != resp.PaymentID || *again.ProcessingAmount != *resp.ProcessingAmount {
		t.Errorf("retry answered %+v", again)
	}
	other := e.quote("USD", "KRW")
	retry.PaymentQuote = &other
	wantResult(t, e.pay(&retry).Result, "F", "REPEAT_REQ_INCONSISTENT")
	if got := iss.took(); len(got) != 0 {
		t.Errorf("retries reached the issuer: %v", got)
	}

	// Captures and refunds name USD; the card sees yen: the whole capture is the processing
	// amount, a part refund its own conversion rounded towards zero (USD 3.33 is 499.5 yen,
	// 499; the other USD 6.68 are 1002), so the refunds never add up to more than the charge.
	wantResult(t, e.capture(resp.PaymentID, uniq("capture"), "USD", 1001).Result, "S", "SUCCESS")
	part := e.refund(resp.PaymentID, uniq("refund"), "USD", 333)
	wantResult(t, part.Result, "S", "SUCCESS")
	if a := part.ActualRefundAmount; a == nil || *a != (ams.Amount{Currency: "JPY", Value: "499"}) || *part.RefundAmount != (ams.Amount{Currency: "USD", Value: "333"}) {
		t.Errorf("refund of USD 3.33: refundAmount %+v, actualRefundAmount %+v", part.RefundAmount, a)
	}
	rest := e.refund(resp.PaymentID, uniq("refund"), "USD", 668)
	wantResult(t, rest.Result, "S", "SUCCESS")
	if got := strings.Join(iss.took(), ","); got != "CAPTURE JPY 1502,REFUND JPY 499,REFUND JPY 1002" {
		t.Errorf("issuer asked %s", got)
	}
	if inq, err := e.c.InquiryRefund(ctx, &ams.InquiryRefundRequest{RefundID: rest.RefundID}); err != nil || inq.ActualRefundAmount == nil || *inq.ActualRefundAmount != (ams.Amount{Currency: "JPY", Value: "1002"}) {
		t.Errorf("inquiryRefund: %+v %v", inq, err)
	}
	if got := string(e.notification(resp.PaymentID, payment.NotifyRefund)["actualRefundAmount"]); got != amountJSON("JPY", 1002) {
		t.Errorf("notifyRefund actualRefundAmount %s", got)
	}

	// A BHD price charged in won, three decimals to none, at BHD/KRW 3670.21276596 sent back
	// as the Go SDK's float32 holds it (3670.2128), without processingAmount: BHD 12.345 is
	// 45308.78 won, 45309. The automatic capture and a full refund charge exactly that.
	bhdKRW := e.quote("BHD", "KRW")
	if bhdKRW.QuotePrice != "3670.21276596" {
		t.Fatalf("BHD/KRW quoted %s", bhdKRW.QuotePrice)
	}
	f32, _ := strconv.ParseFloat(string(bhdKRW.QuotePrice), 32)
	sent := bhdKRW
	sent.QuotePrice = ams.Decimal(strconv.FormatFloat(f32, 'f', -1, 32))
	req = payReq(visaOK, "BHD", 12345)
	req.PaymentQuote = &sent
	resp = e.pay(req)
	wantResult(t, resp.Result, "S", "SUCCESS")
	if a := resp.ActualPaymentAmount; a == nil || *a != (ams.Amount{Currency: "KRW", Value: "45309"}) || *resp.PaymentQuote != bhdKRW {
		t.Fatalf("BHD 12.345 charged %+v at %+v (sent at %s)", a, resp.PaymentQuote, sent.QuotePrice)
	}
	wantResult(t, e.refund(resp.PaymentID, uniq("refund"), "BHD", 12345).Result, "S", "SUCCESS")
	if got := strings.Join(iss.took(), ","); got != "AUTH KRW 45309,CAPTURE KRW 45309,REFUND KRW 45309" {
		t.Errorf("issuer asked %s", got)
	}

	// A session, with the quote Antom's way round (the buyer's currency sold, the price's
	// bought: JPY/USD 0.00666667): USD 12.50 is 1874.999 yen, 1875. The card form shows the
	// buyer the yen, and the card is charged them.
	jpyUSD := e.quote("JPY", "USD")
	sreq := sessionReq(1250)
	sreq.PaymentQuote = &ams.Quote{QuoteID: jpyUSD.QuoteID}
	sess, err := e.c.CreatePaymentSession(ctx, sreq)
	if err != nil {
		t.Fatal(err)
	}
	wantResult(t, sess.Result, "S", "SUCCESS")
	token, _ := sessionToken(t, sess.PaymentSessionData)
	v, err := e.app.Checkout.HostedPage(ctx, token)
	if err != nil || v.Amount != (payment.Amount{Currency: "JPY", Value: 1875}) {
		t.Fatalf("the card form shows %+v %v", v, err)
	}
	if v, err = e.app.Checkout.SubmitCard(ctx, token, goodCard); err != nil || v.Step != checkout.StepResult || v.Status != payment.Success {
		t.Fatalf("card: %+v %v", v, err)
	}
	inq = e.inquiry(v.PaymentID)
	if *inq.PaymentAmount != (ams.Amount{Currency: "USD", Value: "1250"}) || *inq.ActualPaymentAmount != (ams.Amount{Currency: "JPY", Value: "1875"}) || *inq.PaymentQuote != jpyUSD {
		t.Errorf("session payment: amount %+v, actual %+v, quote %+v", inq.PaymentAmount, inq.ActualPaymentAmount, inq.PaymentQuote)
	}
	if got := strings.Join(iss.took(), ","); got != "AUTH JPY 1875,CAPTURE JPY 1875" {
		t.Errorf("issuer asked %s", got)
	}

	// With a settlement currency as well, each converts from the payment currency: USD 10.50
	// settles as EUR 9.66 and charges JPY 1575.
	both := settleIn(payReq(visaOK, "USD", 1050), "EUR")
	both.PaymentQuote = &ams.Quote{QuoteID: usdJPY.QuoteID}
	resp = e.pay(both)
	wantResult(t, resp.Result, "S", "SUCCESS")
	if g, a := resp.GrossSettlementAmount, resp.ActualPaymentAmount; g == nil || *g != (ams.Amount{Currency: "EUR", Value: "966"}) || a == nil || *a != (ams.Amount{Currency: "JPY", Value: "1575"}) {
		t.Errorf("settled as %+v, charged %+v", g, a)
	}
}

// TestPaymentQuoteRefused: a paymentQuote that is not a quote the gateway gave, has expired
// on the sandbox clock, does not pair the payment's currency, or does not say what the quote
// says, is PARAM_ILLEGAL naming the field, and stores nothing: the paymentRequestId stays
// free for a good request.
func TestPaymentQuoteRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	usdJPY := e.quote("USD", "JPY")
	cases := []struct {
		name  string
		edit  func(r *ams.PayRequest)
		field string
	}{
		{"unknown quote", func(r *ams.PayRequest) { r.PaymentQuote.QuoteID = "FXQ20260101USDJPY00000000" }, "paymentQuote.quoteId"},
		{"no quote id", func(r *ams.PayRequest) { r.PaymentQuote = &ams.Quote{QuoteCurrencyPair: "USD/JPY"} }, "paymentQuote.quoteId"},
		{"payment currency not in the pair", func(r *ams.PayRequest) { r.PaymentAmount.Currency = "EUR"; r.ProcessingAmount = nil }, "paymentQuote.quoteCurrencyPair"},
		{"another pair sent", func(r *ams.PayRequest) { r.PaymentQuote.QuoteCurrencyPair = "USD/EUR" }, "paymentQuote.quoteCurrencyPair"},
		{"another price sent", func(r *ams.PayRequest) { r.PaymentQuote.QuotePrice = "151" }, "paymentQuote.quotePrice"},
		{"processing amount off by one", func(r *ams.PayRequest) { r.ProcessingAmount.Value = "1501" }, "processingAmount.value"},
		{"processing in another currency", func(r *ams.PayRequest) { r.ProcessingAmount.Currency = "EUR" }, "processingAmount.currency"},
		{"processing amount without a quote", func(r *ams.PayRequest) { r.PaymentQuote = nil }, "paymentQuote"},
		{"with installments", func(r *ams.PayRequest) { r.CreditPayPlan = &ams.CreditPayPlan{InstallmentNum: 3, Interval: "MONTH"} }, "paymentQuote"},
	}
	good := func(id string) *ams.PayRequest {
		r := payReq(visaOK, "USD", 1001)
		q := usdJPY
		r.PaymentQuote, r.ProcessingAmount = &q, &ams.Amount{Currency: "JPY", Value: "1502"}
		if id != "" {
			r.PaymentRequestID = id
		}
		return r
	}
	refused := func(name string, r *ams.PayRequest, field string) {
		t.Helper()
		resp := e.pay(r)
		if resp.Result.ResultStatus != "F" || resp.Result.ResultCode != "PARAM_ILLEGAL" || !strings.HasPrefix(resp.Result.ResultMessage, field+" ") {
			t.Errorf("%s: %+v, want PARAM_ILLEGAL on %s", name, resp.Result, field)
		}
		got, err := e.c.InquiryPayment(ctx, &ams.InquiryPaymentRequest{PaymentRequestID: r.PaymentRequestID})
		if err != nil || got.Result.ResultCode != "ORDER_NOT_EXIST" {
			t.Errorf("%s stored a payment: %+v %v", name, got, err)
		}
	}
	id := uniq("pay")
	for _, c := range cases {
		r := good(id)
		c.edit(r)
		refused(c.name, r, c.field)
	}
	// Tomorrow on the sandbox clock, today's quote no longer holds.
	e.advance(24 * time.Hour)
	refused("expired quote", good(id), "paymentQuote.quoteId")
	// The id is still free, for a quote of the new day.
	r := good(id)
	fresh := e.quote("USD", "JPY")
	r.PaymentQuote = &fresh
	if resp := e.pay(r); resp.Result.ResultStatus != "S" || resp.ActualPaymentAmount == nil || *resp.ActualPaymentAmount != (ams.Amount{Currency: "JPY", Value: "1502"}) {
		t.Errorf("a good quote after the refusals: %+v", resp)
	}
}

// TestPaymentQuoteDuplicates: the same pay, with its quote, sent many times at once makes
// one payment, which every answer reports with its charge, and so does a retry once the
// quote has expired.
func TestPaymentQuoteDuplicates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	usdJPY := e.quote("USD", "JPY")
	req := payReq(visaOK, "USD", 1001)
	req.PaymentQuote = &usdJPY
	const n = 8
	answers := make([]*ams.PayResponse, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { answers[i], errs[i] = e.c.Pay(context.Background(), req) })
	}
	wg.Wait()
	for i, a := range answers {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if a.PaymentID != answers[0].PaymentID || a.ProcessingAmount == nil || *a.ProcessingAmount != (ams.Amount{Currency: "JPY", Value: "1502"}) {
			t.Errorf("answer %d: %+v", i, a)
		}
	}
	eventually(t, "the payment's outcome", func() bool { return e.inquiry(answers[0].PaymentID).PaymentStatus == "SUCCESS" })
	ns, err := e.app.Store.NotificationListByPayment(context.Background(), answers[0].PaymentID)
	if err != nil {
		t.Fatal(err)
	}
	paid := 0
	for _, n := range ns {
		if n.Kind == payment.NotifyPayment {
			paid++
		}
	}
	if paid != 1 {
		t.Errorf("%d payment notifications, want one payment", paid)
	}
	// The quote is checked when the payment is made: a retry after it expired still answers
	// with the payment.
	e.advance(48 * time.Hour)
	if again := e.pay(req); again.PaymentID != answers[0].PaymentID || again.Result.ResultStatus != "S" {
		t.Errorf("a retry after the quote expired: %+v", again)
	}
}
