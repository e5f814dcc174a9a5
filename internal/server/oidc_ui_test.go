package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"flotilla.dev/flotilla/internal/server"
)

// TestOIDCUI signs in through the provider's login page in Chromium:
// each user sees only the Applications their RBAC lets them list, a sync
// the cluster refuses shows its 403, and a page of another origin cannot
// sync with the user's cookie.
func TestOIDCUI(t *testing.T) {
	f := newOIDCFleet(t)
	p := startIDP(t, person("alice", aliceEmail, "team-a"), person("bob", bobEmail, bobGroup))
	var seen requestLog
	ts := httptest.NewUnstartedServer(nil)
	// No API token: signing in is the only way in.
	ts = serveOn(t, ts, server.Options{Namespaces: []string{"*"}, OIDC: p.options(ts)}, seen.record)
	b := newBrowser(t, ts.URL)

	t.Run("signed out, the UI offers the sign-in", func(t *testing.T) {
		b := b.in(t)
		b.open("/")
		b.waitFor("the sign-in prompt", `!!document.querySelector('[data-testid=signin-sso]')`, 15*time.Second)
		if hidden := eval[bool](b, `document.querySelector('[data-testid=login-form]').hidden`); !hidden {
			t.Error("the token form shows, but the server has no token")
		}
	})

	t.Run("alice signs in and sees only team A's app", func(t *testing.T) {
		b := b.in(t)
		signInUI(b, "alice", aliceEmail)
		waitRows(b, f, f.alpha)
	})

	t.Run("another origin cannot sync with alice's cookie", func(t *testing.T) {
		b := b.in(t)
		target := ts.URL + "/api/v1/applications/" + f.alpha + "/sync"
		evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<!doctype html><title>evil</title><script>
fetch(%q, {method: 'POST', mode: 'no-cors', credentials: 'include', body: '{}'})
  .then(() => { document.title = 'sent'; }, (e) => { document.title = 'failed ' + e; });
</script>`, target)
		}))
		defer evil.Close()
		b.do(30*time.Second, chromedp.Navigate(evil.URL))
		b.waitFor("the cross-origin post", `document.title === 'sent'`, 15*time.Second)
		got := seen.find("POST", "/api/v1/applications/"+f.alpha+"/sync")
		if got == nil || !got.cookie || got.status != http.StatusForbidden {
			t.Fatalf("the cross-origin sync reached the server as %+v, want it with alice's cookie and refused with 403", got)
		}
		t.Logf("refused: %+v", *got)
		if app := getAppIn(t, f.c, f.alpha); app.Operation != nil {
			t.Errorf("a cross-origin page synced: %+v", app.Operation)
		}
	})

	t.Run("alice syncs her app", func(t *testing.T) {
		b := b.in(t)
		b.open("/apps/" + f.alpha)
		b.waitFor("sync button", `!!document.querySelector('[data-testid=sync-button]')`, 10*time.Second)
		b.click(sel("sync-button"))
		b.waitFor("sync requested", `!!document.querySelector('[data-testid=action-result]')?.textContent.includes('requested')`, 10*time.Second)
		if app := getAppIn(t, f.c, f.alpha); app.Operation == nil || app.Operation.InitiatedBy.Username != aliceEmail {
			t.Errorf("alice's sync wrote %+v, want initiated by %s", app.Operation, aliceEmail)
		}
	})

	t.Run("bob signs in, sees both teams' apps and is refused a sync", func(t *testing.T) {
		b := b.in(t)
		b.open("/")
		b.click(sel("logout-button"))
		b.waitFor("signed out", `!!document.querySelector('[data-testid=signin-sso]')`, 10*time.Second)
		signInUI(b, "bob", bobEmail)
		waitRows(b, f, f.alpha, f.beta)
		b.open("/apps/" + f.beta)
		b.waitFor("sync button", `!!document.querySelector('[data-testid=sync-button]')`, 10*time.Second)
		b.click(sel("sync-button"))
		b.waitFor("the refusal", `document.querySelector('[data-testid=action-error]')?.textContent.includes('403')`, 10*time.Second)
		msg := eval[string](b, `document.querySelector('[data-testid=action-error]').textContent`)
		if !strings.Contains(msg, `User "`+bobEmail+`" cannot patch resource "applications"`) {
			t.Errorf("the UI says %q, want the API server's refusal", msg)
		}
		if app := getAppIn(t, f.c, f.beta); app.Operation != nil {
			t.Errorf("bob's refused sync wrote %+v", app.Operation)
		}
	})

	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("the page logged errors:\n%s", errs)
	}
}

// signInUI signs in from the UI's prompt through the provider's login
// page.
func signInUI(b *browser, login, email string) {
	b.t.Helper()
	b.open("/")
	b.waitFor("the sign-in prompt", `!!document.querySelector('[data-testid=signin-sso]')`, 15*time.Second)
	b.click(sel("signin-sso"))
	waitAcrossPages(b, "the provider's login page", `!!document.querySelector('[data-testid=idp-user]')`, 15*time.Second)
	b.do(10*time.Second, chromedp.SetValue(chromedp.CSS(sel("idp-user")), login))
	b.click(sel("idp-submit"))
	waitAcrossPages(b, "signed in as "+email, `document.querySelector('[data-testid=session-state]')?.textContent === `+js("Signed in as "+email), 15*time.Second)
}

// waitAcrossPages polls expr like waitFor, also while the tab navigates
// from page to page (when an evaluation's page goes away, it tries again
// on the next).
func waitAcrossPages(b *browser, what, expr string, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { try { return !!(`+expr+`); } catch { return false; } })()`))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.fail("waiting for %s: last evaluation %v, %v", what, ok, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitRows waits until the list shows exactly the fleet's apps want.
func waitRows(b *browser, f *oidcFleet, want ...string) {
	b.t.Helper()
	slices.Sort(want)
	var filter []string
	for _, ns := range []string{f.teamA, f.teamB, f.teamC} {
		filter = append(filter, js(ns+"/"))
	}
	expr := `[...document.querySelectorAll('[data-testid=app-row]')].map(r => r.dataset.app)
		.filter(k => [` + strings.Join(filter, ",") + `].some(p => k.startsWith(p))).sort().join(' ') === ` + js(strings.Join(want, " "))
	b.waitFor("the list of "+strings.Join(want, ", "), expr, 30*time.Second)
}

// requestLog records what reached the server: method, path, status,
// whether the user cookie came along, and Sec-Fetch-Site.
type requestLog struct {
	mu   sync.Mutex
	seen []seenRequest
}

type seenRequest struct {
	method, path  string
	status        int
	cookie        bool
	secFetchSite  string
	origin        string
	answerPreview string
}

func (l *requestLog) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(&teeWriter{ResponseWriter: w, rec: rec}, r)
		_, err := r.Cookie(server.UserCookie)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.seen = append(l.seen, seenRequest{method: r.Method, path: r.URL.Path, status: rec.Code, cookie: err == nil,
			secFetchSite: r.Header.Get("Sec-Fetch-Site"), origin: r.Header.Get("Origin"), answerPreview: rec.Body.String()})
	})
}

// find is the last request of method to path, nil when none came.
func (l *requestLog) find(method, path string) *seenRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.seen) - 1; i >= 0; i-- {
		if s := l.seen[i]; s.method == method && s.path == path {
			return &s
		}
	}
	return nil
}

// teeWriter writes to the client and to a recorder; Unwrap keeps
// flushing (the events stream) working.
type teeWriter struct {
	http.ResponseWriter
	rec *httptest.ResponseRecorder
}

func (t *teeWriter) WriteHeader(code int) {
	t.rec.WriteHeader(code)
	t.ResponseWriter.WriteHeader(code)
}

func (t *teeWriter) Write(b []byte) (int, error) {
	if t.rec.Body.Len() < 1024 {
		t.rec.Write(b)
	}
	return t.ResponseWriter.Write(b)
}

func (t *teeWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }
