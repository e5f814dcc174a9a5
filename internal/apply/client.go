package apply

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"flotilla.dev/flotilla/internal/object"
)

// FieldManager is the server-side apply field manager of every apply.
const FieldManager = "flotilla"

// Client applies, predicts, reads and deletes objects of any kind.
type Client struct {
	dyn    dynamic.Interface
	mapper meta.RESTMapper
}

// NewClient returns a Client over a dynamic client and a REST mapper that
// discovers kinds lazily (so CRDs created by a sync become usable).
func NewClient(dyn dynamic.Interface, mapper meta.RESTMapper) *Client {
	return &Client{dyn: dyn, mapper: mapper}
}

// ErrUnknownKind is returned for a kind the cluster does not serve.
var ErrUnknownKind = errors.New("unknown kind")

// Mapping returns the REST mapping of a group/kind (any served version
// when version is empty).
func (c *Client) Mapping(gk schema.GroupKind, version string) (*meta.RESTMapping, error) {
	var versions []string
	if version != "" {
		versions = []string{version}
	}
	m, err := c.mapper.RESTMapping(gk, versions...)
	if meta.IsNoMatchError(err) {
		return nil, fmt.Errorf("%w %s", ErrUnknownKind, gkString(gk, version))
	}
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", gkString(gk, version), err)
	}
	return m, nil
}

// Namespaced reports whether a group/kind is namespaced.
func (c *Client) Namespaced(gk schema.GroupKind, version string) (bool, error) {
	m, err := c.Mapping(gk, version)
	if err != nil {
		return false, err
	}
	return m.Scope.Name() == meta.RESTScopeNameNamespace, nil
}

func (c *Client) resource(u *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	gvk := u.GroupVersionKind()
	m, err := c.Mapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, err
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return c.dyn.Resource(m.Resource).Namespace(u.GetNamespace()), nil
	}
	return c.dyn.Resource(m.Resource), nil
}

// Get returns the live object with u's identity, or nil when it does not
// exist.
func (c *Client) Get(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	ri, err := c.resource(u)
	if err != nil {
		return nil, err
	}
	live, err := ri.Get(ctx, u.GetName(), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", describe(u), err)
	}
	return live, nil
}

// Apply server-side applies u, taking ownership of conflicting fields.
func (c *Client) Apply(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	return c.apply(ctx, u, false)
}

// DryRun returns what Apply would make of u, changing nothing.
func (c *Client) DryRun(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	return c.apply(ctx, u, true)
}

func (c *Client) apply(ctx context.Context, u *unstructured.Unstructured, dryRun bool) (*unstructured.Unstructured, error) {
	ri, err := c.resource(u)
	if err != nil {
		return nil, err
	}
	opts := metav1.ApplyOptions{FieldManager: FieldManager, Force: true}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	out, err := ri.Apply(ctx, u.GetName(), u, opts)
	if err != nil {
		return nil, fmt.Errorf("apply %s: %w", describe(u), err)
	}
	return out, nil
}

// Delete deletes the object with u's identity with the given propagation;
// an object already gone is not an error.
func (c *Client) Delete(ctx context.Context, u *unstructured.Unstructured, propagation metav1.DeletionPropagation) error {
	ri, err := c.resource(u)
	if err != nil {
		return err
	}
	opts := metav1.DeleteOptions{PropagationPolicy: &propagation}
	if uid := u.GetUID(); uid != "" {
		opts.Preconditions = &metav1.Preconditions{UID: &uid}
	}
	err = ri.Delete(ctx, u.GetName(), opts)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete %s: %w", describe(u), err)
	}
	return nil
}

func describe(u *unstructured.Unstructured) string {
	k := object.KeyOf(u)
	if k.Namespace == "" {
		return fmt.Sprintf("%s %s", u.GetKind(), k.Name)
	}
	return fmt.Sprintf("%s %s/%s", u.GetKind(), k.Namespace, k.Name)
}

func gkString(gk schema.GroupKind, version string) string {
	s := gk.Kind
	if gk.Group != "" {
		s += "." + gk.Group
	}
	if version != "" {
		s += " (" + version + ")"
	}
	return s
}
