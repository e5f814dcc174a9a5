package controller

import (
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/manifests"
	"flotilla.dev/flotilla/internal/project"
)

// watchesNamespace reports whether Applications in ns are the controller's:
// its own namespace always, others when they match Options.AppNamespaces
// (Argo CD's application.namespaces). Whether such an app may use its
// project is the project's sourceNamespaces, checked in checkProject.
func (r *Reconciler) watchesNamespace(ns string) bool {
	return ns == r.Namespace || project.MatchAny(r.AppNamespaces, ns)
}

// inWatchedNamespace drops events of Applications in other namespaces.
func (r *Reconciler) inWatchedNamespace() predicate.Predicate {
	return predicate.NewPredicateFuncs(func(o client.Object) bool { return r.watchesNamespace(o.GetNamespace()) })
}

// instance is app's name in tracking ids: `<namespace>_<name>` outside the
// controller's namespace.
func (r *Reconciler) instance(app *v1alpha1.Application) string {
	return manifests.InstanceName(app, r.Namespace)
}
