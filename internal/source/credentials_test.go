package source

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func secret(kind, url, user string) corev1.Secret {
	return corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: user, Labels: map[string]string{SecretTypeLabel: kind}},
		Data:       map[string][]byte{"url": []byte(url), "username": []byte(user), "password": []byte("pw-" + user)},
	}
}

func TestLookup(t *testing.T) {
	secrets := []corev1.Secret{
		secret(SecretTypeRepoCreds, "https://git.example.com/", "org-wide"),
		secret(SecretTypeRepoCreds, "https://git.example.com/team-a", "team-a"),
		secret(SecretTypeRepository, "https://git.example.com/team-a/special.git", "special"),
		secret("cluster", "https://git.example.com/team-a/cluster", "cluster"),
		{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{SecretTypeLabel: SecretTypeRepository}}, StringData: map[string]string{"url": "https://other.example.com/x", "username": "stringdata"}},
	}
	tests := []struct {
		url, want string
	}{
		{"https://git.example.com/team-a/special", "special"},
		{"https://GIT.example.com/team-a/special.git/", "special"},
		{"https://git.example.com/team-a/app.git", "team-a"},
		{"https://git.example.com/team-b/app.git", "org-wide"},
		{"https://other.example.com/x", "stringdata"},
		{"https://nowhere.example.com/x", ""},
	}
	for _, tt := range tests {
		c := Lookup(secrets, tt.url)
		got := ""
		if c != nil {
			got = c.Username
		}
		if got != tt.want {
			t.Errorf("Lookup(%s) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

func TestRepoCredsNeverPrintSecrets(t *testing.T) {
	c := &RepoCreds{URL: "https://x", Username: "u", Password: "hunter2", SSHPrivateKey: []byte("KEY")}
	for _, format := range []string{"%v", "%s", "%+v", "%#v"} {
		if s := fmt.Sprintf(format, c); strings.Contains(s, "hunter2") || strings.Contains(s, "KEY") {
			t.Errorf("%s printed a secret: %s", format, s)
		}
	}
}
