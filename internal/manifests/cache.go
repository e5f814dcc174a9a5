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

// forget drops key's resolution unless it is newer than a failed request
// that started at asked.
func (c *revisionCache) forget(key string, asked time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok && !e.at.After(asked) {
		delete(c.entries, key)
	}
}

// renderCacheSize bounds the number of rendered results kept.
const renderCacheSize = 4096

// renderCache is a small LRU of rendered sources, keyed by everything a
// render depends on: resolved revisions, the source spec, the app's name
// and destination, and the cluster version. Entries are kept as JSON,
// which is a fifth of the size of the decoded maps (a fleet's renders are
// most of a controller's heap), and every get decodes a copy of its own.
type renderCache struct {
	mu    sync.Mutex
	ll    *list.List
	items map[string]*list.Element
}

type renderEntry struct {
	key  string
	objs [][]byte
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
	objs, err := decodeAll(e.objs)
	if err != nil {
		return nil, "", false
	}
	return objs, e.typ, true
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
	encoded, err := encodeAll(objs)
	if err != nil {
		return // not kept: the next render renders again
	}
	c.items[key] = c.ll.PushFront(&renderEntry{key: key, objs: encoded, typ: typ})
	for c.ll.Len() > renderCacheSize {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.items, last.Value.(*renderEntry).key)
	}
}

func encodeAll(objs []*unstructured.Unstructured) ([][]byte, error) {
	out := make([][]byte, len(objs))
	for i, o := range objs {
		b, err := o.MarshalJSON()
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func decodeAll(encoded [][]byte) ([]*unstructured.Unstructured, error) {
	out := make([]*unstructured.Unstructured, len(encoded))
	for i, b := range encoded {
		out[i] = &unstructured.Unstructured{}
		if err := out[i].UnmarshalJSON(b); err != nil {
			return nil, err
		}
	}
	return out, nil
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

// freshFlight lets concurrent callers of the same key share calls while
// each still gets the answer of a call that started after it asked (what
// a refresh needs: a push must not be answered by a request sent before
// it). While a call runs, every new caller waits for the one next call,
// which starts when the running one ends and serves them all: a flood of
// refreshes costs two calls, not one per refresh.
type freshFlight struct {
	mu      sync.Mutex
	running map[string]*freshCall
	next    map[string]*freshCall
}

type freshCall struct {
	start chan struct{} // closed when the call may start
	done  chan struct{}
	val   string
	err   error
}

func (f *freshFlight) do(key string, fn func() (string, error)) (string, error) {
	f.mu.Lock()
	if f.running == nil {
		f.running, f.next = map[string]*freshCall{}, map[string]*freshCall{}
	}
	if f.running[key] == nil {
		c := &freshCall{done: make(chan struct{})}
		f.running[key] = c
		f.mu.Unlock()
		f.run(key, c, fn)
		return c.val, c.err
	}
	c, queued := f.next[key]
	if !queued {
		c = &freshCall{start: make(chan struct{}), done: make(chan struct{})}
		f.next[key] = c
	}
	f.mu.Unlock()
	if queued {
		<-c.done
		return c.val, c.err
	}
	<-c.start // the running call hands over when it ends
	f.run(key, c, fn)
	return c.val, c.err
}

// run makes call c and hands the key over to the next call, if one is
// waiting.
func (f *freshFlight) run(key string, c *freshCall, fn func() (string, error)) {
	c.val, c.err = fn()
	f.mu.Lock()
	if next := f.next[key]; next != nil {
		delete(f.next, key)
		f.running[key] = next
		close(next.start)
	} else {
		delete(f.running, key)
	}
	f.mu.Unlock()
	close(c.done)
}
