package appctl

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// Annotations and finalizers on Applications, as Argo CD names them (the
// controller honours the same; see internal/controller/annotations.go).
const (
	RefreshAnnotation   = "argocd.argoproj.io/refresh"
	WaveAnnotation      = "argocd.argoproj.io/sync-wave"
	DependsOnAnnotation = "flotilla.dev/depends-on"
	ResourcesFinalizer  = "resources-finalizer.argocd.argoproj.io"
)

// resourceFinalizers are every variant of the resources finalizer.
var resourceFinalizers = []string{
	ResourcesFinalizer,
	ResourcesFinalizer + "/foreground",
	ResourcesFinalizer + "/background",
}

// ErrOperationInProgress refuses an action while another operation is
// requested or running.
var ErrOperationInProgress = errors.New("another operation is already in progress")

// ErrAutomatedSync refuses a rollback while automated sync is on.
var ErrAutomatedSync = errors.New("rollback cannot be initiated when automated sync is enabled")

// Scheme knows the built-in kinds and the argoproj.io ones.
func Scheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("add client-go scheme: %w", err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("add argoproj.io scheme: %w", err)
	}
	return s, nil
}

// NewClient returns a client for cfg that knows Applications.
func NewClient(cfg *rest.Config) (client.Client, error) {
	s, err := Scheme()
	if err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		return nil, fmt.Errorf("create client: %w", err)
	}
	return c, nil
}

// Get returns the Application namespace/name; the error wraps the API
// server's (apierrors.IsNotFound works on it).
func Get(ctx context.Context, c client.Reader, namespace, name string) (*v1alpha1.Application, error) {
	app := &v1alpha1.Application{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, app); err != nil {
		return nil, fmt.Errorf("get application %s: %w", name, err)
	}
	return app, nil
}
