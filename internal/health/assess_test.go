package health

import (
	"testing"

	"flotilla.dev/flotilla/internal/object"
)

func TestAssess(t *testing.T) {
	tests := []struct {
		name string
		obj  string
		want Code
	}{
		{"deployment available", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, generation: 2}
spec: {replicas: 2}
status: {observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2, readyReplicas: 2}`, Healthy},
		{"deployment rolling", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, generation: 2}
spec: {replicas: 2}
status: {observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1}`, Progressing},
		{"deployment generation not observed", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, generation: 3}
spec: {replicas: 1}
status: {observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1}`, Progressing},
		{"deployment paused", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec: {paused: true}`, Suspended},
		{"deployment deadline exceeded", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, generation: 1}
spec: {replicas: 1}
status:
  observedGeneration: 1
  conditions: [{type: Progressing, status: "False", reason: ProgressDeadlineExceeded}]`, Degraded},
		{"statefulset ready", `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s, generation: 1}
spec: {replicas: 1, updateStrategy: {type: RollingUpdate}}
status: {observedGeneration: 1, replicas: 1, readyReplicas: 1, currentReplicas: 1, updatedReplicas: 1, currentRevision: r1, updateRevision: r1}`, Healthy},
		{"statefulset partition pending", `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s, generation: 1}
spec: {replicas: 3, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 1}}}
status: {observedGeneration: 1, replicas: 3, readyReplicas: 3, updatedReplicas: 1}`, Progressing},
		{"daemonset rolling", `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds, generation: 1}
status: {observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2}`, Progressing},
		{"replicaset available", `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs, generation: 1}
spec: {replicas: 1}
status: {observedGeneration: 1, availableReplicas: 1}`, Healthy},
		{"pod running ready", `
apiVersion: v1
kind: Pod
metadata: {name: p}
status: {phase: Running, conditions: [{type: Ready, status: "True"}]}`, Healthy},
		{"pod crashloop", `
apiVersion: v1
kind: Pod
metadata: {name: p}
status:
  phase: Running
  containerStatuses: [{name: c, state: {waiting: {reason: CrashLoopBackOff, message: boom}}}]`, Degraded},
		{"pod never-restart running", `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {restartPolicy: Never}
status: {phase: Running, conditions: [{type: Ready, status: "True"}]}`, Progressing},
		{"pod failed", `
apiVersion: v1
kind: Pod
metadata: {name: p}
status: {phase: Failed}`, Degraded},
		{"job complete", `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
status: {conditions: [{type: Complete, status: "True"}]}`, Healthy},
		{"job failed", `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
status: {conditions: [{type: Failed, status: "True", message: BackoffLimitExceeded}]}`, Degraded},
		{"job running", `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
status: {active: 1}`, Progressing},
		{"pvc pending", `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: c}
status: {phase: Pending}`, Progressing},
		{"pvc bound", `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: c}
status: {phase: Bound}`, Healthy},
		{"clusterip service", `
apiVersion: v1
kind: Service
metadata: {name: s}
spec: {type: ClusterIP}`, Healthy},
		{"loadbalancer without ingress", `
apiVersion: v1
kind: Service
metadata: {name: s}
spec: {type: LoadBalancer}`, Progressing},
		{"loadbalancer with ingress", `
apiVersion: v1
kind: Service
metadata: {name: s}
spec: {type: LoadBalancer}
status: {loadBalancer: {ingress: [{ip: 1.2.3.4}]}}`, Healthy},
		{"ingress without address", `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: i}`, Progressing},
		{"configmap has no status", `
apiVersion: v1
kind: ConfigMap
metadata: {name: c}`, Healthy},
		{"custom resource stalled", `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, generation: 1}
status: {observedGeneration: 1, conditions: [{type: Stalled, status: "True", reason: Broken, message: broken}]}`, Degraded},
		{"custom resource ready", `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, generation: 1}
status: {observedGeneration: 1, conditions: [{type: Ready, status: "True"}]}`, Healthy},
		{"custom resource not ready", `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, generation: 1}
status: {observedGeneration: 1, conditions: [{type: Ready, status: "False", reason: Waiting}]}`, Progressing},
		{"child application healthy and synced", `
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: a}
status: {health: {status: Healthy}, sync: {status: Synced}}`, Healthy},
		{"child application healthy but out of sync", `
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: a}
status: {health: {status: Healthy}, sync: {status: OutOfSync}}`, Progressing},
		{"child application not reconciled", `
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: a}`, Progressing},
		{"child application degraded", `
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: a}
status: {health: {status: Degraded}, sync: {status: Synced}}`, Degraded},
		{"crd established", `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
status: {conditions: [{type: Established, status: "True"}]}`, Healthy},
		{"being deleted", `
apiVersion: v1
kind: ConfigMap
metadata: {name: c, deletionTimestamp: "2024-01-01T00:00:00Z"}`, Progressing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := object.Decode([]byte(tt.obj))
			if err != nil || len(objs) != 1 {
				t.Fatalf("decode: %v", err)
			}
			got := Assess(objs[0])
			if got.Code != tt.want {
				t.Fatalf("Assess = %s (%q), want %s", got.Code, got.Message, tt.want)
			}
		})
	}
	if got := Assess(nil); got.Code != Missing {
		t.Fatalf("Assess(nil) = %s, want Missing", got.Code)
	}
}

func TestWorst(t *testing.T) {
	tests := []struct {
		in   []Code
		want Code
	}{
		{nil, Healthy},
		{[]Code{Healthy, Progressing}, Progressing},
		{[]Code{Suspended, Healthy}, Suspended},
		{[]Code{Progressing, Missing, Healthy}, Missing},
		{[]Code{Degraded, Missing}, Degraded},
		{[]Code{Degraded, Unknown}, Unknown},
	}
	for _, tt := range tests {
		if got := Worst(tt.in...); got != tt.want {
			t.Errorf("Worst(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
