package secretleak_test

import (
	"bytes"
	"os"
	"sync"
	"testing"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"flotilla.dev/flotilla/internal/controlplane/kubetest"
)

// logs is everything the in-process controller and server log, at the
// most verbose level their flags offer (development mode, debug, as
// `flotilla controller --dev-log` logs).
var logs = &lockedBuffer{}

func TestMain(m *testing.M) {
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(logs)))
	os.Exit(kubetest.Main(m))
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
