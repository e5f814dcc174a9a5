package appset

import (
	"fmt"
	"regexp"
	"strings"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/scm"
)

// scmProviderParams lists an organisation's repositories (one parameter
// set per repository, or per branch with allBranches) that pass the
// filters, with Argo CD's parameters.
func (g *generation) scmProviderParams(p *v1alpha1.SCMProviderGenerator) ([]map[string]any, error) {
	filters, err := repositoryFilters(p.Filters)
	if err != nil {
		return nil, err
	}
	svc, err := g.repositoryService(p)
	if err != nil {
		return nil, fmt.Errorf("scm provider: %w", err)
	}
	repos, err := scm.ListRepos(g.ctx, svc, filters, p.CloneProtocol)
	if err != nil {
		return nil, fmt.Errorf("list repositories: %w", err)
	}
	out := make([]map[string]any, 0, len(repos))
	for _, r := range repos {
		params := map[string]any{
			"organization":     r.Organization,
			"repository":       r.Repository,
			"repository_id":    r.RepositoryID,
			"url":              r.URL,
			"branch":           r.Branch,
			"sha":              r.SHA,
			"short_sha":        prefix(r.SHA, 8),
			"short_sha_7":      prefix(r.SHA, 7),
			"labels":           strings.Join(r.Labels, ","),
			"branchNormalized": SanitizeName(r.Branch),
		}
		if err := g.appendValues(params, p.Values); err != nil {
			return nil, fmt.Errorf("repository %s: %w", r.Repository, err)
		}
		out = append(out, params)
	}
	return out, nil
}

// repositoryFilters compiles the generator's filters.
func repositoryFilters(in []v1alpha1.SCMProviderGeneratorFilter) ([]scm.RepositoryFilter, error) {
	out := make([]scm.RepositoryFilter, 0, len(in))
	for i, f := range in {
		c := scm.RepositoryFilter{PathsExist: f.PathsExist, PathsDoNotExist: f.PathsDoNotExist}
		for _, r := range []struct {
			name string
			expr *string
			into **regexp.Regexp
		}{{"repositoryMatch", f.RepositoryMatch, &c.RepositoryMatch}, {"labelMatch", f.LabelMatch, &c.LabelMatch}, {"branchMatch", f.BranchMatch, &c.BranchMatch}} {
			re, err := compileOptional(r.expr)
			if err != nil {
				return nil, fmt.Errorf("filter %d: %s: %w", i, r.name, err)
			}
			*r.into = re
		}
		out = append(out, c)
	}
	return out, nil
}
