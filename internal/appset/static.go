package appset

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"flotilla.dev/flotilla/internal/cluster"
)

// StaticReader implements Reader over a fixed list of objects, for tests
// and for `flotilla appset generate --clusters FILE`: v1 Secrets (cluster
// Secrets are those labelled argocd.argoproj.io/secret-type=cluster),
// v1 ConfigMaps, and any other object as a duck-typed resource. An object
// without a namespace is found in every namespace. A Secret's stringData
// counts as data, as the API server would make it.
type StaticReader struct {
	// Objects are the objects read, in the order listed.
	Objects []*unstructured.Unstructured
}

var _ Reader = (*StaticReader)(nil)

// NewStaticReader returns a StaticReader over objs.
func NewStaticReader(objs []*unstructured.Unstructured) *StaticReader {
	return &StaticReader{Objects: objs}
}

// ClusterSecrets lists the cluster Secrets of namespace whose labels
// match selector.
func (r *StaticReader) ClusterSecrets(_ context.Context, namespace string, selector labels.Selector) ([]corev1.Secret, error) {
	var res []corev1.Secret
	for _, u := range r.find(schema.GroupVersionKind{Version: "v1", Kind: "Secret"}, namespace) {
		l := labels.Set(u.GetLabels())
		if l[cluster.SecretTypeLabel] != cluster.SecretTypeCluster || !selector.Matches(l) {
			continue
		}
		s, err := toSecret(u)
		if err != nil {
			return nil, err
		}
		res = append(res, *s)
	}
	return res, nil
}

// Secret returns Secret namespace/name.
func (r *StaticReader) Secret(_ context.Context, namespace, name string) (*corev1.Secret, error) {
	u, err := r.get(schema.GroupVersionKind{Version: "v1", Kind: "Secret"}, namespace, name)
	if err != nil {
		return nil, err
	}
	return toSecret(u)
}

// ConfigMap returns ConfigMap namespace/name.
func (r *StaticReader) ConfigMap(_ context.Context, namespace, name string) (*corev1.ConfigMap, error) {
	u, err := r.get(schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, namespace, name)
	if err != nil {
		return nil, err
	}
	var cm corev1.ConfigMap
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &cm); err != nil {
		return nil, fmt.Errorf("read ConfigMap %s/%s: %w", namespace, name, err)
	}
	return &cm, nil
}

// Resources lists the objects of gvk in namespace whose labels match
// selector. gvk.Kind may also be the resource name a clusterDecisionResource
// ConfigMap gives (e.g. "placementdecisions" for PlacementDecision).
func (r *StaticReader) Resources(_ context.Context, gvk schema.GroupVersionKind, namespace string, selector labels.Selector) ([]unstructured.Unstructured, error) {
	var res []unstructured.Unstructured
	for _, u := range r.find(gvk, namespace) {
		if selector.Matches(labels.Set(u.GetLabels())) {
			res = append(res, *u.DeepCopy())
		}
	}
	return res, nil
}

// get finds one object, or fails naming it.
func (r *StaticReader) get(gvk schema.GroupVersionKind, namespace, name string) (*unstructured.Unstructured, error) {
	for _, u := range r.find(gvk, namespace) {
		if u.GetName() == name {
			return u, nil
		}
	}
	return nil, fmt.Errorf("no %s %s/%s", gvk.Kind, namespace, name)
}

// find lists the objects of gvk in namespace.
func (r *StaticReader) find(gvk schema.GroupVersionKind, namespace string) []*unstructured.Unstructured {
	var res []*unstructured.Unstructured
	for _, u := range r.Objects {
		if u == nil || !kindMatches(u.GroupVersionKind(), gvk) {
			continue
		}
		if ns := u.GetNamespace(); ns != "" && ns != namespace {
			continue
		}
		res = append(res, u)
	}
	return res
}

// kindMatches reports whether an object of kind have is one of want,
// whose Kind may be a kind or a resource name, in any case.
func kindMatches(have, want schema.GroupVersionKind) bool {
	if have.Group != want.Group || have.Version != want.Version {
		return false
	}
	if strings.EqualFold(have.Kind, want.Kind) {
		return true
	}
	plural, singular := meta.UnsafeGuessKindToResource(have)
	return strings.EqualFold(plural.Resource, want.Kind) || strings.EqualFold(singular.Resource, want.Kind)
}

// toSecret converts an unstructured Secret, folding stringData into data.
func toSecret(u *unstructured.Unstructured) (*corev1.Secret, error) {
	var s corev1.Secret
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &s); err != nil {
		return nil, fmt.Errorf("read Secret %s/%s: %w", u.GetNamespace(), u.GetName(), err)
	}
	if len(s.StringData) > 0 && s.Data == nil {
		s.Data = map[string][]byte{}
	}
	for k, v := range s.StringData {
		s.Data[k] = []byte(v)
	}
	s.StringData = nil
	return &s, nil
}
