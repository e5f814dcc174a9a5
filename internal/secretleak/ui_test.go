package secretleak_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// uiPage renders a route of the web UI in headless Chromium and returns
// the page's HTML once nothing on it is loading any more.
func uiPage(t *testing.T, base, route string) string {
	t.Helper()
	path := os.Getenv("FLOTILLA_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.Headless,
		chromedp.NoSandbox, chromedp.DisableGPU)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	defer cancelTimeout()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/#"+route)); err != nil {
		t.Fatalf("open %s in chromium %s: %v", route, path, err)
	}
	loaded := `document.querySelector('[data-testid="diff-table"]') !== null && !document.body.innerText.includes('Loading')`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](loaded,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("%s did not finish loading (%v):\n%s", route, err, text)
	}
	html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		t.Fatal(err)
	}
	return html
}
