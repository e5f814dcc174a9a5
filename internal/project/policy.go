package project

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/safeglob"
	"flotilla.dev/flotilla/internal/source"
)

// Default returns the built-in "default" project, which permits everything.
func Default() *v1alpha1.AppProject {
	p := &v1alpha1.AppProject{}
	p.Name = "default"
	p.Spec.SourceRepos = []string{"*"}
	p.Spec.Destinations = []v1alpha1.ApplicationDestination{{Server: "*", Name: "*", Namespace: "*"}}
	p.Spec.ClusterResourceWhitelist = []v1alpha1.ClusterResourceRestrictionItem{{Group: "*", Kind: "*"}}
	return p
}

// CheckApp checks an Application's sources and destination against p.
func CheckApp(p *v1alpha1.AppProject, app *v1alpha1.Application) error {
	for _, src := range app.Spec.GetSources() {
		if !SourcePermitted(p, src.RepoURL) {
			return fmt.Errorf("application repo %s is not permitted in project %q", src.RepoURL, p.Name)
		}
	}
	d := app.Spec.Destination
	if !DestinationPermitted(p, d) {
		target := d.Server
		if target == "" {
			target = d.Name
		}
		return fmt.Errorf("application destination server %q and namespace %q do not match any of the allowed destinations in project %q", target, d.Namespace, p.Name)
	}
	return nil
}

// SourcePermitted applies sourceRepos: a match of any allow pattern, and no
// match of a deny ("!") pattern.
func SourcePermitted(p *v1alpha1.AppProject, repoURL string) bool {
	src := source.Normalize(repoURL)
	allowed := false
	for _, pattern := range p.Spec.SourceRepos {
		deny := strings.HasPrefix(pattern, "!")
		matched := match(source.Normalize(strings.TrimPrefix(pattern, "!")), src, '/')
		switch {
		case deny && matched:
			return false
		case !deny && matched:
			allowed = true
		}
	}
	return allowed
}

// DestinationPermitted applies destinations: server (or name) and
// namespace globs, `!` to deny.
func DestinationPermitted(p *v1alpha1.AppProject, d v1alpha1.ApplicationDestination) bool {
	allowed := false
	for _, allow := range p.Spec.Destinations {
		clusterOK := (d.Server != "" && matchNeg(allow.Server, d.Server)) || (d.Name != "" && matchNeg(allow.Name, d.Name))
		nsOK := matchNeg(allow.Namespace, d.Namespace)
		if strings.HasPrefix(allow.Namespace, "!") && !nsOK && clusterOK {
			return false
		}
		if clusterOK && nsOK && !strings.HasPrefix(allow.Namespace, "!") {
			allowed = true
		}
	}
	return allowed
}

// CheckObjects refuses objects of kinds the project does not permit. An
// object without a namespace is cluster-scoped (after the destination
// namespace was defaulted).
func CheckObjects(p *v1alpha1.AppProject, objs []*unstructured.Unstructured) error {
	var denied []string
	for _, u := range objs {
		if !KindPermitted(p, u) {
			gvk := u.GroupVersionKind()
			denied = append(denied, fmt.Sprintf("%s %s (group %q)", gvk.Kind, u.GetName(), gvk.Group))
		}
	}
	if len(denied) > 0 {
		return fmt.Errorf("resources not permitted in project %q: %s", p.Name, strings.Join(denied, ", "))
	}
	return nil
}

// KindPermitted applies the resource white- and blacklists to one object.
func KindPermitted(p *v1alpha1.AppProject, u *unstructured.Unstructured) bool {
	gvk := u.GroupVersionKind()
	if u.GetNamespace() == "" {
		return listed(p.Spec.ClusterResourceWhitelist, gvk.Group, gvk.Kind, u.GetName()) &&
			!listed(p.Spec.ClusterResourceBlacklist, gvk.Group, gvk.Kind, u.GetName())
	}
	for _, gk := range p.Spec.NamespaceResourceBlacklist {
		if match(gk.Group, gvk.Group, 0) && match(gk.Kind, gvk.Kind, 0) {
			return false
		}
	}
	if len(p.Spec.NamespaceResourceWhitelist) == 0 {
		return true
	}
	for _, gk := range p.Spec.NamespaceResourceWhitelist {
		if match(gk.Group, gvk.Group, 0) && match(gk.Kind, gvk.Kind, 0) {
			return true
		}
	}
	return false
}

func listed(items []v1alpha1.ClusterResourceRestrictionItem, group, kind, name string) bool {
	for _, it := range items {
		if match(it.Group, group, 0) && match(it.Kind, kind, 0) && (it.Name == "" || match(it.Name, name, 0)) {
			return true
		}
	}
	return false
}

// matchNeg matches a glob that may start with "!" (then a non-match
// matches).
func matchNeg(pattern, s string) bool {
	if rest, deny := strings.CutPrefix(pattern, "!"); deny {
		return !match(rest, s, 0)
	}
	return match(pattern, s, 0)
}

// match is Argo CD's glob match; an invalid pattern, or one the glob
// library cannot match (safeglob), matches only itself.
func match(pattern, s string, sep rune) bool {
	if pattern == s || pattern == "*" {
		return true
	}
	var seps []rune
	if sep != 0 {
		seps = []rune{sep}
	}
	g, err := safeglob.Compile(pattern, seps...)
	if err != nil {
		return false
	}
	ok, err := g.Match(s) // a pattern that cannot be matched is as invalid
	return err == nil && ok
}

// NamespacePermitted reports whether an Application in namespace appNS may
// use project p: an app in the controller's namespace controllerNS always
// may, an app in any other namespace only when p's sourceNamespaces match
// appNS (Argo CD's "apps in any namespace").
func NamespacePermitted(p *v1alpha1.AppProject, appNS, controllerNS string) bool {
	return appNS == "" || appNS == controllerNS || MatchAny(p.Spec.SourceNamespaces, appNS)
}

// MatchAny reports whether s matches one of patterns: Argo CD's globs, or
// a regular expression between slashes ("/^team-[a-z]+$/"). An invalid
// pattern matches nothing but itself.
func MatchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if re, ok := strings.CutPrefix(p, "/"); ok && strings.HasSuffix(re, "/") && len(re) > 1 {
			if rx, err := regexp.Compile(strings.TrimSuffix(re, "/")); err == nil && rx.MatchString(s) {
				return true
			}
			continue
		}
		if match(p, s, 0) {
			return true
		}
	}
	return false
}
