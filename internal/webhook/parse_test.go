package webhook

import (
	"errors"
	"strings"
	"testing"
)

func TestParseUnknownProvider(t *testing.T) {
	_, err := Parse(webhookRequest(githubPushBody, "User-Agent", "curl/8.5.0"), Secrets{})
	if !errors.Is(err, ErrUnknownProvider) {
		t.Fatalf("Parse() error = %v, want ErrUnknownProvider", err)
	}
}

func TestParseBodyLimit(t *testing.T) {
	req := webhookRequest(githubPushBody, "X-GitHub-Event", "push")
	_, err := parse(req, Secrets{}, int64(len(githubPushBody)-1))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("parse() over the limit: error = %v, want ErrTooLarge", err)
	}
	req = webhookRequest(githubPushBody, "X-GitHub-Event", "push")
	if _, err := parse(req, Secrets{}, int64(len(githubPushBody))); err != nil {
		t.Fatalf("parse() at the limit: error = %v", err)
	}
}

func TestErrorMessages(t *testing.T) {
	_, err := Parse(webhookRequest(`{`, "X-GitHub-Event", "push"), Secrets{})
	if msg := err.Error(); !strings.HasPrefix(msg, "parse github push: malformed payload: ") {
		t.Errorf("malformed error = %q", msg)
	}
	_, err = Parse(webhookRequest(`{}`, "X-Gitlab-Event", "Push Hook"), Secrets{GitLab: "x"})
	if msg := err.Error(); msg != "verify gitlab webhook: unauthorized: no X-Gitlab-Token header" {
		t.Errorf("unauthorized error = %q", msg)
	}
}

func TestSecretsFromData(t *testing.T) {
	tests := []struct {
		name string
		data map[string][]byte
		want Secrets
	}{
		{name: "empty", data: nil, want: Secrets{}},
		{
			name: "all of argocd-secret's keys",
			data: map[string][]byte{
				"admin.password":                 []byte("$2a$10$..."),
				"webhook.github.secret":          []byte("gh"),
				"webhook.gitlab.secret":          []byte("gl"),
				"webhook.gogs.secret":            []byte("gogs"),
				"webhook.bitbucket.uuid":         []byte("{uuid}"),
				"webhook.bitbucketserver.secret": []byte("bbs"),
				"webhook.azuredevops.username":   []byte("ado-user"),
				"webhook.azuredevops.password":   []byte("ado-pass"),
			},
			want: Secrets{GitHub: "gh", GitLab: "gl", Gitea: "gogs", BitbucketUUID: "{uuid}", BitbucketServer: "bbs",
				AzureDevOpsUsername: "ado-user", AzureDevOpsPassword: "ado-pass"},
		},
		{
			name: "Azure DevOps password alone",
			data: map[string][]byte{"webhook.azuredevops.password": []byte("ado-pass")},
			want: Secrets{AzureDevOpsPassword: "ado-pass"},
		},
		{
			name: "webhook.gitea.secret wins over webhook.gogs.secret",
			data: map[string][]byte{"webhook.gogs.secret": []byte("gogs"), "webhook.gitea.secret": []byte("gitea")},
			want: Secrets{Gitea: "gitea"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SecretsFromData(tc.data); got != tc.want {
				t.Errorf("SecretsFromData() = %+v, want %+v", got, tc.want)
			}
		})
	}
}
