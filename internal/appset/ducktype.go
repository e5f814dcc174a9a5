package appset

import (
	"errors"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cluster"
)

// duckType is what a clusterDecisionResource ConfigMap describes.
type duckType struct {
	gvk           schema.GroupVersionKind
	statusListKey string
	matchKey      string
}

// duckTypeParams is one parameter set per decision, in the status lists of
// the resources the generator names, whose matchKey value names a known
// cluster: name and server of that cluster, every key of the decision (as
// a string) and the generator's values, which are not templated.
func (g *generation) duckTypeParams(d *v1alpha1.DuckTypeGenerator) ([]map[string]any, error) {
	if g.env.Reader == nil {
		return nil, errors.New("no reader for cluster decision resources")
	}
	clusters, err := g.knownClusters()
	if err != nil {
		return nil, err
	}
	dt, err := g.readDuckType(d.ConfigMapRef)
	if err != nil {
		return nil, err
	}
	if err := checkDuckTypeChoice(d); err != nil {
		return nil, err
	}
	resources, err := g.decisionResources(d, dt.gvk)
	if err != nil {
		return nil, err
	}
	if dt.matchKey == "" {
		return nil, nil
	}
	decisions, err := clusterDecisions(resources, dt.statusListKey)
	if err != nil {
		return nil, err
	}
	res := []map[string]any{}
	for _, decision := range decisions {
		c, ok := matchCluster(clusters, decision[dt.matchKey])
		if !ok {
			continue
		}
		res = append(res, g.decisionParams(c, decision, d.Values))
	}
	return res, nil
}

// readDuckType reads the generator's ConfigMap in the controller's
// namespace.
func (g *generation) readDuckType(name string) (duckType, error) {
	cm, err := g.env.Reader.ConfigMap(g.ctx, g.env.Namespace, name)
	if err != nil {
		return duckType{}, fmt.Errorf("read configMapRef: %w", err)
	}
	apiVersion, kind := cm.Data["apiVersion"], cm.Data["kind"]
	slash := strings.Index(apiVersion, "/")
	if kind == "" || slash < 1 {
		return duckType{}, fmt.Errorf("configMapRef %s needs a kind and an apiVersion group/version, has kind %q and apiVersion %q", name, kind, apiVersion)
	}
	dt := duckType{
		gvk:           schema.GroupVersionKind{Group: apiVersion[:slash], Version: apiVersion[slash+1:], Kind: kind},
		statusListKey: cm.Data["statusListKey"],
		matchKey:      cm.Data["matchKey"],
	}
	if dt.statusListKey == "" {
		dt.statusListKey = "clusters"
	}
	return dt, nil
}

// checkDuckTypeChoice requires a resource name or a label selector, not
// both.
func checkDuckTypeChoice(d *v1alpha1.DuckTypeGenerator) error {
	hasSelector := d.LabelSelector.MatchLabels != nil || d.LabelSelector.MatchExpressions != nil
	if (d.Name == "") != hasSelector {
		return errors.New("clusterDecisionResource needs exactly one of name and labelSelector")
	}
	return nil
}

// decisionResources lists the resources of gvk the generator names, in
// the controller's namespace; finding none is an error.
func (g *generation) decisionResources(d *v1alpha1.DuckTypeGenerator, gvk schema.GroupVersionKind) ([]unstructured.Unstructured, error) {
	selector := labels.Everything()
	if d.Name == "" {
		var err error
		if selector, err = metav1.LabelSelectorAsSelector(&d.LabelSelector); err != nil {
			return nil, fmt.Errorf("labelSelector: %w", err)
		}
	}
	list, err := g.env.Reader.Resources(g.ctx, gvk, g.env.Namespace, selector)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", gvk.Kind, err)
	}
	var res []unstructured.Unstructured
	for _, u := range list {
		if d.Name == "" || u.GetName() == d.Name {
			res = append(res, u)
		}
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("no %s.%s found in %s", gvk.Kind, gvk.Group, g.env.Namespace)
	}
	return res, nil
}

// clusterDecisions gathers the status.<key> lists of the resources; a
// resource without status is skipped.
func clusterDecisions(resources []unstructured.Unstructured, key string) ([]map[string]any, error) {
	var res []map[string]any
	for _, u := range resources {
		status, ok := u.Object["status"].(map[string]any)
		if !ok || len(status) == 0 {
			if u.Object["status"] != nil && !ok {
				return nil, fmt.Errorf("%s: status is not an object", u.GetName())
			}
			continue
		}
		list, ok := status[key].([]any)
		if !ok {
			return nil, fmt.Errorf("%s: status.%s is not a list", u.GetName(), key)
		}
		for i, item := range list {
			decision, ok := item.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: status.%s[%d] is not an object", u.GetName(), key, i)
			}
			res = append(res, decision)
		}
	}
	return res, nil
}

// knownCluster is a cluster as the decision generator sees it.
type knownCluster struct{ name, server string }

// knownClusters lists every cluster Secret's name and server, then the
// local cluster unless a Secret has its server.
func (g *generation) knownClusters() ([]knownCluster, error) {
	secrets, err := g.env.Reader.ClusterSecrets(g.ctx, g.env.Namespace, labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("list cluster Secrets: %w", err)
	}
	res := make([]knownCluster, 0, len(secrets)+1)
	for _, s := range secrets {
		res = append(res, knownCluster{name: string(s.Data["name"]), server: string(s.Data["server"])})
	}
	if !hasInCluster(secrets) {
		res = append(res, knownCluster{name: cluster.InClusterName, server: cluster.InClusterServer})
	}
	return res, nil
}

// matchCluster finds the cluster named by a decision's match value.
func matchCluster(clusters []knownCluster, value any) (knownCluster, bool) {
	if value == nil {
		return knownCluster{}, false
	}
	name := fmt.Sprintf("%v", value)
	if name == "" {
		return knownCluster{}, false
	}
	for _, c := range clusters {
		if c.name == name {
			return c, true
		}
	}
	return knownCluster{}, false
}

// decisionParams is one decision's parameter set.
func (g *generation) decisionParams(c knownCluster, decision map[string]any, values map[string]string) map[string]any {
	p := map[string]any{"name": c.name, "server": c.server}
	for k, v := range decision {
		p[k] = fmt.Sprintf("%v", v)
	}
	if len(values) == 0 {
		return p
	}
	if !g.goTemplate {
		for k, v := range values {
			p["values."+k] = v
		}
		return p
	}
	vals := map[string]string{}
	for k, v := range values {
		vals[k] = v
	}
	p["values"] = vals
	return p
}
