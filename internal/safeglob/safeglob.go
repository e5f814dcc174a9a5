// Package safeglob matches gobwas/glob patterns (the glob library Argo CD
// uses) without its panics: the library compiles some patterns that panic
// when matched ("*{*,}{" against any non-empty string, "{*,}{" against
// the empty one). Match turns such a panic into an error.
package safeglob

import (
	"fmt"

	"github.com/gobwas/glob"
)

// Glob is a compiled pattern.
type Glob struct {
	pattern string
	g       glob.Glob
}

// Compile compiles pattern with gobwas/glob's separators.
func Compile(pattern string, separators ...rune) (Glob, error) {
	g, err := glob.Compile(pattern, separators...)
	if err != nil {
		return Glob{}, err
	}
	return Glob{pattern: pattern, g: g}, nil
}

// Match reports whether s matches; a pattern the library cannot match s
// against is an error naming both.
func (g Glob) Match(s string) (ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			ok, err = false, fmt.Errorf("pattern %q cannot be matched against %q: %v", g.pattern, s, r)
		}
	}()
	return g.g.Match(s), nil
}
