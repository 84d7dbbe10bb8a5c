// Package browsertest starts headless Chromium for tests that drive cashier's pages as a
// buyer would. Without Chromium on PATH the tests skip, unless CASHIER_REQUIRE_BROWSER=1
// (CI sets it), when they fail: a browser test must never pass by not running.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// New gives the test a headless Chromium of its own, stopped when the test ends; or, in a
// package whose TestMain called Share, a fresh browser context (cookies, storage and cache
// of its own, as an incognito window) in the package's one Chromium, closed when the test
// ends.
func New(t testing.TB) context.Context {
	t.Helper()
	path := chromiumPath(t)
	shared.mu.Lock()
	on := shared.on
	shared.mu.Unlock()
	if on {
		browser, err := sharedBrowser(path)
		if err != nil {
			t.Fatalf("start Chromium: %v", err)
		}
		ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		if err := chromedp.Do(ctx); err != nil {
			t.Fatalf("open a browser context: %v", err)
		}
		return ctx
	}
	ctx, stop := start(path, t.TempDir())
	t.Cleanup(stop)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// chromiumPath finds Chromium on PATH, or skips the test (fails it when
// CASHIER_REQUIRE_BROWSER=1).
func chromiumPath(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CASHIER_REQUIRE_BROWSER") == "1" {
		t.Fatal("no Chromium on PATH and CASHIER_REQUIRE_BROWSER=1")
	}
	t.Skip("no Chromium on PATH")
	return ""
}

// start starts (on its first action) a headless Chromium with its profile in dir.
func start(path, dir string) (context.Context, func()) {
	// The flags keep Chromium off the network it would otherwise call home to, which a
	// closed machine refuses many times a second.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(dir),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	return ctx, func() { cancelCtx(); cancelAlloc() }
}

// shared is the package's one Chromium once Share is called: starting Chromium costs a few
// seconds of processor time, which a package of many browser tests paid for each.
var shared struct {
	mu      sync.Mutex
	on      bool
	browser context.Context
	err     error
	stop    func()
}

// Share makes New, in this test binary, open every test's browser context in one Chromium,
// started by the first test that asks; call it from TestMain, and the function it returns
// once the tests are done, to stop that Chromium and remove its profile.
func Share() (stop func()) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.on = true
	return func() {
		shared.mu.Lock()
		defer shared.mu.Unlock()
		if shared.stop != nil {
			shared.stop()
		}
		shared.on, shared.browser, shared.err, shared.stop = false, nil, nil, nil
	}
}

// sharedBrowser starts the shared Chromium, once.
func sharedBrowser(path string) (context.Context, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.browser != nil || shared.err != nil {
		return shared.browser, shared.err
	}
	dir, err := os.MkdirTemp("", "cashier-chromium-")
	if err != nil {
		shared.err = err
		return nil, err
	}
	ctx, stop := start(path, dir)
	shared.stop = func() { stop(); os.RemoveAll(dir) }
	if err := chromedp.Do(ctx); err != nil {
		shared.err = err
		return nil, err
	}
	shared.browser = ctx
	return ctx, nil
}

// Tab opens a tab with a viewport of width×height; mobile emulates a phone. Actions on it
// time out after 90 s. With axe-core installed, every document the tab opens has it ready
// for Axe.
func Tab(t testing.TB, browser context.Context, width, height int64, mobile bool) context.Context {
	t.Helper()
	return TabFor(t, browser, width, height, mobile, 90*time.Second)
}

// TabFor is Tab with a deadline of its own, for work that is not one test's check but
// many pages in a row (the screenshots of every step of a locale) on a loaded machine.
func TabFor(t testing.TB, browser context.Context, width, height int64, mobile bool, deadline time.Duration) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height, func(p *emulation.SetDeviceMetricsOverrideParams, _ *emulation.SetTouchEmulationEnabledParams) {
		p.Mobile = mobile
		if mobile {
			p.DeviceScaleFactor = 2
		}
	})); err != nil {
		t.Fatal(err)
	}
	if src, err := axeSource(); err == nil {
		if err := installAxe(ctx, src); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, deadline)
	t.Cleanup(cancelTimeout)
	return ctx
}

// Do runs actions and fails the test if one fails, saying which one and where the page was.
// The look-up of the page gets its own few seconds: the usual failure is the tab's deadline,
// which would otherwise leave no time to ask.
func Do(t testing.TB, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for i, a := range actions {
		if err := chromedp.Do(ctx, a); err != nil {
			lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
			loc, _ := chromedp.Run(lctx, chromedp.Location())
			cancel()
			t.Fatalf("browser, action %d of %d: %v (at %s)", i+1, len(actions), err, loc)
		}
	}
}

// InFrame runs act on the first iframe that sel matches. An iframe that navigates (the card
// form turning into a 3-D Secure challenge) gets a new document, and a query on the old one
// would wait forever; so the iframe is looked up afresh, and again if act does not finish
// within a few seconds. act should start by waiting for what it needs.
func InFrame(t testing.TB, ctx context.Context, sel string, act func(frame *chromedp.Node) chromedp.Action[chromedp.Void]) {
	t.Helper()
	var err error
	for try := 0; try < 6; try++ {
		var nodes []*chromedp.Node
		nodes, err = chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS(sel)))
		if err != nil || len(nodes) == 0 {
			t.Fatalf("no iframe %s: %v", sel, err)
		}
		tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = chromedp.Do(tctx, act(nodes[0]))
		cancel()
		if err == nil || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("browser, in %s: %v (at %s)", sel, err, loc)
	}
}

// Press clicks the enabled element sel through the DOM, not at its on-screen point: a
// button below an iframe that resizes (the SDK's card form reports its height as it
// changes) can move between the look-up of its position and a mouse click there, and the
// click would land beside it.
func Press(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitEnabled(chromedp.CSS(sel)),
		func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Evaluate[bool](`(document.querySelector(`+strconv.Quote(sel)+`).click(), true)`)(ctx, t)
			return chromedp.Void{}, err
		},
	)
}

// NoScript turns JavaScript off in the tab, as a buyer's browser may have it: the pages
// must work and say true things without it. axe-core cannot run there either: AxeNoScript.
func NoScript() chromedp.Action[chromedp.Void] { return scripts(false) }

func scripts(on bool) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
		return chromedp.Void{}, err
	}
}

// AxeNoScript is Axe on a page a tab with NoScript has loaded: axe-core's timers need
// scripts, so they are turned on for the check and off again. The page's own scripts stay
// as they were: a document runs its scripts as it is parsed, and this one was parsed
// without them, which the check confirms.
func AxeNoScript(t testing.TB, ctx context.Context, what string) {
	t.Helper()
	Do(t, ctx, scripts(true))
	defer Do(t, ctx, scripts(false))
	Axe(t, ctx, what)
	ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.CashierCard !== 'undefined'`))
	if err != nil || ran {
		t.Fatalf("on %s the page's own script ran (%v) once scripts were on for axe-core", what, err)
	}
}
