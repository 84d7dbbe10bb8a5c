package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cashierpay/cashier/internal/browsertest"
)

// TestBrowserCoBadgedChoice: typing a co-badged card on the hosted form shows a radio group
// of its brands with their marks, the domestic one checked; the buyer's choice is the brand
// that authorizes, as the merchant sees it through inquiryPayment; a card of one brand shows
// no choice. The form with the choice passes axe.
func TestBrowserCoBadgedChoice(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	e := newEnv(t)
	for _, tt := range []struct {
		name, card, choose, want string
		choices                  []string
	}{
		{"Visa chosen", "4973010000000004", "VISA", "VISA", []string{"CARTES_BANCAIRES", "VISA"}},
		{"default kept", "4973010000000004", "", "CARTES_BANCAIRES", []string{"CARTES_BANCAIRES", "VISA"}},
		{"Elo", "4576310000000009", "ELO", "ELO", []string{"ELO", "VISA"}},
		{"one brand", visaOK, "", "VISA", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tab(t, browser, 390, 844, true)
			resp := e.pay(hostedReq("EUR", 4200, ""))
			pageToken(t, resp)
			run(t, ctx, chromedp.Navigate(resp.NormalURL), chromedp.WaitVisible(chromedp.CSS("#cardNo")),
				chromedp.SendKeys(chromedp.CSS("#cardNo"), tt.card), chromedp.SendKeys(chromedp.CSS("#expiry"), "1230"),
				chromedp.SendKeys(chromedp.CSS("#cvv"), "123"), chromedp.SendKeys(chromedp.CSS("#holderName"), "Marie Curie"),
			)
			var shown []string
			var hidden bool
			var legend string
			run(t, ctx,
				into(&shown, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#brand-choice input[type=radio]')].map(r => r.value + (r.checked ? '*' : ''))`)),
				into(&hidden, chromedp.Evaluate[bool](`document.getElementById('brand-choice').hidden`)),
				into(&legend, chromedp.Evaluate[string](`document.querySelector('#brand-choice legend').textContent`)),
			)
			if tt.choices == nil {
				if !hidden || len(shown) != 0 {
					t.Fatalf("a card of one brand shows a choice: %v (hidden %v)", shown, hidden)
				}
			} else {
				want := []string{tt.choices[0] + "*", tt.choices[1]}
				if hidden || len(shown) != 2 || shown[0] != want[0] || shown[1] != want[1] || legend == "" {
					t.Fatalf("choice %v (hidden %v, legend %q), want %v", shown, hidden, legend, want)
				}
				// Each option is named by its brand's name and shows its mark.
				var labels []string
				run(t, ctx, into(&labels, chromedp.Evaluate[[]string](
					`[...document.querySelectorAll('#brand-choice label')].map(l => l.textContent + '|' + (l.querySelector('img') && l.querySelector('img').complete && l.querySelector('img').naturalWidth > 0))`)))
				if len(labels) != 2 || labels[0] != map[string]string{"CARTES_BANCAIRES": "Cartes Bancaires", "ELO": "Elo"}[tt.choices[0]]+"|true" {
					t.Fatalf("labels %v", labels)
				}
				browsertest.Axe(t, ctx, "card form with a brand choice")
			}
			if tt.choose != "" {
				run(t, ctx, chromedp.Click(chromedp.CSS("#brand-"+tt.choose)))
			}
			run(t, ctx, chromedp.Click(chromedp.CSS("#pay")), waitResult("SUCCESS", ""))
			if inq := e.inquiry(resp.PaymentID); inq.PaymentResultInfo == nil || inq.PaymentResultInfo.CardBrand != tt.want {
				t.Fatalf("inquiry: %+v, want cardBrand %s", inq.PaymentResultInfo, tt.want)
			}
		})
	}
}
