package webhook

import "testing"

// gitlabPushBody is GitLab's push event, trimmed to the fields used.
const gitlabPushBody = `{
  "object_kind": "push",
  "event_name": "push",
  "before": "95790bf891e76fee5e1747ab589903a6a1f80f22",
  "after": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
  "ref": "refs/heads/master",
  "checkout_sha": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
  "user_username": "jsmith",
  "project_id": 15,
  "project": {
    "id": 15,
    "name": "Diaspora",
    "web_url": "https://gitlab.example.com/mike/diaspora",
    "git_ssh_url": "git@gitlab.example.com:mike/diaspora.git",
    "git_http_url": "https://gitlab.example.com/mike/diaspora.git",
    "namespace": "Mike",
    "path_with_namespace": "mike/diaspora",
    "default_branch": "master"
  },
  "repository": {
    "name": "Diaspora",
    "url": "git@gitlab.example.com:mike/diaspora.git",
    "homepage": "https://gitlab.example.com/mike/diaspora",
    "git_http_url": "https://gitlab.example.com/mike/diaspora.git",
    "git_ssh_url": "git@gitlab.example.com:mike/diaspora.git"
  },
  "commits": [
    {
      "id": "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327",
      "message": "Update Catalan translation to e38cb41.",
      "added": ["CHANGELOG"],
      "modified": ["app/controller/application.rb"],
      "removed": []
    },
    {
      "id": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
      "message": "fixed readme",
      "added": [],
      "modified": ["README.md"],
      "removed": ["CHANGELOG"]
    }
  ],
  "total_commits_count": 2
}`

// gitlabTagBody is GitLab's tag push event.
const gitlabTagBody = `{
  "object_kind": "tag_push",
  "event_name": "tag_push",
  "before": "0000000000000000000000000000000000000000",
  "after": "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7",
  "ref": "refs/tags/v1.0.0",
  "checkout_sha": "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7",
  "project": {
    "web_url": "https://gitlab.example.com/mike/diaspora",
    "git_ssh_url": "git@gitlab.example.com:mike/diaspora.git",
    "git_http_url": "https://gitlab.example.com/mike/diaspora.git",
    "default_branch": "master"
  },
  "commits": [],
  "total_commits_count": 0
}`

// gitlabSystemPushBody is a push delivered by a GitLab system hook.
const gitlabSystemPushBody = `{
  "event_name": "push",
  "before": "95790bf891e76fee5e1747ab589903a6a1f80f22",
  "after": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
  "ref": "refs/heads/release/1.x",
  "checkout_sha": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
  "project": {
    "web_url": "https://gitlab.example.com/mike/diaspora",
    "default_branch": "master"
  },
  "commits": []
}`

func TestParseGitLab(t *testing.T) {
	const secret = "s3cr3t-t0ken"
	urls := []string{
		"https://gitlab.example.com/mike/diaspora",
		"https://gitlab.example.com/mike/diaspora.git",
		"git@gitlab.example.com:mike/diaspora.git",
	}
	push := Push{
		Provider: ProviderGitLab,
		RepoURLs: urls,
		Revision: "master",
		Commits: []string{
			"da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
			"b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327",
		},
		Files:         []string{"CHANGELOG", "app/controller/application.rb", "README.md"},
		DefaultBranch: "master",
	}
	runParseCases(t, []parseCase{
		{
			name: "push without secret",
			req:  webhookRequest(gitlabPushBody, "X-Gitlab-Event", "Push Hook"),
			want: push,
		},
		{
			name:    "push with valid token",
			secrets: Secrets{GitLab: secret},
			req:     webhookRequest(gitlabPushBody, "X-Gitlab-Event", "Push Hook", "X-Gitlab-Token", secret),
			want:    push,
		},
		{
			name:    "wrong token",
			secrets: Secrets{GitLab: secret},
			req:     webhookRequest(gitlabPushBody, "X-Gitlab-Event", "Push Hook", "X-Gitlab-Token", secret+"x"),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "missing token when secret set",
			secrets: Secrets{GitLab: secret},
			req:     webhookRequest(gitlabPushBody, "X-Gitlab-Event", "Push Hook"),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "tag push",
			secrets: Secrets{GitLab: secret},
			req:     webhookRequest(gitlabTagBody, "X-Gitlab-Event", "Tag Push Hook", "X-Gitlab-Token", secret),
			want: Push{
				Provider:      ProviderGitLab,
				RepoURLs:      urls,
				Revision:      "v1.0.0",
				Commits:       []string{"82b3d5ae55f7080f1e6022629cdb57bfae7cccc7"},
				Tag:           true,
				DefaultBranch: "master",
			},
		},
		{
			name: "system hook push",
			req:  webhookRequest(gitlabSystemPushBody, "X-Gitlab-Event", "System Hook"),
			want: Push{
				Provider:      ProviderGitLab,
				RepoURLs:      []string{"https://gitlab.example.com/mike/diaspora"},
				Revision:      "release/1.x",
				Commits:       []string{"da1560886d4f094c3e6c9ef40349f7d38b5d27d7"},
				DefaultBranch: "master",
			},
		},
		{
			name:    "system hook of another kind is ignored",
			req:     webhookRequest(`{"event_name": "project_create", "name": "x"}`, "X-Gitlab-Event", "System Hook"),
			wantErr: ErrIgnored,
		},
		{
			name:    "merge request approval is ignored",
			req:     webhookRequest(`{"object_kind": "merge_request", "object_attributes": {"action": "approved"}}`, "X-Gitlab-Event", "Merge Request Hook"),
			wantErr: ErrIgnored,
		},
		{
			name:    "malformed JSON",
			req:     webhookRequest(`[1, 2`, "X-Gitlab-Event", "Push Hook"),
			wantErr: ErrMalformed,
		},
		{
			name:    "push without project",
			req:     webhookRequest(`{"object_kind": "push", "ref": "refs/heads/main"}`, "X-Gitlab-Event", "Push Hook"),
			wantErr: ErrMalformed,
		},
	})
}
