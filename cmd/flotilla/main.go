// Command flotilla is a GitOps engine that reconciles Argo CD Applications.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"flotilla.dev/flotilla/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
