package cli

import (
	"bytes"
	"testing"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// snapshot is an Application as a poll might see it during a sync.
func snapshot(phase v1alpha1.OperationPhase, msg string, retries int64, results []*v1alpha1.ResourceResult, resources ...v1alpha1.ResourceStatus) *v1alpha1.Application {
	app := &v1alpha1.Application{}
	app.Status.Resources = resources
	app.Status.OperationState = &v1alpha1.OperationState{Phase: phase, Message: msg, RetryCount: retries,
		SyncResult: &v1alpha1.SyncOperationResult{Resources: results}}
	return app
}

func cmResult(name string, status v1alpha1.ResultCode) *v1alpha1.ResourceResult {
	return &v1alpha1.ResourceResult{Version: "v1", Kind: "ConfigMap", Namespace: "ns", Name: name, Status: status, SyncPhase: "Sync"}
}

func cmStatus(name string, wave int64, health v1alpha1.HealthStatusCode) v1alpha1.ResourceStatus {
	return v1alpha1.ResourceStatus{Version: "v1", Kind: "ConfigMap", Namespace: "ns", Name: name, SyncWave: wave,
		Health: &v1alpha1.HealthStatus{Status: health}}
}

func hookResult(name string, phase v1alpha1.SyncPhase, hookPhase v1alpha1.OperationPhase) *v1alpha1.ResourceResult {
	return &v1alpha1.ResourceResult{Group: "batch", Version: "v1", Kind: "Job", Namespace: "ns", Name: name, Status: "Synced",
		SyncPhase: phase, HookType: v1alpha1.HookType(phase), HookPhase: hookPhase}
}

func TestAppSyncProgress(t *testing.T) {
	tests := []struct {
		name      string
		snapshots []*v1alpha1.Application
		want      string
	}{
		{
			name: "one poll sees two waves finished: still in wave order",
			snapshots: []*v1alpha1.Application{snapshot(v1alpha1.OperationSucceeded, "done", 0,
				[]*v1alpha1.ResourceResult{cmResult("second", "Synced"), cmResult("first", "Synced")},
				cmStatus("first", 1, "Healthy"), cmStatus("second", 2, "Healthy"))},
			want: "wave 1: applying\n  applied /ConfigMap ns/first\n  healthy /ConfigMap ns/first\n" +
				"wave 2: applying\n  applied /ConfigMap ns/second\n  healthy /ConfigMap ns/second\n",
		},
		{
			name: "polls see each step once; repeated snapshots print nothing new",
			snapshots: []*v1alpha1.Application{
				{Operation: &v1alpha1.Operation{}}, // not started yet
				snapshot("Running", "Sync wave 1: waiting for healthy state of /ConfigMap ns/first", 0,
					[]*v1alpha1.ResourceResult{cmResult("first", "Synced")}, cmStatus("first", 1, "Progressing")),
				snapshot("Running", "Sync wave 1: waiting for healthy state of /ConfigMap ns/first", 0,
					[]*v1alpha1.ResourceResult{cmResult("first", "Synced")}, cmStatus("first", 1, "Progressing")),
				snapshot("Running", "Sync wave 2: waiting", 0,
					[]*v1alpha1.ResourceResult{cmResult("first", "Synced"), cmResult("second", "Synced")},
					cmStatus("first", 1, "Healthy"), cmStatus("second", 2, "Progressing")),
			},
			want: "wave 1: applying\n  applied /ConfigMap ns/first\n" +
				"  … Sync wave 1: waiting for healthy state of /ConfigMap ns/first\n" +
				"  healthy /ConfigMap ns/first\nwave 2: applying\n  applied /ConfigMap ns/second\n" +
				"  … Sync wave 2: waiting\n",
		},
		{
			name: "hooks, a failure, prunes",
			snapshots: []*v1alpha1.Application{
				snapshot("Running", "", 0, []*v1alpha1.ResourceResult{hookResult("pre", "PreSync", "Running")}),
				snapshot("Failed", "boom", 0, []*v1alpha1.ResourceResult{
					hookResult("pre", "PreSync", "Succeeded"),
					{Version: "v1", Kind: "ConfigMap", Namespace: "ns", Name: "bad", Status: "SyncFailed", Message: "refused", SyncPhase: "Sync"},
					cmResult("old", "Pruned"),
					cmResult("kept", "PruneSkipped"),
				}),
			},
			want: "PreSync wave 0: running hooks\n  hook batch/Job ns/pre Running\n  hook batch/Job ns/pre Succeeded\n" +
				"wave 0: applying\n  failed /ConfigMap ns/bad: refused\n" +
				"pruning\n  pruned /ConfigMap ns/old\n  prune skipped /ConfigMap ns/kept\n",
		},
		{
			name: "a retry starts over",
			snapshots: []*v1alpha1.Application{
				snapshot("Running", "", 0, []*v1alpha1.ResourceResult{cmResult("a", "SyncFailed")}),
				snapshot("Running", "failed. Retrying attempt #1 in 5s.", 1, nil),
				snapshot("Running", "failed. Retrying attempt #1 in 5s.", 1, []*v1alpha1.ResourceResult{cmResult("a", "Synced")}, cmStatus("a", 0, "Healthy")),
			},
			want: "wave 0: applying\n  failed /ConfigMap ns/a\nretry #1: failed. Retrying attempt #1 in 5s.\n" +
				"  … failed. Retrying attempt #1 in 5s.\nwave 0: applying\n  applied /ConfigMap ns/a\n  healthy /ConfigMap ns/a\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := newSyncProgress(&buf)
			for _, s := range tt.snapshots {
				p.update(s)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}
