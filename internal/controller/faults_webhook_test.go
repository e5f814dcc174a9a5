package controller_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controller"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/faulttest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// pushTo posts a GitHub push event to the webhook at addr and returns
// the status and the decoded body.
func pushTo(addr string, body []byte) (int, map[string]any, error) {
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+controller.WebhookPath, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return resp.StatusCode, nil, fmt.Errorf("body %q: %w", raw, err)
	}
	return resp.StatusCode, out, nil
}

// A flood of pushes for one repository (many at once, on loopback) while
// that repository is slow to answer: the controller stays responsive (a
// push for another repository is applied while the flood is still held),
// the flood's resolutions are coalesced into a few requests to the
// repository instead of one per push, and each app of the flooded
// repository syncs the pushed commit exactly once. Sources are polled
// hourly here, so only the webhook brings commits in.
func TestFaultWebhookFlood(t *testing.T) {
	const (
		apps   = 5
		pushes = 200
	)
	plane := kubetest.Plane(t)
	addr := freeAddr()
	e := startFaultController(t, plane.RESTConfig(), func(o *controller.Options) {
		o.PollInterval = time.Hour
		o.WebhookAddr = addr
		// the gate, not the fetch timeout, decides how long the
		// repository holds the flood
		o.FetchTimeout = 5 * time.Minute
	})
	kc := kubetest.Client(t)
	srv := gittest.NewServer(t)
	flooded := srv.NewRepo(t, "flooded")
	proxy := faulttest.NewHTTP(t, strings.TrimSuffix(srv.URL("x"), "/x.git"))
	floodedURL := proxy.URL() + "/flooded.git"
	files := map[string]string{}
	for i := range apps {
		files[fmt.Sprintf("app%d/cm.yaml", i)] = configMap(fmt.Sprintf("app%d", i), "before")
	}
	flooded.Commit(t, files, "apps")
	other := gittest.NewServer(t).NewRepo(t, "other")
	other.Commit(t, map[string]string{"app/cm.yaml": configMap("other", "before")}, "other")
	dest := kubetest.NewNamespace(t, kc)
	for i := range apps {
		e.createApp(t, directoryApp(fmt.Sprintf("flooded-%d", i), floodedURL, fmt.Sprintf("app%d", i), dest, false))
	}
	e.createApp(t, directoryApp("other", other.URL(), "app", dest, false))
	for i := range apps {
		e.waitSynced(t, fmt.Sprintf("flooded-%d", i), "", 60*time.Second)
	}
	e.waitSynced(t, "other", "", 60*time.Second)

	for i := range apps {
		files[fmt.Sprintf("app%d/cm.yaml", i)] = configMap(fmt.Sprintf("app%d", i), "pushed")
	}
	pushed := flooded.Commit(t, files, "pushed")
	gate := proxy.HoldAt(func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/info/refs") })
	asked := proxy.RequestsTo("/info/refs")
	body := githubPush(floodedURL, pushed, "app0/cm.yaml")
	var (
		answered atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []string
	)
	for range pushes {
		wg.Go(func() {
			code, out, err := pushTo(addr, body)
			answered.Add(1)
			if err != nil || code != http.StatusOK || out["refreshed"] != float64(apps) {
				mu.Lock()
				failures = append(failures, fmt.Sprintf("%d %v %v", code, out, err))
				mu.Unlock()
			}
		})
	}
	select {
	case <-gate.Arrived():
	case <-time.After(30 * time.Second):
		t.Fatal("no push asked the flooded repository")
	}

	// While the flood is held at the repository, a push for another
	// repository is answered and applied.
	sha := other.Commit(t, map[string]string{"app/cm.yaml": configMap("other", "during the flood")}, "during the flood")
	code, out, err := pushTo(addr, githubPush(other.URL(), sha, "app/cm.yaml"))
	if err != nil || code != http.StatusOK || out["refreshed"] != float64(1) {
		t.Fatalf("push for the other repository during the flood: %d %v %v", code, out, err)
	}
	e.waitSynced(t, "other", sha, 30*time.Second)
	if n := answered.Load(); n != 0 {
		t.Fatalf("%d pushes of the flood were answered before the gate opened: the flood was not in progress", n)
	}

	gate.Open()
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d of %d pushes failed, first: %s", len(failures), pushes, failures[0])
	}
	requests := proxy.RequestsTo("/info/refs") - asked
	t.Logf("%d pushes asked the repository %d times", pushes, requests)
	if requests > 10 {
		t.Errorf("%d pushes asked the repository %d times: refreshes are not coalesced", pushes, requests)
	}
	for i := range apps {
		app := e.waitSynced(t, fmt.Sprintf("flooded-%d", i), pushed, 30*time.Second)
		var syncs int
		for _, h := range app.Status.History {
			if h.Revision == pushed {
				syncs++
			}
		}
		if syncs != 1 || app.Status.OperationState == nil || app.Status.OperationState.Phase != v1alpha1.OperationSucceeded {
			t.Errorf("%s synced the pushed commit %d times, want once: %s", app.Name, syncs, describe(app))
		}
	}
}
