package appset

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cluster"
)

// clusterParams is one parameter set per cluster Secret matching the
// selector, ordered by cluster name, then the local cluster when the
// selector is empty and no Secret has its server. With flatList they are
// all one parameter set's `clusters` list.
func (g *generation) clusterParams(c *v1alpha1.ClusterGenerator) ([]map[string]any, error) {
	secrets, err := g.clusterSecrets(&c.Selector)
	if err != nil {
		return nil, err
	}
	var sets []map[string]any
	for _, s := range secrets {
		p := clusterSecretParams(s, g.goTemplate)
		if err := g.appendValues(p, c.Values); err != nil {
			return nil, fmt.Errorf("cluster %q: %w", p["name"], err)
		}
		sets = append(sets, p)
	}
	if selectsAll(&c.Selector) && !hasInCluster(secrets) {
		p := localClusterParams()
		if err := g.appendValues(p, c.Values); err != nil {
			return nil, fmt.Errorf("cluster %q: %w", cluster.InClusterName, err)
		}
		sets = append(sets, p)
	}
	if c.FlatList {
		return []map[string]any{{"clusters": sets}}, nil
	}
	return sets, nil
}

// clusterSecrets lists the cluster Secrets matching sel, one per cluster
// name (the last listed wins, as in Argo CD's map), sorted by name.
func (g *generation) clusterSecrets(sel *metav1.LabelSelector) ([]corev1.Secret, error) {
	if g.env.Reader == nil {
		return nil, errors.New("no reader for cluster Secrets")
	}
	selector, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return nil, fmt.Errorf("cluster selector: %w", err)
	}
	list, err := g.env.Reader.ClusterSecrets(g.ctx, g.env.Namespace, selector)
	if err != nil {
		return nil, fmt.Errorf("list cluster Secrets: %w", err)
	}
	byName := map[string]corev1.Secret{}
	for _, s := range list {
		byName[string(s.Data["name"])] = s
	}
	names := slices.Collect(maps.Keys(byName))
	sort.Strings(names)
	secrets := make([]corev1.Secret, 0, len(names))
	for _, n := range names {
		secrets = append(secrets, byName[n])
	}
	return secrets, nil
}

// clusterSecretParams are a cluster Secret's parameters: name,
// nameNormalized, server, project and its labels and annotations, as maps
// under metadata with Go templates and as flat metadata.labels.<key> and
// metadata.annotations.<key> parameters with fasttemplate.
func clusterSecretParams(s corev1.Secret, goTemplate bool) map[string]any {
	name := string(s.Data["name"])
	p := map[string]any{
		"name":           name,
		"nameNormalized": SanitizeName(name),
		"server":         string(s.Data["server"]),
		"project":        string(s.Data["project"]),
	}
	if goTemplate {
		meta := map[string]any{}
		if len(s.Annotations) > 0 {
			meta["annotations"] = maps.Clone(s.Annotations)
		}
		if len(s.Labels) > 0 {
			meta["labels"] = maps.Clone(s.Labels)
		}
		p["metadata"] = meta
		return p
	}
	for k, v := range s.Annotations {
		p["metadata.annotations."+k] = v
	}
	for k, v := range s.Labels {
		p["metadata.labels."+k] = v
	}
	return p
}

// localClusterParams are the parameters of the local cluster when no
// Secret describes it: no project and no metadata.
func localClusterParams() map[string]any {
	return map[string]any{
		"name":           cluster.InClusterName,
		"nameNormalized": cluster.InClusterName,
		"server":         cluster.InClusterServer,
		"project":        "",
	}
}

// selectsAll reports whether a cluster selector is empty: only then is
// the local cluster, which has no labels, a candidate.
func selectsAll(sel *metav1.LabelSelector) bool {
	return len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0
}

// hasInCluster reports whether a Secret describes the local cluster.
func hasInCluster(secrets []corev1.Secret) bool {
	for _, s := range secrets {
		if string(s.Data["server"]) == cluster.InClusterServer {
			return true
		}
	}
	return false
}

// appendValues renders a generator's values with params and adds them:
// as a `values` map with Go templates, as values.<key> with fasttemplate.
// Values see the generator's parameters but not each other.
func (g *generation) appendValues(params map[string]any, values map[string]string) error {
	if len(values) == 0 {
		return nil
	}
	rendered := make(map[string]string, len(values))
	for _, k := range slices.Sorted(maps.Keys(values)) {
		s, err := RenderString(values[k], params, g.goTemplate, g.options)
		if err != nil {
			return fmt.Errorf("value %q: %w", k, err)
		}
		rendered[k] = s
	}
	if g.goTemplate {
		params["values"] = rendered
		return nil
	}
	for k, v := range rendered {
		params["values."+k] = v
	}
	return nil
}
