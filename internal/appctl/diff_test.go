package appctl

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/manifests"
	"flotilla.dev/flotilla/internal/object"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// applyLive creates objects as if app (or another app) had synced them.
func applyLive(t *testing.T, cluster *apply.Client, ns, trackedBy, manifest string) {
	t.Helper()
	objs, err := object.Decode([]byte(manifest))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range objs {
		u.SetNamespace(ns)
		apply.SetTracking(u, trackedBy)
		if _, err := cluster.Apply(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
}

const (
	settingsV1 = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {value: v1, ignored: desired}\n"
	settingsV2 = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {value: v2, ignored: desired}\n"
	secretNew  = "apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: {password: new-secret-value}\n"
	secretOld  = "apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: {password: old-secret-value}\n"
	freshCM    = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fresh}\ndata: {value: f}\n"
	hookJob    = `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations: {argocd.argoproj.io/hook: PreSync}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: m, image: busybox}]
`
)

func TestAppDiffAgainstLiveObjects(t *testing.T) {
	ctx := context.Background()
	cluster, err := apply.NewForConfig(kubetest.Plane(t).RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ns := kubetest.NewNamespace(t, kubetest.Client(t))
	repo := gittest.NewLocalRepo(t)
	first := repo.Commit(t, map[string]string{
		"app/settings.yaml": settingsV1, "app/secret.yaml": secretNew, "app/fresh.yaml": freshCM, "app/hook.yaml": hookJob,
	}, "v1")
	repo.Commit(t, map[string]string{"app/settings.yaml": settingsV2}, "v2")

	applyLive(t, cluster, ns, "diffapp", strings.Replace(settingsV1, "ignored: desired", "ignored: live", 1))
	applyLive(t, cluster, ns, "diffapp", secretOld)
	applyLive(t, cluster, ns, "diffapp", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stale}\ndata: {value: s}\n")
	applyLive(t, cluster, ns, "other", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: foreign}\ndata: {value: o}\n")

	app := &v1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Namespace: "argocd", Name: "diffapp"},
		Spec: v1alpha1.ApplicationSpec{
			Source:            &v1alpha1.ApplicationSource{RepoURL: repo.URL(), Path: "app", TargetRevision: "HEAD"},
			Destination:       v1alpha1.ApplicationDestination{Server: "https://kubernetes.default.svc", Namespace: ns},
			IgnoreDifferences: v1alpha1.IgnoreDifferences{{Kind: "ConfigMap", JSONPointers: []string{"/data/ignored"}}},
		},
	}
	for _, name := range []string{"stale", "foreign", "settings"} {
		app.Status.Resources = append(app.Status.Resources, v1alpha1.ResourceStatus{Version: "v1", Kind: "ConfigMap", Namespace: ns, Name: name})
	}
	opts := DiffOptions{Generator: manifests.NewGenerator(t.TempDir()), Cluster: cluster}

	tests := []struct {
		name     string
		revision string
		// want is name → modified, for every diff expected, in order
		want []string
	}{
		{"tracked revision", "", []string{"fresh:true", "settings:true", "stale:true", "creds:true"}},
		{"older revision", first, []string{"fresh:true", "settings:false", "stale:true", "creds:true"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts.Revision = tt.revision
			diffs, err := Diff(ctx, app, opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			byName := map[string]ResourceDiff{}
			for _, d := range diffs {
				got = append(got, d.Name+":"+map[bool]string{true: "true", false: "false"}[d.Modified])
				byName[d.Name] = d
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("diffs = %v, want %v", got, tt.want)
			}
			secret := byName["creds"]
			for _, leak := range []string{"old-secret-value", "new-secret-value",
				base64.StdEncoding.EncodeToString([]byte("old-secret-value")), base64.StdEncoding.EncodeToString([]byte("new-secret-value"))} {
				if strings.Contains(secret.Unified+secret.Live+secret.Desired, leak) {
					t.Errorf("secret value %q shown:\n%s", leak, secret.Unified)
				}
			}
			if !strings.Contains(secret.Unified, "-  password: ++++++++") || !strings.Contains(secret.Unified, "+  password: ++++++++") {
				t.Errorf("secret diff does not show masked values:\n%s", secret.Unified)
			}
			if s := byName["stale"]; s.Desired != "" || !strings.Contains(s.Live, "name: stale") || !strings.HasPrefix(s.Unified, "--- live") {
				t.Errorf("prune diff: %+v", s)
			}
			if f := byName["fresh"]; f.Live != "" || !strings.Contains(f.Desired, "argocd.argoproj.io/tracking-id: diffapp:/ConfigMap:"+ns+"/fresh") {
				t.Errorf("new object diff: %+v", f)
			}
			if s := byName["settings"]; strings.Contains(s.Unified+s.Live+s.Desired, "ignored") {
				t.Errorf("an ignored field is shown: %+v", s)
			}
		})
	}

	if _, err := Diff(ctx, app, DiffOptions{Cluster: cluster}); err == nil {
		t.Error("Diff without a generator did not fail")
	}
}
