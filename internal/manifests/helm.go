package manifests

import (
	"context"
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/render/helm"
	helmsource "flotilla.dev/flotilla/internal/source/helm"
)

// renderHelm renders a chart with Argo CD's value precedence: the chart's
// values.yaml < valueFiles (in order, `$ref/...` from ref sources) <
// values < valuesObject < parameters and fileParameters.
func (g *Generator) renderHelm(ctx context.Context, req Request, src v1alpha1.ApplicationSource, f fetched, chartDir string, refs map[string]string) ([]*unstructured.Unstructured, error) {
	app := req.App
	h := src.Helm
	if h == nil {
		h = &v1alpha1.ApplicationSourceHelm{}
	}
	env := buildEnv(app, src, f.revision)
	resolver := helm.Resolver{RepoRoot: f.root, AppPath: chartDir, Refs: refs, Env: env, IgnoreMissing: h.IgnoreMissingValueFiles}
	valueFiles, err := resolver.ValueFiles(h.ValueFiles)
	if err != nil {
		return nil, err
	}
	opts := helm.Options{
		ReleaseName:          firstNonEmpty(h.ReleaseName, app.Name),
		Namespace:            firstNonEmpty(h.Namespace, app.Spec.Destination.Namespace),
		ValueFiles:           valueFiles,
		Values:               h.Values,
		SkipCrds:             h.SkipCrds,
		SkipTests:            h.SkipTests,
		SkipSchemaValidation: h.SkipSchemaValidation,
		KubeVersion:          firstNonEmpty(h.KubeVersion, req.KubeVersion),
		APIVersions:          h.APIVersions,
		Env:                  env,
		RepoRoot:             f.root,
		Dependencies:         g.dependencies(ctx),
	}
	if len(opts.APIVersions) == 0 {
		opts.APIVersions = req.APIVersions
	}
	if h.ValuesObject != nil && len(h.ValuesObject.Raw) > 0 {
		if err := json.Unmarshal(h.ValuesObject.Raw, &opts.ValuesObject); err != nil {
			return nil, fmt.Errorf("helm valuesObject: %w", err)
		}
	}
	for _, p := range h.Parameters {
		opts.Parameters = append(opts.Parameters, helm.Parameter{Name: p.Name, Value: p.Value, ForceString: p.ForceString})
	}
	for _, p := range h.FileParameters {
		path, err := resolver.File(p.Path)
		if err != nil {
			return nil, err
		}
		opts.FileParameters = append(opts.FileParameters, helm.FileParameter{Name: p.Name, Path: path})
	}
	return helm.RenderContext(ctx, chartDir, opts)
}

// dependencies fetches chart dependencies from repositories with the
// credentials Argo CD would use for them.
func (g *Generator) dependencies(ctx context.Context) helm.DependencyFetcher {
	return helmsource.DependencyFetcher{
		Fetcher: g.Helm,
		Auth: func(repository string) *helmsource.Auth {
			creds, err := g.credentials(ctx, repository)
			if err != nil {
				return nil
			}
			return creds.HelmAuth()
		},
	}
}

// buildEnv is Argo CD's build environment for a source.
func buildEnv(app *v1alpha1.Application, src v1alpha1.ApplicationSource, revision string) map[string]string {
	return map[string]string{
		"ARGOCD_APP_NAME":                   app.Name,
		"ARGOCD_APP_NAMESPACE":              app.Spec.Destination.Namespace,
		"ARGOCD_APP_PROJECT_NAME":           app.Spec.Project,
		"ARGOCD_APP_REVISION":               revision,
		"ARGOCD_APP_REVISION_SHORT":         prefix(revision, 7),
		"ARGOCD_APP_REVISION_SHORT_8":       prefix(revision, 8),
		"ARGOCD_APP_SOURCE_REPO_URL":        src.RepoURL,
		"ARGOCD_APP_SOURCE_PATH":            src.Path,
		"ARGOCD_APP_SOURCE_TARGET_REVISION": src.TargetRevision,
	}
}

func prefix(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
