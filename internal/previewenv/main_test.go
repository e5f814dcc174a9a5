package previewenv_test

import (
	"os"
	"testing"

	"flotilla.dev/flotilla/internal/controlplane/kubetest"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }
