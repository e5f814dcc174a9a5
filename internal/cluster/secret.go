package cluster

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Data keys of a cluster Secret. Argo CD also knows "shard", which is
// accepted and ignored here; other keys are ignored too.
const (
	keyName             = "name"
	keyServer           = "server"
	keyNamespaces       = "namespaces"
	keyClusterResources = "clusterResources"
	keyProject          = "project"
	keyConfig           = "config"
)

// FromSecret reads an Argo CD cluster Secret. Values come from data, or from
// stringData where both hold a key (as the API server would merge them), so
// that Secrets read from files work too.
//
// It is stricter than Argo CD: unknown fields in config, certificates that
// are not base64-encoded PEM, a key that does not match its certificate,
// and credentials client-go would refuse are errors. awsAuthConfig is not
// supported. Errors name the Secret and the field, never a credential.
//
// For a Secret whose server is InClusterServer, the returned Config is what
// the Secret alone describes; a Registry replaces it with the local config,
// keeping only the Secret's credentials and proxy, as Argo CD does. Such a
// Secret without a name is named InClusterName.
func FromSecret(s *corev1.Secret) (*Cluster, error) {
	if s == nil {
		return nil, errors.New("cluster secret is nil")
	}
	c, err := fromSecret(s)
	if err != nil {
		return nil, fmt.Errorf("cluster secret %s: %w", SecretKey(s), err)
	}
	return c, nil
}

// SecretKey is the namespace/name key a Registry may use for s.
func SecretKey(s *corev1.Secret) string {
	if s.Namespace == "" {
		return s.Name
	}
	return s.Namespace + "/" + s.Name
}

func fromSecret(s *corev1.Secret) (*Cluster, error) {
	if got := s.Labels[SecretTypeLabel]; got != SecretTypeCluster {
		return nil, fmt.Errorf("label %s is %q, want %q", SecretTypeLabel, got, SecretTypeCluster)
	}
	get := func(key string) string {
		if v, ok := s.StringData[key]; ok {
			return v
		}
		return string(s.Data[key])
	}

	server, err := parseServer(get(keyServer))
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		Name:    strings.TrimSpace(get(keyName)),
		Server:  server,
		Project: strings.TrimSpace(get(keyProject)),
	}
	if c.Name == "" && server == InClusterServer {
		c.Name = InClusterName
	}
	if c.Namespaces, err = parseNamespaces(get(keyNamespaces)); err != nil {
		return nil, err
	}
	switch v := strings.TrimSpace(get(keyClusterResources)); v {
	case "", "false":
	case "true":
		c.ClusterResources = true
	default:
		return nil, fmt.Errorf("%s must be \"true\" or \"false\", not %q", keyClusterResources, v)
	}

	rc, err := parseConfig([]byte(get(keyConfig)))
	if err != nil {
		return nil, err
	}
	if c.Config, err = restConfig(server, rc); err != nil {
		return nil, err
	}
	return c, nil
}

// parseServer checks the API server URL and drops trailing slashes, as
// Argo CD does.
func parseServer(s string) (string, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	if s == "" {
		return "", fmt.Errorf("data key %q is missing", keyServer)
	}
	u, err := url.Parse(s)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return "", fmt.Errorf("%s is not a valid URL: %w", keyServer, err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return "", fmt.Errorf("%s %q must be an http or https URL", keyServer, u.Redacted())
	}
	if u.Host == "" {
		return "", fmt.Errorf("%s %q has no host", keyServer, u.Redacted())
	}
	if u.User != nil {
		return "", fmt.Errorf("%s %q must not carry credentials: put them in config", keyServer, u.Redacted())
	}
	return s, nil
}

// parseNamespaces splits Argo CD's comma-separated namespace list, dropping
// blanks and repeats.
func parseNamespaces(s string) ([]string, error) {
	var out []string
	for ns := range strings.SplitSeq(s, ",") {
		ns = strings.TrimSpace(ns)
		if ns == "" || slices.Contains(out, ns) {
			continue
		}
		if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			return nil, fmt.Errorf("%s: %q is not a valid namespace name: %s", keyNamespaces, ns, errs[0])
		}
		out = append(out, ns)
	}
	return out, nil
}
