package server_test

import (
	"context"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/server"
)

// TestAppSetUI drives the ApplicationSet pages in headless Chromium: the
// list reached from the header, the set page with its generators,
// generated apps, rollout steps and conditions kept current without a
// reload, the link from a generated app back to its set, and the set in
// the app-of-apps tree.
func TestAppSetUI(t *testing.T) {
	c, ns := appSetPlane(t)
	ts := startServer(t, server.Options{Namespaces: []string{ns}, Token: server.StaticToken(uiToken), AnonymousRead: true})
	b := newBrowser(t, ts.URL)
	appSetFleet(t, c, ns)
	key := func(name string) string { return ns + "/" + name }

	t.Run("list from the header", func(t *testing.T) {
		b := b.in(t)
		b.open("/")
		b.click(sel("nav-appsets"))
		row := sel("appset-row", `[data-appset="`+key("guestbook")+`"]`)
		b.waitFor("the guestbook row", `!!document.querySelector(`+js(row)+`)`, 30*time.Second)
		kinds := eval[[]string](b, `[...document.querySelectorAll(`+js(row+" "+sel("generator-kind"))+`)].map(e => e.textContent)`)
		if len(kinds) != 2 || kinds[0] != "list" || kinds[1] != "matrix(git, clusters)" {
			t.Errorf("generator kinds %q", kinds)
		}
		if n := eval[float64](b, `document.querySelectorAll('[data-testid=appset-row]').length`); n != 2 {
			t.Errorf("%v rows, want 2", n)
		}
		b.click(row + " " + sel("appset-link"))
		b.waitFor("the set page", `!!document.querySelector('[data-testid=appset-page][data-appset=`+js(key("guestbook"))+`]')`, 10*time.Second)
	})

	t.Run("set page", func(t *testing.T) {
		b := b.in(t)
		b.open("/appsets/" + key("guestbook"))
		b.waitFor("three generated apps", `document.querySelectorAll('[data-testid=appset-app]').length === 3`, 30*time.Second)
		for _, tc := range []struct{ app, sync, health, rollout string }{
			{"guestbook-dev", "Synced", "Healthy", "Healthy"},
			{"guestbook-prod", "OutOfSync", "Progressing", "Progressing"},
		} {
			got := eval[[]string](b, `(() => { const r = document.querySelector('[data-testid=appset-app][data-app=`+js(key(tc.app))+`]');
				return [r.querySelector('[data-testid=sync-badge]').dataset.status, r.querySelector('[data-testid=health-badge]').dataset.status,
					r.querySelector('[data-testid=rollout-status]').dataset.status, r.querySelector('[data-testid=app-link]').getAttribute('href')]; })()`)
			want := []string{tc.sync, tc.health, tc.rollout, "#/apps/" + ns + "/" + tc.app}
			if len(got) != 4 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
				t.Errorf("%s row shows %q, want %q", tc.app, got, want)
			}
		}
		if got := eval[string](b, `document.querySelector('[data-testid=appset-app][data-app=`+js(key("guestbook-gone"))+`] [data-testid=health-badge]').dataset.status`); got != "Missing" {
			t.Errorf("guestbook-gone health %q, want Missing", got)
		}

		step := sel("rollout-step", `[data-step="2"]`)
		got := eval[[]string](b, `(() => { const s = document.querySelector(`+js(step)+`);
			return [s.querySelector('[data-testid=match-expression]').textContent, s.querySelector('[data-testid=max-update]').textContent,
				[...s.querySelectorAll('[data-testid=rollout-app]')].map(a => a.dataset.app + ' ' + a.querySelector('[data-testid=rollout-status]').dataset.status).join(',')]; })()`)
		want := []string{"env In (prod)", "maxUpdate 1", key("guestbook-prod") + " Progressing"}
		if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Errorf("rollout step 2 shows %q, want %q", got, want)
		}
		cond := eval[string](b, `document.querySelector('[data-testid=appset-condition][data-type=ResourcesUpToDate]').textContent`)
		if cond != "ResourcesUpToDate True "+setUpToDateOK+"ApplicationSet up to date" {
			t.Errorf("ResourcesUpToDate condition reads %q", cond)
		}
		gens := eval[[]string](b, `[document.querySelector('[data-testid=list-elements]').textContent,
			document.querySelector('[data-testid=git-repo]').textContent, document.querySelector('[data-testid=git-revision]').textContent,
			document.querySelector('[data-testid=generator][data-kind=clusters]').textContent]`)
		if len(gens) != 4 || gens[0] != "2 elements" || gens[1] != setRepo || gens[2] != "main" || gens[3] != "clustersClusterstier=edge" {
			t.Errorf("generators show %q", gens)
		}

		// prod turns Synced and Healthy: the page follows (events stream or
		// poll) without a reload.
		eval[bool](b, `(window.__flotillaTestMarker = 'still here', true)`)
		var prod v1alpha1.Application
		if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "guestbook-prod"}, &prod); err != nil {
			t.Fatal(err)
		}
		prod.Status.Sync.Status, prod.Status.Health.Status = v1alpha1.SyncStatusCodeSynced, v1alpha1.HealthStatusHealthy
		prod.Status.OperationState.Phase = v1alpha1.OperationSucceeded
		if err := c.Update(context.Background(), &prod); err != nil {
			t.Fatal(err)
		}
		b.waitFor("prod Synced", `document.querySelector('[data-testid=appset-app][data-app=`+js(key("guestbook-prod"))+`] [data-testid=sync-badge]')?.dataset.status === 'Synced'`, 15*time.Second)
		if got := eval[string](b, `window.__flotillaTestMarker || 'gone'`); got != "still here" {
			t.Errorf("the page reloaded: marker %q", got)
		}
	})

	t.Run("generated app links its set", func(t *testing.T) {
		b := b.in(t)
		b.open("/apps/" + key("guestbook-dev"))
		b.waitFor("generated by", `!document.querySelector('[data-testid=generated-by]').hidden`, 30*time.Second)
		if got := eval[string](b, `document.querySelector('[data-testid=generated-by]').textContent`); got != "generated by ApplicationSet guestbook" {
			t.Errorf("the app page says %q", got)
		}
		b.click(sel("appset-owner-link"))
		b.waitFor("the set page", `!!document.querySelector('[data-testid=appset-page][data-appset=`+js(key("guestbook"))+`]')`, 10*time.Second)
		b.open("/apps/" + key("stray"))
		b.waitFor("the app page", `!!document.querySelector('[data-testid=app-summary] dl')`, 30*time.Second)
		if !eval[bool](b, `document.querySelector('[data-testid=generated-by]').hidden`) {
			t.Error("stray, owned by no set, says it was generated by one")
		}
	})

	t.Run("tree goes through the set", func(t *testing.T) {
		b := b.in(t)
		b.open("/apps/" + key("platform") + "/tree")
		board := sel("board", `[data-appset="`+key("guestbook")+`"]`)
		b.waitFor("the set's board", `!!document.querySelector(`+js(board)+`)`, 30*time.Second)
		if !eval[bool](b, `!!document.querySelector('[data-testid=board][data-app=`+js(key("platform"))+`] [data-testid=tree-appset][data-appset=`+js(key("guestbook"))+`]')`) {
			t.Error("platform's board has no card for the set")
		}
		apps := eval[string](b, `[...document.querySelectorAll(`+js(board+" "+sel("tree-node"))+`)].map(n => n.dataset.app).join(',')`)
		if want := key("guestbook-dev") + "," + key("guestbook-gone") + "," + key("guestbook-prod"); apps != want {
			t.Errorf("the set's board holds %s, want %s", apps, want)
		}
	})

	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("the page logged errors:\n%s", errs)
	}
}
