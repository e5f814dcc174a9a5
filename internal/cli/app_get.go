package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
)

type appGetOptions struct {
	output       string
	tree         bool
	resourceTree bool
}

func newAppGetCmd(opts *options) *cobra.Command {
	var g appGetOptions
	cmd := &cobra.Command{
		Use:   "get NAME",
		Short: "Show an Application: source, destination, status, operation and resources",
		Example: `  flotilla app get guestbook

  # the app-of-apps hierarchy below the root, with waves and dependsOn
  flotilla app get root --tree

  # the objects each resource owns (ReplicaSets, Pods, Jobs, …)
  flotilla app get guestbook --show-resource-tree

  flotilla app get guestbook -o yaml`,
		Args:              appArg,
		ValidArgsFunction: completeAppNames(opts),
		RunE:              func(cmd *cobra.Command, args []string) error { return runAppGet(cmd, opts, g, args[0]) },
	}
	f := cmd.Flags()
	f.StringVarP(&g.output, "output", "o", "", "output format: yaml or json (default: a summary and the resources)")
	f.BoolVar(&g.tree, "tree", false, "print the app-of-apps hierarchy below the Application")
	f.BoolVar(&g.resourceTree, "show-resource-tree", false, "print the resources with the objects they own through ownerReferences")
	return cmd
}

func runAppGet(cmd *cobra.Command, opts *options, g appGetOptions, name string) error {
	if g.output != "" && g.output != "yaml" && g.output != "json" {
		return fmt.Errorf("unknown output format %q: use yaml or json", g.output)
	}
	c, err := opts.appClient()
	if err != nil {
		return err
	}
	ns := opts.appNamespace()
	ctx := cmd.Context()
	app, err := getApp(ctx, c, ns, name)
	if err != nil {
		return err
	}
	switch {
	case g.output != "":
		return writeObject(opts.out, g.output, forOutput(app))
	case g.tree:
		root, err := appctl.AppTree(ctx, c, ns, name)
		if err != nil {
			return explain(err, ns, name)
		}
		return writeAppTree(opts.out, root)
	}
	writeSummary(opts.out, app)
	fmt.Fprintln(opts.out)
	if g.resourceTree {
		nodes, err := appctl.ResourceTree(ctx, c, app)
		if err != nil {
			return err
		}
		return writeResourceTree(opts.out, nodes)
	}
	return resourceTable(app).write(opts.out)
}

func writeSummary(w io.Writer, app *v1alpha1.Application) {
	t := &table{}
	t.row("Name:", app.Namespace+"/"+app.Name)
	t.row("Project:", app.Spec.GetProject())
	srcs := app.Spec.GetSources()
	switch len(srcs) {
	case 0:
		t.row("Source:", "-")
	case 1:
		t.row("Source:", sourceSummary(srcs[0]))
	default:
		for i, s := range srcs {
			label := ""
			if i == 0 {
				label = "Sources:"
			}
			t.row(label, fmt.Sprintf("%d. %s", i+1, sourceSummary(s)))
		}
	}
	t.row("Destination:", orDash(destination(app.Spec.Destination)))
	t.row("Sync Policy:", syncPolicy(app))
	t.row("Sync Status:", syncStatus(app))
	t.row("Health Status:", withMessage(string(app.Status.Health.Status), app.Status.Health.Message))
	t.row("Operation:", operationSummary(app))
	if len(app.Status.Conditions) == 0 {
		t.row("Conditions:", "none")
	}
	for i, c := range app.Status.Conditions {
		label := ""
		if i == 0 {
			label = "Conditions:"
		}
		t.row(label, fmt.Sprintf("%s: %s", c.Type, oneLine(c.Message)))
	}
	_ = t.write(w)
}

func syncPolicy(app *v1alpha1.Application) string {
	if !appctl.AutomatedSync(app) {
		return "Manual"
	}
	a := app.Spec.SyncPolicy.Automated
	var opts []string
	if a.Prune {
		opts = append(opts, "Prune")
	}
	if a.SelfHeal {
		opts = append(opts, "SelfHeal")
	}
	if len(opts) == 0 {
		return "Automated"
	}
	return "Automated (" + strings.Join(opts, ", ") + ")"
}

func syncStatus(app *v1alpha1.Application) string {
	s := orDash(string(app.Status.Sync.Status))
	var revs []string
	for _, r := range app.Status.GetRevisions() {
		revs = append(revs, shortRev(r))
	}
	if len(revs) == 0 {
		return s
	}
	target := app.Spec.GetSource().TargetRevision
	if target == "" {
		target = "HEAD"
	}
	return fmt.Sprintf("%s to %s (%s)", s, target, strings.Join(revs, ", "))
}

func operationSummary(app *v1alpha1.Application) string {
	if app.Operation != nil {
		return "Sync requested, waiting for the controller"
	}
	st := app.Status.OperationState
	if st == nil {
		return "none"
	}
	s := "Sync " + string(st.Phase)
	if st.Operation.Sync != nil && st.Operation.Sync.DryRun {
		s = "Dry-run sync " + string(st.Phase)
	}
	if st.RetryCount > 0 {
		s += fmt.Sprintf(" (retry %d)", st.RetryCount)
	}
	return withMessage(s, st.Message)
}

func withMessage(s, msg string) string {
	s = orDash(s)
	if msg == "" {
		return s
	}
	return s + ": " + oneLine(msg)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// resourceTable lists the app's resources with their sync and health; the
// message is the health's, else the last sync's for that resource.
func resourceTable(app *v1alpha1.Application) *table {
	messages := map[appctl.Resource]string{}
	if st := app.Status.OperationState; st != nil && st.SyncResult != nil {
		for _, r := range st.SyncResult.Resources {
			messages[appctl.Resource{Group: r.Group, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}] = r.Message
		}
	}
	t := &table{}
	t.row("GROUP", "KIND", "NAMESPACE", "NAME", "SYNC", "HEALTH", "MESSAGE")
	for _, r := range app.Status.Resources {
		msg := ""
		if r.Health != nil {
			msg = r.Health.Message
		}
		if msg == "" {
			msg = messages[appctl.Resource{Group: r.Group, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}]
		}
		if r.RequiresPruning {
			msg = strings.TrimSpace("requires pruning " + msg)
		}
		t.row(r.Group, r.Kind, r.Namespace, r.Name, string(r.Status), healthOf(r.Health), oneLine(msg))
	}
	return t
}
