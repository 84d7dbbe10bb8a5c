package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/merchantapi"
)

// docs/test-cards.md is written by hand; this keeps it honest. Every catalogue card has one
// row whose brand, funding, country and result agree with the catalogue, and every card
// number the page quotes is a catalogue card or a scenario's.
func TestDocsListEveryCard(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../docs/test-cards.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	row := regexp.MustCompile("(?m)^\\| `(\\d+)` \\| ([^|]*) \\| ([^|]*) \\| ([^|]*) \\| ([^|]*) \\|")
	rows := map[string][]string{}
	for _, m := range row.FindAllStringSubmatch(doc, -1) {
		if _, dup := rows[m[1]]; dup {
			t.Errorf("%s has two rows", m[1])
		}
		rows[m[1]] = m[2:]
	}
	known := map[string]bool{}
	for _, tc := range Catalogue() {
		known[tc.CardNo] = true
		got, ok := rows[tc.CardNo]
		if !ok {
			t.Errorf("docs/test-cards.md has no row for %s", tc.CardNo)
			continue
		}
		result := tc.ResultCode + " (" + tc.ResultStatus + ")"
		if tc.FinalResultCode != "" {
			result += " → " + tc.FinalResultCode
		}
		if want := []string{tc.Brand, tc.Funding, tc.IssuingCountry, result}; !slices.Equal(got, want) {
			t.Errorf("docs/test-cards.md says %s is %q, the catalogue %q", tc.CardNo, got, want)
		}
	}
	for n := range rows {
		if !known[n] {
			t.Errorf("docs/test-cards.md has a row for %s, which is not in the catalogue", n)
		}
	}
	scenarioRow := regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\| ([^|]*) \\| `([A-Z_]+)` \\| ([SFU]) \\| (gateway|issuer) \\|$")
	scenarioRows := map[string][]string{}
	for _, m := range scenarioRow.FindAllStringSubmatch(doc, -1) {
		scenarioRows[m[1]] = m[2:]
	}
	for _, sc := range Scenarios() {
		known[sc.CardNo] = true
		got, ok := scenarioRows[sc.Name]
		if !ok {
			t.Errorf("docs/test-cards.md has no row for scenario %s", sc.Name)
			continue
		}
		if want := []string{sc.ResultCode, sc.ResultStatus, sc.CheckedBy}; !slices.Equal(got[1:], want) {
			t.Errorf("docs/test-cards.md says scenario %s gives %q, Scenarios() %q", sc.Name, got[1:], want)
		}
		if sc.CardNo != "4054695723100768" && !strings.Contains(got[0], "`"+sc.CardNo+"`") {
			// The default card of the invalid-data scenarios goes without saying.
			t.Errorf("docs/test-cards.md row of scenario %s does not quote %s", sc.Name, sc.CardNo)
		}
	}
	if len(scenarioRows) != len(Scenarios()) {
		t.Errorf("docs/test-cards.md has %d scenario rows, Scenarios() %d", len(scenarioRows), len(Scenarios()))
	}
	planRow := regexp.MustCompile("(?m)^\\| ([A-Z]{3}) \\| `(\\d+)` \\| ([0-9, ]+) \\| `(\\d+)` \\|")
	plans := map[string][]string{}
	for _, m := range planRow.FindAllStringSubmatch(doc, -1) {
		plans[m[2]] = []string{m[1], m[3], m[4]}
	}
	for _, tc := range Catalogue() {
		o := tc.Installments
		got, ok := plans[tc.CardNo]
		switch {
		case o == nil && ok:
			t.Errorf("docs/test-cards.md lists installments for %s, which has none", tc.CardNo)
		case o == nil:
		case !ok:
			t.Errorf("docs/test-cards.md has no installment row for %s", tc.CardNo)
		default:
			nums := strings.Trim(strings.Join(strings.Fields(fmt.Sprint(o.InstallmentNums)), ", "), "[]")
			if want := []string{o.Currency, nums, o.MinInstalment}; !slices.Equal(got, want) {
				t.Errorf("docs/test-cards.md says %s has installments %q, the catalogue %q", tc.CardNo, got, want)
			}
		}
	}
	for _, m := range regexp.MustCompile("`(\\d{12,19})`").FindAllStringSubmatch(doc, -1) {
		if !known[m[1]] {
			t.Errorf("docs/test-cards.md quotes %s, which is neither a card nor a scenario", m[1])
		}
	}
}

// The JSON names are a contract with merchants' tools.
func TestTestCardJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	var cards []map[string]any
	if err := json.Unmarshal(b, &cards); err != nil {
		t.Fatal(err)
	}
	allowed := []string{"cardNo", "brand", "funding", "issuingCountry", "description", "resultCode", "resultStatus",
		"finalResultCode", "avsResultRaw", "cvvResultRaw", "threeDS", "captureResultCode", "refundResultCode", "installments", "dispute", "disputePercent", "source",
		"mitResultCode", "unscheduledResultCode", "brands"}
	for _, c := range cards {
		for k := range c {
			if !slices.Contains(allowed, k) {
				t.Errorf("unexpected JSON field %q in %v", k, c)
			}
		}
		for _, k := range []string{"cardNo", "brand", "funding", "issuingCountry", "description", "resultCode", "resultStatus", "source"} {
			if _, ok := c[k]; !ok {
				t.Errorf("field %q missing in %v", k, c)
			}
		}
	}
	b, err = json.Marshal(Scenarios()[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"name":`, `"description":`, `"checkedBy":`, `"resultCode":`, `"resultStatus":`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("scenario JSON %s lacks %s", b, k)
		}
	}
}

// Catalogue and Scenarios hand out copies: a caller cannot change the simulator.
func TestCatalogueIsACopy(t *testing.T) {
	t.Parallel()
	c := Catalogue()
	c[0].ResultCode = "DO_NOT_HONOR"
	sc := Scenarios()
	sc[0].ResultCode = "SUCCESS"
	if Catalogue()[0].ResultCode != "SUCCESS" || Scenarios()[0].ResultCode != "RISK_REJECT" {
		t.Fatal("changing a returned slice changed the catalogue")
	}
}

// TestCatalogueBrandsAccepted: the sandbox issuer, consult and the hosted form agree on the
// brands cashier takes. Every brand the catalogue has a card of is one consult lists (for
// KRW, where the Korean local brands are listed too), so no test card pays with a brand the
// merchant was told is not taken (a co-badged card's domestic scheme is taken unlisted: one of
// its brands is listed); and every network brand consult lists has a test card.
func TestCatalogueBrandsAccepted(t *testing.T) {
	t.Parallel()
	listed := map[string]bool{}
	for _, b := range merchantapi.AcceptedBrands("KRW", "WEB") {
		listed[b.Code] = true
	}
	carded := map[string]bool{}
	for _, tc := range Catalogue() {
		carded[tc.Brand] = true
		if !listed[tc.Brand] && !slices.ContainsFunc(tc.Brands, func(b string) bool { return listed[b] }) {
			t.Errorf("test card %s is %s, which consult does not list", tc.CardNo, tc.Brand)
		}
	}
	for _, b := range card.Brands() {
		if b.Accepted && !b.Korean && !carded[b.Code] {
			t.Errorf("no test card of %s", b.Code)
		}
	}
}
