package commitstatus

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"flotilla.dev/flotilla/internal/scm"
)

// TestPosterPostsOncePerChange posts through Gitea's status API (an
// in-process server answering as Gitea does) and shows that an unchanged
// report is not posted again, a changed one is, and a repository no
// forge holds is an error naming it.
func TestPosterPostsOncePerChange(t *testing.T) {
	var mu sync.Mutex
	var posted []map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/repos/team/shop/statuses/"+sha1 || r.Header.Get("Authorization") != "token s3cret" {
			http.Error(w, `{"message":"not found"}`, http.StatusNotFound)
			return
		}
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		posted = append(posted, body)
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	forges := []Forge{{Name: "gitea", URL: srv.URL + "/", Provider: ProviderGitea, Token: "s3cret"}}
	p := &Poster{}
	ctx := context.Background()
	r := Report{RepoURL: srv.URL + "/team/shop.git", SHA: sha1, State: scm.StatePending, Description: "syncing", Context: "flotilla/argocd/shop"}

	for range 3 {
		if err := p.Post(ctx, "argocd/shop", []Report{r}, forges); err != nil {
			t.Fatal(err)
		}
	}
	r.State, r.Description = scm.StateSuccess, "Synced and Healthy"
	if err := p.Post(ctx, "argocd/shop", []Report{r}, forges); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(posted) != 2 || posted[0]["state"] != "pending" || posted[1]["state"] != "success" || posted[1]["context"] != "flotilla/argocd/shop" {
		t.Fatalf("posted %v, want pending then success once each", posted)
	}
	mu.Unlock()

	p.Forget("argocd/shop")
	if err := p.Post(ctx, "argocd/shop", []Report{r}, forges); err != nil {
		t.Fatal(err)
	}
	if len(posted) != 3 {
		t.Fatalf("a forgotten app's report was not posted again: %d posts", len(posted))
	}

	r.RepoURL = "https://elsewhere.example.com/x/y.git"
	err := p.Post(ctx, "argocd/other", []Report{r}, forges)
	if err == nil || !strings.Contains(err.Error(), "elsewhere.example.com/x/y.git") {
		t.Fatalf("error %v, want one naming the repository no forge holds", err)
	}
}
