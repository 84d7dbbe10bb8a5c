package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// axe-core is pinned in axe/package.json and its lock file and installed next to them by
// `npm ci --prefix internal/browsertest/axe` (.ci/run does it; the README says so).
var axeSource = sync.OnceValues(func() (string, error) {
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "axe", "node_modules", "axe-core", "axe.min.js")
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("axe-core is not installed (run `npm ci --prefix internal/browsertest/axe`): %w", err)
	}
	return string(b), nil
})

// installAxe has every document the tab opens, in every frame, load axe-core before its own
// scripts. It runs in the page's own world: chromedp keeps one execution context per frame
// and takes an isolated world's for the page's, so a separate world for axe would leave
// the test's later evaluations in the wrong one. Outside a page's CSP, as DevTools is.
func installAxe(ctx context.Context, src string) error {
	_, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (page.AddScriptToEvaluateOnNewDocumentResult, error) {
		return cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
	})
	return err
}

// axeRun runs axe-core with its default rules (WCAG 2.x A and AA and best practices) over
// the page and, through axe's own messages, the frames in it.
const axeRun = `axe.run(document, {resultTypes: ["violations"]}).then(function (r) {
  return r.violations.map(function (v) {
    return {id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(function (n) { return n.target.join(" >> "); })};
  });
})`

type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// Axe runs axe-core on the page in ctx, a tab from Tab, and in the frames in it (the SDK's
// card form in a merchant's page), and fails the test on any serious or critical
// violation, naming the rule, its impact and the elements (a frame's as "iframe >> #id");
// what says which page and state it was. Without axe-core installed it skips the test, or
// fails it when CASHIER_REQUIRE_BROWSER=1, as New does without Chromium.
func Axe(t testing.TB, ctx context.Context, what string) {
	t.Helper()
	if _, err := axeSource(); err != nil {
		if os.Getenv("CASHIER_REQUIRE_BROWSER") == "1" {
			t.Fatalf("%v, and CASHIER_REQUIRE_BROWSER=1", err)
		}
		t.Skip(err)
	}
	found, err := axeCheck(ctx)
	if err != nil {
		t.Fatalf("axe on %s: %v", what, err)
	}
	if len(found) > 0 {
		t.Fatalf("axe on %s: %d serious or critical violations:\n  %s", what, len(found), strings.Join(found, "\n  "))
	}
}

// axeCheck runs axe-core and returns its serious and critical violations, one line each.
func axeCheck(ctx context.Context) ([]string, error) {
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe === "object"`))
	if err != nil {
		return nil, err
	}
	if !loaded {
		return nil, fmt.Errorf("no axe-core in the page: open the tab with browsertest.Tab")
	}
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe-core: %w", err)
	}
	var found []string
	for _, v := range violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			found = append(found, fmt.Sprintf("%s (%s) at %s: %s", v.ID, v.Impact, strings.Join(v.Targets, ", "), v.Help))
		}
	}
	return found, nil
}
