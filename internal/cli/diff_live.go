package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
	"flotilla.dev/flotilla/internal/manifests"
	"flotilla.dev/flotilla/internal/treediff"
)

// liveInput is what flotilla diff --live compares.
type liveInput struct {
	roots   []treediff.Root
	head    map[string]string
	repoMap manifests.RepoMap
	rules   v1alpha1.IgnoreDifferences
}

// liveDiffer diffs the Applications of a head render against the cluster
// with appctl.Diff, the code of flotilla app diff.
type liveDiffer struct {
	cmd     *cobra.Command
	c       client.Reader
	opts    appctl.DiffOptions
	rules   v1alpha1.IgnoreDifferences
	ns      string
	skipped []string
}

// runLiveDiff renders the tree at the head revisions and compares each of
// its Applications that the cluster holds with the live objects.
func runLiveDiff(cmd *cobra.Command, opts *options, do diffOptions, in liveInput) (*treediff.Report, error) {
	cc, err := opts.clusterClients()
	if err != nil {
		return nil, err
	}
	cfg, c, cluster := cc.cfg, cc.apps, cc.cluster
	ns := opts.appNamespace()
	gen := newAppGenerator(c, do.cacheDir, ns)
	gen.RepoMap = in.repoMap
	gen = gen.WithRevisions(in.head)
	kv := kubeVersion(cfg)
	nodes := treediff.Render(cmd.Context(), gen, in.roots, manifests.Request{KubeVersion: kv, APIVersions: do.apiVersions}, ns)
	ld := &liveDiffer{cmd: cmd, c: c, rules: in.rules, ns: ns,
		opts: appctl.DiffOptions{Generator: gen, Cluster: cluster, Settings: c, KubeVersion: kv}}
	var apps []treediff.AppDiff
	for _, root := range nodes {
		var walkErr error
		root.Walk(func(n *manifests.Node, _ int) {
			if walkErr != nil {
				return
			}
			var a *treediff.AppDiff
			if a, walkErr = ld.diff(n); a != nil {
				apps = append(apps, *a)
			}
		})
		if walkErr != nil {
			return nil, walkErr
		}
	}
	if len(ld.skipped) > 0 {
		fmt.Fprintf(opts.err, "not in the cluster or not visible (skipped): %s\n", strings.Join(ld.skipped, ", "))
	}
	return treediff.NewReport("live", treediff.Label(do.head), apps), nil
}

// diff compares one node's Application with the cluster; nil when it is
// not there, or nothing differs.
func (ld *liveDiffer) diff(n *manifests.Node) (*treediff.AppDiff, error) {
	ns := n.App.Namespace
	if ns == "" {
		ns = ld.ns
	}
	a := &treediff.AppDiff{Name: n.App.Name, Namespace: ns, ApplicationSet: n.AppSet, Objects: []treediff.ObjectDiff{}}
	if n.Err != nil {
		a.Change, a.HeadError = treediff.Failed, n.Err.Error()
		return a, nil
	}
	live, err := appctl.Get(ld.cmd.Context(), ld.c, ns, n.App.Name)
	if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
		ld.skipped = append(ld.skipped, ns+"/"+n.App.Name)
		return nil, nil
	}
	if err != nil {
		return nil, explain(err, ns, n.App.Name)
	}
	target := live.DeepCopy()
	target.Spec = *n.App.Spec.DeepCopy()
	target.Spec.IgnoreDifferences = append(target.Spec.IgnoreDifferences, ld.rules...)
	diffs, err := appctl.Diff(ld.cmd.Context(), target, ld.opts)
	if err != nil {
		return nil, err
	}
	a.Objects = liveObjects(diffs)
	if len(a.Objects) == 0 {
		return nil, nil
	}
	a.Change = treediff.Changed
	return a, nil
}

// liveObjects turns the modified diffs of appctl.Diff into object diffs.
func liveObjects(diffs []appctl.ResourceDiff) []treediff.ObjectDiff {
	out := []treediff.ObjectDiff{}
	for _, d := range diffs {
		if !d.Modified {
			continue
		}
		o := treediff.ObjectDiff{Group: d.Group, Kind: d.Kind, Namespace: d.Namespace, Name: d.Name, Change: treediff.Changed, Diff: d.Unified}
		switch {
		case d.Live == "":
			o.Change = treediff.Added
		case d.Desired == "":
			o.Change = treediff.Removed
		}
		if d.Error != "" {
			o.Diff = "# dry run refused: " + oneLine(d.Error) + "\n" + o.Diff
		}
		out = append(out, o)
	}
	return out
}
