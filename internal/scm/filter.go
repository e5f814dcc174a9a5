package scm

import (
	"context"
	"regexp"
	"slices"
	"strings"
)

// PullRequestFilter is one compiled pull-request filter: every set field
// must match. A pull request passes a list of filters when it passes any.
type PullRequestFilter struct {
	BranchMatch       *regexp.Regexp
	TargetBranchMatch *regexp.Regexp
	TitleMatch        *regexp.Regexp
}

// matches says whether pr passes f.
func (f PullRequestFilter) matches(pr *PullRequest) bool {
	return matchOrNil(f.BranchMatch, pr.Branch) &&
		matchOrNil(f.TargetBranchMatch, pr.TargetBranch) &&
		matchOrNil(f.TitleMatch, pr.Title)
}

// ListPullRequests lists svc's pull requests that pass any filter (all
// when there is none).
func ListPullRequests(ctx context.Context, svc PullRequestService, filters []PullRequestFilter) ([]*PullRequest, error) {
	prs, err := svc.List(ctx)
	if err != nil || len(filters) == 0 {
		return prs, err
	}
	out := make([]*PullRequest, 0, len(prs))
	for _, pr := range prs {
		if slices.ContainsFunc(filters, func(f PullRequestFilter) bool { return f.matches(pr) }) {
			out = append(out, pr)
		}
	}
	return out, nil
}

// RepositoryFilter is one compiled SCM-provider filter: every set field
// must match. RepositoryMatch and LabelMatch look at the repository;
// BranchMatch, PathsExist and PathsDoNotExist at each branch. As in Argo
// CD, a filter with any branch field is a branch filter, applied after
// branches are listed, and a filter is only ever one of the two.
type RepositoryFilter struct {
	RepositoryMatch *regexp.Regexp
	LabelMatch      *regexp.Regexp
	BranchMatch     *regexp.Regexp
	PathsExist      []string
	PathsDoNotExist []string
}

// onBranch says whether f is applied to branches rather than repositories.
func (f RepositoryFilter) onBranch() bool {
	return f.BranchMatch != nil || f.PathsExist != nil || f.PathsDoNotExist != nil
}

// matches says whether repo passes f, asking svc for paths.
func (f RepositoryFilter) matches(ctx context.Context, svc RepositoryService, repo *Repository) (bool, error) {
	if !matchOrNil(f.RepositoryMatch, repo.Repository) || !matchOrNil(f.BranchMatch, repo.Branch) {
		return false, nil
	}
	if f.LabelMatch != nil && !slices.ContainsFunc(repo.Labels, f.LabelMatch.MatchString) {
		return false, nil
	}
	for _, want := range []struct {
		paths []string
		exist bool
	}{{f.PathsExist, true}, {f.PathsDoNotExist, false}} {
		for _, p := range want.paths {
			has, err := svc.RepoHasPath(ctx, repo, strings.TrimRight(p, "/"))
			if err != nil {
				return false, err
			}
			if has != want.exist {
				return false, nil
			}
		}
	}
	return true, nil
}

// ListRepos lists svc's repositories, one per branch, that pass the
// filters: repository filters first (any must pass), then each passing
// repository's branches, then branch filters (any must pass).
func ListRepos(ctx context.Context, svc RepositoryService, filters []RepositoryFilter, cloneProtocol string) ([]*Repository, error) {
	var repoFilters, branchFilters []RepositoryFilter
	for _, f := range filters {
		if f.onBranch() {
			branchFilters = append(branchFilters, f)
		} else {
			repoFilters = append(repoFilters, f)
		}
	}
	repos, err := svc.ListRepos(ctx, cloneProtocol)
	if err != nil {
		return nil, err
	}
	if repos, err = filterRepos(ctx, svc, repos, repoFilters); err != nil {
		return nil, err
	}
	var branches []*Repository
	for _, repo := range repos {
		bs, err := svc.GetBranches(ctx, repo)
		if err != nil {
			return nil, err
		}
		branches = append(branches, bs...)
	}
	return filterRepos(ctx, svc, branches, branchFilters)
}

// filterRepos keeps the repositories that pass any filter (all when
// there is none).
func filterRepos(ctx context.Context, svc RepositoryService, repos []*Repository, filters []RepositoryFilter) ([]*Repository, error) {
	if len(filters) == 0 {
		return repos, nil
	}
	out := make([]*Repository, 0, len(repos))
	for _, repo := range repos {
		for _, f := range filters {
			ok, err := f.matches(ctx, svc, repo)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, repo)
				break
			}
		}
	}
	return out, nil
}

// matchOrNil is true when re is nil or matches s.
func matchOrNil(re *regexp.Regexp, s string) bool {
	return re == nil || re.MatchString(s)
}
