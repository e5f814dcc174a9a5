package appset

import (
	"errors"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/scm"
)

// pullRequestService builds the service of the one provider p names.
func (g *generation) pullRequestService(p *v1alpha1.PullRequestGenerator) (scm.PullRequestService, error) {
	switch {
	case p.Github != nil:
		c := p.Github
		return g.gitHub(c.API, c.TokenRef, c.AppSecretName, scm.GitHubOptions{Owner: c.Owner, Repo: c.Repo, Labels: c.Labels})
	case p.GitLab != nil:
		c := p.GitLab
		return g.gitLab(c.API, c.TokenRef, c.CARef, scm.GitLabOptions{Project: c.Project, Labels: c.Labels, PullRequestState: c.PullRequestState, Insecure: c.Insecure})
	case p.Gitea != nil:
		c := p.Gitea
		return g.gitea(c.API, c.TokenRef, scm.GiteaOptions{Owner: c.Owner, Repo: c.Repo, Labels: c.Labels, Insecure: c.Insecure})
	case p.BitbucketServer != nil:
		c := p.BitbucketServer
		return g.bitbucketServer(c.API, c.BasicAuth, c.BearerToken, c.CARef, scm.BitbucketServerOptions{Project: c.Project, Repo: c.Repo, Insecure: c.Insecure})
	case p.Bitbucket != nil:
		c := p.Bitbucket
		var bearer *v1alpha1.SecretRef
		if c.BearerToken != nil {
			bearer = c.BearerToken.TokenRef
		}
		return g.bitbucketCloud(c.API, c.BasicAuth, bearer, scm.BitbucketCloudOptions{Owner: c.Owner, Repo: c.Repo})
	case p.AzureDevOps != nil:
		c := p.AzureDevOps
		return g.azureDevOps(c.API, c.TokenRef, scm.AzureDevOpsOptions{Organization: c.Organization, Project: c.Project, Repo: c.Repo, Labels: c.Labels})
	}
	return nil, errors.New("no pull request provider configured (github, gitlab, gitea, bitbucketServer, bitbucket or azuredevops)")
}

// repositoryService builds the service of the one provider p names.
func (g *generation) repositoryService(p *v1alpha1.SCMProviderGenerator) (scm.RepositoryService, error) {
	switch {
	case p.Github != nil:
		c := p.Github
		return g.gitHub(c.API, c.TokenRef, c.AppSecretName, scm.GitHubOptions{Owner: c.Organization, AllBranches: c.AllBranches, ExcludeArchived: c.ExcludeArchivedRepos})
	case p.Gitlab != nil:
		c := p.Gitlab
		shared := c.IncludeSharedProjects == nil || *c.IncludeSharedProjects
		return g.gitLab(c.API, c.TokenRef, c.CARef, scm.GitLabOptions{Group: c.Group, IncludeSubgroups: c.IncludeSubgroups,
			IncludeSharedProjects: shared, IncludeArchived: c.IncludeArchivedRepos, AllBranches: c.AllBranches, Topic: c.Topic, Insecure: c.Insecure})
	case p.Gitea != nil:
		c := p.Gitea
		return g.gitea(c.API, c.TokenRef, scm.GiteaOptions{Owner: c.Owner, AllBranches: c.AllBranches, ExcludeArchived: c.ExcludeArchivedRepos, Insecure: c.Insecure})
	case p.BitbucketServer != nil:
		c := p.BitbucketServer
		return g.bitbucketServer(c.API, c.BasicAuth, c.BearerToken, c.CARef, scm.BitbucketServerOptions{Project: c.Project, AllBranches: c.AllBranches, Insecure: c.Insecure})
	case p.Bitbucket != nil:
		c := p.Bitbucket
		return g.bitbucketCloud("", &v1alpha1.BasicAuthBitbucketServer{Username: c.User, PasswordRef: c.AppPasswordRef}, nil,
			scm.BitbucketCloudOptions{Owner: c.Owner, AllBranches: c.AllBranches})
	case p.AzureDevOps != nil:
		c := p.AzureDevOps
		return g.azureDevOps(c.API, c.AccessTokenRef, scm.AzureDevOpsOptions{Organization: c.Organization, Project: c.TeamProject, AllBranches: c.AllBranches})
	case p.AWSCodeCommit != nil:
		return nil, errors.New("the awsCodeCommit provider is not supported: use github, gitlab, gitea, bitbucket, bitbucketServer or azureDevOps")
	}
	return nil, errors.New("no SCM provider configured (github, gitlab, gitea, bitbucket, bitbucketServer or azureDevOps)")
}

// access is what a provider is called with: the API URL, once the
// allow-list allows it, and the credentials read from their Secrets.
type access struct {
	user, password, token string
}

// access checks api against the allow-list and reads a provider's
// credentials: basic ones when basic is set, else the token ref (none:
// anonymous). env is the token's environment variable for the CLI.
func (g *generation) access(api, env string, token *v1alpha1.SecretRef, basic *v1alpha1.BasicAuthBitbucketServer) (access, error) {
	if err := g.allowed(api); err != nil {
		return access{}, err
	}
	var a access
	var err error
	if basic != nil && token == nil {
		a.user = basic.Username
		a.password, err = g.scmSecret(basic.PasswordRef, env)
	} else {
		a.token, err = g.scmSecret(token, env)
	}
	return a, err
}

// gitHub builds the GitHub provider with a token or a GitHub App.
func (g *generation) gitHub(api string, ref *v1alpha1.SecretRef, appSecret string, o scm.GitHubOptions) (providerService, error) {
	if appSecret != "" {
		ref = nil // the App's installation token, not a token ref
	}
	a, err := g.access(api, envGitHub, ref, nil)
	if err != nil {
		return nil, err
	}
	o.API, o.HTTPClient, o.Token = api, g.env.SCM.HTTPClient, a.token
	if appSecret != "" {
		if o.App, err = g.gitHubApp(appSecret); err != nil {
			return nil, err
		}
	}
	return scm.NewGitHub(o)
}

// gitLab builds the GitLab provider.
func (g *generation) gitLab(api string, ref *v1alpha1.SecretRef, ca *v1alpha1.ConfigMapKeyRef, o scm.GitLabOptions) (providerService, error) {
	a, err := g.access(api, envGitLab, ref, nil)
	if err != nil {
		return nil, err
	}
	o.API, o.HTTPClient, o.Token = api, g.env.SCM.HTTPClient, a.token
	if o.CACerts, err = g.caCerts(ca); err != nil {
		return nil, err
	}
	return scm.NewGitLab(o)
}

// gitea builds the Gitea provider.
func (g *generation) gitea(api string, ref *v1alpha1.SecretRef, o scm.GiteaOptions) (providerService, error) {
	a, err := g.access(api, envGitea, ref, nil)
	if err != nil {
		return nil, err
	}
	o.API, o.HTTPClient, o.Token = api, g.env.SCM.HTTPClient, a.token
	return scm.NewGitea(o)
}

// bitbucketServer builds the Bitbucket Server provider with bearer or
// basic credentials, or none.
func (g *generation) bitbucketServer(api string, basic *v1alpha1.BasicAuthBitbucketServer, bearer *v1alpha1.BearerTokenBitbucket,
	ca *v1alpha1.ConfigMapKeyRef, o scm.BitbucketServerOptions) (providerService, error) {
	var token *v1alpha1.SecretRef
	if bearer != nil {
		token = bearer.TokenRef
	}
	a, err := g.access(api, envBitbucketServer, token, basic)
	if err != nil {
		return nil, err
	}
	o.API, o.HTTPClient, o.Token, o.User, o.Password = api, g.env.SCM.HTTPClient, a.token, a.user, a.password
	if o.CACerts, err = g.caCerts(ca); err != nil {
		return nil, err
	}
	return scm.NewBitbucketServer(o)
}

// bitbucketCloud builds the Bitbucket Cloud provider with bearer or
// basic (app password) credentials, or none.
func (g *generation) bitbucketCloud(api string, basic *v1alpha1.BasicAuthBitbucketServer, bearer *v1alpha1.SecretRef, o scm.BitbucketCloudOptions) (providerService, error) {
	a, err := g.access(api, envBitbucket, bearer, basic)
	if err != nil {
		return nil, err
	}
	o.API, o.HTTPClient, o.Token, o.User, o.Password = api, g.env.SCM.HTTPClient, a.token, a.user, a.password
	return scm.NewBitbucketCloud(o)
}

// azureDevOps builds the Azure DevOps provider.
func (g *generation) azureDevOps(api string, ref *v1alpha1.SecretRef, o scm.AzureDevOpsOptions) (providerService, error) {
	a, err := g.access(api, envAzureDevOps, ref, nil)
	if err != nil {
		return nil, err
	}
	o.API, o.HTTPClient, o.Token = api, g.env.SCM.HTTPClient, a.token
	return scm.NewAzureDevOps(o)
}

// providerService is what every provider is at least: both listings.
type providerService interface {
	scm.PullRequestService
	scm.RepositoryService
}
