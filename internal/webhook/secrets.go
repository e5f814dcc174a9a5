package webhook

// Keys of argocd-secret that hold the webhook secrets.
const (
	KeyGitHubSecret          = "webhook.github.secret"
	KeyGitLabSecret          = "webhook.gitlab.secret"
	KeyGogsSecret            = "webhook.gogs.secret"
	KeyGiteaSecret           = "webhook.gitea.secret"
	KeyBitbucketUUID         = "webhook.bitbucket.uuid"
	KeyBitbucketServerSecret = "webhook.bitbucketserver.secret"
	KeyAzureDevOpsUsername   = "webhook.azuredevops.username"
	KeyAzureDevOpsPassword   = "webhook.azuredevops.password"
)

// Secrets are the shared secrets the providers' requests are verified
// against. An empty field disables verification for that provider, as in
// Argo CD.
type Secrets struct {
	// GitHub is the HMAC key of X-Hub-Signature-256.
	GitHub string
	// GitLab must equal the X-Gitlab-Token header.
	GitLab string
	// Gitea is the HMAC key of X-Gitea-Signature (and of X-Gogs-Signature
	// for Gogs).
	Gitea string
	// BitbucketUUID must equal the X-Hook-UUID header of Bitbucket Cloud.
	BitbucketUUID string
	// BitbucketServer is the HMAC key of Bitbucket Server's X-Hub-Signature.
	BitbucketServer string
	// AzureDevOpsUsername and AzureDevOpsPassword must equal the user name
	// and password of the basic auth of Azure DevOps service hook requests
	// once either is set: both are then compared, an unset one with an
	// empty value, as in Argo CD.
	AzureDevOpsUsername string
	AzureDevOpsPassword string
}

// SecretsFromData reads the webhook secrets from the data of Argo CD's
// argocd-secret. Argo CD verifies Gitea (and Gogs) requests with
// webhook.gogs.secret; webhook.gitea.secret is accepted too and wins when
// both are set. Values are used verbatim: references of the form
// $secret:key must be resolved by the caller.
func SecretsFromData(data map[string][]byte) Secrets {
	gitea := string(data[KeyGiteaSecret])
	if gitea == "" {
		gitea = string(data[KeyGogsSecret])
	}
	return Secrets{
		GitHub:              string(data[KeyGitHubSecret]),
		GitLab:              string(data[KeyGitLabSecret]),
		Gitea:               gitea,
		BitbucketUUID:       string(data[KeyBitbucketUUID]),
		BitbucketServer:     string(data[KeyBitbucketServerSecret]),
		AzureDevOpsUsername: string(data[KeyAzureDevOpsUsername]),
		AzureDevOpsPassword: string(data[KeyAzureDevOpsPassword]),
	}
}
