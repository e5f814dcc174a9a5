package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appset"
	"flotilla.dev/flotilla/internal/manifests"
)

// appSetInput are the flags of the commands that generate sets from
// files: the sets, where their repositories and cluster objects come from.
type appSetInput struct {
	file, clusters, cacheDir string
	repoMap                  []string
}

func (in *appSetInput) addFlags(f *pflag.FlagSet) {
	f.StringVarP(&in.file, "filename", "f", "", `file holding the ApplicationSet(s) ("-" for stdin)`)
	f.StringArrayVar(&in.repoMap, "repo-map", nil, "serve a repository URL from a local directory or another URL: URL=PATH_OR_URL (repeatable)")
	f.StringVar(&in.clusters, "clusters", "", "YAML file of the cluster Secrets, ConfigMaps and resources the generators read")
	f.StringVar(&in.cacheDir, "cache-dir", "", "where fetched repositories are kept (default: the user cache dir)")
}

// load reads the sets, each in namespace unless it names one, and the
// generator that serves their repositories and cluster objects.
func (in *appSetInput) load(namespace string) ([]*v1alpha1.ApplicationSet, *manifests.Generator, error) {
	repoMap, err := manifests.ParseRepoMap(in.repoMap)
	if err != nil {
		return nil, nil, err
	}
	sets, err := readAppSets(in.file)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range sets {
		if s.Namespace == "" {
			s.Namespace = namespace
		}
	}
	gen, err := offlineGenerator(in.cacheDir, repoMap, in.clusters)
	return sets, gen, err
}

// offlineGenerator renders without a cluster: repositories fetched (or
// mapped) without credentials, generators reading the objects of the
// clusters file ("" for none).
func offlineGenerator(cacheDir string, repoMap manifests.RepoMap, clusters string) (*manifests.Generator, error) {
	if cacheDir == "" {
		cacheDir = defaultCacheDir()
	}
	gen := manifests.NewGenerator(cacheDir)
	gen.RepoMap = repoMap
	// Pull-request and SCM-provider generators take their tokens from
	// the environment here: there are no Secrets to read.
	gen.AppSetSCM = appset.SCMOptions{TokensFromEnv: true}
	if clusters != "" {
		objs, err := readObjects(clusters)
		if err != nil {
			return nil, fmt.Errorf("--clusters: %w", err)
		}
		gen.AppSetReader = appset.NewStaticReader(objs)
	}
	return gen, nil
}

// readAppSets reads every ApplicationSet of a YAML file; other kinds are
// an error naming them.
func readAppSets(path string) ([]*v1alpha1.ApplicationSet, error) {
	if path == "" {
		return nil, errors.New(`no file: give the ApplicationSet(s) with -f FILE ("-" for stdin)`)
	}
	objs, err := readObjects(path)
	if err != nil {
		return nil, err
	}
	var sets []*v1alpha1.ApplicationSet
	for _, o := range objs {
		if o.GetKind() != v1alpha1.ApplicationSetKind || o.GroupVersionKind().Group != v1alpha1.SchemeGroupVersion.Group {
			return nil, fmt.Errorf("%s: %s %s is not an argoproj.io ApplicationSet", path, o.GetKind(), o.GetName())
		}
		set, err := toAppSet(o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		sets = append(sets, set)
	}
	if len(sets) == 0 {
		return nil, fmt.Errorf("%s holds no ApplicationSet", path)
	}
	return sets, nil
}

func toAppSet(u *unstructured.Unstructured) (*v1alpha1.ApplicationSet, error) {
	set := &v1alpha1.ApplicationSet{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, set); err != nil {
		return nil, fmt.Errorf("applicationset %s: %w", u.GetName(), err)
	}
	return set, nil
}

func newAppSetGenerateCmd(opts *options) *cobra.Command {
	var in appSetInput
	var output string
	cmd := &cobra.Command{
		Use:   "generate -f SET.yaml",
		Short: "Print the Applications an ApplicationSet generates, without a cluster",
		Long: `Run the generators of one or more ApplicationSets and print the Applications
the controller would write, owner reference and finalizer included. No
cluster is needed: git generators fetch their repositories (--repo-map
serves one from a local directory or a mirror), and the clusters, plugin
and cluster decision generators read the objects of --clusters, a YAML file
of cluster Secrets (stringData or data), ConfigMaps and duck-typed
resources. A set without a namespace is taken to be in -n (default argocd),
where those objects are looked up too. Pull request and SCM provider
generators call their forge's API with a token from the environment
(GITHUB_TOKEN, GITLAB_TOKEN, GITEA_TOKEN, BITBUCKET_TOKEN,
BITBUCKET_SERVER_TOKEN, AZURE_DEVOPS_TOKEN), or from a Secret of --clusters
that their tokenRef names. The output is a preview: its owner
reference names the set without a uid, so it is not meant for kubectl
apply.`,
		Example: `  flotilla appset generate -f guestbook-set.yaml

  # the names only, with the set's repository taken from a local checkout
  flotilla appset generate -f guestbook-set.yaml -o name \
    --repo-map https://github.com/acme/gitops=.

  # a clusters generator over two registered clusters
  flotilla appset generate -f fleet-set.yaml --clusters clusters.yaml -o json

  # the preview environments of the open pull requests, as they are now
  GITHUB_TOKEN=$(gh auth token) flotilla appset generate -f previews.yaml -o name`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runAppSetGenerate(cmd, opts, in, output) },
	}
	in.addFlags(cmd.Flags())
	cmd.Flags().StringVarP(&output, "output", "o", "yaml", "output format: yaml, json or name")
	_ = cmd.MarkFlagRequired("filename")
	return cmd
}

func runAppSetGenerate(cmd *cobra.Command, opts *options, in appSetInput, output string) error {
	if output != "yaml" && output != "json" && output != "name" {
		return fmt.Errorf("unknown output format %q: use yaml, json or name", output)
	}
	sets, gen, err := in.load(opts.offlineNamespace())
	if err != nil {
		return err
	}
	var apps []*v1alpha1.Application
	var errs []error
	for _, set := range sets {
		generated, err := generateSet(cmd.Context(), gen, set)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(generated) == 0 {
			fmt.Fprintf(opts.err, "applicationset %s generates no Application\n", set.Name)
		}
		apps = append(apps, generated...)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return writeApps(opts.out, output, apps)
}

// generateSet generates set's Applications as the controller would write
// them, refusing duplicate names as the controller does.
func generateSet(ctx context.Context, gen *manifests.Generator, set *v1alpha1.ApplicationSet) ([]*v1alpha1.Application, error) {
	apps, err := gen.AppSetApplications(ctx, set, set.Namespace, true)
	if err != nil {
		return nil, fmt.Errorf("applicationset %s: %w", set.Name, err)
	}
	plan, err := appset.MakePlan(appset.PlanInput{Set: set, Generated: derefApps(apps)})
	if err != nil {
		return nil, fmt.Errorf("applicationset %s: %w", set.Name, err)
	}
	if len(plan.Invalid) > 0 {
		return nil, fmt.Errorf("applicationset %s: %s", set.Name, strings.Join(slices.Sorted(maps.Values(plan.Invalid)), "; "))
	}
	return apps, nil
}

func derefApps(apps []*v1alpha1.Application) []v1alpha1.Application {
	out := make([]v1alpha1.Application, len(apps))
	for i, a := range apps {
		out[i] = *a
	}
	return out
}

// writeApps prints Applications as a YAML stream, a JSON List or
// namespace/name lines.
func writeApps(w io.Writer, format string, apps []*v1alpha1.Application) error {
	switch format {
	case "name":
		for _, a := range apps {
			fmt.Fprintf(w, "%s/%s\n", a.Namespace, a.Name)
		}
		return nil
	case "json":
		items := make([]*v1alpha1.Application, len(apps))
		for i, a := range apps {
			items[i] = forOutput(a)
		}
		return writeObject(w, "json", map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	}
	for _, a := range apps {
		b, err := yaml.Marshal(forOutput(a))
		if err != nil {
			return fmt.Errorf("encode yaml: %w", err)
		}
		if _, err := fmt.Fprintf(w, "---\n%s", b); err != nil {
			return err
		}
	}
	return nil
}
