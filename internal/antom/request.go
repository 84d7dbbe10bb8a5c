package antom

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/merchantapi"
	"github.com/cashierpay/cashier/internal/payment"
)

var terminalTypes = map[string]bool{"WEB": true, "WAP": true, "APP": true, "MINI_APP": true}

// parsePay checks a pay request field by field and turns it into the use case's command.
// Result codes: PARAM_ILLEGAL, CURRENCY_NOT_SUPPORT, SELECTED_CARD_BRAND_NOT_AVAILABLE.
func parsePay(req *ams.PayRequest) (*merchantapi.PayCommand, *payment.Error) {
	cmd := &merchantapi.PayCommand{RequestID: req.PaymentRequestID, NotifyURL: req.PaymentNotifyURL, RedirectURL: req.PaymentRedirectURL}
	if req.ProductCode != ams.ProductCashierPayment {
		if req.ProductCode == "" {
			return nil, paramError("productCode", "is required")
		}
		return nil, paramError("productCode", "must be CASHIER_PAYMENT")
	}
	if err := requireRequestID("paymentRequestId", req.PaymentRequestID); err != nil {
		return nil, err
	}
	amount, perr := parseAmount("paymentAmount", req.PaymentAmount)
	if perr != nil {
		return nil, perr
	}
	cmd.Amount = amount
	if req.Order == nil {
		return nil, paramError("order", "is required")
	}
	if err := require("order.referenceOrderId", req.Order.ReferenceOrderID); err != nil {
		return nil, err
	}
	if err := require("order.orderDescription", req.Order.OrderDescription); err != nil {
		return nil, err
	}
	if req.Order.OrderAmount != nil {
		if _, err := parseAmount("order.orderAmount", req.Order.OrderAmount); err != nil {
			return nil, err
		}
	}
	cmd.Order = payment.Order{ReferenceOrderID: req.Order.ReferenceOrderID, Description: req.Order.OrderDescription}
	if b := req.Order.Buyer; b != nil {
		cmd.Order.BuyerID = b.ReferenceBuyerID
	}
	if req.Env == nil || req.Env.TerminalType == "" {
		return nil, paramError("env.terminalType", "is required")
	}
	if !terminalTypes[req.Env.TerminalType] {
		return nil, paramError("env.terminalType", "must be one of WEB, WAP, APP, MINI_APP")
	}
	cmd.Order.TerminalType, cmd.Order.DeviceLanguage = req.Env.TerminalType, req.Env.DeviceLanguage
	if err := validURL("paymentRedirectUrl", req.PaymentRedirectURL, true); err != nil {
		return nil, err
	}
	if err := validURL("paymentNotifyUrl", req.PaymentNotifyURL, false); err != nil {
		return nil, err
	}
	if req.PaymentExpiryTime != "" {
		t, err := parseExpiry("paymentExpiryTime", req.PaymentExpiryTime)
		if err != nil {
			return nil, err
		}
		cmd.ExpiresAt = t
	}
	if s := req.SettlementStrategy; s != nil && s.SettlementCurrency != "" {
		if err := knownCurrency("settlementStrategy.settlementCurrency", s.SettlementCurrency); err != nil {
			return nil, err
		}
		cmd.Order.SettlementCurrency = s.SettlementCurrency
	}
	if err := parsePaymentQuote(&cmd.Order, req.PaymentQuote, req.ProcessingAmount); err != nil {
		return nil, err
	}
	cmd.CaptureMode = payment.CaptureAutomatic
	if f := req.PaymentFactor; f != nil && f.CaptureMode != "" {
		if f.CaptureMode != payment.CaptureAutomatic && f.CaptureMode != payment.CaptureManual {
			return nil, paramError("paymentFactor.captureMode", "must be AUTOMATIC or MANUAL")
		}
		cmd.CaptureMode = f.CaptureMode
	}
	pm := req.PaymentMethod
	if pm == nil {
		return nil, paramError("paymentMethod", "is required")
	}
	if pm.PaymentMethodType != ams.PaymentMethodCard {
		if pm.PaymentMethodType == "" {
			return nil, paramError("paymentMethod.paymentMethodType", "is required")
		}
		return nil, paramError("paymentMethod.paymentMethodType", "must be CARD: cashier is a card gateway")
	}
	cmd.Token = pm.PaymentMethodID
	var m ams.CardMetaData
	if len(pm.PaymentMethodMetaData) > 0 && string(pm.PaymentMethodMetaData) != "null" {
		if err := ams.Decode(pm.PaymentMethodMetaData, &m); err != nil {
			var fe *ams.FieldError
			if errors.As(err, &fe) && fe.Field != "" {
				return nil, paramError("paymentMethod.paymentMethodMetaData."+fe.Field, fe.Reason)
			}
			return nil, paramError("paymentMethod.paymentMethodMetaData", "must be a JSON object of card fields")
		}
		if err := checkText("paymentMethod.paymentMethodMetaData", reflect.ValueOf(&m)); err != nil {
			return nil, err
		}
	}
	cmd.Order.Tokenize, cmd.Order.Force3DS, cmd.Order.AuthUpgrade = bool(m.Tokenize), bool(m.Is3DSAuthentication), bool(m.EnableAuthenticationUpgrade)
	// Antom's docs put requireIssuerAuthentication in paymentMethodMetaData (the only place
	// Java SDK 2.0.21 has for it); newer SDKs put it on paymentMethod. Either asks for it.
	if pm.RequireIssuerAuthentication || m.RequireIssuerAuthentication {
		switch {
		case cmd.Token != "" || m.CardNo != "":
			return nil, paramError("paymentMethod.requireIssuerAuthentication", "is for hosted mode: the buyer authenticates with the issuer on normalUrl, so send neither cardNo nor paymentMethodId with it")
		case m.SelectedCardBrand == "":
			return nil, paramError("paymentMethod.paymentMethodMetaData.selectedCardBrand", "is required with requireIssuerAuthentication")
		case !isKorean(m.SelectedCardBrand):
			return nil, payment.NewError(payment.CodeSelectedCardBrandUnavailable, fmt.Sprintf("selectedCardBrand %q has no issuer authentication; Korean local brands do", m.SelectedCardBrand))
		case cmd.Amount.Currency != "KRW":
			return nil, payment.NewError(payment.CodeSelectedCardBrandUnavailable, "Korean issuer-authenticated cards pay in KRW only")
		}
		// captureMode MANUAL, as in Antom's own example request, is honoured: the issuer
		// authorizes and the merchant captures within the capture window.
		cmd.Order.IssuerBrand = m.SelectedCardBrand
	}
	if m.CardNo != "" {
		if m.ExpiryMonth == "" {
			return nil, paramError("paymentMethod.paymentMethodMetaData.expiryMonth", "is required")
		}
		if m.ExpiryYear == "" {
			return nil, paramError("paymentMethod.paymentMethodMetaData.expiryYear", "is required")
		}
		cmd.Card = &merchantapi.CardData{Number: m.CardNo, CVV: m.CVV, ExpiryMonth: m.ExpiryMonth, ExpiryYear: m.ExpiryYear, HolderName: holderName(m.CardholderName)}
		if b := m.BillingAddress; b != nil {
			cmd.Card.Billing = &payment.Address{Region: b.Region, State: b.State, City: b.City, Address1: b.Address1, Address2: b.Address2, ZipCode: b.ZipCode}
		}
	}
	cmd.CVV, cmd.NeedCVV, cmd.NetworkTransactionID = m.CVV, bool(m.NeedCVV), m.NetworkTransactionID
	if mpi := m.MpiData; mpi != nil {
		cmd.ThreeDS = &payment.ThreeDS{Version: mpi.ThreeDSVersion, ECI: mpi.Eci, CAVV: mpi.Cavv, DSTransactionID: mpi.DsTransactionID}
	}
	if err := parseCardOnFile(cmd, &m); err != nil {
		return nil, err
	}
	if cmd.Order.IssuerBrand == "" && m.SelectedCardBrand != "" {
		// A co-badged card's brand; whether the card carries it is known once the card is.
		if _, ok := card.LookupBrand(m.SelectedCardBrand); !ok {
			return nil, payment.NewError(payment.CodeSelectedCardBrandUnavailable, fmt.Sprintf("selectedCardBrand %q is not a card brand cashier takes", m.SelectedCardBrand))
		}
		cmd.SelectedBrand = m.SelectedCardBrand
	}
	if cmd.Order.Plan, perr = parsePlan(req.CreditPayPlan); perr != nil {
		return nil, perr
	}
	if cmd.Order.Plan != nil && cmd.NetworkTransactionID != "" {
		return nil, paramError("creditPayPlan", "is for payments the buyer makes: a merchant-initiated payment (networkTransactionId) has no plan")
	}
	return cmd, nil
}

// parseCardOnFile reads isCardOnFile, recurringType and networkTransactionId. isCardOnFile on
// a payment the buyer makes saves the card as tokenize does: a merchant-initiated payment
// needs the token later. recurringType makes the payment merchant-initiated: it charges a
// card token under the networkTransactionId of the series, with no buyer to ask for a CVV or
// 3-D Secure, so those are refused rather than ignored.
func parseCardOnFile(cmd *merchantapi.PayCommand, m *ams.CardMetaData) *payment.Error {
	const meta = "paymentMethod.paymentMethodMetaData."
	if m.IsCardOnFile && m.RecurringType == "" {
		cmd.Order.Tokenize = true
	}
	switch {
	case m.RecurringType == "" && m.NetworkTransactionID == "":
		return nil
	case m.RecurringType == "":
		return paramError(meta+"recurringType", "is required with networkTransactionId: SCHEDULED or UNSCHEDULED")
	case m.RecurringType != ams.RecurringScheduled && m.RecurringType != ams.RecurringUnscheduled:
		return paramError(meta+"recurringType", "must be SCHEDULED or UNSCHEDULED")
	case cmd.Token == "":
		return paramError("paymentMethod.paymentMethodId", "is required with recurringType: a merchant-initiated payment charges a saved card's token")
	case m.NetworkTransactionID == "":
		return paramError(meta+"networkTransactionId", "is required with recurringType: the initial payment's paymentResultInfo.networkTransactionId")
	case m.CVV != "":
		return paramError(meta+"cvv", "must not be sent with recurringType: a merchant-initiated payment has no buyer, and a CVV may not be kept")
	case bool(m.NeedCVV):
		return paramError(meta+"needCVV", "must not be sent with recurringType: a merchant-initiated payment has no buyer")
	case bool(m.Is3DSAuthentication) || m.MpiData != nil:
		return paramError(meta+"is3DSAuthentication", "must not be sent with recurringType (nor mpiData): a merchant-initiated payment has no buyer to authenticate")
	}
	cmd.Order.RecurringType = m.RecurringType
	return nil
}

// isKorean says whether brand is a Korean local card brand, which authenticates with its
// issuer instead of 3-D Secure.
func isKorean(brand string) bool {
	b, ok := card.LookupBrand(brand)
	return ok && b.Korean
}

func holderName(n *ams.Name) string {
	if n == nil {
		return ""
	}
	if n.FullName != "" {
		return n.FullName
	}
	s := n.FirstName
	if n.MiddleName != "" {
		s += " " + n.MiddleName
	}
	if n.LastName != "" {
		s += " " + n.LastName
	}
	return s
}

// parseSession checks a createPaymentSession request: a pay request without card data, for
// the browser SDK's form. Result codes: those of parsePay.
func parseSession(req *ams.CreatePaymentSessionRequest, now time.Time) (*merchantapi.SessionCommand, *payment.Error) {
	pm := req.PaymentMethod
	if pm == nil {
		pm = &ams.PaymentMethod{PaymentMethodType: ams.PaymentMethodCard}
	}
	env := ams.Env{TerminalType: "WEB"}
	if req.Env != nil {
		env.DeviceLanguage = req.Env.DeviceLanguage
		if req.Env.TerminalType != "" {
			env.TerminalType = req.Env.TerminalType
		}
	}
	pay, perr := parsePay(&ams.PayRequest{
		ProductCode: req.ProductCode, PaymentRequestID: req.PaymentRequestID, Order: req.Order, PaymentAmount: req.PaymentAmount,
		PaymentMethod: pm, PaymentRedirectURL: req.PaymentRedirectURL, PaymentNotifyURL: req.PaymentNotifyURL,
		PaymentFactor: req.PaymentFactor, SettlementStrategy: req.SettlementStrategy, Env: &env, CreditPayPlan: req.CreditPayPlan,
		PaymentQuote: req.PaymentQuote, ProcessingAmount: req.ProcessingAmount,
	})
	if perr != nil {
		return nil, perr
	}
	switch {
	case pay.Card != nil:
		return nil, paramError("paymentMethod.paymentMethodMetaData.cardNo", "must not be sent: in a session the buyer enters the card in the SDK's form")
	case pay.Order.IssuerBrand != "":
		return nil, paramError("paymentMethod.requireIssuerAuthentication", "is not supported in a session: use pay")
	case pay.Order.RecurringType != "":
		return nil, paramError("paymentMethod.paymentMethodMetaData.recurringType", "is not supported in a session, which has a buyer: send merchant-initiated payments with pay")
	case pay.SelectedBrand != "":
		return nil, paramError("paymentMethod.paymentMethodMetaData.selectedCardBrand", "is not supported in a session: the buyer chooses a co-badged card's brand on the card form")
	}
	pay.Order.CollectInstallments = bool(req.EnableInstallmentCollection)
	cmd := &merchantapi.SessionCommand{
		RequestID: pay.RequestID, Amount: pay.Amount, CaptureMode: pay.CaptureMode, Order: pay.Order,
		RedirectURL: pay.RedirectURL, NotifyURL: pay.NotifyURL, Token: pay.Token,
	}
	if req.PaymentSessionExpiryTime != "" {
		t, err := parseExpiry("paymentSessionExpiryTime", req.PaymentSessionExpiryTime)
		if err != nil {
			return nil, err
		}
		if t.After(now.Add(merchantapi.SessionLifetime)) {
			return nil, paramError("paymentSessionExpiryTime", "must be within one hour: a session lasts at most an hour")
		}
		cmd.ExpiresAt = t
	}
	return cmd, nil
}

// parsePaymentQuote reads paymentQuote, and processingAmount that may come with it, into
// order, as sent: the use case checks them against the quote the gateway gave. Of the quote,
// quoteId is needed; the pair and the price, when sent, must be the quote's, and the rest
// (times, guaranteed) are the gateway's own word, not the merchant's, so they are ignored.
// processingAmount alone has no rate to be checked against. Result codes: PARAM_ILLEGAL,
// CURRENCY_NOT_SUPPORT.
func parsePaymentQuote(order *payment.Order, q *ams.Quote, processing *ams.Amount) *payment.Error {
	switch {
	case q == nil && processing == nil:
		return nil
	case q == nil:
		return paramError("paymentQuote", "is required with processingAmount: the quote of inquireExchangeRate it was converted at")
	}
	if err := require("paymentQuote.quoteId", q.QuoteID); err != nil {
		return err
	}
	sent := payment.Quote{ID: q.QuoteID, Price: string(q.QuotePrice)}
	if q.QuoteCurrencyPair != "" {
		sell, buy, ok := strings.Cut(q.QuoteCurrencyPair, "/")
		if !ok || len(sell) != 3 || len(buy) != 3 {
			return paramError("paymentQuote.quoteCurrencyPair", "must be two currency codes, the sold one first, such as USD/EUR")
		}
		sent.Sell, sent.Buy = sell, buy
	}
	if sent.Price != "" {
		if _, err := payment.ParseRate(sent.Price); err != nil {
			return paramError("paymentQuote.quotePrice", "must be a positive decimal number such as 0.92")
		}
	}
	order.PaymentQuote = &sent
	if processing != nil {
		amount, err := parseAmount("processingAmount", processing)
		if err != nil {
			return err
		}
		order.Processing = &amount
	}
	return nil
}

// parseExchangeRate checks an inquireExchangeRate request and says which pairs it asks for,
// each sold currency first: currencyPairs; else sellCurrency and buyCurrency; else
// paymentCurrency against each settlement currency. Result codes: PARAM_ILLEGAL,
// CURRENCY_NOT_SUPPORT.
func parseExchangeRate(req *ams.InquireExchangeRateRequest, settlement []string) ([][2]string, *payment.Error) {
	if req.ProductCode != "" && req.ProductCode != ams.ProductCashierPayment {
		return nil, paramError("productCode", "must be CASHIER_PAYMENT")
	}
	switch req.RateType {
	case "", ams.RateTrade, ams.RateReference, ams.RateReferenceTrade:
	default:
		return nil, paramError("rateType", "must be TRADE, REFERENCE or REFERENCE_TRADE")
	}
	var pairs [][2]string
	pair := func(field string, sell, buy string) *payment.Error {
		if err := knownCurrency(field+"sellCurrency", sell); err != nil {
			return err
		}
		if err := knownCurrency(field+"buyCurrency", buy); err != nil {
			return err
		}
		pairs = append(pairs, [2]string{sell, buy})
		return nil
	}
	switch {
	case len(req.CurrencyPairs) > 0:
		if len(req.CurrencyPairs) > maxPairs {
			return nil, paramError("currencyPairs", fmt.Sprintf("has more than %d pairs", maxPairs))
		}
		for i, p := range req.CurrencyPairs {
			if err := pair(fmt.Sprintf("currencyPairs[%d].", i), p.SellCurrency, p.BuyCurrency); err != nil {
				return nil, err
			}
		}
	case req.SellCurrency != "" || req.BuyCurrency != "":
		if err := pair("", req.SellCurrency, req.BuyCurrency); err != nil {
			return nil, err
		}
	case req.PaymentCurrency != "":
		if err := knownCurrency("paymentCurrency", req.PaymentCurrency); err != nil {
			return nil, err
		}
		for _, c := range settlement {
			if c != req.PaymentCurrency {
				pairs = append(pairs, [2]string{req.PaymentCurrency, c})
			}
		}
	default:
		return nil, paramError("currencyPairs", "or sellCurrency and buyCurrency, or paymentCurrency is required")
	}
	return pairs, nil
}

// maxPairs bounds the pairs of one inquireExchangeRate.
const maxPairs = 50

// knownCurrency checks a currency code field. Result codes: PARAM_ILLEGAL when absent,
// CURRENCY_NOT_SUPPORT when not an ISO 4217 code.
func knownCurrency(field, code string) *payment.Error {
	if code == "" {
		return paramError(field, "is required")
	}
	if _, ok := ams.CurrencyExponent(code); !ok {
		return payment.NewError(payment.CodeCurrencyNotSupport, fmt.Sprintf("%s %q is not a supported ISO 4217 currency", field, code))
	}
	return nil
}

// parseLookup checks the id and request id that name a payment or a refund; one of them is
// required. Result codes: PARAM_ILLEGAL.
func parseLookup(idField, id, requestIDField, requestID string) (merchantapi.Lookup, *payment.Error) {
	if id == "" && requestID == "" {
		return merchantapi.Lookup{}, paramError(idField, "or "+requestIDField+" is required")
	}
	return merchantapi.Lookup{ID: id, RequestID: requestID}, nil
}

// parseCapture checks a capture request. Result codes: PARAM_ILLEGAL, CURRENCY_NOT_SUPPORT.
func parseCapture(req *ams.CaptureRequest) (merchantapi.CaptureCommand, *payment.Error) {
	if err := requireRequestID("captureRequestId", req.CaptureRequestID); err != nil {
		return merchantapi.CaptureCommand{}, err
	}
	if err := require("paymentId", req.PaymentID); err != nil {
		return merchantapi.CaptureCommand{}, err
	}
	amount, perr := parseAmount("captureAmount", req.CaptureAmount)
	if perr != nil {
		return merchantapi.CaptureCommand{}, perr
	}
	return merchantapi.CaptureCommand{RequestID: req.CaptureRequestID, PaymentID: req.PaymentID, Amount: amount}, nil
}

// parseRefund checks a refund request. Result codes: PARAM_ILLEGAL, CURRENCY_NOT_SUPPORT.
func parseRefund(req *ams.RefundRequest) (merchantapi.RefundCommand, *payment.Error) {
	if err := requireRequestID("refundRequestId", req.RefundRequestID); err != nil {
		return merchantapi.RefundCommand{}, err
	}
	if err := require("paymentId", req.PaymentID); err != nil {
		return merchantapi.RefundCommand{}, err
	}
	amount, perr := parseAmount("refundAmount", req.RefundAmount)
	if perr != nil {
		return merchantapi.RefundCommand{}, perr
	}
	if err := validURL("refundNotifyUrl", req.RefundNotifyURL, false); err != nil {
		return merchantapi.RefundCommand{}, err
	}
	return merchantapi.RefundCommand{
		RequestID: req.RefundRequestID, PaymentID: req.PaymentID, Amount: amount,
		ReferenceRefundID: req.ReferenceRefundID, Reason: req.RefundReason, NotifyURL: req.RefundNotifyURL,
	}, nil
}

// parseConsult checks a consult request. Result codes: PARAM_ILLEGAL, CURRENCY_NOT_SUPPORT.
func parseConsult(req *ams.ConsultRequest) (amount payment.Amount, terminal string, err *payment.Error) {
	if req.ProductCode != ams.ProductCashierPayment {
		if req.ProductCode == "" {
			return amount, "", paramError("productCode", "is required")
		}
		return amount, "", paramError("productCode", "must be CASHIER_PAYMENT")
	}
	if amount, err = parseAmount("paymentAmount", req.PaymentAmount); err != nil {
		return amount, "", err
	}
	terminal = "WEB"
	if req.Env != nil && req.Env.TerminalType != "" {
		if !terminalTypes[req.Env.TerminalType] {
			return amount, "", paramError("env.terminalType", "must be one of WEB, WAP, APP, MINI_APP")
		}
		terminal = req.Env.TerminalType
	}
	return amount, terminal, nil
}
