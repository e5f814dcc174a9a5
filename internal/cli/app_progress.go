package cli

import (
	"fmt"
	"io"
	"sort"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
)

// syncProgress prints the progress of a running sync as lines, each once:
// the phase and wave being run, each resource as it is applied (or
// pruned, or its hook changes phase) and as it turns healthy, and the
// operation's message when it changes. Lines come in the order the sync
// runs its waves, however few of its steps a poll sees.
type syncProgress struct {
	w       io.Writer
	printed map[string]bool
	message string
	retries int64
}

func newSyncProgress(w io.Writer) *syncProgress {
	return &syncProgress{w: w, printed: map[string]bool{}}
}

// taskGroup is the results of one phase and wave (or the prunes).
type taskGroup struct {
	rank    int
	wave    int64
	title   string
	results []*v1alpha1.ResourceResult
}

var phaseRank = map[v1alpha1.SyncPhase]int{"PreSync": 0, "Sync": 1, "PostSync": 3, "SyncFail": 4}

const pruneRank = 2

// update prints what is new in app's operation. It ignores an operation
// still waiting for the controller.
func (p *syncProgress) update(app *v1alpha1.Application) {
	st := app.Status.OperationState
	if app.Operation != nil || st == nil {
		return
	}
	if st.RetryCount != p.retries {
		p.retries = st.RetryCount
		p.printed = map[string]bool{}
		fmt.Fprintf(p.w, "retry #%d: %s\n", st.RetryCount, oneLine(st.Message))
	}
	waves, health := map[appctl.Resource]int64{}, map[appctl.Resource]string{}
	for _, r := range app.Status.Resources {
		k := appctl.Resource{Group: r.Group, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}
		waves[k], health[k] = r.SyncWave, healthOf(r.Health)
	}
	if st.SyncResult != nil {
		for _, g := range groupResults(st.SyncResult.Resources, waves) {
			p.group(g, health)
		}
	}
	if st.Phase == v1alpha1.OperationRunning && st.Message != p.message {
		p.message = st.Message
		p.once("message|"+st.Message, "  … "+oneLine(st.Message))
	}
}

func (p *syncProgress) group(g *taskGroup, health map[appctl.Resource]string) {
	p.once(fmt.Sprintf("group|%d|%d", g.rank, g.wave), g.title)
	for _, r := range g.results {
		id := resultID(r)
		p.once("result|"+id+"|"+string(r.Status)+"|"+string(r.HookPhase), "  "+resultLine(r))
	}
	for _, r := range g.results {
		if r.HookType != "" || r.Status != v1alpha1.ResultCodeSynced {
			continue
		}
		h := health[appctl.Resource{Group: r.Group, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}]
		if h == string(v1alpha1.HealthStatusHealthy) || h == string(v1alpha1.HealthStatusSuspended) {
			p.once("health|"+resultID(r), fmt.Sprintf("  %s %s", lowerHealth(h), resourceName(r.Group, r.Kind, r.Namespace, r.Name)))
		}
	}
}

func (p *syncProgress) once(key, line string) {
	if p.printed[key] {
		return
	}
	p.printed[key] = true
	fmt.Fprintln(p.w, line)
}

func lowerHealth(h string) string {
	if h == string(v1alpha1.HealthStatusSuspended) {
		return "suspended"
	}
	return "healthy"
}

// groupResults groups results by phase and wave, in the order a sync runs
// them; resources keep their order inside a group (the task order).
func groupResults(results v1alpha1.ResourceResults, waves map[appctl.Resource]int64) []*taskGroup {
	byKey := map[[2]int64]*taskGroup{}
	var groups []*taskGroup
	for _, r := range results {
		phase := r.SyncPhase
		if phase == "" {
			phase = "Sync"
		}
		rank, wave := phaseRank[phase], waves[appctl.Resource{Group: r.Group, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}]
		title := fmt.Sprintf("%s wave %d: running hooks", phase, wave)
		switch {
		case r.Status == v1alpha1.ResultCodePruned || r.Status == v1alpha1.ResultCodePruneSkipped:
			rank, wave, title = pruneRank, 0, "pruning"
		case phase == "Sync" && r.HookType == "":
			title = fmt.Sprintf("wave %d: applying", wave)
		case phase == "Sync":
			title = fmt.Sprintf("wave %d: applying and running hooks", wave)
		}
		k := [2]int64{int64(rank), wave}
		g, ok := byKey[k]
		if !ok {
			g = &taskGroup{rank: rank, wave: wave, title: title}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.results = append(g.results, r)
	}
	sort.SliceStable(groups, func(i, j int) bool {
		if groups[i].rank != groups[j].rank {
			return groups[i].rank < groups[j].rank
		}
		return groups[i].wave < groups[j].wave
	})
	return groups
}

func resultID(r *v1alpha1.ResourceResult) string {
	return string(r.SyncPhase) + "|" + string(r.HookType) + "|" + resourceName(r.Group, r.Kind, r.Namespace, r.Name)
}

func resultLine(r *v1alpha1.ResourceResult) string {
	name := resourceName(r.Group, r.Kind, r.Namespace, r.Name)
	switch {
	case r.HookType != "":
		return withMessage(fmt.Sprintf("hook %s %s", name, orDash(string(r.HookPhase))), r.Message)
	case r.Status == v1alpha1.ResultCodeSyncFailed:
		return withMessage("failed "+name, r.Message)
	case r.Status == v1alpha1.ResultCodePruned:
		return "pruned " + name
	case r.Status == v1alpha1.ResultCodePruneSkipped:
		return withMessage("prune skipped "+name, r.Message)
	}
	return "applied " + name
}

// syncResultTable is the final summary of an operation.
func syncResultTable(app *v1alpha1.Application) *table {
	health := map[appctl.Resource]string{}
	for _, r := range app.Status.Resources {
		health[appctl.Resource{Group: r.Group, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}] = healthOf(r.Health)
	}
	t := &table{}
	t.row("GROUP", "KIND", "NAMESPACE", "NAME", "STATUS", "HEALTH", "HOOK", "MESSAGE")
	st := app.Status.OperationState
	if st == nil || st.SyncResult == nil {
		return t
	}
	for _, r := range st.SyncResult.Resources {
		h := ""
		if r.HookType == "" {
			h = health[appctl.Resource{Group: r.Group, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}]
		}
		t.row(r.Group, r.Kind, r.Namespace, r.Name, string(r.Status), h, string(r.HookType), oneLine(r.Message))
	}
	return t
}
