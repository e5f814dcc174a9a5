package manifests

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestFlightSharesOneCall(t *testing.T) {
	var f flight
	var calls atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	results := make([]string, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], _ = f.do("repo@HEAD", func() (string, error) {
				calls.Add(1)
				<-release
				return "abc123", nil
			})
		}()
	}
	time.Sleep(50 * time.Millisecond) // let every caller join the first call
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("%d calls for 8 concurrent callers, want 1", n)
	}
	for i, r := range results {
		if r != "abc123" {
			t.Errorf("caller %d got %q", i, r)
		}
	}
	if v, _ := f.do("repo@HEAD", func() (string, error) { return "def456", nil }); v != "def456" {
		t.Errorf("a call after the first finished reused its result: %q", v)
	}
}

func TestRevisionCacheKeepsTheNewerAnswer(t *testing.T) {
	var c revisionCache
	poll := time.Now()
	push := poll.Add(time.Second)
	c.put("repo@main", "new", push) // the webhook's resolution finishes first
	c.put("repo@main", "old", poll) // a poll that asked before the push finishes later
	if sha, ok := c.get("repo@main", time.Minute); !ok || sha != "new" {
		t.Errorf("cache = %q (%t), want the push's newer answer", sha, ok)
	}
	c.put("repo@main", "newest", push.Add(time.Second))
	if sha, _ := c.get("repo@main", time.Minute); sha != "newest" {
		t.Errorf("cache = %q, want a later answer to replace it", sha)
	}
}
