package apply

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/internal/object"
)

func TestTrackingIDRoundTrip(t *testing.T) {
	tests := []struct {
		app string
		key object.Key
		id  string
	}{
		{"guestbook", object.Key{Group: "apps", Kind: "Deployment", Namespace: "web", Name: "ui"}, "guestbook:apps/Deployment:web/ui"},
		{"root", object.Key{Kind: "Namespace", Name: "web"}, "root:/Namespace:/web"},
		{"team_app", object.Key{Group: "argoproj.io", Kind: "Application", Namespace: "argocd", Name: "child"}, "team_app:argoproj.io/Application:argocd/child"},
	}
	for _, tt := range tests {
		if got := TrackingID(tt.app, tt.key); got != tt.id {
			t.Errorf("TrackingID = %q, want %q", got, tt.id)
		}
		app, key, ok := ParseTrackingID(tt.id)
		if !ok || app != tt.app || key != tt.key {
			t.Errorf("ParseTrackingID(%q) = %q %+v %t", tt.id, app, key, ok)
		}
	}
	for _, bad := range []string{"", "app", "app:apps/Deployment", "app:Deployment:ns/name", ":apps/Deployment:ns/name", "app:apps/Deployment:ns/"} {
		if _, _, ok := ParseTrackingID(bad); ok {
			t.Errorf("ParseTrackingID(%q) accepted", bad)
		}
	}
}

func TestIsTrackedBy(t *testing.T) {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("ConfigMap")
	u.SetNamespace("ns")
	u.SetName("cm")
	if IsTrackedBy(u, "app") {
		t.Fatal("untracked object reported tracked")
	}
	SetTracking(u, "app")
	if !IsTrackedBy(u, "app") || IsTrackedBy(u, "other") {
		t.Fatal("tracking not recognised")
	}
	// A copy of the annotation on another object does not make it ours.
	u.SetName("renamed")
	if IsTrackedBy(u, "app") {
		t.Fatal("tracking id of another object accepted")
	}
}
