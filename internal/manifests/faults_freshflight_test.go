package manifests

import (
	"sync"
	"sync/atomic"
	"testing"
)

// Refreshes that arrive while a resolution runs share the next one, which
// starts after they asked: a flood of refreshes costs a few calls, and
// none is answered by a call that started before it.
func TestFreshFlightCoalescesIntoCallsStartedAfterAsking(t *testing.T) {
	var f freshFlight
	var started atomic.Int32 // calls started so far
	first := make(chan struct{})
	release := make(chan struct{})
	call := func() (string, error) {
		n := started.Add(1)
		if n == 1 {
			close(first)
			<-release
		}
		return string(rune('0' + n)), nil
	}
	go func() { _, _ = f.do("repo@main", call) }()
	<-first

	const callers = 8
	var wg sync.WaitGroup
	calling := make(chan struct{}, callers)
	bad := make(chan string, callers)
	for range callers {
		wg.Go(func() {
			before := started.Load()
			calling <- struct{}{}
			v, _ := f.do("repo@main", call)
			if got := int32(v[0] - '0'); got <= before {
				bad <- "a caller got the answer of call " + v + ", which started before it asked"
			}
		})
	}
	for range callers {
		<-calling
	}
	close(release)
	wg.Wait()
	close(bad)
	for msg := range bad {
		t.Error(msg)
	}
	if n := started.Load(); n > 3 {
		t.Errorf("%d calls for one running and %d waiting callers, want them to share the next call or two", n, callers)
	}
	if v, _ := f.do("repo@main", func() (string, error) { return "later", nil }); v != "later" {
		t.Errorf("a call after all finished got %q", v)
	}
}
