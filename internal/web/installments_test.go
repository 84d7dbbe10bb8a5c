package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/payment"
)

// TestPlanSelect: the card form of a session that collects installments has a labelled plan
// select, hidden until card.js has plans for the card, holding "pay in full" and the
// merchant's preselected plan; other card forms have none.
func TestPlanSelect(t *testing.T) {
	v := baseView(checkout.StepCard)
	w := newHarness(t, v).get("/checkout/" + testToken + "?locale=pt_BR")
	if hasID(w.Body.String(), "installments") {
		t.Fatal("a form that does not collect installments has a plan select")
	}
	v.CollectInstallments, v.PlanCount = true, 6
	for _, path := range []string{"/checkout/" + testToken + "?locale=pt_BR", "/sdk/form/" + testToken + "?origin=https://shop.example&locale=pt_BR"} {
		body := newHarness(t, v).get(path).Body.String()
		field := tag(t, body, "installments-field")
		if _, hidden := field["hidden"]; !hidden {
			t.Errorf("%s: the plan field shows before there are plans", path)
		}
		sel := tag(t, body, "installments")
		// Disabled as served: a form without JavaScript posts no plan (card.js enables it).
		if _, disabled := sel["disabled"]; !disabled {
			t.Errorf("%s: the plan select is enabled without card.js", path)
		}
		if sel["name"] != "installments" || sel["data-selected"] != "6" ||
			sel["data-plans"] != "/sdk/api/"+testToken+"/installments?locale=pt_BR" {
			t.Errorf("%s: select %v", path, sel)
		}
		if !strings.Contains(body, `<label for="installments">Parcelamento</label>`) || !strings.Contains(body, `<option value="0">À vista</option>`) {
			t.Errorf("%s: the select has no label or no pay-in-full option in the page's language", path)
		}
	}
}

// TestPlansEndpoint: the form's own endpoint asks the flow with the BIN only and labels each
// plan in the asked language, its amounts formatted as the page formats money.
func TestPlansEndpoint(t *testing.T) {
	h := newHarness(t, baseView(checkout.StepCard))
	mxn := func(v int64) payment.Amount { return payment.Amount{Currency: "MXN", Value: v} }
	h.flow.plans = []checkout.PlanOption{{Count: 3, First: mxn(33334), Rest: mxn(33333)}, {Count: 6, First: mxn(20000), Rest: mxn(20000)}}
	for _, c := range []struct{ locale, first, second string }{
		{"en_US", "3 monthly payments: MX$333.34, then MX$333.33", "6 monthly payments of MX$200.00"},
		{"pt_BR", "3x por mês: MX$ 333,34 na primeira, depois MX$ 333,33", "6x de MX$ 200,00 por mês"},
	} {
		w := h.get("/sdk/api/" + testToken + "/installments?bin=40060554&locale=" + c.locale)
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("%s: status %d %s", c.locale, w.Code, w.Body)
		}
		var got struct {
			Plans []planJSON `json:"plans"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		// formatMoney separates the symbol with a no-break space where the locale does.
		for i := range got.Plans {
			got.Plans[i].Label = strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(got.Plans[i].Label)
		}
		want := []planJSON{{3, c.first}, {6, c.second}}
		if len(got.Plans) != 2 || got.Plans[0] != want[0] || got.Plans[1] != want[1] {
			t.Errorf("%s: plans %+v, want %+v", c.locale, got.Plans, want)
		}
		if h.flow.bin != "40060554" {
			t.Errorf("the flow was asked with %q", h.flow.bin)
		}
	}
	h.flow.plans = nil
	if w := h.get("/sdk/api/" + testToken + "/installments?bin=4006"); w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != `{"plans":[]}` {
		t.Errorf("no plans: %d %s", w.Code, w.Body)
	}
	h.flow.nextErr = payment.NewError(payment.CodeOrderNotExist, "no such payment page")
	if w := h.get("/sdk/api/" + testToken + "/installments?bin=40060554"); w.Code != http.StatusNotFound {
		t.Errorf("unknown token: %d %s", w.Code, w.Body)
	}
}

// TestPlanPosted: the chosen plan reaches the flow from the hosted form and the SDK's JSON
// alike; an unreadable value is passed on as -1 for the flow to refuse.
func TestPlanPosted(t *testing.T) {
	for _, c := range []struct {
		value string
		want  int
	}{{"", 0}, {"0", 0}, {"6", 6}, {" 12 ", 12}, {"six", -1}, {"-3", -1}} {
		in, _ := parseCardForm(url.Values{"cardNo": {"4006055482525268"}, "installments": {c.value}}, false)
		if in.Installments != c.want {
			t.Errorf("installments %q: %d, want %d", c.value, in.Installments, c.want)
		}
	}
	b := sdkCardBody{CardNo: "4006055482525268", Installments: "9"}
	if in, _ := parseCardForm(b.values(), false); in.Installments != 9 {
		t.Errorf("SDK body: installments %d", in.Installments)
	}
}

// TestPlanDeclined: a card declined for the plan it was to pay with is told as lacking the
// plan, on the hosted page and in the SDK's view; without a plan the same code reads as a card
// that is not supported.
func TestPlanDeclined(t *testing.T) {
	v := baseView(checkout.StepCard)
	v.Session, v.CollectInstallments, v.PlanCount = true, true, 12
	v.DeclineCode, v.DeclineMessage = payment.CodeCardNotSupported, "The card has no installment plan of creditPayPlan.installmentNum for this currency and amount."
	const lacks = "This card has no such payment plan. Choose another plan, pay in full or use another card."
	if got := text(t, newHarness(t, v).get("/checkout/"+testToken).Body.String(), "form-error"); got != lacks {
		t.Errorf("hosted page: %q", got)
	}
	w := newHarness(t, v).get("/sdk/api/" + testToken + "?locale=en_US")
	var sv sdkView
	if err := json.Unmarshal(w.Body.Bytes(), &sv); err != nil || sv.Message != lacks {
		t.Errorf("SDK view: %q %v", sv.Message, err)
	}
	v.PlanCount = 0
	if got := text(t, newHarness(t, v).get("/checkout/"+testToken).Body.String(), "form-error"); got != "This card is not supported." {
		t.Errorf("without a plan: %q", got)
	}
}

// TestUndecidedPosted: a card form that posted neither a brand nor a plan (no JavaScript)
// is undecided; either field, or the SDK's body, which always carries both, decides. The kept
// card's sealed number is passed on.
func TestUndecidedPosted(t *testing.T) {
	for _, c := range []struct {
		form url.Values
		want bool
	}{
		{url.Values{"cardNo": {"4973010000000004"}}, true},
		{url.Values{"cardNo": {"4973010000000004"}, "installments": {"0"}}, false},
		{url.Values{"cardNo": {"4973010000000004"}, "selectedCardBrand": {"VISA"}}, false},
		{(&sdkCardBody{CardNo: "4973010000000004"}).values(), false},
	} {
		if in, _ := parseCardForm(c.form, false); in.Undecided != c.want {
			t.Errorf("%v: undecided %v", c.form, in.Undecided)
		}
	}
	if in, _ := parseCardForm(url.Values{"cardRef": {" sealed "}, "selectedCardBrand": {"VISA"}}, false); in.CardRef != "sealed" || in.Number != "" {
		t.Errorf("kept card: %+v", in)
	}
}

// choiceView is the card form back to ask for a co-badged card's brand and a plan.
func choiceView() *checkout.HostedView {
	v := baseView(checkout.StepCard)
	v.CollectInstallments, v.PlanCount = true, 6
	usd := func(v int64) payment.Amount { return payment.Amount{Currency: "USD", Value: v} }
	v.Plans = []checkout.PlanOption{{Count: 3, First: usd(350), Rest: usd(350)}, {Count: 6, First: usd(180), Rest: usd(174)}}
	v.Choice = &checkout.CardChoice{CardRef: "SEALED-REF", Masked: "497301******0004", Brand: "CARTES_BANCAIRES", Brands: []string{"CARTES_BANCAIRES", "VISA"}}
	return v
}

// TestChoiceForm: the hosted post the flow answers with a choice shows the same form at once
// (200: it holds the sealed card, which a later GET would not): the card by its last four
// digits and the sealed number in a hidden field, no number field, the brands and the plans
// as radio groups with the default and the session's plan checked, the fields as typed but
// the CVV, and the focus on what to do.
func TestChoiceForm(t *testing.T) {
	h := newHarness(t, baseView(checkout.StepCard))
	cookie, csrf := h.session(t)
	h.flow.next = choiceView()
	w := h.post(pagePathT, url.Values{"csrf": {csrf}, "cardNo": {"4973 0100 0000 0004"}, "expiry": {"12/30"}, "cvv": {"123"}, "holderName": {"Marie Curie"}}, cookie)
	body := w.Body.String()
	if w.Code != http.StatusOK || !h.flow.card.Undecided {
		t.Fatalf("status %d, undecided %v\n%s", w.Code, h.flow.card.Undecided, body)
	}
	checkHeaders(t, w)
	if hasID(body, "cardNo") || strings.Contains(body, "4973010000000004") || strings.Contains(body, "4973 0100") || strings.Contains(body, `value="123"`) {
		t.Error("the form holds the number or the CVV")
	}
	if !strings.Contains(body, `<input type="hidden" name="cardRef" value="SEALED-REF">`) || text(t, body, "card-masked") != "•••• 0004" {
		t.Error("the card is not kept")
	}
	if n := tag(t, body, "choice-notice"); n["tabindex"] != "-1" {
		t.Errorf("notice %v", n)
	} else if _, ok := n["autofocus"]; !ok {
		t.Error("the notice does not take the focus")
	}
	if _, hidden := tag(t, body, "brand-choice")["hidden"]; hidden {
		t.Error("the brand choice is hidden")
	}
	for id, checked := range map[string]bool{"brand-CARTES_BANCAIRES": true, "brand-VISA": false, "plan-0": false, "plan-3": false, "plan-6": true} {
		r := tag(t, body, id)
		if _, on := r["checked"]; on != checked || r["type"] != "radio" {
			t.Errorf("%s: %v", id, r)
		}
	}
	if hasID(body, "installments") || !strings.Contains(body, "6 monthly payments: $1.80, then $1.74") {
		t.Error("the plans are not the radio group")
	}
	if tag(t, body, "expiry")["value"] != "12/30" || tag(t, body, "holderName")["value"] != "Marie Curie" || tag(t, body, "cvv")["value"] != "" {
		t.Error("the fields are not as typed, or the CVV is kept")
	}
	if tag(t, body, "card-form")["data-brand"] != "CARTES_BANCAIRES" {
		t.Error("card.js does not know the kept card's brand")
	}

	// Posted again, with the choice and the sealed number.
	h.flow.reset()
	h.flow.next = baseView(checkout.StepResult)
	w = h.post(pagePathT, url.Values{"csrf": {csrf}, "cardRef": {"SEALED-REF"}, "selectedCardBrand": {"VISA"}, "installments": {"3"}, "expiry": {"12/30"}, "cvv": {"123"}, "holderName": {"Marie Curie"}}, cookie)
	if in := h.flow.card; w.Code != http.StatusSeeOther || in.Undecided || in.CardRef != "SEALED-REF" || in.Brand != "VISA" || in.Installments != 3 {
		t.Errorf("status %d, input %+v", w.Code, in)
	}
}

// TestCVVPlans: a saved card's page lists the view's plans as a radio group under the CVV,
// the session's plan checked, on the hosted page and in the SDK's frame; the plan checked
// reaches the flow from the hosted form and the frame's JSON alike.
func TestCVVPlans(t *testing.T) {
	v := choiceView()
	v.Step, v.Choice, v.CardMasked, v.CardBrand = checkout.StepCVV, nil, "405469******0768", "VISA"
	for _, path := range []string{pagePathT + "?locale=en_US", "/sdk/form/" + testToken + "?origin=https://shop.example&locale=en_US&needCVV=1"} {
		body := newHarness(t, v).get(path).Body.String()
		if _, on := tag(t, body, "plan-6")["checked"]; !on || !hasID(body, "plan-0") || !strings.Contains(body, "<legend>Payment plan</legend>") {
			t.Errorf("%s: no plans", path)
		}
	}
	h := newHarness(t, v)
	cookie, csrf := h.session(t)
	h.flow.next = baseView(checkout.StepResult)
	if w := h.post(pagePathT, url.Values{"csrf": {csrf}, "cvv": {"321"}, "installments": {"3"}}, cookie); w.Code != http.StatusSeeOther || h.flow.plan != 3 {
		t.Errorf("hosted: status %d, plan %d", w.Code, h.flow.plan)
	}
	sh, guard := newSDKHarness(t, v)
	sh.flow.next = baseView(checkout.StepResult)
	sh.api(apiCall{path: sdkAPIPathT + "/cvv", body: `{"cvv":"321","installments":"6","locale":"en_US"}`, csrf: guard.frameToken(testToken, time.Now())})
	if calls := sh.flow.Calls(); !reflect.DeepEqual(calls, []string{"HostedPage", "SubmitCVV"}) || sh.flow.plan != 6 || sh.flow.cvv != "321" {
		t.Errorf("SDK: calls %v, plan %d", calls, sh.flow.plan)
	}
	v.Plans = nil
	if hasID(newHarness(t, v).get(pagePathT).Body.String(), "plan-choice") {
		t.Error("a card without plans shows a plan choice")
	}
}
