package webhook

import (
	"crypto/sha1"
	"crypto/sha256"
	"net/url"
	"testing"
)

// githubPushBody is GitHub's push payload, trimmed to the fields used.
const githubPushBody = `{
  "ref": "refs/heads/main",
  "before": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
  "after": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
  "created": false,
  "deleted": false,
  "forced": false,
  "compare": "https://github.com/Codertocat/guestbook/compare/6113728f27ae...0d1a26e67d8f",
  "commits": [
    {
      "id": "4b3e2a1f0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f",
      "message": "Add staging overlay",
      "added": ["overlays/staging/kustomization.yaml"],
      "removed": [],
      "modified": ["base/deployment.yaml"]
    },
    {
      "id": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
      "message": "Bump image",
      "added": [],
      "removed": ["overlays/old/kustomization.yaml"],
      "modified": ["base/deployment.yaml"]
    }
  ],
  "head_commit": {"id": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"},
  "repository": {
    "id": 186853002,
    "name": "guestbook",
    "full_name": "Codertocat/guestbook",
    "html_url": "https://github.com/Codertocat/guestbook",
    "git_url": "git://github.com/Codertocat/guestbook.git",
    "ssh_url": "git@github.com:Codertocat/guestbook.git",
    "clone_url": "https://github.com/Codertocat/guestbook.git",
    "default_branch": "main"
  },
  "pusher": {"name": "Codertocat", "email": "21031067+Codertocat@users.noreply.github.com"}
}`

// githubTagBody is GitHub's push payload of a new tag.
const githubTagBody = `{
  "ref": "refs/tags/v1.2.0",
  "before": "0000000000000000000000000000000000000000",
  "after": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
  "created": true,
  "deleted": false,
  "base_ref": "refs/heads/main",
  "commits": [],
  "head_commit": {"id": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"},
  "repository": {
    "html_url": "https://github.com/Codertocat/guestbook",
    "ssh_url": "git@github.com:Codertocat/guestbook.git",
    "clone_url": "https://github.com/Codertocat/guestbook.git",
    "default_branch": "main"
  }
}`

// githubDeleteBody is GitHub's push payload of a deleted branch.
const githubDeleteBody = `{
  "ref": "refs/heads/feature/x",
  "before": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
  "after": "0000000000000000000000000000000000000000",
  "deleted": true,
  "commits": [],
  "repository": {"html_url": "https://github.com/Codertocat/guestbook", "default_branch": "main"}
}`

// githubPingBody is the ping GitHub sends when a webhook is created.
const githubPingBody = `{
  "zen": "Keep it logically awesome.",
  "hook_id": 30,
  "hook": {"type": "Repository", "id": 30, "events": ["push"], "active": true},
  "repository": {"html_url": "https://github.com/Codertocat/guestbook"}
}`

var githubPush = Push{
	Provider: ProviderGitHub,
	RepoURLs: []string{
		"https://github.com/Codertocat/guestbook",
		"https://github.com/Codertocat/guestbook.git",
		"git@github.com:Codertocat/guestbook.git",
		"git://github.com/Codertocat/guestbook.git",
	},
	Revision: "main",
	Commits: []string{
		"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
		"4b3e2a1f0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f",
	},
	Files: []string{
		"overlays/staging/kustomization.yaml",
		"base/deployment.yaml",
		"overlays/old/kustomization.yaml",
	},
	DefaultBranch: "main",
}

func TestParseGitHub(t *testing.T) {
	const secret = "It's a Secret to Everybody"
	signed := func(body string) string { return "sha256=" + mac(sha256.New, secret, body) }
	form := "payload=" + url.QueryEscape(githubPushBody)

	runParseCases(t, []parseCase{
		{
			name: "push without secret is accepted unsigned",
			req:  webhookRequest(githubPushBody, "X-GitHub-Event", "push"),
			want: githubPush,
		},
		{
			name:    "push with valid signature",
			secrets: Secrets{GitHub: secret},
			req: webhookRequest(githubPushBody, "X-GitHub-Event", "push",
				"X-Hub-Signature-256", signed(githubPushBody)),
			want: githubPush,
		},
		{
			name:    "legacy sha1 signature",
			secrets: Secrets{GitHub: secret},
			req: webhookRequest(githubPushBody, "X-GitHub-Event", "push",
				"X-Hub-Signature", "sha1="+mac(sha1.New, secret, githubPushBody)),
			want: githubPush,
		},
		{
			name:    "form-encoded push with valid signature",
			secrets: Secrets{GitHub: secret},
			req: webhookRequest(form, "X-GitHub-Event", "push", "Content-Type", "application/x-www-form-urlencoded",
				"X-Hub-Signature-256", signed(form)),
			want: githubPush,
		},
		{
			name:    "bad signature",
			secrets: Secrets{GitHub: secret},
			req: webhookRequest(githubPushBody, "X-GitHub-Event", "push",
				"X-Hub-Signature-256", "sha256="+mac(sha256.New, "wrong", githubPushBody)),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "signature of another body",
			secrets: Secrets{GitHub: secret},
			req: webhookRequest(githubPushBody, "X-GitHub-Event", "push",
				"X-Hub-Signature-256", signed(githubTagBody)),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "signature without sha256= prefix",
			secrets: Secrets{GitHub: secret},
			req: webhookRequest(githubPushBody, "X-GitHub-Event", "push",
				"X-Hub-Signature-256", mac(sha256.New, secret, githubPushBody)),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "missing signature when secret set",
			secrets: Secrets{GitHub: secret},
			req:     webhookRequest(githubPushBody, "X-GitHub-Event", "push"),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "ping is ignored",
			secrets: Secrets{GitHub: secret},
			req: webhookRequest(githubPingBody, "X-GitHub-Event", "ping",
				"X-Hub-Signature-256", signed(githubPingBody)),
			wantErr: ErrIgnored,
		},
		{
			name:    "unsigned ping when secret set",
			secrets: Secrets{GitHub: secret},
			req:     webhookRequest(githubPingBody, "X-GitHub-Event", "ping"),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "issues event is ignored",
			req:     webhookRequest(`{"action":"opened"}`, "X-GitHub-Event", "issues"),
			wantErr: ErrIgnored,
		},
		{
			name: "tag push",
			req:  webhookRequest(githubTagBody, "X-GitHub-Event", "push"),
			want: Push{
				Provider: ProviderGitHub,
				RepoURLs: []string{
					"https://github.com/Codertocat/guestbook",
					"https://github.com/Codertocat/guestbook.git",
					"git@github.com:Codertocat/guestbook.git",
				},
				Revision:      "v1.2.0",
				Commits:       []string{"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"},
				Tag:           true,
				DefaultBranch: "main",
			},
		},
		{
			name: "deleted branch has no commits",
			req:  webhookRequest(githubDeleteBody, "X-GitHub-Event", "push"),
			want: Push{
				Provider:      ProviderGitHub,
				RepoURLs:      []string{"https://github.com/Codertocat/guestbook"},
				Revision:      "feature/x",
				DefaultBranch: "main",
			},
		},
		{
			name:    "malformed JSON",
			req:     webhookRequest(`{"ref": "refs/heads/main",`, "X-GitHub-Event", "push"),
			wantErr: ErrMalformed,
		},
		{
			name:    "push without repository",
			req:     webhookRequest(`{"ref": "refs/heads/main"}`, "X-GitHub-Event", "push"),
			wantErr: ErrMalformed,
		},
		{
			name:    "push without ref",
			req:     webhookRequest(`{"repository": {"html_url": "https://github.com/a/b"}}`, "X-GitHub-Event", "push"),
			wantErr: ErrMalformed,
		},
	})
}
