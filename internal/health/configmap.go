package health

import (
	"fmt"
	"strings"
)

// healthKeyPrefix starts Argo CD's per-kind health customization keys in
// argocd-cm: resource.customizations.health.<group>_<Kind>.
const healthKeyPrefix = "resource.customizations.health."

// ParseConfigMap collects the health checks of a ConfigMap's data, keyed
// for NewChecker, with Argo CD's key naming (util/settings'
// convertToOverrideKey): "resource.customizations.health.<group>_<Kind>"
// is group/Kind, "resource.customizations.health.<Kind>" (no underscore)
// is a core kind, and "resource.customizations.health.all" is every kind.
// "_<Kind>" is also taken as a core kind (Argo CD files it under "/Kind",
// where it never matches). Values are CEL expressions, where Argo CD has
// Lua. Other keys, including the other resource.customizations types and
// the older YAML-valued resource.customizations key, are ignored. A key
// with more than one underscore or no kind is an error naming the key.
func ParseConfigMap(data map[string]string) (map[string]string, error) {
	out := map[string]string{}
	from := map[string]string{}
	for k, v := range data {
		gk, ok := strings.CutPrefix(k, healthKeyPrefix)
		if !ok {
			continue
		}
		key, err := checkKey(gk)
		if err != nil {
			return nil, fmt.Errorf("config key %q: %w", k, err)
		}
		if other, dup := from[key]; dup {
			return nil, fmt.Errorf("config keys %q and %q are for the same kind %s", other, k, key)
		}
		from[key] = k
		out[key] = v
	}
	return out, nil
}

// checkKey converts Argo CD's "<group>_<Kind>" to "group/Kind".
func checkKey(groupKind string) (string, error) {
	if groupKind == "all" {
		return "*/*", nil
	}
	parts := strings.Split(groupKind, "_")
	switch {
	case len(parts) == 1 && parts[0] != "":
		return "/" + parts[0], nil
	case len(parts) == 2 && parts[1] != "":
		return parts[0] + "/" + parts[1], nil
	}
	return "", fmt.Errorf("want resource.customizations.health.<group>_<Kind> or resource.customizations.health.<Kind>")
}
