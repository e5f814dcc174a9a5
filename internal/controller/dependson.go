package controller

import (
	"context"
	"fmt"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// DependsOnAnnotation names the Applications an Application waits for:
// "a, b, ns/c" (same namespace unless given). Argo CD ignores it, so
// manifests stay portable.
const DependsOnAnnotation = "flotilla.dev/depends-on"

// ConditionWaitingForDependencies says which dependencies an Application
// waits for before it syncs.
const ConditionWaitingForDependencies v1alpha1.ApplicationConditionType = "WaitingForDependencies"

// dependencies parses an app's depends-on annotation.
func dependencies(app *v1alpha1.Application) []types.NamespacedName {
	var out []types.NamespacedName
	for _, item := range strings.Split(app.Annotations[DependsOnAnnotation], ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		ns, name, found := strings.Cut(item, "/")
		if !found {
			ns, name = app.Namespace, item
		}
		out = append(out, types.NamespacedName{Namespace: ns, Name: name})
	}
	return out
}

// dependencyBlock reports why app may not sync yet: the dependencies that
// are not Synced and Healthy (waiting), or an error (a missing dependency,
// a cycle) that waiting will not cure.
func (r *Reconciler) dependencyBlock(ctx context.Context, app *v1alpha1.Application) (waiting []string, err error) {
	deps := dependencies(app)
	if len(deps) == 0 {
		return nil, nil
	}
	if cycle := r.findCycle(ctx, app); cycle != "" {
		return nil, fmt.Errorf("dependency cycle: %s", cycle)
	}
	for _, d := range deps {
		dep := &v1alpha1.Application{}
		if err := r.Client.Get(ctx, d, dep); apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("dependency %s does not exist", d)
		} else if err != nil {
			return nil, fmt.Errorf("dependency %s: %w", d, err)
		}
		st := dep.Status
		if st.Sync.Status != v1alpha1.SyncStatusCodeSynced || st.Health.Status != v1alpha1.HealthStatusHealthy {
			waiting = append(waiting, fmt.Sprintf("%s (%s, %s)", d.Name, orUnknown(string(st.Sync.Status)), orUnknown(string(st.Health.Status))))
		}
	}
	return waiting, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "not reconciled"
	}
	return s
}

// findCycle follows depends-on from app and returns the cycle through app
// ("a -> b -> a"), or "".
func (r *Reconciler) findCycle(ctx context.Context, app *v1alpha1.Application) string {
	start := types.NamespacedName{Namespace: app.Namespace, Name: app.Name}
	var walk func(n types.NamespacedName, path []string, seen map[types.NamespacedName]bool) string
	walk = func(n types.NamespacedName, path []string, seen map[types.NamespacedName]bool) string {
		cur := app
		if n != start {
			cur = &v1alpha1.Application{}
			if err := r.Client.Get(ctx, n, cur); err != nil {
				return ""
			}
		}
		for _, d := range dependencies(cur) {
			if d == start {
				return strings.Join(append(path, d.Name), " -> ")
			}
			if seen[d] {
				continue
			}
			seen[d] = true
			if c := walk(d, append(path, d.Name), seen); c != "" {
				return c
			}
		}
		return ""
	}
	return walk(start, []string{app.Name}, map[types.NamespacedName]bool{})
}

// dependsOnIndex indexes Applications by the "namespace/name" of each
// Application they depend on, so the dependents of a changed Application
// are found without listing the fleet.
const dependsOnIndex = "flotilla.dev/depends-on"

func indexDependencies(obj client.Object) []string {
	app, ok := obj.(*v1alpha1.Application)
	if !ok {
		return nil
	}
	var keys []string
	for _, d := range dependencies(app) {
		keys = append(keys, d.String())
	}
	return keys
}

// dependents maps a changed Application to the Applications that depend on
// it, so they sync as soon as it is Synced and Healthy.
func (r *Reconciler) dependents(ctx context.Context, obj client.Object) []reconcile.Request {
	var apps v1alpha1.ApplicationList
	self := types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}
	if err := r.Client.List(ctx, &apps, client.MatchingFields{dependsOnIndex: self.String()}); err != nil {
		return nil
	}
	out := make([]reconcile.Request, 0, len(apps.Items))
	for i := range apps.Items {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&apps.Items[i])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}
