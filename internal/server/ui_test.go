package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controller/controllertest"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/server"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

const uiToken = "ui-test-token-9f2c"

// shopFleet is a small, realistic fleet: the app-of-apps "shop" with four
// children in three waves — postgres and redis, then api (depends on
// both), then web (depends on api) — and "settings", a manual-sync app
// whose live ConfigMap differs from git.
func shopFleet(t *testing.T, c client.Client) (ns string) {
	t.Helper()
	ns = kubetest.NewNamespace(t, c)
	ctx := context.Background()
	project := &v1alpha1.AppProject{
		ObjectMeta: metav1.ObjectMeta{Namespace: appNamespace, Name: "platform"},
		Spec: v1alpha1.AppProjectSpec{
			SourceRepos:  []string{"*"},
			Destinations: []v1alpha1.ApplicationDestination{{Server: "*", Namespace: "*"}},
			Description:  "shared data services",
		},
	}
	if err := c.Create(ctx, project); client.IgnoreAlreadyExists(err) != nil {
		t.Fatal(err)
	}
	repo := gittest.NewLocalRepo(t)
	child := func(name, project, wave, deps string) string {
		return application(name, repo.URL(), "workloads/"+name, ns,
			appOptions{project: project, automated: true, wave: wave, dependsOn: deps, inArgoCD: true})
	}
	repo.Commit(t, map[string]string{
		"apps/postgres.yaml":                 child("postgres", "platform", "1", ""),
		"apps/redis.yaml":                    child("redis", "platform", "1", ""),
		"apps/api.yaml":                      child("api", "default", "2", "postgres, redis"),
		"apps/web.yaml":                      child("web", "default", "3", "api"),
		"workloads/postgres/deployment.yaml": deployment("postgres", 1),
		"workloads/postgres/service.yaml":    service("postgres"),
		"workloads/redis/deployment.yaml":    deployment("redis", 1),
		"workloads/redis/service.yaml":       service("redis"),
		"workloads/api/deployment.yaml":      deployment("api", 2),
		"workloads/api/service.yaml":         service("api"),
		"workloads/api/config.yaml":          configMap("api-config", "LOG_LEVEL", "info"),
		"workloads/web/deployment.yaml":      deployment("web", 2),
		"workloads/web/service.yaml":         service("web"),
		"config/settings/settings.yaml":      configMap("settings", "greeting", "hello"),
	}, "shop fleet")
	live := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "settings"}, Data: map[string]string{"greeting": "hola"}}
	if err := c.Create(ctx, live); err != nil {
		t.Fatal(err)
	}
	createApp(t, c, application("shop", repo.URL(), "apps", appNamespace, appOptions{automated: true}))
	deleteAppsAtEnd(t, c, "postgres", "redis", "api", "web")
	createApp(t, c, application("settings", repo.URL(), "config/settings", ns, appOptions{}))

	waitApp(t, c, "shop", v1alpha1.SyncStatusCodeSynced, v1alpha1.HealthStatusHealthy, 4*time.Minute)
	for _, name := range []string{"postgres", "redis", "api", "web"} {
		waitApp(t, c, name, v1alpha1.SyncStatusCodeSynced, v1alpha1.HealthStatusHealthy, time.Minute)
	}
	waitApp(t, c, "settings", v1alpha1.SyncStatusCodeOutOfSync, v1alpha1.HealthStatusHealthy, time.Minute)
	return ns
}

// TestUI drives the UI in headless Chromium against a real control plane
// and controller: the list, the app-of-apps tree, the resource tree, the
// diff, a refused and an accepted sync, and the screenshots of docs/.
func TestUI(t *testing.T) {
	c := controllertest.Start(t, appNamespace)
	ts := startServer(t, server.Options{Token: server.StaticToken(uiToken), AnonymousRead: true})
	b := newBrowser(t, ts.URL)
	shopFleet(t, c)

	t.Run("list shows the apps with badges", func(t *testing.T) {
		b := b.in(t)
		b.open("/")
		for _, tc := range []struct{ app, sync, health string }{
			{"shop", "Synced", "Healthy"},
			{"postgres", "Synced", "Healthy"},
			{"redis", "Synced", "Healthy"},
			{"api", "Synced", "Healthy"},
			{"web", "Synced", "Healthy"},
			{"settings", "OutOfSync", "Healthy"},
		} {
			row := sel("app-row", `[data-app="argocd/`+tc.app+`"]`)
			b.waitFor(tc.app+" "+tc.sync+" "+tc.health, `(() => {
				const r = document.querySelector(`+js(row)+`);
				return r && r.querySelector('[data-testid=sync-badge]').dataset.status === `+js(tc.sync)+`
					&& r.querySelector('[data-testid=health-badge]').dataset.status === `+js(tc.health)+`;
			})()`, 30*time.Second)
		}
		// The badges carry Argo CD's colours.
		colour := func(css string) string {
			return eval[string](b, `getComputedStyle(document.querySelector(`+js(css)+`)).backgroundColor`)
		}
		if got := colour(sel("app-row", `[data-app="argocd/shop"]`) + " " + sel("sync-badge")); got != "rgb(24, 190, 148)" {
			t.Errorf("Synced badge colour = %s, want green rgb(24, 190, 148)", got)
		}
		if got := colour(sel("app-row", `[data-app="argocd/settings"]`) + " " + sel("sync-badge")); got != "rgb(244, 166, 35)" {
			t.Errorf("OutOfSync badge colour = %s, want amber rgb(244, 166, 35)", got)
		}

		visible := `[...document.querySelectorAll('[data-testid=app-row]')].map(r => r.dataset.app).join(',')`
		for _, tc := range []struct {
			name, setup, want string
		}{
			{"sync filter", `setSelect('filter-sync', 'OutOfSync')`, "argocd/settings"},
			{"project filter", `setSelect('filter-project', 'platform')`, "argocd/postgres,argocd/redis"},
			{"search", `setSearch('redis')`, "argocd/redis"},
			{"search by path", `setSearch('workloads/we')`, "argocd/web"},
		} {
			eval[bool](b, `(() => {
				window.setSelect = (id, v) => { const s = document.querySelector('[data-testid="' + id + '"]'); s.value = v; s.dispatchEvent(new Event('change')); };
				window.setSearch = (v) => { const s = document.querySelector('[data-testid=search]'); s.value = v; s.dispatchEvent(new Event('input')); };
				for (const id of ['filter-sync', 'filter-health', 'filter-project', 'filter-namespace']) setSelect(id, '');
				setSearch('');
				`+tc.setup+`;
				return true;
			})()`)
			if got := eval[string](b, visible); got != tc.want {
				t.Errorf("%s: rows %s, want %s", tc.name, got, tc.want)
			}
		}
		eval[bool](b, `(() => { setSearch(''); setSelect('filter-project', ''); return true; })()`)
	})

	t.Run("app-of-apps tree shows waves and dependsOn", func(t *testing.T) {
		b := b.in(t)
		b.open("/apps/argocd/shop/tree")
		b.waitFor("three waves", `document.querySelectorAll('[data-testid=wave-group]').length === 3`, 30*time.Second)
		lanes := eval[map[string]string](b, `Object.fromEntries([...document.querySelectorAll('[data-testid=wave-group]')].map(l =>
			[l.dataset.wave, [...l.querySelectorAll('[data-testid=tree-node]')].map(n => n.dataset.app).join(',')]))`)
		want := map[string]string{"1": "argocd/postgres,argocd/redis", "2": "argocd/api", "3": "argocd/web"}
		for w, apps := range want {
			if lanes[w] != apps {
				t.Errorf("wave %s holds %q, want %q (all: %v)", w, lanes[w], apps, lanes)
			}
		}
		b.waitFor("dependsOn edges", `document.querySelectorAll('[data-testid=depends-edge]').length === 3`, 10*time.Second)
		edges := eval[[]string](b, `[...document.querySelectorAll('[data-testid=depends-edge]')].map(e => e.dataset.from + '->' + e.dataset.to).sort()`)
		wantEdges := []string{"argocd/api->argocd/web", "argocd/postgres->argocd/api", "argocd/redis->argocd/api"}
		if len(edges) != 3 || edges[0] != wantEdges[0] || edges[1] != wantEdges[1] || edges[2] != wantEdges[2] {
			t.Errorf("dependsOn edges %v, want %v", edges, wantEdges)
		}
		// The edge is drawn: a path with a length, between the two cards.
		if n := eval[float64](b, `document.querySelector('[data-testid=depends-edge][data-to="argocd/web"]').getTotalLength()`); n < 20 {
			t.Errorf("the api → web edge is %.0f px long", n)
		}
		if txt := eval[string](b, `document.querySelector('[data-testid=tree-node][data-app="argocd/api"] [data-testid=depends-on]').textContent`); txt != "depends on postgres, redis" {
			t.Errorf("api card says %q", txt)
		}
	})

	t.Run("app page shows the resource tree down to Pods", func(t *testing.T) {
		b := b.in(t)
		b.open("/apps/argocd/api")
		deploy := sel("resource-node", `[data-kind=Deployment][data-name=api]`)
		b.waitFor("Deployment → ReplicaSet → Pod, Pods Healthy", `(() => {
			const d = document.querySelector(`+js(deploy)+`);
			if (!d) return false;
			const rs = d.parentElement.querySelectorAll(':scope > ul > li > [data-kind=ReplicaSet]');
			if (rs.length !== 1) return false;
			const pods = rs[0].parentElement.querySelectorAll(':scope > ul > li > [data-kind=Pod]');
			return pods.length === 2 && [...pods].every(p => p.dataset.health === 'Healthy');
		})()`, 60*time.Second)
		for _, tc := range []struct{ css, health string }{
			{sel("resource-node", `[data-kind=Deployment][data-name=api]`), "Healthy"},
			{sel("resource-node", `[data-kind=Service][data-name=api]`), "Healthy"},
		} {
			got := eval[string](b, `document.querySelector(`+js(tc.css+" "+sel("resource-health"))+`).dataset.status`)
			if got != tc.health {
				t.Errorf("%s health badge %s, want %s", tc.css, got, tc.health)
			}
		}
		if got := eval[string](b, `document.querySelector('[data-testid=app-health-badge]').dataset.status`); got != "Healthy" {
			t.Errorf("app health badge %s", got)
		}
		b.waitFor("history entry", `document.querySelectorAll('[data-testid=history-row]').length >= 1`, 10*time.Second)
		b.waitFor("no diff", `!!document.querySelector('[data-testid=diff-empty]')`, 10*time.Second)
	})

	t.Run("screenshots", func(t *testing.T) {
		screenshots(t, b.in(t))
	})

	t.Run("diff shows the changed line of an OutOfSync ConfigMap", func(t *testing.T) {
		b := b.in(t)
		b.open("/apps/argocd/settings")
		b.waitFor("OutOfSync badge", `document.querySelector('[data-testid=app-sync-badge]')?.dataset.status === 'OutOfSync'`, 30*time.Second)
		cm := sel("diff-resource", `[data-kind=ConfigMap][data-name=settings]`)
		b.waitFor("ConfigMap diff", `!!document.querySelector(`+js(cm)+`)`, 60*time.Second)
		rows := eval[[][]string](b, `[...document.querySelectorAll(`+js(cm+" "+sel("diff-line-changed"))+`)].map(r => [r.children[1].textContent, r.children[3].textContent])`)
		found := false
		for _, r := range rows {
			if r[0] == `  greeting: hola` && r[1] == `  greeting: hello` {
				found = true
			}
		}
		if !found {
			t.Errorf("no changed row live %q → desired %q among %q", "  greeting: hola", "  greeting: hello", rows)
		}
		// The two sides are two columns, the changed ones highlighted.
		bg := eval[[]string](b, `(() => { const r = document.querySelector(`+js(cm+" "+sel("diff-line-changed"))+`);
			return [getComputedStyle(r.children[1]).backgroundColor, getComputedStyle(r.children[3]).backgroundColor]; })()`)
		if bg[0] == bg[1] || bg[0] == "rgba(0, 0, 0, 0)" {
			t.Errorf("changed lines are not highlighted: live %s, desired %s", bg[0], bg[1])
		}
	})

	t.Run("sync without the token is refused with 401", func(t *testing.T) {
		b := b.in(t)
		b.open("/apps/argocd/settings")
		b.waitFor("sync button", `!!document.querySelector('[data-testid=sync-button]')`, 10*time.Second)
		b.click(sel("sync-button"))
		b.waitFor("the error", `document.querySelector('[data-testid=action-error]')?.textContent.includes('401')`, 10*time.Second)
		msg := eval[string](b, `document.querySelector('[data-testid=action-error]').textContent`)
		t.Logf("the UI says: %s", msg)
		if app := getApp(t, c, "settings"); app.Operation != nil {
			t.Errorf("a refused sync wrote an operation: %+v", app.Operation)
		}
	})

	t.Run("sync with the token turns the badge Synced without a reload", func(t *testing.T) {
		b := b.in(t)
		b.open("/apps/argocd/settings")
		b.waitFor("OutOfSync badge", `document.querySelector('[data-testid=app-sync-badge]')?.dataset.status === 'OutOfSync'`, 30*time.Second)
		eval[bool](b, `(window.__flotillaTestMarker = 'still here', true)`)
		b.do(10*time.Second, chromedp.SetValue(chromedp.CSS(sel("token-input")), uiToken))
		b.click(sel("login-button"))
		b.waitFor("signed in", `!document.querySelector('[data-testid=session]').hidden`, 10*time.Second)
		b.click(sel("sync-button"))
		b.waitFor("sync requested", `!!document.querySelector('[data-testid=action-result]')?.textContent.includes('requested')`, 10*time.Second)
		b.waitFor("Synced badge", `document.querySelector('[data-testid=app-sync-badge]')?.dataset.status === 'Synced'`, 90*time.Second)
		if got := eval[string](b, `window.__flotillaTestMarker || 'gone'`); got != "still here" {
			t.Errorf("the page reloaded: marker %q", got)
		}
		if got := eval[float64](b, `performance.getEntriesByType('navigation').length`); got != 1 {
			t.Errorf("%v navigations", got)
		}
		app := getApp(t, c, "settings")
		if len(app.Status.History) == 0 || app.Status.History[len(app.Status.History)-1].InitiatedBy.Username != server.DefaultUsername {
			t.Errorf("the sync is not recorded as started by %s: %+v", server.DefaultUsername, app.Status.History)
		}
	})

	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("the page logged errors:\n%s", errs)
	}
}
