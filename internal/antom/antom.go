// Package antom is where the Antom wire meets the gateway: it turns Antom API requests into
// the use cases' commands and their domain answers into Antom responses and notification
// bodies, once, so that neither the domain nor the use cases know the wire. The result codes
// the use cases return travel to the merchant as they are (payment's codes are Antom's), with
// the result status Antom pairs with each (ams.CodeStatus).
package antom

import (
	"context"
	"reflect"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/merchantapi"
	"github.com/cashierpay/cashier/internal/payment"
)

// Endpoint answers one Antom API call of an authenticated merchant: it decodes the raw body,
// runs the use case and returns the response to sign. An error is a *payment.Error to answer
// as a result, or an internal failure.
type Endpoint func(ctx context.Context, m *payment.Merchant, body []byte) (any, error)

// Endpoints are the APIs cashier serves, by name (the last segment of the path).
func Endpoints(api *merchantapi.API) map[string]Endpoint {
	g := api.Core()
	return map[string]Endpoint{
		ams.APIPay: decode(func(ctx context.Context, m *payment.Merchant, req *ams.PayRequest) (any, error) {
			cmd, perr := parsePay(req)
			if perr != nil {
				return nil, perr
			}
			p, err := api.Pay(ctx, m, cmd)
			if err != nil {
				return nil, err
			}
			return payResponse(p, pageURL(ctx, g, p)), nil
		}),
		ams.APICreatePaymentSession: decode(func(ctx context.Context, m *payment.Merchant, req *ams.CreatePaymentSessionRequest) (any, error) {
			cmd, perr := parseSession(req, g.Now())
			if perr != nil {
				return nil, perr
			}
			s, err := api.CreatePaymentSession(ctx, m, cmd)
			if err != nil {
				return nil, err
			}
			return sessionResponse(s, m, req.MerchantRegion, g.PublicURL(ctx), g.PageURL(ctx, s.Payment.ID)), nil
		}),
		ams.APIInquiryPayment: decode(func(ctx context.Context, m *payment.Merchant, req *ams.InquiryPaymentRequest) (any, error) {
			l, perr := parseLookup("paymentId", req.PaymentID, "paymentRequestId", req.PaymentRequestID)
			if perr != nil {
				return nil, perr
			}
			rec, err := api.InquiryPayment(ctx, m, l)
			if err != nil {
				return nil, err
			}
			return inquiryPaymentResponse(rec, pageURL(ctx, g, rec.Payment)), nil
		}),
		ams.APICapture: decode(func(ctx context.Context, m *payment.Merchant, req *ams.CaptureRequest) (any, error) {
			cmd, perr := parseCapture(req)
			if perr != nil {
				return nil, perr
			}
			c, err := api.Capture(ctx, m, cmd)
			if err != nil {
				return nil, err
			}
			return captureResponse(c), nil
		}),
		ams.APICancel: decode(func(ctx context.Context, m *payment.Merchant, req *ams.CancelRequest) (any, error) {
			l, perr := parseLookup("paymentId", req.PaymentID, "paymentRequestId", req.PaymentRequestID)
			if perr != nil {
				return nil, perr
			}
			p, err := api.Cancel(ctx, m, l)
			if err != nil {
				return nil, err
			}
			return cancelResponse(p), nil
		}),
		ams.APIRefund: decode(func(ctx context.Context, m *payment.Merchant, req *ams.RefundRequest) (any, error) {
			cmd, perr := parseRefund(req)
			if perr != nil {
				return nil, perr
			}
			r, err := api.Refund(ctx, m, cmd)
			if err != nil {
				return nil, err
			}
			return refundResponse(r), nil
		}),
		ams.APIInquiryRefund: decode(func(ctx context.Context, m *payment.Merchant, req *ams.InquiryRefundRequest) (any, error) {
			l, perr := parseLookup("refundId", req.RefundID, "refundRequestId", req.RefundRequestID)
			if perr != nil {
				return nil, perr
			}
			r, err := api.InquiryRefund(ctx, m, l)
			if err != nil {
				return nil, err
			}
			return inquiryRefundResponse(r), nil
		}),
		ams.APIConsult: decode(func(ctx context.Context, m *payment.Merchant, req *ams.ConsultRequest) (any, error) {
			amount, terminal, perr := parseConsult(req)
			if perr != nil {
				return nil, perr
			}
			return consultResponse(amount.Currency, merchantapi.AcceptedBrands(amount.Currency, terminal), g.PublicURL(ctx)), nil
		}),
	}
}

// decode reads the body into the API's request type strictly (ams.Decode) and holds every
// string field to its rule (checkText), then calls fn: no use case, and so no store, sees a
// body that fails either. Failures are PARAM_ILLEGAL naming the field.
func decode[Req any](fn func(context.Context, *payment.Merchant, *Req) (any, error)) Endpoint {
	return func(ctx context.Context, m *payment.Merchant, body []byte) (any, error) {
		var req Req
		if err := ams.Decode(body, &req); err != nil {
			return nil, payment.NewError(payment.CodeParamIllegal, err.Error())
		}
		if err := checkText("", reflect.ValueOf(&req)); err != nil {
			return nil, err
		}
		return fn(ctx, m, &req)
	}
}

// pageURL is where the buyer continues a payment that waits for them, else "".
func pageURL(ctx context.Context, g *gateway.Core, p *payment.Payment) string {
	if !p.AwaitingBuyer() {
		return ""
	}
	return g.PageURL(ctx, p.ID)
}
