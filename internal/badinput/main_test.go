package badinput

import (
	"io"
	"os"
	"testing"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/render/directory"
)

// jsonnetTime is the tests' time limit for jsonnet.
const jsonnetTime = 15 * time.Second

func TestMain(m *testing.M) {
	out := io.Discard
	if os.Getenv("FLOTILLA_TEST_LOG") != "" {
		out = os.Stderr
	}
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(out)))
	// Jsonnet that never ends is stopped sooner than in production (90 s),
	// so that the case does not hold the suite for minutes.
	directory.JsonnetLimits.Time = jsonnetTime
	os.Exit(kubetest.Main(m))
}
