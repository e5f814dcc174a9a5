package health

import "testing"

// Cases follow the status shapes cert-manager documents (Ready and Issuing
// conditions) and that Argo CD's checks for cert-manager.io handle.

func TestBuiltinCertManagerCertificate(t *testing.T) {
	runBuiltin(t, []builtinCase{
		{name: "no status", obj: certificate, want: Progressing, msg: "Waiting for certificate"},
		{name: "issuing", obj: certificate + `status:
  conditions:
  - {type: Issuing, status: "True", reason: DoesNotExist, message: Issuing certificate as Secret does not exist}
  - {type: Ready, status: "False", reason: DoesNotExist, message: Issuing certificate as Secret does not exist}`, want: Progressing, msg: "Issuing certificate as Secret does not exist"},
		{name: "issuing listed last", obj: certificate + `status:
  conditions:
  - {type: Ready, status: "False", reason: DoesNotExist, message: Issuing certificate as Secret does not exist}
  - {type: Issuing, status: "True", reason: DoesNotExist, message: Issuing certificate as Secret does not exist}`, want: Progressing, msg: "Issuing certificate as Secret does not exist"},
		{name: "config error", obj: certificate + `status:
  conditions:
  - {type: Ready, status: "False", reason: ConfigError, message: "Resource validation failed: spec.acme.config: Required value"}`, want: Degraded, msg: "Resource validation failed: spec.acme.config: Required value"},
		{name: "issued", obj: certificate + `status:
  conditions:
  - {type: ValidateFailed, status: "False", reason: OrderValidated}
  - {type: Ready, status: "True", reason: CertIssued, message: Certificate issued successfully}`, want: Healthy, msg: "Certificate issued successfully"},
		{name: "renewed", obj: certificate + `status:
  conditions:
  - {type: Ready, status: "True", reason: CertRenewed, message: Certificate renewed successfully}
  - {type: ValidateFailed, status: "False", reason: OrderValidated}`, want: Healthy, msg: "Certificate renewed successfully"},
		{name: "ready unknown", obj: certificate + `status: {conditions: [{type: Ready, status: Unknown, message: checking}]}`, want: Progressing, msg: "Waiting for certificate"},
		{name: "ready without message", obj: certificate + `status: {conditions: [{type: Ready, status: "True"}]}`, want: Healthy, msg: ""},
	})
}

func TestBuiltinCertManagerIssuer(t *testing.T) {
	const issuer = "apiVersion: cert-manager.io/v1\nkind: Issuer\nmetadata: {name: acme}\n"
	runBuiltin(t, []builtinCase{
		{name: "no status", obj: issuer, want: Progressing, msg: "Initializing issuer"},
		{name: "registered", obj: issuer + `status:
  conditions:
  - {type: Ready, status: "True", reason: ACMEAccountRegistered, message: The ACME account was registered with the ACME server}`, want: Healthy, msg: "The ACME account was registered with the ACME server"},
		{name: "acme failed", obj: issuer + `status:
  conditions:
  - {type: Ready, status: "False", reason: ErrRegisterACMEAccount, message: "Failed to verify ACME account: acme: : 404 page not found\n"}`, want: Degraded, msg: "Failed to verify ACME account: acme: : 404 page not found\n"},
	})
}

func TestBuiltinCertManagerClusterIssuer(t *testing.T) {
	const issuer = "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata: {name: acme}\n"
	runBuiltin(t, []builtinCase{
		{name: "no status", obj: issuer, want: Progressing, msg: "Initializing ClusterIssuer"},
		{name: "registered", obj: issuer + `status:
  conditions:
  - {type: Ready, status: "True", reason: ACMEAccountRegistered, message: The ACME account was registered with the ACME server}`, want: Healthy, msg: "The ACME account was registered with the ACME server"},
		{name: "acme failed", obj: issuer + `status:
  conditions:
  - {type: Ready, status: "False", reason: ErrRegisterACMEAccount, message: "Failed to verify ACME account: acme: : 404 page not found\n"}`, want: Degraded, msg: "Failed to verify ACME account: acme: : 404 page not found\n"},
	})
}
