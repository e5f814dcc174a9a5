package secretleak_test

import (
	"os"
	"testing"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/logbuffer"
)

// logs is everything the in-process controller and server log, at the
// most verbose level their flags offer (development mode, debug, as
// `flotilla controller --dev-log` logs).
var logs = &logbuffer.Buffer{}

func TestMain(m *testing.M) {
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(logs)))
	os.Exit(kubetest.Main(m))
}
