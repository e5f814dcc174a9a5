package server_test

import (
	"io"
	"os"
	"testing"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"flotilla.dev/flotilla/internal/controlplane/kubetest"
)

// TestMain starts the shared control plane: the API and browser tests
// run against a real API server with a real controller (package
// controllertest); -short runs only the tests that need neither.
func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

func init() {
	out := io.Discard
	if os.Getenv("FLOTILLA_TEST_LOG") != "" {
		out = os.Stderr
	}
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(out)))
}
