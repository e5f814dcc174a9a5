package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"flotilla.dev/flotilla/hack/benchkit"
)

// postPush posts a GitHub push event for the commit after (parent before)
// that changed every app's ConfigMap to the system's webhook. Argo CD
// matches repository.html_url against the Applications' repoURL, takes
// the branch from ref (refs/heads/main, the default branch: a push to
// HEAD) and, with manifest-generate-paths, refreshes the apps whose
// directories hold a file of commits[].modified.
func (e *env) postPush(ctx context.Context, before, after string) error {
	var modified []string
	for i := range e.o.apps {
		modified = append(modified, "apps/"+benchkit.AppName(i)+"/configmap.yaml")
	}
	url := e.repo.URL()
	body, err := json.Marshal(map[string]any{
		"ref": "refs/heads/main", "before": before, "after": after,
		"repository": map[string]any{
			"name": "fleet", "full_name": "bench/fleet",
			"html_url": url, "clone_url": url, "default_branch": "main",
		},
		"commits":     []any{map[string]any{"id": after, "message": "every ConfigMap", "modified": modified}},
		"head_commit": map[string]any{"id": after, "message": "every ConfigMap", "modified": modified},
	})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.sys.webhookURL(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-GitHub-Delivery", "benchversus-"+after[:12])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("post push: %w", err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("webhook %s answered %d %s", e.sys.webhookURL(), resp.StatusCode, strings.TrimSpace(string(out)))
	}
	if answer := strings.TrimSpace(string(out)); answer != "" {
		fmt.Printf("   webhook answered %s\n", answer)
	}
	return nil
}
