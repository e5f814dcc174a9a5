package syncmodel_test

import (
	"context"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/health"
	"flotilla.dev/flotilla/internal/object"
)

// fakeCluster serves live objects from a map; its dry-run predicts the
// desired object unchanged, or fails with the error set for its key.
type fakeCluster struct {
	live      map[object.Key]*unstructured.Unstructured
	dryRunErr map[object.Key]error
	unknown   bool // every Get fails with apply.ErrUnknownKind
	gets      int
	modes     []apply.Mode
}

func (f *fakeCluster) Get(_ context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	f.gets++
	if f.unknown {
		return nil, apply.ErrUnknownKind
	}
	if l := f.live[object.KeyOf(u)]; l != nil {
		return l.DeepCopy(), nil
	}
	return nil, nil
}

func (f *fakeCluster) DryRunWith(_ context.Context, u *unstructured.Unstructured, m apply.Mode) (*unstructured.Unstructured, error) {
	f.modes = append(f.modes, m)
	if err := f.dryRunErr[object.KeyOf(u)]; err != nil {
		return nil, err
	}
	return u.DeepCopy(), nil
}

// fakeMemo answers from a fixed set of in-sync keys and records calls.
type fakeMemo struct {
	synced     map[object.Key]bool
	remembered []object.Key
	forgotten  []object.Key
}

func (m *fakeMemo) Synced(_ context.Context, u *unstructured.Unstructured) (health.Status, bool) {
	return health.Status{Code: health.Healthy}, m.synced[object.KeyOf(u)]
}
func (m *fakeMemo) Absent(context.Context, *unstructured.Unstructured) bool { return false }
func (m *fakeMemo) StatusOnly(context.Context, *unstructured.Unstructured, *unstructured.Unstructured) bool {
	return false
}
func (m *fakeMemo) Remember(u, _ *unstructured.Unstructured, _ health.Status) {
	m.remembered = append(m.remembered, object.KeyOf(u))
}
func (m *fakeMemo) Forget(u *unstructured.Unstructured) {
	m.forgotten = append(m.forgotten, object.KeyOf(u))
}

// healthy assesses every object Healthy.
type healthy struct{}

func (healthy) Assess(*unstructured.Unstructured) health.Status {
	return health.Status{Code: health.Healthy}
}

// obj decodes one YAML object.
func obj(s string) *unstructured.Unstructured {
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		panic(err)
	}
	return &unstructured.Unstructured{Object: m}
}

func cluster(live ...*unstructured.Unstructured) *fakeCluster {
	f := &fakeCluster{live: map[object.Key]*unstructured.Unstructured{}, dryRunErr: map[object.Key]error{}}
	for _, l := range live {
		f.live[object.KeyOf(l)] = l
	}
	return f
}
