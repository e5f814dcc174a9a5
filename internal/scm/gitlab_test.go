package scm

import (
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// newGitLabForge starts a forge and a GitLab provider on it.
func newGitLabForge(t *testing.T, o GitLabOptions) (*forge, *gitlab) {
	return startProvider(t, func(f *forge) (*gitlab, error) {
		o.API, o.Sleep = f.URL, f.waits.sleep
		return NewGitLab(o)
	})
}

// escapedPathIs checks that r's path was sent escaped as want.
func escapedPathIs(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if got := r.URL.EscapedPath(); got != want {
		t.Errorf("path sent as %q, want %q", got, want)
	}
}

func TestGitLabBaseURL(t *testing.T) {
	testBaseURLs(t, gitlabBaseURL, map[string]string{
		"":                                    "https://gitlab.com/api/v4/",
		"https://gitlab.example.com":          "https://gitlab.example.com/api/v4/",
		"https://gitlab.example.com/api/v4":   "https://gitlab.example.com/api/v4/",
		"https://gitlab.example.com/api/v4/":  "https://gitlab.example.com/api/v4/",
		"https://example.com/gitlab":          "https://example.com/gitlab/api/v4/",
		"http://gitlab.internal:8080/gitlab/": "http://gitlab.internal:8080/gitlab/api/v4/",
	})
}

func TestGitLabListMergeRequests(t *testing.T) {
	for _, tc := range []struct {
		name, state string
		labels      []string
		query       string
	}{
		{"every state, as Argo CD", "", nil, "per_page=100"},
		{"labels filtered by GitLab", "", []string{"Community contribution", "Manage"}, "labels=Community+contribution%2CManage&per_page=100"},
		{"state", "opened", nil, "per_page=100&state=opened"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, g := newGitLabForge(t, GitLabOptions{Token: "glpat-secret", Project: "my-group/my.project", Labels: tc.labels, PullRequestState: tc.state})
			next := f.URL + "/api/v4/projects/3/merge_requests?id=3&page=2&per_page=100"
			f.handle("GET /api/v4/projects/{project}/merge_requests", func(w http.ResponseWriter, r *http.Request) {
				if r.PathValue("project") == "3" {
					serve(200, fixture(t, "gitlab/merge_requests-page2.json"), "X-Page", "2", "X-Total-Pages", "2")(w, r)
					return
				}
				escapedPathIs(t, r, "/api/v4/projects/my-group%2Fmy%2Eproject/merge_requests")
				serve(200, fixture(t, "gitlab/merge_requests-page1.json"), "X-Page", "1", "X-Next-Page", "2", "X-Total-Pages", "2",
					"Link", `<`+next+`>; rel="next", <`+f.URL+`/api/v4/projects/3/merge_requests?id=3&page=1&per_page=100>; rel="first", <`+next+`>; rel="last"`)(w, r)
			})
			prs, err := g.List(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if numbers := prNumbers(prs); !reflect.DeepEqual(numbers, []int64{1, 2, 5}) {
				t.Errorf("merge requests %v, want 1, 2, 5 over two pages", numbers)
			}
			want := []string{"/api/v4/projects/my-group/my.project/merge_requests?" + tc.query, "/api/v4/projects/3/merge_requests?id=3&page=2&per_page=100"}
			if got := requestURIs(f.seen()); !reflect.DeepEqual(got, want) {
				t.Errorf("requests %q, want %q: two pages, the second by the next link", got, want)
			}
			if h := f.seen()[0].Header.Get("PRIVATE-TOKEN"); h != "glpat-secret" {
				t.Errorf("PRIVATE-TOKEN %q", h)
			}
		})
	}
}

func TestGitLabMergeRequestParameters(t *testing.T) {
	f, g := newGitLabForge(t, GitLabOptions{Project: "278964"})
	f.handle("GET /api/v4/projects/278964/merge_requests", serve(200, fixture(t, "gitlab/merge_requests-page1.json")))
	prs, err := g.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []*PullRequest{
		{Number: 1, Title: "test1", Branch: "test1", TargetBranch: "master", HeadSHA: "8888888888888888888888888888888888888888",
			Labels: []string{"Community contribution", "Manage"}, Author: "admin"},
		{Number: 2, Title: "Draft: Use structured logging", Branch: "structured-logging", TargetBranch: "master",
			HeadSHA: "2fc4e8b972ff3208ec63b6143e34ad67ff343ad7", Labels: []string{}, Author: "riley"},
	}
	if !reflect.DeepEqual(prs, want) {
		t.Errorf("merge requests:\n%s\nwant\n%s", indentJSON(prs), indentJSON(want))
	}
	if h := f.seen()[0].Header; h.Get("PRIVATE-TOKEN") != "" || h.Get("Authorization") != "" {
		t.Errorf("anonymous request sent credentials: %v", h)
	}
}

func TestGitLabErrors(t *testing.T) {
	testListErrors(t, with(newGitLabForge, GitLabOptions{Token: "revoked", Project: "my-group/my-project"}),
		"GET /api/v4/projects/{project}/merge_requests", []errorCase{
			{"project not found", 404, fixture(t, "gitlab/not-found.json"), true, "404 Project Not Found"},
			{"unauthorized", 401, fixture(t, "gitlab/unauthorized.json"), false, "401 Unauthorized"},
		})
}

func TestGitLabRateLimitRetriesAfter(t *testing.T) {
	testRateLimit(t, with(newGitLabForge, GitLabOptions{Token: "glpat-secret", Project: "278964"}), rateLimitCase{
		pattern: "GET /api/v4/projects/278964/merge_requests",
		answer: answerOnceThen(
			func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", "7")
				w.Header().Set("RateLimit-Limit", "600")
				w.Header().Set("RateLimit-Remaining", "0")
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = w.Write([]byte("Retry later\n"))
			},
			serve(200, fixture(t, "gitlab/merge_requests-page2.json"))),
		prs:     1,
		minWait: 7 * time.Second, maxWait: 7 * time.Second, // Retry-After's
	})
}

func TestGitLabListRepos(t *testing.T) {
	boilerplate := &Repository{Organization: "h5bp", Repository: "html5-boilerplate", Branch: "main",
		URL: "git@gitlab.example.com:h5bp/html5-boilerplate.git", Labels: []string{"frontend", "boilerplate"}, RepositoryID: int64(9)}
	builder := &Repository{Organization: "h5bp/tools", Repository: "Old.Builder", Branch: "master",
		URL: "git@gitlab.example.com:h5bp/tools/Old.Builder.git", Labels: []string{"legacy"}, RepositoryID: int64(27084538)}
	ssh := []string{boilerplate.URL, builder.URL}
	start := func(o GitLabOptions) func(*testing.T) (*forge, *gitlab) {
		return func(t *testing.T) (*forge, *gitlab) {
			o.Group = "h5bp/experimental"
			f, g := newGitLabForge(t, o)
			f.handle("GET /api/v4/groups/{group}/projects", func(w http.ResponseWriter, r *http.Request) {
				escapedPathIs(t, r, "/api/v4/groups/h5bp%2Fexperimental/projects")
				serve(200, fixture(t, "gitlab/projects.json"))(w, r)
			})
			return f, g
		}
	}
	// check compares the projects at urls and the query sent.
	check := func(query string) func(*testing.T, *forge, []*Repository, []string) {
		return func(t *testing.T, f *forge, repos []*Repository, urls []string) {
			at := func(r *Repository, u string) *Repository { c := *r; c.URL = u; return &c }
			if want := []*Repository{at(boilerplate, urls[0]), at(builder, urls[1])}; !reflect.DeepEqual(repos, want) {
				t.Errorf("repositories:\n%s\nwant\n%s", indentJSON(repos), indentJSON(want))
			}
			if q := f.seen()[0].RawQuery; q != query {
				t.Errorf("query %q, want %q", q, query)
			}
		}
	}
	testCloneProtocols(t, start(GitLabOptions{}),
		protocols(ssh, []string{"https://gitlab.example.com/h5bp/html5-boilerplate.git", "https://gitlab.example.com/h5bp/tools/Old.Builder.git"}),
		check("include_subgroups=false&per_page=100&topic=&with_shared=false"))
	t.Run("subgroups, shared, archived and a topic", func(t *testing.T) {
		o := GitLabOptions{IncludeSubgroups: true, IncludeSharedProjects: true, IncludeArchived: true, Topic: "frontend"}
		testCloneProtocols(t, start(o), []protocolCase{{"ssh", ssh}},
			check("archived=true&include_subgroups=true&per_page=100&topic=frontend&with_shared=true"))
	})
}

func TestGitLabGetBranches(t *testing.T) {
	repo := &Repository{Organization: "h5bp", Repository: "html5-boilerplate", Branch: "main", RepositoryID: int64(9)}
	for _, tc := range []struct {
		name     string
		all      bool
		branch   string
		pattern  string
		answer   http.HandlerFunc
		branches map[string]string
	}{
		{"default branch", false, "main", "GET /api/v4/projects/9/repository/branches/main",
			serve(200, fixture(t, "gitlab/branch.json")), map[string]string{"main": "7b5c3cc8be40ee161ae89a06bba6229da1032a0c"}},
		{"unknown default branch", false, "main", "GET /api/v4/projects/9/repository/branches/main",
			serve(404, fixture(t, "gitlab/branch-not-found.json")), map[string]string{}},
		{"default branch with a slash", false, "release/1.0", "GET /api/v4/projects/9/repository/branches/{branch}",
			func(w http.ResponseWriter, r *http.Request) {
				escapedPathIs(t, r, "/api/v4/projects/9/repository/branches/release%2F1%2E0")
				serve(200, fixture(t, "gitlab/branch.json"))(w, r)
			}, map[string]string{"main": "7b5c3cc8be40ee161ae89a06bba6229da1032a0c"}},
		{"all branches", true, "main", "GET /api/v4/projects/9/repository/branches",
			serve(200, fixture(t, "gitlab/branches.json")), map[string]string{
				"main": "7b5c3cc8be40ee161ae89a06bba6229da1032a0c", "feature/staging": "eb7d9b4e7b9fa5e2bcbf14a0b4a8f3e4c0d9e1a2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, g := newGitLabForge(t, GitLabOptions{Group: "h5bp", AllBranches: tc.all})
			f.handle(tc.pattern, tc.answer)
			r := *repo
			r.Branch = tc.branch
			got, err := g.GetBranches(t.Context(), &r)
			if err != nil {
				t.Fatal(err)
			}
			if branches := branchHeads(t, &r, got); !reflect.DeepEqual(branches, tc.branches) {
				t.Errorf("branches %v, want %v", branches, tc.branches)
			}
			if tc.all && f.seen()[0].RawQuery != "per_page=100" {
				t.Errorf("query %q", f.seen()[0].RawQuery)
			}
		})
	}
}

func TestGitLabRepoHasPath(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		id         any
		file, tree int
		want, err  bool
		requests   []string
	}{
		{"file", "deploy/kustomization.yaml", int64(9), 200, 0, true, false,
			[]string{"/api/v4/projects/9/repository/files/deploy%2Fkustomization%2Eyaml?ref=main"}},
		{"directory", "deploy", int64(9), 404, 200, true, false,
			[]string{"/api/v4/projects/9/repository/files/deploy?ref=main", "/api/v4/projects/9/repository/tree?path=deploy&ref=main"}},
		{"neither", "notathing/app.yaml", int64(9), 404, 404, false, false,
			[]string{"/api/v4/projects/9/repository/files/notathing%2Fapp%2Eyaml?ref=main", "/api/v4/projects/9/repository/tree?path=notathing%2Fapp.yaml&ref=main"}},
		{"project looked up by its path", "deploy", nil, 200, 0, true, false,
			[]string{"/api/v4/projects/h5bp%2Fhtml5-boilerplate", "/api/v4/projects/9/repository/files/deploy?ref=main"}},
		{"other error", "deploy", int64(9), 401, 0, false, true,
			[]string{"/api/v4/projects/9/repository/files/deploy?ref=main"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, g := newGitLabForge(t, GitLabOptions{Group: "h5bp"})
			var (
				mu   sync.Mutex
				uris []string
			)
			record := func(h http.HandlerFunc) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					mu.Lock()
					uris = append(uris, r.RequestURI)
					mu.Unlock()
					h(w, r)
				}
			}
			answers := map[int]string{200: "gitlab/file.json", 401: "gitlab/unauthorized.json", 404: "gitlab/file-not-found.json"}
			f.handle("GET /api/v4/projects/{project}", record(serve(200, fixture(t, "gitlab/project.json"))))
			f.handle("GET /api/v4/projects/9/repository/files/{path}", record(serve(tc.file, fixture(t, answers[tc.file]))))
			tree := "gitlab/tree.json"
			if tc.tree == 404 {
				tree = "gitlab/tree-not-found.json"
			}
			f.handle("GET /api/v4/projects/9/repository/tree", record(serve(tc.tree, fixture(t, tree))))
			repo := &Repository{Organization: "h5bp", Repository: "html5-boilerplate", Branch: "main", RepositoryID: tc.id}
			has, err := g.RepoHasPath(t.Context(), repo, tc.path)
			if (err != nil) != tc.err || has != tc.want {
				t.Errorf("RepoHasPath(%q) = %v, %v; want %v, error %v", tc.path, has, err, tc.want, tc.err)
			}
			mu.Lock()
			defer mu.Unlock()
			if !reflect.DeepEqual(uris, tc.requests) {
				t.Errorf("requests\n%q\nwant\n%q", uris, tc.requests)
			}
		})
	}
}

func TestGitLabSetStatus(t *testing.T) {
	for _, tc := range []struct {
		state State
		want  string
	}{
		{StatePending, "pending"},
		{StateSuccess, "success"},
		{StateFailure, "failed"},
		{StateError, "failed"},
	} {
		t.Run(string(tc.state), func(t *testing.T) {
			f, g := newGitLabForge(t, GitLabOptions{Token: "glpat-secret"})
			f.handle("POST /api/v4/projects/{project}/statuses/{sha}", func(w http.ResponseWriter, r *http.Request) {
				escapedPathIs(t, r, "/api/v4/projects/h5bp%2Fweb%2Fguestbook/statuses/18f3e63d05582537db6d183d9d557be09e1f90c8")
				serve(201, fixture(t, "gitlab/status.json"))(w, r)
			})
			err := g.SetStatus(t.Context(), Status{Repo: "h5bp/web/guestbook", SHA: "18f3e63d05582537db6d183d9d557be09e1f90c8", State: tc.state,
				Context: "flotilla/guestbook", Description: "Synced", TargetURL: "https://flotilla.example.com/applications/guestbook"})
			if err != nil {
				t.Fatal(err)
			}
			req := f.seen()[0]
			body := jsonBody(t, req)
			want := map[string]string{"state": tc.want, "name": "flotilla/guestbook", "description": "Synced",
				"target_url": "https://flotilla.example.com/applications/guestbook"}
			if !reflect.DeepEqual(body, want) || req.Header.Get("PRIVATE-TOKEN") != "glpat-secret" {
				t.Errorf("body %v with token %q, want %v", body, req.Header.Get("PRIVATE-TOKEN"), want)
			}
		})
	}
	t.Run("same state again", func(t *testing.T) {
		f, g := newGitLabForge(t, GitLabOptions{})
		f.handle("POST /api/v4/projects/{project}/statuses/{sha}", serve(400, fixture(t, "gitlab/cannot-transition.json")))
		if err := g.SetStatus(t.Context(), Status{Repo: "h5bp/guestbook", SHA: "18f3e63d", State: StatePending, Context: "flotilla/guestbook"}); err != nil {
			t.Errorf("a status already in its state: %v", err)
		}
		body := jsonBody(t, f.seen()[0])
		if _, ok := body["target_url"]; ok {
			t.Errorf("empty target_url sent: %v", body)
		}
	})
	t.Run("refused", func(t *testing.T) {
		f, g := newGitLabForge(t, GitLabOptions{})
		f.handle("POST /api/v4/projects/{project}/statuses/{sha}", serve(401, fixture(t, "gitlab/unauthorized.json")))
		err := g.SetStatus(t.Context(), Status{Repo: "h5bp/guestbook", SHA: "18f3e63d", State: StatePending, Context: "flotilla/guestbook"})
		if err == nil || !strings.Contains(err.Error(), "401 Unauthorized") {
			t.Errorf("error %v, want GitLab's message", err)
		}
	})
}

func TestGitLabTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(serve(200, fixture(t, "gitlab/merge_requests-page2.json")))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	for _, tc := range []struct {
		name     string
		insecure bool
		certs    []byte
		ok       bool
	}{
		{"insecure", true, nil, true},
		{"trusted by caRef", false, ca, true},
		{"insecure with certificates", true, ca, true},
		{"unknown authority", false, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var waits waitRecorder
			g, err := NewGitLab(GitLabOptions{API: srv.URL, Project: "278964", Insecure: tc.insecure, CACerts: tc.certs, Sleep: waits.sleep})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := g.List(t.Context()); (err == nil) != tc.ok {
				t.Errorf("List: %v, want ok %v", err, tc.ok)
			}
		})
	}
}
