package cli

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/controlplane/kubetest"
)

func TestBootstrapIsIdempotent(t *testing.T) {
	plane := kubetest.Plane(t)
	// a scheme of its own: the shared one is read by the test controller
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(plane.RESTConfig(), client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"bootstrap", "--kubeconfig", plane.KubeconfigPath(), "-n", "gitops",
		"--repo", "https://git.example.com/acme/fleet.git", "--path", "apps", "--revision", "main"}
	first := run(t, args...)
	if first.code != 0 {
		t.Fatalf("exit %d: %s", first.code, first.stderr)
	}
	if !strings.Contains(first.stdout, "applied Application gitops/root") {
		t.Errorf("stdout: %s", first.stdout)
	}
	ctx := context.Background()
	for _, crd := range []string{"applications.argoproj.io", "appprojects.argoproj.io", "applicationsets.argoproj.io"} {
		if err := c.Get(ctx, client.ObjectKey{Name: crd}, &apiextensionsv1.CustomResourceDefinition{}); err != nil {
			t.Errorf("crd %s: %v", crd, err)
		}
	}
	var d appsv1.Deployment
	if err := c.Get(ctx, client.ObjectKey{Namespace: "gitops", Name: "flotilla-controller"}, &d); err != nil {
		t.Fatalf("controller deployment: %v", err)
	}
	root := &unstructured.Unstructured{}
	root.SetAPIVersion("argoproj.io/v1alpha1")
	root.SetKind("Application")
	if err := c.Get(ctx, client.ObjectKey{Namespace: "gitops", Name: "root"}, root); err != nil {
		t.Fatalf("root application: %v", err)
	}
	if repo, _, _ := unstructured.NestedString(root.Object, "spec", "source", "repoURL"); repo != "https://git.example.com/acme/fleet.git" {
		t.Errorf("root repoURL = %q", repo)
	}
	rv := root.GetResourceVersion()

	second := run(t, args...)
	if second.code != 0 {
		t.Fatalf("second run: exit %d: %s", second.code, second.stderr)
	}
	if err := c.Get(ctx, client.ObjectKey{Namespace: "gitops", Name: "root"}, root); err != nil {
		t.Fatal(err)
	}
	if root.GetResourceVersion() != rv {
		t.Errorf("a second bootstrap changed the root Application (resourceVersion %s -> %s)", rv, root.GetResourceVersion())
	}
}

func TestBootstrapNeedsOneRoot(t *testing.T) {
	res := run(t, "bootstrap")
	if res.code == 0 || !strings.Contains(res.stderr, "either -f FILE or --repo URL") {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
}
