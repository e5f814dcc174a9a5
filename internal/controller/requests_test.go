package controller

import (
	"net/http"
	"net/url"
	"testing"
)

func TestDescribeRequest(t *testing.T) {
	tests := []struct {
		method, url    string
		verb, resource string
	}{
		{"GET", "/api/v1/namespaces/fleet/configmaps/a", "get", "configmaps"},
		{"GET", "/api/v1/namespaces/fleet/configmaps", "list", "configmaps"},
		{"GET", "/api/v1/configmaps?watch=true&resourceVersion=1", "watch", "configmaps"},
		{"GET", "/api/v1/namespaces/fleet", "get", "namespaces"},
		{"GET", "/api/v1/namespaces", "list", "namespaces"},
		{"PATCH", "/apis/apps/v1/namespaces/fleet/deployments/web?fieldManager=x&force=true", "patch", "deployments"},
		{"PATCH", "/apis/apps/v1/namespaces/fleet/deployments/web?dryRun=All", "dry-run-patch", "deployments"},
		{"PATCH", "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/a/status", "patch", "applications/status"},
		{"POST", "/api/v1/namespaces/argocd/events", "post", "events"},
		{"DELETE", "/apis/rbac.authorization.k8s.io/v1/clusterroles/x", "delete", "clusterroles"},
		{"GET", "/apis/apps/v1", "get", "discovery"},
		{"GET", "/version", "get", "other"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		verb, resource := describeRequest(&http.Request{Method: tt.method, URL: u})
		if verb != tt.verb || resource != tt.resource {
			t.Errorf("%s %s = %s %s, want %s %s", tt.method, tt.url, verb, resource, tt.verb, tt.resource)
		}
	}
}
