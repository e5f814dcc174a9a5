package commitstatus

import (
	"testing"

	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/scm"
)

const sha1 = "0123456789abcdef0123456789abcdef01234567"

// TestReports reads each Application state as the commit status it
// shows: the table's apps are inline YAML, as users see them.
func TestReports(t *testing.T) {
	head := `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop-pr-7
  namespace: argocd
  annotations: {flotilla.dev/commit-status: "true"}
spec:
  source: {repoURL: "https://gitea.example.com/team/shop.git", targetRevision: ` + sha1 + `, path: deploy}
`
	for _, tc := range []struct {
		name, yaml string
		state      scm.State
		desc       string
		none       bool
	}{
		{name: "not opted in", none: true, yaml: `metadata: {name: x, namespace: argocd}
spec: {source: {repoURL: "https://gitea.example.com/team/shop.git"}}
status: {sync: {status: Synced, revision: ` + sha1 + `}}`},
		{name: "no commit compared yet", none: true, yaml: head + `status: {sync: {status: Unknown}}`},
		{name: "a chart version is no commit", none: true, yaml: head + `status: {sync: {status: Synced, revision: 1.2.3}}`},
		{name: "operation requested", state: scm.StatePending, desc: "syncing", yaml: head + `operation: {sync: {}}
status: {sync: {status: OutOfSync, revision: ` + sha1 + `}}`},
		{name: "operation running", state: scm.StatePending, desc: "syncing", yaml: head + `status:
  sync: {status: OutOfSync, revision: ` + sha1 + `}
  operationState: {phase: Running}`},
		{name: "synced and healthy", state: scm.StateSuccess, desc: "Synced and Healthy", yaml: head + `status:
  sync: {status: Synced, revision: ` + sha1 + `}
  health: {status: Healthy}`},
		{name: "progressing", state: scm.StatePending, desc: "Synced and Progressing", yaml: head + `status:
  sync: {status: Synced, revision: ` + sha1 + `}
  health: {status: Progressing}`},
		{name: "degraded", state: scm.StateFailure, desc: "Degraded: Deployment exceeded its progress deadline", yaml: head + `status:
  sync: {status: Synced, revision: ` + sha1 + `}
  health: {status: Degraded, message: Deployment exceeded its progress deadline}`},
		{name: "sync of this commit failed", state: scm.StateFailure, desc: "sync failed: one or more objects failed to apply", yaml: head + `status:
  sync: {status: OutOfSync, revision: ` + sha1 + `}
  health: {status: Healthy}
  operationState: {phase: Failed, message: "one or more objects failed to apply\nmore", syncResult: {revision: ` + sha1 + `}}`},
		{name: "an older commit's failure says nothing", state: scm.StatePending, desc: "OutOfSync and Healthy", yaml: head + `status:
  sync: {status: OutOfSync, revision: ` + sha1 + `}
  health: {status: Healthy}
  operationState: {phase: Failed, message: boom, syncResult: {revision: ffffffffffffffffffffffffffffffffffffffff}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var app v1alpha1.Application
			if err := yaml.UnmarshalStrict([]byte(tc.yaml), &app); err != nil {
				t.Fatal(err)
			}
			got := Reports(&app, "https://flotilla.example.com/")
			if tc.none {
				if len(got) != 0 {
					t.Fatalf("reports %+v, want none", got)
				}
				return
			}
			want := Report{RepoURL: "https://gitea.example.com/team/shop.git", SHA: sha1, State: tc.state, Description: tc.desc,
				Context: "flotilla/argocd/shop-pr-7", TargetURL: "https://flotilla.example.com/#/apps/argocd/shop-pr-7"}
			if len(got) != 1 || got[0] != want {
				t.Fatalf("reports %+v\nwant [%+v]", got, want)
			}
		})
	}
}

// TestReportsMultipleSources reports each git source at its own commit
// and skips the chart.
func TestReportsMultipleSources(t *testing.T) {
	const sha2 = "89abcdef0123456789abcdef0123456789abcdef"
	var app v1alpha1.Application
	err := yaml.UnmarshalStrict([]byte(`metadata:
  name: multi
  namespace: argocd
  annotations: {flotilla.dev/commit-status: "true"}
spec:
  sources:
  - {repoURL: "https://github.com/acme/app.git", path: deploy}
  - {repoURL: "https://charts.example.com", chart: redis, targetRevision: 1.0.0}
  - {repoURL: "git@github.com:acme/values.git", ref: values}
status:
  sync: {status: Synced, revisions: [`+sha1+`, 1.0.0, `+sha2+`]}
  health: {status: Healthy}
`), &app)
	if err != nil {
		t.Fatal(err)
	}
	got := Reports(&app, "")
	if len(got) != 2 || got[0].SHA != sha1 || got[1].SHA != sha2 || got[1].RepoURL != "git@github.com:acme/values.git" || got[0].TargetURL != "" {
		t.Fatalf("reports %+v", got)
	}
}
