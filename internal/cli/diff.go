package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/diff"
	"flotilla.dev/flotilla/internal/manifests"
	"flotilla.dev/flotilla/internal/treediff"
)

type diffOptions struct {
	file        string
	base, head  []string
	repoMap     []string
	output      string
	ignore      string
	maxSize     int
	live        bool
	cacheDir    string
	clusters    string
	kubeVersion string
	apiVersions []string
}

func newDiffCmd(opts *options) *cobra.Command {
	var do diffOptions
	cmd := &cobra.Command{
		Use:   "diff -f ROOT.yaml --base REV --head REV",
		Short: "Show what a change does to a whole app-of-apps tree: render it at two revisions and compare",
		Long: `Render the whole tree below the root Application(s) — app-of-apps
children, kustomize lists of Applications, multi-source apps and
ApplicationSets — at a base and at a head revision, without a cluster, and
print what changes: Applications added, removed and changed (their specs),
and per Application the objects added, removed and changed, with a unified
diff per object. Secret values are masked.

A bare --base/--head REV applies to the repositories of the root
Application(s); URL=REV (repeatable) to that repository, whatever the
Applications' targetRevision says. A repository not named renders at its
targetRevision on both sides. --repo-map serves a repository from a local
directory (a checkout with uncommitted changes) or another URL.

Both sides share the fetch and render caches: only what differs between
the revisions is rendered twice.

With --live the head render is compared with the live cluster instead, for
every Application of the tree the kubeconfig can see, exactly as
"flotilla app diff" does.

Exit status: 0 when nothing differs, 1 when something does, 2 on error
(an Application that fails to render at either revision is an error).`,
		Example: `  # what a pull request branch changes, as a Markdown PR comment
  flotilla diff -f root.yaml --base main --head feature/bump -o markdown

  # the four-repo layout: bump a version in the version registry only
  flotilla diff -f root.yaml \
    --base https://github.com/acme/environments=main \
    --head https://github.com/acme/environments=pr-42

  # preview the uncommitted changes of a local checkout against its HEAD
  # (the pinned base reads the checkout's history, the head its work tree)
  flotilla diff -f root.yaml --base HEAD \
    --repo-map https://github.com/acme/gitops=./gitops

  # ignore noisy fields, and feed tools
  flotilla diff -f root.yaml --base main --head HEAD --ignore ignore.yaml -o json

  # what syncing the head revision would change in the cluster
  flotilla diff -f root.yaml --live --head feature/bump`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			report, err := runDiff(cmd, opts, do)
			switch {
			case err != nil:
				return &exitError{code: 2, err: err}
			case report.Summary.Errors > 0:
				return &exitError{code: 2, err: fmt.Errorf("%d application(s) failed to render", report.Summary.Errors)}
			case report.Differs():
				return &exitError{code: 1, err: fmt.Errorf("%d application(s) differ", len(report.Apps))}
			}
			return nil
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitError{code: 2, err: err} })
	f := cmd.Flags()
	f.StringVarP(&do.file, "filename", "f", "", `file holding the root Application(s) or ApplicationSet(s) ("-" for stdin)`)
	f.StringArrayVar(&do.base, "base", nil, "base revision: REV for the root repository, URL=REV for another (repeatable)")
	f.StringArrayVar(&do.head, "head", nil, "head revision: REV for the root repository, URL=REV for another (repeatable)")
	f.StringArrayVar(&do.repoMap, "repo-map", nil, "serve a repository URL from a local directory or another URL: URL=PATH_OR_URL (repeatable)")
	f.StringVarP(&do.output, "output", "o", "text", "output format: text, markdown or json")
	f.StringVar(&do.ignore, "ignore", "", "YAML file of ignore rules in Argo CD's ignoreDifferences format")
	f.IntVar(&do.maxSize, "max-size", treediff.DefaultMarkdownSize, "largest Markdown output in bytes; further per-app sections are left out with a note")
	f.BoolVar(&do.live, "live", false, "compare the head render with the live cluster instead of a base render")
	f.StringVar(&do.cacheDir, "cache-dir", "", "where fetched repositories and charts are kept (default: the user cache dir)")
	f.StringVar(&do.clusters, "clusters", "", "YAML file of the cluster Secrets, ConfigMaps and resources ApplicationSet generators read")
	f.StringVar(&do.kubeVersion, "kube-version", "v1.37.2", "Kubernetes version for Helm's .Capabilities")
	f.StringSliceVar(&do.apiVersions, "api-versions", nil, "extra API versions for Helm's .Capabilities")
	return cmd
}

// runDiff renders, compares and writes the report.
func runDiff(cmd *cobra.Command, opts *options, do diffOptions) (*treediff.Report, error) {
	if err := checkDiffFlags(do); err != nil {
		return nil, err
	}
	roots, err := readRoots(do.file)
	if err != nil {
		return nil, err
	}
	rules, err := readIgnore(do.ignore)
	if err != nil {
		return nil, err
	}
	repoMap, err := manifests.ParseRepoMap(do.repoMap)
	if err != nil {
		return nil, err
	}
	head, err := revisionsOf(do.head, roots, "--head")
	if err != nil {
		return nil, err
	}
	var report *treediff.Report
	if do.live {
		report, err = runLiveDiff(cmd, opts, do, liveInput{roots: roots, head: head, repoMap: repoMap, rules: rules})
	} else {
		report, err = runTreeDiff(cmd, opts, do, roots, head, repoMap, rules)
	}
	if err != nil {
		return nil, err
	}
	return report, writeDiff(opts.out, do, report)
}

func checkDiffFlags(do diffOptions) error {
	switch {
	case do.file == "":
		return errors.New(`no file: give the root Application(s) with -f FILE ("-" for stdin)`)
	case do.output != "text" && do.output != "markdown" && do.output != "json":
		return fmt.Errorf("unknown output format %q: use text, markdown or json", do.output)
	case do.live && len(do.base) > 0:
		return errors.New("--live compares the head with the cluster: --base does not apply")
	case !do.live && len(do.base) == 0 && len(do.head) == 0:
		return errors.New("give --base and/or --head revisions (or --live)")
	}
	return nil
}

func runTreeDiff(cmd *cobra.Command, opts *options, do diffOptions, roots []treediff.Root, head map[string]string,
	repoMap manifests.RepoMap, rules v1alpha1.IgnoreDifferences) (*treediff.Report, error) {
	base, err := revisionsOf(do.base, roots, "--base")
	if err != nil {
		return nil, err
	}
	gen, err := offlineGenerator(do.cacheDir, repoMap, do.clusters)
	if err != nil {
		return nil, err
	}
	return treediff.Run(cmd.Context(), roots, treediff.Options{
		Generator: gen, Base: base, Head: head,
		BaseLabel: treediff.Label(do.base), HeadLabel: treediff.Label(do.head),
		Request:   manifests.Request{KubeVersion: do.kubeVersion, APIVersions: do.apiVersions},
		Namespace: opts.offlineNamespace(), Rules: diff.RulesOf(rules),
	})
}

// readRoots reads the root Applications and ApplicationSets of a file.
func readRoots(path string) ([]treediff.Root, error) {
	inputs, err := readArgo(path, true)
	if err != nil {
		return nil, err
	}
	roots := make([]treediff.Root, len(inputs))
	for i, in := range inputs {
		roots[i] = treediff.Root{App: in.app, Set: in.set}
	}
	return roots, nil
}

func revisionsOf(values []string, roots []treediff.Root, flag string) (map[string]string, error) {
	flags, err := treediff.ParseRevisionFlags(values)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	revs, err := flags.Revisions(roots)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	return revs, nil
}

func readIgnore(path string) (v1alpha1.IgnoreDifferences, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--ignore: %w", err)
	}
	rules, err := treediff.ParseIgnore(data)
	if err != nil {
		return nil, fmt.Errorf("--ignore %s: %w", path, err)
	}
	return rules, nil
}

func writeDiff(w io.Writer, do diffOptions, r *treediff.Report) error {
	switch do.output {
	case "markdown":
		return treediff.WriteMarkdown(w, r, do.maxSize)
	case "json":
		return treediff.WriteJSON(w, r)
	}
	return treediff.WriteText(w, r)
}
