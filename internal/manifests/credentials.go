package manifests

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/source"
)

// SecretCredentials looks up repository credentials in Argo CD's
// `repository` and `repo-creds` Secrets of namespace (the controller's):
// the exact URL, else the longest prefix.
func SecretCredentials(c client.Reader, namespace string) CredentialFunc {
	return func(ctx context.Context, repoURL string) (*source.RepoCreds, error) {
		var secrets corev1.SecretList
		err := c.List(ctx, &secrets, client.InNamespace(namespace), client.HasLabels{source.SecretTypeLabel})
		if err != nil {
			return nil, fmt.Errorf("list repository secrets: %w", err)
		}
		return source.Lookup(secrets.Items, repoURL), nil
	}
}
