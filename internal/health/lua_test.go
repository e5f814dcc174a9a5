package health

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
)

// Health checks in the shape Argo CD documents for
// resource.customizations.health.<group>_<Kind>, written here by hand.
const (
	luaCertificate = `hs = {}
if obj.status ~= nil then
  if obj.status.conditions ~= nil then
    for i, condition in ipairs(obj.status.conditions) do
      if condition.type == "Ready" and condition.status == "False" then
        hs.status = "Degraded"
        hs.message = condition.message
        return hs
      end
    end
  end
end
hs.status = "Progressing"
hs.message = "Waiting for certificate"
return hs
`
	luaLocal = `local health_status = {}
health_status.status = "Healthy"
return health_status
`
	luaOneLine = `hs = {status = "Healthy"}
return hs`
)

func TestLooksLikeLua(t *testing.T) {
	for _, lua := range []string{luaCertificate, luaLocal, luaOneLine} {
		if !looksLikeLua(lua) {
			t.Errorf("not taken for Lua:\n%s", lua)
		}
	}
	// No CEL check is taken for Lua: not ours, nor the docs' example.
	cel := []string{certificateCheck, `{"status": "Healthy"}`, `obj.?status.?phase.orValue("") == "Running" ? {"status": "Progressing"} : {"status": "Healthy"}`}
	files, err := fs.Glob(builtinFS, "builtin/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("built-in checks: %v", err)
	}
	for _, file := range files {
		exprs, err := readBuiltin(builtinFS, file)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range sortedKeys(exprs) {
			cel = append(cel, exprs[key])
		}
	}
	for _, expr := range cel {
		if looksLikeLua(expr) {
			t.Errorf("CEL taken for Lua:\n%s", expr)
		}
	}
}

// TestNewCheckerNamesLua: a Lua script in the flotilla-health ConfigMap
// is refused with a message that says it is Lua and which check applies
// without it.
func TestNewCheckerNamesLua(t *testing.T) {
	tests := []struct {
		key, expr string
		want      []string
	}{
		{"cert-manager.io/Certificate", luaCertificate, []string{
			`health check "cert-manager.io/Certificate" is a Lua script, as Argo CD writes them: flotilla does not run Lua, write the check as a CEL expression`,
			`(without a custom check, the built-in CEL check "cert-manager.io/Certificate" applies to cert-manager.io/Certificate)`}},
		{"apps/Deployment", luaLocal, []string{`is a Lua script`, `the built-in check applies to apps/Deployment`}},
		{"/PersistentVolumeClaim", luaOneLine, []string{`is a Lua script`, `the built-in check applies to PersistentVolumeClaim)`}},
		{"s3.aws.upbound.io/Bucket", luaOneLine, []string{`the built-in CEL check "*.upbound.io/*" applies to s3.aws.upbound.io/Bucket`}},
		{"example.com/Widget", luaOneLine, []string{`the generic check (kstatus' Ready, Reconciling and Stalled conditions) applies to example.com/Widget`}},
		{"*.crossplane.io/*", luaOneLine, []string{`is a Lua script`, `(without a custom check, the built-in checks apply)`}},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			_, err := NewChecker(map[string]string{tt.key: tt.expr, "example.com/Fine": `{"status": "Healthy"}`})
			if err == nil {
				t.Fatal("NewChecker accepted a Lua script")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
	// A CEL expression that does not compile keeps CEL's own message.
	_, err := NewChecker(map[string]string{"example.com/Widget": `{"status": `})
	if err == nil || !strings.Contains(err.Error(), "compile") || strings.Contains(err.Error(), "Lua") {
		t.Fatalf("NewChecker error = %v, want CEL's compile error", err)
	}
}

// TestIgnoredLuaChecks: the Lua checks of Argo CD's argocd-cm are each
// answered with what flotilla does instead.
func TestIgnoredLuaChecks(t *testing.T) {
	got := IgnoredLuaChecks(map[string]string{
		"resource.customizations.health.cert-manager.io_Certificate": luaCertificate,
		"resource.customizations.health.argoproj.io_Application":     luaLocal,
		"resource.customizations.health.PersistentVolumeClaim":       luaOneLine,
		"resource.customizations.health.example.com_Widget":          luaOneLine,
		"resource.customizations.health.all":                         luaOneLine,
		"resource.customizations.health.a_b_C":                       luaOneLine,
		"resource.customizations": `
keda.sh/ScaledJob:
  health.lua: |
    hs = {status = "Healthy"}
    return hs
apps/Deployment:
  ignoreDifferences: |
    jsonPointers: [/spec/replicas]
example.com/Odd: not a map
`,
		"resource.customizations.ignoreDifferences.apps_Deployment":       "jsonPointers: [/spec/replicas]",
		"resource.customizations.useOpenLibs.cert-manager.io_Certificate": "true",
		"url": "https://argocd.example.com",
	})
	want := []string{
		`argocd-cm key "resource.customizations.health.PersistentVolumeClaim" holds a Lua health check, which flotilla does not run: the built-in check applies to PersistentVolumeClaim; to change that, write the check in CEL under "resource.customizations.health.PersistentVolumeClaim" in the flotilla-health ConfigMap`,
		`argocd-cm key "resource.customizations.health.a_b_C" holds a Lua health check, which flotilla does not run (and the key names no kind)`,
		`argocd-cm key "resource.customizations.health.all" holds a Lua health check, which flotilla does not run: the built-in checks apply; to change that, write the check in CEL under "resource.customizations.health.all" in the flotilla-health ConfigMap`,
		`argocd-cm key "resource.customizations.health.argoproj.io_Application" holds a Lua health check, which flotilla does not run: the built-in check applies to argoproj.io/Application; to change that, write the check in CEL under "resource.customizations.health.argoproj.io_Application" in the flotilla-health ConfigMap`,
		`argocd-cm key "resource.customizations.health.cert-manager.io_Certificate" holds a Lua health check, which flotilla does not run: the built-in CEL check "cert-manager.io/Certificate" applies to cert-manager.io/Certificate; to change that, write the check in CEL under "resource.customizations.health.cert-manager.io_Certificate" in the flotilla-health ConfigMap`,
		`argocd-cm key "resource.customizations.health.example.com_Widget" holds a Lua health check, which flotilla does not run: the generic check (kstatus' Ready, Reconciling and Stalled conditions) applies to example.com/Widget; to change that, write the check in CEL under "resource.customizations.health.example.com_Widget" in the flotilla-health ConfigMap`,
		`argocd-cm's resource.customizations entry "keda.sh/ScaledJob" holds a Lua health check, which flotilla does not run: the built-in CEL check "keda.sh/ScaledJob" applies to keda.sh/ScaledJob; to change that, write the check in CEL under "resource.customizations.health.keda.sh_ScaledJob" in the flotilla-health ConfigMap`,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("IgnoredLuaChecks =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := IgnoredLuaChecks(map[string]string{"application.resourceTrackingMethod": "annotation"}); len(got) != 0 {
		t.Fatalf("IgnoredLuaChecks without health checks = %q", got)
	}
}
