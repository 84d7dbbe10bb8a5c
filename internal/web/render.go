package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/antom"
	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/payment"
)

// page is what the templates see.
type page struct {
	Lang   string // <html lang>
	Locale string // Antom spelling, kept in the forms' hidden locale field
	Step   string // data-step
	Title  string
	T      map[string]string
	View   *checkout.HostedView
	Amount string
	// Action is the page's own path; forms post to it (plus /challenge or /issuer).
	Action string
	CSRF   string
	// Script: the page loads card.js with its messages and the brand table.
	Script     bool
	JSMessages map[string]string
	Brands     []card.BrandRange
	Accepted   []logo
	PayLabel   string
	Values     formValues
	Errors     fieldErrors
	FormError  string
	CardLogo   logo
	Issuer     logo
	IssuerText string
	Result     resultData
	Refresh    string // <meta http-equiv="refresh"> content
	Error      errorData
	// ChallengeHint is what the 3-D Secure server lets the page show: the sandbox's code.
	ChallengeHint string
	// Embedded: the page is the browser SDK's frame (/sdk/form/{token}): no merchant header,
	// no meta refresh, no links out, and frame.js with SDKConfig talks to the SDK.
	Embedded   bool
	HideSubmit bool // the SDK's merchant submits with its own button
	// HideCVV: the SDK's merchant pays a saved card without asking its CVV again
	// (merchantAppointParam.storedCard.needCVV false).
	HideCVV   bool
	SDKConfig *frameConfig
}

type logo struct {
	Src  string
	Name string
}

// fieldErrors are the messages shown under each field, in the page's language.
type fieldErrors struct {
	CardNo, Expiry, CVV, HolderName                  string
	Region, State, City, Address1, Address2, ZipCode string
	OTP                                              string
}

type resultData struct {
	Status      string // data-status
	Code        string // data-code
	Heading     string
	Message     string
	Note        string
	RedirectURL string // "" when the merchant's URL is unusable
	Final       bool
}

type errorData struct {
	Status  int
	Heading string
	Body    string
	Back    string // link to the payment page, "" for none
}

// jsKeys are the messages card.js shows.
var jsKeys = []string{
	"errCardNoRequired", "errCardNoInvalid", "errExpiryRequired", "errExpiryInvalid", "errExpiryPast",
	"errCvvRequired", "errCvvInvalid3", "errCvvInvalid4", "errHolderRequired", "errRegionInvalid",
	"errOtpRequired", "formErrors", "processing", "detectedBrand",
}

// acceptedBrands are the marks shown on the card form: the accepted brands a number's prefix
// tells (Korean local cards come through their issuer's page instead).
var acceptedBrands = func() []string {
	var out []string
	for _, b := range card.Brands() {
		if b.Accepted && !b.Korean {
			out = append(out, b.Code)
		}
	}
	return out
}()

func brandLogo(code string) logo {
	b, ok := card.LookupBrand(code)
	if !ok {
		return logo{Src: antom.LogoPath(card.Generic), Name: code}
	}
	return logo{Src: antom.LogoPath(b.Code), Name: b.Name}
}

func (p *Pages) newPage(loc, step, token string) *page {
	t := p.msgs[loc]
	return &page{Lang: htmlLang(loc), Locale: loc, Step: step, Title: t["title"], T: t, Action: pagePath(token)}
}

// show renders the page for the view's step.
func (p *Pages) show(w http.ResponseWriter, r *http.Request, loc string, status int, v *checkout.HostedView, vals formValues) {
	p.render(w, r, loc, status, v, vals, nil)
}

// render renders the page for the view's step: the hosted page, or with sdk the browser
// SDK's frame.
func (p *Pages) render(w http.ResponseWriter, r *http.Request, loc string, status int, v *checkout.HostedView, vals formValues, sdk *frameParams) {
	token := r.PathValue("token")
	pg := p.newPage(loc, string(v.Step), token)
	t := pg.T
	pg.View = v
	pg.Amount = formatAmount(loc, v.Amount.Currency, ams.FormatMajor(v.Amount.Currency, v.Amount.Value))
	pg.PayLabel = strings.ReplaceAll(t["pay"], "{amount}", pg.Amount)
	form := func() {
		if sdk != nil {
			pg.CSRF = p.sdkCSRF(token, p.now())
		} else {
			pg.CSRF = p.csrfField(w, r, token)
		}
		pg.Script = true
		pg.JSMessages = make(map[string]string, len(jsKeys))
		for _, k := range jsKeys {
			pg.JSMessages[k] = t[k]
		}
		pg.Brands = p.brands
		pg.Errors, pg.FormError = fieldMessages(t, v.FieldErrors, vals)
		pg.Values = vals
	}
	name := string(v.Step)
	switch v.Step {
	case checkout.StepCard:
		form()
		for _, b := range acceptedBrands {
			pg.Accepted = append(pg.Accepted, brandLogo(b))
		}
	case checkout.StepCVV:
		form()
		pg.Title = t["cvvTitle"]
		pg.CardLogo = brandLogo(cardBrand(v.CardBrand))
	case checkout.StepChallenge:
		form()
		pg.Title = t["challengeTitle"]
		pg.ChallengeHint = v.ChallengeHint
		pg.CardLogo = brandLogo(cardBrand(v.CardBrand))
	case checkout.StepIssuer:
		form()
		pg.Title = t["issuerTitle"]
		pg.Issuer = brandLogo(v.IssuerBrand)
		pg.Issuer.Name = issuerName(loc, v.IssuerBrand)
		pg.IssuerText = strings.ReplaceAll(t["issuerPrompt"], "{brand}", pg.Issuer.Name)
	case checkout.StepResult:
		if sdk != nil {
			pg.Result = resultFor(t, v, false)
			pg.Title = pg.Result.Heading
			break
		}
		pg.Result = resultFor(t, v, p.revisit(w, r, token, v))
		pg.Title = pg.Result.Heading
		switch {
		case pg.Result.Final && pg.Result.RedirectURL != "":
			pg.Refresh = "3;url=" + pg.Result.RedirectURL
		case !pg.Result.Final:
			pg.Refresh = "5" // ask again for the outcome
		}
		if v.RedirectURL != "" && pg.Result.RedirectURL == "" {
			p.log.WarnContext(r.Context(), "web: payment redirect URL is not http(s); not linked", "payment", v.PaymentID)
		}
	default:
		p.log.ErrorContext(r.Context(), "web: unknown hosted step", "step", v.Step, "payment", v.PaymentID)
		p.showError(w, r, loc, token, http.StatusInternalServerError)
		return
	}
	if sdk != nil {
		p.embed(pg, token, v, vals, sdk)
	}
	p.execute(w, r, status, name, pg)
}

func cardBrand(b string) string {
	if b == "" {
		return card.Generic
	}
	return b
}

// revisit reports whether a result page is not the one this browser's own post led to, and
// consumes the mark once the result is final.
func (p *Pages) revisit(w http.ResponseWriter, r *http.Request, token string, v *checkout.HostedView) bool {
	if _, err := r.Cookie(doneCookie); err != nil {
		return true
	}
	if v.Status != payment.Processing {
		setCookie(w, r, &http.Cookie{
			Name: doneCookie, Value: "", Path: pagePath(token), MaxAge: -1,
			HttpOnly: true, SameSite: http.SameSiteStrictMode,
		})
	}
	return false
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
	if res.Final && res.RedirectURL != "" {
		res.Note = strings.TrimSpace(res.Note + " " + t["redirecting"])
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

// safeRedirect returns the merchant's URL unchanged when it is an absolute http(s) URL,
// else "": a javascript: or relative URL is neither linked nor refreshed to.
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

// showError renders an error page: 404 for an unknown payment, 403 for a failed CSRF check,
// 400 and 413 for unreadable forms, 500 otherwise.
func (p *Pages) showError(w http.ResponseWriter, r *http.Request, loc, token string, status int) {
	p.renderError(w, r, loc, token, status, nil)
}

// renderError renders an error page, in the browser SDK's frame with sdk.
func (p *Pages) renderError(w http.ResponseWriter, r *http.Request, loc, token string, status int, sdk *frameParams) {
	pg := p.newPage(loc, "error", token)
	t := pg.T
	e := errorData{Status: status, Back: pg.Action}
	switch status {
	case http.StatusNotFound:
		e.Heading, e.Body, e.Back = t["notFoundTitle"], t["notFoundBody"], ""
	case http.StatusForbidden:
		e.Heading, e.Body = t["forbiddenTitle"], t["forbiddenBody"]
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		e.Heading, e.Body = t["forbiddenTitle"], t["badRequestBody"]
	default:
		e.Heading, e.Body = t["errorTitle"], t["errorBody"]
	}
	pg.Title = e.Heading
	pg.Error = e
	if sdk != nil {
		p.embedError(pg, token, status, sdk)
	}
	p.execute(w, r, status, "error", pg)
}
