package controlplane

import (
	"fmt"
	"path/filepath"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// contextName is the cluster, user and context name in written kubeconfigs.
const contextName = "flotilla"

// adminRESTConfig is the admin (system:masters) client config for host.
func adminRESTConfig(host string, p *pki) *rest.Config {
	return &rest.Config{
		Host: host,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   p.CACert,
			CertData: p.AdminCert,
			KeyData:  p.AdminKey,
		},
		// Tests create many objects quickly; client-go's default of 5 QPS
		// would throttle them for nothing on a private apiserver.
		QPS:   100,
		Burst: 200,
	}
}

// writeKubeconfig writes a kubeconfig for host using the admin certificate,
// with the certificates embedded so the file works anywhere.
func writeKubeconfig(path, host string, p *pki) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[contextName] = &clientcmdapi.Cluster{
		Server:                   host,
		CertificateAuthorityData: p.CACert,
	}
	cfg.AuthInfos[contextName] = &clientcmdapi.AuthInfo{
		ClientCertificateData: p.AdminCert,
		ClientKeyData:         p.AdminKey,
	}
	cfg.Contexts[contextName] = &clientcmdapi.Context{
		Cluster:   contextName,
		AuthInfo:  contextName,
		Namespace: "default",
	}
	cfg.CurrentContext = contextName
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("write kubeconfig %s: %w", filepath.Base(path), err)
	}
	return nil
}
