package scm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	// adoRepoPath is my-repo's path, unescaped as the forge records it:
	// the project's name has a space.
	adoRepoPath = "/fabrikam/Fabrikam Fiber/_apis/git/repositories/my-repo"
	adoPulls    = "GET /fabrikam/{project}/_apis/git/repositories/{repo}/pullrequests"
	adoRepos    = "GET /fabrikam/{project}/_apis/git/repositories"
)

// newAzureDevOpsForge starts a forge and a provider on it.
func newAzureDevOpsForge(t *testing.T, o AzureDevOpsOptions) (*forge, *azureDevOps) {
	return startProvider(t, func(f *forge) (*azureDevOps, error) {
		o.API, o.Sleep = f.URL, f.waits.sleep
		o.Organization, o.Project = "fabrikam", "Fabrikam Fiber"
		return NewAzureDevOps(o)
	})
}

// fullPullRequestPage is the first documented page filled up to a full
// page ($top) with more active pull requests carrying no labels.
func fullPullRequestPage(t *testing.T) []byte {
	t.Helper()
	var page struct {
		Value []json.RawMessage `json:"value"`
		Count int               `json:"count"`
	}
	if err := json.Unmarshal(fixture(t, "azuredevops/pullrequests-1.json"), &page); err != nil {
		t.Fatal(err)
	}
	for i := len(page.Value); i < azureDevOpsPageSize; i++ {
		page.Value = append(page.Value, json.RawMessage(fmt.Sprintf(`{
			"pullRequestId": %d, "status": "active", "title": "filler %d",
			"sourceRefName": "refs/heads/filler-%d", "targetRefName": "refs/heads/main",
			"lastMergeSourceCommit": {"commitId": "%040d"},
			"createdBy": {"uniqueName": "bot@example.com"}, "labels": []}`, 1000+i, i, i, i)))
	}
	page.Count = len(page.Value)
	data, err := json.Marshal(page)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestAzureDevOpsPullRequestsAcrossPagesAndLabels(t *testing.T) {
	pr22 := PullRequest{Number: 22, Title: "A new feature", Branch: "npaulk/my_work", TargetBranch: "new_feature",
		HeadSHA: "b60280bc6e62e2f880f1b63c1e24987664d3bda3", Labels: []string{"preview", "backend"}, Author: "fabrikamfiber16"}
	pr23 := PullRequest{Number: 23, Title: "Bump the chart", Branch: "renovate/chart", TargetBranch: "main",
		HeadSHA: "0f3c9b7e5d2a1c4b6e8f0a2c4e6b8d0f1a3c5e7b", Labels: []string{"preview"}, Author: `Build\8d3a2b1c-0f9e-4d8c-b7a6-5e4d3c2b1a09`}
	pr7 := PullRequest{Number: 7, Title: "Old but still open", Branch: "feature/old", TargetBranch: "release/1.x",
		HeadSHA: "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f", Labels: []string{"backend", "preview"}, Author: "fabrikamfiber1"}
	for _, tc := range []struct {
		name   string
		labels []string
		count  int
		want   []PullRequest // the documented ones, in order
	}{
		// 24 has no lastMergeSourceCommit yet: left out, as Argo CD does.
		{"no labels", nil, 100, []PullRequest{pr22, pr23, pr7}},
		{"one label", []string{"preview"}, 3, []PullRequest{pr22, pr23, pr7}},
		{"all labels", []string{"backend", "preview"}, 2, []PullRequest{pr22, pr7}},
		{"a label none has", []string{"frontend"}, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, a := newAzureDevOpsForge(t, AzureDevOpsOptions{Repo: "my-repo", Token: "pat", Labels: tc.labels})
			f.handle(adoPulls, byQuery("$skip", "100",
				serve(200, fullPullRequestPage(t)),
				serve(200, fixture(t, "azuredevops/pullrequests-2.json"))))
			prs, err := a.List(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if len(prs) != tc.count {
				t.Errorf("%d pull requests, want %d", len(prs), tc.count)
			}
			var documented []PullRequest
			for _, pr := range derefPulls(prs) {
				if pr.Number < 1000 {
					documented = append(documented, pr)
				}
			}
			if !reflect.DeepEqual(documented, tc.want) {
				t.Errorf("pull requests:\n got %+v\nwant %+v", documented, tc.want)
			}
			seen := f.seen()
			if len(seen) != 2 {
				t.Fatalf("%d requests, want 2", len(seen))
			}
			for i, skip := range []string{"0", "100"} {
				q, _ := url.ParseQuery(seen[i].RawQuery)
				want := url.Values{"searchCriteria.status": {"active"}, "$top": {"100"}, "$skip": {skip}, "api-version": {azureDevOpsAPIVersion}}
				if seen[i].Path != adoRepoPath+"/pullrequests" || !reflect.DeepEqual(q, want) {
					t.Errorf("request %d: %s?%s, want $skip=%s", i+1, seen[i].Path, seen[i].RawQuery, skip)
				}
			}
		})
	}
}

func TestAzureDevOpsAuth(t *testing.T) {
	for _, tc := range []struct {
		name, token, want string
	}{
		{"personal access token", "pat", basicHeader("", "pat")},
		{"anonymous", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, a := newAzureDevOpsForge(t, AzureDevOpsOptions{Repo: "my-repo", Token: tc.token})
			f.handle(adoPulls, serve(200, []byte(`{"value":[],"count":0}`)))
			if _, err := a.List(t.Context()); err != nil {
				t.Fatal(err)
			}
			h := f.seen()[0].Header
			if got := h.Get("Authorization"); got != tc.want {
				t.Errorf("Authorization %q, want %q", got, tc.want)
			}
			if got := h.Get("X-TFS-FedAuthRedirect"); got != "Suppress" {
				t.Errorf("X-TFS-FedAuthRedirect %q, want Suppress", got)
			}
		})
	}
}

func TestAzureDevOpsErrors(t *testing.T) {
	testListErrors(t, with(newAzureDevOpsForge, AzureDevOpsOptions{Repo: "gone"}), adoPulls, []errorCase{
		{"repository not found", 404, fixture(t, "azuredevops/error-repository-not-found.json"), true, "TF401019: The Git repository with name or identifier gone does not exist"},
		{"project not found", 404, fixture(t, "azuredevops/error-project-not-found.json"), true, "TF200016: The following project does not exist: Gone."},
		{"unauthorized", 401, fixture(t, "azuredevops/error-unauthorized.json"), false, "TF400813: The user '' is not authorized to access this resource."},
	})
}

func TestAzureDevOpsRetriesRateLimit(t *testing.T) {
	testRateLimit(t, with(newAzureDevOpsForge, AzureDevOpsOptions{Repo: "my-repo", Token: "pat"}), rateLimitCase{
		pattern: adoPulls, answer: rateLimitedOnce(serve(200, fixture(t, "azuredevops/pullrequests-2.json"))),
		prs: 1, minWait: 7 * time.Second, maxWait: 7 * time.Second, // Retry-After's
	})
}

func TestAzureDevOpsListRepos(t *testing.T) {
	const remote, ssh = "https://fabrikam@dev.azure.com/fabrikam/Fabrikam%20Fiber/_git/", "git@ssh.dev.azure.com:v3/fabrikam/Fabrikam%20Fiber/"
	start := answering(with(newAzureDevOpsForge, AzureDevOpsOptions{Token: "pat"}),
		map[string]http.HandlerFunc{adoRepos: serve(200, fixture(t, "azuredevops/repositories.json"))})
	https := []string{remote + "my-repo", remote + "AnotherRepository"}
	testCloneProtocols(t, start, []protocolCase{
		{"", https}, // Argo CD's: always the remote URL
		{"https", https},
		{"ssh", []string{ssh + "my-repo", ssh + "AnotherRepository"}},
		{"svn", nil},
	}, func(t *testing.T, f *forge, repos []*Repository, urls []string) {
		// empty (no default branch) and archived (disabled) left out.
		want := []Repository{
			{Organization: "fabrikam", Repository: "my-repo", URL: urls[0], Branch: "main", Labels: []string{}, RepositoryID: "3411ebc1-d5aa-464f-9615-0b527bc66719"},
			{Organization: "fabrikam", Repository: "AnotherRepository", URL: urls[1], Branch: "develop", Labels: []string{}, RepositoryID: "5febef5a-833d-4e14-b9c0-14cb638f91e6"},
		}
		if got := derefRepos(repos); !reflect.DeepEqual(got, want) {
			t.Errorf("repositories:\n got %+v\nwant %+v", got, want)
		}
		if r := f.seen()[0]; r.Path != "/fabrikam/Fabrikam Fiber/_apis/git/repositories" || r.RawQuery != "api-version="+azureDevOpsAPIVersion {
			t.Errorf("request %s?%s", r.Path, r.RawQuery)
		}
	})
}

func TestAzureDevOpsGetBranches(t *testing.T) {
	repo := &Repository{Organization: "fabrikam", Repository: "my-repo", URL: "https://fabrikam@dev.azure.com/fabrikam/Fabrikam%20Fiber/_git/my-repo",
		Branch: "main", RepositoryID: "3411ebc1-d5aa-464f-9615-0b527bc66719"}
	for _, tc := range []struct {
		name     string
		all      bool
		branches map[string]string
		queries  []url.Values
	}{
		{"default", false, map[string]string{"main": "67cae2b029dff7eb3dc062b49403aaedca5bad8d"},
			[]url.Values{{"name": {"main"}, "api-version": {azureDevOpsAPIVersion}}}},
		{"all", true, map[string]string{
			"main":           "67cae2b029dff7eb3dc062b49403aaedca5bad8d",
			"npaulk/my_work": "b60280bc6e62e2f880f1b63c1e24987664d3bda3",
			"release/1.x":    "f47bbc106853afe3c1b07a81754bce5f4b8dbf62",
		}, []url.Values{
			{"filter": {"heads/"}, "$top": {"1000"}, "api-version": {azureDevOpsAPIVersion}},
			// The next page by the first's x-ms-continuationtoken.
			{"filter": {"heads/"}, "$top": {"1000"}, "api-version": {azureDevOpsAPIVersion}, "continuationToken": {"cmVmcy9oZWFkcy9ucGF1bGsvbXlfd29yaw=="}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, a := newAzureDevOpsForge(t, AzureDevOpsOptions{Token: "pat", AllBranches: tc.all})
			f.handle("GET /fabrikam/{project}/_apis/git/repositories/my-repo/stats/branches", serve(200, fixture(t, "azuredevops/branch-stats.json")))
			f.handle("GET /fabrikam/{project}/_apis/git/repositories/my-repo/refs", byQuery("continuationToken", "cmVmcy9oZWFkcy9ucGF1bGsvbXlfd29yaw==",
				serve(200, fixture(t, "azuredevops/refs-1.json"), "x-ms-continuationtoken", "cmVmcy9oZWFkcy9ucGF1bGsvbXlfd29yaw=="),
				serve(200, fixture(t, "azuredevops/refs-2.json"))))
			got, err := a.GetBranches(t.Context(), repo)
			if err != nil {
				t.Fatal(err)
			}
			if branches := branchHeads(t, repo, got); !reflect.DeepEqual(branches, tc.branches) {
				t.Errorf("branches %v, want %v", branches, tc.branches)
			}
			var queries []url.Values
			for _, r := range f.seen() {
				q, _ := url.ParseQuery(r.RawQuery)
				queries = append(queries, q)
			}
			if !reflect.DeepEqual(queries, tc.queries) {
				t.Errorf("queries %v, want %v", queries, tc.queries)
			}
		})
	}
	for _, all := range []bool{false, true} {
		t.Run(fmt.Sprintf("repository gone, all=%v", all), func(t *testing.T) {
			f, a := newAzureDevOpsForge(t, AzureDevOpsOptions{Token: "pat", AllBranches: all})
			f.handle("GET /fabrikam/{project}/_apis/git/repositories/my-repo/{rest...}", serve(404, fixture(t, "azuredevops/error-repository-not-found.json")))
			got, err := a.GetBranches(t.Context(), repo)
			if err != nil || len(got) != 0 {
				t.Errorf("branches of a repository Azure DevOps does not know: %v, %v; want none, as Argo CD", got, err)
			}
		})
	}
}

func TestAzureDevOpsRepoHasPath(t *testing.T) {
	repo := &Repository{Organization: "fabrikam", Repository: "my-repo", Branch: "main", RepositoryID: "3411ebc1-d5aa-464f-9615-0b527bc66719"}
	start := answering(with(newAzureDevOpsForge, AzureDevOpsOptions{Token: "pat"}), map[string]http.HandlerFunc{
		"GET /fabrikam/{project}/_apis/git/repositories/3411ebc1-d5aa-464f-9615-0b527bc66719/items": byQuery("path", "deploy",
			serve(404, fixture(t, "azuredevops/error-item-not-found.json")), serve(200, fixture(t, "azuredevops/item.json"))),
	})
	testRepoHasPath(t, start, repo, []pathCase{
		{path: "deploy", want: true},
		{path: "missing/dir", want: false},
	}, func(path string) string {
		q := url.Values{"path": {path}, "versionDescriptor.version": {"main"}, "versionDescriptor.versionType": {"branch"}, "api-version": {azureDevOpsAPIVersion}}
		return "/fabrikam/Fabrikam Fiber/_apis/git/repositories/3411ebc1-d5aa-464f-9615-0b527bc66719/items?" + q.Encode()
	})
	t.Run("unauthorized", func(t *testing.T) {
		refused := answering(with(newAzureDevOpsForge, AzureDevOpsOptions{Token: "pat"}), map[string]http.HandlerFunc{
			"GET /fabrikam/{project}/_apis/git/repositories/{id}/items": serve(401, fixture(t, "azuredevops/error-unauthorized.json")),
		})
		testRepoHasPath(t, refused, repo, []pathCase{{path: "deploy", err: "TF400813"}}, nil)
	})
}

func TestAzureDevOpsOptions(t *testing.T) {
	if _, err := NewAzureDevOps(AzureDevOpsOptions{Project: "p"}); err == nil {
		t.Error("no error without an organization")
	}
	for api, want := range map[string]string{
		"":                               "https://dev.azure.com/fabrikam",
		"https://dev.azure.com/":         "https://dev.azure.com/fabrikam",
		"https://tfs.example.com/tfs":    "https://tfs.example.com/tfs/fabrikam",
		"https://tfs.example.com/tfs///": "https://tfs.example.com/tfs/fabrikam",
	} {
		a, err := NewAzureDevOps(AzureDevOpsOptions{API: api, Organization: "fabrikam"})
		if err != nil {
			t.Fatal(err)
		}
		if got := a.c.base.String(); got != want {
			t.Errorf("api %q: base %q, want %q", api, got, want)
		}
	}
}

func TestAzureDevOpsPagesThatDoNotAdvance(t *testing.T) {
	t.Run("pull requests: $skip ignored", func(t *testing.T) {
		f, a := newAzureDevOpsForge(t, AzureDevOpsOptions{Repo: "my-repo"})
		f.handle(adoPulls, serve(200, fullPullRequestPage(t)))
		if _, err := a.List(t.Context()); err == nil || !strings.Contains(err.Error(), "repeat") {
			t.Fatalf("error %v, want the repeated page refused", err)
		}
		if n := len(f.seen()); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})
	t.Run("refs: continuation token repeats", func(t *testing.T) {
		f, a := newAzureDevOpsForge(t, AzureDevOpsOptions{AllBranches: true})
		f.handle("GET /fabrikam/{project}/_apis/git/repositories/my-repo/refs", serve(200, fixture(t, "azuredevops/refs-1.json"), "x-ms-continuationtoken", "same"))
		if _, err := a.GetBranches(t.Context(), &Repository{Repository: "my-repo"}); err == nil || !strings.Contains(err.Error(), "repeats") {
			t.Fatalf("error %v, want the repeated token refused", err)
		}
		if n := len(f.seen()); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})
}

func TestAzureDevOpsPullRequestShiftedIntoTheNextPage(t *testing.T) {
	var first, second struct {
		Value []json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(fixture(t, "azuredevops/pullrequests-1.json"), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(fixture(t, "azuredevops/pullrequests-2.json"), &second); err != nil {
		t.Fatal(err)
	}
	// A pull request opened between the pages pushed 22 onto the second.
	second.Value = append([]json.RawMessage{first.Value[0]}, second.Value...)
	page2, err := json.Marshal(second)
	if err != nil {
		t.Fatal(err)
	}
	f, a := newAzureDevOpsForge(t, AzureDevOpsOptions{Repo: "my-repo", Labels: []string{"backend"}})
	f.handle(adoPulls, byQuery("$skip", "100", serve(200, fullPullRequestPage(t)), serve(200, page2)))
	prs, err := a.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if numbers := prNumbers(prs); !reflect.DeepEqual(numbers, []int64{22, 7}) {
		t.Errorf("pull requests %v, want [22 7]: each once", numbers)
	}
}
