package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/cashierpay/cashier/ams"
)

// TestConsultCardOptions: consult lists a domestic scheme's co-badged cards where its
// currency is paid (Cartes Bancaires in EUR, Elo in BRL), and the sandbox issuers'
// installment plans for the currency, enabled only while every instalment reaches the
// issuer's minimum for the amount asked about, with the SDKs' field names and JSON types.
func TestConsultCardOptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	consult := func(currency, value string) ams.PaymentOption {
		t.Helper()
		resp, err := e.c.Consult(ctx, &ams.ConsultRequest{ProductCode: ams.ProductCashierPayment, PaymentAmount: &ams.Amount{Currency: currency, Value: value}})
		if err != nil {
			t.Fatal(err)
		}
		wantResult(t, resp.Result, "S", "SUCCESS")
		if len(resp.PaymentOptions) != 1 {
			t.Fatalf("%s options: %+v", currency, resp.PaymentOptions)
		}
		return resp.PaymentOptions[0]
	}
	brands := func(o ams.PaymentOption) []string {
		var out []string
		for _, b := range o.PaymentOptionDetail.SupportCardBrands {
			out = append(out, b.CardBrand)
		}
		return out
	}

	eur := consult("EUR", "1000")
	if b := brands(eur); !slices.Contains(b, "CARTES_BANCAIRES") || slices.Contains(b, "ELO") || !slices.Contains(b, "VISA") {
		t.Errorf("EUR brands %v", b)
	}
	if eur.Installment != nil {
		t.Errorf("EUR installments %+v: no sandbox issuer has plans in EUR", eur.Installment)
	}
	usd := consult("USD", "1000")
	if b := brands(usd); slices.Contains(b, "CARTES_BANCAIRES") || slices.Contains(b, "ELO") {
		t.Errorf("USD brands %v", b)
	}

	// BRL 20.00: the Brazilian Visa issuer has 2 to 12 instalments of at least BRL 5.00.
	brl := consult("BRL", "2000")
	if b := brands(brl); !slices.Contains(b, "ELO") || slices.Contains(b, "CARTES_BANCAIRES") {
		t.Errorf("BRL brands %v", b)
	}
	for _, b := range brl.PaymentOptionDetail.SupportCardBrands {
		if b.CardBrand == "ELO" {
			logo, err := http.Get(b.Logo.LogoURL)
			if err != nil || logo.StatusCode != 200 {
				t.Fatalf("ELO logo %s: %v %v", b.Logo.LogoURL, err, logo)
			}
			logo.Body.Close()
		}
	}
	in := brl.Installment
	if in == nil || len(in.SupportCardBrands) != 1 || in.SupportCardBrands[0].CardBrand != "VISA" || in.SupportCardBrands[0].Logo == nil || len(in.Plans) != 11 {
		t.Fatalf("BRL installment %+v", in)
	}
	for i, p := range in.Plans {
		n := i + 2
		want := n <= 4
		if p.InstallmentNum != strconv.Itoa(n) || p.Interval != "MONTH" || p.Enabled == nil || *p.Enabled != want ||
			p.MinInstallmentAmount == nil || *p.MinInstallmentAmount != (ams.Amount{Currency: "BRL", Value: "500"}) {
			t.Errorf("BRL plan %d: %+v (enabled %v, want %v)", n, p, p.Enabled, want)
		}
	}

	// The wire: installmentNum a string, enabled a boolean, as the SDKs' Plan has them.
	ex, err := e.c.Send(ctx, ams.APIConsult, []byte(`{"productCode":"CASHIER_PAYMENT","paymentAmount":{"currency":"KRW","value":"100000"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		PaymentOptions []struct {
			Installment struct {
				Plans []map[string]json.RawMessage `json:"plans"`
			} `json:"installment"`
		} `json:"paymentOptions"`
	}
	if err := json.Unmarshal(ex.ResponseBody, &raw); err != nil || len(raw.PaymentOptions) != 1 || len(raw.PaymentOptions[0].Installment.Plans) != 7 {
		t.Fatalf("KRW consult: %s %v", ex.ResponseBody, err)
	}
	// KRW 100,000: two instalments of 50,000 won, the Hyundai issuer's minimum; not three.
	p2, p3 := raw.PaymentOptions[0].Installment.Plans[0], raw.PaymentOptions[0].Installment.Plans[1]
	if string(p2["installmentNum"]) != `"2"` || string(p2["enabled"]) != "true" || string(p3["enabled"]) != "false" ||
		string(p2["minInstallmentAmount"]) != `{"currency":"KRW","value":"50000"}` {
		t.Errorf("KRW plans on the wire: %s", ex.ResponseBody)
	}

	// What consult offers, pay takes: four instalments of the BRL 20.00 on the Brazilian Visa.
	req := payReq("4294097400915107", "BRL", 2000)
	req.CreditPayPlan = &ams.CreditPayPlan{InstallmentNum: 4, Interval: "MONTH"}
	wantResult(t, e.pay(req).Result, "S", "SUCCESS")
}
