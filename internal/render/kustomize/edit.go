package kustomize

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/types"
)

// The functions here change a kustomization the way the `kustomize edit`
// commands that Argo CD runs do, in the order Argo CD runs them (see
// editKustomization). Each mirrors one command's semantics, errors
// included, so a kustomization that makes Argo CD fail makes flotilla fail.

// editKustomization applies every Application-level option except patches,
// which are appended to the marshalled form as Argo CD does.
func editKustomization(k *types.Kustomization, opts Options, comps componentFinder) error {
	if opts.NamePrefix != "" {
		k.NamePrefix = opts.NamePrefix // edit set nameprefix
	}
	if opts.NameSuffix != "" {
		k.NameSuffix = opts.NameSuffix // edit set namesuffix
	}
	if len(opts.Images) > 0 {
		if err := setImages(k, opts.Images); err != nil {
			return fmt.Errorf("images: %w", err)
		}
	}
	if len(opts.Replicas) > 0 {
		if err := setReplicas(k, opts.Replicas); err != nil {
			return fmt.Errorf("replicas: %w", err)
		}
	}
	if len(opts.CommonLabels) > 0 {
		if err := addLabels(k, opts); err != nil {
			return fmt.Errorf("common labels: %w", err)
		}
	}
	if len(opts.CommonAnnotations) > 0 {
		if err := addAnnotations(k, opts); err != nil {
			return fmt.Errorf("common annotations: %w", err)
		}
	}
	if opts.Namespace != "" {
		k.Namespace = opts.Namespace // edit set namespace
	}
	if len(opts.Components) > 0 {
		if err := addComponents(k, opts.Components, opts.IgnoreMissingComponents, comps); err != nil {
			return fmt.Errorf("components: %w", err)
		}
	}
	return nil
}

// imageTag is kustomize's `<image>:<tag>` pattern; `*` keeps what is set.
var imageTag = regexp.MustCompile(`^(.*):([a-zA-Z0-9._-]*|\*)$`)

const preserve = "*"

var errImageFormat = errors.New("invalid format of image, use one of <image>=<newimage>:<newtag>, " +
	"<image>=<newimage>@<digest>, <image>=<newimage>, <image>:<newtag>, <image>@<digest>")

// setImages is `kustomize edit set image ARGS...`: arguments replace the
// entry of the same name (`*` keeps the existing part), other entries stay,
// and the result is sorted by name.
func setImages(k *types.Kustomization, args []string) error {
	byName := map[string]types.Image{}
	for _, arg := range args {
		img, err := parseImage(arg)
		if err != nil {
			return fmt.Errorf("%q: %w", arg, err)
		}
		byName[img.Name] = img
	}
	for _, old := range k.Images {
		arg, ok := byName[old.Name]
		if !ok {
			byName[old.Name] = old
			continue
		}
		if arg.NewName == preserve {
			arg.NewName = old.NewName
		}
		if arg.NewTag == preserve {
			arg.NewTag = old.NewTag
		}
		if arg.Digest == preserve {
			arg.Digest = old.Digest
		}
		byName[old.Name] = arg
	}
	images := make([]types.Image, 0, len(byName))
	for _, img := range byName {
		for _, field := range []*string{&img.NewName, &img.NewTag, &img.Digest} {
			if *field == preserve {
				*field = ""
			}
		}
		images = append(images, img)
	}
	sort.Slice(images, func(i, j int) bool { return images[i].Name < images[j].Name })
	k.Images = images
	return nil
}

func parseImage(arg string) (types.Image, error) {
	if parts := strings.Split(arg, "="); len(parts) == 2 {
		name, tag, digest, err := parseImageRef(parts[1], true)
		return types.Image{Name: parts[0], NewName: name, NewTag: tag, Digest: digest}, err
	}
	name, tag, digest, err := parseImageRef(arg, false)
	return types.Image{Name: name, NewTag: tag, Digest: digest}, err
}

func parseImageRef(ref string, nameOnlyOK bool) (name, tag, digest string, err error) {
	if parts := strings.Split(ref, "@"); len(parts) > 1 {
		return parts[0], "", parts[1], nil
	}
	if m := imageTag.FindStringSubmatch(ref); len(m) == 3 {
		return m[1], m[2], "", nil
	}
	if ref != "" && nameOnlyOK {
		return ref, "", "", nil
	}
	return "", "", "", errImageFormat
}

// setReplicas is `kustomize edit set replicas NAME=COUNT...`: same-named
// entries are replaced, the result is sorted by name.
func setReplicas(k *types.Kustomization, replicas []Replica) error {
	byName := map[string]types.Replica{}
	for _, r := range replicas {
		if r.Name == "" || strings.Contains(r.Name, "=") {
			return fmt.Errorf("invalid replica name %q", r.Name)
		}
		byName[r.Name] = types.Replica{Name: r.Name, Count: int64(r.Count)}
	}
	for _, old := range k.Replicas {
		if _, ok := byName[old.Name]; !ok {
			byName[old.Name] = old
		}
	}
	out := make([]types.Replica, 0, len(byName))
	for _, r := range byName {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	k.Replicas = out
	return nil
}

// metadataArgs turns a map into what `kustomize edit add label|annotation`
// receives from Argo CD (`key:value`) and parses it back as kustomize does:
// the key ends at the first colon, surrounding double quotes of the value go.
func metadataArgs(kind string, in map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(in))
	for name, value := range in {
		arg := name + ":" + value
		key, val, _ := strings.Cut(arg, ":")
		if key == "" {
			return nil, fmt.Errorf("invalid %s: '%s' (need k:v pair where v may be quoted)", kind, arg)
		}
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = val[1 : len(val)-1]
		}
		out[key] = val
	}
	return out, nil
}

// addLabels is `kustomize edit add label [--force] [--without-selector
// [--include-templates]]`: into commonLabels (selectors too), or as one new
// `labels` entry without selectors.
func addLabels(k *types.Kustomization, opts Options) error {
	if opts.LabelIncludeTemplates && !opts.LabelWithoutSelector {
		return errors.New("--without-selector flag must be specified for --include-templates to work")
	}
	pairs, err := metadataArgs("label", opts.CommonLabels)
	if err != nil {
		return err
	}
	if opts.LabelWithoutSelector {
		k.Labels = append(k.Labels, types.Label{Pairs: pairs, IncludeTemplates: opts.LabelIncludeTemplates})
		return nil
	}
	if k.CommonLabels == nil {
		k.CommonLabels = map[string]string{}
	}
	return mergeMetadata(k.CommonLabels, pairs, "label", opts.ForceCommonLabels)
}

// addAnnotations is `kustomize edit add annotation [--force]`.
func addAnnotations(k *types.Kustomization, opts Options) error {
	pairs, err := metadataArgs("annotation", opts.CommonAnnotations)
	if err != nil {
		return err
	}
	if k.CommonAnnotations == nil {
		k.CommonAnnotations = map[string]string{}
	}
	return mergeMetadata(k.CommonAnnotations, pairs, "annotation", opts.ForceCommonAnnotations)
}

// mergeMetadata refuses to overwrite a key already in the kustomization
// unless forced. Keys are visited in order so the error is stable.
func mergeMetadata(dst, src map[string]string, kind string, force bool) error {
	keys := make([]string, 0, len(src))
	for key := range src {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if _, ok := dst[key]; ok && !force {
			return fmt.Errorf("%s %s already in kustomization file", kind, key)
		}
		dst[key] = src[key]
	}
	return nil
}

// componentFinder expands a component argument relative to the
// kustomization directory: matches (as kustomize's glob returns them), and
// whether the path exists at all. It refuses paths outside the repository.
type componentFinder interface {
	glob(pattern string) ([]string, error)
	exists(path string) (bool, error)
}

// addComponents is `kustomize edit add component ARGS...`, after Argo CD
// dropped the missing ones when IgnoreMissingComponents is set.
func addComponents(k *types.Kustomization, comps []string, ignoreMissing bool, finder componentFinder) error {
	for _, c := range comps {
		if isRemote(c) {
			return fmt.Errorf("remote component %q is not supported", c)
		}
		if ignoreMissing {
			ok, err := finder.exists(c)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
		}
		matches, err := finder.glob(c)
		if err != nil {
			return err
		}
		if len(matches) == 0 {
			return fmt.Errorf("%s has no match", c)
		}
		for _, m := range matches {
			if !slices.Contains(k.Components, m) {
				k.Components = append(k.Components, m)
			}
		}
	}
	return nil
}

// dirComponents finds components relative to a kustomization directory.
type dirComponents struct {
	fsys *repoFS
	dir  string // real, absolute
}

func (d dirComponents) exists(c string) (bool, error) {
	_, err := d.fsys.resolve(filepath.Join(d.dir, c))
	var outside *outsideError
	if errors.As(err, &outside) {
		return false, fmt.Errorf("component %s resolves outside the repository", c)
	}
	return err == nil, nil
}

func (d dirComponents) glob(c string) ([]string, error) {
	if filepath.IsAbs(c) {
		return nil, fmt.Errorf("component %s: absolute paths are not allowed", c)
	}
	if !strings.ContainsAny(c, `*?[\`) {
		// Like filepath.Glob, a pattern without meta characters comes
		// back as written when it exists.
		ok, err := d.exists(c)
		if err != nil || !ok {
			return nil, err
		}
		return []string{c}, nil
	}
	matches, err := d.fsys.Glob(filepath.Join(d.dir, c))
	if err != nil {
		return nil, fmt.Errorf("component %s: %w", c, err)
	}
	out := make([]string, 0, len(matches))
	for _, m := range matches {
		rel, err := filepath.Rel(d.dir, m)
		if err != nil {
			return nil, err
		}
		out = append(out, filepath.ToSlash(rel))
	}
	return out, nil
}
