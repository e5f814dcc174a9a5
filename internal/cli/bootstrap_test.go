package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// TestBootstrapNamespaced installs a namespaced flotilla: the listed
// namespaces are created with a Role granting every kind there, the
// controller's namespace has its own Role, the controller runs with
// --namespaced, and nothing binds the controller cluster-wide.
func TestBootstrapNamespaced(t *testing.T) {
	plane := kubetest.Plane(t)
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(plane.RESTConfig(), client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	suffix := fmt.Sprintf("%06d", rand.IntN(1000000))
	own, teamA, teamB := "flotilla-"+suffix, "team-a-"+suffix, "team-b-"+suffix
	for _, ns := range []string{own, teamA, teamB} {
		t.Cleanup(func() { _ = c.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}) })
	}
	args := []string{"bootstrap", "--kubeconfig", plane.KubeconfigPath(), "-n", own, "--namespaced", teamB + "," + teamA,
		"--repo", "https://git.example.com/acme/fleet.git", "--path", "apps"}
	res := run(t, args...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if want := fmt.Sprintf("managing namespaces %s, %s only", teamB, teamA); !strings.Contains(res.stdout, want) {
		t.Errorf("stdout %q does not say %q", res.stdout, want)
	}
	for _, key := range []client.ObjectKey{{Namespace: own, Name: "flotilla-controller"},
		{Namespace: teamA, Name: "flotilla-controller-managed"}, {Namespace: teamB, Name: "flotilla-controller-managed"}} {
		var binding rbacv1.RoleBinding
		if err := c.Get(ctx, key, &binding); err != nil {
			t.Errorf("RoleBinding %s: %v", key, err)
			continue
		}
		if len(binding.Subjects) != 1 || binding.Subjects[0].Namespace != own || binding.Subjects[0].Name != "flotilla-controller" {
			t.Errorf("RoleBinding %s binds %+v", key, binding.Subjects)
		}
		if err := c.Get(ctx, client.ObjectKey{Namespace: key.Namespace, Name: binding.RoleRef.Name}, &rbacv1.Role{}); err != nil {
			t.Errorf("Role of RoleBinding %s: %v", key, err)
		}
	}
	var bindings rbacv1.ClusterRoleBindingList
	if err := c.List(ctx, &bindings); err != nil {
		t.Fatal(err)
	}
	for _, b := range bindings.Items {
		for _, s := range b.Subjects {
			if s.Namespace == own {
				t.Errorf("ClusterRoleBinding %s binds %s/%s", b.Name, s.Namespace, s.Name)
			}
		}
	}
	var d appsv1.Deployment
	if err := c.Get(ctx, client.ObjectKey{Namespace: own, Name: "flotilla-controller"}, &d); err != nil {
		t.Fatalf("controller deployment: %v", err)
	}
	if args, want := d.Spec.Template.Spec.Containers[0].Args, "--namespaced="+teamA+","+teamB; !slices.Contains(args, want) {
		t.Errorf("controller args %q lack %q", args, want)
	}
	rv := d.ResourceVersion
	if again := run(t, args...); again.code != 0 {
		t.Fatalf("second run: exit %d: %s", again.code, again.stderr)
	}
	if err := c.Get(ctx, client.ObjectKey{Namespace: own, Name: "flotilla-controller"}, &d); err != nil {
		t.Fatal(err)
	}
	if d.ResourceVersion != rv {
		t.Errorf("a second bootstrap changed the Deployment (resourceVersion %s -> %s)", rv, d.ResourceVersion)
	}
}

func TestBootstrapRefusesBadNamespaces(t *testing.T) {
	for _, namespaced := range []string{"Team-A", "team_a", "team-a,", "a.b"} {
		res := run(t, "bootstrap", "--kubeconfig", "/nonexistent", "--namespaced", namespaced, "--repo", "https://git.example.com/x.git")
		if res.code == 0 || !strings.Contains(res.stderr, "namespaced install: namespace") {
			t.Errorf("--namespaced %q: exit %d, stderr %q", namespaced, res.code, res.stderr)
		}
	}
}

func TestBootstrapNeedsOneRoot(t *testing.T) {
	res := run(t, "bootstrap")
	if res.code == 0 || !strings.Contains(res.stderr, "either -f FILE or --repo URL") {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
}
