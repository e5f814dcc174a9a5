package sync

import (
	"context"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/internal/health"
)

func helmHook(name, hooks, policy string) *unstructured.Unstructured {
	u := obj("Job", name, "")
	ann := map[string]string{"helm.sh/hook": hooks}
	if policy != "" {
		ann["helm.sh/hook-delete-policy"] = policy
	}
	u.SetAnnotations(ann)
	return u
}

func TestDeleteHooksAreNeverPlannedInASync(t *testing.T) {
	hooks := []*unstructured.Unstructured{
		hook("Job", "pre-delete", "PreDelete", "", ""),
		hook("Job", "post-delete", "PostDelete", "", ""),
		helmHook("helm-pre-delete", "pre-delete", ""),
		helmHook("helm-post-delete", "post-delete", ""),
		hook("Job", "both", "PreSync,PreDelete", "", ""),
	}
	var got []string
	for _, tk := range Plan(nil, hooks, nil, PlanOptions{}) {
		got = append(got, string(tk.Phase)+"/"+tk.Obj.GetName())
	}
	if strings.Join(got, ",") != "PreSync/both" {
		t.Fatalf("tasks = %v, want only the PreSync run of both", got)
	}
	for _, tc := range []struct {
		u     *unstructured.Unstructured
		phase Phase
	}{{hooks[0], PreDelete}, {hooks[1], PostDelete}, {hooks[2], PreDelete}, {hooks[3], PostDelete}, {hooks[4], PreDelete}} {
		if !IsDeleteHook(tc.u, tc.phase) {
			t.Errorf("%s is not a %s hook", tc.u.GetName(), tc.phase)
		}
	}
	if IsDeleteHook(hooks[0], PostDelete) || IsDeleteHook(hooks[4], PostDelete) {
		t.Error("a PreDelete hook taken for a PostDelete one")
	}
}

func TestCheckHookPhasesNamesUnknownPhases(t *testing.T) {
	typo := hook("Job", "migrate", "PreSynch", "", "")
	typo.SetNamespace("shop")
	known := []*unstructured.Unstructured{
		hook("Job", "a", "PreSync,PostSync", "", ""), hook("Job", "b", "Skip", "", ""),
		hook("Job", "c", "PreDelete", "", ""), hook("Job", "d", "SyncFail", "", ""),
		helmHook("e", "test", ""), helmHook("f", "pre-rollback", ""),
	}
	if err := CheckHookPhases(known); err != nil {
		t.Fatalf("known phases refused: %v", err)
	}
	err := CheckHookPhases(append(known, typo))
	if err == nil || !strings.Contains(err.Error(), `Job shop/migrate: unknown hook phase "PreSynch"`) {
		t.Fatalf("error = %v, want it to name the Job and the phase", err)
	}
	if len(HookPhases(typo)) != 0 {
		t.Errorf("a hook of an unknown phase got phases %v", HookPhases(typo))
	}
}

func TestStepHookFailedPolicyDeletesOnlyFailedHooks(t *testing.T) {
	c := newFake()
	h := map[string]health.Code{"fails": health.Degraded, "fails-kept": health.Degraded}
	tasks := Plan(nil, []*unstructured.Unstructured{
		hook("Job", "fails", "PreSync", "HookFailed", ""),
		hook("Job", "fails-kept", "PreSync", "HookSucceeded", ""),
		hook("Job", "ok", "PreSync", "HookFailed", ""),
	}, nil, PlanOptions{})
	p := Progress{}
	opts := Options{OperationID: "op7", Health: healthBy(h)}
	out, err := Step(context.Background(), c, tasks, p, opts)
	if err != nil || out.State != Running || strings.Contains(strings.Join(c.ops, ","), "delete") {
		t.Fatalf("first step %+v %v (ops %v), want Running with no hook deleted before the failure is persisted", out, err, c.ops)
	}
	out, err = Step(context.Background(), c, tasks, p, opts)
	if err != nil || out.State != Failed || !strings.Contains(out.Message, "Job fails failed") {
		t.Fatalf("outcome %+v %v, want Failed naming the failed hook", out, err)
	}
	ops := strings.Join(c.ops, ",")
	if !strings.Contains(ops, "delete fails") {
		t.Errorf("the failed HookFailed hook was not deleted: %s", ops)
	}
	if strings.Contains(ops, "delete fails-kept") || strings.Contains(ops, "delete ok,") || strings.HasSuffix(ops, "delete ok") {
		t.Errorf("a hook was deleted against its policy: %s", ops)
	}
}

func TestRetryAttemptRecreatesHook(t *testing.T) {
	c := newFake()
	h := map[string]health.Code{"migrate": health.Degraded}
	tasks := Plan(nil, []*unstructured.Unstructured{hook("Job", "migrate", "PreSync", "", "")}, nil, PlanOptions{})
	if out, _ := Step(context.Background(), c, tasks, Progress{}, Options{OperationID: "op8", Health: healthBy(h)}); out.State != Failed {
		t.Fatalf("first attempt %+v, want Failed", out)
	}
	// The retry is a new attempt: its id differs, so the failed hook is
	// deleted (BeforeHookCreation) and created again, not adopted.
	h["migrate"] = health.Healthy
	p := Progress{}
	opts := Options{OperationID: "op8-attempt-2", Health: healthBy(h)}
	var out Outcome
	for i := 0; i < 3 && out.State != Succeeded; i++ {
		out, _ = Step(context.Background(), c, tasks, p, opts)
	}
	if out.State != Succeeded {
		t.Fatalf("retry %+v", out)
	}
	if got := strings.Join(c.ops, ","); got != "apply migrate,delete migrate,apply migrate" {
		t.Fatalf("ops = %s", got)
	}
}
