package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"flotilla.dev/flotilla/internal/appctl"
)

func TestAppList(t *testing.T) {
	e := newAppEnv(t)
	rev := e.repo.Commit(t, map[string]string{"app/cm.yaml": configMap("settings", "v1"), "other/cm.yaml": configMap("other", "v1")}, "v1")
	labels := map[string]string{"flotilla.dev/test": "list"}
	e.newApp(appSpec{name: "list-auto", path: "app", automated: true, labels: labels,
		annotations: map[string]string{appctl.WaveAnnotation: "2"}})
	e.newApp(appSpec{name: "list-manual", path: "other", labels: labels})
	e.newApp(appSpec{name: "list-other", path: "app"}) // not selected by -l
	e.waitApp("list-auto", time.Minute, settled(rev))
	e.waitApp("list-manual", time.Minute, compared(rev))

	n := &normalizer{}
	n.add(rev[:7], "1111111")
	out := e.mustRun("app", "list", "-l", "flotilla.dev/test=list").stdout
	golden(t, "app_list.golden", n.apply(out))

	all := e.mustRun("app", "list", "-A", "-l", "flotilla.dev/test=list").stdout
	if !strings.HasPrefix(all, "NAMESPACE  NAME") || !strings.Contains(all, "argocd     list-auto") {
		t.Errorf("-A has no NAMESPACE column:\n%s", all)
	}
	wide := e.mustRun("app", "list", "-o", "wide", "-l", "flotilla.dev/test=list").stdout
	for _, want := range []string{"DESTINATION", "REPO", "PATH", "CONDITIONS", "https://kubernetes.default.svc/" + e.ns, e.repo.URL(), " other "} {
		if !strings.Contains(wide, want) {
			t.Errorf("-o wide lacks %q:\n%s", want, wide)
		}
	}

	var list struct {
		Kind  string `json:"kind"`
		Items []struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name          string `json:"name"`
				ManagedFields []any  `json:"managedFields"`
			} `json:"metadata"`
		} `json:"items"`
	}
	js := e.mustRun("app", "list", "-o", "json", "-l", "flotilla.dev/test=list").stdout
	if err := json.Unmarshal([]byte(js), &list); err != nil {
		t.Fatalf("-o json: %v\n%s", err, js)
	}
	if list.Kind != "List" || len(list.Items) != 2 || list.Items[0].Metadata.Name != "list-auto" ||
		list.Items[0].Kind != "Application" || list.Items[0].Metadata.ManagedFields != nil {
		t.Errorf("-o json = %+v", list)
	}
	if yml := e.mustRun("app", "list", "-o", "yaml", "-l", "flotilla.dev/test=list").stdout; !strings.Contains(yml, "kind: List") ||
		!strings.Contains(yml, "name: list-manual") {
		t.Errorf("-o yaml:\n%s", yml)
	}

	none := e.mustRun("app", "list", "-l", "flotilla.dev/test=nothing")
	if none.stdout != "" || !strings.Contains(none.stderr, "No Applications found in namespace argocd") {
		t.Errorf("empty list: %+v", none)
	}
	if bad := e.flotilla("app", "list", "-o", "xml"); bad.code == 0 || !strings.Contains(bad.stderr, `unknown output format "xml"`) {
		t.Errorf("-o xml: %+v", bad)
	}
}
