package controller

import (
	"hash/fnv"
	"sync"
)

// Sharder decides which Applications a replica reconciles, so N replicas
// split a fleet: an Application belongs to shard hash(namespace/name) mod
// N. A nil Sharder owns everything (one replica).
type Sharder interface {
	Owns(namespace, name string) bool
}

// ShardOf is the shard, of count shards, that owns namespace/name: FNV-1a
// of "namespace/name" modulo count. It is stable across replicas and
// restarts.
func ShardOf(namespace, name string, count int) int {
	if count <= 1 {
		return 0
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(namespace + "/" + name))
	return int(h.Sum32() % uint32(count))
}

// StaticShard is a fixed shard Index of Count, as with Argo CD's
// statefulset ordinal and ARGOCD_CONTROLLER_REPLICAS.
type StaticShard struct{ Index, Count int }

// Owns implements Sharder.
func (s StaticShard) Owns(namespace, name string) bool {
	return ShardOf(namespace, name, s.Count) == s.Index
}

// shardView is the current index and count of a replica whose membership
// changes; it owns nothing until its first membership is known.
type shardView struct {
	mu           sync.RWMutex
	index, count int
}

func (v *shardView) Owns(namespace, name string) bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.count > 0 && ShardOf(namespace, name, v.count) == v.index
}

// set records a new membership and reports whether it changed.
func (v *shardView) set(index, count int) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	changed := v.index != index || v.count != count
	v.index, v.count = index, count
	return changed
}

func (v *shardView) get() (index, count int) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.index, v.count
}
