package appset

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/gosimple/slug"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/scm"
)

func init() {
	// As Argo CD: branch slugs fit a DNS label with room for a 13-character
	// suffix, and underscores become dashes. slug keeps these as package
	// settings; nothing else in flotilla uses it.
	slug.MaxLength = 50
	slug.CustomSub = map[string]string{"_": "-"}
}

// pullRequestParams lists the open pull requests that pass the filters,
// one parameter set each, with Argo CD's parameters: labels only with Go
// templates. A repository the forge does not know gives no parameter set
// when continueOnRepoNotFoundError is set.
func (g *generation) pullRequestParams(p *v1alpha1.PullRequestGenerator) ([]map[string]any, error) {
	filters, err := pullRequestFilters(p.Filters)
	if err != nil {
		return nil, err
	}
	svc, err := g.pullRequestService(p)
	if err != nil {
		return nil, fmt.Errorf("pull request provider: %w", err)
	}
	prs, err := scm.ListPullRequests(g.ctx, svc, filters)
	if err != nil {
		if p.ContinueOnRepoNotFoundError && scm.IsNotFound(err) {
			return []map[string]any{}, nil
		}
		return nil, fmt.Errorf("list pull requests: %w", err)
	}
	out := make([]map[string]any, 0, len(prs))
	for _, pr := range prs {
		params := pullRequestParamSet(pr)
		if g.goTemplate {
			params["labels"] = pr.Labels
		}
		if err := g.appendValues(params, p.Values); err != nil {
			return nil, fmt.Errorf("pull request %d: %w", pr.Number, err)
		}
		out = append(out, params)
	}
	return out, nil
}

// pullRequestParamSet is Argo CD's parameter set of one pull request.
func pullRequestParamSet(pr *scm.PullRequest) map[string]any {
	return map[string]any{
		"number":             strconv.FormatInt(pr.Number, 10),
		"title":              pr.Title,
		"branch":             pr.Branch,
		"branch_slug":        slug.Make(pr.Branch),
		"target_branch":      pr.TargetBranch,
		"target_branch_slug": slug.Make(pr.TargetBranch),
		"head_sha":           pr.HeadSHA,
		"head_short_sha":     prefix(pr.HeadSHA, 8),
		"head_short_sha_7":   prefix(pr.HeadSHA, 7),
		"author":             pr.Author,
	}
}

// pullRequestFilters compiles the generator's filters.
func pullRequestFilters(in []v1alpha1.PullRequestGeneratorFilter) ([]scm.PullRequestFilter, error) {
	out := make([]scm.PullRequestFilter, 0, len(in))
	for i, f := range in {
		var c scm.PullRequestFilter
		for _, r := range []struct {
			name string
			expr *string
			into **regexp.Regexp
		}{{"branchMatch", f.BranchMatch, &c.BranchMatch}, {"targetBranchMatch", f.TargetBranchMatch, &c.TargetBranchMatch}, {"titleMatch", f.TitleMatch, &c.TitleMatch}} {
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

// compileOptional compiles expr when it is set.
func compileOptional(expr *string) (*regexp.Regexp, error) {
	if expr == nil {
		return nil, nil
	}
	return regexp.Compile(*expr)
}

// prefix is the first n bytes of s, or s.
func prefix(s string, n int) string {
	return s[:min(len(s), n)]
}
