package kustomize

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/kustomize/api/konfig"
	sigsyaml "sigs.k8s.io/yaml"
)

// Kustomize fetches a git repository (by running git) for any reference its
// repo-spec parser accepts, and an HTTP URL for any file reference with an
// http(s) scheme. Neither can be intercepted through krusty, so before a
// build every kustomization it will reach is read and such references are
// refused. isRemote accepts a superset of what kustomize fetches.

// gitUser is kustomize's SCP-style user prefix (`git@host:org/repo`).
var gitUser = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]*@`)

func isRemote(ref string) bool {
	s := strings.ToLower(strings.TrimSpace(ref))
	s = strings.TrimPrefix(s, "git::")
	switch {
	case strings.Contains(s, "://"),
		strings.HasPrefix(s, "gh:"),
		strings.HasPrefix(s, "github.com/"), strings.HasPrefix(s, "github.com:"),
		gitUser.MatchString(s):
		return true
	}
	return false
}

// dirLists are kustomization fields whose entries may name a directory
// (a base, component or plugin-config directory) or a git repository.
var dirLists = []string{"resources", "bases", "components", "generators", "transformers", "validators"}

// pathKeys hold file references in a kustomization or in a builtin
// plugin's config; kustomize loads them through its loader (HTTP for URLs).
var pathKeys = map[string]bool{
	"path": true, "paths": true, "files": true, "envs": true, "env": true,
	"configurations": true, "crds": true, "patchesStrategicMerge": true,
	"valuesFile": true, "additionalValuesFiles": true, "targetFilePath": true,
}

// refuseRemote walks the kustomization in dir and every local kustomization
// and plugin config it reaches, and fails on the first remote reference.
// Unreadable or invalid files are left for kustomize to report.
func refuseRemote(fsys *repoFS, dir string) error {
	w := remoteWalker{fsys: fsys, seen: map[string]bool{}}
	return w.kustomization(dir)
}

type remoteWalker struct {
	fsys *repoFS
	seen map[string]bool
}

func (w *remoteWalker) kustomization(dir string) error {
	if w.seen[dir] {
		return nil
	}
	w.seen[dir] = true
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		data, err := w.fsys.ReadFile(filepath.Join(dir, name))
		var outside *outsideError
		if errors.As(err, &outside) {
			return fmt.Errorf("%s: %w", w.fsys.display(filepath.Join(dir, name)), err)
		}
		if err != nil {
			continue
		}
		var doc map[string]any
		if sigsyaml.Unmarshal(data, &doc) != nil {
			continue
		}
		where := w.fsys.display(filepath.Join(dir, name))
		if err := scanPaths(doc, where); err != nil {
			return err
		}
		for _, field := range dirLists {
			entries, _ := doc[field].([]any)
			for _, e := range entries {
				if err := w.entry(dir, where, field, e); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// entry checks one list entry: a remote reference is refused, a local
// directory is walked as a kustomization, and a plugin config (inline or a
// file) is scanned for file references.
func (w *remoteWalker) entry(dir, where, field string, e any) error {
	ref, ok := e.(string)
	if !ok {
		return nil
	}
	if strings.Contains(ref, "\n") || strings.Contains(ref, ": ") {
		return scanDocs([]byte(ref), where)
	}
	if isRemote(ref) {
		return fmt.Errorf("%s: remote %s entry %q is not supported", where, field, ref)
	}
	if filepath.IsAbs(ref) {
		return nil // kustomize refuses or confines these itself
	}
	p := filepath.Join(dir, ref)
	if w.fsys.IsDir(p) {
		real, err := w.fsys.resolve(p)
		if err != nil {
			return nil
		}
		return w.kustomization(real)
	}
	if field == "resources" || field == "bases" || field == "components" {
		return nil
	}
	data, err := w.fsys.ReadFile(p)
	if err != nil {
		return nil
	}
	return scanDocs(data, w.fsys.display(p))
}

// scanDocs scans each YAML document of a plugin config.
func scanDocs(data []byte, where string) error {
	r := yaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return nil
		}
		var doc any
		if sigsyaml.Unmarshal(raw, &doc) != nil {
			continue
		}
		if err := scanPaths(doc, where); err != nil {
			return err
		}
	}
}

// scanPaths looks for remote references under file-reference keys at any
// depth of a decoded document.
func scanPaths(v any, where string) error {
	switch t := v.(type) {
	case map[string]any:
		for key, val := range t {
			if pathKeys[key] {
				if ref, ok := firstRemote(val); ok {
					return fmt.Errorf("%s: remote %s %q is not supported", where, key, ref)
				}
			}
			if err := scanPaths(val, where); err != nil {
				return err
			}
		}
	case []any:
		for _, item := range t {
			if err := scanPaths(item, where); err != nil {
				return err
			}
		}
	}
	return nil
}

// firstRemote finds a remote reference in a string or list of strings; a
// generator's `key=path` form is checked on its path too.
func firstRemote(v any) (string, bool) {
	check := func(s string) bool {
		if strings.Contains(s, "\n") {
			return false // an inline patch, not a reference
		}
		_, after, found := strings.Cut(s, "=")
		return isRemote(s) || (found && isRemote(after))
	}
	switch t := v.(type) {
	case string:
		return t, check(t)
	case []any:
		for _, item := range t {
			if s, ok := item.(string); ok && check(s) {
				return s, true
			}
		}
	}
	return "", false
}
