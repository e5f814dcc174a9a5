package webhook

import (
	"crypto/sha256"
	"testing"
)

// bitbucketPushBody is Bitbucket Cloud's repo:push payload, trimmed to the
// fields used.
const bitbucketPushBody = `{
  "actor": {"display_name": "Emma", "type": "user"},
  "repository": {
    "type": "repository",
    "name": "repo_name",
    "full_name": "team_name/repo_name",
    "uuid": "{1d3c1b0c-6a52-4d2b-9b4e-1f0c5e9a2b7d}",
    "links": {
      "self": {"href": "https://api.bitbucket.org/2.0/repositories/team_name/repo_name"},
      "html": {"href": "https://bitbucket.org/team_name/repo_name"}
    },
    "scm": "git",
    "is_private": true
  },
  "push": {
    "changes": [
      {
        "new": {
          "type": "branch",
          "name": "master",
          "target": {"type": "commit", "hash": "709d658dc5b6d6afcd46049c2f332ee3f515a67d"}
        },
        "old": {
          "type": "branch",
          "name": "master",
          "target": {"type": "commit", "hash": "1e65c05c1d5171631d92438a13901ca7dae9618c"}
        },
        "created": false,
        "forced": false,
        "closed": false,
        "commits": [
          {"hash": "709d658dc5b6d6afcd46049c2f332ee3f515a67d", "type": "commit"},
          {"hash": "3f6b2a9c1e4d7b8a0c5e2f1d9a6b3c8e7f4d1a2b", "type": "commit"}
        ],
        "truncated": false
      }
    ]
  }
}`

// bitbucketTagBody is Bitbucket Cloud's repo:push of a new tag.
const bitbucketTagBody = `{
  "repository": {"links": {"html": {"href": "https://bitbucket.org/team_name/repo_name"}}},
  "push": {
    "changes": [
      {
        "new": {"type": "tag", "name": "v2.0.0", "target": {"type": "commit", "hash": "709d658dc5b6d6afcd46049c2f332ee3f515a67d"}},
        "old": null,
        "created": true,
        "commits": []
      }
    ]
  }
}`

// bitbucketServerPushBody is Bitbucket Server's repo:refs_changed payload.
const bitbucketServerPushBody = `{
  "eventKey": "repo:refs_changed",
  "date": "2019-06-17T19:37:57+1000",
  "actor": {"name": "john", "emailAddress": "john@example.com", "slug": "john"},
  "repository": {
    "slug": "test-repo",
    "id": 656,
    "name": "test-repo",
    "scmId": "git",
    "project": {"key": "MYPROJECT", "name": "My Project"},
    "links": {
      "clone": [
        {"href": "ssh://git@bitbucketserver:7999/myproject/test-repo.git", "name": "ssh"},
        {"href": "https://bitbucketserver/scm/myproject/test-repo.git", "name": "http"}
      ],
      "self": [{"href": "https://bitbucketserver/projects/MYPROJECT/repos/test-repo/browse"}]
    }
  },
  "changes": [
    {
      "ref": {"id": "refs/heads/master", "displayId": "master", "type": "BRANCH"},
      "refId": "refs/heads/master",
      "fromHash": "f09c8889a2d234985734958795a31589cd91ffda",
      "toHash": "22671f0349857934857983457983475ec39f196b",
      "type": "UPDATE"
    }
  ]
}`

// bitbucketServerTagBody is Bitbucket Server's repo:refs_changed of a new tag.
const bitbucketServerTagBody = `{
  "eventKey": "repo:refs_changed",
  "repository": {
    "links": {
      "clone": [{"href": "https://bitbucketserver/scm/myproject/test-repo.git", "name": "http"}]
    }
  },
  "changes": [
    {
      "ref": {"id": "refs/tags/v1.4.0", "displayId": "v1.4.0", "type": "TAG"},
      "refId": "refs/tags/v1.4.0",
      "fromHash": "0000000000000000000000000000000000000000",
      "toHash": "22671f0349857934857983457983475ec39f196b",
      "type": "ADD"
    }
  ]
}`

func TestParseBitbucket(t *testing.T) {
	const uuid = "{a3e4b4b8-7c5d-4b42-9f1b-8d2e6b9a0c11}"
	urls := []string{
		"https://bitbucket.org/team_name/repo_name",
		"https://bitbucket.org/team_name/repo_name.git",
		"git@bitbucket.org:team_name/repo_name.git",
	}
	push := Push{
		Provider: ProviderBitbucket,
		RepoURLs: urls,
		Revision: "master",
		Commits: []string{
			"709d658dc5b6d6afcd46049c2f332ee3f515a67d",
			"3f6b2a9c1e4d7b8a0c5e2f1d9a6b3c8e7f4d1a2b",
		},
	}
	runParseCases(t, []parseCase{
		{
			name: "push without uuid configured",
			req:  webhookRequest(bitbucketPushBody, "X-Event-Key", "repo:push", "X-Hook-UUID", "{anything}"),
			want: push,
		},
		{
			name:    "push with matching uuid",
			secrets: Secrets{BitbucketUUID: uuid},
			req:     webhookRequest(bitbucketPushBody, "X-Event-Key", "repo:push", "X-Hook-UUID", uuid),
			want:    push,
		},
		{
			name:    "wrong uuid",
			secrets: Secrets{BitbucketUUID: uuid},
			req:     webhookRequest(bitbucketPushBody, "X-Event-Key", "repo:push", "X-Hook-UUID", "{00000000-0000-0000-0000-000000000000}"),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "missing uuid when configured",
			secrets: Secrets{BitbucketUUID: uuid},
			req:     webhookRequest(bitbucketPushBody, "X-Event-Key", "repo:push"),
			wantErr: ErrUnauthorized,
		},
		{
			name: "tag push",
			req:  webhookRequest(bitbucketTagBody, "X-Event-Key", "repo:push", "X-Hook-UUID", uuid),
			want: Push{
				Provider: ProviderBitbucket,
				RepoURLs: urls,
				Revision: "v2.0.0",
				Commits:  []string{"709d658dc5b6d6afcd46049c2f332ee3f515a67d"},
				Tag:      true,
			},
		},
		{
			name:    "pull request comment is ignored",
			req:     webhookRequest(`{"pullrequest": {}}`, "X-Event-Key", "pullrequest:comment_created", "X-Hook-UUID", uuid),
			wantErr: ErrIgnored,
		},
		{
			name:    "push without changes",
			req:     webhookRequest(`{"push": {"changes": []}, "repository": {}}`, "X-Event-Key", "repo:push", "X-Hook-UUID", uuid),
			wantErr: ErrMalformed,
		},
		{
			name:    "malformed JSON",
			req:     webhookRequest(`not json`, "X-Event-Key", "repo:push", "X-Hook-UUID", uuid),
			wantErr: ErrMalformed,
		},
	})
}

func TestParseBitbucketServer(t *testing.T) {
	const secret = "bitbucket-server-secret"
	signed := func(body string) string { return "sha256=" + mac(sha256.New, secret, body) }
	push := Push{
		Provider: ProviderBitbucketServer,
		RepoURLs: []string{
			"ssh://git@bitbucketserver:7999/myproject/test-repo.git",
			"https://bitbucketserver/scm/myproject/test-repo.git",
		},
		Revision: "master",
		Commits:  []string{"22671f0349857934857983457983475ec39f196b"},
	}
	runParseCases(t, []parseCase{
		{
			name: "push without secret",
			req:  webhookRequest(bitbucketServerPushBody, "X-Event-Key", "repo:refs_changed"),
			want: push,
		},
		{
			name:    "push with valid signature",
			secrets: Secrets{BitbucketServer: secret},
			req: webhookRequest(bitbucketServerPushBody, "X-Event-Key", "repo:refs_changed",
				"X-Hub-Signature", signed(bitbucketServerPushBody)),
			want: push,
		},
		{
			name:    "bad signature",
			secrets: Secrets{BitbucketServer: secret},
			req: webhookRequest(bitbucketServerPushBody, "X-Event-Key", "repo:refs_changed",
				"X-Hub-Signature", "sha256="+mac(sha256.New, "wrong", bitbucketServerPushBody)),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "missing signature when secret set",
			secrets: Secrets{BitbucketServer: secret},
			req:     webhookRequest(bitbucketServerPushBody, "X-Event-Key", "repo:refs_changed"),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "diagnostics ping is ignored even unsigned",
			secrets: Secrets{BitbucketServer: secret},
			req:     webhookRequest(`{"test": true}`, "X-Event-Key", "diagnostics:ping"),
			wantErr: ErrIgnored,
		},
		{
			name: "tag push",
			req:  webhookRequest(bitbucketServerTagBody, "X-Event-Key", "repo:refs_changed"),
			want: Push{
				Provider: ProviderBitbucketServer,
				RepoURLs: []string{"https://bitbucketserver/scm/myproject/test-repo.git"},
				Revision: "v1.4.0",
				Commits:  []string{"22671f0349857934857983457983475ec39f196b"},
				Tag:      true,
			},
		},
		{
			name:    "pull request comment is ignored",
			req:     webhookRequest(`{"pullRequest": {}}`, "X-Event-Key", "pr:comment:added"),
			wantErr: ErrIgnored,
		},
		{
			name:    "push without clone links",
			req:     webhookRequest(`{"repository": {}, "changes": [{"ref": {"id": "refs/heads/main"}}]}`, "X-Event-Key", "repo:refs_changed"),
			wantErr: ErrMalformed,
		},
	})
}
