package webhook

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// basicAuth is the Authorization header of user and password.
func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// azureDevOpsHeaders are the headers of an Azure DevOps service hook
// request: no event header, an activity id, and the basic auth of user
// and password when user is not empty.
func azureDevOpsHeaders(user, password string) []string {
	h := []string{"X-Vss-ActivityId", "d0b1b1a3-5f0e-4c2b-9a53-2f7f3f1c6e11"}
	if user != "" || password != "" {
		h = append(h, "Authorization", basicAuth(user, password))
	}
	return h
}

// azureDevOpsGitPush is the Push of testdata/azuredevops-git-push.json.
var azureDevOpsGitPush = Push{
	Provider: ProviderAzureDevOps,
	RepoURLs: []string{
		"https://dev.azure.com/fabrikam-fiber-inc/DefaultCollection/_git/Fabrikam-Fiber-Git",
		"git@ssh.dev.azure.com:v3/fabrikam-fiber-inc/DefaultCollection/Fabrikam-Fiber-Git",
	},
	Revision:      "main",
	Commits:       []string{"33b55f7cb7e7e245323987634f960cf4a6e6bc74"},
	DefaultBranch: "main",
}

// editResource returns body with edit applied to its decoded resource.
func editResource(t *testing.T, body string, edit func(res map[string]any)) string {
	t.Helper()
	return editJSON(t, body, func(pl map[string]any) { edit(pl["resource"].(map[string]any)) })
}

// editRepository returns body with edit applied to its decoded
// resource.repository.
func editRepository(t *testing.T, body string, edit func(repo map[string]any)) string {
	t.Helper()
	return editResource(t, body, func(res map[string]any) { edit(res["repository"].(map[string]any)) })
}

// withEventType replaces the eventType of an Azure DevOps payload.
func withEventType(t *testing.T, body, eventType string) string {
	t.Helper()
	return editJSON(t, body, func(pl map[string]any) { pl["eventType"] = eventType })
}

func TestParseAzureDevOps(t *testing.T) {
	const user, password = "argocd", "s3cr3t p@ss:word"
	secrets := Secrets{AzureDevOpsUsername: user, AzureDevOpsPassword: password}
	body := testdata(t, "azuredevops-git-push.json")

	tag := editResource(t, body, func(res map[string]any) {
		res["refUpdates"] = []any{map[string]any{
			"name":        "refs/tags/v1.2.0",
			"oldObjectId": "0000000000000000000000000000000000000000",
			"newObjectId": "33b55f7cb7e7e245323987634f960cf4a6e6bc74",
		}}
		res["commits"] = []any{}
	})
	deleted := editResource(t, body, func(res map[string]any) {
		res["refUpdates"] = []any{map[string]any{
			"name":        "refs/heads/feature/x",
			"oldObjectId": "33b55f7cb7e7e245323987634f960cf4a6e6bc74",
			"newObjectId": "0000000000000000000000000000000000000000",
		}}
		res["commits"] = []any{}
	})
	twoRefs := editResource(t, body, func(res map[string]any) {
		res["refUpdates"] = []any{
			map[string]any{"name": "refs/heads/release/1.x", "newObjectId": "5f1c2a9e0b7d4c3a8e6f2d1b0a9c8e7d6f5a4b3c"},
			map[string]any{"name": "refs/heads/main", "newObjectId": "33b55f7cb7e7e245323987634f960cf4a6e6bc74"},
		}
		res["commits"] = []any{
			map[string]any{"commitId": "5f1c2a9e0b7d4c3a8e6f2d1b0a9c8e7d6f5a4b3c"},
			map[string]any{"commitId": "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"},
		}
	})
	// Azure DevOps Services sends the organisation as the user of the
	// remote URL; newer payloads add the web and SSH URLs.
	services := editRepository(t, body, func(repo map[string]any) {
		repo["remoteUrl"] = "https://fabrikam@dev.azure.com/fabrikam/Fabrikam%20Fiber/_git/Fabrikam-Web"
		repo["webUrl"] = "https://dev.azure.com/fabrikam/Fabrikam%20Fiber/_git/Fabrikam-Web"
		repo["sshUrl"] = "git@ssh.dev.azure.com:v3/fabrikam/Fabrikam%20Fiber/Fabrikam-Web"
	})
	visualStudio := editRepository(t, body, func(repo map[string]any) {
		repo["remoteUrl"] = "https://fabrikam-fiber-inc.visualstudio.com/DefaultCollection/Fabrikam/_git/Fabrikam-Fiber-Git"
		delete(repo, "defaultBranch")
	})
	server := editRepository(t, body, func(repo map[string]any) {
		repo["remoteUrl"] = "https://tfs.example.com/tfs/DefaultCollection/Fabrikam/_git/Fabrikam-Fiber-Git"
	})
	noRepository := editResource(t, body, func(res map[string]any) { delete(res, "repository") })
	noRemote := editRepository(t, body, func(repo map[string]any) { delete(repo, "remoteUrl") })
	noRefUpdates := editResource(t, body, func(res map[string]any) { res["refUpdates"] = []any{} })
	noResource := editJSON(t, body, func(pl map[string]any) { delete(pl, "resource") })
	nullResource := editJSON(t, body, func(pl map[string]any) { pl["resource"] = nil })
	buildComplete := `{"eventType": "build.complete", "publisherId": "tfs", "resource": {"uri": "vstfs:///Build/Build/2", "status": "succeeded"}}`
	workItem := `{"eventType": "workitem.created", "publisherId": "tfs", "resource": {"id": 5, "fields": {"System.Title": "x"}}}`

	runParseCases(t, []parseCase{
		{
			name: "push without credentials configured",
			req:  webhookRequest(body, azureDevOpsHeaders("", "")...),
			want: azureDevOpsGitPush,
		},
		{
			name: "push without credentials configured, with basic auth sent",
			req:  webhookRequest(body, azureDevOpsHeaders("anyone", "anything")...),
			want: azureDevOpsGitPush,
		},
		{
			name:    "push with matching basic auth",
			secrets: secrets,
			req:     webhookRequest(body, azureDevOpsHeaders(user, password)...),
			want:    azureDevOpsGitPush,
		},
		{
			name:    "push recognised by its body, without X-Vss-ActivityId",
			secrets: secrets,
			req:     webhookRequest(body, "Authorization", basicAuth(user, password)),
			want:    azureDevOpsGitPush,
		},
		{
			name:    "wrong password",
			secrets: secrets,
			req:     webhookRequest(body, azureDevOpsHeaders(user, password+"x")...),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "wrong username",
			secrets: secrets,
			req:     webhookRequest(body, azureDevOpsHeaders("admin", password)...),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "no basic auth",
			secrets: secrets,
			req:     webhookRequest(body, azureDevOpsHeaders("", "")...),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "no basic auth, recognised by the body",
			secrets: secrets,
			req:     webhookRequest(body),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "bearer token instead of basic auth",
			secrets: secrets,
			req:     webhookRequest(body, "X-Vss-ActivityId", "a", "Authorization", "Bearer "+password),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "username only configured: the password must be empty",
			secrets: Secrets{AzureDevOpsUsername: user},
			req:     webhookRequest(body, azureDevOpsHeaders(user, "")...),
			want:    azureDevOpsGitPush,
		},
		{
			name:    "username only configured, a password sent",
			secrets: Secrets{AzureDevOpsUsername: user},
			req:     webhookRequest(body, azureDevOpsHeaders(user, password)...),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "password only configured: the username must be empty",
			secrets: Secrets{AzureDevOpsPassword: password},
			req:     webhookRequest(body, azureDevOpsHeaders("", password)...),
			want:    azureDevOpsGitPush,
		},
		{
			name:    "password only configured, a username sent",
			secrets: Secrets{AzureDevOpsPassword: password},
			req:     webhookRequest(body, azureDevOpsHeaders(user, password)...),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "other providers' secrets do not apply",
			secrets: Secrets{GitHub: "gh", GitLab: "gl", Gitea: "gt", BitbucketUUID: "{u}", BitbucketServer: "bbs"},
			req:     webhookRequest(body, azureDevOpsHeaders("", "")...),
			want:    azureDevOpsGitPush,
		},
		{
			name:    "Azure DevOps credentials do not apply to GitHub",
			secrets: secrets,
			req:     webhookRequest(githubPushBody, "X-GitHub-Event", "push"),
			want:    githubPush,
		},
		{
			name: "tag push",
			req:  webhookRequest(tag, azureDevOpsHeaders("", "")...),
			want: Push{
				Provider:      ProviderAzureDevOps,
				RepoURLs:      azureDevOpsGitPush.RepoURLs,
				Revision:      "v1.2.0",
				Commits:       []string{"33b55f7cb7e7e245323987634f960cf4a6e6bc74"},
				Tag:           true,
				DefaultBranch: "main",
			},
		},
		{
			name: "deleted branch has no commits",
			req:  webhookRequest(deleted, azureDevOpsHeaders("", "")...),
			want: Push{
				Provider:      ProviderAzureDevOps,
				RepoURLs:      azureDevOpsGitPush.RepoURLs,
				Revision:      "feature/x",
				DefaultBranch: "main",
			},
		},
		{
			name: "only the first ref update is reported, all commits are",
			req:  webhookRequest(twoRefs, azureDevOpsHeaders("", "")...),
			want: Push{
				Provider: ProviderAzureDevOps,
				RepoURLs: azureDevOpsGitPush.RepoURLs,
				Revision: "release/1.x",
				Commits: []string{
					"5f1c2a9e0b7d4c3a8e6f2d1b0a9c8e7d6f5a4b3c",
					"9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b",
				},
				DefaultBranch: "main",
			},
		},
		{
			name: "Azure DevOps Services remote URL with user, web and SSH URLs",
			req:  webhookRequest(services, azureDevOpsHeaders("", "")...),
			want: Push{
				Provider: ProviderAzureDevOps,
				RepoURLs: []string{
					"https://fabrikam@dev.azure.com/fabrikam/Fabrikam%20Fiber/_git/Fabrikam-Web",
					"https://dev.azure.com/fabrikam/Fabrikam%20Fiber/_git/Fabrikam-Web",
					"git@ssh.dev.azure.com:v3/fabrikam/Fabrikam%20Fiber/Fabrikam-Web",
				},
				Revision:      "main",
				Commits:       []string{"33b55f7cb7e7e245323987634f960cf4a6e6bc74"},
				DefaultBranch: "main",
			},
		},
		{
			name: "visualstudio.com remote URL, no default branch",
			req:  webhookRequest(visualStudio, azureDevOpsHeaders("", "")...),
			want: Push{
				Provider: ProviderAzureDevOps,
				RepoURLs: []string{
					"https://fabrikam-fiber-inc.visualstudio.com/DefaultCollection/Fabrikam/_git/Fabrikam-Fiber-Git",
					"fabrikam-fiber-inc@vs-ssh.visualstudio.com:v3/fabrikam-fiber-inc/Fabrikam/Fabrikam-Fiber-Git",
				},
				Revision: "main",
				Commits:  []string{"33b55f7cb7e7e245323987634f960cf4a6e6bc74"},
			},
		},
		{
			name: "Azure DevOps Server remote URL",
			req:  webhookRequest(server, azureDevOpsHeaders("", "")...),
			want: Push{
				Provider:      ProviderAzureDevOps,
				RepoURLs:      []string{"https://tfs.example.com/tfs/DefaultCollection/Fabrikam/_git/Fabrikam-Fiber-Git"},
				Revision:      "main",
				Commits:       []string{"33b55f7cb7e7e245323987634f960cf4a6e6bc74"},
				DefaultBranch: "main",
			},
		},
		{
			name:    "build.complete is ignored",
			secrets: secrets,
			req:     webhookRequest(buildComplete, azureDevOpsHeaders(user, password)...),
			wantErr: ErrIgnored,
		},
		{
			name:    "build.complete without basic auth is refused",
			secrets: secrets,
			req:     webhookRequest(buildComplete, azureDevOpsHeaders("", "")...),
			wantErr: ErrUnauthorized,
		},
		{
			name:    "work item recognised by its body is ignored",
			req:     webhookRequest(workItem),
			wantErr: ErrIgnored,
		},
		{
			name:    "malformed JSON",
			req:     webhookRequest(`{"eventType": "git.push",`, azureDevOpsHeaders("", "")...),
			wantErr: ErrMalformed,
		},
		{
			name:    "empty body",
			req:     webhookRequest(``, azureDevOpsHeaders("", "")...),
			wantErr: ErrMalformed,
		},
		{
			name:    "eventType not a string",
			req:     webhookRequest(`{"eventType": 1, "publisherId": "tfs"}`, azureDevOpsHeaders("", "")...),
			wantErr: ErrMalformed,
		},
		{
			name:    "push without resource",
			req:     webhookRequest(noResource, azureDevOpsHeaders("", "")...),
			wantErr: ErrMalformed,
		},
		{
			name:    "push with null resource",
			req:     webhookRequest(nullResource, azureDevOpsHeaders("", "")...),
			wantErr: ErrMalformed,
		},
		{
			name:    "push without refUpdates",
			req:     webhookRequest(noRefUpdates, azureDevOpsHeaders("", "")...),
			wantErr: ErrMalformed,
		},
		{
			name:    "push without repository",
			req:     webhookRequest(noRepository, azureDevOpsHeaders("", "")...),
			wantErr: ErrMalformed,
		},
		{
			name:    "push without remoteUrl",
			req:     webhookRequest(noRemote, azureDevOpsHeaders("", "")...),
			wantErr: ErrMalformed,
		},
		{
			name:    "refUpdates of the wrong type",
			req:     webhookRequest(`{"eventType": "git.push", "publisherId": "tfs", "resource": {"refUpdates": {}}}`),
			wantErr: ErrMalformed,
		},
	})
}

// TestParseAzureDevOpsDispatch: a request is Azure DevOps' only when it
// carries none of the other providers' headers.
func TestParseAzureDevOpsDispatch(t *testing.T) {
	body := testdata(t, "azuredevops-git-push.json")
	for _, tc := range []struct {
		name    string
		body    string
		headers []string
		// provider is the provider the request parses as, or the error
		// it gets.
		provider string
		wantErr  error
	}{
		{"X-Vss-ActivityId", body, []string{"X-Vss-ActivityId", "a"}, ProviderAzureDevOps, nil},
		{"X-VSS-ActivityId of another case", body, []string{"X-VSS-ACTIVITYID", "a"}, ProviderAzureDevOps, nil},
		{"body alone", body, nil, ProviderAzureDevOps, nil},
		{"body with charset", body, []string{"Content-Type", "application/json; charset=utf-8"}, ProviderAzureDevOps, nil},
		{"X-GitHub-Event wins", body, []string{"X-GitHub-Event", "push", "X-Vss-ActivityId", "a"}, "", ErrMalformed},
		{"X-Event-Key wins", body, []string{"X-Event-Key", "repo:refs_changed"}, "", ErrMalformed},
		{"X-Hook-UUID wins", body, []string{"X-Hook-UUID", "{u}"}, "", ErrIgnored},
		{"an empty X-Gitlab-Event is not Azure DevOps'", body, []string{"X-Gitlab-Event", ""}, "", ErrUnknownProvider},
		{"an empty X-Event-Key is not Azure DevOps'", body, []string{"X-Event-Key", "", "X-Vss-ActivityId", "a"}, "", ErrUnknownProvider},
		{"GitHub body without headers", githubPushBody, nil, "", ErrUnknownProvider},
		{"eventType without publisherId", `{"eventType": "git.push", "resource": {}}`, nil, "", ErrUnknownProvider},
		{"publisherId without eventType", `{"publisherId": "tfs", "resource": {}}`, nil, "", ErrUnknownProvider},
		{"not JSON", `eventType=git.push&publisherId=tfs`, nil, "", ErrUnknownProvider},
		{"JSON array", `[{"eventType": "git.push", "publisherId": "tfs"}]`, nil, "", ErrUnknownProvider},
		{"empty body", ``, nil, "", ErrUnknownProvider},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(webhookRequest(tc.body, tc.headers...), Secrets{})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Parse() = %+v, %v; want %v", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got.Provider != tc.provider {
				t.Fatalf("Parse() = %+v, %v; want provider %s", got, err, tc.provider)
			}
		})
	}

	// Without any header, the body limit holds.
	req := webhookRequest(body)
	if _, err := parse(req, Secrets{}, int64(len(body)-1)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("parse() over the limit without headers: error = %v, want ErrTooLarge", err)
	}
	req = webhookRequest(body, "X-Vss-ActivityId", "a")
	if _, err := parse(req, Secrets{}, int64(len(body)-1)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("parse() over the limit: error = %v, want ErrTooLarge", err)
	}
}

func TestAzureDevOpsErrorMessages(t *testing.T) {
	secrets := Secrets{AzureDevOpsUsername: "u", AzureDevOpsPassword: "p"}
	body := testdata(t, "azuredevops-git-push.json")
	for _, tc := range []struct {
		req  *http.Request
		want string
	}{
		{webhookRequest(body, azureDevOpsHeaders("", "")...), "verify azuredevops webhook: unauthorized: no basic auth"},
		{webhookRequest(body, azureDevOpsHeaders("u", "x")...), "verify azuredevops webhook: unauthorized: basic auth does not match"},
		{webhookRequest(`{"eventType": "build.complete", "publisherId": "tfs"}`, azureDevOpsHeaders("u", "p")...), "event ignored: azuredevops event build.complete"},
		{webhookRequest(`{"eventType": "git.push", "publisherId": "tfs"}`, azureDevOpsHeaders("u", "p")...), "parse azuredevops push: malformed payload: no resource"},
	} {
		_, err := Parse(tc.req, secrets)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Parse() error = %v, want %q", err, tc.want)
		}
	}
	_, err := Parse(webhookRequest(`{}`), Secrets{})
	if err == nil || !strings.Contains(err.Error(), "X-Vss-ActivityId") {
		t.Errorf("unknown provider error = %v, want it to name X-Vss-ActivityId", err)
	}
}

func TestAzureDevOpsSSHURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://dev.azure.com/org/project/_git/repo":                      "git@ssh.dev.azure.com:v3/org/project/repo",
		"https://org@dev.azure.com/org/project/_git/repo":                  "git@ssh.dev.azure.com:v3/org/project/repo",
		"https://Dev.Azure.com/Org/My%20Project/_git/My%20Repo/":           "git@ssh.dev.azure.com:v3/Org/My%20Project/My%20Repo",
		"https://org.visualstudio.com/project/_git/repo":                   "org@vs-ssh.visualstudio.com:v3/org/project/repo",
		"https://org.visualstudio.com/DefaultCollection/project/_git/repo": "org@vs-ssh.visualstudio.com:v3/org/project/repo",
		"https://dev.azure.com/org/_git/repo":                              "",
		"https://dev.azure.com/org/project/_git/repo/extra":                "",
		"https://dev.azure.com/org/project/repo/x":                         "",
		"https://dev.azure.com/org//_git/repo":                             "",
		"https://a.b.visualstudio.com/project/_git/repo":                   "",
		"https://tfs.example.com/tfs/DefaultCollection/project/_git/repo":  "",
		"git@ssh.dev.azure.com:v3/org/project/repo":                        "",
		"":   "",
		"::": "",
	} {
		if got := azureDevOpsSSHURL(in); got != want {
			t.Errorf("azureDevOpsSSHURL(%q) = %q, want %q", in, got, want)
		}
	}
}
