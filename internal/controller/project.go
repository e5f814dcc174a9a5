package controller

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/project"
)

// invalidSpecError is a problem of the Application's spec (its project
// forbids what it asks for): an InvalidSpecError condition, not a
// ComparisonError.
type invalidSpecError struct{ error }

func (e invalidSpecError) Unwrap() error { return e.error }

func isInvalidSpec(err error) bool {
	var e invalidSpecError
	return errors.As(err, &e)
}

// appProject returns the Application's AppProject from the controller's
// namespace (AppProjects live there only, as in Argo CD). The "default" project permits everything, also when it does
// not exist, as in Argo CD; any other missing project is an error.
func (r *Reconciler) appProject(ctx context.Context, app *v1alpha1.Application) (*v1alpha1.AppProject, error) {
	name := app.Spec.GetProject()
	p := &v1alpha1.AppProject{}
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: r.Namespace, Name: name}, p)
	switch {
	case apierrors.IsNotFound(err) && name == "default":
		return project.Default(), nil
	case apierrors.IsNotFound(err):
		return nil, invalidSpecError{fmt.Errorf("application references project %s which does not exist", name)}
	case err != nil:
		return nil, fmt.Errorf("get project %s: %w", name, err)
	}
	return p, nil
}

// checkProject refuses an Application whose sources or destination its
// project does not permit.
func (r *Reconciler) checkProject(ctx context.Context, app *v1alpha1.Application) (*v1alpha1.AppProject, error) {
	p, err := r.appProject(ctx, app)
	if err != nil {
		return nil, err
	}
	if !project.NamespacePermitted(p, app.Namespace, r.Namespace) {
		return nil, invalidSpecError{fmt.Errorf("application %s in namespace %s may not use project %s: the project's sourceNamespaces do not list %s", app.Name, app.Namespace, p.Name, app.Namespace)}
	}
	if err := project.CheckApp(p, r.withResolvedDestination(app)); err != nil {
		return nil, invalidSpecError{err}
	}
	if err := r.scope.checkApp(app, r.dest); err != nil {
		return nil, err
	}
	return p, nil
}

// withResolvedDestination returns app with both the server and the name
// of its destination cluster filled in, as Argo CD infers them before it
// checks a project's destinations.
func (r *Reconciler) withResolvedDestination(app *v1alpha1.Application) *v1alpha1.Application {
	if r.dest == nil {
		return app
	}
	a := app.DeepCopy()
	a.Spec.Destination.Server, a.Spec.Destination.Name = r.dest.Server, r.dest.Name
	return a
}

// checkClusterScope refuses objects outside the namespaces a cluster
// Secret, or a namespaced install, restricts the controller to.
func (r *Reconciler) checkClusterScope(objs []*unstructured.Unstructured) error {
	if err := r.scope.checkObjects(objs); err != nil {
		return err
	}
	if r.dest == nil {
		return nil
	}
	for _, u := range objs {
		if err := r.dest.Permits(u.GetNamespace(), u.GetNamespace() == ""); err != nil {
			return invalidSpecError{fmt.Errorf("%s %s: %w", u.GetKind(), u.GetName(), err)}
		}
	}
	return nil
}
