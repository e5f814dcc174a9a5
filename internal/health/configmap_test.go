package health

import (
	"maps"
	"strings"
	"testing"
)

func TestParseConfigMap(t *testing.T) {
	tests := []struct {
		name    string
		data    map[string]string
		want    map[string]string
		wantErr string
	}{
		{"group and kind", map[string]string{
			"resource.customizations.health.cert-manager.io_Certificate": "a",
			"resource.customizations.health.argoproj.io_Application":     "b",
		}, map[string]string{"cert-manager.io/Certificate": "a", "argoproj.io/Application": "b"}, ""},
		{"core kind without group", map[string]string{
			"resource.customizations.health.PersistentVolumeClaim": "a",
		}, map[string]string{"/PersistentVolumeClaim": "a"}, ""},
		{"core kind with empty group", map[string]string{
			"resource.customizations.health._ConfigMap": "a",
		}, map[string]string{"/ConfigMap": "a"}, ""},
		{"all kinds", map[string]string{
			"resource.customizations.health.all": "a",
		}, map[string]string{"*/*": "a"}, ""},
		{"other settings ignored", map[string]string{
			"resource.customizations.ignoreDifferences.apps_Deployment":       "jsonPointers: [/spec/replicas]",
			"resource.customizations.useOpenLibs.cert-manager.io_Certificate": "true",
			"resource.customizations":                                         "cert-manager.io/Certificate:\n  health.lua: x",
			"url":                                                             "https://argocd.example.com",
		}, map[string]string{}, ""},
		{"two underscores", map[string]string{
			"resource.customizations.health.a_b_C": "a",
		}, nil, `"resource.customizations.health.a_b_C"`},
		{"no kind", map[string]string{
			"resource.customizations.health.": "a",
		}, nil, `"resource.customizations.health."`},
		{"same kind twice", map[string]string{
			"resource.customizations.health.Secret":  "a",
			"resource.customizations.health._Secret": "b",
		}, nil, "same kind /Secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseConfigMap(tt.data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseConfigMap error = %v, want one containing %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseConfigMap: %v", err)
			}
			if !maps.Equal(got, tt.want) {
				t.Fatalf("ParseConfigMap = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestParseConfigMapFeedsChecker runs a check read from argocd-cm keys.
func TestParseConfigMapFeedsChecker(t *testing.T) {
	exprs, err := ParseConfigMap(map[string]string{
		"resource.customizations.health.cert-manager.io_Certificate": certificateCheck,
		"resource.customizations.health.Secret":                      `{"status": "Healthy", "message": "custom"}`,
	})
	if err != nil {
		t.Fatalf("ParseConfigMap: %v", err)
	}
	c, err := NewChecker(exprs)
	if err != nil {
		t.Fatalf("NewChecker: %v", err)
	}
	if got := c.Assess(decode(t, certificate+`status: {conditions: [{type: Ready, status: "False", message: bad}]}`)); got.Code != Degraded {
		t.Fatalf("Certificate = %+v, want Degraded", got)
	}
	if got := c.Assess(decode(t, "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n")); got.Message != "custom" {
		t.Fatalf("Secret = %+v, want the custom check", got)
	}
}
