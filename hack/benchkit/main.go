package benchkit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// Main runs a benchmark command's body until it returns or the command
// is interrupted (SIGINT, SIGTERM: the context is cancelled and the body
// cleans up), and exits 1 after an error, printed as "name: error".
func Main(name string, run func(ctx context.Context) error) {
	ctrllog.SetLogger(logr.Discard())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err == nil {
		return
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, name+": interrupted")
	} else {
		fmt.Fprintln(os.Stderr, name+":", err)
	}
	os.Exit(1)
}
