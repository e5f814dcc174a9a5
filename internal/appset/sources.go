package appset

import (
	"flotilla.dev/flotilla/api/v1alpha1"
)

// GitSource is a repository and revision a git generator reads.
type GitSource struct {
	RepoURL  string
	Revision string
}

// GitSources lists the repoURL and revision of every git generator of
// set, the children of matrix and merge generators (nested ones included)
// too, without duplicates, in spec order, for matching webhook pushes.
// They are as written: a matrix's second child may template them
// (`{{...}}`), which a caller should take as matching any push.
func GitSources(set *v1alpha1.ApplicationSet) []GitSource {
	if set == nil {
		return nil
	}
	var res []GitSource
	seen := map[GitSource]bool{}
	add := func(g *v1alpha1.GitGenerator) {
		s := GitSource{RepoURL: g.RepoURL, Revision: g.Revision}
		if !seen[s] {
			seen[s] = true
			res = append(res, s)
		}
	}
	for i := range set.Spec.Generators {
		walkGit(&set.Spec.Generators[i], add)
	}
	return res
}

// walkGit calls fn for each git generator in gen and its children.
func walkGit(gen *v1alpha1.ApplicationSetGenerator, fn func(*v1alpha1.GitGenerator)) {
	walk(gen, func(g *v1alpha1.ApplicationSetGenerator) {
		if g.Git != nil {
			fn(g.Git)
		}
	})
}

// walk calls fn for gen and each of its matrix and merge children, depth
// first. Children that do not decode are skipped: Generate reports them.
func walk(gen *v1alpha1.ApplicationSetGenerator, fn func(*v1alpha1.ApplicationSetGenerator)) {
	fn(gen)
	var children []v1alpha1.ApplicationSetNestedGenerator
	if gen.Matrix != nil {
		children = append(children, gen.Matrix.Generators...)
	}
	if gen.Merge != nil {
		children = append(children, gen.Merge.Generators...)
	}
	for _, c := range children {
		child, err := fromNested(c)
		if err != nil {
			continue
		}
		walk(child, fn)
	}
}
