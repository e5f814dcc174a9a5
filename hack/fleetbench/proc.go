package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// heapProfile writes the controller's heap profile to file.
func (b *bench) heapProfile(file string) {
	b.fetchProfile(file, strings.TrimSuffix(b.replicas[0].metrics, "/metrics")+"/debug/pprof/heap")
}

// cpuProfile writes the controller's CPU profile over d to file, from its
// /debug/pprof endpoint.
func (b *bench) cpuProfile(file string, d time.Duration) {
	b.fetchProfile(file, strings.TrimSuffix(b.replicas[0].metrics, "/metrics")+fmt.Sprintf("/debug/pprof/profile?seconds=%d", int(d.Seconds())))
}

func (b *bench) fetchProfile(file, url string) {
	resp, err := http.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		return
	}
	defer f.Close()
	_, _ = io.Copy(f, resp.Body)
}
