package web

import (
	"net/url"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/payment"
)

// The SDK's frame is not a page of its own but the hosted page's templates in an embedded
// variant, so that a buyer meets the same form, messages and checks whichever way the
// merchant integrated. What differs is what frame.js needs to talk to the SDK.

// frameParams are what the SDK says about the frame it opens.
type frameParams struct {
	origin     string // the merchant page's origin, "" when the SDK named none usable
	showSubmit bool   // the form shows its own pay button
	needCVV    bool
	redirect   bool // the SDK sends the buyer to paymentRedirectUrl after a final result
}

// frameConfig is the JSON that the frame page hands to frame.js (id="sdk-config").
type frameConfig struct {
	Origin   string            `json:"origin"`
	Locale   string            `json:"locale"`
	API      string            `json:"api"`
	CSRF     string            `json:"csrf,omitempty"`
	Step     string            `json:"step"`
	Error    int               `json:"error,omitempty"`
	NeedCVV  bool              `json:"needCVV,omitempty"`
	View     *sdkView          `json:"view,omitempty"`
	Messages map[string]string `json:"messages"`
}

// sdkView is the JSON view of a payment for the SDK frame. It holds no card data beyond the
// masked number; the messages are in the frame's language.
type sdkView struct {
	Step           string            `json:"step"`
	Status         string            `json:"status"`
	ResultCode     string            `json:"resultCode"`
	ResultStatus   string            `json:"resultStatus"`
	ResultMessage  string            `json:"resultMessage"`
	DeclineCode    string            `json:"declineCode,omitempty"`
	DeclineMessage string            `json:"declineMessage,omitempty"`
	FieldErrors    map[string]string `json:"fieldErrors,omitempty"`   // form field → result code
	FieldMessages  map[string]string `json:"fieldMessages,omitempty"` // input id → message
	FormError      string            `json:"formError,omitempty"`
	Message        string            `json:"message,omitempty"` // the decline or the result, for people
	RedirectURL    string            `json:"redirectUrl,omitempty"`
	CardMasked     string            `json:"cardMasked,omitempty"`
	CardBrand      string            `json:"cardBrand,omitempty"`
	Expired        bool              `json:"expired"`
	Final          bool              `json:"final"`
	// Vaulting: the session saves a card (createVaultingSession). The SDK's AMSVaulting
	// takes only these, AMSCashierPayment only the others.
	Vaulting bool `json:"vaulting,omitempty"`
}

// frameMessages are the catalog messages frame.js and the SDK show.
var frameMessages = []string{"frameTitle", "close", "errNetwork", "errorBody", "formErrors"}

func (rd *renderer) sdkViewOf(loc string, v *checkout.HostedView, vals formValues) *sdkView {
	t := rd.msgs[viewLocale(v, loc)]
	sv := &sdkView{
		Step: string(v.Step), Status: string(v.Status), ResultCode: v.ResultCode, ResultMessage: v.ResultMessage,
		DeclineCode: v.DeclineCode, DeclineMessage: v.DeclineMessage, RedirectURL: safeRedirect(v.RedirectURL),
		CardMasked: v.CardMasked, CardBrand: v.CardBrand, Expired: v.Expired, Vaulting: v.Vaulting,
	}
	if sv.Status == "" {
		sv.Status = string(payment.Processing)
	}
	if v.ResultCode != "" {
		sv.ResultStatus = ams.CodeStatus(v.ResultCode)
	}
	sv.Final = v.Step == checkout.StepResult && v.Status != payment.Processing && v.Status != ""
	if len(v.FieldErrors) > 0 && v.Step != checkout.StepResult {
		sv.FieldErrors = make(map[string]string, len(v.FieldErrors))
		for k, c := range v.FieldErrors {
			sv.FieldErrors[k] = c
		}
		fe, summary := fieldMessages(t, v.FieldErrors, vals)
		sv.FieldMessages, sv.FormError = fe.byID(), summary
	}
	switch {
	case v.Step == checkout.StepResult:
		res := resultFor(t, v, false)
		sv.Message = res.Heading
		if res.Message != "" {
			sv.Message = res.Message
		}
	case v.DeclineCode != "":
		sv.Message = declineReason(t, v)
	}
	return sv
}

// byID maps the messages to the ids of their inputs.
func (e fieldErrors) byID() map[string]string {
	m := map[string]string{}
	for id, msg := range map[string]string{
		"cardNo": e.CardNo, "expiry": e.Expiry, "cvv": e.CVV, "holderName": e.HolderName, "region": e.Region,
		"state": e.State, "city": e.City, "address1": e.Address1, "address2": e.Address2, "zipCode": e.ZipCode, "otp": e.OTP,
	} {
		if msg != "" {
			m[id] = msg
		}
	}
	return m
}

func (rd *renderer) frameConfig(loc, csrf string, sdk *frameParams, token, step string) *frameConfig {
	t := rd.msgs[loc]
	cfg := &frameConfig{
		Origin: sdk.origin, Locale: loc, API: SDKPrefix + "api/" + url.PathEscape(token), CSRF: csrf, Step: step,
		NeedCVV: sdk.needCVV, Messages: make(map[string]string, len(frameMessages)),
	}
	for _, k := range frameMessages {
		cfg.Messages[k] = t[k]
	}
	return cfg
}

// embed turns a rendered page into the SDK frame's variant.
func (rd *renderer) embed(pg *page, token string, v *checkout.HostedView, vals formValues, sdk *frameParams) {
	t := pg.T
	pg.Embedded, pg.HideSubmit, pg.HideCVV = true, !sdk.showSubmit, !sdk.needCVV
	if v.Step == checkout.StepResult {
		// The SDK moves the buyer on (or not: notRedirectAfterComplete); the frame links nowhere.
		pg.Title = pg.Result.Heading
		if sdk.redirect && pg.Result.Final && pg.Result.RedirectURL != "" {
			pg.Result.Note = t["redirecting"]
		}
		pg.Result.RedirectURL = ""
	}
	pg.SDKConfig = rd.frameConfig(pg.Locale, pg.CSRF, sdk, token, string(v.Step))
	pg.SDKConfig.View = rd.sdkViewOf(pg.Locale, v, vals)
	if v.Vaulting {
		// The frame's accessible name says what the form does: it saves a card, it pays nothing.
		pg.SDKConfig.Messages["frameTitle"] = t["vaultTitle"]
	}
}

// embedError turns an error page into the SDK frame's variant; frame.js tells the SDK.
func (rd *renderer) embedError(pg *page, token string, status int, sdk *frameParams) {
	pg.Embedded = true
	pg.Error.Back = ""
	pg.SDKConfig = rd.frameConfig(pg.Locale, "", sdk, token, "error")
	pg.SDKConfig.Error = status
}
