package cli

import (
	"bytes"
	"testing"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
)

func treeApp(sync v1alpha1.SyncStatusCode, health v1alpha1.HealthStatusCode) *v1alpha1.Application {
	app := &v1alpha1.Application{}
	app.Status.Sync.Status, app.Status.Health.Status = sync, health
	return app
}

func TestAppTreeOutput(t *testing.T) {
	root := &appctl.AppNode{Name: "root", App: treeApp("Synced", "Progressing"), Children: []*appctl.AppNode{
		{Name: "platform", App: treeApp("Synced", "Healthy"), Wave: "-1", Children: []*appctl.AppNode{
			{Name: "cert-manager", App: treeApp("Synced", "Healthy")},
			{Name: "root", Cycle: true, App: treeApp("Synced", "Progressing")},
		}},
		{Name: "db", App: treeApp("OutOfSync", "Missing"), Wave: "1"},
		{Name: "web", App: treeApp("Synced", "Progressing"), Wave: "2", DependsOn: []string{"db", "platform/cert-manager"}, Children: []*appctl.AppNode{
			{Name: "web-config"},
		}},
	}}
	var buf bytes.Buffer
	if err := writeAppTree(&buf, root); err != nil {
		t.Fatal(err)
	}
	golden(t, "app_tree_output.golden", buf.String())

	var res bytes.Buffer
	nodes := []*appctl.ResourceNode{
		{Group: "apps", Kind: "Deployment", Namespace: "shop", Name: "web", Sync: "Synced", Health: "Healthy", Children: []*appctl.ResourceNode{
			{Group: "apps", Kind: "ReplicaSet", Namespace: "shop", Name: "web-1"},
			{Group: "apps", Kind: "ReplicaSet", Namespace: "shop", Name: "web-2", Children: []*appctl.ResourceNode{
				{Kind: "Pod", Namespace: "shop", Name: "web-2-a", Health: "Progressing", Message: "waiting\nfor the image"},
			}},
		}},
		{Kind: "Namespace", Name: "shop", Sync: "OutOfSync", Health: "Healthy"},
	}
	if err := writeResourceTree(&res, nodes); err != nil {
		t.Fatal(err)
	}
	golden(t, "app_resource_tree_output.golden", res.String())
}
