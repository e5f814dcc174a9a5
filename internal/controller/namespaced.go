package controller

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cluster"
	"flotilla.dev/flotilla/internal/project"
)

// namespaceScope is what a namespaced install (Options.Namespaced) lets
// the controller touch: every namespaced kind in the listed namespaces,
// and in its own namespace the Argo CD kinds (so an app-of-apps may
// manage Applications, ApplicationSets and AppProjects there), on its
// own cluster only. Its RBAC grants no more (package install), and the
// controller refuses, as an InvalidSpecError, an app that asks for more
// instead of failing on a forbidden write. A nil scope is the full
// install: everything.
type namespaceScope struct {
	own        string   // the controller's namespace
	namespaces []string // sorted, without repeats
}

// newNamespaceScope is the scope of a namespaced install for namespaces,
// nil when there are none (the full install).
func newNamespaceScope(own string, namespaces []string) (*namespaceScope, error) {
	if len(namespaces) == 0 {
		return nil, nil
	}
	var names []string
	for _, ns := range namespaces {
		ns = strings.TrimSpace(ns)
		if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			return nil, fmt.Errorf("namespaced: namespace %q: %s", ns, strings.Join(errs, "; "))
		}
		names = append(names, ns)
	}
	slices.Sort(names)
	return &namespaceScope{own: own, namespaces: slices.Compact(names)}, nil
}

// argoKinds are what the controller may write in its own namespace
// besides the listed ones.
var argoKinds = []schema.GroupKind{
	{Group: v1alpha1.SchemeGroupVersion.Group, Kind: "Application"},
	{Group: v1alpha1.SchemeGroupVersion.Group, Kind: "ApplicationSet"},
	{Group: v1alpha1.SchemeGroupVersion.Group, Kind: "AppProject"},
}

func (s *namespaceScope) lists(ns string) bool {
	return slices.Contains(s.namespaces, ns)
}

// refuse is the InvalidSpecError of an app that needs more than the scope.
func (s *namespaceScope) refuse(problems []string) error {
	return invalidSpecError{fmt.Errorf("%s: the controller is installed for namespaces %s only",
		strings.Join(problems, "; "), strings.Join(s.namespaces, ", "))}
}

// checkApp refuses an app whose destination is another cluster or a
// namespace outside the scope, whose sync would create or label a
// Namespace (cluster-scoped) it may not, or whose status lists objects
// outside the scope from before (an app synced by a full install), which
// it could neither read nor prune. dest is the app's resolved destination
// cluster (nil: unknown, the own cluster).
func (s *namespaceScope) checkApp(app *v1alpha1.Application, dest *cluster.Cluster) error {
	if s == nil {
		return nil
	}
	var problems []string
	if dest != nil && !dest.IsInCluster() {
		problems = append(problems, fmt.Sprintf("destination cluster %s is not the controller's own cluster", dest))
	}
	ns := app.Spec.Destination.Namespace
	var syncOpts v1alpha1.SyncOptions
	var managedMetadata bool
	if p := app.Spec.SyncPolicy; p != nil {
		syncOpts, managedMetadata = p.SyncOptions, p.ManagedNamespaceMetadata != nil
	}
	switch {
	case ns != "" && !s.lists(ns) && syncOpts.HasOption("CreateNamespace=true"):
		problems = append(problems, fmt.Sprintf("CreateNamespace=true asks for namespace %s, which it may not create", ns))
	case ns != "" && !s.lists(ns) && ns != s.own:
		problems = append(problems, fmt.Sprintf("destination namespace %s is outside them", ns))
	}
	if managedMetadata && syncOpts.HasOption("CreateNamespace=true") {
		problems = append(problems, fmt.Sprintf("managedNamespaceMetadata would write Namespace %s, which is cluster-scoped", ns))
	}
	// what it managed before (under a full install) it would have to
	// read and prune
	problems = append(problems, s.resourcesOutside(app)...)
	if len(problems) > 0 {
		return s.refuse(problems)
	}
	return nil
}

// resourcesOutside names the objects of app's status.resources outside
// the scope.
func (s *namespaceScope) resourcesOutside(app *v1alpha1.Application) []string {
	var problems []string
	for _, res := range app.Status.Resources {
		gk := schema.GroupKind{Group: res.Group, Kind: res.Kind}
		switch {
		case res.Hook:
		case res.Namespace == "":
			problems = append(problems, fmt.Sprintf("it managed %s %s before, which is cluster-scoped", res.Kind, res.Name))
		case !s.lists(res.Namespace) && (res.Namespace != s.own || !slices.Contains(argoKinds, gk)):
			problems = append(problems, fmt.Sprintf("it managed %s %s in namespace %s before", res.Kind, res.Name, res.Namespace))
		}
	}
	return problems
}

// checkDeletion refuses to cascade the deletion of app to objects the
// scope does not reach: outside its namespaces, or on another cluster.
// An app with no resources has nothing to cascade to.
func (s *namespaceScope) checkDeletion(app *v1alpha1.Application, dest *cluster.Cluster) error {
	if s == nil || len(app.Status.Resources) == 0 {
		return nil
	}
	problems := s.resourcesOutside(app)
	if dest != nil && !dest.IsInCluster() {
		problems = append(problems, fmt.Sprintf("its resources are on cluster %s, not the controller's own", dest))
	}
	if len(problems) > 0 {
		return s.refuse(problems)
	}
	return nil
}

// checkObjects refuses desired objects that are cluster-scoped or in a
// namespace outside the scope, naming each.
func (s *namespaceScope) checkObjects(objs []*unstructured.Unstructured) error {
	if s == nil {
		return nil
	}
	var problems []string
	for _, u := range objs {
		ns := u.GetNamespace()
		switch {
		case ns == "":
			problems = append(problems, fmt.Sprintf("%s %s is cluster-scoped", u.GetKind(), u.GetName()))
		case s.lists(ns):
		case ns == s.own && slices.Contains(argoKinds, u.GroupVersionKind().GroupKind()):
		case ns == s.own:
			problems = append(problems, fmt.Sprintf("%s %s is in the controller's namespace %s, where it manages only Applications, ApplicationSets and AppProjects", u.GetKind(), u.GetName(), ns))
		default:
			problems = append(problems, fmt.Sprintf("%s %s is in namespace %s", u.GetKind(), u.GetName(), ns))
		}
	}
	if len(problems) > 0 {
		return s.refuse(problems)
	}
	return nil
}

// restrictCache keeps every informer of a namespaced install inside its
// namespaces: managed kinds (the metadata watches of watchSet) in the
// listed ones, the Argo CD kinds in the controller's own, and
// Applications elsewhere only in listed namespaces that AppNamespaces
// match. Nothing is watched cluster-wide: such an informer would be
// forbidden, never sync, and hold every reconcile that reads through it.
func (s *namespaceScope) restrictCache(opts *cache.Options, appNamespaces []string) {
	if s == nil {
		return
	}
	opts.DefaultNamespaces = map[string]cache.Config{}
	for _, ns := range s.namespaces {
		opts.DefaultNamespaces[ns] = cache.Config{}
	}
	apps := map[string]cache.Config{s.own: {}}
	for _, ns := range s.namespaces {
		if project.MatchAny(appNamespaces, ns) {
			apps[ns] = cache.Config{}
		}
	}
	if opts.ByObject == nil {
		opts.ByObject = map[client.Object]cache.ByObject{}
	}
	opts.ByObject[&v1alpha1.Application{}] = cache.ByObject{Namespaces: apps}
	opts.ByObject[&v1alpha1.ApplicationSet{}] = cache.ByObject{Namespaces: apps}
}

// logWatchErrors reports informers that cannot list or watch through the
// controller's logger, where a forbidden watch of a namespaced install
// shows, instead of client-go's global log.
func logWatchErrors(logger logr.Logger) toolscache.WatchErrorHandlerWithContext {
	return func(ctx context.Context, r *toolscache.Reflector, err error) {
		if err == io.EOF || apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
			toolscache.DefaultWatchErrorHandler(ctx, r, err) // routine: a watch closed
			return
		}
		logger.Error(err, "watch failed", "type", r.TypeDescription())
	}
}
