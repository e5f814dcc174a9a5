package scm

import (
	"fmt"
	"slices"
	"strings"
)

// Allowed checks a generator's api URL against the allow-list of SCM API
// URLs (the controller's --scm-allowed-api-urls, Argo CD's
// applicationsetcontroller.allowed.scm.providers). As Argo CD: an empty
// list allows all, an empty api (the provider's public default) is always
// allowed, and otherwise the URL must be in the list exactly (a trailing
// slash aside).
func Allowed(api string, allowed []string) error {
	if api == "" || len(allowed) == 0 {
		return nil
	}
	norm := strings.TrimSuffix(api, "/")
	if slices.ContainsFunc(allowed, func(a string) bool { return strings.TrimSuffix(a, "/") == norm }) {
		return nil
	}
	return fmt.Errorf("scm provider not allowed: %s is not one of the allowed API URLs (%s)", api, strings.Join(allowed, ", "))
}
