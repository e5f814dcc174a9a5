package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
	"flotilla.dev/flotilla/internal/appset"
	"flotilla.dev/flotilla/internal/diff"
	"flotilla.dev/flotilla/internal/manifests"
)

type appSetDiffOptions struct {
	appSetInput
	revision, local, output, color string
}

func newAppSetDiffCmd(opts *options) *cobra.Command {
	var do appSetDiffOptions
	cmd := &cobra.Command{
		Use:   "diff -f SET.yaml (--revision REF | --local DIR)",
		Short: "Show which Applications an ApplicationSet would create, update and delete at another revision",
		Long: `Generate each ApplicationSet twice, without a cluster: as it is (its git
generators at their own revisions), then with every git generator at
--revision REF, or with every git generator's repository served from the
local directory --local DIR (a work tree: uncommitted changes count). The
first result stands for the Applications that exist; the second is planned
against it as the controller would (applicationsSync policy, preserved
fields, ignoreApplicationDifferences, max-deletions). Printed are the
Applications that would be created, updated and deleted, each with a
unified diff of its YAML. --repo-map and --clusters work as for generate.

Exit status: 0 when nothing would change, 1 when something would, 2 on
error.`,
		Example: `  # what merging the feature branch would do to the set's Applications
  flotilla appset diff -f guestbook-set.yaml --revision feature/new-env

  # preview uncommitted changes of the repository the git generators read
  flotilla appset diff -f guestbook-set.yaml --local .

  # as JSON, for a CI check
  flotilla appset diff -f guestbook-set.yaml --revision main -o json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := cobra.NoArgs(cmd, args); err != nil {
				return &exitError{code: 2, err: err}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, err := runAppSetDiff(cmd, opts, do)
			switch {
			case err != nil:
				return &exitError{code: 2, err: err}
			case n > 0:
				return &exitError{code: 1, err: fmt.Errorf("%d Application(s) would be created, updated or deleted", n)}
			}
			return nil
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitError{code: 2, err: err} })
	do.addFlags(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&do.revision, "revision", "", "generate with every git generator at this branch, tag or commit")
	f.StringVar(&do.local, "local", "", "generate with every git generator's repository served from this directory")
	f.StringVarP(&do.output, "output", "o", "text", "output format: text or json")
	f.StringVar(&do.color, "color", "auto", "colour the diff: auto (when stdout is a terminal), always or never")
	return cmd
}

// runAppSetDiff prints the plans and returns how many Applications would
// change.
func runAppSetDiff(cmd *cobra.Command, opts *options, do appSetDiffOptions) (int, error) {
	if (do.revision == "") == (do.local == "") {
		return 0, errors.New("give either --revision REF or --local DIR")
	}
	if do.output != "text" && do.output != "json" {
		return 0, fmt.Errorf("unknown output format %q: use text or json", do.output)
	}
	color, err := useColor(do.color, opts.out)
	if err != nil {
		return 0, err
	}
	sets, gen, err := do.load(opts.offlineNamespace())
	if err != nil {
		return 0, err
	}
	changed := gen
	if do.local != "" {
		if changed, err = do.localGenerator(gen, sets, opts.err); err != nil {
			return 0, err
		}
	}
	reports := make([]*appSetReport, 0, len(sets))
	n := 0
	for _, set := range sets {
		r, err := diffAppSet(cmd.Context(), gen, changed, set, do.revision, opts.err)
		if err != nil {
			return 0, err
		}
		reports = append(reports, r)
		n += r.changes()
	}
	if do.output == "json" {
		return n, writeObject(opts.out, "json", map[string]any{"applicationSets": reports})
	}
	for _, r := range reports {
		r.write(opts.out, color)
	}
	return n, nil
}

// localGenerator is gen with the repository of every git generator of
// sets served from --local.
func (do appSetDiffOptions) localGenerator(gen *manifests.Generator, sets []*v1alpha1.ApplicationSet, warn io.Writer) (*manifests.Generator, error) {
	var entries []string
	for _, set := range sets {
		for _, src := range appset.GitSources(set) {
			if strings.Contains(src.RepoURL, "{{") {
				fmt.Fprintf(warn, "warning: applicationset %s: repoURL %s is templated, so it is not served from %s\n", set.Name, src.RepoURL, do.local)
				continue
			}
			entries = append(entries, src.RepoURL+"="+do.local)
		}
	}
	local, err := manifests.ParseRepoMap(entries)
	if err != nil {
		return nil, fmt.Errorf("--local: %w", err)
	}
	cacheDir := do.cacheDir
	if cacheDir == "" {
		cacheDir = defaultCacheDir()
	}
	out := manifests.NewGenerator(cacheDir)
	out.RepoMap = maps.Clone(gen.RepoMap)
	maps.Copy(out.RepoMap, local)
	out.AppSetReader, out.AppSetSCM = gen.AppSetReader, gen.AppSetSCM
	return out, nil
}

// diffAppSet plans set as changed (at revision, or through after's
// repository map) against set as it is.
func diffAppSet(ctx context.Context, before, after *manifests.Generator, set *v1alpha1.ApplicationSet, revision string, warn io.Writer) (*appSetReport, error) {
	changed := set
	if gits := len(appset.GitSources(set)); gits == 0 {
		fmt.Fprintf(warn, "warning: applicationset %s has no git generator: its Applications cannot change\n", set.Name)
	} else if revision != "" {
		var err error
		if changed, err = withGitRevision(set, revision); err != nil {
			return nil, fmt.Errorf("applicationset %s: %w", set.Name, err)
		}
	}
	live, err := before.AppSetApplications(ctx, set, set.Namespace, true)
	if err != nil {
		return nil, fmt.Errorf("applicationset %s as it is: %w", set.Name, err)
	}
	want, err := after.AppSetApplications(ctx, changed, set.Namespace, true)
	if err != nil {
		return nil, fmt.Errorf("applicationset %s changed: %w", set.Name, err)
	}
	plan, err := appset.MakePlan(appset.PlanInput{Set: set, Generated: derefApps(want), Existing: derefApps(live)})
	if err != nil {
		return nil, fmt.Errorf("applicationset %s: %w", set.Name, err)
	}
	return newAppSetReport(set, plan)
}

// withGitRevision is a copy of set with every git generator, in matrix
// and merge generators too, at revision.
func withGitRevision(set *v1alpha1.ApplicationSet, revision string) (*v1alpha1.ApplicationSet, error) {
	raw, err := json.Marshal(set.Spec.Generators)
	if err != nil {
		return nil, fmt.Errorf("encode generators: %w", err)
	}
	var gens []any
	if err := json.Unmarshal(raw, &gens); err != nil {
		return nil, fmt.Errorf("decode generators: %w", err)
	}
	setGitRevision(gens, revision)
	if raw, err = json.Marshal(gens); err != nil {
		return nil, fmt.Errorf("encode generators: %w", err)
	}
	out := set.DeepCopy()
	out.Spec.Generators = nil
	if err := json.Unmarshal(raw, &out.Spec.Generators); err != nil {
		return nil, fmt.Errorf("decode generators: %w", err)
	}
	return out, nil
}

// setGitRevision sets the revision of the git generators among gens and
// the generators of their matrix and merge generators.
func setGitRevision(gens []any, revision string) {
	for _, g := range gens {
		m, _ := g.(map[string]any)
		if git, ok := m["git"].(map[string]any); ok {
			git["revision"] = revision
		}
		for _, combine := range []string{"matrix", "merge"} {
			if c, ok := m[combine].(map[string]any); ok {
				children, _ := c["generators"].([]any)
				setGitRevision(children, revision)
			}
		}
	}
}

// appSetReport is the plan of one set, for output.
type appSetReport struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace"`
	Create      []appChange       `json:"create"`
	Update      []appChange       `json:"update"`
	Delete      []appChange       `json:"delete"`
	Unchanged   []string          `json:"unchanged"`
	Invalid     map[string]string `json:"invalid,omitempty"`
	Held        []string          `json:"held,omitempty"`
	HeldMessage string            `json:"heldMessage,omitempty"`
}

// appChange is one Application to change, with the unified diff of its
// YAML (live → desired).
type appChange struct {
	Name string `json:"name"`
	Diff string `json:"diff"`
}

func newAppSetReport(set *v1alpha1.ApplicationSet, p *appset.Plan) (*appSetReport, error) {
	r := &appSetReport{Name: set.Name, Namespace: set.Namespace, Create: []appChange{}, Update: []appChange{}, Delete: []appChange{},
		Unchanged: append([]string{}, p.Unchanged...), Held: p.Held, HeldMessage: p.HeldMessage}
	if len(p.Invalid) > 0 {
		r.Invalid = p.Invalid
	}
	add := func(list *[]appChange, desired, live *v1alpha1.Application) error {
		name := appName(desired, live)
		unified, err := appDiff(desired, live)
		if err != nil {
			return fmt.Errorf("application %s: %w", name, err)
		}
		*list = append(*list, appChange{Name: name, Diff: unified})
		return nil
	}
	var errs []error
	for _, a := range p.Create {
		errs = append(errs, add(&r.Create, a, nil))
	}
	for _, c := range p.Update {
		errs = append(errs, add(&r.Update, c.Desired, c.Live))
	}
	for _, a := range p.Delete {
		errs = append(errs, add(&r.Delete, nil, a))
	}
	return r, errors.Join(errs...)
}

func appName(a, b *v1alpha1.Application) string {
	if a != nil {
		return a.Name
	}
	return b.Name
}

// appDiff is the unified diff of two Applications' YAML (either may be
// nil), normalised as resource diffs are.
func appDiff(desired, live *v1alpha1.Application) (string, error) {
	d, err := appUnstructured(desired)
	if err != nil {
		return "", err
	}
	l, err := appUnstructured(live)
	if err != nil {
		return "", err
	}
	res, err := diff.Diff(d, l, nil)
	return res.Unified, err
}

func appUnstructured(app *v1alpha1.Application) (*unstructured.Unstructured, error) {
	if app == nil {
		return nil, nil
	}
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(forOutput(app))
	if err != nil {
		return nil, fmt.Errorf("convert application %s: %w", app.Name, err)
	}
	return &unstructured.Unstructured{Object: obj}, nil
}

// changes counts the Applications that would be created, updated or
// deleted, and deletions held.
func (r *appSetReport) changes() int {
	return len(r.Create) + len(r.Update) + len(r.Delete) + len(r.Held)
}

// write prints a summary of the plan and the diffs; nothing when nothing
// would change.
func (r *appSetReport) write(w io.Writer, color bool) {
	if r.changes() == 0 && len(r.Invalid) == 0 {
		return
	}
	fmt.Fprintf(w, "ApplicationSet %s/%s: %d to create, %d to update, %d to delete, %d unchanged\n",
		r.Namespace, r.Name, len(r.Create), len(r.Update), len(r.Delete), len(r.Unchanged))
	for _, group := range []struct {
		verb    string
		changes []appChange
	}{{"create", r.Create}, {"update", r.Update}, {"delete", r.Delete}} {
		for _, c := range group.changes {
			fmt.Fprintf(w, "  %-7s %s\n", group.verb, c.Name)
		}
	}
	for _, name := range r.Held {
		fmt.Fprintf(w, "  %-7s %s\n", "held", name)
	}
	for _, name := range slices.Sorted(maps.Keys(r.Invalid)) {
		fmt.Fprintf(w, "  %-7s %s: %s\n", "invalid", name, oneLine(r.Invalid[name]))
	}
	if r.HeldMessage != "" {
		fmt.Fprintln(w, "  "+oneLine(r.HeldMessage))
	}
	for _, group := range [][]appChange{r.Create, r.Update, r.Delete} {
		for _, c := range group {
			writeResourceDiff(w, appctl.ResourceDiff{Group: v1alpha1.SchemeGroupVersion.Group, Kind: v1alpha1.ApplicationKind,
				Namespace: r.Namespace, Name: c.Name, Unified: c.Diff}, color)
		}
	}
}
