package syncmodel_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/health"
	"flotilla.dev/flotilla/internal/object"
	"flotilla.dev/flotilla/internal/syncmodel"
)

const (
	cmV1 = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: ns}\ndata: {v: '1'}\n"
	cmV2 = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: ns}\ndata: {v: '2'}\n"
	hook = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate, namespace: ns, annotations: {argocd.argoproj.io/hook: PreSync}}\n"
	skip = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: skipped, namespace: ns, annotations: {argocd.argoproj.io/hook: Skip}}\n"
)

// tracked is s with app's tracking id.
func tracked(s, app string) *unstructured.Unstructured {
	u := obj(s)
	apply.SetTracking(u, app)
	return u
}

// withAnnotation is u with one more annotation.
func withAnnotation(u *unstructured.Unstructured, k, v string) *unstructured.Unstructured {
	ann := u.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[k] = v
	u.SetAnnotations(ann)
	return u
}

func previous(names ...string) []v1alpha1.ResourceStatus {
	var out []v1alpha1.ResourceStatus
	for _, n := range names {
		out = append(out, v1alpha1.ResourceStatus{Version: "v1", Kind: "ConfigMap", Namespace: "ns", Name: n})
	}
	return out
}

func newApp(opts ...string) *v1alpha1.Application {
	app := &v1alpha1.Application{}
	app.Name = "app"
	if len(opts) > 0 {
		app.Spec.SyncPolicy = &v1alpha1.SyncPolicy{SyncOptions: opts}
	}
	return app
}

// summary is "name:status[:prune flags]" per resource.
func summary(res *syncmodel.Result) string {
	var out []string
	for _, r := range res.Resources {
		s := r.Key.Name + ":" + string(r.Status)
		if p := r.Prune; p != nil {
			s += ":prune"
			for flag, on := range map[string]bool{"-disabled": p.Disabled, "-confirm": p.Confirm, "-ignored": p.IgnoreExtraneous} {
				if on {
					s += flag
				}
			}
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestCompare(t *testing.T) {
	stale := func(name string) string { return strings.Replace(cmV1, "name: cm", "name: "+name, 1) }
	tests := []struct {
		name     string
		app      *v1alpha1.Application
		objects  []*unstructured.Unstructured
		live     []*unstructured.Unstructured
		previous []v1alpha1.ResourceStatus
		tracking apply.Tracking
		want     string // summary
		status   v1alpha1.SyncStatusCode
		shared   int
	}{
		{name: "missing", objects: []*unstructured.Unstructured{tracked(cmV1, "app")},
			want: "cm:OutOfSync", status: "OutOfSync"},
		{name: "in sync", objects: []*unstructured.Unstructured{tracked(cmV1, "app")}, live: []*unstructured.Unstructured{tracked(cmV1, "app")},
			want: "cm:Synced", status: "Synced"},
		{name: "changed", objects: []*unstructured.Unstructured{tracked(cmV2, "app")}, live: []*unstructured.Unstructured{tracked(cmV1, "app")},
			want: "cm:OutOfSync", status: "OutOfSync"},
		{name: "hooks and skipped objects are never compared", objects: []*unstructured.Unstructured{obj(hook), obj(skip)},
			want: "", status: "Synced"},
		{name: "hooks are never pruned",
			live:     []*unstructured.Unstructured{tracked(hook, "app")},
			previous: []v1alpha1.ResourceStatus{{Group: "batch", Version: "v1", Kind: "Job", Namespace: "ns", Name: "migrate", Hook: true}},
			want:     "", status: "Synced"},
		{name: "prune what this app tracks, not another's",
			live:     []*unstructured.Unstructured{tracked(stale("mine"), "app"), tracked(stale("theirs"), "other"), obj(stale("untracked"))},
			previous: previous("mine", "theirs", "untracked", "gone"),
			want:     "mine:OutOfSync:prune", status: "OutOfSync"},
		{name: "a desired object is not pruned",
			objects: []*unstructured.Unstructured{tracked(cmV1, "app")}, live: []*unstructured.Unstructured{tracked(cmV1, "app")},
			previous: previous("cm"), want: "cm:Synced", status: "Synced"},
		{name: "Prune=false on the object",
			live:     []*unstructured.Unstructured{withAnnotation(tracked(stale("keep"), "app"), "argocd.argoproj.io/sync-options", "Prune=false")},
			previous: previous("keep"), want: "keep:OutOfSync:prune-disabled", status: "OutOfSync"},
		{name: "Prune=confirm on the app", app: newApp("Prune=confirm"),
			live: []*unstructured.Unstructured{tracked(stale("old"), "app")}, previous: previous("old"),
			want: "old:OutOfSync:prune-confirm", status: "OutOfSync"},
		{name: "IgnoreExtraneous keeps the app Synced",
			live:     []*unstructured.Unstructured{withAnnotation(tracked(stale("extra"), "app"), "argocd.argoproj.io/compare-options", "IgnoreExtraneous")},
			previous: previous("extra"), want: "extra:OutOfSync:prune-ignored", status: "Synced"},
		{name: "label tracking: owned by Argo CD's instance label, compared with the tracking id backfilled",
			tracking: apply.Tracking{Method: apply.TrackLabel},
			objects:  []*unstructured.Unstructured{withLabel(tracked(cmV1, "app"), "app")},
			live:     []*unstructured.Unstructured{withLabel(obj(cmV1), "app"), withLabel(obj(stale("old")), "app")},
			previous: previous("old"), want: "cm:Synced old:OutOfSync:prune", status: "OutOfSync"},
		{name: "annotation tracking ignores the instance label",
			live: []*unstructured.Unstructured{withLabel(obj(stale("old")), "app")}, previous: previous("old"),
			want: "", status: "Synced"},
		{name: "shared with another app",
			objects: []*unstructured.Unstructured{tracked(cmV1, "app")}, live: []*unstructured.Unstructured{tracked(cmV1, "other")},
			want: "cm:OutOfSync", status: "OutOfSync", shared: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := tt.app
			if app == nil {
				app = newApp()
			}
			app.Status.Resources = tt.previous
			res, err := syncmodel.Compare(context.Background(), syncmodel.Input{App: app, Objects: tt.objects,
				Instance: "app", Tracking: tt.tracking, Cluster: cluster(tt.live...), Health: healthy{}, Diffs: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(res); got != tt.want {
				t.Errorf("resources = %q, want %q", got, tt.want)
			}
			if res.Status != tt.status {
				t.Errorf("status = %s, want %s", res.Status, tt.status)
			}
			if len(res.Shared) != tt.shared {
				t.Errorf("shared = %v", res.Shared)
			}
			for _, r := range res.Resources {
				if r.Diff == nil || r.Diff.Modified != (r.Status != v1alpha1.SyncStatusCodeSynced) {
					t.Errorf("%s: diff %+v disagrees with status %s", r.Key.Name, r.Diff, r.Status)
				}
			}
		})
	}
}

func withLabel(u *unstructured.Unstructured, app string) *unstructured.Unstructured {
	u.SetLabels(map[string]string{apply.DefaultInstanceLabel: app})
	return u
}

func TestCompareHooksAndHealth(t *testing.T) {
	res, err := syncmodel.Compare(context.Background(), syncmodel.Input{App: newApp(), Instance: "app",
		Objects: []*unstructured.Unstructured{obj(hook), obj(skip), tracked(cmV1, "app")}, Cluster: cluster(), Health: healthy{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hooks) != 1 || len(res.Desired) != 1 || len(res.Resources) != 1 {
		t.Fatalf("hooks %d, desired %d, resources %d", len(res.Hooks), len(res.Desired), len(res.Resources))
	}
	r := res.Resources[0]
	if r.Health == nil || r.Health.Code != health.Missing || res.Health.Code != health.Missing {
		t.Errorf("health of a missing object = %+v, app %+v", r.Health, res.Health)
	}
	if r.Predicted != r.Desired || r.Diff != nil {
		t.Errorf("a missing object predicts %v, diff %v", r.Predicted, r.Diff)
	}
}

func TestCompareDryRunRefused(t *testing.T) {
	invalid := apierrors.NewInvalid(schema.GroupKind{Kind: "ConfigMap"}, "cm", field.ErrorList{field.Forbidden(field.NewPath("immutable"), "x")})
	for _, tt := range []struct {
		name    string
		app     *v1alpha1.Application
		err     error
		problem bool
	}{
		{"refused", newApp(), errors.New("admission webhook denied"), true},
		{"Replace and Force re-create on an invalid change", newApp("Replace=true", "Force=true"), invalid, false},
		{"Replace alone does not", newApp("Replace=true"), invalid, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := cluster(tracked(cmV1, "app"))
			c.dryRunErr[object.KeyOf(obj(cmV1))] = tt.err
			res, err := syncmodel.Compare(context.Background(), syncmodel.Input{App: tt.app, Instance: "app",
				Objects: []*unstructured.Unstructured{tracked(cmV2, "app")}, Cluster: c, Diffs: true})
			if err != nil {
				t.Fatal(err)
			}
			r := res.Resources[0]
			if r.Status != v1alpha1.SyncStatusCodeOutOfSync || r.DryRunError == "" || !r.Diff.Modified {
				t.Errorf("refused dry-run: %+v", r)
			}
			if (len(res.Problems) > 0) != tt.problem {
				t.Errorf("problems = %v, want some: %v", res.Problems, tt.problem)
			}
		})
	}
}

func TestCompareMemo(t *testing.T) {
	key := object.KeyOf(obj(cmV1))
	for _, tt := range []struct {
		name     string
		diffs    bool
		wantGets int
	}{
		{"a remembered in-sync object is not read", false, 0},
		{"a diff reads it anyway", true, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, memo := cluster(tracked(cmV1, "app")), &fakeMemo{synced: map[object.Key]bool{key: true}}
			res, err := syncmodel.Compare(context.Background(), syncmodel.Input{App: newApp(), Instance: "app",
				Objects: []*unstructured.Unstructured{tracked(cmV1, "app")}, Cluster: c, Memo: memo, Diffs: tt.diffs})
			if err != nil {
				t.Fatal(err)
			}
			if c.gets != tt.wantGets || res.Status != v1alpha1.SyncStatusCodeSynced {
				t.Errorf("gets = %d, status %s", c.gets, res.Status)
			}
		})
	}
	memo := &fakeMemo{}
	if _, err := syncmodel.Compare(context.Background(), syncmodel.Input{App: newApp(), Instance: "app", Memo: memo,
		Objects: []*unstructured.Unstructured{tracked(cmV1, "app"), tracked(strings.Replace(cmV2, "name: cm", "name: b", 1), "app"), tracked(strings.Replace(cmV1, "name: cm", "name: c", 1), "app")},
		Cluster: cluster(tracked(cmV1, "app"), tracked(strings.Replace(cmV1, "name: cm", "name: b", 1), "app"), tracked(strings.Replace(cmV1, "name: cm", "name: c", 1), "other"))}); err != nil {
		t.Fatal(err)
	}
	if len(memo.remembered) != 1 || memo.remembered[0].Name != "cm" || len(memo.forgotten) != 2 {
		t.Errorf("remembered %v, forgot %v: want cm remembered, b and the shared c forgotten", memo.remembered, memo.forgotten)
	}
}

func TestCompareTakeOver(t *testing.T) {
	withManagers := func(app string) *unstructured.Unstructured {
		u := tracked(cmV1, app)
		u.Object["metadata"].(map[string]any)["managedFields"] = []any{map[string]any{"manager": "argocd-controller", "operation": "Apply"}}
		return u
	}
	for _, tt := range []struct {
		name  string
		owner string
		want  int
	}{{"this app's object is handed over", "app", 1}, {"another app's is not", "other", 0}} {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			takeOver := func(_ context.Context, live *unstructured.Unstructured) (*unstructured.Unstructured, error) {
				calls++
				return live, nil
			}
			if _, err := syncmodel.Compare(context.Background(), syncmodel.Input{App: newApp(), Instance: "app", TakeOver: takeOver,
				Objects: []*unstructured.Unstructured{tracked(cmV1, "app")}, Cluster: cluster(withManagers(tt.owner))}); err != nil {
				t.Fatal(err)
			}
			if calls != tt.want {
				t.Errorf("take-overs = %d, want %d", calls, tt.want)
			}
		})
	}
}

func TestCompareUnknownKindIsMissing(t *testing.T) {
	c := cluster()
	c.unknown = true
	app := newApp()
	app.Status.Resources = previous("gone")
	res, err := syncmodel.Compare(context.Background(), syncmodel.Input{App: app, Instance: "app",
		Objects: []*unstructured.Unstructured{tracked(cmV1, "app")}, Cluster: c})
	if err != nil {
		t.Fatal(err)
	}
	if summary(res) != "cm:OutOfSync" {
		t.Errorf("resources = %q", summary(res))
	}
}

func TestCompareMasksSecrets(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	secret := func(name, group, value string) string {
		apiVersion := "v1"
		if group != "" {
			apiVersion = group + "/v1"
		}
		return "apiVersion: " + apiVersion + "\nkind: Secret\nmetadata: {name: " + name + ", namespace: ns}\ndata: {password: " + b64(value) + ", user: " + b64("admin") + "}\n"
	}
	lastApplied := `{"apiVersion":"v1","kind":"Secret","data":{"password":"` + b64("old-value") + `"}}`
	for _, tt := range []struct {
		name            string
		desired, live   *unstructured.Unstructured
		absent, present []string
	}{
		{name: "both sides and the last-applied annotation",
			desired: tracked(secret("db", "", "new-value"), "app"),
			live:    withAnnotation(tracked(secret("db", "", "old-value"), "app"), "kubectl.kubernetes.io/last-applied-configuration", lastApplied),
			absent:  []string{b64("old-value"), b64("new-value"), b64("admin")}, present: []string{"++++++++"}},
		{name: "a Secret to create", desired: tracked(secret("db", "", "new-value"), "app"),
			absent: []string{b64("new-value"), b64("admin")}, present: []string{"++++++++"}},
		{name: "a Secret of another group is not a Secret",
			desired: tracked(secret("s", "example.com", "new-value"), "app"), live: tracked(secret("s", "example.com", "old-value"), "app"),
			present: []string{b64("new-value"), b64("old-value")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var live []*unstructured.Unstructured
			if tt.live != nil {
				live = append(live, tt.live)
			}
			res, err := syncmodel.Compare(context.Background(), syncmodel.Input{App: newApp(), Instance: "app",
				Objects: []*unstructured.Unstructured{tt.desired}, Cluster: cluster(live...), Diffs: true})
			if err != nil {
				t.Fatal(err)
			}
			d := res.Resources[0].Diff
			all := d.Live + d.Desired + d.Unified
			for _, s := range tt.absent {
				if strings.Contains(all, s) {
					t.Errorf("%q leaks:\n%s", s, all)
				}
			}
			for _, s := range tt.present {
				if !strings.Contains(all, s) {
					t.Errorf("%q missing:\n%s", s, all)
				}
			}
			if !d.Modified || d.Unified == "" {
				t.Errorf("no diff: %+v", d)
			}
		})
	}
}
