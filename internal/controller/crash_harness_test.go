package controller_test

import (
	"context"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/crashpoint"
)

// crashOutcome is one row of the crash-consistency table: where the
// controller was killed and what its successor made of it.
type crashOutcome struct {
	scenario, point, outcome string
}

// crashTable collects the rows of every scenario and prints them at the
// end of the test, for the record.
type crashTable struct {
	mu   sync.Mutex
	rows []crashOutcome
}

func (tb *crashTable) add(scenario, point, outcome string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.rows = append(tb.rows, crashOutcome{scenario, point, outcome})
}

func (tb *crashTable) log(t *testing.T) {
	var b strings.Builder
	b.WriteString("\n| scenario | kill point | outcome |\n|---|---|---|\n")
	for _, r := range tb.rows {
		b.WriteString("| " + r.scenario + " | `" + r.point + "` | " + r.outcome + " |\n")
	}
	t.Log(b.String())
}

// crashAt runs `flotilla controller` for namespace ns with the crash point
// set and waits until the process has killed itself there; a point never
// reached fails the test.
func crashAt(t *testing.T, ns, point string) {
	t.Helper()
	p := startControllerProcess(t, kubetest.Plane(t).KubeconfigPath(), ns, crashpoint.Env+"="+point)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		status, _ := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !status.Signaled() || status.Signal() != syscall.SIGKILL || !strings.Contains(p.log.String(), "crashpoint: killed at "+point) {
			t.Fatalf("the controller ended at %s without being killed there (%v):\n%s", point, err, p.log.String())
		}
	case <-time.After(90 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
		t.Fatalf("the controller never reached %s:\n%s", point, p.log.String())
	}
}

// jobCreations counts, per name, the Jobs created in a namespace while
// the test runs: a hook run twice shows as two creations.
type jobCreations struct {
	mu     sync.Mutex
	counts map[string]int
}

func watchJobCreations(t *testing.T, ns string) *jobCreations {
	t.Helper()
	cs, err := kubernetes.NewForConfig(kubetest.Plane(t).RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	w, err := cs.BatchV1().Jobs(ns).Watch(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	jc := &jobCreations{counts: map[string]int{}}
	go func() {
		for ev := range w.ResultChan() {
			if ev.Type != watch.Added {
				continue
			}
			if m, ok := ev.Object.(metav1.Object); ok {
				jc.mu.Lock()
				jc.counts[m.GetName()]++
				jc.mu.Unlock()
			}
		}
	}()
	return jc
}

func (jc *jobCreations) of(name string) int {
	jc.mu.Lock()
	defer jc.mu.Unlock()
	return jc.counts[name]
}

// sentinel is an object of the destination namespace that no app tracks:
// a crash must never touch it.
func sentinel(t *testing.T, c client.Client, ns string) func() string {
	t.Helper()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "sentinel"}, Data: map[string]string{"value": "untouched"}}
	if err := c.Create(context.Background(), cm); err != nil {
		t.Fatal(err)
	}
	return func() string {
		now := &corev1.ConfigMap{}
		if err := c.Get(context.Background(), client.ObjectKeyFromObject(cm), now); err != nil {
			return "the sentinel is gone: " + err.Error()
		}
		if now.UID != cm.UID || now.ResourceVersion != cm.ResourceVersion {
			return "the sentinel was changed"
		}
		return ""
	}
}

// crashNamespace creates the Applications' namespace of a crash scenario.
func crashNamespace(t *testing.T, c client.Client, name string) {
	t.Helper()
	if err := c.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); client.IgnoreAlreadyExists(err) != nil {
		t.Fatal(err)
	}
}
