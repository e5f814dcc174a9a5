package controller

import (
	"context"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appset"
	"flotilla.dev/flotilla/internal/webhook"
)

// refreshPushedSets refreshes the sets with a git generator on the pushed
// repository and a revision the push moved, for every provider the
// webhook understands. It returns how many it refreshed.
func (s *AppSetReconciler) refreshPushedSets(ctx context.Context, p webhook.Push) int {
	var sets v1alpha1.ApplicationSetList
	if err := s.client.List(ctx, &sets); err != nil {
		log.FromContext(ctx).Error(err, "list applicationsets for a push")
		return 0
	}
	n := 0
	for i := range sets.Items {
		set := &sets.Items[i]
		if !s.apps.watchesNamespace(set.Namespace) || !matchesPush(set, p) {
			continue
		}
		n++
		s.refresh.Store(appSetKey(set), true)
		for _, g := range appset.GitSources(set) {
			if _, err := s.apps.Manifests.ResolveFresh(ctx, g.RepoURL, g.Revision); err != nil {
				log.FromContext(ctx).Info("resolve pushed revision", "repo", g.RepoURL, "revision", g.Revision, "error", err.Error())
			}
		}
		s.wake(ctx, set)
	}
	return n
}

// wake reconciles set soon: queued here when this replica owns it, else
// annotated for the replica that does.
func (s *AppSetReconciler) wake(ctx context.Context, set *v1alpha1.ApplicationSet) {
	if s.apps.Shards == nil || s.apps.Shards.Owns(set.Namespace, set.Name) {
		s.enqueue(set)
		return
	}
	patch := client.RawPatch("application/merge-patch+json", []byte(`{"metadata":{"annotations":{"`+appset.RefreshAnnotation+`":"true"}}}`))
	if err := s.client.Patch(ctx, set, patch); client.IgnoreNotFound(err) != nil {
		log.FromContext(ctx).Error(err, "refresh applicationset", "name", set.Name)
	}
}

// matchesPush reports whether a push moves a revision one of the set's
// git generators reads: the webhook's own matching, asked about an
// Application made of the generators' repositories.
func matchesPush(set *v1alpha1.ApplicationSet, p webhook.Push) bool {
	probe := &v1alpha1.Application{}
	for _, g := range appset.GitSources(set) {
		if strings.Contains(g.RepoURL, "{{") {
			return true // a matrix child's templated repository: any push may be its
		}
		probe.Spec.Sources = append(probe.Spec.Sources, v1alpha1.ApplicationSource{RepoURL: g.RepoURL, TargetRevision: g.Revision})
	}
	return len(probe.Spec.Sources) > 0 && webhook.Matches(probe, p, nil)
}

// enqueue reconciles set soon, without blocking the webhook's answer.
func (s *AppSetReconciler) enqueue(set *v1alpha1.ApplicationSet) {
	ev := event.TypedGenericEvent[*v1alpha1.ApplicationSet]{Object: set}
	select {
	case s.urgent <- ev:
	default:
		go func() { s.urgent <- ev }()
	}
}

// refreshPullRequestSets refreshes the sets whose pull-request generators
// list the event's repository, so a preview appears, moves or goes at
// once rather than at the next poll. It returns how many it refreshed.
func (s *AppSetReconciler) refreshPullRequestSets(ctx context.Context, p webhook.Push) int {
	ev := p.PullRequest
	repo := appset.PullRequestRepo{Provider: p.Provider, Host: ev.Host, Owner: ev.Owner, Repo: ev.Repo, ProjectID: ev.ProjectID}
	var sets v1alpha1.ApplicationSetList
	if err := s.client.List(ctx, &sets); err != nil {
		log.FromContext(ctx).Error(err, "list applicationsets for a pull request event")
		return 0
	}
	n := 0
	for i := range sets.Items {
		set := &sets.Items[i]
		if !s.apps.watchesNamespace(set.Namespace) || !appset.WatchesPullRequests(set, repo) {
			continue
		}
		n++
		s.wake(ctx, set)
	}
	log.FromContext(ctx).Info("pull request refreshed applicationsets", "provider", p.Provider, "action", ev.Action,
		"repository", ev.Owner+"/"+ev.Repo, "number", ev.Number, "applicationsets", n)
	return n
}
