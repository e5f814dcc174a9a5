package controlplane

import (
	"context"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

const (
	// kwokNodeAnnotation marks the nodes kwok manages; kwok is started with
	// --manage-nodes-with-annotation-selector=kwokNodeAnnotation=fake.
	kwokNodeAnnotation = "kwok.x-k8s.io/node"
	// kwokPodCIDR is where kwok hands out Pod IPs; kwok's default
	// (10.0.0.0/24) would overlap the service range and hold 254 Pods.
	kwokPodCIDR = "10.244.0.0/16"
)

// kwokArgs are kwok's flags.
func kwokArgs(kubeconfig string, port int, stages []string) []string {
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=" + kwokNodeAnnotation + "=fake",
		// Without a node Lease the node-lifecycle controller flaps the node
		// NotReady under load and taints it.
		"--node-lease-duration-seconds=40",
		"--cidr=" + kwokPodCIDR,
		// The nodes' InternalIP and so the Pods' hostIP; unset, nodes have
		// no address at all.
		"--node-ip=127.0.0.1",
		"--server-address=127.0.0.1:" + strconv.Itoa(port),
	}
	for _, s := range stages {
		args = append(args, "--config="+s)
	}
	return args
}

// nodeName is the name of fake node i.
func nodeName(i int) string { return "kwok-node-" + strconv.Itoa(i) }

// fakeNode is the Node object of fake node i, shaped as kwok's docs show.
// Its conditions are left to kwok's node-initialize stage, which acts on
// nodes that are not Ready yet. It has no taints of its own.
func fakeNode(i int) *corev1.Node {
	name := nodeName(i)
	resources := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("32"),
		corev1.ResourceMemory: resource.MustParse("256Gi"),
		corev1.ResourcePods:   resource.MustParse("1000"), // room for fleet benchmarks
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Annotations: map[string]string{
				kwokNodeAnnotation:             "fake",
				"node.alpha.kubernetes.io/ttl": "0",
			},
			Labels: map[string]string{
				"type":                          "kwok",
				"kubernetes.io/role":            "agent",
				"node-role.kubernetes.io/agent": "",
				"kubernetes.io/hostname":        name,
				"kubernetes.io/os":              "linux",
				"kubernetes.io/arch":            "amd64",
				"beta.kubernetes.io/os":         "linux",
				"beta.kubernetes.io/arch":       "amd64",
			},
		},
		Status: corev1.NodeStatus{
			Allocatable: resources,
			Capacity:    resources.DeepCopy(),
			NodeInfo: corev1.NodeSystemInfo{
				Architecture:    "amd64",
				OperatingSystem: "linux",
				KubeletVersion:  "fake",
			},
			Phase: corev1.NodeRunning,
		},
	}
}

// createNodes creates fake nodes 0..n-1; existing ones (a reused Dir) are
// left as they are.
func createNodes(ctx context.Context, cs kubernetes.Interface, n int) error {
	for i := range n {
		_, err := cs.CoreV1().Nodes().Create(ctx, fakeNode(i), metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create node %s: %w", nodeName(i), err)
		}
	}
	return nil
}

// nodesReady checks that fake nodes 0..n-1 are Ready and untainted, so Pods
// schedule onto them right away. Admission gives a new node the not-ready
// taint; the node-lifecycle controller removes it once kwok reports Ready.
func nodesReady(ctx context.Context, cs kubernetes.Interface, n int) error {
	for i := range n {
		node, err := cs.CoreV1().Nodes().Get(ctx, nodeName(i), metav1.GetOptions{})
		if err != nil {
			return err
		}
		ready := false
		for _, c := range node.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				ready = true
			}
		}
		if !ready {
			return fmt.Errorf("node %s is not Ready", node.Name)
		}
		if len(node.Spec.Taints) > 0 {
			return fmt.Errorf("node %s still has taint %s", node.Name, node.Spec.Taints[0].Key)
		}
	}
	return nil
}
