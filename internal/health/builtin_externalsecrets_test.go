package health

import "testing"

// Cases follow the status shape External Secrets Operator documents (a
// Ready condition) and that Argo CD's checks for external-secrets.io
// handle.

func TestBuiltinExternalSecret(t *testing.T) {
	const es = "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: test-degraded}\n"
	runBuiltin(t, []builtinCase{
		{name: "progressing", obj: es, want: Progressing, msg: "Waiting for ExternalSecret"},
		{name: "degraded", obj: es + `status:
  conditions:
  - type: Ready
    status: "False"
    reason: SecretSyncedError
    message: 'could not get secret data from provider: key "secret/sa/example" from ExternalSecret "test-degraded"'`, want: Degraded, msg: `could not get secret data from provider: key "secret/sa/example" from ExternalSecret "test-degraded"`},
		{name: "healthy", obj: es + `status: {conditions: [{type: Ready, status: "True", reason: SecretSynced, message: Secret was synced}]}`, want: Healthy, msg: "Secret was synced"},
	})
}

func TestBuiltinSecretStore(t *testing.T) {
	const store = "apiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata: {name: s}\n"
	runBuiltin(t, []builtinCase{
		{name: "degraded", obj: store + `status: {conditions: [{type: Ready, status: "False", reason: ValidationFailed, message: unable to validate store}]}`, want: Degraded, msg: "unable to validate store"},
		{name: "healthy", obj: store + `status: {conditions: [{type: Ready, status: "True", reason: Valid, message: store validated}]}`, want: Healthy, msg: "store validated"},
		{name: "no status", obj: store, want: Progressing, msg: "Waiting for SecretStore"},
	})
}

func TestBuiltinClusterSecretStore(t *testing.T) {
	const store = "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata: {name: s}\n"
	runBuiltin(t, []builtinCase{
		{name: "degraded", obj: store + `status: {conditions: [{type: Ready, status: "False", reason: ValidationFailed, message: unable to validate store}]}`, want: Degraded, msg: "unable to validate store"},
		{name: "healthy", obj: store + `status: {conditions: [{type: Ready, status: "True", reason: Valid, message: store validated}]}`, want: Healthy, msg: "store validated"},
		{name: "no status", obj: store, want: Progressing, msg: "Waiting for ClusterSecretStore"},
	})
}

func TestBuiltinPushSecret(t *testing.T) {
	const ps = "apiVersion: external-secrets.io/v1alpha1\nkind: PushSecret\nmetadata: {name: ps}\n"
	runBuiltin(t, []builtinCase{
		{name: "progressing", obj: ps, want: Progressing, msg: "Waiting for PushSecret"},
		{name: "degraded", obj: ps + `status:
  conditions:
  - {type: Ready, status: "False", reason: Errored, message: "set secret failed: could not write remote ref test to target secretstore my-store: Error making API request."}`, want: Degraded, msg: "set secret failed: could not write remote ref test to target secretstore my-store: Error making API request."},
		{name: "healthy", obj: ps + `status: {conditions: [{type: Ready, status: "True", reason: Synced, message: PushSecret synced successfully}]}`, want: Healthy, msg: "PushSecret synced successfully"},
	})
}

// ClusterExternalSecret appends conditions and lists the namespaces it
// provisioned and failed.
func TestBuiltinClusterExternalSecret(t *testing.T) {
	const ces = "apiVersion: external-secrets.io/v1\nkind: ClusterExternalSecret\nmetadata: {name: shared-db}\n"
	runBuiltin(t, []builtinCase{
		{name: "no status", obj: ces, want: Progressing, msg: "Waiting for ClusterExternalSecret"},
		{name: "empty conditions", obj: ces + "status: {conditions: []}", want: Progressing, msg: "Waiting for ClusterExternalSecret"},
		{name: "healthy", obj: ces + `status:
  provisionedNamespaces: [team-a, team-b]
  conditions: [{type: Ready, status: "True", message: ExternalSecrets were created in all namespaces}]`, want: Healthy, msg: "ExternalSecrets were created in all namespaces"},
		{name: "partially ready", obj: ces + `status:
  provisionedNamespaces: [team-a]
  failedNamespaces: [{namespace: team-b, reason: external secret already exists in namespace}]
  conditions: [{type: PartiallyReady, status: "True", message: one or more namespaces failed}]`, want: Degraded, msg: "one or more namespaces failed"},
		{name: "not ready", obj: ces + `status:
  failedNamespaces: [{namespace: team-a, reason: no secret store}]
  conditions: [{type: NotReady, status: "True", message: one or more namespaces failed}]`, want: Degraded, msg: "one or more namespaces failed"},
		{name: "only the last condition counts", obj: ces + `status:
  conditions:
  - {type: NotReady, status: "True", message: one or more namespaces failed}
  - {type: Ready, status: "True", message: ExternalSecrets were created in all namespaces}`, want: Healthy, msg: "ExternalSecrets were created in all namespaces"},
	})
}
