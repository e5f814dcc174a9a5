package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"flotilla.dev/flotilla/api/v1alpha1"
)

func newAppSetGetCmd(opts *options) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "get NAME",
		Short: "Show an ApplicationSet: generators, template, conditions, its Applications and rollout",
		Example: `  flotilla appset get guestbook

  # with each Application's rollout message and target revisions
  flotilla appset get guestbook -o wide

  flotilla appset get guestbook -o yaml`,
		Args:              appSetArg,
		ValidArgsFunction: completeAppSetNames(opts),
		RunE:              func(cmd *cobra.Command, args []string) error { return runAppSetGet(cmd, opts, output, args[0]) },
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: wide, yaml or json (default: a summary and the Applications)")
	return cmd
}

func runAppSetGet(cmd *cobra.Command, opts *options, output, name string) error {
	switch output {
	case "", "wide", "yaml", "json":
	default:
		return fmt.Errorf("unknown output format %q: use wide, yaml or json", output)
	}
	c, err := opts.appClient()
	if err != nil {
		return err
	}
	set, err := getAppSet(cmd.Context(), c, opts.appNamespace(), name)
	if err != nil {
		return err
	}
	if output == "yaml" || output == "json" {
		return writeObject(opts.out, output, setForOutput(set))
	}
	writeAppSetSummary(opts.out, set)
	fmt.Fprintln(opts.out)
	t := appSetAppsTable(set, output == "wide")
	if err := t.write(opts.out); err != nil {
		return err
	}
	if n := appSetCount(set) - int64(len(t.rows)-1); n > 0 {
		fmt.Fprintf(opts.out, "… and %d more not listed in the status\n", n)
	}
	return nil
}

func writeAppSetSummary(w io.Writer, set *v1alpha1.ApplicationSet) {
	t := &table{}
	t.row("Name:", set.Namespace+"/"+set.Name)
	t.row("Generators:", orDash(generatorKinds(set.Spec.Generators)))
	t.row("Template:", templateSummary(set))
	t.row("Strategy:", appSetStrategy(set))
	t.row("Sync Policy:", appSetSyncPolicy(set))
	t.row("Health:", withMessage(string(set.Status.Health.Status), set.Status.Health.Message))
	if len(set.Status.Conditions) == 0 {
		t.row("Conditions:", "none")
	}
	for i, c := range set.Status.Conditions {
		label := ""
		if i == 0 {
			label = "Conditions:"
		}
		t.row(label, fmt.Sprintf("%s=%s: %s", c.Type, c.Status, oneLine(c.Message)))
	}
	_ = t.write(w)
}

// templateSummary is the template's Application name, with its templating
// and whether a templatePatch applies.
func templateSummary(set *v1alpha1.ApplicationSet) string {
	s := orDash(set.Spec.Template.Name)
	var notes []string
	if set.Spec.GoTemplate {
		notes = append(notes, "Go template")
	}
	if set.Spec.TemplatePatch != nil && strings.TrimSpace(*set.Spec.TemplatePatch) != "" {
		notes = append(notes, "templatePatch")
	}
	if len(notes) > 0 {
		s += " (" + strings.Join(notes, ", ") + ")"
	}
	return s
}

// appSetAppsTable lists the set's Applications from status.resources with
// their sync and health, and with the step and status of a rollout from
// status.applicationStatus; wide adds the rollout message and target
// revisions.
func appSetAppsTable(set *v1alpha1.ApplicationSet, wide bool) *table {
	rollout := map[string]v1alpha1.ApplicationSetApplicationStatus{}
	for _, s := range set.Status.ApplicationStatus {
		rollout[s.Application] = s
	}
	withRollout := len(rollout) > 0
	header := []string{"NAME", "SYNC", "HEALTH"}
	if withRollout {
		header = append(header, "STEP", "ROLLOUT")
	}
	if wide {
		header = append(header, "MESSAGE", "REVISIONS")
	}
	t := &table{}
	t.row(header...)
	listed := map[string]bool{}
	for _, r := range set.Status.Resources {
		listed[r.Name] = true
		health := ""
		if r.Health != nil {
			health = r.Health.Message
		}
		t.row(appSetAppRow(r.Name, string(r.Status), healthOf(r.Health), health, rollout, withRollout, wide)...)
	}
	for _, s := range set.Status.ApplicationStatus {
		if !listed[s.Application] {
			t.row(appSetAppRow(s.Application, "", "", "", rollout, withRollout, wide)...)
		}
	}
	return t
}

func appSetAppRow(name, sync, health, healthMsg string, rollout map[string]v1alpha1.ApplicationSetApplicationStatus,
	withRollout, wide bool) []string {
	row := []string{name, orDash(sync), orDash(health)}
	s, ok := rollout[name]
	if withRollout {
		step, status := "-", "-"
		if ok {
			step, status = orDash(s.Step), orDash(s.Status)
		}
		row = append(row, step, status)
	}
	if wide {
		msg := s.Message
		if msg == "" {
			msg = healthMsg
		}
		var revs []string
		for _, r := range s.TargetRevisions {
			revs = append(revs, shortRev(r))
		}
		row = append(row, orDash(oneLine(msg)), orDash(strings.Join(revs, ",")))
	}
	return row
}
