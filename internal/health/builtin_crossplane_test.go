package health

import "testing"

// Cases follow the status shapes Crossplane documents (Ready, Synced,
// Installed, Healthy and LastAsyncOperation conditions) and that Argo CD's
// generic checks for *.crossplane.io and *.upbound.io, and its check for
// pkg.crossplane.io Provider, handle.

func TestBuiltinCrossplane(t *testing.T) {
	const bucket = "apiVersion: s3.aws.upbound.io/v1beta1\nkind: Bucket\nmetadata: {name: b}\n"
	const configuration = "apiVersion: pkg.crossplane.io/v1\nkind: Configuration\nmetadata: {name: p}\n"
	const provider = "apiVersion: pkg.crossplane.io/v1\nkind: Provider\nmetadata: {name: provider-helm}\n"
	runBuiltin(t, []builtinCase{
		{name: "composition", obj: "apiVersion: apiextensions.crossplane.io/v1\nkind: Composition\nmetadata: {name: c}", want: Healthy, msg: "Resource is up-to-date."},
		{name: "configuration revision", obj: `apiVersion: pkg.crossplane.io/v1
kind: ConfigurationRevision
metadata: {name: p-1}
status: {conditions: [{type: RevisionHealthy, status: "True", reason: HealthyPackageRevision}]}`, want: Healthy, msg: "Resource is up-to-date."},
		{name: "provider degraded", obj: provider + `status:
  conditions:
  - {type: Healthy, status: "False", reason: UnhealthyPackageRevision, message: provider package deployment is unavailable}
  - {type: Installed, status: "True", reason: ActivePackageRevision}`, want: Degraded, msg: "ActivePackageRevision UnhealthyPackageRevision"},
		{name: "provider no status", obj: provider, want: Progressing, msg: "Waiting for provider to be installed"},
		{name: "provider not installed", obj: provider + `status:
  conditions:
  - {type: Installed, status: "True", reason: ActivePackageRevision}
  - {type: Healthy, status: "False", reason: UnhealthyPackageRevision}`, want: Degraded, msg: "ActivePackageRevision UnhealthyPackageRevision"},
		{name: "provider not healthy", obj: provider + `status:
  conditions:
  - {type: Installed, status: "False", reason: UnpackingPackage}
  - {type: Healthy, status: "True", reason: HealthyPackageRevision}`, want: Degraded, msg: "UnpackingPackage HealthyPackageRevision"},
		{name: "provider healthy", obj: provider + `status:
  conditions:
  - {type: Installed, status: "True", reason: ActivePackageRevision}
  - {type: Healthy, status: "True", reason: HealthyPackageRevision}`, want: Healthy, msg: "ActivePackageRevision HealthyPackageRevision"},
		{name: "upbound provider config", obj: "apiVersion: aws.upbound.io/v1beta1\nkind: ProviderConfig\nmetadata: {name: default}", want: Healthy, msg: "Resource is up-to-date."},
		{name: "upbound update failed", obj: `apiVersion: azure.m.upbound.io/v1beta1
kind: ResourceGroup
metadata: {name: rg}
status:
  conditions:
  - {type: Ready, status: "True", reason: Available}
  - {type: Synced, status: "False", reason: ReconcileError, message: "update failed: cannot change location"}
  - {type: LastAsyncOperation, status: "False", reason: AsyncUpdateFailure, message: "async update failed: cannot change location"}`, want: Degraded, msg: "update failed: cannot change location"},
		{name: "configuration installing", obj: configuration + `status: {conditions: [{type: Installed, status: "True"}, {type: Healthy, status: Unknown}]}`, want: Progressing, msg: "Provisioning ..."},
		{name: "configuration healthy", obj: configuration + `status: {conditions: [{type: Installed, status: "True"}, {type: Healthy, status: "True"}]}`, want: Healthy, msg: "Resource is up-to-date."},
		{name: "configuration empty status", obj: configuration + "status: {}", want: Progressing, msg: "Provisioning ..."},
		{name: "composition empty status", obj: "apiVersion: apiextensions.crossplane.io/v1\nkind: Composition\nmetadata: {name: c}\nstatus: {}", want: Healthy, msg: "Resource is up-to-date."},
		{name: "managed resource without status, as Argo CD", obj: bucket, want: Healthy, msg: "Resource is up-to-date."},
		{name: "managed resource creating", obj: bucket + `status: {conditions: [{type: Synced, status: "True"}, {type: Ready, status: "False", reason: Creating}]}`, want: Progressing, msg: "Provisioning ..."},
		{name: "synced false after ready", obj: bucket + `status: {conditions: [{type: Ready, status: "True"}, {type: Synced, status: "False", message: cannot observe}]}`, want: Degraded, msg: "cannot observe"},
		{name: "provider config in use", obj: "apiVersion: aws.upbound.io/v1beta1\nkind: ProviderConfig\nmetadata: {name: default}\nstatus: {users: 3}", want: Healthy, msg: "Resource is in use."},
	})
}

// TestBuiltinCrossplaneAWSCommunity covers the older community AWS
// provider's kinds that have their own checks (managed-resource Ready and
// Synced conditions, ReconcilePaused for the crossplane.io/paused
// annotation); other kinds of their groups get the generic check.
func TestBuiltinCrossplaneAWSCommunity(t *testing.T) {
	const healthyConds = `status:
  conditions:
  - {type: Ready, status: "True", reason: Available}
  - {type: Synced, status: "True", reason: ReconcileSuccess}`
	kinds := []struct{ apiVersion, kind, noun string }{
		{"cloudfront.aws.crossplane.io/v1alpha1", "Distribution", "distribution"},
		{"iam.aws.crossplane.io/v1beta1", "Policy", "Policy"},
		{"iam.aws.crossplane.io/v1beta1", "Role", "Role"},
		{"iam.aws.crossplane.io/v1beta1", "RolePolicyAttachment", "RolePolicyAttachment"},
		{"rds.aws.crossplane.io/v1alpha1", "DBCluster", "DBCluster"},
		{"rds.aws.crossplane.io/v1alpha1", "DBInstance", "DBInstance"},
		{"route53.aws.crossplane.io/v1alpha1", "ResourceRecordSet", "resourcrecordset"},
		{"s3.aws.crossplane.io/v1beta1", "Bucket", "Bucket"},
	}
	for _, k := range kinds {
		t.Run(k.kind, func(t *testing.T) {
			head := "apiVersion: " + k.apiVersion + "\nkind: " + k.kind + "\nmetadata: {name: x}\n"
			runBuiltin(t, []builtinCase{
				{name: "no status", obj: head + "spec: {forProvider: {region: us-east-1}}", want: Progressing, msg: "Waiting for " + k.noun + " to be created"},
				{name: "creating", obj: head + `status:
  conditions:
  - {type: Ready, status: "False", reason: Creating}
  - {type: Synced, status: "True", reason: ReconcileSuccess}`, want: Progressing, msg: "Waiting for " + k.noun + " to be available"},
				{name: "healthy", obj: head + healthyConds, want: Healthy, msg: "Available"},
				{name: "reconcile error", obj: head + `status:
  conditions:
  - {type: Ready, status: "True", reason: Available}
  - {type: Synced, status: "False", reason: ReconcileError, message: "update failed: AccessDenied"}`, want: Degraded, msg: "update failed: AccessDenied"},
				{name: "paused", obj: head + `status:
  conditions:
  - {type: Ready, status: "True", reason: Available}
  - {type: Synced, status: "False", reason: ReconcilePaused}`, want: Suspended, msg: "ReconcilePaused"},
				{name: "empty conditions, as in Argo CD", obj: head + "status: {conditions: []}", want: Degraded, msg: ""},
			})
		})
	}
	// Another kind of those groups: the generic *.crossplane.io check.
	runBuiltin(t, []builtinCase{
		{name: "other kind of the group", obj: "apiVersion: s3.aws.crossplane.io/v1alpha3\nkind: BucketPolicy\nmetadata: {name: p}\nstatus: {conditions: [{type: Ready, status: \"False\", reason: Creating}, {type: Synced, status: \"True\"}]}", want: Progressing, msg: "Provisioning ..."},
		{name: "paused and ready not synced yet", obj: "apiVersion: s3.aws.crossplane.io/v1beta1\nkind: Bucket\nmetadata: {name: b}\nstatus: {conditions: [{type: Synced, status: \"False\", reason: ReconcilePaused}, {type: Synced, status: \"True\"}, {type: Ready, status: \"False\"}]}", want: Degraded, msg: ""},
	})
}

// ClusterStackInstall (Crossplane before 1.0) keeps its conditions under
// status.conditionedStatus.
func TestBuiltinCrossplaneClusterStackInstall(t *testing.T) {
	const csi = "apiVersion: stacks.crossplane.io/v1alpha1\nkind: ClusterStackInstall\nmetadata: {name: stack-aws}\n"
	runBuiltin(t, []builtinCase{
		{name: "no status", obj: csi + "spec: {package: crossplane/stack-aws:v0.6.0}", want: Progressing, msg: "Waiting for stack to be installed"},
		{name: "creating", obj: csi + `status: {conditionedStatus: {conditions: [{type: Ready, status: "False", reason: Resource is being created}]}}`, want: Progressing, msg: "Resource is being created"},
		{name: "healthy", obj: csi + `status:
  installJob: {name: stack-aws-install}
  conditionedStatus:
    conditions:
    - {type: Synced, status: "True", reason: Successfully reconciled resource}
    - {type: Ready, status: "True", reason: Resource is available for use}`, want: Healthy, msg: "Resource is available for use"},
	})
}
