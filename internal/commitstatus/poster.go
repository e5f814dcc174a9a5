package commitstatus

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"flotilla.dev/flotilla/internal/scm"
)

// Poster posts reports to their forges, each once per change.
type Poster struct {
	// HTTPClient calls the forges; nil uses the scm package's default.
	HTTPClient *http.Client

	mu     sync.Mutex
	posted map[string]Report // by app key and repository
}

// Post posts the reports of the app keyed key (namespace/name) whose
// state, commit or description changed since the last post, through the
// forges. A repository no forge holds is an error naming it; the others
// are still posted.
func (p *Poster) Post(ctx context.Context, key string, reports []Report, forges []Forge) error {
	var errs []error
	for _, r := range reports {
		if p.same(key, r) {
			continue
		}
		if err := p.post(ctx, r, forges); err != nil {
			errs = append(errs, err)
			continue
		}
		p.remember(key, r)
	}
	return errors.Join(errs...)
}

// Forget drops what was posted for an app that is gone.
func (p *Poster) Forget(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k := range p.posted {
		if len(k) > len(key) && k[:len(key)+1] == key+" " {
			delete(p.posted, k)
		}
	}
}

// post sends one report.
func (p *Poster) post(ctx context.Context, r Report, forges []Forge) error {
	f, repo, ok := Match(forges, r.RepoURL)
	if !ok {
		return fmt.Errorf("no forge secret (label %s=%s) holds %s", SecretTypeLabel, SecretTypeForge, r.RepoURL)
	}
	svc, err := f.Service(p.HTTPClient)
	if err != nil {
		return err
	}
	err = svc.SetStatus(ctx, scm.Status{Repo: repo, SHA: r.SHA, State: r.State, Context: r.Context, Description: r.Description, TargetURL: r.TargetURL})
	if err != nil {
		return fmt.Errorf("post %s status of %s to %s: %w", r.State, r.SHA[:7], repo, err)
	}
	return nil
}

func (p *Poster) same(key string, r Report) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.posted[key+" "+r.RepoURL] == r
}

func (p *Poster) remember(key string, r Report) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.posted == nil {
		p.posted = map[string]Report{}
	}
	p.posted[key+" "+r.RepoURL] = r
}
