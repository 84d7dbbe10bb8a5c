package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cashierpay/cashier/internal/antom"
	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/merchantapi"
	"github.com/cashierpay/cashier/internal/payment"
)

//go:embed templates/*.html
var templateFS embed.FS

// renderer turns a view into a page in the buyer's language: a hosted page, or the SDK
// frame's variant of it. It issues the forms' CSRF tokens because only the rendering knows
// whether a page has a form.
type renderer struct {
	log       *slog.Logger
	msgs      catalog
	templates map[string]*template.Template
	brands    card.Table
	countries map[string][]country // by locale
	csrf      *csrfGuard
}

func parseTemplates() (map[string]*template.Template, error) {
	base, err := template.New("layout").Option("missingkey=error").ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, name := range []string{"card", "cvv", "challenge", "issuer", "result", "error"} {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// page is what the templates see.
type page struct {
	Lang   string // <html lang>
	Locale string // Antom spelling, kept in the forms' hidden locale field
	Step   string // data-step
	Title  string
	T      map[string]string
	View   *checkout.HostedView
	// MerchantLogo is the src of the merchant's logo, which stands for its name in the
	// header (the name is its alt text); "" shows the name.
	MerchantLogo string
	// Back is the way back to the merchant from the card form ("Back to Acme Store"): its
	// paymentRedirectUrl, "" for none. Leaving changes nothing: the payment stays open until
	// it expires or the merchant cancels it, and the buyer may come back to pay.
	Back, BackLabel string
	Amount          string
	// AmountLabel says what the amount is, to a screen reader in the header and on the
	// receipt: due, until the payment went through, then paid.
	AmountLabel string
	// Action is the page's own path; forms post to it (plus /challenge or /issuer).
	Action string
	CSRF   string
	// Script: the page loads card.js with its messages and the brand table.
	Script     bool
	JSMessages map[string]string
	Brands     card.Table
	Accepted   []logo
	// Countries are the billing address's choices, in the page's language.
	Countries []country
	// CVVHint tells where the CVV is on the card being paid: 3 digits on the back, or 4 on
	// the front for AMEX; on the card form, both until card.js knows the brand.
	CVVHint   string
	PayLabel  string
	Values    formValues
	Errors    fieldErrors
	FormError string
	// FocusFormError: the page opens with the focus on FormError (a declined card's reason).
	FocusFormError bool
	CardLogo       logo
	// CardNumber is the card as the buyer sees it, "•••• 4622": the first six digits of
	// Antom's masked number are the merchant's, and mean nothing to a buyer.
	CardNumber string
	// Receipt: a successful payment's page shows what was paid, with what, and the reference
	// the buyer can quote to the merchant.
	Receipt    bool
	Issuer     logo
	IssuerText string
	Result     resultData
	// Poll is where a page waiting on the issuer asks for the payment's state (the JSON view
	// the SDK's frame reads too); card.js reloads the page once it is final. Without
	// JavaScript the page's "Check status" link does it.
	Poll  string
	Error errorData
	// ChallengeHint is what the 3-D Secure server lets the page show: the sandbox's code.
	ChallengeHint string
	// Embedded: the page is the browser SDK's frame (/sdk/form/{token}): no merchant header,
	// no status poll, no links out, and frame.js with SDKConfig talks to the SDK.
	Embedded   bool
	HideSubmit bool // the SDK's merchant submits with its own button
	// HideCVV: the SDK's merchant pays a saved card without asking its CVV again
	// (merchantAppointParam.storedCard.needCVV false).
	HideCVV   bool
	SDKConfig *frameConfig
	// Plans is where the card form of a session that collects installments asks for the
	// card's plans (getPlans) once the buyer has typed its BIN; "" for no plan select.
	Plans string
	// BrandChoices and PlanChoices are the radio groups the server draws itself: on the card
	// form back to ask for a choice (View.Choice), and PlanChoices on a saved card's page.
	BrandChoices []brandChoice
	PlanChoices  []planChoice
}

type brandChoice struct {
	logo
	Code    string
	Checked bool
}

// planChoice is a plan as a radio: Count 0 pays in full.
type planChoice struct {
	Count   int
	Label   string
	Checked bool
}

// planChoices lists the view's plans for the radio group, "Pay in full" first, the chosen
// plan checked (View.PlanCount) when the card has it, else "Pay in full"; none without plans.
func planChoices(t map[string]string, loc string, v *checkout.HostedView) []planChoice {
	if len(v.Plans) == 0 {
		return nil
	}
	out := []planChoice{{Count: 0, Label: t["payInFull"], Checked: true}}
	for _, o := range v.Plans {
		c := planChoice{Count: o.Count, Label: planLabel(t, loc, o), Checked: o.Count == v.PlanCount}
		if c.Checked {
			out[0].Checked = false
		}
		out = append(out, c)
	}
	return out
}

type logo struct {
	Src  string
	Name string
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
	"errOtpRequired", "formErrors", "processing", "detectedBrand", "errCardNotSupported",
	"cvvHint", "cvvHint3", "cvvHint4",
}

func brandLogo(code string) logo {
	b, ok := card.LookupBrand(code)
	if !ok {
		return logo{Src: antom.LogoPath(card.Generic), Name: code}
	}
	return logo{Src: antom.LogoPath(b.Code), Name: b.Name}
}

func (rd *renderer) newPage(loc, step, token string) *page {
	t := rd.msgs[loc]
	return &page{Lang: htmlLang(loc), Locale: loc, Step: step, Title: t["title"], T: t, Action: pagePath(token)}
}

// show renders the page for the view's step.
func (rd *renderer) show(w http.ResponseWriter, r *http.Request, loc string, status int, v *checkout.HostedView, vals formValues) {
	rd.render(w, r, loc, status, v, vals, nil)
}

// render renders the page for the view's step: the hosted page, or with sdk the browser
// SDK's frame.
func (rd *renderer) render(w http.ResponseWriter, r *http.Request, loc string, status int, v *checkout.HostedView, vals formValues, sdk *frameParams) {
	token := r.PathValue("token")
	loc = viewLocale(v, loc)
	pg := rd.newPage(loc, string(v.Step), token)
	t := pg.T
	pg.View = v
	pg.MerchantLogo = LogoPath(v.MerchantLogo)
	pg.Amount = formatMoney(loc, v.Amount.Currency, v.Amount.Value)
	pg.AmountLabel = t["amountLabel"]
	if v.Status == payment.Success {
		pg.AmountLabel = t["amountPaidLabel"]
	}
	pg.PayLabel = strings.ReplaceAll(t["pay"], "{amount}", pg.Amount)
	if v.Vaulting {
		pg.Title, pg.PayLabel = t["vaultTitle"], t["vaultButton"]
	}
	if c := v.Choice; c != nil && vals.brand == "" {
		vals.brand = c.Brand // the CVV's length is the kept card's
	}
	form := func() {
		if sdk != nil {
			pg.CSRF = rd.csrf.frameToken(token, time.Now())
		} else {
			pg.CSRF = rd.csrf.formField(w, r, token)
		}
		pg.Script = true
		pg.JSMessages = make(map[string]string, len(jsKeys))
		for _, k := range jsKeys {
			pg.JSMessages[k] = t[k]
		}
		pg.Brands = rd.brands
		pg.Countries = rd.countries[loc]
		pg.Errors, pg.FormError = fieldMessages(t, v.FieldErrors, vals)
		pg.Values = vals
		pg.CVVHint = cvvHint(t, vals.brand)
	}
	name := string(v.Step)
	switch v.Step {
	case checkout.StepCard:
		form()
		if v.DeclineCode != "" && pg.FormError == "" {
			// The last card was declined and the payment is open for another: say why, and
			// take the buyer (and a screen reader) to the reason first.
			pg.FormError, pg.FocusFormError = declineReason(t, v), true
		}
		// The marks are consult's brands for this payment: the Korean local cards with the
		// others when it is in KRW (the buyer types their numbers on this form too).
		for _, b := range merchantapi.AcceptedBrands(v.Amount.Currency, v.TerminalType) {
			pg.Accepted = append(pg.Accepted, brandLogo(b.Code))
		}
		if c := v.Choice; c != nil {
			// Back to ask what the form could not offer before the number was known: the
			// card kept (sealed), its brands and plans drawn here.
			pg.CardLogo, pg.CardNumber = brandLogo(c.Brand), lastFour(c.Masked)
			pg.CVVHint = cvvHint(t, c.Brand)
			for _, b := range c.Brands {
				pg.BrandChoices = append(pg.BrandChoices, brandChoice{logo: brandLogo(b), Code: b, Checked: b == c.Brand})
			}
			pg.PlanChoices = planChoices(t, loc, v)
		} else if v.CollectInstallments {
			pg.Plans = SDKPrefix + "api/" + url.PathEscape(token) + "/installments?locale=" + url.QueryEscape(loc)
		}
	case checkout.StepCVV:
		form()
		pg.CVVHint = cvvHint(t, cardBrand(v.CardBrand))
		pg.Title = t["cvvTitle"]
		pg.CardLogo, pg.CardNumber = brandLogo(cardBrand(v.CardBrand)), lastFour(v.CardMasked)
		pg.PlanChoices = planChoices(t, loc, v)
	case checkout.StepChallenge:
		form()
		pg.Title = t["challengeTitle"]
		pg.ChallengeHint = v.ChallengeHint
		pg.CardLogo, pg.CardNumber = brandLogo(cardBrand(v.CardBrand)), lastFour(v.CardMasked)
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
		pg.Result = resultFor(t, v, rd.revisit(w, r, token, v))
		pg.Title = pg.Result.Heading
		if v.Status == payment.Success {
			pg.Receipt = true
			pg.CardLogo, pg.CardNumber = brandLogo(cardBrand(v.CardBrand)), lastFour(v.CardMasked)
		}
		// No page leaves or reloads by a timer (WCAG 2.2.1): a final page stays until the
		// buyer leaves with "Return to merchant", and a payment still waiting on the issuer
		// is looked up in the background, the page changing only once there is an outcome.
		if !pg.Result.Final {
			pg.Poll = SDKPrefix + "api/" + url.PathEscape(token)
			// Without JavaScript nothing polls: the page says to use its "Check status"
			// link, and card.js swaps in the wording of a page that updates by itself.
			pg.Result.LiveMessage = pg.Result.Message
			pg.Result.Message = strings.ReplaceAll(t["resultProcessingManual"], "{button}", t["checkStatus"])
		}
		if v.RedirectURL != "" && pg.Result.RedirectURL == "" {
			rd.log.WarnContext(r.Context(), "web: payment redirect URL is not http(s); not linked", "payment", v.PaymentID)
		}
	default:
		rd.log.ErrorContext(r.Context(), "web: unknown hosted step", "step", v.Step, "payment", v.PaymentID)
		rd.showError(w, r, loc, token, http.StatusInternalServerError)
		return
	}
	if (v.Step == checkout.StepCard || v.Step == checkout.StepCVV) && sdk == nil {
		pg.Back, pg.BackLabel = safeRedirect(v.RedirectURL), t["returnToMerchant"]
		if v.MerchantName != "" {
			pg.BackLabel = strings.ReplaceAll(t["backToMerchant"], "{merchant}", v.MerchantName)
		}
	}
	pg.Title = titled(pg.Title, v)
	if sdk != nil {
		rd.embed(pg, token, v, vals, sdk)
	}
	rd.execute(w, r, status, name, pg)
}

// titled names the merchant in a page's title, the way a buyer finds the tab again: the
// card form is the merchant's own ("Acme Store"), every later step says what it is first
// ("Verify your payment – Acme Store").
func titled(title string, v *checkout.HostedView) string {
	switch {
	case v.MerchantName == "":
		return title
	case v.Step == checkout.StepCard:
		return v.MerchantName
	}
	return title + " – " + v.MerchantName
}

// cvvHint is where the CVV of a card of brand is printed; "" and the generic mark have
// both places.
func cvvHint(t map[string]string, brand string) string {
	switch brand {
	case "", card.Generic:
		return t["cvvHint"]
	case card.Amex:
		return t["cvvHint4"]
	}
	return t["cvvHint3"]
}

func cardBrand(b string) string {
	if b == "" {
		return card.Generic
	}
	return b
}

// revisit reports whether a result page is not the one this browser's own post led to, and
// consumes the mark once the result is final.
func (rd *renderer) revisit(w http.ResponseWriter, r *http.Request, token string, v *checkout.HostedView) bool {
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

// showError renders an error page: 404 for an unknown payment, 403 for a failed CSRF check,
// 400 and 413 for unreadable forms, 500 otherwise.
func (rd *renderer) showError(w http.ResponseWriter, r *http.Request, loc, token string, status int) {
	rd.renderError(w, r, loc, token, status, nil)
}

// renderError renders an error page, in the browser SDK's frame with sdk.
func (rd *renderer) renderError(w http.ResponseWriter, r *http.Request, loc, token string, status int, sdk *frameParams) {
	pg := rd.newPage(loc, "error", token)
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
		rd.embedError(pg, token, status, sdk)
	}
	rd.execute(w, r, status, "error", pg)
}

// execute renders a page template and writes it with status.
func (rd *renderer) execute(w http.ResponseWriter, r *http.Request, status int, name string, pg *page) {
	var buf bytes.Buffer
	if err := rd.templates[name].ExecuteTemplate(&buf, "layout", pg); err != nil {
		rd.log.ErrorContext(r.Context(), "web: rendering failed", "page", name, "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintln(w, "Internal error")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// lastFour shows a masked card number by its last four digits.
func lastFour(masked string) string {
	if len(masked) < 4 {
		return ""
	}
	return "•••• " + masked[len(masked)-4:]
}
