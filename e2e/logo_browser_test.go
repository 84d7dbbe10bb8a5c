package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cashierpay/cashier/internal/browsertest"
	"github.com/cashierpay/cashier/internal/cli"
)

// TestBrowserMerchantLogo: a logo set with `cashier merchant set --logo` heads the card
// form, the 3-D Secure page and the final page in place of the merchant's name, which is its
// alt text, loads under the pages' CSP, and passes axe; `--logo ""` brings the name back. A
// file that is not a logo (an SVG) is refused and changes nothing.
func TestBrowserMerchantLogo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 160, 48))
	for x := range 160 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{R: 29, G: 78, B: 216, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	logoFile, svgFile := filepath.Join(dir, "logo.png"), filepath.Join(dir, "logo.svg")
	os.WriteFile(logoFile, buf.Bytes(), 0o600)
	os.WriteFile(svgFile, []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), 0o600)
	setLogo := func(file string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := cli.Main(context.Background(), []string{"merchant", "set", "--client-id", e.app.SandboxClient.ClientID, "--logo", file, "--data", e.dir, "--db", e.db}, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	code, out, errOut := setLogo(logoFile)
	var set struct {
		Logo struct {
			ContentType string `json:"contentType"`
			Path        string `json:"path"`
		} `json:"logo"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &set) != nil || set.Logo.ContentType != "image/png" || !strings.HasPrefix(set.Logo.Path, "/checkout/logos/") {
		t.Fatalf("merchant set --logo: exit %d %s%s", code, out, errOut)
	}
	if code, _, errOut := setLogo(svgFile); code != 1 || !strings.Contains(errOut, "SVG is not taken") {
		t.Fatalf("an SVG logo: exit %d %q", code, errOut)
	}
	resp, err := http.Get(e.baseURL + set.Logo.Path)
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age=31536000") {
		t.Fatalf("logo: %v %+v", err, resp)
	}
	resp.Body.Close()

	browser := newBrowser(t)
	ctx := tab(t, browser, 390, 844, true)
	shows := func(step string) {
		t.Helper()
		var got []string
		run(t, ctx, chromedp.WaitVisible(chromedp.CSS(`[data-step="`+step+`"] #merchant-logo`)),
			into(&got, chromedp.Evaluate[[]string](`(() => { const i = document.getElementById('merchant-logo');
				return [i.alt, String(i.complete && i.naturalWidth === 160), new URL(i.src).pathname, String(i.getBoundingClientRect().height <= 48)] })()`)))
		if want := []string{"Sandbox merchant", "true", set.Logo.Path, "true"}; strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("%s: logo %q, want %q (alt, loaded, src, fits)", step, got, want)
		}
		browsertest.Axe(t, ctx, step+" with a logo")
	}
	challengeCard := catalogueCard(t, e, "PAYMENT_IN_PROCESS", "challenge; approved once authenticated")
	r := hostedReq("USD", 1050, "")
	r.PaymentRedirectURL = "https://shop.example/return"
	pay := e.pay(r)
	run(t, ctx, chromedp.Navigate(pay.NormalURL))
	shows("card")
	run(t, ctx, fillCard(challengeCard, "1230", "846", "Ada Lovelace"))
	shows("challenge")
	run(t, ctx, chromedp.SendKeys(chromedp.CSS("#otp"), "123456"), chromedp.Click(chromedp.CSS("#challenge-submit")), waitResult("SUCCESS", ""))
	shows("result")

	if code, out, errOut := setLogo(""); code != 0 || !strings.Contains(out, `"logo": ""`) {
		t.Fatalf(`merchant set --logo "": exit %d %s%s`, code, out, errOut)
	}
	var name string
	var logos int
	run(t, ctx, chromedp.Reload(), waitResult("SUCCESS", ""), into(&name, chromedp.Text(chromedp.CSS("#merchant"))),
		into(&logos, chromedp.Evaluate[int](`document.querySelectorAll('#merchant img').length`)))
	if name != "Sandbox merchant" || logos != 0 {
		t.Fatalf("without a logo the header shows %q and %d images", name, logos)
	}
	if resp, _ := http.Get(e.baseURL + set.Logo.Path); resp == nil || resp.StatusCode != 404 {
		t.Fatalf("a removed logo is still served: %+v", resp)
	}
}
