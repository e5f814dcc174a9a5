package sync

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/internal/health"
	"flotilla.dev/flotilla/internal/object"
)

// fakeCluster keeps live objects in memory and logs what was done; a pure
// stand-in for the API server in tests of the step logic.
type fakeCluster struct {
	live   map[object.Key]*unstructured.Unstructured
	ops    []string
	failOn string
	// finalized objects stay live when deleted, as with a finalizer.
	finalized map[string]bool
}

func newFake() *fakeCluster { return &fakeCluster{live: map[object.Key]*unstructured.Unstructured{}} }

func (f *fakeCluster) Apply(_ context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	f.ops = append(f.ops, "apply "+u.GetName())
	if u.GetName() == f.failOn {
		return nil, errors.New("admission denied")
	}
	f.live[object.KeyOf(u)] = u.DeepCopy()
	return u, nil
}

func (f *fakeCluster) Get(_ context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	return f.live[object.KeyOf(u)], nil
}

func (f *fakeCluster) Delete(_ context.Context, u *unstructured.Unstructured, _ metav1.DeletionPropagation) error {
	f.ops = append(f.ops, "delete "+u.GetName())
	if !f.finalized[u.GetName()] {
		delete(f.live, object.KeyOf(u))
	}
	return nil
}

// healthBy returns a health function that reads the object's name in m
// (default Healthy).
func healthBy(m map[string]health.Code) func(*unstructured.Unstructured) health.Status {
	return func(u *unstructured.Unstructured) health.Status {
		if c, ok := m[u.GetName()]; ok {
			return health.Status{Code: c}
		}
		return health.Status{Code: health.Healthy}
	}
}

func hook(kind, name, phases, policy, wave string) *unstructured.Unstructured {
	u := obj(kind, name, wave)
	ann := u.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[HookAnnotation] = phases
	if policy != "" {
		ann[HookDeletePolicyAnnotation] = policy
	}
	u.SetAnnotations(ann)
	return u
}

func TestStepWavesWaitForHealth(t *testing.T) {
	c := newFake()
	h := map[string]health.Code{"web": health.Progressing}
	tasks := Plan([]*unstructured.Unstructured{
		obj("ConfigMap", "early", "-1"), obj("Deployment", "web", "1"), obj("ConfigMap", "late", "2"), obj("ConfigMap", "zero", ""),
	}, nil, nil, PlanOptions{})
	p := Progress{}
	opts := Options{Prune: true, OperationID: "op1", Health: healthBy(h)}

	out, err := Step(context.Background(), c, tasks, p, opts)
	if err != nil || out.State != Running {
		t.Fatalf("first step: %+v %v", out, err)
	}
	if got := strings.Join(c.ops, ","); got != "apply early,apply zero,apply web" {
		t.Fatalf("applied %s before wave 1 was healthy", got)
	}
	if !strings.Contains(out.Message, "wave 1: waiting for healthy state of Deployment web") {
		t.Errorf("message %q", out.Message)
	}
	// Nothing changes while web stays Progressing.
	if out, _ = Step(context.Background(), c, tasks, p, opts); out.State != Running || len(c.ops) != 3 {
		t.Fatalf("second step: %+v ops %v", out, c.ops)
	}
	h["web"] = health.Healthy
	out, err = Step(context.Background(), c, tasks, p, opts)
	if err != nil || out.State != Succeeded {
		t.Fatalf("after healthy: %+v %v", out, err)
	}
	if got := strings.Join(c.ops, ","); got != "apply early,apply zero,apply web,apply late" {
		t.Fatalf("ops = %s", got)
	}
}

func TestStepDegradedFailsAndRunsSyncFailHooks(t *testing.T) {
	c := newFake()
	h := map[string]health.Code{"web": health.Degraded, "cleanup": health.Progressing}
	tasks := Plan(
		[]*unstructured.Unstructured{obj("Deployment", "web", "1"), obj("ConfigMap", "after", "2")},
		[]*unstructured.Unstructured{hook("Job", "cleanup", "SyncFail", "", "")},
		nil, PlanOptions{})
	p := Progress{}
	opts := Options{OperationID: "op1", Health: healthBy(h)}
	out, _ := Step(context.Background(), c, tasks, p, opts)
	if out.State != Running || !strings.Contains(out.Message, "SyncFail") {
		t.Fatalf("step = %+v, want Running the SyncFail hook", out)
	}
	h["cleanup"] = health.Healthy
	out, _ = Step(context.Background(), c, tasks, p, opts)
	if out.State != Failed || !strings.Contains(out.Message, "Deployment web is Degraded") {
		t.Fatalf("step = %+v, want Failed naming the Degraded Deployment", out)
	}
	if got := strings.Join(c.ops, ","); got != "apply web,apply cleanup" {
		t.Fatalf("ops = %s (wave 2 must not be applied)", got)
	}
}

func TestStepHooksAndDeletePolicies(t *testing.T) {
	c := newFake()
	h := map[string]health.Code{}
	// An old instance of the BeforeHookCreation hook exists from a
	// previous sync.
	old := hook("Job", "migrate", "PreSync", "", "")
	c.live[object.KeyOf(old)] = old
	tasks := Plan(
		[]*unstructured.Unstructured{obj("Deployment", "web", "")},
		[]*unstructured.Unstructured{
			hook("Job", "migrate", "PreSync", "", ""),
			hook("Job", "smoke", "PostSync", "HookSucceeded", ""),
			hook("Job", "keep", "PostSync", "HookFailed", ""),
			hook("Job", "skipped", "Skip", "", ""),
		}, nil, PlanOptions{})
	p := Progress{}
	opts := Options{OperationID: "op2", Health: healthBy(h)}
	var out Outcome
	var states []string
	for i := 0; i < 8 && out.State != Succeeded; i++ {
		out, _ = Step(context.Background(), c, tasks, p, opts)
		states = append(states, out.Message)
	}
	if out.State != Succeeded {
		t.Fatalf("outcome %+v", out)
	}
	// The step in which the hooks end persists that before any of them
	// is deleted for its policy.
	if n := len(states); n < 2 || states[n-2] != "successfully synced, deleting hooks" {
		t.Fatalf("steps %q, want the hooks deleted one step after they ended", states)
	}
	want := "delete migrate,apply migrate,apply web,apply keep,apply smoke,delete smoke"
	if got := strings.Join(c.ops, ","); got != want {
		t.Fatalf("ops\n got %s\nwant %s", got, want)
	}
	var left []string
	for k := range c.live {
		if k.Kind == "Job" {
			left = append(left, k.Name)
		}
	}
	if got := strings.Join(sortedCopy(left), ","); got != "keep,migrate" {
		t.Errorf("jobs left = %s, want keep,migrate", got)
	}
}

func TestStepResumesWithoutRunningHooksTwice(t *testing.T) {
	c := newFake()
	h := map[string]health.Code{"migrate": health.Progressing}
	tasks := Plan([]*unstructured.Unstructured{obj("ConfigMap", "cm", "")},
		[]*unstructured.Unstructured{hook("Job", "migrate", "PreSync", "", "")}, nil, PlanOptions{})
	p := Progress{}
	opts := Options{OperationID: "op3", Health: healthBy(h)}
	if out, _ := Step(context.Background(), c, tasks, p, opts); out.State != Running {
		t.Fatalf("outcome %+v", out)
	}
	// A restart that lost the progress (crash before it was persisted)
	// adopts the hook this operation created.
	lost := Progress{}
	if out, _ := Step(context.Background(), c, tasks, lost, opts); out.State != Running {
		t.Fatalf("outcome %+v", out)
	}
	h["migrate"] = health.Healthy
	if out, _ := Step(context.Background(), c, tasks, lost, opts); out.State != Succeeded {
		t.Fatalf("outcome %+v", out)
	}
	if n := strings.Count(strings.Join(c.ops, ","), "apply migrate"); n != 1 {
		t.Fatalf("hook created %d times: %v", n, c.ops)
	}
}

func TestStepPrune(t *testing.T) {
	c := newFake()
	keep := obj("ConfigMap", "keep", "")
	keep.SetAnnotations(map[string]string{SyncOptionsAnnotation: "Prune=false"})
	last := obj("ConfigMap", "last", "")
	last.SetAnnotations(map[string]string{SyncOptionsAnnotation: "PruneLast=true"})
	prunable := []*unstructured.Unstructured{obj("ConfigMap", "w0", ""), obj("ConfigMap", "w5", "5"), keep, last}
	for _, u := range prunable {
		c.live[object.KeyOf(u)] = u
	}
	tasks := Plan([]*unstructured.Unstructured{obj("ConfigMap", "desired", "")}, nil, prunable, PlanOptions{})
	p := Progress{}
	out, err := Step(context.Background(), c, tasks, p, Options{Prune: true, OperationID: "op4", Health: healthBy(nil)})
	if err != nil || out.State != Succeeded {
		t.Fatalf("outcome %+v %v", out, err)
	}
	// Argo CD's order: prune waves mirrored (w5's object in wave 0, w0's
	// in wave 5), a wave's prunes before its applies, PruneLast after the
	// last wave.
	if got := strings.Join(c.ops, ","); got != "delete w5,apply desired,delete w0,delete last" {
		t.Fatalf("ops = %s", got)
	}
	if r := p[TaskID(Sync, false, true, object.KeyOf(keep))]; r == nil || r.Code != PruneSkipped {
		t.Fatalf("Prune=false object: %+v", r)
	}
	// Without prune every prune is skipped.
	c2 := newFake()
	p2 := Progress{}
	if _, err := Step(context.Background(), c2, tasks, p2, Options{OperationID: "op5", Health: healthBy(nil)}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(c2.ops, ","), "delete") {
		t.Fatalf("pruned without prune: %v", c2.ops)
	}
}

// TestStepPruneWaitsForDeletion holds a pruned object (a finalizer) and
// shows the next wave does not start until it is gone.
func TestStepPruneWaitsForDeletion(t *testing.T) {
	c := newFake()
	c.finalized = map[string]bool{"old": true}
	old := obj("ConfigMap", "old", "")
	c.live[object.KeyOf(old)] = old
	tasks := Plan([]*unstructured.Unstructured{obj("ConfigMap", "first", ""), obj("ConfigMap", "next", "1")},
		nil, []*unstructured.Unstructured{old}, PlanOptions{})
	p := Progress{}
	opts := Options{Prune: true, OperationID: "op7", Health: healthBy(nil)}
	for range 2 {
		out, err := Step(context.Background(), c, tasks, p, opts)
		if err != nil || out.State != Running || out.Message != "Sync wave 0: waiting for deletion of ConfigMap old" {
			t.Fatalf("outcome %+v %v, want Running while old is being deleted", out, err)
		}
	}
	if got := strings.Join(c.ops, ","); got != "delete old" {
		t.Fatalf("ops while the prune is held = %s, want the delete alone (once), nothing of the wave applied", got)
	}
	delete(c.live, object.KeyOf(old)) // the finalizer is done
	out, err := Step(context.Background(), c, tasks, p, opts)
	if err != nil || out.State != Succeeded {
		t.Fatalf("outcome %+v %v", out, err)
	}
	if got := strings.Join(c.ops, ","); got != "delete old,apply first,apply next" {
		t.Fatalf("ops = %s", got)
	}
}

func TestPruneWaves(t *testing.T) {
	last := obj("ConfigMap", "last", "-3")
	last.SetAnnotations(map[string]string{SyncOptionsAnnotation: "PruneLast=true", WaveAnnotation: "-3"})
	prunable := []*unstructured.Unstructured{obj("ConfigMap", "p-2", "-2"), obj("ConfigMap", "p1", "1"), obj("ConfigMap", "p4", "4"), obj("Deployment", "p4d", "4"), last}
	tasks := Plan([]*unstructured.Unstructured{obj("ConfigMap", "a2", "2")}, nil, prunable, PlanOptions{})
	var got []string
	for _, tk := range tasks {
		kind := "apply"
		if tk.Prune {
			kind = "prune"
		}
		got = append(got, fmt.Sprintf("%d:%s %s", tk.Wave, kind, tk.Obj.GetName()))
	}
	// distinct prune waves -3 -2 1 4 mirror to 4 1 -2 -3; the last Sync
	// wave is then 4, so PruneLast goes to 5. Within a wave prunes come
	// first, in reverse kind order (the Deployment before the ConfigMap).
	want := "-3:prune p4d,-3:prune p4,-2:prune p1,1:prune p-2,2:apply a2,5:prune last"
	if strings.Join(got, ",") != want {
		t.Errorf("tasks = %s\nwant    %s", strings.Join(got, ","), want)
	}
}

func TestStepApplyErrorFails(t *testing.T) {
	c := newFake()
	c.failOn = "bad"
	tasks := Plan([]*unstructured.Unstructured{obj("ConfigMap", "bad", ""), obj("ConfigMap", "good", "1")}, nil, nil, PlanOptions{})
	out, _ := Step(context.Background(), c, tasks, Progress{}, Options{OperationID: "op6", Health: healthBy(nil)})
	if out.State != Failed || !strings.Contains(out.Message, "admission denied") {
		t.Fatalf("outcome %+v", out)
	}
	if strings.Contains(strings.Join(c.ops, ","), "apply good") {
		t.Fatalf("later wave applied after a failure: %v", c.ops)
	}
}

func TestPlanHooks(t *testing.T) {
	helmPre := obj("Job", "helm-pre", "")
	helmPre.SetAnnotations(map[string]string{"helm.sh/hook": "pre-install,pre-upgrade", "helm.sh/hook-weight": "-5", "helm.sh/hook-delete-policy": "hook-succeeded"})
	helmTest := obj("Pod", "helm-test", "")
	helmTest.SetAnnotations(map[string]string{"helm.sh/hook": "test"})
	both := hook("Job", "both", "PreSync,PostSync", "", "")
	tasks := Plan(nil, []*unstructured.Unstructured{helmPre, helmTest, both}, nil, PlanOptions{})
	var got []string
	for _, tk := range tasks {
		got = append(got, string(tk.Phase)+"/"+tk.Obj.GetName())
	}
	if strings.Join(got, ",") != "PreSync/helm-pre,PreSync/both,PostSync/both" {
		t.Fatalf("tasks = %v", got)
	}
	if tasks[0].Wave != -5 {
		t.Errorf("helm hook weight not used as wave: %d", tasks[0].Wave)
	}
	if p := DeletePolicies(helmPre); len(p) != 1 || p[0] != PolicyHookSucceeded {
		t.Errorf("helm delete policy = %v", p)
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// TestStepHookDeletionSurvivesReplay replays the last step from the
// progress persisted before it, as a controller killed right after
// deleting a HookSucceeded hook does: the hook is gone, and the operation
// still succeeds instead of finding "hook was deleted before it finished".
func TestStepHookDeletionSurvivesReplay(t *testing.T) {
	c := newFake()
	tasks := Plan(nil, []*unstructured.Unstructured{hook("Job", "smoke", "PostSync", "HookSucceeded", "")}, nil, PlanOptions{})
	p := Progress{}
	opts := Options{OperationID: "op9", Health: healthBy(nil)}
	for range 3 {
		if out, _ := Step(context.Background(), c, tasks, p, opts); out.Message == "successfully synced, deleting hooks" {
			break
		}
	}
	if len(c.live) != 1 {
		t.Fatalf("live %v: the hook was deleted in the step that saw it end", c.live)
	}
	persisted := Progress{}
	for id, r := range p {
		cp := *r
		persisted[id] = &cp
	}
	out, err := Step(context.Background(), c, tasks, p, opts) // deletes the hook, then "dies"
	if err != nil || out.State != Succeeded || len(c.live) != 0 {
		t.Fatalf("outcome %+v %v, live %v: want Succeeded with the hook deleted", out, err, c.live)
	}
	out, err = Step(context.Background(), c, tasks, persisted, opts) // the successor replays it
	if err != nil || out.State != Succeeded {
		t.Fatalf("replayed step %+v %v, want Succeeded", out, err)
	}
}
