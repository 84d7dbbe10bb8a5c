package antom

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/merchantapi"
	"github.com/cashierpay/cashier/internal/payment"
)

func wireTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return ams.FormatTime(t)
}

// paymentResult is the result a pay call reports for the payment as it stands.
func paymentResult(p *payment.Payment) ams.Result { return ams.NewResult(p.Outcome()) }

func resultInfo(p *payment.Payment) *ams.PaymentResultInfo {
	c := p.Card
	if c.Masked == "" && c.Brand == "" {
		return nil
	}
	info := &ams.PaymentResultInfo{
		CardNo: c.Masked, CardBrand: c.Brand, CardToken: c.Token, IssuingCountry: c.IssuingCountry, Funding: c.Funding,
		AvsResultRaw: c.AVS, CvvResultRaw: c.CVV, NetworkTransactionID: c.NetworkTransactionID, CreditPayPlan: wirePlan(p.Order.Plan),
		CardholderName: c.HolderName, CardBin: c.BIN, LastFour: c.Last4, ExpiryMonth: c.ExpiryMonth, ExpiryYear: c.ExpiryYear,
	}
	if t := c.ThreeDS; t != nil {
		challenged := t.Challenged
		info.ThreeDSResult = &ams.ThreeDSResult{ThreeDSVersion: t.Version, Eci: t.ECI, Cavv: t.CAVV, DsTransactionID: t.DSTransactionID, Challenged: &challenged}
	}
	return info
}

// payResponse renders pay's answer. pageURL is where the buyer continues ("" when the
// payment does not wait for the buyer).
func payResponse(p *payment.Payment, pageURL string) *ams.PayResponse {
	r := &ams.PayResponse{
		Result: paymentResult(p), PaymentRequestID: p.RequestID, PaymentID: p.ID, PaymentAmount: wireAmount(p.Amount),
		PaymentCreateTime: wireTime(p.CreatedAt), PaymentTime: wireTime(p.PaidAt), AuthExpiryTime: wireTime(p.AuthExpiresAt()),
		PaymentResultInfo: resultInfo(p), AcquirerInfo: paymentAcquirer(p),
	}
	r.GrossSettlementAmount, r.SettlementQuote = settlement(p, p.Amount.Value)
	r.ProcessingAmount, r.PaymentQuote = charge(p)
	r.ActualPaymentAmount = actualPayment(p)
	if pageURL != "" {
		r.NormalURL = pageURL
		r.RedirectActionForm = &ams.RedirectActionForm{Method: "GET", RedirectURL: pageURL}
	}
	return r
}

func captureResponseResult(c *payment.Capture) ams.Result { return ams.NewResult(c.Outcome()) }

func refundResult(r *payment.Refund) ams.Result { return ams.NewResult(r.Outcome()) }

func refundStatus(r *payment.Refund) string {
	switch r.Status {
	case payment.Success:
		return ams.RefundSuccess
	case payment.Fail:
		return ams.RefundFail
	}
	return ams.RefundProcessing
}

// refundTime is set once a refund has succeeded.
func refundTime(r *payment.Refund) string {
	if r.Status != payment.Success {
		return ""
	}
	return wireTime(r.CompletedAt)
}

func captureResponse(c *payment.Capture) *ams.CaptureResponse {
	return &ams.CaptureResponse{
		Result: captureResponseResult(c), CaptureRequestID: c.RequestID, CaptureID: c.ID, PaymentID: c.PaymentID,
		CaptureAmount: wireAmount(c.Amount), CaptureTime: wireTime(c.CompletedAt),
	}
}

func refundResponse(p *payment.Payment, r *payment.Refund) *ams.RefundResponse {
	resp := &ams.RefundResponse{
		Result: refundResult(r), RefundRequestID: r.RequestID, RefundID: r.ID, PaymentID: r.PaymentID,
		RefundAmount: wireAmount(r.Amount), RefundTime: refundTime(r), AcquirerInfo: refundAcquirer(p, r),
	}
	resp.GrossSettlementAmount, resp.SettlementQuote = refundSettlement(p, r)
	resp.ActualRefundAmount = actualRefund(p, r)
	return resp
}

// refundSettlement is what a refund that succeeded takes back from the settlement; nil for
// one that did not, which moves no money.
func refundSettlement(p *payment.Payment, r *payment.Refund) (*ams.Amount, *ams.Quote) {
	if r.Status != payment.Success {
		return nil, nil
	}
	return settlement(p, r.Amount.Value)
}

func inquiryRefundResponse(p *payment.Payment, r *payment.Refund) *ams.InquiryRefundResponse {
	resp := &ams.InquiryRefundResponse{
		Result: ams.SuccessResult(), RefundID: r.ID, RefundRequestID: r.RequestID, PaymentID: r.PaymentID,
		RefundAmount: wireAmount(r.Amount), RefundTime: refundTime(r), RefundStatus: refundStatus(r), ARN: r.ARN,
		AcquirerInfo: refundAcquirer(p, r),
	}
	resp.GrossSettlementAmount, resp.SettlementQuote = refundSettlement(p, r)
	resp.ActualRefundAmount = actualRefund(p, r)
	return resp
}

func cancelResponse(p *payment.Payment) *ams.CancelResponse {
	return &ams.CancelResponse{Result: ams.SuccessResult(), PaymentID: p.ID, PaymentRequestID: p.RequestID, CancelTime: wireTime(p.CancelledAt)}
}

// inquiryPaymentResponse renders a payment with every capture, refund and cancel in
// transactions[], oldest first. pageURL is where the buyer continues ("" when the payment
// does not wait for the buyer).
func inquiryPaymentResponse(rec *merchantapi.PaymentRecord, pageURL string) *ams.InquiryPaymentResponse {
	p := rec.Payment
	res := paymentResult(p)
	resp := &ams.InquiryPaymentResponse{
		Result: ams.SuccessResult(), PaymentStatus: string(p.Status), PaymentResultCode: res.ResultCode,
		PaymentResultMessage: res.ResultMessage, PaymentRequestID: p.RequestID, PaymentID: p.ID,
		PaymentAmount: wireAmount(p.Amount), PaymentCreateTime: wireTime(p.CreatedAt), PaymentTime: wireTime(p.PaidAt),
		AuthExpiryTime: wireTime(p.AuthExpiresAt()), PaymentMethodType: ams.PaymentMethodCard, PaymentResultInfo: resultInfo(p),
		AcquirerInfo: paymentAcquirer(p),
	}
	resp.ActualPaymentAmount = actualPayment(p)
	resp.ProcessingAmount, resp.PaymentQuote = charge(p)
	resp.GrossSettlementAmount, resp.SettlementQuote = settlement(p, p.Amount.Value)
	if pageURL != "" {
		resp.RedirectActionForm = &ams.RedirectActionForm{Method: "GET", RedirectURL: pageURL}
	}
	if p.Status == payment.Cancelled {
		// A cancelled payment reports why in paymentResultCode: the merchant's cancel, or the
		// release of an uncaptured authorization after 7 days.
		resp.PaymentResultCode, resp.PaymentResultMessage = p.ResultCode, p.ResultMessage
	}
	for _, c := range rec.Captures {
		resp.Transactions = append(resp.Transactions, ams.Transaction{
			TransactionResult: captureResponseResult(c), TransactionID: c.ID, TransactionType: ams.TransactionCapture,
			TransactionStatus: string(c.Status), TransactionAmount: wireAmount(c.Amount),
			TransactionRequestID: c.RequestID, TransactionTime: wireTime(cmp.Or(c.CompletedAt, c.CreatedAt)),
			AcquirerInfo: captureAcquirer(p, c),
		})
	}
	for _, r := range rec.Refunds {
		resp.Transactions = append(resp.Transactions, ams.Transaction{
			TransactionResult: refundResult(r), TransactionID: r.ID, TransactionType: ams.TransactionRefund,
			TransactionStatus: string(r.Status), TransactionAmount: wireAmount(r.Amount),
			TransactionRequestID: r.RequestID, TransactionTime: wireTime(cmp.Or(r.CompletedAt, r.CreatedAt)),
			AcquirerInfo: refundAcquirer(p, r),
		})
	}
	if p.Status == payment.Cancelled {
		resp.Transactions = append(resp.Transactions, ams.Transaction{
			TransactionResult: ams.SuccessResult(), TransactionID: p.ID, TransactionType: ams.TransactionCancel,
			TransactionStatus: ams.PaymentSuccess, TransactionAmount: wireAmount(p.Amount),
			TransactionRequestID: p.RequestID, TransactionTime: wireTime(p.CancelledAt),
		})
	}
	sort.SliceStable(resp.Transactions, func(i, j int) bool {
		return resp.Transactions[i].TransactionTime < resp.Transactions[j].TransactionTime
	})
	return resp
}

// SessionConfig is the JSON of the last segment of paymentSessionData. The browser SDK reads
// the gateway's address and the form's page token from it; the rest follows Antom's shape.
type SessionConfig struct {
	PaymentSessionConfig struct {
		ProductScene              string `json:"productScene"`
		PaymentMethodCategoryType string `json:"paymentMethodCategoryType"`
		ProductSceneVersion       string `json:"productSceneVersion"`
	} `json:"paymentSessionConfig"`
	PaymentSessionFactor struct {
		PaymentAmount struct {
			Currency       string `json:"currency"`
			Value          string `json:"value"`
			FormattedValue string `json:"formattedValue"`
		} `json:"paymentAmount"`
		MerchantInfo struct {
			MerchantName string `json:"merchantName"`
		} `json:"merchantInfo"`
		Order struct {
			OrderDescription string `json:"orderDescription"`
		} `json:"order"`
	} `json:"paymentSessionFactor"`
	Cashier struct {
		Gateway    string `json:"gateway"`
		Token      string `json:"token"`
		SessionID  string `json:"sessionId"`
		ExpiryTime string `json:"expiryTime"`
	} `json:"cashier"`
}

// sessionResponse renders createPaymentSession's answer: a pure function of the session, the
// merchant, the region asked for and the URLs the request came in on, so a repeated call
// answers the same.
func sessionResponse(s *merchantapi.Session, m *payment.Merchant, region, gatewayURL, pageURL string) *ams.CreatePaymentSessionResponse {
	p := s.Payment
	region = cmp.Or(region, "US")
	var cfg SessionConfig
	cfg.PaymentSessionConfig.ProductScene = ams.ProductCashierPayment
	cfg.PaymentSessionConfig.PaymentMethodCategoryType = ams.PaymentMethodCard
	cfg.PaymentSessionConfig.ProductSceneVersion = "1.0"
	f := &cfg.PaymentSessionFactor
	f.PaymentAmount.Currency, f.PaymentAmount.Value = p.Amount.Currency, strconv.FormatInt(p.Amount.Value, 10)
	f.PaymentAmount.FormattedValue = ams.FormatMajor(p.Amount.Currency, p.Amount.Value)
	f.MerchantInfo.MerchantName, f.Order.OrderDescription = m.Name, p.Order.Description
	sessionID := "ps" + p.ID
	cfg.Cashier.Gateway, cfg.Cashier.Token, cfg.Cashier.SessionID, cfg.Cashier.ExpiryTime = gatewayURL, s.Token, sessionID, wireTime(p.ExpiresAt)
	return &ams.CreatePaymentSessionResponse{
		Result: ams.SuccessResult(), PaymentSessionData: sessionData(s.Token, region, &cfg), PaymentSessionID: sessionID,
		PaymentSessionExpiryTime: wireTime(p.ExpiresAt), NormalURL: pageURL,
	}
}

// sessionData is the session data handed to the browser SDK, as Antom shapes it: the page
// token, the region and the session's configuration.
func sessionData(token, region string, cfg *SessionConfig) string {
	js, _ := json.Marshal(cfg)
	return base64.StdEncoding.EncodeToString([]byte(token)) + "&&" + region + "&&111&&" + base64.StdEncoding.EncodeToString(js)
}

// LogoPath is where the gateway serves the logo of a card brand.
func LogoPath(brand string) string { return "/static/logos/" + brand + ".svg" }

// consultResponse lists the card brands, with logos at base, and the installment plans of
// the issuers' offers for amount.
func consultResponse(amount payment.Amount, brands []card.Brand, offers []issuer.InstallmentOffer, base string) *ams.ConsultResponse {
	currency := amount.Currency
	brand := func(code string) ams.SupportCardBrand {
		return ams.SupportCardBrand{CardBrand: code, Logo: &ams.Logo{LogoName: code, LogoURL: base + LogoPath(code)}}
	}
	var supported []ams.SupportCardBrand
	for _, b := range brands {
		supported = append(supported, brand(b.Code))
	}
	var installment *ams.Installment
	// A count several issuers offer is listed once, at the lowest instalment any of them
	// takes: some card of the brands listed can pay it.
	minOf := map[int]int64{}
	var planBrands []ams.SupportCardBrand
	for _, o := range offers {
		if !slices.ContainsFunc(planBrands, func(b ams.SupportCardBrand) bool { return b.CardBrand == o.Brand }) {
			planBrands = append(planBrands, brand(o.Brand))
		}
		for _, n := range o.Counts {
			if m, ok := minOf[n]; n >= payment.MinInstallments && n <= payment.MaxInstallments && (!ok || o.MinInstalment < m) {
				minOf[n] = o.MinInstalment
			}
		}
	}
	if len(minOf) > 0 {
		installment = &ams.Installment{SupportCardBrands: planBrands}
		for _, n := range slices.Sorted(maps.Keys(minOf)) {
			enabled := amount.Value/int64(n) >= minOf[n]
			installment.Plans = append(installment.Plans, ams.Plan{
				InstallmentNum: strconv.Itoa(n), Interval: payment.IntervalMonth, Enabled: &enabled,
				MinInstallmentAmount: wireAmount(payment.Amount{Currency: currency, Value: minOf[n]}),
			})
		}
	}
	return &ams.ConsultResponse{
		Result: ams.SuccessResult(),
		PaymentOptions: []ams.PaymentOption{{
			PaymentMethodType: ams.PaymentMethodCard, PaymentMethodCategory: "CARD", Enabled: true,
			PaymentMethodRegion: []string{"GLOBAL"}, SupportedCurrencies: []string{currency},
			PaymentOptionDetail: &ams.PaymentOptionDetail{SupportCardBrands: supported, Funding: []string{"CREDIT", "DEBIT", "PREPAID"}},
			Logo:                &ams.Logo{LogoName: card.Generic, LogoURL: base + LogoPath(card.Generic)},
			Installment:         installment,
		}},
	}
}

// Bodies renders notification bodies in Antom's format; the use cases write them into the
// outbox through gateway.NotificationBodies.
type Bodies struct{}

var _ gateway.NotificationBodies = Bodies{}

// Payment implements gateway.NotificationBodies: notifyPayment.
func (Bodies) Payment(p *payment.Payment) ([]byte, error) {
	n := ams.PaymentNotification{
		NotifyType: ams.NotifyPaymentResult, Result: paymentResult(p), PaymentRequestID: p.RequestID, PaymentID: p.ID,
		PaymentAmount: wireAmount(p.Amount), PaymentCreateTime: wireTime(p.CreatedAt), PaymentTime: wireTime(p.PaidAt),
		PaymentResultInfo: resultInfo(p), AcquirerInfo: paymentAcquirer(p),
	}
	n.GrossSettlementAmount, n.SettlementQuote = settlement(p, p.Amount.Value)
	n.ProcessingAmount, n.PaymentQuote = charge(p)
	return json.Marshal(n)
}

// Capture implements gateway.NotificationBodies: notifyCapture of capture c of p.
func (Bodies) Capture(p *payment.Payment, c *payment.Capture) ([]byte, error) {
	return json.Marshal(ams.CaptureNotification{
		NotifyType: ams.NotifyCaptureResult, Result: captureResponseResult(c), CaptureRequestID: c.RequestID,
		PaymentID: c.PaymentID, CaptureID: c.ID, CaptureAmount: wireAmount(c.Amount), CaptureTime: wireTime(c.CompletedAt),
		AcquirerInfo: captureAcquirer(p, c),
	})
}

// Refund implements gateway.NotificationBodies: notifyRefund.
func (Bodies) Refund(p *payment.Payment, r *payment.Refund) ([]byte, error) {
	n := ams.RefundNotification{
		NotifyType: ams.NotifyRefundResult, Result: refundResult(r), RefundStatus: refundStatus(r),
		RefundRequestID: r.RequestID, RefundID: r.ID, PaymentID: r.PaymentID, RefundAmount: wireAmount(r.Amount),
		RefundTime: refundTime(r), ARN: r.ARN,
	}
	n.GrossSettlementAmount, n.SettlementQuote = refundSettlement(p, r)
	n.ActualRefundAmount = actualRefund(p, r)
	return json.Marshal(n)
}

// settlement is what value minor units of p's currency (the payment, a capture, a refund)
// settle as, and the quote they convert at; nil, nil when p settles in its own currency.
// Pay checked that the payment's amount converts, and no capture or refund exceeds it.
func settlement(p *payment.Payment, value int64) (*ams.Amount, *ams.Quote) {
	q := p.Order.SettlementQuote
	if q == nil {
		return nil, nil
	}
	v, err := q.Convert(value)
	if err != nil {
		panic("antom: a settled payment's amount no longer converts: " + err.Error())
	}
	return &ams.Amount{Currency: q.Buy, Value: strconv.FormatInt(v, 10)}, wireQuote(*q)
}

// charge is what the card is charged under a payment quote (paymentQuote on pay): the
// processing amount and the quote; nil, nil when the card is charged the payment's amount.
func charge(p *payment.Payment) (*ams.Amount, *ams.Quote) {
	q := p.Order.PaymentQuote
	if q == nil {
		return nil, nil
	}
	return wireAmount(p.Charged(p.Amount)), wireQuote(*q)
}

// actualPayment is what the buyer paid, once the payment succeeded: in the currency the card
// was charged in.
func actualPayment(p *payment.Payment) *ams.Amount {
	if p.Status != payment.Success {
		return nil
	}
	return wireAmount(p.Charged(p.Amount))
}

// actualRefund is what a refund that succeeded gave back to the card, in the currency the
// card was charged in; nil without a payment quote, when it is refundAmount itself.
func actualRefund(p *payment.Payment, r *payment.Refund) *ams.Amount {
	if p.Order.PaymentQuote == nil || r.Status != payment.Success {
		return nil
	}
	return wireAmount(p.Charged(r.Amount))
}

func wireQuote(q payment.Quote) *ams.Quote {
	return &ams.Quote{
		QuoteID: q.ID, QuoteCurrencyPair: q.Pair(), QuotePrice: ams.Decimal(q.Price),
		QuoteStartTime: wireTime(q.Start), QuoteExpiryTime: wireTime(q.Expiry), Guaranteed: true,
	}
}

func exchangeRateResponse(quotes []payment.Quote) *ams.InquireExchangeRateResponse {
	r := &ams.InquireExchangeRateResponse{Result: ams.SuccessResult(), Quotes: []ams.Quote{}}
	for _, q := range quotes {
		r.Quotes = append(r.Quotes, *wireQuote(q))
	}
	return r
}
