package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// AccessTTL is how long the API server's answer to "may this user
// list/get these Applications" is reused for reads from the cache: a
// changed RoleBinding shows in the UI within it. Writes are not cached:
// the API server authorises each.
const AccessTTL = 10 * time.Second

// maxAccessAnswers bounds the answers kept; expired ones go first.
const maxAccessAnswers = 8192

// accessKey is one question: may user verb resource (of argoproj.io) in
// namespace, named name ("" for any)?
type accessKey struct {
	user, verb, resource, namespace, name string
}

type accessAnswer struct {
	allowed bool
	reason  string
	at      time.Time
}

// accessCache asks the API server with a SelfSubjectAccessReview made as
// the user (through the impersonating client), so the answer is exactly
// what the API server would decide for the impersonated request, and
// keeps the answer for AccessTTL.
type accessCache struct {
	mu      sync.Mutex
	answers map[accessKey]accessAnswer
}

func newAccessCache() *accessCache {
	return &accessCache{answers: map[accessKey]accessAnswer{}}
}

// check answers nil when allowed, a Forbidden error worded as the API
// server's own when not, and another error when the question cannot be
// asked (the server may not impersonate, say).
func (a *accessCache) check(ctx context.Context, c client.Client, u *User, k accessKey) error {
	k.user = u.key()
	ans, ok := a.get(k)
	if !ok {
		var err error
		if ans, err = review(ctx, c, k); err != nil {
			return err
		}
		a.put(k, ans)
	}
	if ans.allowed {
		return nil
	}
	return forbidden(u, k, ans.reason)
}

func (a *accessCache) get(k accessKey) (accessAnswer, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ans, ok := a.answers[k]
	if !ok || time.Since(ans.at) > AccessTTL {
		return accessAnswer{}, false
	}
	return ans, true
}

func (a *accessCache) put(k accessKey, ans accessAnswer) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.answers) >= maxAccessAnswers {
		for old, v := range a.answers {
			if time.Since(v.at) > AccessTTL {
				delete(a.answers, old)
			}
		}
	}
	if len(a.answers) >= maxAccessAnswers {
		clear(a.answers)
	}
	a.answers[k] = ans
}

// review asks the API server whether the client's user may do k.
func review(ctx context.Context, c client.Client, k accessKey) (accessAnswer, error) {
	r := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: k.namespace, Verb: k.verb, Group: v1alpha1.Group, Resource: k.resource, Name: k.name,
		},
	}}
	if err := c.Create(ctx, r); err != nil {
		// Not wrapped: a refused review (the server may not impersonate)
		// is the server's fault, not a refusal of the user.
		return accessAnswer{}, fmt.Errorf("ask the API server whether the user may %s %s in %s: %v", k.verb, k.resource, k.namespace, err)
	}
	return accessAnswer{allowed: r.Status.Allowed && !r.Status.Denied, reason: r.Status.Reason, at: time.Now()}, nil
}

// forbidden is the API server's own refusal, in its words.
func forbidden(u *User, k accessKey, reason string) error {
	msg := fmt.Sprintf("User %q cannot %s resource %q in API group %q in the namespace %q", u.Name, k.verb, k.resource, v1alpha1.Group, k.namespace)
	if reason != "" {
		msg += ": " + reason
	}
	return apierrors.NewForbidden(v1alpha1.Resource(k.resource), k.name, errors.New(msg))
}

// checkedReader reads Applications and ApplicationSets from the
// server's cache for a user: a Get only when they may get the object, a
// List only the items of the namespaces where they may list them.
type checkedReader struct {
	cache  client.Reader
	client client.Client // the user's impersonating client
	user   *User
	access *accessCache
}

func argoResource(obj runtime.Object) (string, bool) {
	switch obj.(type) {
	case *v1alpha1.Application, *v1alpha1.ApplicationList:
		return v1alpha1.ApplicationPlural, true
	case *v1alpha1.ApplicationSet, *v1alpha1.ApplicationSetList:
		return v1alpha1.ApplicationSetPlural, true
	}
	return "", false
}

func (r checkedReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	res, ok := argoResource(obj)
	if !ok {
		return fmt.Errorf("checked reader: %T is not read from the cache", obj)
	}
	if err := r.access.check(ctx, r.client, r.user, accessKey{verb: "get", resource: res, namespace: key.Namespace, name: key.Name}); err != nil {
		return err
	}
	return r.cache.Get(ctx, key, obj, opts...)
}

func (r checkedReader) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	res, ok := argoResource(list)
	if !ok {
		return fmt.Errorf("checked reader: %T is not read from the cache", list)
	}
	if err := r.cache.List(ctx, list, opts...); err != nil {
		return err
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return fmt.Errorf("checked reader: %w", err)
	}
	kept := items[:0]
	mayList := map[string]bool{}
	for _, item := range items {
		m, err := meta.Accessor(item)
		if err != nil {
			return fmt.Errorf("checked reader: %w", err)
		}
		ns := m.GetNamespace()
		ok, seen := mayList[ns]
		if !seen {
			err := r.access.check(ctx, r.client, r.user, accessKey{verb: "list", resource: res, namespace: ns})
			if err != nil && !apierrors.IsForbidden(err) {
				return err
			}
			ok = err == nil
			mayList[ns] = ok
		}
		if ok {
			kept = append(kept, item)
		}
	}
	return meta.SetList(list, kept)
}
