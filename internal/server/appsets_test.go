package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/server"
)

// TestAppSetAPI reads ApplicationSets, their generated Applications and
// app-of-apps trees through sets, on a real API server with the objects
// and their status written by the test.
func TestAppSetAPI(t *testing.T) {
	c, ns := appSetPlane(t)
	ts := startServer(t, server.Options{Namespaces: []string{ns}, Token: server.StaticToken(apiToken)})
	set := appSetFleet(t, c, ns)

	get := func(t *testing.T, path string, into any) {
		t.Helper()
		status, body := request(t, ts, "GET", path, apiToken, "")
		if status != http.StatusOK {
			t.Fatalf("GET %s = %d %s", path, status, body)
		}
		if err := json.Unmarshal([]byte(body), into); err != nil {
			t.Fatalf("GET %s: %v\n%s", path, err, body)
		}
	}
	// The cache sees the objects a moment after they are written.
	eventually(t, 30*time.Second, func() (bool, string) {
		var d server.AppSetDetail
		get(t, "/api/v1/applicationsets/"+ns+"/guestbook", &d)
		var live int
		for _, a := range d.Applications {
			if a.App != nil {
				live++
			}
		}
		return live == 2 && len(d.Conditions) == 3, fmt.Sprintf("%d live apps, %d conditions", live, len(d.Conditions))
	})

	t.Run("list", func(t *testing.T) {
		var list struct{ Items []server.AppSetSummary }
		get(t, "/api/v1/applicationsets", &list)
		if len(list.Items) != 2 || list.Items[0].Name != "guestbook" || list.Items[1].Name != "other" {
			t.Fatalf("list %+v, want guestbook and other", list.Items)
		}
		s := list.Items[0]
		for _, tc := range []struct{ field, got, want string }{
			{"generators", kinds(s.Generators), "list,matrix(git,clusters)"},
			{"strategy", s.Strategy, "RollingSync"},
			{"resourcesCount", fmt.Sprint(s.ResourcesCount), "3"},
			{"health", s.Health, "Progressing"},
			{"error", fmt.Sprint(s.ErrorOccurred, s.Error), "false"},
			{"upToDate", s.UpToDate + " " + s.UpToDateReason, "True " + setUpToDateOK},
			{"apps", fmt.Sprintf("%+v", s.Apps), "{Total:3 Missing:1 Synced:1 OutOfSync:1 Healthy:1}"},
			{"parent", fmt.Sprint(s.Parent), "&{" + ns + " platform}"},
			{"other strategy", list.Items[1].Strategy, "AllAtOnce"},
			{"other apps", fmt.Sprintf("%+v", list.Items[1].Apps), "{Total:1 Missing:0 Synced:0 OutOfSync:0 Healthy:0}"},
			{"other health", list.Items[1].Health + " " + list.Items[1].UpToDate, "Unknown Unknown"},
		} {
			if tc.got != tc.want {
				t.Errorf("%s = %q, want %q", tc.field, tc.got, tc.want)
			}
		}
		get(t, "/api/v1/applicationsets?namespace=default", &list)
		if len(list.Items) != 0 {
			t.Errorf("?namespace=default lists %+v", list.Items)
		}
	})

	t.Run("set with its generated applications", func(t *testing.T) {
		var d server.AppSetDetail
		get(t, "/api/v1/applicationsets/"+ns+"/guestbook", &d)
		if d.Spec.TemplateName != setTemplate || !d.Spec.GoTemplate || len(d.Spec.Generators) != 2 ||
			d.Spec.Generators[1].Matrix == nil || d.Spec.Generators[1].Matrix.Generators[0].Git.RepoURL != setRepo {
			t.Errorf("spec %+v", d.Spec)
		}
		if st := d.Spec.Strategy; st == nil || len(st.RollingSync.Steps) != 2 || st.RollingSync.Steps[1].MaxUpdate.IntValue() != 1 {
			t.Errorf("strategy %+v", d.Spec.Strategy)
		}
		if len(d.ApplicationStatus) != 2 || len(d.Conditions) != 3 {
			t.Errorf("applicationStatus %+v, conditions %+v", d.ApplicationStatus, d.Conditions)
		}
		var got []string
		for _, g := range d.Applications {
			line := fmt.Sprintf("%s owned=%v listed=%v", g.Name, g.Owned, g.Listed)
			if g.App != nil {
				line += fmt.Sprintf(" %s/%s op=%s appSet=%v", g.App.Sync, g.App.Health, g.App.OperationPhase, g.App.AppSet)
			}
			if g.Rollout != nil {
				line += fmt.Sprintf(" rollout=%s step=%s", g.Rollout.Status, g.Rollout.Step)
			}
			got = append(got, line)
		}
		want := []string{
			fmt.Sprintf("guestbook-dev owned=true listed=true Synced/Healthy op= appSet=&{%s guestbook} rollout=Healthy step=1", ns),
			"guestbook-gone owned=false listed=true",
			fmt.Sprintf("guestbook-prod owned=true listed=true OutOfSync/Progressing op=Running appSet=&{%s guestbook} rollout=Progressing step=2", ns),
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("applications\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		var other server.AppSetDetail
		get(t, "/api/v1/applicationsets/"+ns+"/other", &other)
		if len(other.Applications) != 1 || other.Applications[0].Name != "other-app" || !other.Applications[0].Owned {
			t.Errorf("other's applications %+v", other.Applications)
		}
	})

	t.Run("application names its set", func(t *testing.T) {
		var list struct{ Items []server.AppSummary }
		get(t, "/api/v1/applications", &list)
		owners := map[string]string{}
		for _, a := range list.Items {
			owners[a.Name] = fmt.Sprint(a.AppSet)
		}
		for name, want := range map[string]string{
			"guestbook-dev": "&{" + ns + " guestbook}", "other-app": "&{" + ns + " other}", "stray": "<nil>",
		} {
			if owners[name] != want {
				t.Errorf("%s's appSet = %s, want %s", name, owners[name], want)
			}
		}
		var app v1alpha1.Application
		get(t, "/api/v1/applications/"+ns+"/guestbook-dev", &app)
		if len(app.OwnerReferences) != 1 || app.OwnerReferences[0].UID != set.UID {
			t.Errorf("ownerReferences %+v", app.OwnerReferences)
		}
	})

	t.Run("tree goes through the set", func(t *testing.T) {
		var tree server.TreeNode
		get(t, "/api/v1/applications/"+ns+"/platform/tree", &tree)
		var got []string
		var walk func(n *server.TreeNode, depth int)
		walk = func(n *server.TreeNode, depth int) {
			line := fmt.Sprintf("%s%s %s", strings.Repeat("  ", depth), n.Kind, n.Name)
			switch {
			case n.App != nil:
				line += " " + n.App.Health
			case n.AppSet != nil:
				line += fmt.Sprintf(" %s apps=%d", n.AppSet.Health, n.AppSet.Apps.Total)
			default:
				line += " missing"
			}
			if n.Cycle {
				line += " cycle"
			}
			got = append(got, line)
			for _, c := range n.Children {
				walk(c, depth+1)
			}
		}
		walk(&tree, 0)
		want := []string{
			"Application platform Healthy",
			"  ApplicationSet guestbook Progressing apps=3",
			"    Application guestbook-dev Healthy",
			"    Application guestbook-gone missing",
			"    Application guestbook-prod Progressing",
			"      ApplicationSet guestbook Progressing apps=3 cycle",
			"  Application stray Unknown",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("tree\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		for _, tc := range []struct {
			method, path, token string
			want                int
			msg                 string
		}{
			{"GET", "/api/v1/applicationsets", "", 401, "missing token"},
			{"GET", "/api/v1/applicationsets/" + ns + "/guestbook", "", 401, "missing token"},
			{"GET", "/api/v1/applicationsets/" + ns + "/nope", apiToken, 404, "not found"},
			{"GET", "/api/v1/applicationsets/argocd/guestbook", apiToken, 404, "not found"},
			{"POST", "/api/v1/applicationsets/" + ns + "/guestbook", apiToken, 405, "use GET"},
		} {
			status, body := request(t, ts, tc.method, tc.path, tc.token, "")
			if status != tc.want || !strings.Contains(body, tc.msg) {
				t.Errorf("%s %s = %d %s, want %d with %q", tc.method, tc.path, status, body, tc.want, tc.msg)
			}
		}
	})
}

// kinds renders generator kinds as "list,matrix(git,clusters)".
func kinds(ks []server.GeneratorKind) string {
	var out []string
	for _, k := range ks {
		if len(k.Children) > 0 {
			out = append(out, k.Kind+"("+kinds(k.Children)+")")
		} else {
			out = append(out, k.Kind)
		}
	}
	return strings.Join(out, ",")
}
