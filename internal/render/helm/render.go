package helm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	release "helm.sh/helm/v4/pkg/release/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sversion "k8s.io/apimachinery/pkg/util/version"

	"flotilla.dev/flotilla/internal/object"
)

// Parameter is one entry of spec.source.helm.parameters.
type Parameter struct {
	Name, Value string
	// ForceString passes the value with --set-string instead of --set.
	ForceString bool
}

// FileParameter is one entry of spec.source.helm.fileParameters, its Path
// already resolved (see Resolver.File).
type FileParameter struct {
	Name, Path string
}

// Options mirror an Application's spec.source.helm plus what Argo CD adds
// from the Application and the destination cluster.
type Options struct {
	// ReleaseName is the Helm release name: spec.source.helm.releaseName, or
	// the Application's name. Required.
	ReleaseName string
	// Namespace is .Release.Namespace: spec.source.helm.namespace or the
	// destination namespace; empty means "default", as for helm itself.
	Namespace string
	// ValueFiles are resolved absolute paths, in order; later files win.
	ValueFiles []string
	// Values is spec.source.helm.values (inline YAML).
	Values string
	// ValuesObject is spec.source.helm.valuesObject. When non-nil it replaces
	// Values entirely, as in Argo CD.
	ValuesObject map[string]any
	// Parameters and FileParameters become --set, --set-string and
	// --set-file. A name given twice keeps its last value.
	Parameters     []Parameter
	FileParameters []FileParameter
	// SkipCrds leaves out the chart's crds/ directories.
	SkipCrds bool
	// SkipTests leaves out test hooks.
	SkipTests bool
	// SkipSchemaValidation skips values.schema.json validation.
	SkipSchemaValidation bool
	// KubeVersion and APIVersions feed .Capabilities; empty means Helm's
	// defaults. KubeVersion may carry a vendor suffix ("v1.30.2+k3s1").
	KubeVersion string
	APIVersions []string
	// Env is Argo CD's build environment (ARGOCD_APP_NAME, …) substituted
	// into parameter values. Unknown variables become empty, as in Argo CD.
	Env map[string]string
	// RepoRoot is the root of the repository holding the chart. File
	// dependencies and symlinks must stay inside it. Empty means the chart
	// directory itself.
	RepoRoot string
	// Dependencies fetches dependencies from chart repositories and OCI
	// registries. When nil such a dependency missing from charts/ is an
	// error.
	Dependencies DependencyFetcher
}

// outputLimits bound the rendered output: charts with all their CRDs run to
// several MiB, more than object.DefaultLimits allows.
var outputLimits = object.Limits{MaxBytes: 256 << 20, MaxDepth: object.DefaultLimits.MaxDepth}

// Render renders the chart in chartDir. See RenderContext.
func Render(chartDir string, opts Options) ([]*unstructured.Unstructured, error) {
	return RenderContext(context.Background(), chartDir, opts)
}

// RenderContext renders the chart in chartDir into objects, in the order
// `helm template` prints them. ctx bounds fetching dependencies.
func RenderContext(ctx context.Context, chartDir string, opts Options) ([]*unstructured.Unstructured, error) {
	out, err := template(ctx, chartDir, opts)
	if err != nil {
		return nil, err
	}
	objs, err := object.DecodeWithLimits([]byte(out), outputLimits)
	if err != nil {
		return nil, fmt.Errorf("render helm chart: rendered output: %w", err)
	}
	return objs, nil
}

// template returns what `helm template` prints for the chart.
func template(ctx context.Context, chartDir string, opts Options) (string, error) {
	if opts.ReleaseName == "" {
		return "", errors.New("render helm chart: release name is required")
	}
	repoRoot := opts.RepoRoot
	if repoRoot == "" {
		repoRoot = chartDir
	}
	ch, err := loadChart(repoRoot, chartDir)
	if err != nil {
		return "", fmt.Errorf("render helm chart: %w", err)
	}
	if err := checkInstallable(ch); err != nil {
		return "", fmt.Errorf("render helm chart %s: %w", ch.Name(), err)
	}
	deps := dependencyResolver{repoRoot: repoRoot, chartDir: chartDir, fetcher: opts.Dependencies}
	if err := deps.addMissing(ctx, ch); err != nil {
		return "", fmt.Errorf("render helm chart %s: %w", ch.Name(), err)
	}
	vals, err := mergeValues(opts)
	if err != nil {
		return "", fmt.Errorf("render helm chart %s: %w", ch.Name(), err)
	}
	install, err := newInstall(opts)
	if err != nil {
		return "", fmt.Errorf("render helm chart %s: %w", ch.Name(), err)
	}
	rel, err := runInstall(ctx, install, ch, vals)
	if err != nil {
		return "", fmt.Errorf("render helm chart %s: %w", ch.Name(), err)
	}
	return templateOutput(rel, opts.SkipTests), nil
}

// checkInstallable refuses library charts, as `helm template` does.
func checkInstallable(ch *chart.Chart) error {
	switch ch.Metadata.Type {
	case "", "application":
		return nil
	}
	return fmt.Errorf("%s charts are not installable", ch.Metadata.Type)
}

// newInstall sets up the client-only install that `helm template` runs.
func newInstall(opts Options) (*action.Install, error) {
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(slog.DiscardHandler))
	install := action.NewInstall(cfg)
	install.DryRunStrategy = action.DryRunClient
	install.Replace = true
	install.ReleaseName = opts.ReleaseName
	install.Namespace = opts.Namespace
	if install.Namespace == "" {
		install.Namespace = "default"
	}
	install.IncludeCRDs = !opts.SkipCrds
	install.SkipSchemaValidation = opts.SkipSchemaValidation
	if opts.KubeVersion != "" {
		kv, err := parseKubeVersion(opts.KubeVersion)
		if err != nil {
			return nil, err
		}
		install.KubeVersion = kv
	}
	install.APIVersions = common.VersionSet(splitAPIVersions(opts.APIVersions))
	return install, nil
}

// parseKubeVersion normalises the version as Argo CD does before passing
// --kube-version (dropping vendor suffixes), then parses it as helm does.
func parseKubeVersion(v string) (*common.KubeVersion, error) {
	generic, err := k8sversion.ParseGeneric(v)
	if err != nil {
		return nil, fmt.Errorf("kube version %q: %w", v, err)
	}
	kv, err := common.ParseKubeVersion(generic.String())
	if err != nil {
		return nil, fmt.Errorf("kube version %q: %w", v, err)
	}
	return kv, nil
}

// splitAPIVersions splits comma-separated entries, as helm's
// --api-versions flag (a string slice) does.
func splitAPIVersions(in []string) []string {
	var out []string
	for _, v := range in {
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func runInstall(ctx context.Context, install *action.Install, ch *chart.Chart, vals map[string]any) (*release.Release, error) {
	r, err := install.RunWithContext(ctx, ch, vals)
	if err != nil {
		return nil, err
	}
	switch rel := r.(type) {
	case *release.Release:
		return rel, nil
	case release.Release:
		return &rel, nil
	}
	return nil, fmt.Errorf("unexpected release type %T", r)
}

// templateOutput prints the release as `helm template` does: the manifest
// (CRDs first when included), then every hook but, with skipTests, the test
// hooks.
func templateOutput(rel *release.Release, skipTests bool) string {
	var b bytes.Buffer
	fmt.Fprintln(&b, strings.TrimSpace(rel.Manifest))
	for _, h := range rel.Hooks {
		if skipTests && slices.Contains(h.Events, release.HookTest) {
			continue
		}
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", h.Path, h.Manifest)
	}
	return b.String()
}
