package appset

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// Result is what one pass of a set's generators produced.
type Result struct {
	// Applications are the rendered Applications in generator order, each
	// in the set's namespace. They are not owned yet: the controller adds
	// owner references (and the resources finalizer, see Desired).
	Applications []v1alpha1.Application
	// RequeueAfter is the least requeue interval among the generators
	// (git, clusterDecisionResource, plugin, pullRequest and scmProvider
	// ones ask for one); 0 means
	// none asked.
	RequeueAfter time.Duration
}

// Generator kinds, named as in the ApplicationSet's YAML.
const (
	kindList        = "list"
	kindClusters    = "clusters"
	kindGit         = "git"
	kindSCMProvider = "scmProvider"
	kindDuckType    = "clusterDecisionResource"
	kindPullRequest = "pullRequest"
	kindMatrix      = "matrix"
	kindMerge       = "merge"
	kindPlugin      = "plugin"
)

// noRequeue is a generator's requeue interval when it asks for none.
const noRequeue = time.Duration(0)

// generation is one Generate call: the set, its templating mode and the
// outside world, plus the checkouts made so far (a matrix may ask for the
// same repository once per parameter set).
type generation struct {
	ctx        context.Context
	set        *v1alpha1.ApplicationSet
	env        Env
	goTemplate bool
	options    []string
	checkouts  map[string]string
}

// Generate runs set's generators and renders one Application per
// parameter set, as Argo CD's ApplicationSet controller does: each
// generator's template is its own merged over the set's, its parameter sets
// are filtered by its selector, and spec.templatePatch is applied to each
// rendered Application. Any error aborts the pass and names the generator
// (by index and kind) and, for rendering errors, the parameter set.
func Generate(ctx context.Context, set *v1alpha1.ApplicationSet, env Env) (*Result, error) {
	if set == nil {
		return nil, errors.New("no ApplicationSet")
	}
	g := &generation{
		ctx: ctx, set: set, env: env,
		goTemplate: set.Spec.GoTemplate, options: set.Spec.GoTemplateOptions,
		checkouts: map[string]string{},
	}
	res := &Result{}
	for i := range set.Spec.Generators {
		gen := &set.Spec.Generators[i]
		apps, err := g.applications(i, gen)
		if err != nil {
			return nil, err
		}
		res.Applications = append(res.Applications, apps...)
		res.RequeueAfter = leastRequeue(res.RequeueAfter, requeueAfter(gen))
	}
	return res, nil
}

// applications renders the Applications of the top-level generator i.
func (g *generation) applications(i int, gen *v1alpha1.ApplicationSetGenerator) ([]v1alpha1.Application, error) {
	kind, err := kindOf(gen)
	if err != nil {
		return nil, fmt.Errorf("generator %d: %w", i, err)
	}
	tmpl, err := MergeTemplate(generatorTemplate(gen), g.set.Spec.Template)
	if err != nil {
		return nil, fmt.Errorf("generator %d (%s): merge templates: %w", i, kind, err)
	}
	params, err := g.paramSets(gen, kind, nil)
	if err != nil {
		return nil, fmt.Errorf("generator %d (%s): %w", i, kind, err)
	}
	apps := make([]v1alpha1.Application, 0, len(params))
	for j, p := range params {
		app, err := g.render(tmpl, p)
		if err != nil {
			return nil, fmt.Errorf("generator %d (%s), parameter set %d: %w", i, kind, j, err)
		}
		apps = append(apps, *app)
	}
	return apps, nil
}

// render renders one Application from a parameter set and applies the
// set's templatePatch.
func (g *generation) render(tmpl v1alpha1.ApplicationSetTemplate, params map[string]any) (*v1alpha1.Application, error) {
	app, err := RenderApplication(tmpl, params, g.goTemplate, g.options)
	if err != nil {
		return nil, err
	}
	// As Argo CD, the resources finalizer is added before the patch, so a
	// templatePatch can still name finalizers of its own.
	addResourcesFinalizer(g.set, app)
	if patch := g.set.Spec.TemplatePatch; patch != nil {
		app, err = ApplyTemplatePatch(app, *patch, params, g.goTemplate, g.options)
		if err != nil {
			return nil, err // it names the templatePatch
		}
	}
	// Applications stay in the set's namespace whatever the template says:
	// Argo CD's boundary for ApplicationSets in any namespace.
	app.Namespace = g.set.Namespace
	return app, nil
}

// paramSets runs one generator: interpolated first with genParams when
// there are any (a matrix's second child), then filtered by its selector,
// which is taken from the generator as written, as Argo CD does.
func (g *generation) paramSets(gen *v1alpha1.ApplicationSetGenerator, kind string, genParams map[string]any) ([]map[string]any, error) {
	sel, err := newParamSelector(gen.Selector)
	if err != nil {
		return nil, fmt.Errorf("selector: %w", err)
	}
	if len(genParams) != 0 {
		gen, err = RenderGenerator(gen, genParams, g.goTemplate, g.options)
		if err != nil {
			return nil, fmt.Errorf("interpolate parameters: %w", err)
		}
	}
	params, err := g.params(gen, kind)
	if err != nil {
		return nil, err
	}
	return sel.filter(params), nil
}

// params runs the generator of kind in gen.
func (g *generation) params(gen *v1alpha1.ApplicationSetGenerator, kind string) ([]map[string]any, error) {
	switch kind {
	case kindList:
		return g.listParams(gen.List)
	case kindClusters:
		return g.clusterParams(gen.Clusters)
	case kindGit:
		return g.gitParams(gen.Git)
	case kindMatrix:
		return g.matrixParams(gen.Matrix)
	case kindMerge:
		return g.mergeParams(gen.Merge)
	case kindDuckType:
		return g.duckTypeParams(gen.ClusterDecisionResource)
	case kindPlugin:
		return g.pluginParams(gen.Plugin)
	case kindPullRequest:
		return g.pullRequestParams(gen.PullRequest)
	case kindSCMProvider:
		return g.scmProviderParams(gen.SCMProvider)
	}
	return nil, fmt.Errorf("unknown generator %q", kind)
}

// kindOf names the one generator gen sets.
func kindOf(gen *v1alpha1.ApplicationSetGenerator) (string, error) {
	var kinds []string
	for _, k := range []struct {
		set  bool
		name string
	}{
		{gen.List != nil, kindList},
		{gen.Clusters != nil, kindClusters},
		{gen.Git != nil, kindGit},
		{gen.SCMProvider != nil, kindSCMProvider},
		{gen.ClusterDecisionResource != nil, kindDuckType},
		{gen.PullRequest != nil, kindPullRequest},
		{gen.Matrix != nil, kindMatrix},
		{gen.Merge != nil, kindMerge},
		{gen.Plugin != nil, kindPlugin},
	} {
		if k.set {
			kinds = append(kinds, k.name)
		}
	}
	switch len(kinds) {
	case 0:
		return "", errors.New("no generator set")
	case 1:
		return kinds[0], nil
	}
	return "", fmt.Errorf("more than one generator in one entry (%s): give each its own entry", strings.Join(kinds, ", "))
}

// generatorTemplate is the generator's own template override.
func generatorTemplate(gen *v1alpha1.ApplicationSetGenerator) v1alpha1.ApplicationSetTemplate {
	switch {
	case gen.List != nil:
		return gen.List.Template
	case gen.Clusters != nil:
		return gen.Clusters.Template
	case gen.Git != nil:
		return gen.Git.Template
	case gen.SCMProvider != nil:
		return gen.SCMProvider.Template
	case gen.ClusterDecisionResource != nil:
		return gen.ClusterDecisionResource.Template
	case gen.PullRequest != nil:
		return gen.PullRequest.Template
	case gen.Matrix != nil:
		return gen.Matrix.Template
	case gen.Merge != nil:
		return gen.Merge.Template
	case gen.Plugin != nil:
		return gen.Plugin.Template
	}
	return v1alpha1.ApplicationSetTemplate{}
}

// requeueAfter is how soon a generator wants to run again: git and
// clusterDecisionResource generators every 3 minutes, plugins, pull
// requests and SCM providers every 30,
// unless requeueAfterSeconds says otherwise; matrix and merge the least of
// their children; the others never (their inputs are watched).
func requeueAfter(gen *v1alpha1.ApplicationSetGenerator) time.Duration {
	switch {
	case gen.Git != nil:
		return seconds(gen.Git.RequeueAfterSeconds, DefaultGitRequeue)
	case gen.ClusterDecisionResource != nil:
		return seconds(gen.ClusterDecisionResource.RequeueAfterSeconds, DefaultDuckTypeRequeue)
	case gen.Plugin != nil:
		return seconds(gen.Plugin.RequeueAfterSeconds, DefaultPluginRequeue)
	case gen.PullRequest != nil:
		return seconds(gen.PullRequest.RequeueAfterSeconds, DefaultPullRequestRequeue)
	case gen.SCMProvider != nil:
		return seconds(gen.SCMProvider.RequeueAfterSeconds, DefaultSCMProviderRequeue)
	case gen.Matrix != nil:
		return childrenRequeue(gen.Matrix.Generators)
	case gen.Merge != nil:
		return childrenRequeue(gen.Merge.Generators)
	}
	return noRequeue
}

// childrenRequeue is the least requeue of a matrix's or merge's children.
func childrenRequeue(children []v1alpha1.ApplicationSetNestedGenerator) time.Duration {
	least := noRequeue
	for _, c := range children {
		gen, err := fromNested(c)
		if err != nil {
			continue
		}
		least = leastRequeue(least, requeueAfter(gen))
	}
	return least
}

// seconds is *s seconds, or def when s is nil.
func seconds(s *int64, def time.Duration) time.Duration {
	if s == nil {
		return def
	}
	return time.Duration(*s) * time.Second
}

// leastRequeue is the smaller of two requeue intervals, 0 meaning none.
func leastRequeue(a, b time.Duration) time.Duration {
	if a <= 0 {
		return max(b, 0)
	}
	if b > 0 && b < a {
		return b
	}
	return a
}
