package controlplane_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/controlplane/kubetest"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

func TestServerVersion(t *testing.T) {
	p := kubetest.Plane(t)
	t.Logf("control plane started in %s: %v", p.StartupDuration(), p.Phases())
	cs, err := kubernetes.NewForConfig(p.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v.GitVersion != "v1.37.2" {
		t.Errorf("server version = %s, want v1.37.2", v.GitVersion)
	}
}

func TestKubectlGetNodes(t *testing.T) {
	p := kubetest.Plane(t)
	// hack/build-controlplane.sh builds kubectl of the plane's version.
	kubectl := filepath.Join(p.BinDir(), "kubectl")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubectl, "--kubeconfig", p.KubeconfigPath(), "get", "nodes", "-o", "name")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl get nodes: %v\n%s", err, stderr.String())
	}
	for _, name := range p.NodeNames() {
		if !strings.Contains(string(out), "node/"+name) {
			t.Errorf("kubectl get nodes = %q, want node/%s", out, name)
		}
	}
}

func TestDeploymentBecomesAvailable(t *testing.T) {
	c := kubetest.Client(t)
	ns := kubetest.NewNamespace(t, c)
	labels := map[string]string{"app": "web"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}},
				},
			},
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.Create(ctx, d); err != nil {
		t.Fatal(err)
	}

	err := wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(d), d); err != nil {
			return false, err
		}
		return available(d) && d.Status.ReadyReplicas == 2 && d.Status.AvailableReplicas == 2, nil
	})
	if err != nil {
		var pods corev1.PodList
		_ = c.List(context.Background(), &pods, client.InNamespace(ns))
		for _, p := range pods.Items {
			t.Logf("pod %s: node %q phase %s conditions %+v", p.Name, p.Spec.NodeName, p.Status.Phase, p.Status.Conditions)
		}
		t.Fatalf("deployment not Available with 2 ready replicas: %v; status %+v", err, d.Status)
	}
}

func available(d *appsv1.Deployment) bool {
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentAvailable && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}
