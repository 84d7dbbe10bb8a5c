package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/cli"
)

// TestPageAndCSRFKeysOwnAndRotatable: the keys of hosted-page links and of the pages' forms
// live in the keyring, not in the gateway's signing key: a node with another signing key on
// the same data dir opens the links and accepts the forms of the first. After
// vault rotate-key --page, links handed out before still open, a node started since makes
// links with the new key, and a node started before accepts them at once.
func TestPageAndCSRFKeysOwnAndRotatable(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	token := pageToken(t, e.pay(hostedReq("USD", 1050, "")))

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(e.baseURL + "/checkout/" + token)
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	page.ReadFrom(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page.String())
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("hosted page: %d, csrf field %v", resp.StatusCode, m)
	}

	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("CASHIER_GATEWAY_PRIVATE_KEY", ams.EncodePrivateKey(other))
	resigned := e.peer()
	if _, err := resigned.app.Checkout.HostedPage(ctx, token); err != nil {
		t.Fatalf("a node with another signing key refuses the link: %v", err)
	}
	// The cookie is bound to the page's path, not to the host: carry it over by hand.
	u, _ := url.Parse(e.baseURL + "/checkout/" + token)
	to, _ := url.Parse(resigned.baseURL + "/checkout/" + token)
	jar.SetCookies(to, jar.Cookies(u))
	resp, err = browser.PostForm(to.String(), url.Values{"csrf": {m[1]}, "locale": {"en_US"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusForbidden {
		t.Fatal("a node with another signing key refuses the form's CSRF token")
	}
	os.Unsetenv("CASHIER_GATEWAY_PRIVATE_KEY")

	var out bytes.Buffer
	if code := cli.Main(ctx, []string{"vault", "rotate-key", "--page", "--data", e.dir, "--db", e.db}, &out, os.Stderr); code != 0 {
		t.Fatalf("vault rotate-key --page: exit %d", code)
	}
	var rotated map[string]any
	if err := json.Unmarshal(out.Bytes(), &rotated); err != nil || !strings.HasPrefix(rotated["pageKeyId"].(string), "p2-") || rotated["activeKeyId"] != nil {
		t.Fatalf("vault rotate-key --page printed %s (%v); want the new page key alone", out.String(), err)
	}
	later := e.peer()
	if _, err := later.app.Checkout.HostedPage(ctx, token); err != nil {
		t.Fatalf("a link handed out before the rotation no longer opens: %v", err)
	}
	fresh := pageToken(t, later.pay(hostedReq("USD", 1050, "")))
	if _, err := e.app.Checkout.HostedPage(ctx, fresh); err != nil {
		t.Fatalf("a node started before the rotation refuses a link made with the new key: %v", err)
	}
}
