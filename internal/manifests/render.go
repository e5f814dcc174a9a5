package manifests

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/render/directory"
	"flotilla.dev/flotilla/internal/render/kustomize"
)

// renderCached renders one source, from the cache when everything it
// depends on is unchanged. Local (repo-mapped) sources are never cached.
func (g *Generator) renderCached(ctx context.Context, req Request, idx int, srcs []v1alpha1.ApplicationSource, all []fetched, refs map[string]string) ([]*unstructured.Unstructured, v1alpha1.ApplicationSourceType, error) {
	src, f := srcs[idx], all[idx]
	cacheable := !anyLocal(all)
	key := ""
	if cacheable {
		key = renderKey(req, idx, src, g.contentKeys(ctx, idx, srcs, all))
		if objs, typ, ok := g.caches().rendered.get(key); ok {
			return objs, typ, nil
		}
	}
	objs, typ, err := g.render(ctx, req, src, f, refs)
	if err != nil {
		return nil, "", err
	}
	if cacheable {
		g.caches().rendered.put(key, objs, typ)
	}
	return objs, typ, nil
}

func anyLocal(all []fetched) bool {
	for _, f := range all {
		if f.local {
			return true
		}
	}
	return false
}

// renderKey is everything a render depends on: the app's name,
// destination namespace and project, the source, what its sources hold
// (contents) and the cluster version.
func renderKey(req Request, idx int, src v1alpha1.ApplicationSource, contents []string) string {
	b, _ := json.Marshal([]any{req.App.Name, req.App.Spec.Destination.Namespace, req.App.Spec.Project,
		idx, src, contents, req.KubeVersion, req.APIVersions})
	return string(b)
}

// render picks the tool for a source and runs it.
func (g *Generator) render(ctx context.Context, req Request, src v1alpha1.ApplicationSource, f fetched, refs map[string]string) ([]*unstructured.Unstructured, v1alpha1.ApplicationSourceType, error) {
	appPath := f.root
	if !f.chart {
		appPath = filepath.Join(f.root, filepath.FromSlash(src.Path))
		if info, err := os.Stat(appPath); err != nil || !info.IsDir() {
			return nil, "", fmt.Errorf("app path %q does not exist at revision %s", src.Path, short(f.revision))
		}
	}
	typ, err := sourceType(src, appPath, f.chart)
	if err != nil {
		return nil, "", err
	}
	var objs []*unstructured.Unstructured
	switch typ {
	case v1alpha1.ApplicationSourceTypeHelm:
		objs, err = g.renderHelm(ctx, req, src, f, appPath, refs)
	case v1alpha1.ApplicationSourceTypeKustomize:
		objs, err = kustomize.Build(f.root, appPath, kustomizeOptions(src.Kustomize))
	default:
		objs, err = directory.RenderContext(ctx, f.root, appPath, directoryOptions(src.Directory))
	}
	if err != nil {
		return nil, "", fmt.Errorf("render %s at %s: %w", displayPath(src), short(f.revision), err)
	}
	return objs, typ, nil
}

// sourceType is Argo CD's choice of tool: an explicit helm, kustomize,
// directory or plugin block, else a chart, else a Chart.yaml, else a
// kustomization, else a plain directory.
func sourceType(src v1alpha1.ApplicationSource, appPath string, chart bool) (v1alpha1.ApplicationSourceType, error) {
	var explicit []v1alpha1.ApplicationSourceType
	if src.Helm != nil || chart {
		explicit = append(explicit, v1alpha1.ApplicationSourceTypeHelm)
	}
	if src.Kustomize != nil {
		explicit = append(explicit, v1alpha1.ApplicationSourceTypeKustomize)
	}
	if src.Directory != nil {
		explicit = append(explicit, v1alpha1.ApplicationSourceTypeDirectory)
	}
	if src.Plugin != nil {
		return "", fmt.Errorf("config management plugins are not supported")
	}
	switch {
	case len(explicit) > 1:
		return "", fmt.Errorf("multiple application sources defined: %v", explicit)
	case len(explicit) == 1:
		return explicit[0], nil
	case fileExists(filepath.Join(appPath, "Chart.yaml")):
		return v1alpha1.ApplicationSourceTypeHelm, nil
	}
	for _, k := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if fileExists(filepath.Join(appPath, k)) {
			return v1alpha1.ApplicationSourceTypeKustomize, nil
		}
	}
	return v1alpha1.ApplicationSourceTypeDirectory, nil
}

func directoryOptions(d *v1alpha1.ApplicationSourceDirectory) directory.Options {
	if d == nil {
		return directory.Options{}
	}
	conv := func(vars []v1alpha1.JsonnetVar) []directory.Var {
		out := make([]directory.Var, len(vars))
		for i, v := range vars {
			out[i] = directory.Var{Name: v.Name, Value: v.Value, Code: v.Code}
		}
		return out
	}
	return directory.Options{
		Recurse: d.Recurse, Include: d.Include, Exclude: d.Exclude,
		Jsonnet: directory.Jsonnet{ExtVars: conv(d.Jsonnet.ExtVars), TLAs: conv(d.Jsonnet.TLAs), Libs: d.Jsonnet.Libs},
	}
}

func kustomizeOptions(k *v1alpha1.ApplicationSourceKustomize) kustomize.Options {
	if k == nil {
		return kustomize.Options{}
	}
	opts := kustomize.Options{
		NamePrefix: k.NamePrefix, NameSuffix: k.NameSuffix, Namespace: k.Namespace,
		CommonLabels: k.CommonLabels, CommonAnnotations: k.CommonAnnotations,
		ForceCommonLabels: k.ForceCommonLabels, ForceCommonAnnotations: k.ForceCommonAnnotations,
		LabelWithoutSelector: k.LabelWithoutSelector, LabelIncludeTemplates: k.LabelIncludeTemplates,
		Components: k.Components, IgnoreMissingComponents: k.IgnoreMissingComponents,
		KubeVersion: k.KubeVersion, APIVersions: k.APIVersions,
	}
	for _, img := range k.Images {
		opts.Images = append(opts.Images, string(img))
	}
	for _, r := range k.Replicas {
		opts.Replicas = append(opts.Replicas, kustomize.Replica{Name: r.Name, Count: r.Count.IntValue()})
	}
	for _, p := range k.Patches {
		kp := kustomize.Patch{Path: p.Path, Patch: p.Patch, Options: p.Options}
		if t := p.Target; t != nil {
			kp.Target = &kustomize.Selector{
				Group: t.Group, Version: t.Version, Kind: t.Kind, Name: t.Name, Namespace: t.Namespace,
				LabelSelector: t.LabelSelector, AnnotationSelector: t.AnnotationSelector,
			}
		}
		opts.Patches = append(opts.Patches, kp)
	}
	return opts
}

func displayPath(src v1alpha1.ApplicationSource) string {
	switch {
	case src.Chart != "":
		return "chart " + src.Chart
	case src.Path == "" || src.Path == ".":
		return "repository root"
	}
	return src.Path
}

func fileExists(p string) bool {
	info, err := os.Stat(p)
	return err == nil && !info.IsDir()
}

func short(rev string) string {
	if len(rev) == 40 {
		return rev[:7]
	}
	return rev
}
