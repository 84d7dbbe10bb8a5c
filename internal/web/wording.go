package web

import (
	"net/url"
	"strings"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/payment"
)

// The wording of a view for people, in the page's language: kept apart from the templates
// because the SDK's JSON view says the same things as the pages.

// fieldErrors are the messages shown under each field, in the page's language.
type fieldErrors struct {
	CardNo, Expiry, CVV, HolderName                  string
	Region, State, City, Address1, Address2, ZipCode string
	OTP                                              string
}

type resultData struct {
	Status  string // data-status
	Code    string // data-code
	Heading string
	Message string
	// LiveMessage replaces Message once card.js runs: what a page that updates by itself
	// says, where Message is true without JavaScript too.
	LiveMessage string
	Note        string
	RedirectURL string // "" when the merchant's URL is unusable
	Final       bool
}

// resultFor words the result page.
func resultFor(t map[string]string, v *checkout.HostedView, revisit bool) resultData {
	res := resultData{Status: string(v.Status), Code: v.ResultCode, RedirectURL: safeRedirect(v.RedirectURL), Final: true}
	if res.Status == "" {
		res.Status = string(payment.Processing)
	}
	switch {
	case v.Expired:
		res.Heading = t["resultExpired"]
	case v.Status == payment.Success && v.Vaulting:
		res.Heading = t["vaultSuccess"]
	case v.Status == payment.Fail && v.Vaulting:
		res.Heading = t["vaultFail"]
		res.Message = reason(t, v.ResultCode, v.ResultMessage)
	case v.Status == payment.Success:
		res.Heading = t["resultSuccess"]
		if revisit {
			res.Note = t["resultAlreadyComplete"]
		}
	case v.Status == payment.Fail:
		res.Heading = t["resultFail"]
		res.Message = reason(t, v.ResultCode, v.ResultMessage)
	case v.Status == payment.Cancelled:
		res.Heading = t["resultCancelled"]
		if m, ok := t["rc_"+v.ResultCode]; ok {
			res.Message = m
		}
	default:
		res.Heading = t["resultProcessing"]
		res.Message = t["resultProcessingBody"]
		res.Final = false
	}
	return res
}

// reason is why a payment failed, in the page's language when the code has a translation,
// else the gateway's message.
func reason(t map[string]string, code, message string) string {
	if m, ok := t["rc_"+code]; ok && code != "" {
		return m
	}
	if message != "" {
		return message
	}
	return t["resultFailGeneric"]
}

// declineReason is why the buyer's last card was declined. A card declined for the
// installment plan it was to pay with (CARD_NOT_SUPPORTED with a plan) is said to lack the
// plan: it may well pay in full.
func declineReason(t map[string]string, v *checkout.HostedView) string {
	if v.DeclineCode == ams.CodeCardNotSupported && v.PlanCount > 0 {
		return t["installmentNotSupported"]
	}
	return reason(t, v.DeclineCode, v.DeclineMessage)
}

// safeRedirect returns the merchant's URL unchanged when it is an absolute http(s) URL,
// else "": a javascript: or relative URL is not linked.
func safeRedirect(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return s
}

// fieldMessages turns the gateway's field errors (field → result code) into messages under
// the fields. Unknown fields only raise the form-level message.
func fieldMessages(t map[string]string, fe map[string]string, vals formValues) (fieldErrors, string) {
	var e fieldErrors
	if len(fe) == 0 {
		return e, ""
	}
	for field, code := range fe {
		if i := strings.LastIndexByte(field, '.'); i >= 0 {
			field = field[i+1:] // billingAddress.region, paymentMethodMetaData.cvv
		}
		switch field {
		case "cardNo":
			switch {
			case vals.emptyNumber:
				e.CardNo = t["errCardNoRequired"]
			case code == ams.CodeCardNotSupported || code == ams.CodeSelectedCardBrandUnavailable:
				e.CardNo = t["errCardNotSupported"]
			default:
				e.CardNo = t["errCardNoInvalid"]
			}
		case "expiry", "expiryMonth", "expiryYear":
			switch {
			case vals.Expiry == "":
				e.Expiry = t["errExpiryRequired"]
			case code == ams.CodeCardExpired:
				e.Expiry = t["errExpiryPast"]
			default:
				e.Expiry = t["errExpiryInvalid"]
			}
		case "cvv":
			switch {
			case vals.emptyCVV:
				e.CVV = t["errCvvRequired"]
			case vals.brand == card.Amex && vals.cvvLen != 4:
				e.CVV = t["errCvvInvalid4"]
			case vals.brand != "" && vals.brand != card.Amex && vals.cvvLen != 3:
				e.CVV = t["errCvvInvalid3"]
			default:
				e.CVV = t["errCvvInvalid"]
			}
		case "holderName", "cardholderName", "fullName", "firstName", "lastName":
			if vals.HolderName == "" {
				e.HolderName = t["errHolderRequired"]
			} else {
				e.HolderName = t["errHolderInvalid"]
			}
		case "otp":
			if vals.emptyOTP {
				e.OTP = t["errOtpRequired"]
			} else {
				e.OTP = t["errOtpInvalid"]
			}
		case "region":
			e.Region = t["errRegionInvalid"]
		case "state":
			e.State = t["errFieldInvalid"]
		case "city":
			e.City = t["errFieldInvalid"]
		case "address1":
			e.Address1 = t["errFieldInvalid"]
		case "address2":
			e.Address2 = t["errFieldInvalid"]
		case "zipCode":
			e.ZipCode = t["errFieldInvalid"]
		}
	}
	return e, t["formErrors"]
}
