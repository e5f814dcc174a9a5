package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

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
offline) or from another URL (a mirror).`,
		Example: `  # the objects of one Application
  flotilla render -f guestbook.yaml

  # a whole app-of-apps tree, with the root repository taken from a local checkout
  flotilla render -f root.yaml --recursive -o tree \
    --repo-map https://github.com/acme/gitops=./gitops

  # everything, grouped by app, as YAML
  flotilla render -f root.yaml --recursive -o yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRender(cmd, opts, ro)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&ro.file, "filename", "f", "", `file holding the Application(s) to render ("-" for stdin)`)
	f.StringArrayVar(&ro.repoMap, "repo-map", nil, "serve a repository URL from a local directory or another URL: URL=PATH_OR_URL (repeatable)")
	f.BoolVarP(&ro.recursive, "recursive", "r", false, "render the Applications that the Applications render, down the whole tree")
	f.StringVarP(&ro.output, "output", "o", "yaml", "output format: yaml, json or tree")
	f.StringVar(&ro.cacheDir, "cache-dir", "", "where fetched repositories and charts are kept (default: the user cache dir)")
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
	apps, err := readApplications(ro.file)
	if err != nil {
		return err
	}
	if ro.cacheDir == "" {
		ro.cacheDir = defaultCacheDir()
	}
	gen := manifests.NewGenerator(ro.cacheDir)
	gen.RepoMap = repoMap
	req := manifests.Request{KubeVersion: ro.kubeVersion, APIVersions: ro.apiVersions}
	var roots []*manifests.Node
	for _, app := range apps {
		if ro.recursive {
			roots = append(roots, gen.Tree(cmd.Context(), app, req, manifests.OfflineScope{}))
			continue
		}
		roots = append(roots, renderOne(cmd, gen, app, req))
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

// readApplications reads every Application in a YAML file; other kinds
// are an error, so a typo does not render nothing silently.
func readApplications(path string) ([]*v1alpha1.Application, error) {
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
	var apps []*v1alpha1.Application
	for _, o := range objs {
		if o.GetKind() != "Application" || o.GroupVersionKind().Group != v1alpha1.SchemeGroupVersion.Group {
			return nil, fmt.Errorf("%s: %s %s is not an argoproj.io Application", path, o.GetKind(), o.GetName())
		}
		app, err := toApplication(o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		apps = append(apps, app)
	}
	if len(apps) == 0 {
		return nil, fmt.Errorf("%s holds no Application", path)
	}
	return apps, nil
}

func treeErrors(roots []*manifests.Node) error {
	var errs []error
	for _, r := range roots {
		r.Walk(func(n *manifests.Node, _ int) {
			if n.Err != nil {
				errs = append(errs, fmt.Errorf("application %s: %w", n.App.Name, n.Err))
			}
		})
	}
	return errors.Join(errs...)
}
