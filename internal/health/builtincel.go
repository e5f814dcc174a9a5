package health

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"sync"

	"sigs.k8s.io/yaml"
)

// builtinFS holds the built-in CEL checks: one YAML file per project, each
// a map from Argo CD's ConfigMap key (resource.customizations.health.
// <group>_<Kind>) to a CEL expression, exactly as a user writes them in
// the flotilla-health ConfigMap.
//
//go:embed builtin/*.yaml
var builtinFS embed.FS

// builtinCEL returns the built-in CEL checks, compiled on first use, and
// the errors of the ones that did not compile (skipped, so the rest still
// apply; TestBuiltinChecksCompile keeps that list empty).
var builtinCEL = sync.OnceValues(func() (*Checker, error) {
	return loadBuiltin(builtinFS)
})

// loadBuiltin compiles every check of the YAML files in fsys's builtin
// folder. A check that does not compile, or a kind with two checks, is
// reported and skipped; the Checker holds all the others.
func loadBuiltin(fsys fs.FS) (*Checker, error) {
	c := newEmptyChecker()
	env, err := newEnv()
	if err != nil {
		return c, err
	}
	files, err := fs.Glob(fsys, "builtin/*.yaml")
	if err != nil {
		return c, fmt.Errorf("list built-in health checks: %w", err)
	}
	var errs []error
	for _, file := range files {
		exprs, err := readBuiltin(fsys, file)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, key := range sortedKeys(exprs) {
			if err := c.add(env, key, exprs[key]); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", path.Base(file), err))
			}
		}
	}
	for _, chk := range c.exact {
		chk.builtin = true
	}
	for _, chk := range c.patterns {
		chk.builtin = true
	}
	c.sortPatterns()
	return c, errors.Join(errs...)
}

// readBuiltin reads one file of built-in checks, keyed for NewChecker.
func readBuiltin(fsys fs.FS, file string) (map[string]string, error) {
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	var cm map[string]string
	if err := yaml.UnmarshalStrict(data, &cm); err != nil {
		return nil, fmt.Errorf("parse %s: %w", file, err)
	}
	exprs, err := ParseConfigMap(cm)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path.Base(file), err)
	}
	if len(exprs) != len(cm) {
		return nil, fmt.Errorf("%s: every key must be resource.customizations.health.<group>_<Kind>", path.Base(file))
	}
	return exprs, nil
}

// builtinKinds lists the kinds ("group/Kind", or a group/Kind
// pattern) that have a built-in CEL check, sorted.
func builtinKinds() []string {
	c, _ := builtinCEL()
	kinds := make([]string, 0, len(c.exact)+len(c.patterns))
	for _, chk := range c.exact {
		kinds = append(kinds, chk.key)
	}
	for _, chk := range c.patterns {
		kinds = append(kinds, chk.key)
	}
	sort.Strings(kinds)
	return kinds
}
