package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

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
