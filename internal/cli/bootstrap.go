package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/install"
)

type bootstrapOptions struct {
	file, repo, path, revision, name, image string
	namespaced                              []string
}

func newBootstrapCmd(opts *options) *cobra.Command {
	var bo bootstrapOptions
	cmd := &cobra.Command{
		Use:   "bootstrap",
		Short: "Install flotilla in a cluster and apply the root Application",
		Long: `Install the Argo CD CRDs, the controller's RBAC and Deployment (the manifests of
config/install.yaml, generated from the code), then apply the root Application
of an app-of-apps, given as a file or by --repo/--path/--revision. Running it
again changes nothing that is already in place.

By default the controller may touch everything, as Argo CD's may: an
app-of-apps can hold any kind. With --namespaced it gets no ClusterRole: it
may write every namespaced kind in the listed namespaces (created if
missing) and only Applications, ApplicationSets and AppProjects in its own
(-n), and it refuses, with an InvalidSpecError, an app that needs more
(another namespace or cluster, a cluster-scoped object, CreateNamespace
for another namespace). Whoever runs bootstrap still needs the rights to
install the CRDs, the namespaces and the RBAC.`,
		Example: `  # install and point at the root of an app-of-apps repository
  flotilla bootstrap --repo https://github.com/acme/gitops --path apps --revision main

  # install and apply an existing root Application manifest
  flotilla bootstrap -f bootstrap/app-of-apps.yaml

  # a namespaced install: the controller in gitops may manage team-a and
  # team-b only
  flotilla bootstrap -n gitops --namespaced team-a,team-b --repo https://github.com/acme/gitops --path apps`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBootstrap(cmd, opts, bo)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&bo.file, "filename", "f", "", "the root Application manifest")
	f.StringVar(&bo.repo, "repo", "", "repository URL of the root Application (instead of -f)")
	f.StringVar(&bo.path, "path", ".", "path of the root Application's directory in --repo")
	f.StringVar(&bo.revision, "revision", "HEAD", "branch, tag or commit of --repo")
	f.StringVar(&bo.name, "name", "root", "name of the root Application made from --repo")
	f.StringVar(&bo.image, "image", "", "controller image (default ghcr.io/flotilla-dev/flotilla:latest)")
	f.StringSliceVar(&bo.namespaced, "namespaced", nil, "a namespaced install: no ClusterRole, the controller may write only in these namespaces")
	return cmd
}

func runBootstrap(cmd *cobra.Command, opts *options, bo bootstrapOptions) error {
	if (bo.file == "") == (bo.repo == "") {
		return fmt.Errorf("give the root Application with either -f FILE or --repo URL")
	}
	ns := opts.appNamespace()
	root, err := rootApplication(bo, ns)
	if err != nil {
		return err
	}
	objs, err := install.Manifests(install.Options{Namespace: ns, Image: bo.image, Namespaced: bo.namespaced})
	if err != nil {
		return err
	}
	cfg, err := opts.restConfig()
	if err != nil {
		return err
	}
	c, err := apply.NewForConfig(cfg)
	if err != nil {
		return err
	}
	if err := install.Apply(cmd.Context(), c, objs); err != nil {
		return err
	}
	if len(bo.namespaced) > 0 {
		fmt.Fprintf(opts.out, "installed flotilla in namespace %s, managing namespaces %s only (%d objects)\n", ns, strings.Join(bo.namespaced, ", "), len(objs))
	} else {
		fmt.Fprintf(opts.out, "installed flotilla in namespace %s (%d objects)\n", ns, len(objs))
	}
	for _, app := range root {
		if _, err := c.Apply(cmd.Context(), app); err != nil {
			return fmt.Errorf("apply root application %s: %w", app.GetName(), err)
		}
		fmt.Fprintf(opts.out, "applied Application %s/%s\n", app.GetNamespace(), app.GetName())
	}
	return nil
}

// rootApplication reads the root Application(s) from a file, or makes one
// from --repo, --path and --revision with automated prune and self-heal.
func rootApplication(bo bootstrapOptions, ns string) ([]*unstructured.Unstructured, error) {
	if bo.file != "" {
		apps, err := readApplications(bo.file)
		if err != nil {
			return nil, err
		}
		var out []*unstructured.Unstructured
		for _, a := range apps {
			if a.Namespace == "" {
				a.Namespace = ns
			}
			m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(a)
			if err != nil {
				return nil, fmt.Errorf("encode %s: %w", a.Name, err)
			}
			u := &unstructured.Unstructured{Object: m}
			u.SetAPIVersion("argoproj.io/v1alpha1")
			u.SetKind("Application")
			unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
			out = append(out, u)
		}
		return out, nil
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1",
		"kind":       "Application",
		"metadata":   map[string]any{"name": bo.name, "namespace": ns},
		"spec": map[string]any{
			"project":     "default",
			"source":      map[string]any{"repoURL": bo.repo, "path": bo.path, "targetRevision": bo.revision},
			"destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": ns},
			"syncPolicy":  map[string]any{"automated": map[string]any{"prune": true, "selfHeal": true}},
		},
	}}
	return []*unstructured.Unstructured{u}, nil
}
