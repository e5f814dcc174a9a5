package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/server"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// Who signs in, in the OIDC tests.
const (
	aliceEmail = "alice@example.com" // operates the apps of team A
	bobEmail   = "bob@example.com"   // reads team A's and team B's apps, through his group
	bobGroup   = "team-b-readers"
)

// oidcFleet is three namespaces with one Application each, and the RBAC
// of the two users: alice may get, list, watch and patch Applications
// and read and patch ConfigMaps in team A; bob's group may only get,
// list and watch Applications in team A and team B. Nobody but the
// server may see team C.
type oidcFleet struct {
	c             client.Client
	teamA, teamB  string
	teamC         string
	alpha, beta   string // ns/name
	gamma         string
	repoURL, head string
}

func newOIDCFleet(t *testing.T) *oidcFleet {
	t.Helper()
	c, teamA := appSetPlane(t)
	f := &oidcFleet{c: c, teamA: teamA, teamB: kubetest.NewNamespace(t, c), teamC: kubetest.NewNamespace(t, c)}
	repo := gittest.NewLocalRepo(t)
	f.head = repo.Commit(t, map[string]string{"config/settings.yaml": configMap("settings", "greeting", "hello")}, "settings")
	f.repoURL = repo.URL()
	for _, a := range []struct{ ns, name string }{{f.teamA, "alpha"}, {f.teamB, "beta"}, {f.teamC, "gamma"}} {
		createAppIn(t, c, a.ns, application(a.name, f.repoURL, "config", a.ns, appOptions{}))
	}
	f.alpha, f.beta, f.gamma = f.teamA+"/alpha", f.teamB+"/beta", f.teamC+"/gamma"
	apps := rule(v1alpha1.Group, "applications", "get,list,watch")
	grant(t, c, f.teamA, "alice-operates", "User:"+aliceEmail,
		rule(v1alpha1.Group, "applications", "get,list,watch,patch,update"), rule("", "configmaps", "get,list,patch"))
	grant(t, c, f.teamA, "team-b-reads", "Group:"+bobGroup, apps)
	grant(t, c, f.teamB, "team-b-reads", "Group:"+bobGroup, apps)
	return f
}

// TestOIDCAccess signs two users in through a real OIDC provider and
// checks that the API shows and does for each exactly what the API
// server's RBAC grants them, by impersonation, while the token keeps the
// server's own identity.
func TestOIDCAccess(t *testing.T) {
	f := newOIDCFleet(t)
	p := startIDP(t, person("alice", aliceEmail, "team-a"), person("bob", bobEmail, bobGroup))
	ts := httptest.NewUnstartedServer(nil)
	// Every namespace: the cache holds all Applications, team C's too.
	ts = serveOn(t, ts, server.Options{Namespaces: []string{"*"}, Token: server.StaticToken(apiToken), OIDC: p.options(ts)})
	alice, bob := signInAs(t, ts, "alice"), signInAs(t, ts, "bob")

	t.Run("session", func(t *testing.T) {
		_, body := call(t, bob, ts, "GET", "/api/v1/session")
		var st struct {
			Authenticated bool
			OIDC          bool
			User          server.User
		}
		if err := json.Unmarshal([]byte(body), &st); err != nil {
			t.Fatal(err)
		}
		if !st.Authenticated || !st.OIDC || st.User.Name != bobEmail || !slices.Equal(st.User.Groups, []string{bobGroup}) {
			t.Errorf("bob's session = %s", body)
		}
	})

	t.Run("each sees the apps they may list", func(t *testing.T) {
		for _, tc := range []struct {
			who  string
			hc   *http.Client
			hdr  []string
			want []string
		}{
			{"alice", alice, nil, []string{f.alpha}},
			{"bob", bob, nil, []string{f.alpha, f.beta}},
			{"the token", &http.Client{}, []string{"Authorization", "Bearer " + apiToken}, []string{f.alpha, f.beta, f.gamma}},
		} {
			slices.Sort(tc.want) // the API sorts by namespace and name
			// The cache sees new Applications a moment after they are written.
			eventually(t, 30*time.Second, func() (bool, string) {
				got := listApps(t, tc.hc, ts, "/api/v1/applications", tc.hdr, f)
				return slices.Equal(got, tc.want), fmt.Sprintf("%s lists %v, want %v", tc.who, got, tc.want)
			})
		}
		if got := listApps(t, alice, ts, "/api/v1/applications?namespace="+f.teamB, nil, f); len(got) != 0 {
			t.Errorf("alice lists %v in team B", got)
		}
	})

	t.Run("reads refused with the cluster's words", func(t *testing.T) {
		for _, tc := range []struct {
			who        string
			hc         *http.Client
			path       string
			want       int
			wantInBody string
		}{
			{"alice", alice, "/api/v1/applications/" + f.alpha, 200, `"name":"alpha"`},
			{"alice", alice, "/api/v1/applications/" + f.beta, 403, `User \"` + aliceEmail + `\" cannot get resource \"applications\" in API group \"argoproj.io\" in the namespace \"` + f.teamB + `\"`},
			{"bob", bob, "/api/v1/applications/" + f.beta, 200, `"name":"beta"`},
			{"bob", bob, "/api/v1/applications/" + f.gamma, 403, "cannot get resource"},
			{"alice", alice, "/api/v1/applications/" + f.alpha + "/tree", 200, `"name":"alpha"`},
			{"alice", alice, "/api/v1/applications/" + f.beta + "/tree", 403, "cannot get resource"},
			{"alice", alice, "/api/v1/applications/" + f.alpha + "/history", 200, `"history"`},
			{"bob", bob, "/api/v1/applications/" + f.gamma + "/resource-tree", 403, "cannot get resource"},
			// Diffs read live objects and dry-run as the user: alice may,
			// bob may not read ConfigMaps in team A.
			{"alice", alice, "/api/v1/applications/" + f.alpha + "/diff", 200, `"name":"settings"`},
			{"bob", bob, "/api/v1/applications/" + f.alpha + "/diff", 403, `User \"` + bobEmail + `\" cannot get resource \"configmaps\"`},
		} {
			status, body := call(t, tc.hc, ts, "GET", tc.path)
			if status != tc.want || !strings.Contains(body, tc.wantInBody) {
				t.Errorf("%s: GET %s = %d %.400s, want %d with %s", tc.who, tc.path, status, body, tc.want, tc.wantInBody)
			}
		}
	})

	t.Run("bob's sync is refused by the cluster, alice's is recorded as hers", func(t *testing.T) {
		syncPath := "/api/v1/applications/" + f.alpha + "/sync"
		status, body := call(t, bob, ts, "POST", syncPath)
		if status != http.StatusForbidden || !strings.Contains(body, `User \"`+bobEmail+`\" cannot patch resource \"applications\"`) {
			t.Errorf("bob's sync = %d %s, want 403 from the API server", status, body)
		}
		status, body = call(t, bob, ts, "POST", "/api/v1/applications/"+f.alpha+"/refresh")
		if status != http.StatusForbidden {
			t.Errorf("bob's refresh = %d %s, want 403", status, body)
		}
		if app := getAppIn(t, f.c, f.alpha); app.Operation != nil || app.Annotations[appctl.RefreshAnnotation] != "" {
			t.Fatalf("bob's refused actions wrote %+v %v", app.Operation, app.Annotations)
		}
		status, body = call(t, alice, ts, "POST", syncPath, "Origin", "https://evil.example")
		if status != http.StatusForbidden || !strings.Contains(body, "cross-origin") {
			t.Errorf("alice's sync from another origin = %d %s, want 403", status, body)
		}
		if app := getAppIn(t, f.c, f.alpha); app.Operation != nil {
			t.Fatalf("a cross-origin sync wrote %+v", app.Operation)
		}
		status, body = call(t, alice, ts, "POST", syncPath, "Sec-Fetch-Site", "same-origin")
		if status != http.StatusAccepted {
			t.Fatalf("alice's sync = %d %s, want 202", status, body)
		}
		app := getAppIn(t, f.c, f.alpha)
		if app.Operation == nil || app.Operation.InitiatedBy.Username != aliceEmail {
			t.Errorf("alice's sync wrote %+v, want initiated by %s", app.Operation, aliceEmail)
		}
		status, body = call(t, alice, ts, "POST", "/api/v1/applications/"+f.beta+"/sync")
		if status != http.StatusForbidden {
			t.Errorf("alice's sync in team B = %d %s, want 403", status, body)
		}
	})

	t.Run("events carry only what each may list", func(t *testing.T) {
		aliceEvents := subscribeWith(t, alice, ts.URL)
		bobEvents := subscribeWith(t, bob, ts.URL)
		for _, key := range []string{f.gamma, f.beta, f.alpha} { // alpha last: once it arrives, the others have
			touchApp(t, f.c, key)
		}
		for _, tc := range []struct {
			who    string
			stream *eventStream
			want   []string
		}{
			{"alice", aliceEvents, []string{f.alpha}},
			{"bob", bobEvents, []string{f.alpha, f.beta}},
		} {
			slices.Sort(tc.want)
			eventually(t, 30*time.Second, func() (bool, string) {
				got := eventApps(tc.stream, f)
				return slices.Contains(got, f.alpha), fmt.Sprintf("%s got events of %v", tc.who, got)
			})
			if got := eventApps(tc.stream, f); !slices.Equal(got, tc.want) {
				t.Errorf("%s got events of %v, want %v", tc.who, got, tc.want)
			}
		}
	})

	t.Run("signing out ends the session", func(t *testing.T) {
		if status, body := call(t, bob, ts, "DELETE", "/api/v1/session"); status != http.StatusNoContent {
			t.Fatalf("sign out = %d %s", status, body)
		}
		if status, body := call(t, bob, ts, "GET", "/api/v1/applications"); status != http.StatusUnauthorized || !strings.Contains(body, "not signed in") {
			t.Errorf("after sign-out: %d %s, want 401", status, body)
		}
	})
}

// listApps lists the fleet's apps (namespace/name) that path answers.
func listApps(t *testing.T, hc *http.Client, ts *httptest.Server, path string, headers []string, f *oidcFleet) []string {
	t.Helper()
	status, body := call(t, hc, ts, "GET", path, headers...)
	if status != http.StatusOK {
		t.Fatalf("GET %s = %d %s", path, status, body)
	}
	var list struct{ Items []server.AppSummary }
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	var out []string
	for _, a := range list.Items {
		if f.has(a.Namespace) {
			out = append(out, a.Namespace+"/"+a.Name)
		}
	}
	return out
}

func (f *oidcFleet) has(ns string) bool { return ns == f.teamA || ns == f.teamB || ns == f.teamC }

// eventApps are the fleet's apps (namespace/name, sorted, once each)
// that a stream has had events of.
func eventApps(s *eventStream, f *oidcFleet) []string {
	var out []string
	for _, ev := range s.events() {
		if a := ev.Application; f.has(a.Namespace) {
			out = append(out, a.Namespace+"/"+a.Name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// touchApp labels the Application ns/name, so its watchers hear of it.
func touchApp(t *testing.T, c client.Client, key string) {
	t.Helper()
	app := getAppIn(t, c, key)
	patch := fmt.Appendf(nil, `{"metadata":{"labels":{"touched":"%d"}}}`, time.Now().UnixNano())
	if err := c.Patch(context.Background(), app, client.RawPatch(types.MergePatchType, patch)); err != nil {
		t.Fatalf("touch %s: %v", key, err)
	}
}

func getAppIn(t *testing.T, c client.Client, key string) *v1alpha1.Application {
	t.Helper()
	ns, name, _ := strings.Cut(key, "/")
	app := &v1alpha1.Application{}
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, app); err != nil {
		t.Fatalf("get application %s: %v", key, err)
	}
	return app
}
