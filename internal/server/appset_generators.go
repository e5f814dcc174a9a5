package server

import "flotilla.dev/flotilla/api/v1alpha1"

// generatorKinds names the kinds of an ApplicationSet's generators, with
// the generators a matrix or merge combines as children.
func generatorKinds(gens []v1alpha1.ApplicationSetGenerator) []GeneratorKind {
	out := []GeneratorKind{}
	for _, g := range gens {
		switch {
		case g.Matrix != nil:
			out = append(out, GeneratorKind{Kind: "matrix", Children: nestedKinds(g.Matrix.Generators)})
		case g.Merge != nil:
			out = append(out, GeneratorKind{Kind: "merge", Children: nestedKinds(g.Merge.Generators)})
		default:
			out = append(out, GeneratorKind{Kind: leafKind(g.List, g.Clusters, g.Git, g.SCMProvider, g.ClusterDecisionResource, g.PullRequest, g.Plugin)})
		}
	}
	return out
}

// nestedKinds names the generators inside a matrix or merge; a nested
// matrix or merge that does not decode is named without children.
func nestedKinds(gens []v1alpha1.ApplicationSetNestedGenerator) []GeneratorKind {
	out := []GeneratorKind{}
	for _, g := range gens {
		switch {
		case g.Matrix != nil:
			k := GeneratorKind{Kind: "matrix"}
			if m, err := v1alpha1.ToNestedMatrixGenerator(g.Matrix); err == nil && m != nil {
				k.Children = terminalKinds(m.Generators)
			}
			out = append(out, k)
		case g.Merge != nil:
			k := GeneratorKind{Kind: "merge"}
			if m, err := v1alpha1.ToNestedMergeGenerator(g.Merge); err == nil && m != nil {
				k.Children = terminalKinds(m.Generators)
			}
			out = append(out, k)
		default:
			out = append(out, GeneratorKind{Kind: leafKind(g.List, g.Clusters, g.Git, g.SCMProvider, g.ClusterDecisionResource, g.PullRequest, g.Plugin)})
		}
	}
	return out
}

func terminalKinds(gens v1alpha1.ApplicationSetTerminalGenerators) []GeneratorKind {
	out := []GeneratorKind{}
	for _, g := range gens {
		out = append(out, GeneratorKind{Kind: leafKind(g.List, g.Clusters, g.Git, g.SCMProvider, g.ClusterDecisionResource, g.PullRequest, g.Plugin)})
	}
	return out
}

// leafKind names the one generator that is set, as its field is named in
// the manifest; "unknown" when none is.
func leafKind(list *v1alpha1.ListGenerator, clusters *v1alpha1.ClusterGenerator, git *v1alpha1.GitGenerator,
	scm *v1alpha1.SCMProviderGenerator, duck *v1alpha1.DuckTypeGenerator, pr *v1alpha1.PullRequestGenerator,
	plugin *v1alpha1.PluginGenerator) string {
	switch {
	case list != nil:
		return "list"
	case clusters != nil:
		return "clusters"
	case git != nil:
		return "git"
	case scm != nil:
		return "scmProvider"
	case duck != nil:
		return "clusterDecisionResource"
	case pr != nil:
		return "pullRequest"
	case plugin != nil:
		return "plugin"
	}
	return "unknown"
}
