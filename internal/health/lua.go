package health

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// Argo CD writes its health checks in Lua; flotilla runs CEL only. These
// helpers say so clearly, naming the check that applies instead, wherever
// a Lua check turns up: in the flotilla-health ConfigMap (NewChecker's
// error) or in Argo CD's argocd-cm (IgnoredLuaChecks).

// luaSyntax matches what every Argo CD health script has and no CEL
// expression can: assignments and `local` declarations, `if ... then`,
// `return hs`, `~=`.
var luaSyntax = regexp.MustCompile(`(?m)(^\s*local\s|^\s*(hs|health_status)(\.\w+)?\s*=[^=]|\bthen\s*$|^\s*return\s+\w+\s*$|~=|^\s*end\s*$)`)

// looksLikeLua reports whether expr, which did not compile as CEL, is a
// Lua script.
func looksLikeLua(expr string) bool {
	return luaSyntax.MatchString(expr)
}

// luaError is NewChecker's error for a key whose expression is Lua.
func luaError(key string) error {
	return fmt.Errorf("health check %q is a Lua script, as Argo CD writes them: flotilla does not run Lua, write the check as a CEL expression (without a custom check, %s)", key, insteadOf(key))
}

// insteadOf says which built-in check applies to the kinds of a check key
// (group/Kind, or a pattern) when no custom check does.
func insteadOf(key string) string {
	group, kind, wildcard, err := parseKey(key)
	if err != nil || wildcard {
		return "the built-in checks apply"
	}
	return builtinFor(group, kind) + " applies to " + strings.TrimPrefix(group+"/"+kind, "/")
}

// builtinFor names the built-in check flotilla runs for group and kind.
func builtinFor(group, kind string) string {
	if bc, _ := builtinCEL(); bc != nil {
		if chk := bc.lookup(group, kind); chk != nil {
			return fmt.Sprintf("the built-in CEL check %q", chk.key)
		}
	}
	if _, ok := checks[group+"/"+kind]; ok {
		return "the built-in check"
	}
	return "the generic check (kstatus' Ready, Reconciling and Stalled conditions)"
}

// legacyCustomizations is argocd-cm's older key holding every resource
// customization in one YAML document, keyed by group/Kind, with the
// health check under health.lua.
const legacyCustomizations = "resource.customizations"

// IgnoredLuaChecks reads the data of Argo CD's argocd-cm and returns one
// sentence for each Lua health check there (the
// resource.customizations.health.<group>_<Kind> keys, and health.lua in
// the older resource.customizations document): flotilla does not run it,
// the built-in check that applies instead, and how to change that. The
// sentences are sorted; none when argocd-cm has no health check.
func IgnoredLuaChecks(argocdCM map[string]string) []string {
	var out []string
	for k := range argocdCM {
		gk, ok := strings.CutPrefix(k, healthKeyPrefix)
		if !ok {
			continue
		}
		key, err := checkKey(gk)
		if err != nil {
			out = append(out, fmt.Sprintf("argocd-cm key %q holds a Lua health check, which flotilla does not run (and the key names no kind)", k))
			continue
		}
		out = append(out, ignoredLua(fmt.Sprintf("argocd-cm key %q", k), key, k))
	}
	var legacy map[string]any
	if doc, ok := argocdCM[legacyCustomizations]; ok && yaml.Unmarshal([]byte(doc), &legacy) == nil {
		for gk, entry := range legacy {
			fields, _ := entry.(map[string]any)
			if _, ok := fields["health.lua"]; !ok {
				continue
			}
			key := gk
			if !strings.Contains(key, "/") {
				key = "/" + key
			}
			out = append(out, ignoredLua(fmt.Sprintf("argocd-cm's %s entry %q", legacyCustomizations, gk), key, healthKeyPrefix+configKey(key)))
		}
	}
	sort.Strings(out)
	return out
}

// ignoredLua is IgnoredLuaChecks' sentence for the Lua check found at
// where, for the check key key, which a CEL check replaces under cmKey.
func ignoredLua(where, key, cmKey string) string {
	return fmt.Sprintf("%s holds a Lua health check, which flotilla does not run: %s; to change that, write the check in CEL under %q in the flotilla-health ConfigMap",
		where, insteadOf(key), cmKey)
}

// configKey is the ConfigMap key suffix for a check key: checkKey's
// inverse ("group/Kind" to "group_Kind", "/Kind" to "Kind").
func configKey(key string) string {
	if key == "*/*" {
		return "all"
	}
	group, kind, _ := strings.Cut(key, "/")
	if group == "" {
		return kind
	}
	return group + "_" + kind
}
