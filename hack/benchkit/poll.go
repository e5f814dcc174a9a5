package benchkit

import (
	"context"
	"fmt"
	"net"
	"sort"
	"sync"
	"time"
)

// Poll calls cond every interval until it returns true or an error, ctx
// ends, or timeout passes.
func Poll(ctx context.Context, every, timeout time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not done within %s", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}

// Percentile is the p-th (0..1) of the durations, nearest rank below.
func Percentile(d []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return 0
	}
	i := int(float64(len(s)-1) * p)
	return s[i]
}

var (
	portsMu sync.Mutex
	given   = map[int]bool{}
)

// FreePort is a TCP port of 127.0.0.1 free at the time of the call, never
// one it returned before in this process.
func FreePort() (int, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	for {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := ln.Addr().(*net.TCPAddr).Port
		_ = ln.Close()
		if !given[port] {
			given[port] = true
			return port, nil
		}
	}
}
