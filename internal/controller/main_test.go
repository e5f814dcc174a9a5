package controller_test

import (
	"context"
	"io"
	"net"
	"os"
	"strings"
	"testing"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"flotilla.dev/flotilla/internal/cli"
	"flotilla.dev/flotilla/internal/controller/controllertest"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
)

// appNamespace is where the tests' Applications live, as in Argo CD.
const appNamespace = "argocd"

func TestMain(m *testing.M) {
	// The test binary doubles as the flotilla command, so a test can run
	// the controller as a separate process and kill it.
	if args := os.Getenv(reexecEnv); args != "" {
		os.Exit(cli.Execute(context.Background(), strings.Split(args, "\n"), os.Stdout, os.Stderr))
	}
	os.Exit(kubetest.Main(m))
}

func init() {
	out := io.Discard
	if os.Getenv("FLOTILLA_TEST_LOG") != "" {
		out = os.Stderr
	}
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(out)))
}

// env starts one controller (leader election on) for the whole test
// binary and returns a client that knows the Argo CD kinds.
func env(t testing.TB) client.Client {
	t.Helper()
	opts := controllertest.Options(appNamespace)
	opts.AppNamespaces = []string{teamNamespaces}
	opts.WebhookAddr = webhookAddr
	return controllertest.StartWith(t, opts)
}

// webhookAddr is where the test controller serves the git push webhook.
var webhookAddr = freeAddr()

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// teamNamespaces are the further namespaces whose Applications the test
// controller reconciles (--application-namespaces).
const teamNamespaces = "team-*"
