package appset

import (
	"errors"
	"fmt"
	"os"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/scm"
)

const (
	// secretTypeLabel and scmCredsType mark the Secrets strict mode reads
	// tokens from, as Argo CD's tokenRef strict mode.
	secretTypeLabel = "argocd.argoproj.io/secret-type"
	scmCredsType    = "scm-creds"
)

// Token environment variables of `flotilla appset generate`, by provider.
const (
	envGitHub          = "GITHUB_TOKEN"
	envGitLab          = "GITLAB_TOKEN"
	envGitea           = "GITEA_TOKEN"
	envBitbucket       = "BITBUCKET_TOKEN"
	envBitbucketServer = "BITBUCKET_SERVER_TOKEN"
	envAzureDevOps     = "AZURE_DEVOPS_TOKEN"
)

// scmSecret reads a token (or password) for a provider: from env when
// tokens come from the environment and it is set, else from ref's Secret
// in the set's namespace; no ref is anonymous access.
func (g *generation) scmSecret(ref *v1alpha1.SecretRef, env string) (string, error) {
	if g.env.SCM.TokensFromEnv {
		if v := os.Getenv(env); v != "" {
			return v, nil
		}
	}
	if ref == nil {
		return "", nil
	}
	if g.env.Reader == nil {
		return "", fmt.Errorf("no Secret %s to read the token from: set %s", ref.SecretName, env)
	}
	secret, err := g.env.Reader.Secret(g.ctx, g.set.Namespace, ref.SecretName)
	if err != nil {
		return "", fmt.Errorf("read token: %w", err)
	}
	if g.env.SCM.TokenRefStrictMode && secret.Labels[secretTypeLabel] != scmCredsType {
		return "", fmt.Errorf("secret %s/%s is not a valid SCM creds secret: strict mode reads only Secrets labelled %s=%s",
			g.set.Namespace, ref.SecretName, secretTypeLabel, scmCredsType)
	}
	v, ok := secret.Data[ref.Key]
	if !ok {
		return "", fmt.Errorf("key %q in secret %s/%s not found", ref.Key, g.set.Namespace, ref.SecretName)
	}
	return string(v), nil
}

// caCerts reads the PEM certificates a caRef names in the set's namespace.
func (g *generation) caCerts(ref *v1alpha1.ConfigMapKeyRef) ([]byte, error) {
	if ref == nil {
		return nil, nil
	}
	if g.env.Reader == nil {
		return nil, errors.New("no reader for the caRef ConfigMap")
	}
	cm, err := g.env.Reader.ConfigMap(g.ctx, g.set.Namespace, ref.ConfigMapName)
	if err != nil {
		return nil, fmt.Errorf("read caRef: %w", err)
	}
	v, ok := cm.Data[ref.Key]
	if !ok {
		return nil, fmt.Errorf("key %q in ConfigMap %s/%s not found", ref.Key, g.set.Namespace, ref.ConfigMapName)
	}
	return []byte(v), nil
}

// gitHubApp reads the GitHub App credentials of appSecretName, Argo CD's
// repo-creds Secret with githubAppID, githubAppInstallationID and
// githubAppPrivateKey, in the controller's namespace.
func (g *generation) gitHubApp(name string) (*scm.GitHubApp, error) {
	if g.env.Reader == nil {
		return nil, fmt.Errorf("no reader for the GitHub App Secret %s", name)
	}
	secret, err := g.env.Reader.Secret(g.ctx, g.env.Namespace, name)
	if err != nil {
		return nil, fmt.Errorf("read GitHub App secret: %w", err)
	}
	return scm.GitHubAppFromSecret(secret.Data)
}

// allowed checks api against the allow-list.
func (g *generation) allowed(api string) error {
	return scm.Allowed(api, g.env.SCM.AllowedAPIURLs)
}
