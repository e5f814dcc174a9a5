package apply

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

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

// Apply server-side applies u, taking ownership of conflicting fields,
// with strict field validation (unknown fields are an error, as with
// kubectl apply).
func (c *Client) Apply(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	return c.apply(ctx, u, false)
}

// Mode is how ApplyWith writes an object.
type Mode struct {
	// SkipValidation ignores unknown fields (Validate=false).
	SkipValidation bool
	// Replace writes the whole object with create/update instead of a
	// server-side apply (Replace=true).
	Replace bool
	// ClientSide writes with kubectl's client-side apply, a three-way
	// patch over the last-applied annotation (ServerSideApply=false).
	ClientSide bool
	// Force deletes and re-creates an object the API server refuses the
	// write of as invalid (an immutable field), as kubectl apply --force
	// and kubectl replace --force do (Force=true).
	Force bool
}

// fieldValidation is the API server's field validation for m: strict,
// as kubectl apply, unless Validate=false.
func (m Mode) fieldValidation() string {
	if m.SkipValidation {
		return "Ignore"
	}
	return "Strict"
}

// ApplyWith writes u in the given mode.
func (c *Client) ApplyWith(ctx context.Context, u *unstructured.Unstructured, m Mode) (*unstructured.Unstructured, error) {
	out, err := c.write(ctx, u, false, m)
	if err == nil || !m.Force || !apierrors.IsInvalid(err) {
		return out, err
	}
	return c.recreate(ctx, u, m)
}

// write is one write of u in mode m (a prediction with dryRun).
func (c *Client) write(ctx context.Context, u *unstructured.Unstructured, dryRun bool, m Mode) (*unstructured.Unstructured, error) {
	switch {
	case m.Replace && !dryRun:
		return c.replace(ctx, u, m)
	case m.ClientSide:
		return c.clientSide(ctx, u, dryRun, m)
	}
	return c.ssa(ctx, u, dryRun, m)
}

// recreate deletes the live object (dependents in the background), waits
// until it is gone and writes u anew.
func (c *Client) recreate(ctx context.Context, u *unstructured.Unstructured, m Mode) (*unstructured.Unstructured, error) {
	live, err := c.Get(ctx, u)
	if err != nil {
		return nil, err
	}
	if live != nil {
		if err := c.Delete(ctx, live, metav1.DeletePropagationBackground); err != nil {
			return nil, err
		}
		if err := c.waitGone(ctx, live); err != nil {
			return nil, err
		}
	}
	out, err := c.write(ctx, u, false, m)
	if err != nil {
		return nil, fmt.Errorf("re-create %s: %w", describe(u), err)
	}
	return out, nil
}

// replace creates u or updates the whole object (kubectl replace).
func (c *Client) replace(ctx context.Context, u *unstructured.Unstructured, m Mode) (*unstructured.Unstructured, error) {
	ri, err := c.resource(u)
	if err != nil {
		return nil, err
	}
	live, created, err := c.getOrCreate(ctx, ri, u, m.fieldValidation(), false)
	if err != nil || created != nil {
		return created, err
	}
	obj := u.DeepCopy()
	obj.SetResourceVersion(live.GetResourceVersion())
	out, err := ri.Update(ctx, obj, metav1.UpdateOptions{FieldManager: FieldManager, FieldValidation: m.fieldValidation()})
	if err != nil {
		return nil, fmt.Errorf("replace %s: %w", describe(u), err)
	}
	return out, nil
}

// forceGoneTimeout bounds how long a forced replace waits for the old
// object (its finalizers) to go.
const forceGoneTimeout = 30 * time.Second

// waitGone polls until the object with live's UID no longer exists.
func (c *Client) waitGone(ctx context.Context, live *unstructured.Unstructured) error {
	deadline := time.Now().Add(forceGoneTimeout)
	for {
		cur, err := c.Get(ctx, live)
		if err != nil {
			return err
		}
		if cur == nil || cur.GetUID() != live.GetUID() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("re-create %s: the old object is still being deleted after %s", describe(live), forceGoneTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// DryRun returns what Apply would make of u, changing nothing.
func (c *Client) DryRun(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	return c.apply(ctx, u, true)
}

func (c *Client) apply(ctx context.Context, u *unstructured.Unstructured, dryRun bool) (*unstructured.Unstructured, error) {
	return c.ssa(ctx, u, dryRun, Mode{})
}

// ssa server-side applies u with forced ownership; field validation is
// strict (unknown fields are errors, as with kubectl apply) unless the
// mode skips it.
func (c *Client) ssa(ctx context.Context, u *unstructured.Unstructured, dryRun bool, m Mode) (*unstructured.Unstructured, error) {
	ri, err := c.resource(u)
	if err != nil {
		return nil, err
	}
	data, err := u.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", describe(u), err)
	}
	if m.SkipValidation {
		return c.lax(ctx, ri, u, data, dryRun)
	}
	force := true
	opts := metav1.PatchOptions{FieldManager: FieldManager, Force: &force, FieldValidation: "Strict"}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	out, err := ri.Patch(ctx, u.GetName(), types.ApplyPatchType, data, opts)
	if err != nil {
		return nil, fmt.Errorf("apply %s: %w", describe(u), err)
	}
	return out, nil
}

// lax writes u without validation (Validate=false): server-side apply
// cannot carry fields the schema lacks, so the object is created, or merged
// into the live one with a JSON merge patch, unknown fields dropped.
func (c *Client) lax(ctx context.Context, ri dynamic.ResourceInterface, u *unstructured.Unstructured, data []byte, dryRun bool) (*unstructured.Unstructured, error) {
	if _, created, err := c.getOrCreate(ctx, ri, u, "Ignore", dryRun); err != nil || created != nil {
		return created, err
	}
	out, err := ri.Patch(ctx, u.GetName(), types.MergePatchType, data, metav1.PatchOptions{FieldManager: FieldManager, FieldValidation: "Ignore", DryRun: dryRunOption(dryRun)})
	if err != nil {
		return nil, fmt.Errorf("patch %s: %w", describe(u), err)
	}
	return out, nil
}

// getOrCreate reads the live object of u's identity; when there is none
// it creates obj (u, or u as the mode writes it) and returns it as
// created.
func (c *Client) getOrCreate(ctx context.Context, ri dynamic.ResourceInterface, obj *unstructured.Unstructured, validation string, dryRun bool) (live, created *unstructured.Unstructured, err error) {
	live, err = c.Get(ctx, obj)
	if err != nil || live != nil {
		return live, nil, err
	}
	created, err = ri.Create(ctx, obj, metav1.CreateOptions{FieldManager: FieldManager, FieldValidation: validation, DryRun: dryRunOption(dryRun)})
	if err != nil {
		return nil, nil, fmt.Errorf("create %s: %w", describe(obj), err)
	}
	return nil, created, nil
}

// dryRunOption is the DryRun field of a write's options.
func dryRunOption(dryRun bool) []string {
	if dryRun {
		return []string{metav1.DryRunAll}
	}
	return nil
}

// DryRunWith returns what ApplyWith would make of u, changing nothing. A
// replace is predicted by a server-side apply dry-run.
func (c *Client) DryRunWith(ctx context.Context, u *unstructured.Unstructured, m Mode) (*unstructured.Unstructured, error) {
	return c.write(ctx, u, true, m)
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

// NewForConfig returns a Client for a rest config, with a REST mapper that
// discovers kinds lazily.
func NewForConfig(cfg *rest.Config) (*Client, error) {
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("http client: %w", err)
	}
	mapper, err := apiutil.NewDynamicRESTMapper(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("rest mapper: %w", err)
	}
	dyn, err := dynamic.NewForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("dynamic client: %w", err)
	}
	return NewClient(dyn, mapper), nil
}
