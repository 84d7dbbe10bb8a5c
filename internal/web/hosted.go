package web

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/checkout"
)

// hostedPages serves the hosted payment pages under /checkout/{token}: HTML forms that
// work without JavaScript, posted with Post/Redirect/Get.
type hostedPages struct {
	flow       Flow
	log        *slog.Logger
	view       *renderer
	csrf       *csrfGuard
	sameOrigin *http.CrossOriginProtection
}

func (h *hostedPages) getPage(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w, r)
	token := r.PathValue("token")
	loc := resolveLocale(w, r, token)
	view, ok := h.currentView(w, r, loc, token, false)
	if !ok {
		return
	}
	h.view.show(w, r, loc, http.StatusOK, view, formValues{})
}

func (h *hostedPages) getSubpage(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w, r)
	token := r.PathValue("token")
	switch r.PathValue("sub") {
	case "challenge", "issuer", "another":
		http.Redirect(w, r, pagePath(token), http.StatusSeeOther)
	default:
		h.view.showError(w, r, resolveLocale(w, r, token), token, http.StatusNotFound)
	}
}

// currentView reads where the payment is, to show it or before a post acts on it; on
// failure it has answered the request.
func (h *hostedPages) currentView(w http.ResponseWriter, r *http.Request, loc, token string, post bool) (*checkout.HostedView, bool) {
	view, err := viewOrErr(h.flow.HostedPage(r.Context(), token))
	if err != nil {
		h.flowError(w, r, loc, token, "HostedPage", err, post)
		return nil, false
	}
	return view, true
}

// readPost parses a form post within MaxBodyBytes and checks its CSRF token. On failure it
// has answered with an error page.
func (h *hostedPages) readPost(w http.ResponseWriter, r *http.Request, token string) (loc string, ok bool) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	err := r.ParseForm()
	loc = resolveLocale(w, r, token)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.view.showError(w, r, loc, token, http.StatusRequestEntityTooLarge)
		} else {
			h.view.showError(w, r, loc, token, http.StatusBadRequest)
		}
		return loc, false
	}
	if h.sameOrigin.Check(r) != nil || !h.csrf.formValid(r, token) {
		h.log.WarnContext(r.Context(), "web: form post without a valid CSRF token", "token", redact(token), "path", r.URL.Path)
		h.view.showError(w, r, loc, token, http.StatusForbidden)
		return loc, false
	}
	return loc, true
}

func (h *hostedPages) postCard(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w, r)
	token := r.PathValue("token")
	loc, ok := h.readPost(w, r, token)
	if !ok {
		return
	}
	ctx := r.Context()
	view, ok := h.currentView(w, r, loc, token, true)
	if !ok {
		return
	}
	var err error
	var vals formValues
	op := ""
	switch view.Step {
	case checkout.StepCard:
		var in checkout.CardInput
		in, vals = parseCardForm(r.PostForm, view.SaveCardOffered)
		vals.brand = card.DetectBrand(in.Number)
		op = "SubmitCard"
		view, err = viewOrErr(h.flow.SubmitCard(ctx, token, in))
	case checkout.StepCVV:
		cvv := stripSpace(r.PostForm.Get("cvv"))
		vals.emptyCVV, vals.cvvLen = cvv == "", len(cvv)
		vals.brand = view.CardBrand
		op = "SubmitCVV"
		view, err = viewOrErr(h.flow.SubmitCVV(ctx, token, cvv, parsePlan(r.PostForm.Get("installments"))))
	default:
		// The payment moved on (a second tab, a double submit): show where it is.
		http.Redirect(w, r, pagePath(token), http.StatusSeeOther)
		return
	}
	if err != nil {
		h.flowError(w, r, loc, token, op, err, true)
		return
	}
	h.afterPost(w, r, loc, token, view, vals)
}

func (h *hostedPages) postChallenge(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w, r)
	token := r.PathValue("token")
	loc, ok := h.readPost(w, r, token)
	if !ok {
		return
	}
	var cancel bool
	switch r.PostForm.Get("action") {
	case "", "submit":
	case "cancel":
		cancel = true
	default:
		h.view.showError(w, r, loc, token, http.StatusBadRequest)
		return
	}
	if !h.atStep(w, r, loc, token, checkout.StepChallenge) {
		return
	}
	code := ""
	if !cancel {
		code = stripSpace(r.PostForm.Get("otp"))
	}
	view, err := viewOrErr(h.flow.CompleteChallenge(r.Context(), token, code, cancel))
	if err != nil {
		h.flowError(w, r, loc, token, "CompleteChallenge", err, true)
		return
	}
	h.afterPost(w, r, loc, token, view, formValues{emptyOTP: code == ""})
}

func (h *hostedPages) postIssuer(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w, r)
	token := r.PathValue("token")
	loc, ok := h.readPost(w, r, token)
	if !ok {
		return
	}
	var approve bool
	switch r.PostForm.Get("action") {
	case "approve":
		approve = true
	case "cancel":
	default:
		h.view.showError(w, r, loc, token, http.StatusBadRequest)
		return
	}
	if !h.atStep(w, r, loc, token, checkout.StepIssuer) {
		return
	}
	view, err := viewOrErr(h.flow.CompleteIssuerAuth(r.Context(), token, approve))
	if err != nil {
		h.flowError(w, r, loc, token, "CompleteIssuerAuth", err, true)
		return
	}
	h.afterPost(w, r, loc, token, view, formValues{})
}

// postAnother leaves a saved card's CVV page or a 3-D Secure challenge for the card form.
func (h *hostedPages) postAnother(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w, r)
	token := r.PathValue("token")
	loc, ok := h.readPost(w, r, token)
	if !ok {
		return
	}
	view, err := viewOrErr(h.flow.UseAnotherCard(r.Context(), token))
	if err != nil {
		h.flowError(w, r, loc, token, "UseAnotherCard", err, true)
		return
	}
	h.afterPost(w, r, loc, token, view, formValues{})
}

// doneCookie marks the first showing of a result reached by this browser's own form post,
// so that a later visit can say the payment is already complete.
const doneCookie = "cashier_done"

// atStep says whether the payment is at the step a post answers; otherwise it has answered:
// an error, or a 303 to the page, which shows the step the payment is at (a second tab's
// post, a post after the outcome).
func (h *hostedPages) atStep(w http.ResponseWriter, r *http.Request, loc, token string, step checkout.Step) bool {
	view, ok := h.currentView(w, r, loc, token, true)
	if !ok {
		return false
	}
	if view.Step != step {
		http.Redirect(w, r, pagePath(token), http.StatusSeeOther)
		return false
	}
	return true
}

// afterPost is Post/Redirect/Get: a form with errors is shown again at once (422), and so is
// the card form back to ask for a brand or a plan (200: it holds the card, sealed, which a
// later GET would not); anything else is a 303 to the page, which shows the new step.
func (h *hostedPages) afterPost(w http.ResponseWriter, r *http.Request, loc, token string, view *checkout.HostedView, vals formValues) {
	if len(view.FieldErrors) > 0 && view.Step != checkout.StepResult {
		h.view.show(w, r, loc, http.StatusUnprocessableEntity, view, vals)
		return
	}
	if view.Choice != nil && view.Step == checkout.StepCard {
		h.view.show(w, r, loc, http.StatusOK, view, vals)
		return
	}
	if view.Step == checkout.StepResult {
		setCookie(w, r, &http.Cookie{
			Name: doneCookie, Value: "1", Path: pagePath(token), MaxAge: int((15 * time.Minute).Seconds()),
			HttpOnly: true, SameSite: http.SameSiteStrictMode,
		})
	}
	http.Redirect(w, r, pagePath(token), http.StatusSeeOther)
}

// flowError answers a failed Flow call on a hosted page: after a post that lost a race with
// the payment's state, the page as it is now; otherwise an error page.
func (h *hostedPages) flowError(w http.ResponseWriter, r *http.Request, loc, token, op string, err error, post bool) {
	status, movedOn := flowStatus(err)
	if movedOn && post {
		http.Redirect(w, r, pagePath(token), http.StatusSeeOther)
		return
	}
	if movedOn {
		status = http.StatusInternalServerError
	}
	logFlowError(h.log, r, status, op, token, err)
	h.view.showError(w, r, loc, token, status)
}
