package server

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TokenSource gives the API token; "" means none is configured.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// StaticToken is a token given on the command line.
type StaticToken string

// Token returns t.
func (t StaticToken) Token(context.Context) (string, error) { return string(t), nil }

// SecretTokenKey is the key of the token in a token Secret.
const SecretTokenKey = "token"

// secretTokenTTL is how long a token read from a Secret is reused, so a
// rotated token takes effect within it without a request per API call.
const secretTokenTTL = 30 * time.Second

// SecretToken reads the token from key "token" of a Secret, at most once
// per 30 seconds. Only this reads Secrets, and it returns nothing but the
// token to the server.
func SecretToken(c client.Reader, namespace, name string) TokenSource {
	return &secretToken{c: c, key: client.ObjectKey{Namespace: namespace, Name: name}}
}

// ParseSecretRef splits "namespace/name".
func ParseSecretRef(ref string) (namespace, name string, err error) {
	namespace, name, ok := strings.Cut(ref, "/")
	if !ok || namespace == "" || name == "" || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("token secret %q: want NAMESPACE/NAME", ref)
	}
	return namespace, name, nil
}

type secretToken struct {
	c   client.Reader
	key client.ObjectKey

	mu      sync.Mutex
	token   string
	fetched time.Time
}

func (s *secretToken) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.fetched.IsZero() && time.Since(s.fetched) < secretTokenTTL {
		return s.token, nil
	}
	var sec corev1.Secret
	if err := s.c.Get(ctx, s.key, &sec); err != nil {
		return "", fmt.Errorf("read token secret %s: %w", s.key, err)
	}
	s.token = strings.TrimSpace(string(sec.Data[SecretTokenKey]))
	s.fetched = time.Now()
	return s.token, nil
}
