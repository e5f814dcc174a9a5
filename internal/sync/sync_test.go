package sync

import (
	"context"
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func obj(kind, name, wave string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind(kind)
	u.SetName(name)
	if wave != "" {
		u.SetAnnotations(map[string]string{WaveAnnotation: wave})
	}
	return u
}

func names(objs []*unstructured.Unstructured) string {
	var out []string
	for _, o := range objs {
		out = append(out, o.GetName())
	}
	return strings.Join(out, ",")
}

func TestSortForApply(t *testing.T) {
	objs := []*unstructured.Unstructured{
		obj("Widget", "cr", ""),
		obj("Deployment", "deploy", ""),
		obj("Service", "svc", ""),
		obj("ConfigMap", "late", "2"),
		obj("ConfigMap", "b-cm", ""),
		obj("ConfigMap", "a-cm", ""),
		obj("Namespace", "ns", ""),
		obj("CustomResourceDefinition", "crd", ""),
		obj("Job", "early", "-1"),
		obj("Secret", "bad-wave", "x"),
	}
	SortForApply(objs)
	want := "early,ns,bad-wave,a-cm,b-cm,crd,svc,deploy,cr,late"
	if got := names(objs); got != want {
		t.Fatalf("apply order\n got %s\nwant %s", got, want)
	}
	SortForPrune(objs)
	if got := names(objs); got != "late,cr,deploy,svc,crd,b-cm,a-cm,bad-wave,ns,early" {
		t.Fatalf("prune order: %s", got)
	}
}

type recorder struct {
	ops     []string
	failOn  string
	deleted []metav1.DeletionPropagation
}

func (r *recorder) Apply(_ context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	r.ops = append(r.ops, "apply "+u.GetName())
	if u.GetName() == r.failOn {
		return nil, errors.New("denied")
	}
	return u, nil
}

func (r *recorder) Delete(_ context.Context, u *unstructured.Unstructured, p metav1.DeletionPropagation) error {
	r.ops = append(r.ops, "delete "+u.GetName())
	r.deleted = append(r.deleted, p)
	return nil
}

func TestRun(t *testing.T) {
	desired := []*unstructured.Unstructured{obj("Deployment", "d", ""), obj("Namespace", "n", "")}
	prunable := []*unstructured.Unstructured{obj("ConfigMap", "old-cm", ""), obj("Service", "old-svc", "")}
	tests := []struct {
		name    string
		opts    Options
		failOn  string
		wantOps string
		wantErr bool
		codes   map[string]ResultCode
	}{
		{
			name:    "apply then prune in reverse order",
			opts:    Options{Prune: true},
			wantOps: "apply n,apply d,delete old-svc,delete old-cm",
			codes:   map[string]ResultCode{"d": Synced, "old-cm": Pruned},
		},
		{
			name:    "prune disabled skips",
			wantOps: "apply n,apply d",
			codes:   map[string]ResultCode{"old-cm": PruneSkipped},
		},
		{
			name:    "failed apply stops the sync and prunes nothing",
			opts:    Options{Prune: true},
			failOn:  "n",
			wantOps: "apply n",
			wantErr: true,
			codes:   map[string]ResultCode{"n": SyncFailed},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{failOn: tt.failOn}
			results, err := Run(context.Background(), r, desired, prunable, tt.opts)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if got := strings.Join(r.ops, ","); got != tt.wantOps {
				t.Fatalf("ops = %s, want %s", got, tt.wantOps)
			}
			byName := map[string]ResultCode{}
			for _, res := range results {
				byName[res.Key.Name] = res.Code
			}
			for name, code := range tt.codes {
				if byName[name] != code {
					t.Errorf("%s: %s, want %s", name, byName[name], code)
				}
			}
			for _, p := range r.deleted {
				if p != metav1.DeletePropagationForeground {
					t.Errorf("propagation %s, want foreground", p)
				}
			}
		})
	}
}
