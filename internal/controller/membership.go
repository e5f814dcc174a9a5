package controller

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// ShardMemberLabel marks the Leases by which sharded replicas find each
// other.
const ShardMemberLabel = "flotilla.dev/shard-member"

// ShardAnnotation on a replica's Lease is the shard it last computed for
// itself, "index/count", for operators and tests to see the split.
const ShardAnnotation = "flotilla.dev/shard"

// Membership timing: a replica renews its Lease every shardRenew; a Lease
// not renewed for shardTTL is a replica gone, and its Applications move.
const (
	shardRenew = 3 * time.Second
	shardTTL   = 10 * time.Second
)

// membership keeps this replica's Lease fresh and derives its shard from
// the live Leases: the replicas sorted by identity are shards 0…N-1. When
// N or the index changes, onChange re-enqueues every Application so the
// fleet rebalances. A replica that stops deletes its Lease, so the others
// take its Applications over at their next renewal.
type membership struct {
	writer    client.Client
	reader    client.Reader
	namespace string
	identity  string
	view      *shardView
	onChange  func(ctx context.Context)
	renew     time.Duration
	ttl       time.Duration
}

// NeedLeaderElection implements manager.LeaderElectionRunnable: every
// replica is a member.
func (m *membership) NeedLeaderElection() bool { return false }

// Start implements manager.Runnable.
func (m *membership) Start(ctx context.Context) error {
	t := time.NewTicker(m.renew)
	defer t.Stop()
	for {
		m.beat(ctx)
		select {
		case <-ctx.Done():
			m.leave()
			return nil
		case <-t.C:
		}
	}
}

func (m *membership) beat(ctx context.Context) {
	logger := log.FromContext(ctx).WithValues("identity", m.identity)
	if err := m.renewLease(ctx); err != nil {
		logger.Error(err, "renew shard lease")
		return
	}
	members, err := m.liveMembers(ctx)
	if err != nil {
		logger.Error(err, "list shard members")
		return
	}
	index := slices.Index(members, m.identity)
	if index < 0 {
		return // our own renewal is not visible yet
	}
	if m.view.set(index, len(members)) {
		logger.Info("shard membership changed", "shard", index, "shards", len(members), "members", members)
		m.onChange(ctx)
	}
}

func (m *membership) leaseName() string { return shardLeaseName(m.identity) }

func (m *membership) renewLease(ctx context.Context) error {
	now := metav1.NewMicroTime(time.Now())
	secs := int32(m.ttl / time.Second)
	index, count := m.view.get()
	shard := map[string]string{ShardAnnotation: fmt.Sprintf("%d/%d", index, count)}
	lease := &coordinationv1.Lease{}
	err := m.reader.Get(ctx, client.ObjectKey{Namespace: m.namespace, Name: m.leaseName()}, lease)
	if apierrors.IsNotFound(err) {
		lease = &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Namespace: m.namespace, Name: m.leaseName(), Labels: map[string]string{ShardMemberLabel: "true"}, Annotations: shard},
			Spec:       coordinationv1.LeaseSpec{HolderIdentity: &m.identity, LeaseDurationSeconds: &secs, RenewTime: &now, AcquireTime: &now},
		}
		return client.IgnoreAlreadyExists(m.writer.Create(ctx, lease))
	}
	if err != nil {
		return fmt.Errorf("get lease %s: %w", m.leaseName(), err)
	}
	lease.Spec.HolderIdentity, lease.Spec.LeaseDurationSeconds, lease.Spec.RenewTime = &m.identity, &secs, &now
	lease.Annotations = shard
	if err := m.writer.Update(ctx, lease); err != nil {
		return fmt.Errorf("update lease %s: %w", m.leaseName(), err)
	}
	return nil
}

// liveMembers lists the identities of the replicas whose Leases are fresh,
// sorted; Leases long expired are deleted on the way.
func (m *membership) liveMembers(ctx context.Context) ([]string, error) {
	var leases coordinationv1.LeaseList
	if err := m.reader.List(ctx, &leases, client.InNamespace(m.namespace), client.HasLabels{ShardMemberLabel}); err != nil {
		return nil, err
	}
	var members []string
	now := time.Now()
	for i := range leases.Items {
		l := &leases.Items[i]
		if l.Spec.HolderIdentity == nil || l.Spec.RenewTime == nil || l.Spec.LeaseDurationSeconds == nil {
			continue
		}
		expires := l.Spec.RenewTime.Add(time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second)
		switch {
		case now.Before(expires):
			members = append(members, *l.Spec.HolderIdentity)
		case now.After(expires.Add(3 * m.ttl)):
			_ = m.writer.Delete(ctx, l) // a replica that died long ago
		}
	}
	slices.Sort(members)
	return slices.Compact(members), nil
}

// leave deletes this replica's Lease so the others rebalance at once.
func (m *membership) leave() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: m.namespace, Name: m.leaseName()}}
	_ = m.writer.Delete(ctx, lease)
	m.view.set(0, 0)
}

// shardLeaseName turns an identity into a valid Lease name.
func shardLeaseName(identity string) string {
	name := "flotilla-shard-" + strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return '-'
	}, identity)
	if len(name) > validation.DNS1123SubdomainMaxLength {
		name = name[:validation.DNS1123SubdomainMaxLength]
	}
	return strings.TrimRight(name, "-.")
}
