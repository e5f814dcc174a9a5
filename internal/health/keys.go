package health

import (
	"fmt"
	"path"
	"strings"
)

// parseKey splits a check key into group and kind: "group/Kind", "/Kind"
// or "Kind" (core group). Either part may be a path.Match pattern.
func parseKey(key string) (group, kind string, wildcard bool, err error) {
	kind = key
	if i := strings.Index(key, "/"); i >= 0 {
		group, kind = key[:i], key[i+1:]
	}
	if kind == "" {
		return "", "", false, fmt.Errorf("no kind in key, want group/Kind")
	}
	if strings.Contains(kind, "/") {
		return "", "", false, fmt.Errorf("more than one / in key, want group/Kind")
	}
	for _, p := range []string{group, kind} {
		if _, err := path.Match(p, ""); err != nil {
			return "", "", false, fmt.Errorf("pattern %q: %w", p, err)
		}
	}
	return group, kind, strings.ContainsAny(key, `*?[\`), nil
}

// match reports whether name matches pattern; patterns were validated by
// parseKey.
func match(pattern, name string) bool {
	ok, _ := path.Match(pattern, name)
	return ok
}

// specificity ranks patterns: the more literal characters, the more
// specific, so "*.aws.crossplane.io/*" wins over "*/*".
func specificity(chk *customCheck) int {
	s := chk.group + chk.kind
	return len(s) - strings.Count(s, "*") - strings.Count(s, "?")
}
