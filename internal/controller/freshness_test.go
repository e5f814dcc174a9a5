package controller

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flotilla.dev/flotilla/api/v1alpha1"
)

func TestFreshness(t *testing.T) {
	reconciled := metav1.Now()
	src := &v1alpha1.ApplicationSource{RepoURL: "https://git.example.com/apps.git", Path: "a"}
	app := func(mut func(a *v1alpha1.Application)) *v1alpha1.Application {
		a := &v1alpha1.Application{}
		a.CreationTimestamp = metav1.NewTime(time.Now().Add(-time.Minute))
		a.Spec.Source = src.DeepCopy()
		a.Status.ReconciledAt = &reconciled
		a.Status.Sync.ComparedTo.Source = *src
		mut(a)
		return a
	}
	tests := []struct {
		name        string
		app         *v1alpha1.Application
		refresh     bool
		freshWithin func(time.Duration) bool
	}{
		{"steady", app(func(*v1alpha1.Application) {}), false, func(d time.Duration) bool { return d == 0 }},
		{"refresh asked", app(func(a *v1alpha1.Application) { a.Annotations = map[string]string{RefreshAnnotation: "normal"} }), true, func(d time.Duration) bool { return d == 0 }},
		{"sources changed", app(func(a *v1alpha1.Application) { a.Spec.Source.Path = "b" }), true, func(d time.Duration) bool { return d == 0 }},
		{"new app: resolved since it was created", app(func(a *v1alpha1.Application) { a.Status = v1alpha1.ApplicationStatus{} }), false,
			func(d time.Duration) bool { return d > 58*time.Second && d < 2*time.Minute }},
		{"app created this second: resolved now", app(func(a *v1alpha1.Application) {
			a.Status = v1alpha1.ApplicationStatus{}
			a.CreationTimestamp = metav1.Now()
		}), true, func(d time.Duration) bool { return d == 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := freshness(tt.app)
			if got.Refresh != tt.refresh || !tt.freshWithin(got.FreshWithin) {
				t.Errorf("freshness = {Refresh: %t, FreshWithin: %s}", got.Refresh, got.FreshWithin)
			}
		})
	}
}
