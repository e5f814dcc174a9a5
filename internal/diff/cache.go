package diff

import (
	"sync"

	"flotilla.dev/flotilla/internal/safeglob"
)

// maxCached bounds each compile cache; patterns come from Application specs,
// so in practice the caches stay far smaller.
const maxCached = 4096

// compileCache memoises compiled patterns and expressions, which are
// immutable and safe for concurrent use once built.
type compileCache[T any] struct {
	mu sync.RWMutex
	m  map[string]T
}

func (c *compileCache[T]) get(key string, build func(string) (T, error)) (T, error) {
	c.mu.RLock()
	v, ok := c.m[key]
	c.mu.RUnlock()
	if ok {
		return v, nil
	}
	v, err := build(key)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[string]T)
	}
	if len(c.m) < maxCached {
		c.m[key] = v
	}
	c.mu.Unlock()
	return v, nil
}

var (
	globCache compileCache[safeglob.Glob]
	jqCache   compileCache[*jqExpr]
)

// compileGlob compiles a group or kind pattern as Argo CD's glob.Match does
// (gobwas/glob, no separators).
func compileGlob(pattern string) (safeglob.Glob, error) {
	return globCache.get(pattern, func(p string) (safeglob.Glob, error) { return safeglob.Compile(p) })
}
