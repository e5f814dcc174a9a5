package sync

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/object"
)

// SyncOptionsAnnotation carries per-resource sync options.
const SyncOptionsAnnotation = "argocd.argoproj.io/sync-options"

// Task is one step of a sync: apply an object, run a hook, or prune.
type Task struct {
	// Obj is the desired object or hook, or the live object to prune.
	Obj   *unstructured.Unstructured
	Phase Phase
	Wave  int
	Hook  bool
	Prune bool
	// PruneLast defers a prune until every wave is healthy (Plan puts it
	// one wave after the last).
	PruneLast bool
	// NoPrune (Prune=false) keeps the object: its prune is skipped.
	NoPrune bool
	// ConfirmPrune (Prune=confirm) holds every prune of the sync until
	// the pruning is confirmed (Options.PruneConfirmed).
	ConfirmPrune bool
}

// ID identifies the task across reconciles, for persisted progress.
func (t Task) ID() string {
	return TaskID(t.Phase, t.Hook, t.Prune, object.KeyOf(t.Obj))
}

// TaskID builds a task ID from its parts.
func TaskID(phase Phase, hook, prune bool, k object.Key) string {
	kind := "apply"
	switch {
	case hook:
		kind = "hook"
	case prune:
		kind = "prune"
	}
	return fmt.Sprintf("%s:%s:%s", phase, kind, k)
}

// PlanOptions steer planning.
type PlanOptions struct {
	// PruneLast defers every prune until the last wave is healthy.
	PruneLast bool
	// Prune is the app-level Prune sync option ("false", "confirm"), the
	// default of objects whose own sync-options do not set Prune.
	Prune string
	// Revision and StartedAt are the operation's: they name the hooks
	// that have only a metadata.generateName, as Argo CD does, so an
	// operation resumed after a restart finds the hooks it created.
	Revision  string
	StartedAt time.Time
}

// HookName is the name Argo CD gives a hook with only a generateName in
// an operation: the generateName, the revision's first seven characters,
// the phase and the operation's start in Unix seconds, lower-cased.
func HookName(generateName, revision string, phase Phase, startedAt time.Time) string {
	rev := revision
	if len(rev) >= 8 {
		rev = rev[:7]
	}
	return generateName + strings.ToLower(fmt.Sprintf("%s-%s-%d", rev, phase, startedAt.UTC().Unix()))
}

// named is hook u as it runs in phase: named per operation when it has
// only a generateName.
func named(u *unstructured.Unstructured, phase Phase, opts PlanOptions) *unstructured.Unstructured {
	if u.GetName() != "" || u.GetGenerateName() == "" {
		return u
	}
	n := u.DeepCopy()
	n.SetName(HookName(u.GetGenerateName(), opts.Revision, phase, opts.StartedAt))
	if app, _, ok := apply.ParseTrackingID(n.GetAnnotations()[apply.TrackingAnnotation]); ok {
		apply.SetTracking(n, app) // the tracking id names the object by its name
	}
	return n
}

// Plan turns resources, hooks and objects to prune into ordered tasks:
// by phase (PreSync, Sync, PostSync, SyncFail), then wave, then Argo CD's
// kind order, then name. A hook runs in each phase it names; Skip hooks and
// Helm hooks of no sync phase are left out.
func Plan(resources, hooks, prunable []*unstructured.Unstructured, opts PlanOptions) []Task {
	var tasks []Task
	for _, u := range resources {
		tasks = append(tasks, Task{Obj: u, Phase: Sync, Wave: Wave(u)})
	}
	for _, u := range hooks {
		if IsSkipped(u) {
			continue
		}
		for _, p := range HookPhases(u) {
			tasks = append(tasks, Task{Obj: named(u, p, opts), Phase: p, Wave: Wave(u), Hook: true})
		}
	}
	for _, u := range prunable {
		prune := PruneOption(u, opts.Prune)
		tasks = append(tasks, Task{
			Obj: u, Phase: Sync, Wave: Wave(u), Prune: true,
			PruneLast:    opts.PruneLast || HasResourceOption(u, "PruneLast", "true"),
			NoPrune:      prune == "false",
			ConfirmPrune: prune == "confirm",
		})
	}
	pullAhead(tasks)
	pruneWaves(tasks)
	sort.SliceStable(tasks, func(i, j int) bool { return taskLess(tasks[i], tasks[j]) })
	return tasks
}

// pruneWaves moves prunes into the waves Argo CD prunes them in: the
// distinct waves of the objects to prune are mirrored (the highest wave's
// objects are pruned in the lowest's, and so on: the reverse of creation),
// and PruneLast objects go one wave after the last Sync wave (at least
// wave 1).
func pruneWaves(tasks []Task) {
	var distinct []int
	for _, t := range tasks {
		if t.Prune && !slices.Contains(distinct, t.Wave) {
			distinct = append(distinct, t.Wave)
		}
	}
	sort.Ints(distinct)
	mirror := make(map[int]int, len(distinct))
	for i, w := range distinct {
		mirror[w] = distinct[len(distinct)-1-i]
	}
	last := 0
	for i, t := range tasks {
		if t.Prune {
			tasks[i].Wave = mirror[t.Wave]
		}
		if t.Phase == Sync && tasks[i].Wave > last {
			last = tasks[i].Wave
		}
	}
	for i, t := range tasks {
		if t.Prune && t.PruneLast {
			tasks[i].Wave = last + 1
		}
	}
}

// pullAhead moves a Namespace into the wave of the first object in it, and
// a CRD into the wave of its first custom resource, when those come
// earlier, as Argo CD does.
func pullAhead(tasks []Task) {
	first := map[string]int{} // "ns/<name>" or "gk/<group>/<kind>" -> earliest wave
	note := func(key string, wave int) {
		if w, ok := first[key]; !ok || wave < w {
			first[key] = wave
		}
	}
	for _, t := range tasks {
		if t.Prune || t.Phase != Sync {
			continue
		}
		if ns := t.Obj.GetNamespace(); ns != "" {
			note("ns/"+ns, t.Wave)
		}
		gvk := t.Obj.GroupVersionKind()
		note("gk/"+gvk.Group+"/"+gvk.Kind, t.Wave)
	}
	for i, t := range tasks {
		if t.Prune || t.Phase != Sync || t.Hook {
			continue
		}
		var key string
		switch {
		case t.Obj.GetKind() == "Namespace" && t.Obj.GroupVersionKind().Group == "":
			key = "ns/" + t.Obj.GetName()
		case t.Obj.GetKind() == "CustomResourceDefinition":
			group, _, _ := unstructured.NestedString(t.Obj.Object, "spec", "group")
			kind, _, _ := unstructured.NestedString(t.Obj.Object, "spec", "names", "kind")
			key = "gk/" + group + "/" + kind
		default:
			continue
		}
		if w, ok := first[key]; ok && w < t.Wave {
			tasks[i].Wave = w
		}
	}
}

var phaseRank = map[Phase]int{PreSync: 0, Sync: 1, PostSync: 2, SyncFail: 3}

func taskLess(a, b Task) bool {
	if a.Phase != b.Phase {
		return phaseRank[a.Phase] < phaseRank[b.Phase]
	}
	if a.Wave != b.Wave {
		return a.Wave < b.Wave
	}
	if a.Prune != b.Prune {
		return a.Prune // a wave prunes first, then applies
	}
	if a.Prune {
		return kindNameLess(b.Obj, a.Obj) // dependents before what they need
	}
	return kindNameLess(a.Obj, b.Obj)
}

// resourceOptions parses the sync-options annotation ("A=b,C=d").
func resourceOptions(u *unstructured.Unstructured) map[string]string {
	out := map[string]string{}
	for _, kv := range splitList(u.GetAnnotations()[SyncOptionsAnnotation]) {
		k, v, _ := strings.Cut(kv, "=")
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out
}

// PruneOption is u's Prune sync option ("false", "confirm" or ""): its
// own sync-options annotation's, else appDefault (AppPruneOption).
func PruneOption(u *unstructured.Unstructured, appDefault string) string {
	if v, ok := resourceOptions(u)["Prune"]; ok {
		return v
	}
	return appDefault
}

// AppPruneOption is the app-level Prune sync option (Prune=false,
// Prune=confirm), the default of objects that do not set their own; the
// last one given wins.
func AppPruneOption(opts []string) string {
	for i := len(opts) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(strings.TrimSpace(opts[i]), "Prune="); ok {
			return v
		}
	}
	return ""
}

// HasResourceOption reports whether u's sync-options annotation sets
// key=value.
func HasResourceOption(u *unstructured.Unstructured, key, value string) bool {
	return resourceOptions(u)[key] == value
}

// ApplyMode is how an object is written: the Validate=false, Replace=true,
// Force=true and ServerSideApply=false sync options of its app
// (appOptions) or of its own argocd.argoproj.io/sync-options annotation.
// The object's ServerSideApply wins over the app's.
func ApplyMode(appOptions []string, u *unstructured.Unstructured) apply.Mode {
	has := func(k, v string) bool { return slices.Contains(appOptions, k+"="+v) || HasResourceOption(u, k, v) }
	clientSide := HasResourceOption(u, "ServerSideApply", "false") ||
		(slices.Contains(appOptions, "ServerSideApply=false") && !HasResourceOption(u, "ServerSideApply", "true"))
	return apply.Mode{SkipValidation: has("Validate", "false"), Replace: has("Replace", "true"),
		Force: has("Force", "true"), ClientSide: clientSide}
}
