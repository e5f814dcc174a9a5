package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"flotilla.dev/flotilla/internal/server"
)

// eventStream records an events stream as it arrives.
type eventStream struct {
	mu  sync.Mutex
	raw strings.Builder
}

// subscribe opens /api/v1/events with the session cookie, as the UI's
// EventSource does, and records it until the test ends.
func subscribe(t *testing.T, ts *httptest.Server, cookie string) *eventStream {
	t.Helper()
	return subscribeWith(t, ts.Client(), ts.URL, &http.Cookie{Name: server.SessionCookie, Value: cookie})
}

// subscribeWith opens base's /api/v1/events with hc (and its cookie
// jar) and the cookies, and records it until the test ends.
func subscribeWith(t *testing.T, hc *http.Client, base string, cookies ...*http.Cookie) *eventStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := hc.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		cancel()
		t.Fatalf("events: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	s := &eventStream{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			s.mu.Lock()
			s.raw.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() { cancel(); resp.Body.Close(); <-done })
	return s
}

func (s *eventStream) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.raw.String()
}

// events parses the "application" events received so far.
func (s *eventStream) events() []server.AppEvent {
	var out []server.AppEvent
	for _, block := range strings.Split(s.text(), "\n\n") {
		if !strings.Contains(block, "event: application\n") {
			continue
		}
		for _, line := range strings.Split(block, "\n") {
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				var ev server.AppEvent
				if json.Unmarshal([]byte(data), &ev) == nil {
					out = append(out, ev)
				}
			}
		}
	}
	return out
}
