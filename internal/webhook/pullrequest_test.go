package webhook

import (
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testdata returns the payload in testdata/name: a provider's documented
// example, trimmed.
func testdata(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// withAction replaces the first "action": "from" of a payload.
func withAction(t *testing.T, body, from, to string) string {
	t.Helper()
	old := `"action": "` + from + `"`
	if !strings.Contains(body, old) {
		t.Fatalf("payload has no %s", old)
	}
	return strings.Replace(body, old, `"action": "`+to+`"`, 1)
}

// editJSON returns body with edit applied to its decoded JSON.
func editJSON(t *testing.T, body string, edit func(pl map[string]any)) string {
	t.Helper()
	var pl map[string]any
	if err := json.Unmarshal([]byte(body), &pl); err != nil {
		t.Fatal(err)
	}
	edit(pl)
	out, err := json.Marshal(pl)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// prExample is a provider's documented pull-request payload, in
// testdata, and the repository URLs and event it parses to, the action
// aside.
type prExample struct {
	payload string
	urls    []string
	event   PullRequestEvent
}

// prExamples are the providers' examples.
var prExamples = map[string]prExample{
	ProviderGitHub: {"github-pull-request-opened.json", []string{
		"https://github.com/Codertocat/Hello-World",
		"https://github.com/Codertocat/Hello-World.git",
		"git@github.com:Codertocat/Hello-World.git",
		"git://github.com/Codertocat/Hello-World.git",
	}, PullRequestEvent{Number: 2, Host: "api.github.com", Owner: "Codertocat", Repo: "Hello-World",
		Branch: "changes", HeadSHA: "ec26c3e57ca3a959ca5aad62de7213c562f8c821"}},
	ProviderGitea: {"gitea-pull-request-opened.json", []string{
		"http://localhost:3000/example/example",
		"http://localhost:3000/example/example.git",
		"git@localhost:example/example.git",
	}, PullRequestEvent{Number: 2, Host: "localhost:3000", Owner: "example", Repo: "example",
		Branch: "master", HeadSHA: "48e773f892a831faa47c0a160d1b7f0cd369ae2a"}},
	ProviderGitLab: {"gitlab-merge-request-open.json", []string{
		"http://example.com/gitlabhq/gitlab-test",
		"http://example.com/gitlabhq/gitlab-test.git",
		"git@example.com:gitlabhq/gitlab-test.git",
	}, PullRequestEvent{Number: 1, Host: "example.com", Owner: "gitlabhq", Repo: "gitlab-test", ProjectID: 14,
		Branch: "ms-viewport", HeadSHA: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"}},
	ProviderBitbucket: {"bitbucket-pullrequest-created.json", []string{
		"https://bitbucket.org/team_name/repo_name",
		"https://bitbucket.org/team_name/repo_name.git",
		"git@bitbucket.org:team_name/repo_name.git",
	}, PullRequestEvent{Number: 42, Host: "bitbucket.org", Owner: "team_name", Repo: "repo_name",
		Branch: "feature/staging", HeadSHA: "d3022fc0ca3d"}},
	ProviderBitbucketServer: {"bitbucket-server-pr-opened.json", []string{
		"ssh://git@server.bitbucket.local:7999/~gopher/webhook-test.git",
		"https://server.bitbucket.local/scm/~gopher/webhook-test.git",
	}, PullRequestEvent{Number: 5, Host: "server.bitbucket.local", Owner: "~gopher", Repo: "webhook-test",
		Branch: "feature/wip", HeadSHA: "32a0b8a740c2963c6f56bd8baf3dc05683d299e0"}},
	ProviderAzureDevOps: {"azuredevops-pullrequest-created.json", []string{
		"https://dev.azure.com/fabrikam/DefaultCollection/_git/Fabrikam",
		"git@ssh.dev.azure.com:v3/fabrikam/DefaultCollection/Fabrikam",
	}, PullRequestEvent{Number: 1, Host: "dev.azure.com", Owner: "Fabrikam", Repo: "Fabrikam",
		Branch: "mytopic", HeadSHA: "53d54ac915144006c2c9e90d2c7d3880920db49c"}},
}

// examplePayload is provider's documented payload.
func examplePayload(t *testing.T, provider string) string {
	t.Helper()
	return testdata(t, prExamples[provider].payload)
}

// examplePush is the Push of provider's documented payload with action.
func examplePush(provider, action string) Push {
	e := prExamples[provider]
	ev := e.event
	ev.Action = action
	return Push{Provider: provider, RepoURLs: e.urls, PullRequest: &ev}
}

// hmacSHA256 signs a body in header: the hex HMAC-SHA256 of the body
// under the secret, after prefix.
func hmacSHA256(header, prefix string) func(secret, body string) []string {
	return func(secret, body string) []string {
		return []string{header, prefix + mac(sha256.New, secret, body)}
	}
}

// token sends the secret itself in header.
func token(header string) func(secret, body string) []string {
	return func(secret, _ string) []string { return []string{header, secret} }
}

// basicAuthAs sends the secret as the password of user's basic auth.
func basicAuthAs(user string) func(secret, body string) []string {
	return func(secret, _ string) []string { return []string{"Authorization", basicAuth(user, secret)} }
}

// giteaEvent are the headers of a Gitea pull-request event: Gitea sends
// its own and Gogs' and GitHub's; the event type tells pull_request_sync
// or pull_request_label from pull_request.
func giteaEvent(eventType string) []string {
	return []string{
		"X-Gitea-Event", "pull_request", "X-Gitea-Event-Type", eventType,
		"X-Gogs-Event", "pull_request", "X-GitHub-Event", "pull_request",
	}
}

// giteaSignatures are the signatures Gitea sends: its own and Gogs' and
// GitHub's.
func giteaSignatures(secret, body string) []string {
	sig := mac(sha256.New, secret, body)
	return []string{"X-Gitea-Signature", sig, "X-Gogs-Signature", sig, "X-Hub-Signature-256", "sha256=" + sig}
}

// TestParsePullRequestSecrets: each provider's documented pull-request
// event is parsed when it carries the provider's secret, or when none is
// set, and refused when it carries another or none.
func TestParsePullRequestSecrets(t *testing.T) {
	const secret = "It's a Secret to Everybody"
	for _, tc := range []struct {
		provider, action string
		secrets          Secrets
		// event are the headers naming the event, sign those carrying
		// the secret.
		event []string
		sign  func(secret, body string) []string
	}{
		{ProviderGitHub, "opened", Secrets{GitHub: secret},
			[]string{"X-GitHub-Event", "pull_request"}, hmacSHA256("X-Hub-Signature-256", "sha256=")},
		{ProviderGitea, "opened", Secrets{Gitea: secret},
			giteaEvent("pull_request"), giteaSignatures},
		{ProviderGitLab, "open", Secrets{GitLab: secret},
			[]string{"X-Gitlab-Event", "Merge Request Hook"}, token("X-Gitlab-Token")},
		{ProviderBitbucket, "pullrequest:created", Secrets{BitbucketUUID: secret},
			[]string{"X-Event-Key", "pullrequest:created"}, token("X-Hook-UUID")},
		{ProviderBitbucketServer, "pr:opened", Secrets{BitbucketServer: secret},
			[]string{"X-Event-Key", "pr:opened"}, hmacSHA256("X-Hub-Signature", "sha256=")},
		{ProviderAzureDevOps, "git.pullrequest.created", Secrets{AzureDevOpsUsername: "argocd", AzureDevOpsPassword: secret},
			[]string{"X-Vss-ActivityId", "2ab4e3d3-b7a6-425e-92b1-5a9982c1269e"}, basicAuthAs("argocd")},
	} {
		t.Run(tc.provider, func(t *testing.T) {
			body := examplePayload(t, tc.provider)
			request := func(signature ...string) *http.Request {
				return webhookRequest(body, append(slices.Clone(tc.event), signature...)...)
			}
			runParseCases(t, []parseCase{
				{name: "signed", secrets: tc.secrets, req: request(tc.sign(secret, body)...), want: examplePush(tc.provider, tc.action)},
				{name: "no secret set", req: request(), want: examplePush(tc.provider, tc.action)},
				{name: "signed with another secret", secrets: tc.secrets, req: request(tc.sign("wrong", body)...), wantErr: ErrUnauthorized},
				{name: "unsigned", secrets: tc.secrets, req: request(), wantErr: ErrUnauthorized},
			})
		})
	}
}

func TestParseGitHubPullRequest(t *testing.T) {
	const secret = "It's a Secret to Everybody"
	signed := func(body string) string { return "sha256=" + mac(sha256.New, secret, body) }
	body := examplePayload(t, ProviderGitHub)
	synchronize := withAction(t, body, "opened", "synchronize")
	assigned := withAction(t, body, "opened", "assigned")
	ghe := strings.ReplaceAll(body, "https://api.github.com/repos/", "https://GHE.example.com/api/v3/repos/")
	form := "payload=" + url.QueryEscape(body)

	runParseCases(t, []parseCase{
		{
			name: "synchronize without secret",
			req:  webhookRequest(synchronize, "X-GitHub-Event", "pull_request"),
			want: examplePush(ProviderGitHub, "synchronize"),
		},
		{
			name:    "form-encoded with valid signature",
			secrets: Secrets{GitHub: secret},
			req: webhookRequest(form, "X-GitHub-Event", "pull_request", "Content-Type", "application/x-www-form-urlencoded",
				"X-Hub-Signature-256", signed(form)),
			want: examplePush(ProviderGitHub, "opened"),
		},
		{
			name: "GitHub Enterprise Server host from the API URL",
			req:  webhookRequest(ghe, "X-GitHub-Event", "pull_request"),
			want: func() Push {
				p := examplePush(ProviderGitHub, "opened")
				p.PullRequest.Host = "ghe.example.com"
				return p
			}(),
		},
		{
			name:    "assigned is ignored",
			secrets: Secrets{GitHub: secret},
			req:     webhookRequest(assigned, "X-GitHub-Event", "pull_request", "X-Hub-Signature-256", signed(assigned)),
			wantErr: ErrIgnored,
		},
		{
			name:    "edited is ignored",
			req:     webhookRequest(withAction(t, body, "opened", "edited"), "X-GitHub-Event", "pull_request"),
			wantErr: ErrIgnored,
		},
		{
			name:    "pull request review is ignored",
			req:     webhookRequest(withAction(t, body, "opened", "submitted"), "X-GitHub-Event", "pull_request_review"),
			wantErr: ErrIgnored,
		},
		{
			name:    "wrongly signed ignored action is refused",
			secrets: Secrets{GitHub: secret},
			req:     webhookRequest(assigned, "X-GitHub-Event", "pull_request", "X-Hub-Signature-256", signed(body)),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "without repository",
			req:     webhookRequest(`{"action": "opened", "number": 1}`, "X-GitHub-Event", "pull_request"),
			wantErr: ErrMalformed,
		},
		{
			name:    "without owner",
			req:     webhookRequest(`{"action": "opened", "number": 1, "repository": {"name": "r", "html_url": "https://github.com/o/r"}}`, "X-GitHub-Event", "pull_request"),
			wantErr: ErrMalformed,
		},
		{
			name:    "malformed JSON",
			req:     webhookRequest(`{"action": "opened", "number": "1"}`, "X-GitHub-Event", "pull_request"),
			wantErr: ErrMalformed,
		},
	})
}

func TestParseGiteaPullRequest(t *testing.T) {
	const secret = "gitea-secret"
	body := examplePayload(t, ProviderGitea)
	headers := func(body, eventType string) []string {
		return append(giteaEvent(eventType), giteaSignatures(secret, body)...)
	}
	synchronized := withAction(t, body, "opened", "synchronized")
	labelled := withAction(t, body, "opened", "label_updated")
	assigned := withAction(t, body, "opened", "assigned")
	username := editJSON(t, body, func(pl map[string]any) {
		delete(pl["repository"].(map[string]any)["owner"].(map[string]any), "login")
	})

	runParseCases(t, []parseCase{
		{
			name:    "synchronized",
			secrets: Secrets{Gitea: secret},
			req:     webhookRequest(synchronized, headers(synchronized, "pull_request_sync")...),
			want:    examplePush(ProviderGitea, "synchronized"),
		},
		{
			name: "label_updated",
			req:  webhookRequest(labelled, headers(labelled, "pull_request_label")...),
			want: examplePush(ProviderGitea, "label_updated"),
		},
		{
			name: "owner named by username only",
			req:  webhookRequest(username, "X-Gitea-Event", "pull_request"),
			want: examplePush(ProviderGitea, "opened"),
		},
		{
			name:    "assigned is ignored",
			secrets: Secrets{Gitea: secret},
			req:     webhookRequest(assigned, headers(assigned, "pull_request_assign")...),
			wantErr: ErrIgnored,
		},
		{
			name:    "review_requested is ignored",
			req:     webhookRequest(withAction(t, body, "opened", "review_requested"), "X-Gitea-Event", "pull_request"),
			wantErr: ErrIgnored,
		},
		{
			name:    "approval is ignored",
			req:     webhookRequest(withAction(t, body, "opened", "reviewed"), "X-Gitea-Event", "pull_request_approved"),
			wantErr: ErrIgnored,
		},
		{
			name:    "Gogs pull request is ignored",
			secrets: Secrets{Gitea: secret},
			req:     webhookRequest(body, "X-Gogs-Event", "pull_request", "X-Gogs-Signature", mac(sha256.New, secret, body)),
			wantErr: ErrIgnored,
		},
		{
			name:    "malformed JSON",
			req:     webhookRequest(`{"action": "opened",`, "X-Gitea-Event", "pull_request"),
			wantErr: ErrMalformed,
		},
	})
}

func TestParseGitLabMergeRequest(t *testing.T) {
	const secret = "s3cr3t-t0ken"
	body := examplePayload(t, ProviderGitLab)
	system := testdata(t, "gitlab-system-merge-request-merge.json")
	update := withAction(t, body, "open", "update")
	approved := withAction(t, body, "open", "approved")

	runParseCases(t, []parseCase{
		{
			name: "update without secret",
			req:  webhookRequest(update, "X-Gitlab-Event", "Merge Request Hook"),
			want: examplePush(ProviderGitLab, "update"),
		},
		{
			name:    "system hook merge in a subgroup",
			secrets: Secrets{GitLab: secret},
			req:     webhookRequest(system, "X-Gitlab-Event", "System Hook", "X-Gitlab-Token", secret),
			want: Push{Provider: ProviderGitLab, RepoURLs: []string{
				"https://GitLab.Example.com:8443/platform/apps/guestbook",
				"https://gitlab.example.com:8443/platform/apps/guestbook.git",
				"ssh://git@gitlab.example.com:2222/platform/apps/guestbook.git",
			}, PullRequest: &PullRequestEvent{
				Action:    "merge",
				Number:    87,
				Host:      "gitlab.example.com:8443",
				Owner:     "platform/apps",
				Repo:      "guestbook",
				ProjectID: 1042,
				Branch:    "feature/staging-overlay",
				HeadSHA:   "8e9d4b0f6c2a1e3d5b7c9f0a2d4e6b8c0d1f3a5e",
			}},
		},
		{
			name:    "approved is ignored",
			secrets: Secrets{GitLab: secret},
			req:     webhookRequest(approved, "X-Gitlab-Event", "Merge Request Hook", "X-Gitlab-Token", secret),
			wantErr: ErrIgnored,
		},
		{
			name:    "missing token on an ignored action",
			secrets: Secrets{GitLab: secret},
			req:     webhookRequest(approved, "X-Gitlab-Event", "Merge Request Hook"),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "without project",
			req:     webhookRequest(`{"object_kind": "merge_request", "object_attributes": {"action": "open", "iid": 3}}`, "X-Gitlab-Event", "Merge Request Hook"),
			wantErr: ErrMalformed,
		},
		{
			name:    "without object_attributes",
			req:     webhookRequest(`{"object_kind": "merge_request", "project": {"web_url": "https://gitlab.com/a/b", "path_with_namespace": "a/b"}}`, "X-Gitlab-Event", "Merge Request Hook"),
			wantErr: ErrMalformed,
		},
	})
}

func TestParseBitbucketPullRequest(t *testing.T) {
	const uuid = "{a3e4b4b8-7c5d-4b42-9f1b-8d2e6b9a0c11}"
	body := examplePayload(t, ProviderBitbucket)
	runParseCases(t, []parseCase{
		{
			name: "fulfilled without uuid configured",
			req:  webhookRequest(body, "X-Event-Key", "pullrequest:fulfilled", "X-Hook-UUID", "{anything}"),
			want: examplePush(ProviderBitbucket, "pullrequest:fulfilled"),
		},
		{
			name: "pullrequest key without X-Hook-UUID is Bitbucket Cloud's",
			req:  webhookRequest(body, "X-Event-Key", "pullrequest:rejected"),
			want: examplePush(ProviderBitbucket, "pullrequest:rejected"),
		},
		{
			name:    "approved is ignored",
			secrets: Secrets{BitbucketUUID: uuid},
			req:     webhookRequest(body, "X-Event-Key", "pullrequest:approved", "X-Hook-UUID", uuid),
			wantErr: ErrIgnored,
		},
		{
			name:    "without pullrequest",
			req:     webhookRequest(`{"repository": {"full_name": "a/b", "links": {"html": {"href": "https://bitbucket.org/a/b"}}}}`, "X-Event-Key", "pullrequest:created", "X-Hook-UUID", uuid),
			wantErr: ErrMalformed,
		},
		{
			name:    "without repository",
			req:     webhookRequest(`{"pullrequest": {"id": 1}}`, "X-Event-Key", "pullrequest:created", "X-Hook-UUID", uuid),
			wantErr: ErrMalformed,
		},
	})
}

func TestParseBitbucketServerPullRequest(t *testing.T) {
	const secret = "bitbucket-server-secret"
	signed := func(body string) string { return "sha256=" + mac(sha256.New, secret, body) }
	body := examplePayload(t, ProviderBitbucketServer)
	runParseCases(t, []parseCase{
		{
			name: "from_ref_updated without secret",
			req:  webhookRequest(body, "X-Event-Key", "pr:from_ref_updated"),
			want: examplePush(ProviderBitbucketServer, "pr:from_ref_updated"),
		},
		{
			name:    "reviewer approval is ignored",
			secrets: Secrets{BitbucketServer: secret},
			req:     webhookRequest(body, "X-Event-Key", "pr:reviewer:approved", "X-Hub-Signature", signed(body)),
			wantErr: ErrIgnored,
		},
		{
			name:    "without target repository",
			req:     webhookRequest(`{"pullRequest": {"id": 5, "toRef": {"id": "refs/heads/master"}}}`, "X-Event-Key", "pr:opened"),
			wantErr: ErrMalformed,
		},
		{
			name:    "without clone links",
			req:     webhookRequest(`{"pullRequest": {"id": 5, "toRef": {"repository": {"slug": "r", "project": {"key": "P"}}}}}`, "X-Event-Key", "pr:opened"),
			wantErr: ErrMalformed,
		},
	})
}

func TestParseAzureDevOpsPullRequest(t *testing.T) {
	const user, password = "argocd", "s3cr3t"
	secrets := Secrets{AzureDevOpsUsername: user, AzureDevOpsPassword: password}
	body := examplePayload(t, ProviderAzureDevOps)
	updated := withEventType(t, body, "git.pullrequest.updated")
	merged := withEventType(t, body, "git.pullrequest.merged")
	commented := withEventType(t, body, "ms.vss-code.git-pullrequest-comment-event")
	services := editRepository(t, body, func(repo map[string]any) {
		repo["remoteUrl"] = "https://Fabrikam@Dev.Azure.com/fabrikam/Fabrikam%20Fiber/_git/Fabrikam"
		repo["project"].(map[string]any)["name"] = "Fabrikam Fiber"
	})
	server := editRepository(t, body, func(repo map[string]any) {
		repo["remoteUrl"] = "https://TFS.example.com:8443/tfs/DefaultCollection/Fabrikam/_git/Fabrikam"
	})
	noHead := editResource(t, body, func(res map[string]any) {
		delete(res, "lastMergeSourceCommit")
		res["sourceRefName"] = "mytopic"
	})
	noProject := editRepository(t, body, func(repo map[string]any) { delete(repo, "project") })
	noRemote := editRepository(t, body, func(repo map[string]any) { delete(repo, "remoteUrl") })
	noRepository := editResource(t, body, func(res map[string]any) { delete(res, "repository") })
	noResource := editJSON(t, body, func(pl map[string]any) { delete(pl, "resource") })
	stringID := editResource(t, body, func(res map[string]any) { res["pullRequestId"] = "1" })

	runParseCases(t, []parseCase{
		{
			name:    "updated",
			secrets: secrets,
			req:     webhookRequest(updated, azureDevOpsHeaders(user, password)...),
			want:    examplePush(ProviderAzureDevOps, "git.pullrequest.updated"),
		},
		{
			name: "merged without credentials configured",
			req:  webhookRequest(merged, azureDevOpsHeaders("", "")...),
			want: examplePush(ProviderAzureDevOps, "git.pullrequest.merged"),
		},
		{
			name:    "recognised by its body, without X-Vss-ActivityId",
			secrets: secrets,
			req:     webhookRequest(body, "Authorization", basicAuth(user, password)),
			want:    examplePush(ProviderAzureDevOps, "git.pullrequest.created"),
		},
		{
			name: "Azure DevOps Services remote URL with user: host without it, lower case",
			req:  webhookRequest(services, azureDevOpsHeaders("", "")...),
			want: Push{Provider: ProviderAzureDevOps, RepoURLs: []string{
				"https://Fabrikam@Dev.Azure.com/fabrikam/Fabrikam%20Fiber/_git/Fabrikam",
				"git@ssh.dev.azure.com:v3/fabrikam/Fabrikam%20Fiber/Fabrikam",
			}, PullRequest: &PullRequestEvent{
				Action:  "git.pullrequest.created",
				Number:  1,
				Host:    "dev.azure.com",
				Owner:   "Fabrikam Fiber",
				Repo:    "Fabrikam",
				Branch:  "mytopic",
				HeadSHA: "53d54ac915144006c2c9e90d2c7d3880920db49c",
			}},
		},
		{
			name: "Azure DevOps Server: host with its port",
			req:  webhookRequest(server, azureDevOpsHeaders("", "")...),
			want: Push{Provider: ProviderAzureDevOps, RepoURLs: []string{
				"https://TFS.example.com:8443/tfs/DefaultCollection/Fabrikam/_git/Fabrikam",
			}, PullRequest: &PullRequestEvent{
				Action:  "git.pullrequest.created",
				Number:  1,
				Host:    "tfs.example.com:8443",
				Owner:   "Fabrikam",
				Repo:    "Fabrikam",
				Branch:  "mytopic",
				HeadSHA: "53d54ac915144006c2c9e90d2c7d3880920db49c",
			}},
		},
		{
			name: "without head commit, branch not a ref",
			req:  webhookRequest(noHead, azureDevOpsHeaders("", "")...),
			want: func() Push {
				p := examplePush(ProviderAzureDevOps, "git.pullrequest.created")
				p.PullRequest.HeadSHA = ""
				return p
			}(),
		},
		{
			name:    "comment is ignored",
			secrets: secrets,
			req:     webhookRequest(commented, azureDevOpsHeaders(user, password)...),
			wantErr: ErrIgnored,
		},
		{
			name:    "other git.pullrequest event is ignored",
			req:     webhookRequest(withEventType(t, body, "git.pullrequest.merge-attempted"), azureDevOpsHeaders("", "")...),
			wantErr: ErrIgnored,
		},
		{
			name:    "ignored event with wrong basic auth is refused",
			secrets: secrets,
			req:     webhookRequest(commented, azureDevOpsHeaders(user, "guess")...),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "without basic auth",
			secrets: secrets,
			req:     webhookRequest(updated, azureDevOpsHeaders("", "")...),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "without project",
			req:     webhookRequest(noProject, azureDevOpsHeaders("", "")...),
			wantErr: ErrMalformed,
		},
		{
			name:    "without remoteUrl",
			req:     webhookRequest(noRemote, azureDevOpsHeaders("", "")...),
			wantErr: ErrMalformed,
		},
		{
			name:    "without repository",
			req:     webhookRequest(noRepository, azureDevOpsHeaders("", "")...),
			wantErr: ErrMalformed,
		},
		{
			name:    "without resource",
			req:     webhookRequest(noResource, azureDevOpsHeaders("", "")...),
			wantErr: ErrMalformed,
		},
		{
			name:    "pullRequestId not a number",
			req:     webhookRequest(stringID, azureDevOpsHeaders("", "")...),
			wantErr: ErrMalformed,
		},
	})
}

func TestSplitFullName(t *testing.T) {
	for in, want := range map[string][2]string{
		"o/r":        {"o", "r"},
		"g/sub/r":    {"g/sub", "r"},
		"/g/sub/r/":  {"g/sub", "r"},
		"r":          {"", "r"},
		"":           {"", ""},
		"workspace/": {"", "workspace"},
	} {
		if owner, name := splitFullName(in); owner != want[0] || name != want[1] {
			t.Errorf("splitFullName(%q) = %q, %q; want %q, %q", in, owner, name, want[0], want[1])
		}
	}
}

func TestWebHost(t *testing.T) {
	tests := []struct {
		urls []string
		want string
	}{
		{[]string{"https://GitHub.com/o/r"}, "github.com"},
		{[]string{"http://localhost:3000/o/r"}, "localhost:3000"},
		{[]string{"git@github.com:o/r.git", "ssh://git@h:22/o/r", "https://h.example/o/r"}, "h.example"},
		{[]string{"", "::"}, ""},
		{nil, ""},
	}
	for _, tc := range tests {
		if got := webHost(tc.urls...); got != tc.want {
			t.Errorf("webHost(%q) = %q, want %q", tc.urls, got, tc.want)
		}
	}
}

// TestMatchesPullRequest: a pull-request event refreshes no Application,
// not even one on the repository's HEAD, whose default branch it does not
// name.
func TestMatchesPullRequest(t *testing.T) {
	app := mustApp(t, appYAML(`  source:
    repoURL: https://github.com/Codertocat/Hello-World.git
    targetRevision: HEAD
`))
	p, err := Parse(webhookRequest(testdata(t, "github-pull-request-opened.json"), "X-GitHub-Event", "pull_request"), Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	if Matches(app, p, nil) {
		t.Error("Matches() = true for a pull-request event")
	}
	p.PullRequest = nil
	if !Matches(app, p, nil) {
		t.Error("Matches() = false for the same repository without the pull request")
	}
}
