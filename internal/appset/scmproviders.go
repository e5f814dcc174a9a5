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

// gitHub builds the GitHub provider with a token or a GitHub App.
func (g *generation) gitHub(api string, ref *v1alpha1.SecretRef, appSecret string, o scm.GitHubOptions) (providerService, error) {
	if err := g.allowed(api); err != nil {
		return nil, err
	}
	o.API, o.HTTPClient = api, g.env.SCM.HTTPClient
	var err error
	if appSecret != "" {
		o.App, err = g.gitHubApp(appSecret)
	} else {
		o.Token, err = g.scmSecret(ref, envGitHub)
	}
	if err != nil {
		return nil, err
	}
	return scm.NewGitHub(o)
}

// gitLab builds the GitLab provider.
func (g *generation) gitLab(api string, ref *v1alpha1.SecretRef, ca *v1alpha1.ConfigMapKeyRef, o scm.GitLabOptions) (providerService, error) {
	if err := g.allowed(api); err != nil {
		return nil, err
	}
	o.API, o.HTTPClient = api, g.env.SCM.HTTPClient
	var err error
	if o.Token, err = g.scmSecret(ref, envGitLab); err != nil {
		return nil, err
	}
	if o.CACerts, err = g.caCerts(ca); err != nil {
		return nil, err
	}
	return scm.NewGitLab(o)
}

// gitea builds the Gitea provider.
func (g *generation) gitea(api string, ref *v1alpha1.SecretRef, o scm.GiteaOptions) (providerService, error) {
	if err := g.allowed(api); err != nil {
		return nil, err
	}
	o.API, o.HTTPClient = api, g.env.SCM.HTTPClient
	var err error
	if o.Token, err = g.scmSecret(ref, envGitea); err != nil {
		return nil, err
	}
	return scm.NewGitea(o)
}

// bitbucketServer builds the Bitbucket Server provider with basic or
// bearer credentials, or none.
func (g *generation) bitbucketServer(api string, basic *v1alpha1.BasicAuthBitbucketServer, bearer *v1alpha1.BearerTokenBitbucket,
	ca *v1alpha1.ConfigMapKeyRef, o scm.BitbucketServerOptions) (providerService, error) {
	if err := g.allowed(api); err != nil {
		return nil, err
	}
	o.API, o.HTTPClient = api, g.env.SCM.HTTPClient
	var err error
	switch {
	case bearer != nil:
		o.Token, err = g.scmSecret(bearer.TokenRef, envBitbucketServer)
	case basic != nil:
		o.User = basic.Username
		o.Password, err = g.scmSecret(basic.PasswordRef, envBitbucketServer)
	}
	if err != nil {
		return nil, err
	}
	if o.CACerts, err = g.caCerts(ca); err != nil {
		return nil, err
	}
	return scm.NewBitbucketServer(o)
}

// bitbucketCloud builds the Bitbucket Cloud provider with basic (app
// password) or bearer credentials, or none.
func (g *generation) bitbucketCloud(api string, basic *v1alpha1.BasicAuthBitbucketServer, bearer *v1alpha1.SecretRef, o scm.BitbucketCloudOptions) (providerService, error) {
	if err := g.allowed(api); err != nil {
		return nil, err
	}
	o.API, o.HTTPClient = api, g.env.SCM.HTTPClient
	var err error
	switch {
	case bearer != nil:
		o.Token, err = g.scmSecret(bearer, envBitbucket)
	case basic != nil:
		o.User = basic.Username
		o.Password, err = g.scmSecret(basic.PasswordRef, envBitbucket)
	}
	if err != nil {
		return nil, err
	}
	return scm.NewBitbucketCloud(o)
}

// azureDevOps builds the Azure DevOps provider.
func (g *generation) azureDevOps(api string, ref *v1alpha1.SecretRef, o scm.AzureDevOpsOptions) (providerService, error) {
	if err := g.allowed(api); err != nil {
		return nil, err
	}
	o.API, o.HTTPClient = api, g.env.SCM.HTTPClient
	var err error
	if o.Token, err = g.scmSecret(ref, envAzureDevOps); err != nil {
		return nil, err
	}
	return scm.NewAzureDevOps(o)
}

// providerService is what every provider is at least: both listings.
type providerService interface {
	scm.PullRequestService
	scm.RepositoryService
}
