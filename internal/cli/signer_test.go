package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/internal/signer"
)

// TestSignerChoice: Open signs with the implementation asked for, auto takes the fastest
// this build and machine have, and the choice is exported as cashier_signer_info; a wrong
// --signer is refused naming the flag.
func TestSignerChoice(t *testing.T) {
	avail := signer.Available()
	for _, c := range []struct{ ask, want string }{{"", avail[len(avail)-1]}, {signer.Go, signer.Go}, {signer.Auto, avail[len(avail)-1]}} {
		app, err := Open(context.Background(), Options{DataDir: t.TempDir(), Signer: c.ask})
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		app.Metrics.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		app.Close()
		if app.Signer != c.want || !strings.Contains(w.Body.String(), `cashier_signer_info{impl="`+c.want+`"} 1`) {
			t.Errorf("signer %q: app.Signer %s; metrics:\n%s", c.ask, app.Signer, grepLines(w.Body.String(), "cashier_signer"))
		}
	}
	_, err := Open(context.Background(), Options{DataDir: t.TempDir(), Signer: signer.OpenSSL})
	if slices.Contains(avail, signer.OpenSSL) != (err == nil) {
		t.Errorf("openssl with %v available: %v", avail, err)
	}
	if code, _, errOut := run("serve", "--signer", "boring", "--data", t.TempDir()); code != 2 || !strings.Contains(errOut, "--signer") {
		t.Errorf("serve --signer boring: exit %d, %q", code, errOut)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
