package appctl

import (
	"os"
	"testing"

	"flotilla.dev/flotilla/internal/controlplane/kubetest"
)

// TestMain starts the shared control plane for the tests that need a real
// API server (Diff's dry-runs); the others use the fake client.
func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }
