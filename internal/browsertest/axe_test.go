package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAxeFinds: the check sees what a page and a frame in it do wrong, under a CSP that
// forbids every script but the page's own, and nothing on a page that does it right.
func TestAxeFinds(t *testing.T) {
	if _, err := axeSource(); err != nil {
		if os.Getenv("CASHIER_REQUIRE_BROWSER") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-src 'self'; style-src 'unsafe-inline'")
		switch r.URL.Path {
		case "/good":
			fmt.Fprint(w, `<!doctype html><html lang="en"><head><title>Good</title></head><body><main><h1>Pay</h1>
<label for="n">Card number</label><input id="n"></main></body></html>`)
		case "/frame":
			fmt.Fprint(w, `<!doctype html><html lang="en"><head><title>Form</title></head><body><main><input id="unlabelled"></main></body></html>`)
		default:
			fmt.Fprint(w, `<!doctype html><html><head><title>Bad</title></head><body><main><h1>Pay</h1>
<p style="color:#bbb;background:#fff">low contrast</p><iframe src="/frame" title="card form"></iframe></main></body></html>`)
		}
	}))
	defer srv.Close()
	ctx := Tab(t, New(t), 800, 600, false)

	Do(t, ctx, chromedp.Navigate(srv.URL+"/good"), chromedp.WaitVisible(chromedp.CSS("#n")))
	if found, err := axeCheck(ctx); err != nil || len(found) != 0 {
		t.Fatalf("a good page: %v %v", found, err)
	}
	Do(t, ctx, chromedp.Navigate(srv.URL+"/bad"), chromedp.WaitVisible(chromedp.CSS("iframe")))
	found, err := axeCheck(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(found, "\n")
	for _, want := range []string{"html-has-lang (serious)", "color-contrast (serious)", "label (critical) at iframe >> #unlabelled"} {
		if !strings.Contains(all, want) {
			t.Errorf("axe missed %q; found:\n%s", want, all)
		}
	}
}
