package source

import (
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"flotilla.dev/flotilla/internal/source/git"
	"flotilla.dev/flotilla/internal/source/helm"
)

// SecretTypeLabel marks Argo CD's repository, repo-creds and cluster Secrets.
const SecretTypeLabel = "argocd.argoproj.io/secret-type"

// The secret types that carry repository credentials.
const (
	SecretTypeRepository = "repository"
	SecretTypeRepoCreds  = "repo-creds"
)

// RepoCreds are the credentials and settings of one repository. They are
// never printed: String redacts them.
type RepoCreds struct {
	URL                         string
	Type                        string // "git" (default), "helm" or "oci"
	Name                        string
	Username, Password          string
	SSHPrivateKey               []byte
	TLSClientCert, TLSClientKey []byte
	Insecure                    bool
	EnableOCI                   bool
}

// String names the repository and hides every secret.
func (c *RepoCreds) String() string {
	if c == nil {
		return "<no credentials>"
	}
	return "credentials for " + c.URL
}

// GoString hides the secrets from %#v too.
func (c *RepoCreds) GoString() string { return c.String() }

// GitAuth returns the credentials in the git fetcher's form.
func (c *RepoCreds) GitAuth() *git.Auth {
	if c == nil {
		return nil
	}
	return &git.Auth{
		Username: c.Username, Password: c.Password, SSHPrivateKey: c.SSHPrivateKey,
		TLSClientCert: c.TLSClientCert, TLSClientKey: c.TLSClientKey, Insecure: c.Insecure,
	}
}

// HelmAuth returns the credentials in the chart fetcher's form.
func (c *RepoCreds) HelmAuth() *helm.Auth {
	if c == nil {
		return nil
	}
	return &helm.Auth{
		Username: c.Username, Password: c.Password,
		TLSClientCert: c.TLSClientCert, TLSClientKey: c.TLSClientKey, Insecure: c.Insecure,
	}
}

// Lookup finds the credentials for repoURL among Argo CD's Secrets, as Argo
// CD does: a `repository` Secret whose url equals repoURL (compared after
// normalisation) wins; otherwise the `repo-creds` Secret whose url is the
// longest prefix of repoURL. nil when none matches.
func Lookup(secrets []corev1.Secret, repoURL string) *RepoCreds {
	want := Normalize(repoURL)
	var templates []*RepoCreds
	for i := range secrets {
		s := &secrets[i]
		c := fromSecret(s)
		if c.URL == "" {
			continue
		}
		switch s.Labels[SecretTypeLabel] {
		case SecretTypeRepository:
			if Normalize(c.URL) == want {
				return c
			}
		case SecretTypeRepoCreds:
			if strings.HasPrefix(want, Normalize(c.URL)) {
				templates = append(templates, c)
			}
		}
	}
	if len(templates) == 0 {
		return nil
	}
	sort.SliceStable(templates, func(i, j int) bool { return len(templates[i].URL) > len(templates[j].URL) })
	best := *templates[0]
	best.URL = repoURL
	return &best
}

func fromSecret(s *corev1.Secret) *RepoCreds {
	get := func(k string) string {
		if v, ok := s.StringData[k]; ok {
			return v
		}
		return string(s.Data[k])
	}
	flag := func(k string) bool { b, _ := strconv.ParseBool(get(k)); return b }
	return &RepoCreds{
		URL: get("url"), Type: get("type"), Name: get("name"),
		Username: get("username"), Password: get("password"),
		SSHPrivateKey: []byte(get("sshPrivateKey")),
		TLSClientCert: []byte(get("tlsClientCertData")), TLSClientKey: []byte(get("tlsClientCertKey")),
		Insecure: flag("insecure") || flag("insecureIgnoreHostKey"), EnableOCI: flag("enableOCI"),
	}
}

// Normalize makes repository URLs comparable: lower case, no trailing slash
// or ".git".
func Normalize(u string) string {
	u = strings.ToLower(strings.TrimSpace(u))
	u = strings.TrimSuffix(u, "/")
	return strings.TrimSuffix(u, ".git")
}
