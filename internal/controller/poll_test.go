package controller_test

import (
	"testing"
	"time"

	"flotilla.dev/flotilla/internal/controller/controllertest"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// Without a webhook or a refresh, a commit is picked up by the poll: a
// controller polling every 2 seconds (±10% jitter) applies it on its own.
func TestPollingPicksUpCommits(t *testing.T) {
	c := env(t) // the CRDs
	ns := newNamespaceNamed(t, c, "polled")
	opts := controllertest.Options(ns)
	opts.PollInterval = 2 * time.Second
	opts.Embedded = true
	opts.LeaderElection = false
	pc := controllertest.StartWith(t, opts)
	dest := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "polled")
	repo.Commit(t, map[string]string{"app/cm.yaml": configMap("polled", "1")}, "first")
	createAppIn(t, pc, ns, directoryApp("polled", repo.URL(), "app", dest, false))
	eventually(t, 30*time.Second, func() (bool, string) {
		v := configMapValue(t, c, dest, "polled")
		return v == "1", "value " + v
	})
	repo.Commit(t, map[string]string{"app/cm.yaml": configMap("polled", "2")}, "second")
	eventually(t, 30*time.Second, func() (bool, string) {
		v := configMapValue(t, c, dest, "polled")
		return v == "2", "value " + v
	})
}
