package manifests

import (
	"container/list"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// revisionCache remembers what each source's targetRevision resolved to,
// so reconciles between polls cost no round trip.
type revisionCache struct {
	mu      sync.Mutex
	entries map[string]resolvedRevision
}

type resolvedRevision struct {
	sha string
	at  time.Time
}

func (c *revisionCache) get(key string, maxAge time.Duration) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || maxAge <= 0 || time.Since(e.at) > maxAge {
		return "", false
	}
	return e.sha, true
}

// put records that key resolved to sha by a request that started at
// asked. A slower, older request that finishes after a newer one does
// not overwrite the newer answer (a webhook's fresh resolution must not be
// undone by a poll that asked before the push).
func (c *revisionCache) put(key, sha string, asked time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]resolvedRevision{}
	}
	if e, ok := c.entries[key]; ok && e.at.After(asked) {
		return
	}
	c.entries[key] = resolvedRevision{sha: sha, at: asked}
}

// renderCacheSize bounds the number of rendered results kept.
const renderCacheSize = 4096

// renderCache is a small LRU of rendered sources, keyed by everything a
// render depends on: resolved revisions, the source spec, the app's name
// and destination, and the cluster version. Entries are never mutated:
// callers get deep copies.
type renderCache struct {
	mu    sync.Mutex
	ll    *list.List
	items map[string]*list.Element
}

type renderEntry struct {
	key  string
	objs []*unstructured.Unstructured
	typ  v1alpha1.ApplicationSourceType
}

func (c *renderCache) get(key string) ([]*unstructured.Unstructured, v1alpha1.ApplicationSourceType, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil, "", false
	}
	c.ll.MoveToFront(el)
	e := el.Value.(*renderEntry)
	return deepCopy(e.objs), e.typ, true
}

func (c *renderCache) put(key string, objs []*unstructured.Unstructured, typ v1alpha1.ApplicationSourceType) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.items == nil {
		c.items, c.ll = map[string]*list.Element{}, list.New()
	}
	if el, ok := c.items[key]; ok {
		c.ll.MoveToFront(el)
		return
	}
	c.items[key] = c.ll.PushFront(&renderEntry{key: key, objs: deepCopy(objs), typ: typ})
	for c.ll.Len() > renderCacheSize {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.items, last.Value.(*renderEntry).key)
	}
}

func deepCopy(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, len(objs))
	for i, o := range objs {
		out[i] = o.DeepCopy()
	}
	return out
}

// flight lets concurrent callers of the same key share one call.
type flight struct {
	mu    sync.Mutex
	calls map[string]*flightCall
}

type flightCall struct {
	done chan struct{}
	val  string
	err  error
}

func (f *flight) do(key string, fn func() (string, error)) (string, error) {
	f.mu.Lock()
	if c, ok := f.calls[key]; ok {
		f.mu.Unlock()
		<-c.done
		return c.val, c.err
	}
	if f.calls == nil {
		f.calls = map[string]*flightCall{}
	}
	c := &flightCall{done: make(chan struct{})}
	f.calls[key] = c
	f.mu.Unlock()
	c.val, c.err = fn()
	f.mu.Lock()
	delete(f.calls, key)
	f.mu.Unlock()
	close(c.done)
	return c.val, c.err
}
