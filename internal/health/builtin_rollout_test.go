package health

import (
	"fmt"
	"testing"
)

// Cases follow the Rollout status shapes Argo Rollouts writes, from the
// pre-1.0 ones (a hash in observedGeneration, no phase) to status.phase,
// and that Argo CD's check for argoproj.io Rollout handles.
func TestBuiltinArgoRollout(t *testing.T) {
	// rollout has metadata.generation gen; spec and status follow.
	rollout := func(gen int, rest string) string {
		return fmt.Sprintf("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r, generation: %d}\n%s", gen, rest)
	}
	const workloadRef = "workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}"
	runBuiltin(t, []builtinCase{
		{name: "new rollout without status", obj: rollout(1, `spec: {strategy: {canary: {steps: [{setWeight: 50}]}}}`), want: Progressing, msg: "Waiting for rollout spec update to be observed"},
		{name: "new generation", obj: rollout(2, `spec: {replicas: 1, strategy: {canary: {}}}
status: {observedGeneration: "1", currentPodHash: abc, stableRS: abc, replicas: 1, updatedReplicas: 1, availableReplicas: 1}`), want: Progressing, msg: "Waiting for rollout spec update to be observed"},
		{name: "new workload generation", obj: `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: r
  generation: 3
  annotations: {rollout.argoproj.io/workload-generation: "2"}
spec: {` + workloadRef + `, strategy: {canary: {}}}
status: {observedGeneration: "3", workloadObservedGeneration: "1", phase: Healthy}`, want: Progressing, msg: "Waiting for rollout spec update to be observed"},
		{name: "phase and message", obj: rollout(1, `spec: {strategy: {canary: {}}}
status: {observedGeneration: "1", phase: Degraded, message: InvalidSpec}`), want: Degraded, msg: "InvalidSpec"},
		{name: "v0.9 hash observedGeneration", obj: rollout(1, `spec: {replicas: 1, strategy: {canary: {}}}
status: {observedGeneration: 5d8f7c9b6, currentPodHash: abc, stableRS: abc, replicas: 1, updatedReplicas: 1, availableReplicas: 1}`), want: Healthy, msg: ""},
		{name: "v0.9 numeric observedGeneration", obj: rollout(1, `spec: {replicas: 1, strategy: {canary: {}}}
status: {observedGeneration: "5867943210", currentPodHash: abc, stableRS: abc, replicas: 1, updatedReplicas: 1, availableReplicas: 1}`), want: Healthy, msg: ""},
		{name: "v1.0 workload generation", obj: rollout(3, `spec: {`+workloadRef+`, strategy: {canary: {}}}
status: {observedGeneration: "3", phase: Healthy}`), want: Healthy, msg: ""},
		{name: "workload generation observed", obj: `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: r
  generation: 3
  annotations: {rollout.argoproj.io/workload-generation: "1"}
spec: {` + workloadRef + `, strategy: {canary: {}}}
status: {observedGeneration: "3", workloadObservedGeneration: "1", phase: Healthy}`, want: Healthy, msg: ""},
		{name: "invalid spec", obj: rollout(3, `spec: {replicas: 1, strategy: {}}
status:
  observedGeneration: "3"
  conditions:
  - {type: Progressing, status: "True", reason: NewReplicaSetAvailable}
  - {type: InvalidSpec, status: "True", reason: InvalidSpec, message: 'The Rollout "r" is invalid: spec.strategy: Required value'}`), want: Degraded, msg: `The Rollout "r" is invalid: spec.strategy: Required value`},
		{name: "progress deadline", obj: rollout(1, `spec: {replicas: 3, strategy: {blueGreen: {activeService: web}}}
status:
  observedGeneration: 7bd9c4f6d
  conditions:
  - {type: Available, status: "True", reason: AvailableReason}
  - {type: Progressing, status: "False", reason: ProgressDeadlineExceeded, message: 'ReplicaSet "web-6b8cf6f7db" has timed out progressing.'}`), want: Degraded, msg: `ReplicaSet "web-6b8cf6f7db" has timed out progressing.`},
		{name: "aborted", obj: rollout(1, `spec: {replicas: 5, strategy: {canary: {}}}
status:
  observedGeneration: 58b94c649
  conditions: [{type: Progressing, status: "False", reason: RolloutAborted, message: Rollout is aborted}]`), want: Degraded, msg: "Rollout is aborted"},
		{name: "blue-green serving", obj: rollout(1, `spec: {replicas: 1, strategy: {blueGreen: {activeService: web}}}
status: {observedGeneration: 7c9d4f5b6, currentPodHash: abc, replicas: 1, updatedReplicas: 1, availableReplicas: 1, blueGreen: {activeSelector: abc}}`), want: Healthy, msg: ""},
		{name: "blue-green adding replicas", obj: rollout(1, `spec: {replicas: 3, strategy: {blueGreen: {activeService: web}}}
status: {observedGeneration: 7c9d4f5b6, currentPodHash: abc, replicas: 3, updatedReplicas: 0, availableReplicas: 3}`), want: Progressing, msg: "Waiting for roll out to finish: More replicas need to be updated"},
		{name: "blue-green becoming available", obj: rollout(1, `spec: {replicas: 3, strategy: {blueGreen: {activeService: web}}}
status: {observedGeneration: 7c9d4f5b6, currentPodHash: abc, replicas: 3, updatedReplicas: 3, availableReplicas: 0}`), want: Progressing, msg: "Waiting for roll out to finish: updated replicas are still becoming available"},
		{name: "canary set weight", obj: rollout(1, `spec: {replicas: 5, strategy: {canary: {steps: [{setWeight: 40}, {pause: {}}]}}}
status: {observedGeneration: 6d7f9b4c8, currentPodHash: abc, canary: {stableRS: old}, replicas: 5, updatedReplicas: 2, availableReplicas: 5}`), want: Progressing, msg: "Waiting for roll out to finish: More replicas need to be updated"},
		{name: "canary killing old replicas", obj: rollout(1, `spec: {replicas: 5, strategy: {canary: {}}}
status: {observedGeneration: 6d7f9b4c8, currentPodHash: abc, canary: {stableRS: old}, replicas: 6, updatedReplicas: 5, availableReplicas: 5}`), want: Progressing, msg: "Waiting for roll out to finish: old replicas are pending termination"},
		{name: "controller pause", obj: rollout(1, `spec: {replicas: 5, strategy: {canary: {steps: [{setWeight: 20}, {pause: {}}]}}}
status:
  observedGeneration: 5b9f7d6c4
  pauseConditions: [{reason: CanaryPauseStep, startTime: "2024-01-01T00:00:00Z"}]`), want: Suspended, msg: "Rollout is paused"},
		{name: "user pause", obj: rollout(1, `spec: {replicas: 5, paused: true, strategy: {canary: {}}}
status: {observedGeneration: 5c7f8d4b4}`), want: Suspended, msg: "Rollout is paused"},
		{name: "v1.0 paused phase", obj: rollout(5, `spec: {replicas: 5, strategy: {canary: {steps: [{setWeight: 20}, {pause: {}}]}}}
status:
  observedGeneration: "5"
  phase: Paused
  message: CanaryPauseStep
  pauseConditions: [{reason: CanaryPauseStep, startTime: "2024-01-01T00:00:00Z"}]`), want: Suspended, msg: "CanaryPauseStep"},
		{name: "canary all steps pre v0.8", obj: rollout(1, `spec: {replicas: 5, strategy: {canary: {steps: [{setWeight: 50}]}}}
status: {observedGeneration: c4d5f7b9e, currentPodHash: abc, canary: {stableRS: abc}, replicas: 5, updatedReplicas: 5, availableReplicas: 5}`), want: Healthy, msg: ""},
		{name: "canary all steps", obj: rollout(1, `spec: {replicas: 5, strategy: {canary: {steps: [{setWeight: 50}]}}}
status: {observedGeneration: c4d5f7b9e, currentPodHash: abc, stableRS: abc, replicas: 5, updatedReplicas: 5, availableReplicas: 5}`), want: Healthy, msg: ""},
		{name: "canary no steps becoming available", obj: rollout(1, `spec: {replicas: 5, strategy: {canary: {}}}
status: {observedGeneration: 6e8f8d5b, currentPodHash: abc, canary: {stableRS: abc}, replicas: 6, updatedReplicas: 5, availableReplicas: 2}`), want: Progressing, msg: "Waiting for roll out to finish: updated replicas are still becoming available"},
		{name: "canary no steps", obj: rollout(1, `spec: {replicas: 5, strategy: {canary: {}}}
status: {observedGeneration: 6e8f8d5b, currentPodHash: abc, canary: {stableRS: abc}, replicas: 5, updatedReplicas: 5, availableReplicas: 5}`), want: Healthy, msg: ""},
		{name: "canary empty steps", obj: rollout(1, `spec: {replicas: 5, strategy: {canary: {steps: []}}}
status: {observedGeneration: 6e8f8d5b, currentPodHash: abc, canary: {stableRS: abc}, replicas: 5, updatedReplicas: 5, availableReplicas: 5}`), want: Healthy, msg: ""},
	})
}

// TestBuiltinArgoRolloutBranches covers the other branches of the pre-1.0
// status (no phase).
func TestBuiltinArgoRolloutBranches(t *testing.T) {
	const ro = `
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: r, generation: 2}
`
	runBuiltin(t, []builtinCase{
		{name: "status not reconciled", obj: ro + `spec: {replicas: 1, strategy: {canary: {}}}
status: {observedGeneration: "2"}`, want: Progressing, msg: "Waiting for rollout to finish: status has not been reconciled."},
		{name: "blue-green cutover pending", obj: ro + `spec: {replicas: 1, strategy: {blueGreen: {}}}
status: {observedGeneration: "2", currentPodHash: abc, replicas: 1, updatedReplicas: 1, availableReplicas: 1, blueGreen: {activeSelector: old}}`, want: Progressing, msg: "active service cutover pending"},
		{name: "blue-green analysis", obj: ro + `spec: {replicas: 1, strategy: {blueGreen: {}}}
status: {observedGeneration: "2", currentPodHash: abc, stableRS: old, replicas: 1, updatedReplicas: 1, availableReplicas: 1, blueGreen: {activeSelector: abc}}`, want: Progressing, msg: "waiting for analysis to complete"},
		{name: "canary steps", obj: ro + `spec: {replicas: 1, strategy: {canary: {}}}
status: {observedGeneration: 2, currentPodHash: abc, stableRS: old, replicas: 1, updatedReplicas: 1, availableReplicas: 1}`, want: Progressing, msg: "Waiting for rollout to finish steps"},
		{name: "paused by spec", obj: ro + `spec: {paused: true, strategy: {canary: {}}}
status: {observedGeneration: 2}`, want: Suspended, msg: "Rollout is paused"},
		{name: "observed generation behind", obj: ro + `spec: {strategy: {canary: {}}}
status: {observedGeneration: "1", phase: Healthy}`, want: Progressing, msg: "Waiting for rollout spec update to be observed"},
		{name: "phase progressing", obj: ro + `spec: {strategy: {canary: {}}}
status: {observedGeneration: "2", phase: Progressing, message: more replicas need to be updated}`, want: Progressing, msg: "more replicas need to be updated"},
	})
}

// Cases follow the AnalysisRun status Argo Rollouts writes (status.phase,
// status.message, per-metric results).
func TestBuiltinArgoAnalysisRun(t *testing.T) {
	const ar = "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisRun\nmetadata: {name: web-6d4f8c-2-1}\n"
	metric := "  metricResults: [{name: success-rate, phase: %s, count: 3, successful: 2, failed: 1}]\n"
	runBuiltin(t, []builtinCase{
		{name: "no status", obj: ar + "spec: {metrics: [{name: success-rate}]}", want: Progressing, msg: "Waiting for analysis run to finish: status has not been reconciled."},
		{name: "pending", obj: ar + "status: {phase: Pending}", want: Progressing, msg: "Analysis run is running"},
		{name: "running", obj: ar + "status:\n  phase: Running\n  startedAt: \"2024-05-01T10:00:00Z\"\n" + fmt.Sprintf(metric, "Running"), want: Progressing, msg: "Analysis run is running"},
		{name: "successful", obj: ar + "status:\n  phase: Successful\n" + fmt.Sprintf(metric, "Successful"), want: Healthy, msg: "Analysis run completed successfully"},
		{name: "successful with message", obj: ar + "status: {phase: Successful, message: all metrics passed}", want: Healthy, msg: "all metrics passed"},
		{name: "failed", obj: ar + "status:\n  phase: Failed\n  message: 'Metric \"success-rate\" assessed Failed due to failed (1) > failureLimit (0)'\n" + fmt.Sprintf(metric, "Failed"), want: Degraded, msg: `Metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)`},
		{name: "failed without message", obj: ar + "status: {phase: Failed}", want: Degraded, msg: "Analysis run failed"},
		{name: "error", obj: ar + "status: {phase: Error}", want: Degraded, msg: "Analysis run had an error"},
		{name: "inconclusive", obj: ar + "status: {phase: Inconclusive}", want: Unknown, msg: "Analysis run was inconclusive"},
		{name: "status without phase", obj: ar + "status: {startedAt: \"2024-05-01T10:00:00Z\"}", want: Progressing, msg: "Waiting for analysis run to finish: status has not been reconciled."},
	})
}

// Cases follow the Experiment status Argo Rollouts writes (status.phase,
// per-template statuses).
func TestBuiltinArgoExperiment(t *testing.T) {
	const ex = "apiVersion: argoproj.io/v1alpha1\nkind: Experiment\nmetadata: {name: web-experiment}\n"
	runBuiltin(t, []builtinCase{
		{name: "no status", obj: ex + "spec: {duration: 10m}", want: Progressing, msg: "Waiting for experiment to finish: status has not been reconciled."},
		{name: "pending", obj: ex + "status: {phase: Pending, templateStatuses: [{name: baseline, status: Progressing, replicas: 1, readyReplicas: 0}]}", want: Progressing, msg: "Experiment is pending"},
		{name: "running", obj: ex + "status:\n  phase: Running\n  availableAt: \"2024-05-01T10:00:00Z\"\n  templateStatuses: [{name: baseline, status: Running, replicas: 1, readyReplicas: 1}]", want: Progressing, msg: "Experiment is running"},
		{name: "successful", obj: ex + "status: {phase: Successful, templateStatuses: [{name: baseline, status: Successful}]}", want: Healthy, msg: "Experiment is successful"},
		{name: "failed", obj: ex + "status: {phase: Failed, message: analysis failed}", want: Degraded, msg: "Experiment has failed"},
		{name: "error", obj: ex + "status: {phase: Error}", want: Degraded, msg: "Experiment had an error"},
		{name: "inconclusive", obj: ex + "status: {phase: Inconclusive}", want: Unknown, msg: "Experiment was inconclusive"},
	})
}
