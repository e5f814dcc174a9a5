package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/appctl"
	"flotilla.dev/flotilla/internal/controller"
	"flotilla.dev/flotilla/internal/manifests"
)

type appDiffOptions struct {
	revision, local, color, cacheDir string
}

func newAppDiffCmd(opts *options) *cobra.Command {
	var do appDiffOptions
	cmd := &cobra.Command{
		Use:   "diff NAME",
		Short: "Show what a sync would change: the app's rendered sources against the live objects",
		Long: `Render the Application's sources as the controller does (destination
namespace, tracking id, server-side apply dry-run, the app's
ignoreDifferences) and print a unified diff against each live object,
Secret values masked. Objects the app would prune are diffs against nothing.

Exit status: 0 when nothing differs, 1 when something does (as kubectl
diff), 2 on error.`,
		Example: `  flotilla app diff guestbook

  # what syncing another branch, tag or commit would change
  flotilla app diff guestbook --revision feature/new-ui

  # preview a local checkout of the app's path before pushing it
  flotilla app diff guestbook --local ./apps/guestbook`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := appArg(cmd, args); err != nil {
				return &exitError{code: 2, err: err}
			}
			return nil
		},
		ValidArgsFunction: completeAppNames(opts),
		RunE: func(cmd *cobra.Command, args []string) error {
			differs, err := runAppDiff(cmd, opts, do, args[0])
			switch {
			case err != nil:
				return &exitError{code: 2, err: err}
			case differs > 0:
				return &exitError{code: 1, err: fmt.Errorf("%d resource(s) of application %s differ from the live state", differs, args[0])}
			}
			return nil
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitError{code: 2, err: err} })
	f := cmd.Flags()
	f.StringVar(&do.revision, "revision", "", "render this branch, tag or commit instead of the one the app tracks")
	f.StringVar(&do.local, "local", "", "render this local directory instead of the app's source path")
	f.StringVar(&do.color, "color", "auto", "colour the diff: auto (when stdout is a terminal), always or never")
	f.StringVar(&do.cacheDir, "cache-dir", "", "where fetched repositories and charts are kept (default: the user cache dir)")
	return cmd
}

// runAppDiff prints the diffs and returns how many resources differ.
func runAppDiff(cmd *cobra.Command, opts *options, do appDiffOptions, name string) (int, error) {
	color, err := useColor(do.color, opts.out)
	if err != nil {
		return 0, err
	}
	cc, err := opts.clusterClients()
	if err != nil {
		return 0, err
	}
	cfg, c, cluster := cc.cfg, cc.apps, cc.cluster
	ns := opts.appNamespace()
	ctx := cmd.Context()
	app, err := getApp(ctx, c, ns, name)
	if err != nil {
		return 0, err
	}
	diffs, err := appctl.Diff(ctx, app, appctl.DiffOptions{
		Revision:    do.revision,
		LocalDir:    do.local,
		Generator:   newAppGenerator(c, do.cacheDir, ns),
		Cluster:     cluster,
		Settings:    c,
		KubeVersion: kubeVersion(cfg),
		Refresh:     true,
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range diffs {
		if !d.Modified {
			continue
		}
		n++
		writeResourceDiff(opts.out, d, color)
	}
	return n, nil
}

// newAppGenerator renders sources as the controller does, with the
// repository credentials of the namespace's Argo CD Secrets.
func newAppGenerator(c client.Reader, cacheDir, namespace string) *manifests.Generator {
	if cacheDir == "" {
		cacheDir = defaultCacheDir()
	}
	gen := manifests.NewGenerator(cacheDir)
	gen.Credentials = manifests.SecretCredentials(c, namespace)
	return gen
}

// kubeVersion is the cluster's version for Helm, "" when unknown.
func kubeVersion(cfg *rest.Config) string { return controller.ServerVersion(cfg) }

func writeResourceDiff(w io.Writer, d appctl.ResourceDiff, color bool) {
	header := fmt.Sprintf("===== %s/%s %s/%s ======", d.Group, d.Kind, d.Namespace, d.Name)
	fmt.Fprintln(w, paint(header, ansiBold, color))
	if d.Error != "" {
		fmt.Fprintln(w, paint("dry run refused: "+oneLine(d.Error), ansiYellow, color))
	}
	for _, line := range strings.SplitAfter(d.Unified, "\n") {
		if line == "" {
			continue
		}
		code := ""
		switch {
		case strings.HasPrefix(line, "+++"), strings.HasPrefix(line, "---"):
			code = ansiBold
		case strings.HasPrefix(line, "+"):
			code = ansiGreen
		case strings.HasPrefix(line, "-"):
			code = ansiRed
		case strings.HasPrefix(line, "@@"):
			code = ansiCyan
		}
		fmt.Fprint(w, paint(strings.TrimSuffix(line, "\n"), code, color)+"\n")
	}
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

func paint(s, code string, color bool) string {
	if !color || code == "" {
		return s
	}
	return code + s + ansiReset
}

// useColor decides --color: always, never, or auto (stdout a terminal).
func useColor(mode string, out io.Writer) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		return isTerminal(out), nil
	}
	return false, fmt.Errorf("--color %q: use auto, always or never", mode)
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
