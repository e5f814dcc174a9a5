package sync

import (
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Phase is a sync phase, named as Argo CD names it.
type Phase string

// The phases, in the order a sync runs them (SyncFail only on failure).
const (
	PreSync  Phase = "PreSync"
	Sync     Phase = "Sync"
	PostSync Phase = "PostSync"
	SyncFail Phase = "SyncFail"
)

// Annotations that make an object a hook, and Helm's equivalents.
const (
	HookAnnotation             = "argocd.argoproj.io/hook"
	HookDeletePolicyAnnotation = "argocd.argoproj.io/hook-delete-policy"
	helmHookAnnotation         = "helm.sh/hook"
	helmHookWeightAnnotation   = "helm.sh/hook-weight"
	helmHookDeletePolicy       = "helm.sh/hook-delete-policy"
)

// Hook delete policies.
const (
	PolicyBeforeHookCreation = "BeforeHookCreation"
	PolicyHookSucceeded      = "HookSucceeded"
	PolicyHookFailed         = "HookFailed"
)

// helmPhases maps Helm hooks onto Argo CD phases, as Argo CD does; Helm
// hooks not listed (tests, delete hooks) are not run by a sync.
var helmPhases = map[string]Phase{
	"pre-install": PreSync, "pre-upgrade": PreSync,
	"post-install": PostSync, "post-upgrade": PostSync,
}

var helmPolicies = map[string]string{
	"before-hook-creation": PolicyBeforeHookCreation,
	"hook-succeeded":       PolicyHookSucceeded,
	"hook-failed":          PolicyHookFailed,
}

// IsHook reports whether u is a hook (Argo CD or Helm), including Skip.
func IsHook(u *unstructured.Unstructured) bool {
	a := u.GetAnnotations()
	return a[HookAnnotation] != "" || a[helmHookAnnotation] != ""
}

// IsSkipped reports whether u is annotated to be left out of syncs.
func IsSkipped(u *unstructured.Unstructured) bool {
	for _, h := range splitList(u.GetAnnotations()[HookAnnotation]) {
		if h == "Skip" {
			return true
		}
	}
	return false
}

// HookPhases returns the phases a hook runs in: from Argo CD's annotation,
// else mapped from Helm's. A Helm hook that no phase maps to (a test hook)
// returns none.
func HookPhases(u *unstructured.Unstructured) []Phase {
	a := u.GetAnnotations()
	var out []Phase
	if v := a[HookAnnotation]; v != "" {
		for _, h := range splitList(v) {
			switch Phase(h) {
			case PreSync, Sync, PostSync, SyncFail:
				out = append(out, Phase(h))
			}
		}
		return out
	}
	seen := map[Phase]bool{}
	for _, h := range splitList(a[helmHookAnnotation]) {
		if p, ok := helmPhases[h]; ok && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// DeletePolicies returns the hook's delete policies; the default is
// BeforeHookCreation.
func DeletePolicies(u *unstructured.Unstructured) []string {
	a := u.GetAnnotations()
	var out []string
	for _, p := range splitList(a[HookDeletePolicyAnnotation]) {
		out = append(out, p)
	}
	if len(out) == 0 {
		for _, p := range splitList(a[helmHookDeletePolicy]) {
			if mapped, ok := helmPolicies[p]; ok {
				out = append(out, mapped)
			}
		}
	}
	if len(out) == 0 {
		out = []string{PolicyBeforeHookCreation}
	}
	return out
}

func hasPolicy(policies []string, p string) bool {
	for _, x := range policies {
		if x == p {
			return true
		}
	}
	return false
}

// helmWeight is a Helm hook's weight, the wave Argo CD gives it when it has
// no sync-wave of its own.
func helmWeight(u *unstructured.Unstructured) (int, bool) {
	a := u.GetAnnotations()
	if a[helmHookAnnotation] == "" {
		return 0, false
	}
	w, err := strconv.Atoi(strings.TrimSpace(a[helmHookWeightAnnotation]))
	return w, err == nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
