package controlplane

import (
	"fmt"
	"path/filepath"
	"strconv"
)

// Component names, also their binary and log file names.
const (
	etcdName      = "etcd"
	apiserverName = "kube-apiserver"
	managerName   = "kube-controller-manager"
	schedulerName = "kube-scheduler"
	kwokName      = "kwok"
)

// serviceCIDR is --service-cluster-ip-range; serviceIP is its first address.
const serviceCIDR = "10.0.0.0/24"

// layout is where everything of one plane lives and listens.
type layout struct {
	dir                                  string
	etcdClientPort, etcdPeerPort         int
	apiserverPort                        int
	managerPort, schedulerPort, kwokPort int
	pki                                  pkiFiles
	adminKubeconfig, managerKubeconfig   string
	schedulerKubeconfig, kwokKubeconfig  string
}

func newLayout(dir string, ports []int) layout {
	kc := func(name string) string { return filepath.Join(dir, "kubeconfig", name+".kubeconfig") }
	return layout{
		dir:                 dir,
		etcdClientPort:      ports[0],
		etcdPeerPort:        ports[1],
		apiserverPort:       ports[2],
		managerPort:         ports[3],
		schedulerPort:       ports[4],
		kwokPort:            ports[5],
		adminKubeconfig:     filepath.Join(dir, "admin.kubeconfig"),
		managerKubeconfig:   kc(managerName),
		schedulerKubeconfig: kc(schedulerName),
		kwokKubeconfig:      kc(kwokName),
	}
}

// portCount is how many ports newLayout takes.
const portCount = 6

func (l layout) etcdURL() string { return fmt.Sprintf("http://127.0.0.1:%d", l.etcdClientPort) }

func (l layout) apiserverURL() string { return fmt.Sprintf("https://127.0.0.1:%d", l.apiserverPort) }

func (l layout) etcdArgs() []string {
	peer := fmt.Sprintf("http://127.0.0.1:%d", l.etcdPeerPort)
	return []string{
		"--name=flotilla",
		"--data-dir=" + filepath.Join(l.dir, "etcd"),
		"--listen-client-urls=" + l.etcdURL(),
		"--advertise-client-urls=" + l.etcdURL(),
		"--listen-peer-urls=" + peer,
		"--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=flotilla=" + peer,
		"--unsafe-no-fsync",
		"--quota-backend-bytes=" + strconv.Itoa(8<<30),
		"--log-level=warn",
	}
}

func (l layout) apiserverArgs() []string {
	return []string{
		"--etcd-servers=" + l.etcdURL(),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		// The endpoint reconciler refuses a loopback advertise address; with
		// "none" the kubernetes Service simply has no endpoints.
		"--endpoint-reconciler-type=none",
		"--secure-port=" + strconv.Itoa(l.apiserverPort),
		"--cert-dir=" + l.pki.Dir,
		"--tls-cert-file=" + l.pki.ServingCert,
		"--tls-private-key-file=" + l.pki.ServingKey,
		"--client-ca-file=" + l.pki.CACert,
		"--service-account-key-file=" + l.pki.SAPub,
		"--service-account-signing-key-file=" + l.pki.SAKey,
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-cluster-ip-range=" + serviceCIDR,
		"--authorization-mode=Node,RBAC",
		"--allow-privileged=true",
	}
}

func (l layout) managerArgs() []string {
	return []string{
		"--kubeconfig=" + l.managerKubeconfig,
		"--authentication-kubeconfig=" + l.managerKubeconfig,
		"--authorization-kubeconfig=" + l.managerKubeconfig,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(l.managerPort),
		"--tls-cert-file=" + l.pki.ServingCert,
		"--tls-private-key-file=" + l.pki.ServingKey,
		"--service-account-private-key-file=" + l.pki.SAKey,
		"--root-ca-file=" + l.pki.CACert,
		"--cluster-signing-cert-file=" + l.pki.CACert,
		"--cluster-signing-key-file=" + l.pki.CAKey,
		"--service-cluster-ip-range=" + serviceCIDR,
		"--use-service-account-credentials=false",
		"--leader-elect=false",
		// Names are exact; a wrong one is silently accepted. Keep the
		// node-lifecycle controller: it removes a new node's not-ready taint.
		"--controllers=*,-serviceaccount-token-controller,-node-ipam-controller",
		// Fleets of a thousand Deployments: client-go's 20 QPS would make
		// the controller-manager the bottleneck of every benchmark.
		"--kube-api-qps=200", "--kube-api-burst=400",
	}
}

func (l layout) schedulerArgs() []string {
	return []string{
		"--kubeconfig=" + l.schedulerKubeconfig,
		"--authentication-kubeconfig=" + l.schedulerKubeconfig,
		"--authorization-kubeconfig=" + l.schedulerKubeconfig,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(l.schedulerPort),
		"--tls-cert-file=" + l.pki.ServingCert,
		"--tls-private-key-file=" + l.pki.ServingKey,
		"--leader-elect=false",
		"--kube-api-qps=200", "--kube-api-burst=400",
	}
}
