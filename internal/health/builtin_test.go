package health

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/internal/object"
)

func decode(t *testing.T, doc string) *unstructured.Unstructured {
	t.Helper()
	objs, err := object.Decode([]byte(doc))
	if err != nil || len(objs) != 1 {
		t.Fatalf("decode: %v (%d objects)", err, len(objs))
	}
	return objs[0]
}

// TestAssessArgoParity pins the built-in checks added or corrected to
// match gitops-engine, messages included.
func TestAssessArgoParity(t *testing.T) {
	tests := []struct {
		name    string
		obj     string
		want    Code
		wantMsg string
	}{
		{"hpa v2 healthy", `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: h}
status:
  conditions:
  - {type: AbleToScale, status: "True", reason: ReadyForNewScale, message: recommended size matches current size}
  - {type: ScalingActive, status: "True", reason: ValidMetricFound, message: valid metric}
  - {type: ScalingLimited, status: "False", reason: DesiredWithinRange, message: within range}`, Healthy, "recommended size matches current size"},
		{"hpa v2 metric failure after a healthy condition", `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: h}
status:
  conditions:
  - {type: AbleToScale, status: "True", reason: SucceededGetScale, message: got scale}
  - {type: ScalingActive, status: "False", reason: FailedGetResourceMetric, message: no metrics API}`, Degraded, "no metrics API"},
		{"hpa v2 object metric failure", `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: h}
status:
  conditions:
  - {type: ScalingActive, status: "False", reason: FailedGetObjectMetric, message: no object metric}`, Degraded, "no object metric"},
		{"hpa v2 scaling limited", `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: h}
status:
  conditions:
  - {type: ScalingLimited, status: "True", reason: TooFewReplicas, message: below min}`, Healthy, "below min"},
		{"hpa v2 no conditions yet", `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: h}`, Progressing, "Waiting to Autoscale"},
		{"hpa v1 annotation healthy", `
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: h
  annotations:
    autoscaling.alpha.kubernetes.io/conditions: '[{"type":"AbleToScale","status":"True","reason":"SucceededRescale","message":"rescaled"}]'`, Healthy, "rescaled"},
		{"hpa v1 annotation degraded", `
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: h
  annotations:
    autoscaling.alpha.kubernetes.io/conditions: '[{"type":"AbleToScale","status":"True","reason":"SucceededGetScale","message":"ok"},{"type":"ScalingActive","status":"False","reason":"FailedGetObjectMetric","message":"no metric"}]'`, Degraded, "no metric"},
		{"hpa v1 without annotation", `
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: h}`, Progressing, "Waiting to Autoscale"},
		{"hpa v1 bad annotation", `
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: h
  annotations: {autoscaling.alpha.kubernetes.io/conditions: 'not json'}`, Unknown, ""},
		{"apiservice available", `
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.metrics.k8s.io}
status: {conditions: [{type: Available, status: "True", reason: Passed, message: all checks passed}]}`, Healthy, "Passed: all checks passed"},
		{"apiservice unavailable", `
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.metrics.k8s.io}
status: {conditions: [{type: Available, status: "False", reason: MissingEndpoints, message: no endpoints}]}`, Progressing, "MissingEndpoints: no endpoints"},
		{"apiservice not processed", `
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.metrics.k8s.io}`, Progressing, "Waiting to be processed"},
		{"deployment generation message", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, generation: 2}
status: {observedGeneration: 1}`, Progressing, "Waiting for rollout to finish: observed deployment generation less than desired generation"},
		{"statefulset partition zero ignores revisions", `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s, generation: 1}
spec: {replicas: 2, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 0}}}
status: {observedGeneration: 1, readyReplicas: 2, updatedReplicas: 2, currentRevision: r1, updateRevision: r2}`, Healthy, "partitioned roll out complete: 2 new pods have been updated..."},
		{"statefulset on delete", `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s, generation: 1}
spec: {replicas: 1, updateStrategy: {type: OnDelete}}
status: {observedGeneration: 1, readyReplicas: 1}`, Healthy, "statefulset has 1 ready pods"},
		{"daemonset on delete", `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds, generation: 1}
spec: {updateStrategy: {type: OnDelete}}
status: {observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 1}`, Healthy, "daemon set 1 out of 3 new pods have been updated"},
		{"pod image pull backoff", `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {restartPolicy: Always}
status:
  phase: Pending
  containerStatuses:
  - {name: a, state: {waiting: {reason: ImagePullBackOff, message: back-off pulling}}}
  - {name: b, state: {waiting: {reason: CreateContainerConfigError, message: no secret}}}`, Degraded, "back-off pulling, no secret"},
		{"pod hook image pull backoff stays progressing", `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {restartPolicy: Never}
status:
  phase: Pending
  containerStatuses: [{name: a, state: {waiting: {reason: ErrImagePull, message: pull failed}}}]`, Progressing, ""},
		{"pod running not ready after a restart", `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {restartPolicy: Always}
status:
  phase: Running
  message: restarting
  conditions: [{type: Ready, status: "False"}]
  containerStatuses: [{name: a, lastState: {terminated: {exitCode: 1}}}]`, Degraded, "restarting"},
		{"pod failed explained by container", `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {restartPolicy: Never}
status:
  phase: Failed
  containerStatuses: [{name: main, state: {terminated: {exitCode: 3, reason: Error}}}]`, Degraded, `container "main" failed with exit code 3`},
		{"pod ignoring restart policy", `
apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations: {argocd.argoproj.io/ignore-restart-policy: "true"}
spec: {restartPolicy: Never}
status: {phase: Running, conditions: [{type: Ready, status: "True"}]}`, Healthy, ""},
		{"job suspended", `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
status: {conditions: [{type: Suspended, status: "True", message: suspended by user}]}`, Suspended, "suspended by user"},
		{"job resumed counts as finished, as in Argo CD", `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
status: {active: 1, conditions: [{type: Suspended, status: "False", reason: JobResumed}]}`, Healthy, ""},
		{"job failed wins over complete", `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
status: {conditions: [{type: Complete, status: "True"}, {type: Failed, status: "True", message: deadline}]}`, Degraded, "deadline"},
		{"workflow running", `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w}
status: {phase: Running, message: step 2}`, Progressing, "step 2"},
		{"workflow error", `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w}
status: {phase: Error, message: boom}`, Degraded, "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Assess(decode(t, tt.obj))
			if got.Code != tt.want {
				t.Fatalf("Assess = %s (%q), want %s", got.Code, got.Message, tt.want)
			}
			if tt.wantMsg != "" && got.Message != tt.wantMsg {
				t.Fatalf("Assess message = %q, want %q", got.Message, tt.wantMsg)
			}
		})
	}
}
