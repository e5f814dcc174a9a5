package server_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// updateScreenshotsEnv, when set, makes TestUI write its screenshots to
// docs/images instead of a temporary directory:
//
//	FLOTILLA_UPDATE_SCREENSHOTS=1 go test -race -run 'TestUI$' ./internal/server/
const updateScreenshotsEnv = "FLOTILLA_UPDATE_SCREENSHOTS"

// screenshots takes the 1280x800 screenshots of docs/ui.md from the shop
// fleet: the list, the app-of-apps tree and the api app's page.
func screenshots(t *testing.T, b *browser) {
	dir := t.TempDir()
	if os.Getenv(updateScreenshotsEnv) != "" {
		dir = filepath.Join("..", "..", "docs", "images")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, shot := range []struct{ file, route, ready string }{
		{"ui-list.png", "/", `document.querySelectorAll('[data-testid=app-row]').length === 6`},
		{"ui-app-of-apps.png", "/apps/argocd/shop/tree", `document.querySelectorAll('[data-testid=depends-edge]').length === 3`},
		{"ui-app.png", "/apps/argocd/api", `document.querySelectorAll('[data-testid=resource-node][data-kind=Pod][data-health=Healthy]').length === 2
			&& document.querySelectorAll('[data-testid=history-row]').length > 0 && !!document.querySelector('[data-testid=diff-empty]')`},
	} {
		b.open(shot.route)
		b.waitFor(shot.file, shot.ready, 60*time.Second)
		time.Sleep(300 * time.Millisecond) // let the edges and fonts settle
		ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
		img, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		cancel()
		if err != nil {
			t.Fatalf("screenshot %s: %v", shot.file, err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(img))
		if err != nil {
			t.Fatalf("screenshot %s is no PNG: %v", shot.file, err)
		}
		if cfg.Width != 1280 || cfg.Height != 800 {
			t.Errorf("screenshot %s is %dx%d, want 1280x800", shot.file, cfg.Width, cfg.Height)
		}
		path := filepath.Join(dir, shot.file)
		if err := os.WriteFile(path, img, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
	}
}
