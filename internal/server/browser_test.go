package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"flotilla.dev/flotilla/internal/controlplane/kubetest"
)

// chromiumPath is Debian's chromium unless FLOTILLA_CHROMIUM names
// another.
func chromiumPath() string {
	if p := os.Getenv("FLOTILLA_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// browser is one headless Chromium tab on the UI under test, reporting
// failures to t.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	log  *consoleLog
}

// consoleLog collects the page's uncaught exceptions and console.error
// calls.
type consoleLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *consoleLog) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, line)
}

func (l *consoleLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// in is the same tab reporting to a subtest.
func (b *browser) in(t *testing.T) *browser {
	return &browser{t: t, ctx: b.ctx, base: b.base, log: b.log}
}

// newBrowser starts headless Chromium at 1280x800. A missing Chromium
// fails the test: the UI is tested in a browser or not at all.
func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	kubetest.Plane(t) // skipped with -short, as every plane test
	path := chromiumPath()
	if st, err := os.Stat(path); err != nil || st.IsDir() {
		t.Fatalf("chromium not found at %s (%v): run hack/install-deps.sh, or set FLOTILLA_CHROMIUM", path, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // CI may run as root
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("hide-scrollbars", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base, log: &consoleLog{}}
	// The first run starts the browser and ties it to its context: give it
	// the tab's own, not one with a timeout.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("start chromium %s: %v", path, err)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("chromium %s did not start within a minute", path)
	}
	go func() {
		for msg, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			// Refused requests (a 401 the test provokes) are logged by the
			// browser itself, not by the UI: only the UI's errors count.
			network := strings.HasPrefix(msg.Text, "Failed to load resource") || strings.Contains(msg.Text, "EventSource")
			if msg.Type == chromedp.ConsoleException || (msg.Type == chromedp.ConsoleError && !network) {
				b.log.add(fmt.Sprintf("%s: %s %s:%d", msg.Type, msg.Text, msg.URL, msg.Line))
			}
		}
	}()
	return b
}

// do runs steps, failing the test after timeout.
func (b *browser) do(timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fail("%v", err)
	}
}

// open navigates to the UI's hash route.
func (b *browser) open(route string) {
	b.t.Helper()
	b.do(30*time.Second, chromedp.Navigate(b.base+"/#"+route))
}

// eval evaluates a JavaScript expression into T.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fail("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript expression until it is truthy.
func (b *browser) waitFor(what, expr string, timeout time.Duration) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		b.fail("waiting for %s: %v", what, err)
	}
}

// click clicks the first element matching a CSS selector.
func (b *browser) click(css string) {
	b.t.Helper()
	b.do(15*time.Second, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
}

// fail reports what the page showed and logged.
func (b *browser) fail(format string, args ...any) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 3000) : ""`))
	if err != nil {
		text = fmt.Sprintf("(cannot read the page: %v)", err)
	}
	console := strings.Join(b.log.all(), "\n")
	b.t.Fatalf("%s\n--- page text:\n%s\n--- console:\n%s", fmt.Sprintf(format, args...), text, console)
}

// consoleErrors are the errors the page logged so far.
func (b *browser) consoleErrors() []string { return b.log.all() }

// sel is a CSS selector for data-testid, with an optional attribute
// filter such as `[data-app="argocd/web"]`.
func sel(testid string, attrs ...string) string {
	return fmt.Sprintf(`[data-testid=%q]`, testid) + strings.Join(attrs, "")
}

// js quotes s as a JavaScript string.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
