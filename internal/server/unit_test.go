package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
)

func TestStatusOf(t *testing.T) {
	gr := schema.GroupResource{Group: "argoproj.io", Resource: "applications"}
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"not found", fmt.Errorf("get application x: %w", apierrors.NewNotFound(gr, "x")), http.StatusNotFound},
		{"operation in progress", fmt.Errorf("application x: %w: a sync is Running", appctl.ErrOperationInProgress), http.StatusConflict},
		{"automated sync", fmt.Errorf("application x: %w", appctl.ErrAutomatedSync), http.StatusConflict},
		{"conflict", apierrors.NewConflict(gr, "x", errors.New("changed")), http.StatusConflict},
		{"forbidden", apierrors.NewForbidden(gr, "x", errors.New("rbac")), http.StatusForbidden},
		{"invalid", apierrors.NewBadRequest("bad"), http.StatusBadRequest},
		{"timeout", apierrors.NewTimeoutError("slow", 1), http.StatusGatewayTimeout},
		{"other", errors.New("boom"), http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := statusOf(tc.err); got != tc.want {
				t.Errorf("statusOf(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}

func TestNamespaceFilter(t *testing.T) {
	for _, tc := range []struct {
		globs   []string
		allowed []string
		denied  []string
		literal bool
	}{
		{[]string{"argocd"}, []string{"argocd"}, []string{"argocd2", "default"}, true},
		{[]string{"team-*", "argocd"}, []string{"team-a", "team-", "argocd"}, []string{"teams", "default"}, false},
		{[]string{"*"}, []string{"anything"}, nil, false},
		{[]string{" a ", ""}, []string{"a"}, []string{"b"}, true},
	} {
		f, err := newNamespaceFilter(tc.globs)
		if err != nil {
			t.Fatalf("%v: %v", tc.globs, err)
		}
		for _, ns := range tc.allowed {
			if !f.allows(ns) {
				t.Errorf("%v does not allow %s", tc.globs, ns)
			}
		}
		for _, ns := range tc.denied {
			if f.allows(ns) {
				t.Errorf("%v allows %s", tc.globs, ns)
			}
		}
		if _, lit := f.literal(); lit != tc.literal {
			t.Errorf("%v literal = %t", tc.globs, lit)
		}
	}
	for _, bad := range [][]string{nil, {""}, {"team-["}} {
		if _, err := newNamespaceFilter(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSummarize(t *testing.T) {
	app := &v1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Namespace: "argocd", Name: "api", Annotations: map[string]string{
			waveAnnotation:      "2",
			dependsOnAnnotation: "db, , other/cache",
			trackingAnnotation:  "shop:argoproj.io/Application:argocd/api",
		}},
		Spec: v1alpha1.ApplicationSpec{
			Source:      &v1alpha1.ApplicationSource{RepoURL: "https://git.example/shop", Path: "apps/api", TargetRevision: "main"},
			Destination: v1alpha1.ApplicationDestination{Server: "https://kubernetes.default.svc", Namespace: "shop"},
			SyncPolicy:  &v1alpha1.SyncPolicy{Automated: &v1alpha1.SyncPolicyAutomated{}},
		},
		Status: v1alpha1.ApplicationStatus{
			Sync:       v1alpha1.SyncStatus{Status: v1alpha1.SyncStatusCodeOutOfSync, Revision: "abc"},
			Health:     v1alpha1.AppHealthStatus{Status: v1alpha1.HealthStatusProgressing},
			Conditions: []v1alpha1.ApplicationCondition{{Type: "SyncError", Message: "boom"}},
			Resources: []v1alpha1.ResourceStatus{
				{Kind: "Deployment", Status: v1alpha1.SyncStatusCodeOutOfSync, Health: &v1alpha1.HealthStatus{Status: v1alpha1.HealthStatusProgressing}},
				{Kind: "Service", Status: v1alpha1.SyncStatusCodeSynced, Health: &v1alpha1.HealthStatus{Status: v1alpha1.HealthStatusHealthy}},
			},
			OperationState: &v1alpha1.OperationState{Phase: v1alpha1.OperationRunning, Message: "wave 1"},
		},
	}
	s := summarize(app)
	for _, tc := range []struct{ field, got, want string }{
		{"project", s.Project, "default"},
		{"sync", s.Sync, "OutOfSync"},
		{"health", s.Health, "Progressing"},
		{"wave", s.Wave, "2"},
		{"dependsOn", strings.Join(s.DependsOn, "|"), "db|other/cache"},
		{"parent", fmt.Sprint(s.Parent), "&{argocd shop}"},
		{"repo", s.Repo + " " + s.Path + " " + s.TargetRevision, "https://git.example/shop apps/api main"},
		{"destination", s.Destination.Namespace, "shop"},
		{"operation", s.OperationPhase + " " + s.OperationMessage, "Running wave 1"},
		{"resources", fmt.Sprint(s.Resources), "{2 1 1}"},
		{"autoSync", fmt.Sprint(s.AutoSync), "true"},
		{"conditions", fmt.Sprint(s.Conditions), "[{SyncError boom}]"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.field, tc.got, tc.want)
		}
	}
	empty := summarize(&v1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Name: "new", Annotations: map[string]string{trackingAnnotation: "team_root:argoproj.io/Application:team/new"}}})
	if empty.Sync != "Unknown" || empty.Health != "Unknown" || empty.DependsOn == nil || empty.Conditions == nil {
		t.Errorf("a new app summarises as %+v", empty)
	}
	if fmt.Sprint(empty.Parent) != "&{team root}" {
		t.Errorf("parent of an app tracked as team_root = %v", empty.Parent)
	}
}

func TestAppReaderKeepsToServedNamespaces(t *testing.T) {
	scheme, err := appctl.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	apps := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		&v1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: "argocd", Name: "served"}},
		&v1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: "private", Name: "hidden"}},
	).Build()
	other := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "private", Name: "pod"}},
	).Build()
	r := appReader{namespaces: namespaceFilter{"argocd"}, apps: apps, other: other}
	for _, tc := range []struct {
		key      client.ObjectKey
		obj      client.Object
		notFound bool
	}{
		{client.ObjectKey{Namespace: "argocd", Name: "served"}, &v1alpha1.Application{}, false},
		{client.ObjectKey{Namespace: "private", Name: "hidden"}, &v1alpha1.Application{}, true},
		{client.ObjectKey{Namespace: "private", Name: "pod"}, &corev1.Pod{}, false},
	} {
		err := r.Get(context.Background(), tc.key, tc.obj)
		if tc.notFound != apierrors.IsNotFound(err) || (!tc.notFound && err != nil) {
			t.Errorf("Get %T %s: %v", tc.obj, tc.key, err)
		}
	}
}
