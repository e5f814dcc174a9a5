package badinput

import (
	"bytes"
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"flotilla.dev/flotilla/internal/cli"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// appNamespace is where the Applications live, as in Argo CD.
const appNamespace = "argocd"

// hangLimit is how long one case may take before it counts as a hang. It
// is generous on purpose: it tells a hang from a slow machine, it does
// not measure speed (the tests log wall times instead).
const hangLimit = 3 * time.Minute

// heapLimit is how much heap one case may take above what the test held
// before it: ten times the worst case seen, so that only memory without
// bound (not a slower or hungrier machine) fails it.
const heapLimit = 2 << 30

// bounded fails the test when a case's heap passed heapLimit.
func bounded(t *testing.T, u usage) {
	t.Helper()
	if u.peakHeap > heapLimit {
		t.Errorf("peak heap %s, above the %s any case may take: memory without bound", mib(u.peakHeap), mib(heapLimit))
	}
}

// password is the right password of the private repository.
const password = "s3cret-Pa55word"

// wrongPassword is the wrong one; neither may appear in any message.
const wrongPassword = "wrong-Pa55word"

// rendered is what one `flotilla render` printed.
type rendered struct {
	stdout, stderr string
	code           int
	panicked       string
}

// renderApp runs `flotilla render -f file` in-process with its own cache.
func renderApp(t *testing.T, file, cacheDir string) rendered {
	t.Helper()
	done := make(chan rendered, 1)
	go func() {
		var res rendered
		defer func() {
			if r := recover(); r != nil {
				res.panicked = fmt.Sprintf("%v\n%s", r, debug.Stack())
			}
			done <- res
		}()
		var out, errOut bytes.Buffer
		res.code = cli.Execute(context.Background(), []string{"render", "-f", file, "--cache-dir", cacheDir, "-o", "yaml"}, &out, &errOut)
		res.stdout, res.stderr = out.String(), errOut.String()
	}()
	select {
	case res := <-done:
		return res
	case <-time.After(hangLimit):
		t.Fatalf("flotilla render hangs: no answer within %s", hangLimit)
		return rendered{}
	}
}

// renderSource publishes what the render of case c reads and returns the
// repository URL and revision its Application names.
func renderSource(t *testing.T, srv *gittest.Server, c badCase) (repoURL, revision string) {
	t.Helper()
	switch c.flow {
	case wrongCredentials:
		private := gittest.NewServer(t, gittest.WithBasicAuth("bot", password))
		repo := private.NewRepo(t, c.name)
		publishGood(t, repo, c.good)
		return strings.Replace(repo.URL(), "http://", "http://bot:"+wrongPassword+"@", 1), "HEAD"
	case tagGone, commitGone:
		repo := srv.NewRepo(t, c.name)
		sha := publishGood(t, repo, c.good)
		repo.Tag(t, "v1")
		forcePushAway(t, repo)
		if c.flow == commitGone {
			return repo.URL(), sha
		}
		return repo.URL(), "v1"
	}
	repo := srv.NewRepo(t, c.name)
	pushBad(t, repo, badRevision(t, c))
	return repo.URL(), "HEAD"
}
