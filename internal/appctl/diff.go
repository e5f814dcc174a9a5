package appctl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/manifests"
	"flotilla.dev/flotilla/internal/object"
	"flotilla.dev/flotilla/internal/source"
	"flotilla.dev/flotilla/internal/syncmodel"
)

// ResourceDiff is the difference between one live object and what the
// app's sources want of it.
type ResourceDiff struct {
	Group, Kind, Namespace, Name string
	// Live and Desired are normalised YAML ("" when absent) with Secret
	// data masked. Desired is the server-side apply dry-run's prediction.
	Live, Desired string
	// Unified is a unified diff live → desired; "" when not Modified.
	Unified  string
	Modified bool
	// Error is the API server's refusal of the dry-run; Desired is then
	// the rendered object, not a prediction.
	Error string
}

// DiffOptions steer Diff.
type DiffOptions struct {
	// Revision renders this revision instead of the one the app tracks.
	Revision string
	// LocalDir renders this local directory instead of the app's (single)
	// source path: a preview before pushing. A chart source takes it as
	// the chart's directory. Paths outside it cannot be referenced.
	LocalDir string
	// Generator renders sources; required.
	Generator *manifests.Generator
	// Cluster reads live objects and predicts with server-side dry-run;
	// required.
	Cluster *apply.Client
	// KubeVersion is the cluster's version for Helm's .Capabilities.
	KubeVersion string
	// Refresh resolves revisions again even when recently resolved.
	Refresh bool
	// Settings, when set, reads argocd-cm in the controller's namespace
	// for the resource tracking method, as the controller does.
	Settings client.Reader
	// Tracking is the resource tracking method without Settings (zero:
	// annotation, Argo CD's default).
	Tracking apply.Tracking
	// ControllerNamespace is the controller's namespace, which decides the
	// tracking ids (`<namespace>_<name>` for apps outside it); default
	// status.controllerNamespace, else the app's namespace.
	ControllerNamespace string
}

// Diff compares what the app's sources render — prepared as the
// controller prepares them: destination namespace, tracking id (and
// instance label with a label tracking method), server-side apply
// dry-run, the app's ignoreDifferences — with the live objects, by
// internal/syncmodel, the model the controller's comparison uses. Hooks
// are left out. Objects to prune (live, tracked by this app, no longer
// desired) are diffs with Desired "". Diffs are ordered by group, kind,
// namespace and name; unchanged objects are included with Modified false.
// A diff writes nothing: Argo CD's field managers are not handed over.
func Diff(ctx context.Context, app *v1alpha1.Application, opts DiffOptions) ([]ResourceDiff, error) {
	if opts.Generator == nil || opts.Cluster == nil {
		return nil, errors.New("diff needs a manifest generator and a cluster client")
	}
	objs, track, instance, err := desired(ctx, app, opts)
	if err != nil {
		return nil, err
	}
	model, err := syncmodel.Compare(ctx, syncmodel.Input{
		App: app, Objects: objs, Instance: instance, Tracking: track,
		Cluster: opts.Cluster, Diffs: true,
	})
	if err != nil {
		return nil, err
	}
	out := make([]ResourceDiff, 0, len(model.Resources))
	for _, r := range model.Resources {
		out = append(out, resourceDiff(r))
	}
	sort.SliceStable(out, func(i, j int) bool { return keyOfDiff(out[i]).Less(keyOfDiff(out[j])) })
	return out, nil
}

// desired renders the app's sources as opts say and prepares the objects
// as the controller does; it returns them with the app's tracking and
// instance name.
func desired(ctx context.Context, app *v1alpha1.Application, opts DiffOptions) ([]*unstructured.Unstructured, apply.Tracking, string, error) {
	target, gen, err := diffTarget(app, opts)
	if err != nil {
		return nil, apply.Tracking{}, "", err
	}
	res, err := gen.Generate(ctx, manifests.Request{App: target, Refresh: opts.Refresh, KubeVersion: opts.KubeVersion})
	if err != nil {
		return nil, apply.Tracking{}, "", fmt.Errorf("render application %s: %w", app.Name, err)
	}
	instance := manifests.InstanceName(app, controllerNamespace(app, opts))
	track, err := tracking(ctx, app, opts)
	if err != nil {
		return nil, apply.Tracking{}, "", err
	}
	if err := prepare(target, res.Objects, opts, track, instance); err != nil {
		return nil, apply.Tracking{}, "", fmt.Errorf("prepare objects of application %s: %w", app.Name, err)
	}
	return res.Objects, track, instance, nil
}

// prepare writes the namespace, tracking id and instance label onto objs
// as the controller does.
func prepare(app *v1alpha1.Application, objs []*unstructured.Unstructured, opts DiffOptions, track apply.Tracking, instance string) error {
	if err := manifests.Prepare(app, objs, opts.Cluster, controllerNamespace(app, opts)); err != nil {
		return err
	}
	for _, u := range objs {
		if err := track.SetLabel(u, instance); err != nil {
			return fmt.Errorf("%s %s: %w", u.GetKind(), u.GetName(), err)
		}
	}
	return nil
}

// diffTarget is the app as rendered for the diff (another revision, or a
// local directory) and the generator to render it with.
func diffTarget(app *v1alpha1.Application, opts DiffOptions) (*v1alpha1.Application, *manifests.Generator, error) {
	target := app.DeepCopy()
	if opts.Revision == "" && opts.LocalDir == "" {
		return target, opts.Generator, nil
	}
	if opts.Revision != "" && opts.LocalDir != "" {
		return nil, nil, errors.New("give either a revision or a local directory, not both")
	}
	if target.Spec.HasMultipleSources() || target.Spec.SourceHydrator != nil || target.Spec.Source == nil {
		return nil, nil, fmt.Errorf("application %s does not have a single spec.source: a revision or a local directory cannot replace it", app.Name)
	}
	src := target.Spec.Source
	if opts.Revision != "" {
		src.TargetRevision = opts.Revision
		return target, opts.Generator, nil
	}
	dir, err := filepath.Abs(opts.LocalDir)
	if err != nil {
		return nil, nil, fmt.Errorf("local directory %s: %w", opts.LocalDir, err)
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return nil, nil, fmt.Errorf("local directory %s is not a directory", opts.LocalDir)
	}
	root := dir
	if src.Chart != "" {
		root, src.Chart = filepath.Dir(dir), filepath.Base(dir)
	} else {
		src.Path = "."
	}
	g := opts.Generator
	local := &manifests.Generator{Git: g.Git, Helm: g.Helm, Credentials: g.Credentials, PollInterval: g.PollInterval, RepoMap: manifests.RepoMap{}}
	for k, v := range g.RepoMap {
		local.RepoMap[k] = v
	}
	local.RepoMap[source.Normalize(src.RepoURL)] = root
	return target, local, nil
}

// resourceDiff is the model's answer for one object as a ResourceDiff.
func resourceDiff(r syncmodel.Resource) ResourceDiff {
	k := r.Key
	d := ResourceDiff{Group: k.Group, Kind: k.Kind, Namespace: k.Namespace, Name: k.Name, Error: r.DryRunError}
	if r.Diff != nil {
		d.Live, d.Desired, d.Unified, d.Modified = r.Diff.Live, r.Diff.Desired, r.Diff.Unified, r.Diff.Modified
	}
	return d
}

func keyOfDiff(d ResourceDiff) object.Key {
	return object.Key{Group: d.Group, Kind: d.Kind, Namespace: d.Namespace, Name: d.Name}
}

func controllerNamespace(app *v1alpha1.Application, opts DiffOptions) string {
	switch {
	case opts.ControllerNamespace != "":
		return opts.ControllerNamespace
	case app.Status.ControllerNamespace != "":
		return app.Status.ControllerNamespace
	}
	return app.Namespace
}
