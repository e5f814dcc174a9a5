package sync

import (
	"fmt"
	"slices"
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

// The delete phases: hooks run when an Application is deleted, before its
// resources are deleted and after they are gone. A sync never runs them.
const (
	PreDelete  Phase = "PreDelete"
	PostDelete Phase = "PostDelete"
)

// skipPhase marks an object a sync leaves out.
const skipPhase = "Skip"

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
// hooks not listed (tests, rollback hooks) are never run.
var helmPhases = map[string]Phase{
	"pre-install": PreSync, "pre-upgrade": PreSync,
	"post-install": PostSync, "post-upgrade": PostSync,
	"pre-delete": PreDelete, "post-delete": PostDelete,
}

// knownPhases are the values of the hook annotation flotilla runs.
var knownPhases = map[Phase]bool{
	PreSync: true, Sync: true, PostSync: true, SyncFail: true, PreDelete: true, PostDelete: true, skipPhase: true,
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
		if h == skipPhase {
			return true
		}
	}
	return false
}

// HookPhases returns the sync phases a hook runs in (PreSync, Sync,
// PostSync, SyncFail): from Argo CD's annotation, else mapped from Helm's.
// Delete phases are not sync phases (see DeletePhases); a Helm hook that
// no phase maps to (a test hook) returns none.
func HookPhases(u *unstructured.Unstructured) []Phase {
	var out []Phase
	for _, p := range allPhases(u) {
		switch p {
		case PreSync, Sync, PostSync, SyncFail:
			out = append(out, p)
		}
	}
	return out
}

// IsDeleteHook reports whether u runs in the delete phase p (PreDelete or
// PostDelete), by Argo CD's annotation or Helm's pre-delete/post-delete.
func IsDeleteHook(u *unstructured.Unstructured, p Phase) bool {
	return slices.Contains(allPhases(u), p)
}

// allPhases returns every known phase u names, from Argo CD's annotation
// or else Helm's, without duplicates.
func allPhases(u *unstructured.Unstructured) []Phase {
	a := u.GetAnnotations()
	var out []Phase
	add := func(p Phase) {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if v := a[HookAnnotation]; v != "" {
		for _, h := range splitList(v) {
			if p := Phase(h); knownPhases[p] && p != skipPhase {
				add(p)
			}
		}
		return out
	}
	for _, h := range splitList(a[helmHookAnnotation]) {
		if p, ok := helmPhases[h]; ok {
			add(p)
		}
	}
	return out
}

// CheckHookPhases returns an error naming every hook whose
// argocd.argoproj.io/hook annotation holds a phase flotilla does not know
// (a typo such as PreSynch), so such a hook is never silently dropped.
func CheckHookPhases(hooks []*unstructured.Unstructured) error {
	var bad []string
	for _, u := range hooks {
		for _, h := range splitList(u.GetAnnotations()[HookAnnotation]) {
			if !knownPhases[Phase(h)] {
				bad = append(bad, fmt.Sprintf("%s %s: unknown hook phase %q", u.GetKind(), objectName(u), h))
			}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("%s (known phases: PreSync, Sync, PostSync, SyncFail, PreDelete, PostDelete, Skip)", strings.Join(bad, "; "))
}

func objectName(u *unstructured.Unstructured) string {
	name := u.GetName()
	if name == "" {
		name = u.GetGenerateName() + "*"
	}
	if u.GetNamespace() != "" {
		return u.GetNamespace() + "/" + name
	}
	return name
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

// HasDeletePolicy reports whether hook u has delete policy p (explicitly,
// or BeforeHookCreation by default).
func HasDeletePolicy(u *unstructured.Unstructured, p string) bool {
	return hasPolicy(DeletePolicies(u), p)
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
