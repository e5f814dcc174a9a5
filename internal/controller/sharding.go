package controller

import (
	"fmt"
	"math/rand/v2"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
)

func (o Options) sharded() bool { return o.Sharding || o.ShardCount > 0 }

func (o Options) validateSharding() error {
	switch {
	case o.ShardCount < 0:
		return fmt.Errorf("shard count %d is negative", o.ShardCount)
	case o.ShardCount > 0 && (o.ShardIndex < 0 || o.ShardIndex >= o.ShardCount):
		return fmt.Errorf("shard index %d is not in 0..%d", o.ShardIndex, o.ShardCount-1)
	case o.ShardCount > 0 && o.Sharding:
		return fmt.Errorf("a fixed shard count and dynamic sharding exclude each other: use one")
	}
	return nil
}

// identity is this replica's name among the shards.
func (o Options) identity() string {
	if o.ShardIdentity != "" {
		return o.ShardIdentity
	}
	host, err := os.Hostname()
	if err != nil {
		host = "flotilla"
	}
	return fmt.Sprintf("%s-%05d", host, rand.IntN(100000))
}

// eventSource is the component named in Events: with sharding, the
// replica too, so an Event tells which replica acted.
func eventSource(o Options) string {
	if o.Sharding {
		return "flotilla-controller/" + o.ShardIdentity
	}
	return "flotilla-controller"
}

// setupSharding gives the reconciler its Sharder: a fixed shard, or a
// membership of replicas found through Leases that rebalances the fleet
// when replicas come and go.
func setupSharding(mgr ctrl.Manager, r *Reconciler, o Options) error {
	switch {
	case o.ShardCount > 0:
		r.Shards = StaticShard{Index: o.ShardIndex, Count: o.ShardCount}
	case o.Sharding:
		view := &shardView{}
		r.Shards = view
		m := &membership{
			writer: mgr.GetClient(), reader: mgr.GetAPIReader(),
			namespace: o.Namespace, identity: o.ShardIdentity, view: view,
			onChange: r.enqueueAll, renew: shardRenew, ttl: shardTTL,
		}
		if err := mgr.Add(m); err != nil {
			return fmt.Errorf("add shard membership: %w", err)
		}
	}
	return nil
}
