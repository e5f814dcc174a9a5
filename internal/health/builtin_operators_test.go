package health

import "testing"

// Cases follow the status shapes KEDA, CloudNativePG, Strimzi and Istio
// document and that Argo CD's checks for them handle.

func TestBuiltinKEDAScaledObject(t *testing.T) {
	const so = "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: s}\n"
	runBuiltin(t, []builtinCase{
		{name: "progressing", obj: so + `status: {conditions: [{type: Ready, status: Unknown}]}`, want: Progressing, msg: "Creating HorizontalPodAutoscaler Object"},
		{name: "bad replica counts", obj: so + `status:
  conditions:
  - {type: Ready, status: "False", reason: ScaledObjectCheckFailed, message: "ScaledObject doesn't have correct Idle/Min/Max Replica Counts specification"}
  - {type: Fallback, status: "False", reason: NoFallbackFound}
  - {type: Paused, status: Unknown}`, want: Degraded, msg: "ScaledObject doesn't have correct Idle/Min/Max Replica Counts specification"},
		{name: "bad triggers", obj: so + `status:
  conditions:
  - {type: Ready, status: "False", reason: ScaledObjectCheckFailed, message: "ScaledObject doesn't have correct triggers specification"}
  - {type: Fallback, status: "False", reason: NoFallbackFound}`, want: Degraded, msg: "ScaledObject doesn't have correct triggers specification"},
		{name: "healthy", obj: so + `status:
  conditions:
  - {type: Ready, status: "True", reason: ScaledObjectReady, message: ScaledObject is defined correctly and is ready for scaling}
  - {type: Fallback, status: "False", reason: NoFallbackFound}
  - {type: Paused, status: Unknown}`, want: Healthy, msg: "ScaledObject is defined correctly and is ready for scaling"},
		{name: "paused", obj: so + `status:
  conditions:
  - {type: Ready, status: "True", reason: ScaledObjectReady, message: ready}
  - {type: Paused, status: "True", reason: ScaledObjectPaused, message: ScaledObject is paused}`, want: Suspended, msg: "ScaledObject is paused"},
		{name: "fallback", obj: so + `status:
  conditions:
  - {type: Ready, status: "True", reason: ScaledObjectReady, message: ready}
  - {type: Fallback, status: "True", reason: FallbackExists, message: At least one trigger is falling back on this scaled object}
  - {type: Paused, status: "False"}`, want: Degraded, msg: "At least one trigger is falling back on this scaled object"},
		{name: "paused but not ready", obj: so + `status: {conditions: [{type: Paused, status: "True", message: paused}]}`, want: Progressing, msg: "Creating HorizontalPodAutoscaler Object"},
	})
}

func TestBuiltinCNPGCluster(t *testing.T) {
	const cl = "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: cluster-example}\n"
	runBuiltin(t, []builtinCase{
		{name: "progressing", obj: cl + `status:
  phase: Setting up primary
  phaseReason: Creating primary instance cluster-example-1
  conditions: [{type: Ready, status: "False", reason: ClusterIsNotReady}]`, want: Progressing, msg: "Creating primary instance cluster-example-1"},
		{name: "healthy", obj: cl + `status:
  phase: Cluster in healthy state
  conditions: [{type: Ready, status: "True", reason: ClusterIsReady}]`, want: Healthy, msg: ""},
		{name: "hibernated", obj: cl + `status:
  phase: Cluster in healthy state
  conditions:
  - {type: Ready, status: "True", reason: ClusterIsReady}
  - {type: cnpg.io/hibernation, status: "True", reason: Hibernated, message: Cluster has been hibernated}`, want: Suspended, msg: "Cluster has been hibernated"},
		{name: "failing over", obj: cl + `status:
  phase: Failing over
  phaseReason: Initiating a failover from cluster-example-2
  conditions: [{type: Ready, status: "False", reason: ClusterIsNotReady}]`, want: Degraded, msg: "Initiating a failover from cluster-example-2"},
		{name: "reconciliation disabled", obj: `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: cluster-example
  annotations: {cnpg.io/reconciliationLoop: disabled}
status:
  phase: Cluster in healthy state
  conditions: [{type: Ready, status: "True", reason: ClusterIsReady}]`, want: Suspended, msg: "Cluster reconciliation is suspended"},
		{name: "no status", obj: cl, want: Progressing, msg: ""},
		{name: "phase not listed", obj: cl + `status: {phase: Something new, phaseReason: why, conditions: [{type: Ready, status: "False"}]}`, want: Unknown, msg: "why"},
		{name: "unrecoverable", obj: cl + `status: {phase: Cluster is unrecoverable and needs manual intervention, conditions: []}`, want: Suspended, msg: ""},
		{name: "hibernation off", obj: cl + `status: {phase: Cluster in healthy state, conditions: [{type: cnpg.io/hibernation, status: "False", message: waking up}]}`, want: Degraded, msg: "waking up"},
	})
}

func TestBuiltinStrimziKafka(t *testing.T) {
	const k = "apiVersion: kafka.strimzi.io/v1beta2\nkind: Kafka\nmetadata: {name: k}\n"
	runBuiltin(t, []builtinCase{
		{name: "no status", obj: k, want: Progressing, msg: "Waiting for Kafka Cluster"},
		{name: "degraded", obj: k + `status:
  conditions:
  - {type: NotReady, status: "True", reason: TimeoutException, message: Exceeded timeout of 300000ms while waiting for StatefulSet k-zookeeper to be ready}`, want: Degraded, msg: "Exceeded timeout of 300000ms while waiting for StatefulSet k-zookeeper to be ready"},
		{name: "healthy", obj: k + `status: {conditions: [{type: Warning, status: "True", reason: KafkaStorage}, {type: Ready, status: "True"}]}`, want: Healthy, msg: ""},
		{name: "creating", obj: k + `status: {conditions: [{type: NotReady, status: "True", reason: Creating, message: creating}]}`, want: Progressing, msg: "Waiting for Kafka Cluster"},
	})
}

func TestBuiltinStrimziOthers(t *testing.T) {
	kind := func(k string) string {
		return "apiVersion: kafka.strimzi.io/v1beta2\nkind: " + k + "\nmetadata: {name: my}\n"
	}
	notReady := func(k, msg string) string {
		return kind(k) + "status: {conditions: [{type: NotReady, status: \"True\", message: \"" + msg + "\"}]}"
	}
	ready := func(k string) string {
		return kind(k) + "status: {conditions: [{type: Ready, status: \"True\"}]}"
	}
	runBuiltin(t, []builtinCase{
		{name: "KafkaTopic no status", obj: kind("KafkaTopic"), want: Progressing, msg: "Waiting for Kafka Topic"},
		{name: "KafkaTopic degraded", obj: notReady("KafkaTopic", "Invalid value abcd for configuration retention.ms: Not a number of type LONG"), want: Degraded, msg: "Invalid value abcd for configuration retention.ms: Not a number of type LONG"},
		{name: "KafkaTopic healthy", obj: ready("KafkaTopic"), want: Healthy, msg: ""},
		{name: "KafkaUser no status", obj: kind("KafkaUser"), want: Progressing, msg: "Waiting for Kafka User"},
		{name: "KafkaUser degraded", obj: notReady("KafkaUser", "Authorization needs to be enabled in the Kafka custom resource"), want: Degraded, msg: "Authorization needs to be enabled in the Kafka custom resource"},
		{name: "KafkaUser healthy", obj: ready("KafkaUser"), want: Healthy, msg: ""},
		{name: "KafkaConnect no status", obj: kind("KafkaConnect"), want: Progressing, msg: "Waiting for Kafka Connect"},
		{name: "KafkaConnect degraded", obj: notReady("KafkaConnect", "Error"), want: Degraded, msg: "Error"},
		{name: "KafkaConnect healthy", obj: ready("KafkaConnect"), want: Healthy, msg: ""},
		{name: "KafkaConnector no status", obj: kind("KafkaConnector"), want: Progressing, msg: "Waiting for KafkaConnector"},
		{name: "KafkaConnector degraded", obj: notReady("KafkaConnector", "The following tasks have failed: 0, see connectorStatus for more details."), want: Degraded, msg: "The following tasks have failed: 0, see connectorStatus for more details."},
		{name: "KafkaConnector healthy", obj: ready("KafkaConnector"), want: Healthy, msg: ""},
		{name: "KafkaBridge no status", obj: kind("KafkaBridge"), want: Progressing, msg: "Waiting for KafkaBridge"},
		{name: "KafkaBridge degraded", obj: notReady("KafkaBridge", "Error"), want: Degraded, msg: "Error"},
		{name: "KafkaBridge healthy", obj: ready("KafkaBridge"), want: Healthy, msg: ""},
	})
}

func TestBuiltinIstioOperator(t *testing.T) {
	const op = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: i}\n"
	runBuiltin(t, []builtinCase{
		{name: "updating", obj: op + "status: {status: UPDATING}", want: Progressing, msg: "Component is being updated to a different version."},
		{name: "reconciling", obj: op + "status: {status: RECONCILING}", want: Progressing, msg: "Controller has started but not yet completed reconciliation loop for the component."},
		{name: "error", obj: op + "status: {status: ERROR}", want: Degraded, msg: "Component is in an error state."},
		{name: "healthy", obj: op + "status: {status: HEALTHY}", want: Healthy, msg: "Component is healthy."},
		{name: "numeric healthy", obj: op + "status: {status: 3}", want: Healthy, msg: "Component is healthy."},
		{name: "none", obj: op + "status: {status: NONE}", want: Unknown, msg: "Component is not present."},
		{name: "no status", obj: op, want: Progressing, msg: "Waiting for Istio Control Plane"},
	})
}

func TestBuiltinKEDAScaledJob(t *testing.T) {
	const sj = "apiVersion: keda.sh/v1alpha1\nkind: ScaledJob\nmetadata: {name: queue-worker}\n"
	runBuiltin(t, []builtinCase{
		{name: "no status", obj: sj, want: Progressing, msg: "Waiting for ScaledJob"},
		{name: "healthy", obj: sj + `status:
  conditions:
  - {type: Ready, status: "True", reason: ScaledJobReady, message: ScaledJob is defined correctly and is ready to scaling}
  - {type: Active, status: "False", reason: ScalerNotActive, message: Scaling is not performed because triggers are not active}
  - {type: Paused, status: Unknown}`, want: Healthy, msg: "ScaledJob is defined correctly and is ready to scaling"},
		{name: "degraded", obj: sj + `status:
  conditions:
  - {type: Ready, status: "False", reason: ScaledJobCheckFailed, message: ScaledJob doesn't have correct triggers specification}
  - {type: Active, status: Unknown}`, want: Degraded, msg: "ScaledJob doesn't have correct triggers specification"},
		{name: "ready unknown is degraded, as in Argo CD", obj: sj + `status: {conditions: [{type: Ready, status: Unknown, message: waiting}]}`, want: Degraded, msg: "waiting"},
		{name: "paused", obj: sj + `status:
  conditions:
  - {type: Ready, status: "True", reason: ScaledJobReady, message: ready}
  - {type: Paused, status: "True", reason: ScaledJobPaused, message: ScaledJob is paused}`, want: Suspended, msg: "ScaledJob is paused"},
		{name: "paused but not ready", obj: sj + `status: {conditions: [{type: Paused, status: "True", message: paused}]}`, want: Progressing, msg: "Waiting for ScaledJob"},
	})
}
