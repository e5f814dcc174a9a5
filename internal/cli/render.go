package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/manifests"
	"flotilla.dev/flotilla/internal/object"
)

type renderOptions struct {
	file        string
	repoMap     []string
	recursive   bool
	output      string
	cacheDir    string
	clusters    string
	kubeVersion string
	apiVersions []string
}

func newRenderCmd(opts *options) *cobra.Command {
	var ro renderOptions
	cmd := &cobra.Command{
		Use:   "render -f APP.yaml",
		Short: "Render Applications to the objects they would apply, without a cluster",
		Long: `Render one or more Applications exactly as the controller would: fetch their
sources (git, chart repositories, OCI), render them (directory, Helm,
kustomize), merge multiple sources and prepare the objects (destination
namespace, tracking id). No cluster is needed.

With --recursive every Application that a rendered Application produces is
rendered in turn, down the whole app-of-apps tree. --repo-map serves a
repository URL from a local directory (to preview uncommitted changes, or
offline) or from another URL (a mirror).

An ApplicationSet, in the file or rendered by an Application, stands for
the Applications it generates (see "flotilla appset generate"); --clusters
gives its clusters, plugin and cluster decision generators the objects
they read. A set without a namespace is taken to be in -n (default argocd).`,
		Example: `  # the objects of one Application
  flotilla render -f guestbook.yaml

  # a whole app-of-apps tree, with the root repository taken from a local checkout
  flotilla render -f root.yaml --recursive -o tree \
    --repo-map https://github.com/acme/gitops=./gitops

  # everything, grouped by app, as YAML
  flotilla render -f root.yaml --recursive -o yaml

  # the Applications of an ApplicationSet over two clusters, and what they render
  flotilla render -f guestbook-set.yaml --clusters clusters.yaml -o tree`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRender(cmd, opts, ro)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&ro.file, "filename", "f", "", `file holding the Application(s) or ApplicationSet(s) to render ("-" for stdin)`)
	f.StringArrayVar(&ro.repoMap, "repo-map", nil, "serve a repository URL from a local directory or another URL: URL=PATH_OR_URL (repeatable)")
	f.BoolVarP(&ro.recursive, "recursive", "r", false, "render the Applications that the Applications render, down the whole tree")
	f.StringVarP(&ro.output, "output", "o", "yaml", "output format: yaml, json or tree")
	f.StringVar(&ro.cacheDir, "cache-dir", "", "where fetched repositories and charts are kept (default: the user cache dir)")
	f.StringVar(&ro.clusters, "clusters", "", "YAML file of the cluster Secrets, ConfigMaps and resources ApplicationSet generators read")
	f.StringVar(&ro.kubeVersion, "kube-version", "v1.37.2", "Kubernetes version for Helm's .Capabilities")
	f.StringSliceVar(&ro.apiVersions, "api-versions", nil, "extra API versions for Helm's .Capabilities")
	_ = cmd.MarkFlagRequired("filename")
	return cmd
}

func runRender(cmd *cobra.Command, opts *options, ro renderOptions) error {
	if ro.output != "yaml" && ro.output != "json" && ro.output != "tree" {
		return fmt.Errorf("unknown output format %q: use yaml, json or tree", ro.output)
	}
	if ro.output == "tree" && !ro.recursive {
		ro.recursive = true
	}
	repoMap, err := manifests.ParseRepoMap(ro.repoMap)
	if err != nil {
		return err
	}
	inputs, err := readArgo(ro.file, true)
	if err != nil {
		return err
	}
	gen, err := offlineGenerator(ro.cacheDir, repoMap, ro.clusters)
	if err != nil {
		return err
	}
	req := manifests.Request{KubeVersion: ro.kubeVersion, APIVersions: ro.apiVersions}
	var roots []*manifests.Node
	for _, in := range inputs {
		switch {
		case in.set != nil:
			roots = append(roots, renderAppSet(cmd, gen, in.set, opts.offlineNamespace(), req, ro.recursive)...)
		case ro.recursive:
			roots = append(roots, gen.Tree(cmd.Context(), in.app, req, manifests.OfflineScope{}))
		default:
			roots = append(roots, renderOne(cmd, gen, in.app, req))
		}
	}
	if err := writeRender(opts.out, ro.output, ro.recursive, roots); err != nil {
		return err
	}
	return treeErrors(roots)
}

func renderOne(cmd *cobra.Command, gen *manifests.Generator, app *v1alpha1.Application, req manifests.Request) *manifests.Node {
	req.App = app
	res, err := gen.Generate(cmd.Context(), req)
	if err == nil {
		err = manifests.Prepare(app, res.Objects, manifests.OfflineScope{}, app.Namespace)
	}
	return &manifests.Node{App: app, Result: res, Err: err}
}

// renderAppSet renders the Applications set generates (in namespace when
// the set names none), and with recursive the trees below them.
func renderAppSet(cmd *cobra.Command, gen *manifests.Generator, set *v1alpha1.ApplicationSet, namespace string,
	req manifests.Request, recursive bool) []*manifests.Node {
	if recursive {
		return gen.AppSetTree(cmd.Context(), set, namespace, req, manifests.OfflineScope{})
	}
	apps, err := gen.AppSetApplications(cmd.Context(), set, namespace, req.Refresh)
	if err != nil {
		return []*manifests.Node{manifests.AppSetErrorNode(set, namespace, err)}
	}
	nodes := make([]*manifests.Node, len(apps))
	for i, app := range apps {
		nodes[i] = renderOne(cmd, gen, app, req)
		nodes[i].AppSet = set.Name
	}
	return nodes
}

// readApplications reads every Application in a YAML file; other kinds
// are an error, so a typo does not render nothing silently.
func readApplications(path string) ([]*v1alpha1.Application, error) {
	inputs, err := readArgo(path, false)
	if err != nil {
		return nil, err
	}
	apps := make([]*v1alpha1.Application, len(inputs))
	for i, in := range inputs {
		apps[i] = in.app
	}
	return apps, nil
}

// argoInput is one Application or ApplicationSet of a file.
type argoInput struct {
	app *v1alpha1.Application
	set *v1alpha1.ApplicationSet
}

// readArgo reads the Applications (and with sets the ApplicationSets) of a
// YAML file, in file order; other kinds are an error naming them.
func readArgo(path string, sets bool) ([]argoInput, error) {
	objs, err := readObjects(path)
	if err != nil {
		return nil, err
	}
	want := "an argoproj.io Application"
	if sets {
		want += " or ApplicationSet"
	}
	var inputs []argoInput
	for _, o := range objs {
		var in argoInput
		switch {
		case o.GroupVersionKind().Group != v1alpha1.SchemeGroupVersion.Group:
		case o.GetKind() == v1alpha1.ApplicationKind:
			in.app, err = toApplication(o)
		case o.GetKind() == v1alpha1.ApplicationSetKind && sets:
			in.set, err = toAppSet(o)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if in.app == nil && in.set == nil {
			return nil, fmt.Errorf("%s: %s %s is not %s", path, o.GetKind(), o.GetName(), want)
		}
		inputs = append(inputs, in)
	}
	if len(inputs) == 0 {
		return nil, fmt.Errorf("%s holds no %s", path, strings.TrimPrefix(want, "an argoproj.io "))
	}
	return inputs, nil
}

// readObjects decodes the objects of a YAML file ("-" for stdin).
func readObjects(path string) ([]*unstructured.Unstructured, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	objs, err := object.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return objs, nil
}

func treeErrors(roots []*manifests.Node) error {
	var errs []error
	for _, r := range roots {
		r.Walk(func(n *manifests.Node, _ int) {
			what := "application"
			if n.FailedAppSet {
				what = "applicationset"
			}
			if n.Err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", what, n.App.Name, n.Err))
			}
		})
	}
	return errors.Join(errs...)
}
