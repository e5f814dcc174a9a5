package appset

import (
	"context"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Env is everything generators read from outside the ApplicationSet.
type Env struct {
	// Namespace is the controller's namespace (Argo CD's "argocd"):
	// cluster Secrets, plugin and cluster-decision ConfigMaps, plugin token
	// Secrets and the duck-typed resources are read there.
	Namespace string
	// Reader reads cluster Secrets, ConfigMaps, Secrets and duck-typed
	// resources. Required by the clusters, clusterDecisionResource and
	// plugin generators.
	Reader Reader
	// Git checks out repositories for the git generator.
	Git Git
	// Refresh asks git repositories for their newest commit instead of
	// reusing a recent resolution (a webhook push, the refresh annotation).
	Refresh bool
	// HTTPClient calls plugin generators; nil uses a client with the
	// plugin's requestTimeout.
	HTTPClient *http.Client
	// SCM configures the pull-request and SCM-provider generators.
	SCM SCMOptions
}

// SCMOptions configure the pull-request and SCM-provider generators, as
// Argo CD's ApplicationSet controller flags do.
type SCMOptions struct {
	// AllowedAPIURLs is the allow-list of SCM API URLs a generator's api
	// field may name (empty allows all; the default public APIs are always
	// allowed).
	AllowedAPIURLs []string
	// TokenRefStrictMode reads tokens only from Secrets labelled
	// argocd.argoproj.io/secret-type=scm-creds.
	TokenRefStrictMode bool
	// TokensFromEnv takes tokens from the environment (GITHUB_TOKEN,
	// GITLAB_TOKEN, GITEA_TOKEN, BITBUCKET_TOKEN, BITBUCKET_SERVER_TOKEN,
	// AZURE_DEVOPS_TOKEN) before Secrets: `flotilla appset generate`.
	TokensFromEnv bool
	// HTTPClient calls the forges; nil uses one with a 30 s timeout.
	HTTPClient *http.Client
}

// Reader is the part of the cluster generators read.
type Reader interface {
	// ClusterSecrets lists the Argo CD cluster Secrets (label
	// argocd.argoproj.io/secret-type=cluster) of namespace whose labels
	// match selector.
	ClusterSecrets(ctx context.Context, namespace string, selector labels.Selector) ([]corev1.Secret, error)
	// Secret and ConfigMap get one object; a missing one is an error
	// that names it.
	Secret(ctx context.Context, namespace, name string) (*corev1.Secret, error)
	ConfigMap(ctx context.Context, namespace, name string) (*corev1.ConfigMap, error)
	// Resources lists the objects of kind gvk in namespace whose labels
	// match selector.
	Resources(ctx context.Context, gvk schema.GroupVersionKind, namespace string, selector labels.Selector) ([]unstructured.Unstructured, error)
}

// Git checks out a repository at a revision (a branch, tag, HEAD or
// commit) and returns a read-only directory holding its tree and the
// commit SHA it resolved to. manifests.Generator implements it with the
// same fetcher, credentials and caches Applications use.
type Git interface {
	Checkout(ctx context.Context, repoURL, revision string, refresh bool) (dir, sha string, err error)
}

// Default requeue intervals, as Argo CD's.
const (
	// DefaultGitRequeue is how often git generators are looked at again.
	DefaultGitRequeue = 3 * time.Minute
	// DefaultPluginRequeue is how often plugin generators are asked again.
	DefaultPluginRequeue = 30 * time.Minute
	// DefaultDuckTypeRequeue is how often cluster decision resources are read again.
	DefaultDuckTypeRequeue = 3 * time.Minute
	// DefaultPullRequestRequeue is how often pull requests are listed
	// again (webhooks refresh sooner).
	DefaultPullRequestRequeue = 30 * time.Minute
	// DefaultSCMProviderRequeue is how often repositories are listed again.
	DefaultSCMProviderRequeue = 30 * time.Minute
)
