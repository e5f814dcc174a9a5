package cli

import (
	"os"
	"testing"

	"flotilla.dev/flotilla/internal/controlplane/kubetest"
)

// TestMain starts the shared control plane for the commands that talk to
// a cluster (bootstrap); render tests need none.
func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }
