package scm

import "context"

// PullRequest is one open pull request (merge request in GitLab).
type PullRequest struct {
	// Number is the pull request's number (GitLab's iid).
	Number int64
	// Title is its title.
	Title string
	// Branch is the head (source) branch.
	Branch string
	// TargetBranch is the base branch it would merge into.
	TargetBranch string
	// HeadSHA is the commit at the head of Branch.
	HeadSHA string
	// Labels are its label names.
	Labels []string
	// Author is the login of whoever opened it.
	Author string
}

// PullRequestService lists a repository's open pull requests; labels
// configured on the generator are applied by the provider, as the
// forges' APIs filter by them.
type PullRequestService interface {
	List(ctx context.Context) ([]*PullRequest, error)
}

// Repository is a repository (at one branch once GetBranches has run).
type Repository struct {
	// Organization is the owner, group, workspace or project.
	Organization string
	// Repository is the repository's name.
	Repository string
	// URL is the clone URL in the protocol asked for.
	URL string
	// Branch is the default branch, or one branch of all.
	Branch string
	// SHA is Branch's head commit.
	SHA string
	// Labels are the repository's topics.
	Labels []string
	// RepositoryID is the forge's id of the repository: a number or a
	// string, as the forge gives it.
	RepositoryID any
}

// RepositoryService lists an organisation's repositories, as Argo CD's
// SCMProviderService.
type RepositoryService interface {
	// ListRepos lists the repositories with URLs in cloneProtocol ("" is
	// the provider's default: ssh where it has one).
	ListRepos(ctx context.Context, cloneProtocol string) ([]*Repository, error)
	// RepoHasPath says whether path (a file or a directory) exists on
	// repo's branch.
	RepoHasPath(ctx context.Context, repo *Repository, path string) (bool, error)
	// GetBranches returns repo once per branch: only its default branch
	// unless the provider was asked for all branches. Branch and SHA are set.
	GetBranches(ctx context.Context, repo *Repository) ([]*Repository, error)
}

// State is a commit status' state, named as GitHub and Gitea name them.
type State string

// The states flotilla posts.
const (
	StatePending State = "pending"
	StateSuccess State = "success"
	StateFailure State = "failure"
	StateError   State = "error"
)

// Status is one commit status.
type Status struct {
	// Repo is the repository's path on the forge: owner/name, GitLab's
	// group/subgroup/project, Bitbucket Server's PROJECT/repo.
	Repo string
	// SHA is the commit.
	SHA string
	// State is pending, success, failure or error.
	State State
	// Context names the status among others on the commit
	// ("flotilla/<app>"); a later status of the same context replaces it.
	Context string
	// Description is one line for humans.
	Description string
	// TargetURL links to the app in the web UI; may be empty.
	TargetURL string
}

// StatusService posts commit statuses.
type StatusService interface {
	SetStatus(ctx context.Context, s Status) error
}
