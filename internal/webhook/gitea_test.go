package webhook

import (
	"crypto/sha256"
	"testing"
)

// giteaPushBody is Gitea's push payload, trimmed to the fields used.
const giteaPushBody = `{
  "ref": "refs/heads/develop",
  "before": "28e1879d029cb852e4844d9c718537df08844e03",
  "after": "bffeb74224043ba2feb48d137756c8a9331c449a",
  "compare_url": "https://gitea.example.com/gitea/webhooks/compare/28e1879d029cb852e4844d9c718537df08844e03...bffeb74224043ba2feb48d137756c8a9331c449a",
  "commits": [
    {
      "id": "bffeb74224043ba2feb48d137756c8a9331c449a",
      "message": "Webhooks Yay!",
      "url": "https://gitea.example.com/gitea/webhooks/commit/bffeb74224043ba2feb48d137756c8a9331c449a",
      "added": [],
      "removed": [],
      "modified": ["apps/guestbook/deployment.yaml"]
    }
  ],
  "repository": {
    "id": 140,
    "name": "webhooks",
    "full_name": "gitea/webhooks",
    "html_url": "https://gitea.example.com/gitea/webhooks",
    "ssh_url": "ssh://git@gitea.example.com:2222/gitea/webhooks.git",
    "clone_url": "https://gitea.example.com/gitea/webhooks.git",
    "default_branch": "main"
  },
  "pusher": {"login": "gitea"},
  "sender": {"login": "gitea"}
}`

func TestParseGitea(t *testing.T) {
	const secret = "gitea-secret"
	push := func(provider string) Push {
		return Push{
			Provider: provider,
			RepoURLs: []string{
				"https://gitea.example.com/gitea/webhooks",
				"https://gitea.example.com/gitea/webhooks.git",
				"ssh://git@gitea.example.com:2222/gitea/webhooks.git",
			},
			Revision:      "develop",
			Commits:       []string{"bffeb74224043ba2feb48d137756c8a9331c449a"},
			Files:         []string{"apps/guestbook/deployment.yaml"},
			DefaultBranch: "main",
		}
	}
	sig := mac(sha256.New, secret, giteaPushBody)
	// Gitea sends its own headers and Gogs' and GitHub's.
	giteaHeaders := func(sig string) []string {
		return []string{
			"X-Gitea-Event", "push", "X-Gogs-Event", "push", "X-GitHub-Event", "push",
			"X-Gitea-Signature", sig, "X-Gogs-Signature", sig,
			"X-Hub-Signature-256", "sha256=" + sig,
		}
	}
	runParseCases(t, []parseCase{
		{
			name: "push without secret",
			req:  webhookRequest(giteaPushBody, "X-Gitea-Event", "push"),
			want: push(ProviderGitea),
		},
		{
			name:    "push with valid signature",
			secrets: Secrets{Gitea: secret},
			req:     webhookRequest(giteaPushBody, giteaHeaders(sig)...),
			want:    push(ProviderGitea),
		},
		{
			name:    "GitHub secret does not apply to Gitea",
			secrets: Secrets{Gitea: secret, GitHub: "other"},
			req:     webhookRequest(giteaPushBody, giteaHeaders(sig)...),
			want:    push(ProviderGitea),
		},
		{
			name:    "bad signature",
			secrets: Secrets{Gitea: secret},
			req:     webhookRequest(giteaPushBody, giteaHeaders(mac(sha256.New, "wrong", giteaPushBody))...),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "missing signature when secret set",
			secrets: Secrets{Gitea: secret},
			req:     webhookRequest(giteaPushBody, "X-Gitea-Event", "push"),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "Gogs push with valid signature",
			secrets: Secrets{Gitea: secret},
			req:     webhookRequest(giteaPushBody, "X-Gogs-Event", "push", "X-Gogs-Signature", sig),
			want:    push(ProviderGogs),
		},
		{
			name:    "create event is ignored",
			req:     webhookRequest(`{"ref": "v1.0.0", "ref_type": "tag"}`, "X-Gitea-Event", "create"),
			wantErr: ErrIgnored,
		},
		{
			name:    "malformed JSON",
			req:     webhookRequest(`{"ref": 42}`, "X-Gitea-Event", "push"),
			wantErr: ErrMalformed,
		},
	})
}
