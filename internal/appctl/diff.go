package appctl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/diff"
	"flotilla.dev/flotilla/internal/manifests"
	"flotilla.dev/flotilla/internal/object"
	"flotilla.dev/flotilla/internal/source"
	flsync "flotilla.dev/flotilla/internal/sync"
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
	// ControllerNamespace is the controller's namespace, which decides the
	// tracking ids (`<namespace>_<name>` for apps outside it); default
	// status.controllerNamespace, else the app's namespace.
	ControllerNamespace string
}

// Diff compares what the app's sources render — prepared as the
// controller prepares them: destination namespace, tracking id,
// server-side apply dry-run, the app's ignoreDifferences — with the live
// objects. Hooks are left out. Objects to prune (live, tracked by this
// app, no longer desired) are diffs with Desired "". Diffs are ordered by
// group, kind, namespace and name; unchanged objects are included with
// Modified false.
func Diff(ctx context.Context, app *v1alpha1.Application, opts DiffOptions) ([]ResourceDiff, error) {
	if opts.Generator == nil || opts.Cluster == nil {
		return nil, errors.New("diff needs a manifest generator and a cluster client")
	}
	target, gen, err := diffTarget(app, opts)
	if err != nil {
		return nil, err
	}
	res, err := gen.Generate(ctx, manifests.Request{App: target, Refresh: opts.Refresh, KubeVersion: opts.KubeVersion})
	if err != nil {
		return nil, fmt.Errorf("render application %s: %w", app.Name, err)
	}
	instance := manifests.InstanceName(app, controllerNamespace(app, opts))
	if err := manifests.Prepare(target, res.Objects, opts.Cluster, controllerNamespace(app, opts)); err != nil {
		return nil, fmt.Errorf("prepare objects of application %s: %w", app.Name, err)
	}
	rules := ignoreRules(app)
	var out []ResourceDiff
	seen := map[object.Key]bool{}
	for _, u := range res.Objects {
		if flsync.IsSkipped(u) || flsync.IsHook(u) {
			continue
		}
		seen[object.KeyOf(u)] = true
		d, err := diffOne(ctx, opts.Cluster, app, u, rules)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	pruned, err := prunable(ctx, opts.Cluster, app, instance, seen, rules)
	if err != nil {
		return nil, err
	}
	out = append(out, pruned...)
	sort.SliceStable(out, func(i, j int) bool { return keyOfDiff(out[i]).Less(keyOfDiff(out[j])) })
	return out, nil
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

func diffOne(ctx context.Context, cluster *apply.Client, app *v1alpha1.Application, u *unstructured.Unstructured, rules []diff.Rule) (ResourceDiff, error) {
	d := resourceDiff(object.KeyOf(u))
	live, err := cluster.Get(ctx, u)
	if errors.Is(err, apply.ErrUnknownKind) {
		live, err = nil, nil // its CRD comes with the same sync
	}
	if err != nil {
		return d, err
	}
	predicted := u
	if live != nil {
		p, err := cluster.DryRunWith(ctx, u, applyMode(app, u))
		if err != nil {
			d.Error = err.Error()
		} else {
			predicted = p
		}
	}
	return fill(d, predicted, live, rules)
}

// prunable are the live objects this app managed (its status.resources)
// that are no longer desired and still carry its tracking id.
func prunable(ctx context.Context, cluster *apply.Client, app *v1alpha1.Application, instance string, seen map[object.Key]bool, rules []diff.Rule) ([]ResourceDiff, error) {
	var out []ResourceDiff
	for _, prev := range app.Status.Resources {
		k := object.Key{Group: prev.Group, Kind: prev.Kind, Namespace: prev.Namespace, Name: prev.Name}
		if seen[k] || prev.Hook {
			continue
		}
		seen[k] = true
		probe := &unstructured.Unstructured{}
		probe.SetGroupVersionKind(schema.GroupVersionKind{Group: prev.Group, Version: prev.Version, Kind: prev.Kind})
		probe.SetNamespace(prev.Namespace)
		probe.SetName(prev.Name)
		live, err := cluster.Get(ctx, probe)
		if errors.Is(err, apply.ErrUnknownKind) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if live == nil || !apply.IsTrackedBy(live, instance) {
			continue
		}
		d, err := fill(resourceDiff(k), nil, live, rules)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// fill renders the diff and both sides of it.
func fill(d ResourceDiff, predicted, live *unstructured.Unstructured, rules []diff.Rule) (ResourceDiff, error) {
	r, err := diff.Diff(predicted, live, rules)
	if err != nil {
		return d, fmt.Errorf("diff %s: %w", describeKey(keyOfDiff(d)), err)
	}
	d.Modified, d.Unified = r.Modified || d.Error != "", r.Unified
	p, err := diff.Normalize(predicted, rules, live)
	if err != nil {
		return d, fmt.Errorf("normalise %s: %w", describeKey(keyOfDiff(d)), err)
	}
	l, err := diff.Normalize(live, rules, live)
	if err != nil {
		return d, fmt.Errorf("normalise %s: %w", describeKey(keyOfDiff(d)), err)
	}
	p, l = diff.MaskSecrets(p, l)
	if d.Desired, err = toYAML(p); err != nil {
		return d, err
	}
	d.Live, err = toYAML(l)
	return d, err
}

func toYAML(u *unstructured.Unstructured) (string, error) {
	if u == nil {
		return "", nil
	}
	b, err := yaml.Marshal(u.Object)
	if err != nil {
		return "", fmt.Errorf("encode %s %s: %w", u.GetKind(), u.GetName(), err)
	}
	return string(b), nil
}

func resourceDiff(k object.Key) ResourceDiff {
	return ResourceDiff{Group: k.Group, Kind: k.Kind, Namespace: k.Namespace, Name: k.Name}
}

func keyOfDiff(d ResourceDiff) object.Key {
	return object.Key{Group: d.Group, Kind: d.Kind, Namespace: d.Namespace, Name: d.Name}
}

func describeKey(k object.Key) string {
	s := k.Kind
	if k.Group != "" {
		s = k.Group + "/" + s
	}
	if k.Namespace != "" {
		return s + " " + k.Namespace + "/" + k.Name
	}
	return s + " " + k.Name
}

// applyMode is how the controller writes u (internal/controller's
// applyMode): the app's and the object's sync options.
func applyMode(app *v1alpha1.Application, u *unstructured.Unstructured) apply.Mode {
	var opts v1alpha1.SyncOptions
	if app.Spec.SyncPolicy != nil {
		opts = app.Spec.SyncPolicy.SyncOptions
	}
	return flsync.ApplyMode(opts, u)
}

// ignoreRules are the app's ignoreDifferences in the diff package's form.
func ignoreRules(app *v1alpha1.Application) []diff.Rule {
	return diff.RulesOf(app.Spec.IgnoreDifferences)
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
