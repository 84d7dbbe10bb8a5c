// Package antom is where the Antom wire meets the gateway: it turns Antom API requests into
// the use cases' commands and their domain answers into Antom responses and notification
// bodies, once, so that neither the domain nor the use cases know the wire. The result codes
// the use cases return travel to the merchant as they are (payment's codes are Antom's), with
// the result status Antom pairs with each (ams.CodeStatus).
package antom

import (
	"context"
	"maps"
	"reflect"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/merchantapi"
	"github.com/cashierpay/cashier/internal/payment"
)

// Endpoint answers one Antom API call of an authenticated merchant: it decodes the raw body,
// runs the use case and returns the response to sign. An error is a *payment.Error to answer
// as a result, or an internal failure.
type Endpoint func(ctx context.Context, m *payment.Merchant, body []byte) (any, error)

// Endpoints are the APIs cashier serves, by name (the last segment of the path). sim, the
// sandbox's error-scenario simulation, may force their answers; nil (production) never does.
func Endpoints(api *merchantapi.API, sim Simulator) map[string]Endpoint {
	g := api.Core()
	pay := func(ctx context.Context, m *payment.Merchant, req *ams.PayRequest, decline *payment.Error) (any, error) {
		cmd, perr := parsePay(req)
		if perr != nil {
			return nil, perr
		}
		cmd.Decline = decline
		p, err := api.Pay(ctx, m, cmd)
		if err != nil {
			return nil, err
		}
		return payResponse(p, pageURL(ctx, g, p)), nil
	}
	eps := map[string]Endpoint{
		ams.APIPay: decode(sim, ams.APIPay, func(ctx context.Context, m *payment.Merchant, req *ams.PayRequest) (any, error) {
			return pay(ctx, m, req, nil)
		}, pay),
		ams.APICreatePaymentSession: decode(sim, ams.APICreatePaymentSession, func(ctx context.Context, m *payment.Merchant, req *ams.CreatePaymentSessionRequest) (any, error) {
			cmd, perr := parseSession(req, g.Now())
			if perr != nil {
				return nil, perr
			}
			s, err := api.CreatePaymentSession(ctx, m, cmd)
			if err != nil {
				return nil, err
			}
			return sessionResponse(s, m, req.MerchantRegion, g.PublicURL(ctx), g.PageURL(ctx, s.Payment.ID)), nil
		}, nil),
		ams.APIInquiryPayment: decode(sim, ams.APIInquiryPayment, func(ctx context.Context, m *payment.Merchant, req *ams.InquiryPaymentRequest) (any, error) {
			l, perr := parseLookup("paymentId", req.PaymentID, "paymentRequestId", req.PaymentRequestID)
			if perr != nil {
				return nil, perr
			}
			rec, err := api.InquiryPayment(ctx, m, l)
			if err != nil {
				return nil, err
			}
			return inquiryPaymentResponse(rec, pageURL(ctx, g, rec.Payment)), nil
		}, nil),
		ams.APICapture: decode(sim, ams.APICapture, func(ctx context.Context, m *payment.Merchant, req *ams.CaptureRequest) (any, error) {
			cmd, perr := parseCapture(req)
			if perr != nil {
				return nil, perr
			}
			c, err := api.Capture(ctx, m, cmd)
			if err != nil {
				return nil, err
			}
			return captureResponse(c), nil
		}, nil),
		ams.APICancel: decode(sim, ams.APICancel, func(ctx context.Context, m *payment.Merchant, req *ams.CancelRequest) (any, error) {
			l, perr := parseLookup("paymentId", req.PaymentID, "paymentRequestId", req.PaymentRequestID)
			if perr != nil {
				return nil, perr
			}
			p, err := api.Cancel(ctx, m, l)
			if err != nil {
				return nil, err
			}
			return cancelResponse(p), nil
		}, nil),
		ams.APIRefund: decode(sim, ams.APIRefund, func(ctx context.Context, m *payment.Merchant, req *ams.RefundRequest) (any, error) {
			cmd, perr := parseRefund(req)
			if perr != nil {
				return nil, perr
			}
			r, err := api.Refund(ctx, m, cmd)
			if err != nil {
				return nil, err
			}
			// The payment says what the refund settles as (its settlement quote).
			p, err := g.Store.PaymentGet(ctx, r.PaymentID)
			if err != nil {
				return nil, g.InternalError(ctx, "payment of a refund", err)
			}
			return refundResponse(p, r), nil
		}, nil),
		ams.APIInquiryRefund: decode(sim, ams.APIInquiryRefund, func(ctx context.Context, m *payment.Merchant, req *ams.InquiryRefundRequest) (any, error) {
			l, perr := parseLookup("refundId", req.RefundID, "refundRequestId", req.RefundRequestID)
			if perr != nil {
				return nil, perr
			}
			r, err := api.InquiryRefund(ctx, m, l)
			if err != nil {
				return nil, err
			}
			p, err := g.Store.PaymentGet(ctx, r.PaymentID)
			if err != nil {
				return nil, g.InternalError(ctx, "payment of a refund", err)
			}
			return inquiryRefundResponse(p, r), nil
		}, nil),
		ams.APIConsult: decode(sim, ams.APIConsult, func(ctx context.Context, m *payment.Merchant, req *ams.ConsultRequest) (any, error) {
			amount, terminal, perr := parseConsult(req)
			if perr != nil {
				return nil, perr
			}
			var offers []issuer.InstallmentOffer
			if io, ok := g.Issuer.(issuer.InstallmentOffers); ok {
				ictx, cancel := g.IssuerCtx(ctx)
				var err error
				offers, err = io.InstallmentOffers(ictx, amount.Currency)
				cancel()
				if err != nil {
					return nil, g.InternalError(ctx, "installment offers", err)
				}
			}
			return consultResponse(amount, merchantapi.AcceptedBrands(amount.Currency, terminal), offers, g.PublicURL(ctx)), nil
		}, nil),
	}
	if rates := api.Rates(); rates != nil {
		eps[ams.APIInquireExchangeRate] = decode(sim, ams.APIInquireExchangeRate, func(ctx context.Context, m *payment.Merchant, req *ams.InquireExchangeRateRequest) (any, error) {
			pairs, perr := parseExchangeRate(req, rates.SettlementCurrencies())
			if perr != nil {
				return nil, perr
			}
			quotes, err := api.InquireExchangeRate(ctx, pairs)
			if err != nil {
				return nil, err
			}
			return exchangeRateResponse(quotes), nil
		}, nil)
	}
	for name, ep := range disputeEndpoints(api, sim) {
		eps[name] = ep
	}
	maps.Copy(eps, vaultingEndpoints(api, sim))
	return eps
}

// decode reads the body into the API's request type strictly (ams.Decode) and holds every
// string field to its rule (checkText), then calls fn: no use case, and so no store, sees a
// body that fails either. Failures are PARAM_ILLEGAL naming the field. With a simulator, a
// body that reads is answered as the merchant's rules force it (simulate), decline being
// how the API fails with a code as a payment's decline, or nil when it has no such failure.
func decode[Req any](sim Simulator, api string, fn func(context.Context, *payment.Merchant, *Req) (any, error),
	decline func(context.Context, *payment.Merchant, *Req, *payment.Error) (any, error)) Endpoint {
	return func(ctx context.Context, m *payment.Merchant, body []byte) (any, error) {
		var req Req
		if err := ams.Decode(body, &req); err != nil {
			return nil, payment.NewError(payment.CodeParamIllegal, err.Error())
		}
		if err := checkText("", reflect.ValueOf(&req)); err != nil {
			return nil, err
		}
		if sim == nil {
			return fn(ctx, m, &req)
		}
		f, err := sim.Simulate(ctx, m, callOf(api, &req))
		if err != nil {
			return nil, err
		}
		if f.Effect == Normal {
			return fn(ctx, m, &req)
		}
		run := func(ctx context.Context) (any, error) { return fn(ctx, m, &req) }
		var declined func(context.Context, *payment.Error) (any, error)
		if decline != nil {
			declined = func(ctx context.Context, e *payment.Error) (any, error) { return decline(ctx, m, &req, e) }
		}
		return simulate(ctx, f, run, declined)
	}
}

// pageURL is where the buyer continues a payment that waits for them, else "".
func pageURL(ctx context.Context, g *gateway.Core, p *payment.Payment) string {
	if !p.AwaitingBuyer() {
		return ""
	}
	return g.PageURL(ctx, p.ID)
}
