package health

import "testing"

// Cases follow the status shapes Flux documents (Ready, Reconciling,
// Released, ArtifactInStorage and ArtifactOutdated conditions) and that
// Argo CD's checks for the *.fluxcd.io kinds handle.

const gitRepository = `
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: podinfo}
spec: {interval: 5m, url: "https://github.com/stefanprodan/podinfo"}
`

func TestBuiltinFluxKustomization(t *testing.T) {
	const ks = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: k}\n"
	runBuiltin(t, []builtinCase{
		{name: "progressing", obj: ks + `status:
  conditions:
  - {type: Reconciling, status: "True", reason: Progressing}
  - {type: Ready, status: Unknown, reason: Progressing}`, want: Progressing, msg: "Progressing"},
		{name: "degraded", obj: ks + `status: {conditions: [{type: Ready, status: "False", reason: ArtifactFailed}]}`, want: Degraded, msg: "ArtifactFailed"},
		{name: "healthy", obj: ks + `status: {conditions: [{type: Ready, status: "True", reason: InstallSucceeded}]}`, want: Healthy, msg: "InstallSucceeded"},
		{name: "suspended", obj: ks + "spec: {suspend: true}\nstatus: {conditions: [{type: Ready, status: \"True\", reason: ReconciliationSucceeded}]}", want: Suspended, msg: "Kustomization is suspended"},
		{name: "no status", obj: ks + "spec: {suspend: false}", want: Progressing, msg: "Status unknown"},
		{name: "ready unknown without reconciling", obj: ks + "spec: {}\nstatus: {conditions: [{type: Ready, status: Unknown, reason: Progressing}]}", want: Degraded, msg: "Progressing"},
	})
}

func TestBuiltinFluxHelmRelease(t *testing.T) {
	const hr = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: h}\n"
	runBuiltin(t, []builtinCase{
		{name: "progressing", obj: hr + `status:
  conditions:
  - {type: Reconciling, status: "True", reason: Progressing}
  - {type: Ready, status: Unknown, reason: Progressing}
  - {type: Released, status: "True", reason: InstallSucceeded}`, want: Progressing, msg: "Progressing"},
		{name: "degraded", obj: hr + `status:
  conditions:
  - {type: Reconciling, status: "True", reason: ProgressingWithRetry}
  - {type: Ready, status: "False", reason: RollbackSucceeded}
  - {type: Released, status: "False", reason: UpgradeFailed}`, want: Degraded, msg: "RollbackSucceeded"},
		{name: "healthy", obj: hr + `status:
  conditions:
  - {type: Ready, status: "True", reason: InstallSucceeded}
  - {type: Released, status: "True", reason: InstallSucceeded}`, want: Healthy, msg: "InstallSucceeded"},
		{name: "suspended", obj: hr + "spec: {suspend: true}", want: Suspended, msg: "HelmRelease is suspended"},
		{name: "ready but not released", obj: hr + "spec: {}\nstatus: {conditions: [{type: Ready, status: \"True\", reason: UpgradeSucceeded}]}", want: Degraded, msg: "UpgradeSucceeded"},
		{name: "ready and tests passed", obj: hr + "spec: {}\nstatus: {conditions: [{type: Ready, status: \"True\", reason: TestSucceeded}, {type: TestSuccess, status: \"True\", reason: TestSucceeded}]}", want: Healthy, msg: "TestSucceeded"},
	})
}

func TestBuiltinFluxGitRepository(t *testing.T) {
	runBuiltin(t, []builtinCase{
		{name: "degraded", obj: gitRepository + `status:
  conditions:
  - {type: Reconciling, status: "True", reason: ProgressingWithRetry}
  - {type: Ready, status: "False", reason: GitOperationFailed}
  - {type: ArtifactInStorage, status: "True", reason: Succeeded}`, want: Degraded, msg: "GitOperationFailed"},
		{name: "healthy", obj: gitRepository + `status:
  conditions:
  - {type: Ready, status: "True", reason: Succeeded}
  - {type: ArtifactInStorage, status: "True", reason: Succeeded}`, want: Healthy, msg: "Succeeded"},
		// Argo CD's own test leaves this shape out: an empty list of
		// conditions is Degraded with no message there too.
		{name: "empty conditions", obj: gitRepository + "status: {conditions: []}", want: Degraded, msg: ""},
		{name: "no status", obj: gitRepository, want: Progressing, msg: "Status unknown"},
		{name: "suspended", obj: "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: g}\nspec: {suspend: true}", want: Suspended, msg: "GitRepository is suspended"},
		{name: "reconciling", obj: gitRepository + `status:
  conditions:
  - {type: Reconciling, status: "True", reason: Progressing}
  - {type: Ready, status: Unknown, reason: Progressing}`, want: Progressing, msg: "Progressing"},
		{name: "artifact outdated after ready", obj: gitRepository + `status:
  conditions:
  - {type: Ready, status: "True", reason: Succeeded}
  - {type: ArtifactOutdated, status: "True", reason: NewRevision}
  - {type: ArtifactInStorage, status: "True", reason: Succeeded}`, want: Healthy, msg: "Succeeded NewRevision"},
		{name: "artifact outdated before ready", obj: gitRepository + `status:
  conditions:
  - {type: ArtifactOutdated, status: "True", reason: NewRevision}
  - {type: Ready, status: "False", reason: GitOperationFailed}`, want: Degraded, msg: "GitOperationFailed"},
		{name: "artifact outdated without ready", obj: gitRepository + `status:
  conditions:
  - {type: ArtifactOutdated, status: "True", reason: NewRevision}
  - {type: ArtifactOutdated, status: "True", reason: Other}`, want: Degraded, msg: " NewRevision Other"},
	})
}

func TestBuiltinFluxHelmRepository(t *testing.T) {
	const helmRepository = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: h}\n"
	runBuiltin(t, []builtinCase{
		{name: "degraded", obj: helmRepository + `status:
  conditions:
  - {type: Reconciling, status: "True", reason: ProgressingWithRetry}
  - {type: Ready, status: "False", reason: Failed}
  - {type: ArtifactInStorage, status: "True", reason: Succeeded}`, want: Degraded, msg: "Failed"},
		{name: "healthy", obj: helmRepository + `status:
  conditions:
  - {type: Ready, status: "True", reason: Succeeded}
  - {type: ArtifactInStorage, status: "True", reason: Succeeded}`, want: Healthy, msg: "Succeeded"},
		{name: "oci", obj: "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: h}\nspec: {type: oci}\nstatus: {}", want: Healthy, msg: "Helm repositories of type 'oci' do not contain any information in the status."},
		{name: "empty conditions", obj: helmRepository + "status: {conditions: []}", want: Degraded, msg: ""},
		{name: "suspended oci", obj: "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: h}\nspec: {type: oci, suspend: true}", want: Suspended, msg: "HelmRepository is suspended"},
	})
}

func TestBuiltinFluxOtherSources(t *testing.T) {
	const ociRepository = "apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata: {name: o}\n"
	const helmChart = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmChart\nmetadata: {name: c}\n"
	const bucket = "apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: Bucket\nmetadata: {name: b}\n"
	runBuiltin(t, []builtinCase{
		{name: "OCIRepository degraded", obj: ociRepository + `status:
  conditions:
  - {type: Reconciling, status: "True", reason: Progressing}
  - {type: Ready, status: "False", reason: OCIArtifactPullFailed}
  - {type: ArtifactInStorage, status: "True", reason: Succeeded}`, want: Degraded, msg: "OCIArtifactPullFailed"},
		{name: "OCIRepository healthy", obj: ociRepository + `status:
  conditions:
  - {type: Ready, status: "True", reason: Succeeded}
  - {type: ArtifactInStorage, status: "True", reason: Succeeded}`, want: Healthy, msg: "Succeeded"},
		{name: "HelmChart degraded", obj: helmChart + `status:
  conditions:
  - {type: Reconciling, status: "True", reason: ProgressingWithRetry}
  - {type: Ready, status: "False", reason: SourceUnavailable}
  - {type: ArtifactInStorage, status: "True", reason: ChartPullSucceeded}`, want: Degraded, msg: "SourceUnavailable"},
		{name: "HelmChart healthy", obj: helmChart + `status:
  conditions:
  - {type: Ready, status: "True", reason: ChartPullSucceeded}
  - {type: ArtifactInStorage, status: "True", reason: ChartPullSucceeded}`, want: Healthy, msg: "ChartPullSucceeded"},
		{name: "Bucket degraded", obj: bucket + `status:
  conditions:
  - {type: Reconciling, status: "True", reason: ProgressingWithRetry}
  - {type: Ready, status: "False", reason: BucketOperationFailed}`, want: Degraded, msg: "BucketOperationFailed"},
		{name: "Bucket healthy", obj: bucket + `status:
  conditions:
  - {type: Ready, status: "True", reason: Succeeded}
  - {type: ArtifactInStorage, status: "True", reason: Succeeded}`, want: Healthy, msg: "Succeeded"},
	})
}

func TestBuiltinFluxImagePolicy(t *testing.T) {
	const ip = "apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImagePolicy\nmetadata: {name: podinfo}\nspec: {imageRepositoryRef: {name: podinfo}, policy: {semver: {range: 5.0.x}}}\n"
	runBuiltin(t, []builtinCase{
		{name: "no status", obj: ip, want: Progressing, msg: "Status unknown"},
		{name: "progressing", obj: ip + `status:
  conditions:
  - {type: Reconciling, status: "True", reason: NewGeneration, message: "reconciling new object generation (2)"}
  - {type: Ready, status: "False", reason: NewGeneration, message: "reconciling new object generation (2)"}`, want: Progressing, msg: "NewGeneration"},
		{name: "healthy", obj: ip + `status:
  latestImage: ghcr.io/stefanprodan/podinfo:5.0.3
  conditions: [{type: Ready, status: "True", reason: Succeeded, message: "Latest image tag for 'ghcr.io/stefanprodan/podinfo' resolved to 5.0.3"}]`, want: Healthy, msg: "Succeeded"},
		{name: "degraded", obj: ip + `status:
  conditions: [{type: Ready, status: "False", reason: DependencyNotReady, message: "referenced ImageRepository is not ready"}]`, want: Degraded, msg: "DependencyNotReady"},
		{name: "suspend is ignored, ImagePolicy has none", obj: "apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImagePolicy\nmetadata: {name: p}\nspec: {suspend: true}\nstatus: {conditions: [{type: Ready, status: \"True\", reason: Succeeded}]}", want: Healthy, msg: "Succeeded"},
	})
}

func TestBuiltinFluxImageRepository(t *testing.T) {
	const ir = "apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImageRepository\nmetadata: {name: podinfo}\n"
	runBuiltin(t, []builtinCase{
		{name: "no status", obj: ir + "spec: {image: ghcr.io/stefanprodan/podinfo, interval: 5m}", want: Progressing, msg: "Status unknown"},
		{name: "scanning", obj: ir + `status:
  conditions:
  - {type: Reconciling, status: "True", reason: Scanning, message: scanning}
  - {type: Ready, status: "False", reason: Scanning, message: scanning}`, want: Progressing, msg: "Scanning"},
		{name: "healthy", obj: ir + `status:
  lastScanResult: {tagCount: 24}
  conditions: [{type: Ready, status: "True", reason: Succeeded, message: "successful scan: found 24 tags"}]`, want: Healthy, msg: "Succeeded"},
		{name: "degraded", obj: ir + `status: {conditions: [{type: Ready, status: "False", reason: AuthenticationFailed, message: "UNAUTHORIZED"}]}`, want: Degraded, msg: "AuthenticationFailed"},
		{name: "suspended", obj: ir + "spec: {suspend: true}\nstatus: {conditions: [{type: Ready, status: \"True\", reason: Succeeded}]}", want: Suspended, msg: "ImageRepository is suspended"},
	})
}

func TestBuiltinFluxImageUpdateAutomation(t *testing.T) {
	const iua = "apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImageUpdateAutomation\nmetadata: {name: flux-system}\n"
	runBuiltin(t, []builtinCase{
		{name: "no status", obj: iua + "spec: {interval: 30m}", want: Progressing, msg: "Status unknown"},
		{name: "progressing", obj: iua + `status:
  conditions:
  - {type: Reconciling, status: "True", reason: Progressing, message: reconciliation in progress}
  - {type: Ready, status: Unknown, reason: Progressing, message: reconciliation in progress}`, want: Progressing, msg: "Progressing"},
		{name: "healthy", obj: iua + `status:
  lastPushCommit: 8f3c1e2
  conditions: [{type: Ready, status: "True", reason: Succeeded, message: repository up-to-date}]`, want: Healthy, msg: "Succeeded"},
		{name: "degraded", obj: iua + `status: {conditions: [{type: Ready, status: "False", reason: GitOperationFailed, message: "failed to push"}]}`, want: Degraded, msg: "GitOperationFailed"},
		{name: "suspended", obj: iua + "spec: {suspend: true}", want: Suspended, msg: "ImageUpdateAutomation is suspended"},
	})
}

func TestBuiltinFluxReceiver(t *testing.T) {
	const rcv = "apiVersion: notification.toolkit.fluxcd.io/v1\nkind: Receiver\nmetadata: {name: github-receiver}\n"
	runBuiltin(t, []builtinCase{
		{name: "no status", obj: rcv + "spec: {type: github}", want: Progressing, msg: "Status unknown"},
		{name: "healthy", obj: rcv + `status:
  webhookPath: /hook/bed6d00b5555b1603e1f59b94d7fdbca58089cb5663633fb83f2815dc626d92b
  conditions: [{type: Ready, status: "True", reason: Succeeded, message: "Receiver initialized for path: /hook/bed6d00b"}]`, want: Healthy, msg: "Succeeded"},
		{name: "retrying is degraded, as in Argo CD", obj: rcv + `status:
  conditions:
  - {type: Reconciling, status: "True", reason: ProgressingWithRetry, message: retrying}
  - {type: Ready, status: "False", reason: TokenNotFound, message: "unable to read token from secret"}`, want: Degraded, msg: "TokenNotFound"},
		{name: "degraded", obj: rcv + `status: {conditions: [{type: Ready, status: "False", reason: TokenNotFound}]}`, want: Degraded, msg: "TokenNotFound"},
		{name: "suspended", obj: rcv + "spec: {suspend: true}", want: Suspended, msg: "Receiver is suspended"},
	})
}
