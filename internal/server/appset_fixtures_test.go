package server_test

import (
	"context"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/install"
)

// The ApplicationSet tests write sets and Applications, status included,
// straight to the API server: no controller runs in their namespace, so
// nothing changes what they wrote (a controller in argocd would reconcile
// the sets there).
const (
	setRepo       = "https://git.example/acme/guestbook.git"
	setTemplate   = "{{.name}}-guestbook"
	setUpToDateOK = "ApplicationSetUpToDate"
)

// appSetPlane installs the CRDs and returns a client that knows the Argo
// CD kinds and a fresh namespace for the test's objects.
func appSetPlane(t *testing.T) (client.Client, string) {
	t.Helper()
	cfg := kubetest.Plane(t).RESTConfig()
	ac, err := apply.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := install.ApplyCRDs(ctx, ac); err != nil {
		t.Fatal(err)
	}
	scheme, err := appctl.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c, kubetest.NewNamespace(t, c)
}

// appSetFleet creates, in ns:
//
//   - the ApplicationSet "guestbook": a list generator (2 elements) and a
//     matrix of a git directory generator and a clusters generator; a
//     RollingSync of two steps (env In (dev), then env In (prod) with
//     maxUpdate 1); status with guestbook-dev Healthy in step 1,
//     guestbook-prod Progressing in step 2, and guestbook-gone listed
//     but deleted; tracked as applied by "platform";
//   - guestbook-dev (Synced, Healthy) and guestbook-prod (OutOfSync,
//     Progressing, a sync Running), owned by guestbook; guestbook-prod
//     also lists guestbook among its resources, a cycle through the set;
//   - the ApplicationSet "other" and its Application other-app, which
//     carries guestbook's name in no ownerReference;
//   - "stray", an Application no set owns;
//   - "platform", an app-of-apps whose resources are the set guestbook
//     and the Application stray.
func appSetFleet(t *testing.T, c client.Client, ns string) *v1alpha1.ApplicationSet {
	t.Helper()
	ctx := context.Background()
	raw := func(s string) apiextensionsv1.JSON { return apiextensionsv1.JSON{Raw: []byte(s)} }
	maxOne := intstr.FromInt32(1)
	set := &v1alpha1.ApplicationSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "guestbook", Annotations: map[string]string{
			"argocd.argoproj.io/tracking-id": "platform:argoproj.io/ApplicationSet:" + ns + "/guestbook",
		}},
		Spec: v1alpha1.ApplicationSetSpec{
			GoTemplate: true,
			Generators: []v1alpha1.ApplicationSetGenerator{
				{List: &v1alpha1.ListGenerator{Elements: []apiextensionsv1.JSON{raw(`{"name":"dev","env":"dev"}`), raw(`{"name":"prod","env":"prod"}`)}}},
				{Matrix: &v1alpha1.MatrixGenerator{Generators: []v1alpha1.ApplicationSetNestedGenerator{
					{Git: &v1alpha1.GitGenerator{RepoURL: setRepo, Revision: "main", Directories: []v1alpha1.GitDirectoryGeneratorItem{{Path: "apps/*"}}}},
					{Clusters: &v1alpha1.ClusterGenerator{Selector: metav1.LabelSelector{MatchLabels: map[string]string{"tier": "edge"}}}},
				}}},
			},
			Template: v1alpha1.ApplicationSetTemplate{
				ApplicationSetTemplateMeta: v1alpha1.ApplicationSetTemplateMeta{Name: setTemplate, Labels: map[string]string{"env": "{{.env}}"}},
				Spec: v1alpha1.ApplicationSpec{
					Project:     "default",
					Source:      &v1alpha1.ApplicationSource{RepoURL: setRepo, Path: "guestbook", TargetRevision: "main"},
					Destination: v1alpha1.ApplicationDestination{Server: "https://kubernetes.default.svc", Namespace: "{{.env}}"},
				},
			},
			Strategy: &v1alpha1.ApplicationSetStrategy{Type: "RollingSync", RollingSync: &v1alpha1.ApplicationSetRolloutStrategy{
				Steps: []v1alpha1.ApplicationSetRolloutStep{
					{MatchExpressions: []v1alpha1.ApplicationMatchExpression{{Key: "env", Operator: "In", Values: []string{"dev"}}}},
					{MatchExpressions: []v1alpha1.ApplicationMatchExpression{{Key: "env", Operator: "In", Values: []string{"prod"}}}, MaxUpdate: &maxOne},
				},
			}},
		},
	}
	createSet(t, c, set)
	now := metav1.Now()
	set.Status = v1alpha1.ApplicationSetStatus{
		Conditions: []v1alpha1.ApplicationSetCondition{
			{Type: v1alpha1.ApplicationSetConditionErrorOccurred, Status: v1alpha1.ApplicationSetConditionStatusFalse, Reason: setUpToDateOK, Message: "Successfully generated parameters for all Applications", LastTransitionTime: &now},
			{Type: v1alpha1.ApplicationSetConditionResourcesUpToDate, Status: v1alpha1.ApplicationSetConditionStatusTrue, Reason: setUpToDateOK, Message: "ApplicationSet up to date", LastTransitionTime: &now},
			{Type: v1alpha1.ApplicationSetConditionRolloutProgressing, Status: v1alpha1.ApplicationSetConditionStatusTrue, Reason: "ApplicationSetModified", Message: "ApplicationSet Rollout is progressing", LastTransitionTime: &now},
		},
		ApplicationStatus: []v1alpha1.ApplicationSetApplicationStatus{
			{Application: "guestbook-dev", Status: "Healthy", Step: "1", Message: "Application resource became Healthy, updating status from Progressing to Healthy.", LastTransitionTime: &now, TargetRevisions: []string{"main"}},
			{Application: "guestbook-prod", Status: "Progressing", Step: "2", Message: "Application resource became Progressing, updating status from Pending to Progressing.", LastTransitionTime: &now, TargetRevisions: []string{"main"}},
		},
		Resources: []v1alpha1.ResourceStatus{
			{Group: v1alpha1.Group, Version: v1alpha1.Version, Kind: v1alpha1.ApplicationKind, Namespace: ns, Name: "guestbook-dev", Status: v1alpha1.SyncStatusCodeSynced, Health: &v1alpha1.HealthStatus{Status: v1alpha1.HealthStatusHealthy}},
			{Group: v1alpha1.Group, Version: v1alpha1.Version, Kind: v1alpha1.ApplicationKind, Namespace: ns, Name: "guestbook-gone", Status: v1alpha1.SyncStatusCodeSynced, Health: &v1alpha1.HealthStatus{Status: v1alpha1.HealthStatusHealthy}},
			{Group: v1alpha1.Group, Version: v1alpha1.Version, Kind: v1alpha1.ApplicationKind, Namespace: ns, Name: "guestbook-prod", Status: v1alpha1.SyncStatusCodeOutOfSync, Health: &v1alpha1.HealthStatus{Status: v1alpha1.HealthStatusProgressing}},
		},
		ResourcesCount: 3,
		Health:         v1alpha1.HealthStatus{Status: v1alpha1.HealthStatusProgressing},
	}
	if err := c.Status().Update(ctx, set); err != nil {
		t.Fatalf("update status of applicationset guestbook: %v", err)
	}

	other := &v1alpha1.ApplicationSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "other"},
		Spec: v1alpha1.ApplicationSetSpec{
			Generators: []v1alpha1.ApplicationSetGenerator{{Clusters: &v1alpha1.ClusterGenerator{}}},
			Template:   set.Spec.Template,
		},
	}
	createSet(t, c, other)

	dev := setApp(ns, "guestbook-dev", "dev", set)
	dev.Status.Sync.Status, dev.Status.Health.Status = v1alpha1.SyncStatusCodeSynced, v1alpha1.HealthStatusHealthy
	prod := setApp(ns, "guestbook-prod", "prod", set)
	prod.Status.Sync.Status, prod.Status.Health.Status = v1alpha1.SyncStatusCodeOutOfSync, v1alpha1.HealthStatusProgressing
	prod.Status.OperationState = &v1alpha1.OperationState{Phase: v1alpha1.OperationRunning, Message: "waiting for the Deployment", StartedAt: now,
		Operation: v1alpha1.Operation{Sync: &v1alpha1.SyncOperation{Revision: "main"}}}
	prod.Status.Resources = []v1alpha1.ResourceStatus{{Group: v1alpha1.Group, Version: v1alpha1.Version, Kind: v1alpha1.ApplicationSetKind, Namespace: ns, Name: "guestbook"}}
	otherApp := setApp(ns, "other-app", "dev", other)
	stray := setApp(ns, "stray", "dev", nil)
	platform := setApp(ns, "platform", "", nil)
	platform.Status.Sync.Status, platform.Status.Health.Status = v1alpha1.SyncStatusCodeSynced, v1alpha1.HealthStatusHealthy
	platform.Status.Resources = []v1alpha1.ResourceStatus{
		{Group: v1alpha1.Group, Version: v1alpha1.Version, Kind: v1alpha1.ApplicationSetKind, Namespace: ns, Name: "guestbook", Status: v1alpha1.SyncStatusCodeSynced},
		{Group: v1alpha1.Group, Version: v1alpha1.Version, Kind: v1alpha1.ApplicationKind, Namespace: ns, Name: "stray", Status: v1alpha1.SyncStatusCodeSynced},
	}
	for _, app := range []*v1alpha1.Application{dev, prod, otherApp, stray, platform} {
		if err := c.Create(ctx, app); err != nil {
			t.Fatalf("create application %s: %v", app.Name, err)
		}
	}
	return set
}

// createSet creates set, which learns its UID and resourceVersion.
func createSet(t *testing.T, c client.Client, set *v1alpha1.ApplicationSet) {
	t.Helper()
	if err := c.Create(context.Background(), set); err != nil {
		t.Fatalf("create applicationset %s: %v", set.Name, err)
	}
}

// setApp is an Application labelled env, owned by owner unless nil, as
// the ApplicationSet controller writes them.
func setApp(ns, name, env string, owner *v1alpha1.ApplicationSet) *v1alpha1.Application {
	app := &v1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.ApplicationSpec{
			Project:     "default",
			Source:      &v1alpha1.ApplicationSource{RepoURL: setRepo, Path: "guestbook", TargetRevision: "main"},
			Destination: v1alpha1.ApplicationDestination{Server: "https://kubernetes.default.svc", Namespace: orEnv(env)},
		},
	}
	if env != "" {
		app.Labels = map[string]string{"env": env}
	}
	if owner != nil {
		yes := true
		app.OwnerReferences = []metav1.OwnerReference{{
			APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: v1alpha1.ApplicationSetKind,
			Name: owner.Name, UID: owner.UID, Controller: &yes, BlockOwnerDeletion: &yes,
		}}
	}
	return app
}

func orEnv(env string) string {
	if env == "" {
		return "platform"
	}
	return env
}
