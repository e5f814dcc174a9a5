package cli

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// childApp is an Application manifest for the root of an app-of-apps.
func childApp(name, repoURL, path, ns, wave, dependsOn string) string {
	ann := fmt.Sprintf("    argocd.argoproj.io/sync-wave: %q\n", wave)
	if dependsOn != "" {
		ann += fmt.Sprintf("    flotilla.dev/depends-on: %q\n", dependsOn)
	}
	return fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: %s
  namespace: argocd
  annotations:
%sspec:
  project: default
  source: {repoURL: %q, path: %s, targetRevision: HEAD}
  destination: {server: https://kubernetes.default.svc, namespace: %s}
  syncPolicy:
    automated: {prune: true}
`, name, ann, repoURL, path, ns)
}

func TestAppGetTree(t *testing.T) {
	e := newAppEnv(t)
	rev := e.repo.Commit(t, map[string]string{
		"apps/db.yaml":  childApp("tree-db", e.repo.URL(), "db", e.ns, "1", ""),
		"apps/web.yaml": childApp("tree-web", e.repo.URL(), "web", e.ns, "2", "tree-db"),
		"db/cm.yaml":    configMap("db-settings", "v1"),
		"web/cm.yaml":   configMap("web-settings", "v1"),
		"web/web.yaml":  deployment("web", "0"),
	}, "app of apps")
	for _, child := range []string{"tree-db", "tree-web"} {
		t.Cleanup(func() { e.deleteApp(child) }) // after the root is gone
	}
	e.newApp(appSpec{name: "tree-root", path: "apps", destNS: appsNamespace, automated: true})
	for _, name := range []string{"tree-root", "tree-db", "tree-web"} {
		e.waitApp(name, 2*time.Minute, settled(rev))
	}
	n := &normalizer{}
	n.add(rev[:7], "1111111")
	n.add(e.ns, e.ns[:len(e.ns)-8]+"xxxxxxxx")

	golden(t, "app_get_tree.golden", e.mustRun("app", "get", "tree-root", "--tree").stdout)

	get := e.mustRun("app", "get", "tree-web").stdout
	golden(t, "app_get.golden", n.apply(strings.ReplaceAll(get, e.repo.URL(), "REPO")))

	rt := e.mustRun("app", "get", "tree-web", "--show-resource-tree").stdout
	t.Logf("app get --show-resource-tree:\n%s", rt)
	for _, re := range []string{
		`(?m)^apps/Deployment ` + e.ns + `/web\s+Synced\s+Healthy`,
		`(?m)^└── apps/ReplicaSet ` + e.ns + `/web-[a-z0-9]+\s*$`,
		`(?m)^    └── /Pod ` + e.ns + `/web-[a-z0-9]+-[a-z0-9]+\s+Healthy`,
		`(?m)^/ConfigMap ` + e.ns + `/web-settings\s+Synced\s+Healthy`,
	} {
		if !regexp.MustCompile(re).MatchString(rt) {
			t.Errorf("--show-resource-tree does not match %s:\n%s", re, rt)
		}
	}

	yml := e.mustRun("app", "get", "tree-web", "-o", "yaml").stdout
	if !strings.Contains(yml, "kind: Application\n") || !strings.Contains(yml, "name: tree-web\n") || strings.Contains(yml, "managedFields") {
		t.Errorf("-o yaml:\n%s", yml)
	}
}
