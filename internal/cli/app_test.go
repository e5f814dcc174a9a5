package cli

import (
	"slices"
	"strings"
	"testing"
	"time"

	"flotilla.dev/flotilla/internal/appctl"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
)

func TestAppHelpHasExamples(t *testing.T) {
	for _, sub := range []string{"list", "get", "diff", "sync", "wait", "history", "rollback", "refresh", "delete"} {
		res := run(t, "app", sub, "--help")
		_, examples, ok := strings.Cut(res.stdout, "Examples:\n")
		if res.code != 0 || !ok || !strings.Contains(examples, "flotilla app "+sub) {
			t.Errorf("flotilla app %s --help: exit %d, no example:\n%s", sub, res.code, res.stdout)
		}
	}
	if res := run(t, "app"); res.code != 0 || !strings.Contains(res.stdout, "rollback") {
		t.Errorf("flotilla app: exit %d\n%s", res.code, res.stdout)
	}
}

func TestAppParseResources(t *testing.T) {
	tests := []struct {
		in      string
		want    appctl.Resource
		wantErr bool
	}{
		{in: "apps:Deployment:web", want: appctl.Resource{Group: "apps", Kind: "Deployment", Name: "web"}},
		{in: ":ConfigMap:shop/settings", want: appctl.Resource{Kind: "ConfigMap", Namespace: "shop", Name: "settings"}},
		{in: "Deployment/web", wantErr: true},
		{in: "apps::web", wantErr: true},
		{in: "apps:Deployment:", wantErr: true},
		{in: "a:b:c:d", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseResources([]string{tt.in})
		if tt.wantErr {
			if err == nil || !strings.Contains(err.Error(), "want GROUP:KIND:NAME") {
				t.Errorf("%q: err = %v", tt.in, err)
			}
			continue
		}
		if err != nil || len(got) != 1 || got[0] != tt.want {
			t.Errorf("%q = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestAppConfirm(t *testing.T) {
	for in, want := range map[string]bool{"y\n": true, "YES\n": true, " yes ": true, "n\n": false, "\n": false, "": false, "maybe\n": false} {
		var out strings.Builder
		got, err := confirm(strings.NewReader(in), &out, "Delete? ")
		if err != nil || got != want || out.String() != "Delete? " {
			t.Errorf("answer %q: %v, %v (prompt %q)", in, got, err, out.String())
		}
	}
}

func TestAppCompletion(t *testing.T) {
	e := newAppEnv(t)
	rev := e.repo.Commit(t, map[string]string{"app/cm.yaml": configMap("settings", "v1")}, "v1")
	for _, name := range []string{"complete-alpha", "complete-beta", "other-gamma"} {
		e.newApp(appSpec{name: name, path: "app"})
	}
	e.waitApp("complete-beta", time.Minute, compared(rev))
	complete := func(args ...string) result {
		flags := []string{"__complete", "--kubeconfig", kubetest.Plane(t).KubeconfigPath(), "-n", appsNamespace}
		return run(t, append(flags, args...)...)
	}
	res := complete("app", "get", "complete-")
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if !slices.Equal(lines, []string{"complete-alpha", "complete-beta", ":4"}) {
		t.Errorf("completion of \"complete-\": %q", lines)
	}
	// only the first argument is an app name
	if res := complete("app", "sync", "complete-alpha", ""); res.code != 0 || strings.Contains(res.stdout, "complete-beta") {
		t.Errorf("completed a second argument: %q", res.stdout)
	}
}

func TestAppDiffUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{{"app", "diff"}, {"app", "diff", "a", "b"}, {"app", "diff", "a", "--bogus"}} {
		if res := run(t, args...); res.code != 2 {
			t.Errorf("flotilla %v: exit %d, want 2 (%s)", args, res.code, res.stderr)
		}
	}
}
