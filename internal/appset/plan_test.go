package appset

import (
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
)

func planSet(t *testing.T, manifest string) *v1alpha1.ApplicationSet {
	t.Helper()
	set := &v1alpha1.ApplicationSet{}
	if err := yaml.UnmarshalStrict([]byte(manifest), set); err != nil {
		t.Fatal(err)
	}
	if set.Namespace == "" {
		set.Namespace = "argocd"
	}
	set.UID = "set-uid"
	return set
}

func newApp(name, path string) v1alpha1.Application {
	a := v1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "argocd"}}
	a.Spec.Project = "default"
	a.Spec.Source = &v1alpha1.ApplicationSource{RepoURL: "https://git.example/apps", Path: path}
	return a
}

// ownedBy is a's live form as the set wrote it earlier.
func ownedBy(set *v1alpha1.ApplicationSet, a v1alpha1.Application) v1alpha1.Application {
	return *Desired(set, &a)
}

func names(apps []*v1alpha1.Application) string {
	var out []string
	for _, a := range apps {
		out = append(out, a.Name)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func updated(p *Plan) string {
	var out []string
	for _, c := range p.Update {
		out = append(out, c.Desired.Name)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

const basicSet = `
metadata: {name: guestbook}
spec:
  generators: [{list: {elements: []}}]
  template: {metadata: {}, spec: {project: default, destination: {}}}
`

func TestMakePlanPolicies(t *testing.T) {
	cases := []struct {
		name, policy                 string
		wantCreate, wantUpd, wantDel string
	}{
		{"sync", "", "c", "b", "d"},
		{"create-only", "create-only", "c", "", ""},
		{"create-update", "create-update", "c", "b", ""},
		{"create-delete", "create-delete", "c", "", "d"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := basicSet
			if tc.policy != "" {
				m += "  syncPolicy: {applicationsSync: " + tc.policy + "}\n"
			}
			set := planSet(t, m)
			existing := []v1alpha1.Application{ownedBy(set, newApp("a", "a")), ownedBy(set, newApp("b", "old")), ownedBy(set, newApp("d", "d"))}
			p, err := MakePlan(PlanInput{Set: set, Existing: existing, Generated: []v1alpha1.Application{newApp("a", "a"), newApp("b", "new"), newApp("c", "c")}})
			if err != nil {
				t.Fatal(err)
			}
			if got := names(p.Create); got != tc.wantCreate {
				t.Errorf("create %q, want %q", got, tc.wantCreate)
			}
			if got := updated(p); got != tc.wantUpd {
				t.Errorf("update %q, want %q", got, tc.wantUpd)
			}
			if got := names(p.Delete); got != tc.wantDel {
				t.Errorf("delete %q, want %q", got, tc.wantDel)
			}
		})
	}
}

func TestMakePlanAdoptsAndRefuses(t *testing.T) {
	set := planSet(t, basicSet)
	other := planSet(t, strings.Replace(basicSet, "guestbook", "other", 1))
	other.UID = "other-uid"
	unowned := newApp("free", "old")
	theirs := ownedBy(other, newApp("taken", "x"))
	p, err := MakePlan(PlanInput{Set: set, Existing: []v1alpha1.Application{unowned, theirs},
		Generated: []v1alpha1.Application{newApp("free", "new"), newApp("taken", "y")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Update) != 1 || p.Update[0].Desired.Name != "free" || !Owns(set, p.Update[0].Desired) {
		t.Fatalf("the unowned Application is not adopted: %+v", p.Update)
	}
	if msg := p.Invalid["taken"]; !strings.Contains(msg, "owned by ApplicationSet other") {
		t.Errorf("taken: %q", msg)
	}
	if len(p.Delete) != 0 {
		t.Errorf("deleted %s", names(p.Delete))
	}
}

func TestMakePlanInvalidAppsAreKept(t *testing.T) {
	set := planSet(t, basicSet)
	existing := []v1alpha1.Application{ownedBy(set, newApp("bad", "x")), ownedBy(set, newApp("dup", "x"))}
	validate := func(a *v1alpha1.Application) error {
		if a.Name == "bad" {
			return errors.New("application references project nope which does not exist")
		}
		return nil
	}
	p, err := MakePlan(PlanInput{Set: set, Existing: existing, Validate: validate,
		Generated: []v1alpha1.Application{newApp("bad", "y"), newApp("dup", "x"), newApp("dup", "z")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Delete) != 0 || len(p.Create) != 0 || len(p.Update) != 0 {
		t.Errorf("invalid apps were written or deleted: %+v", p)
	}
	if !strings.Contains(p.Invalid["dup"], "duplicate name: dup") || !strings.Contains(p.Invalid["bad"], "project nope") {
		t.Errorf("invalid = %v", p.Invalid)
	}
}

func TestDesiredFinalizers(t *testing.T) {
	cases := []struct {
		name, syncPolicy string
		template         []string
		want             []string
	}{
		{"default adds the resources finalizer", "", nil, []string{ResourcesFinalizer}},
		{"preserveResourcesOnDeletion adds none", "{preserveResourcesOnDeletion: true}", nil, nil},
		{"the template's own win", "", []string{"custom"}, []string{"custom"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := basicSet
			if tc.syncPolicy != "" {
				m += "  syncPolicy: " + tc.syncPolicy + "\n"
			}
			g := newApp("a", "a")
			g.Finalizers = tc.template
			got := Desired(planSet(t, m), &g)
			if !slices.Equal(got.Finalizers, tc.want) {
				t.Errorf("finalizers %v, want %v", got.Finalizers, tc.want)
			}
			if got.Namespace != "argocd" || !Owns(planSet(t, m), got) {
				t.Errorf("not in the set's namespace or not owned: %s %v", got.Namespace, got.OwnerReferences)
			}
		})
	}
}

func TestMakePlanPreservesAndIgnores(t *testing.T) {
	set := planSet(t, basicSet+`  preservedFields: {annotations: [keep-me], labels: [team]}
  ignoreApplicationDifferences:
  - jsonPointers: [/spec/source/targetRevision]
`)
	live := ownedBy(set, newApp("a", "a"))
	live.Annotations = map[string]string{"keep-me": "live", "drop-me": "live", "argocd.argoproj.io/refresh": "hard"}
	live.Labels = map[string]string{"team": "live-team"}
	live.Finalizers = append(live.Finalizers, "pre-delete-finalizer.argocd.argoproj.io")
	live.Spec.Source.TargetRevision = "hotfix"
	gen := newApp("a", "a")
	gen.Spec.Source.TargetRevision = "main"
	p, err := MakePlan(PlanInput{Set: set, Existing: []v1alpha1.Application{live}, Generated: []v1alpha1.Application{gen}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Update) != 1 {
		t.Fatalf("want one update, got %+v", p)
	}
	want := p.Update[0].Desired
	if want.Annotations["keep-me"] != "live" || want.Annotations["argocd.argoproj.io/refresh"] != "hard" || want.Annotations["drop-me"] != "" {
		t.Errorf("annotations %v", want.Annotations)
	}
	if want.Labels["team"] != "live-team" {
		t.Errorf("labels %v", want.Labels)
	}
	if !slices.Contains(want.Finalizers, "pre-delete-finalizer.argocd.argoproj.io") {
		t.Errorf("finalizers %v", want.Finalizers)
	}
	if want.Spec.Source.TargetRevision != "hotfix" {
		t.Errorf("ignored targetRevision overwritten: %q", want.Spec.Source.TargetRevision)
	}
}

func TestMaxDeletionsGuard(t *testing.T) {
	cases := []struct {
		annotation, confirm string
		wantHeld            bool
		wantErr             string
	}{
		{annotation: "2", wantHeld: false},
		{annotation: "1", wantHeld: true},
		{annotation: "50%", wantHeld: false}, // 2 of 4 owned
		{annotation: "25%", wantHeld: true},
		{annotation: "1", confirm: "wrong", wantHeld: true},
		{annotation: "ten", wantErr: "want a number"},
		{annotation: "150%", wantErr: "want a number"},
	}
	for _, tc := range cases {
		t.Run(tc.annotation+tc.confirm, func(t *testing.T) {
			set := planSet(t, basicSet)
			set.Annotations = map[string]string{MaxDeletionsAnnotation: tc.annotation}
			if tc.confirm != "" {
				set.Annotations[ConfirmDeletionsAnnotation] = tc.confirm
			}
			var existing []v1alpha1.Application
			for _, n := range []string{"a", "b", "c", "d"} {
				existing = append(existing, ownedBy(set, newApp(n, n)))
			}
			p, err := MakePlan(PlanInput{Set: set, Existing: existing, Generated: []v1alpha1.Application{newApp("a", "a"), newApp("b", "b")}})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if held := len(p.Held) > 0; held != tc.wantHeld {
				t.Fatalf("held %v (%s), want %v", p.Held, p.HeldMessage, tc.wantHeld)
			}
			if tc.wantHeld && (len(p.Delete) != 0 || !strings.Contains(p.HeldMessage, "c, d")) {
				t.Errorf("held pass: delete %s, message %q", names(p.Delete), p.HeldMessage)
			}
			if !tc.wantHeld && names(p.Delete) != "c,d" {
				t.Errorf("delete %q", names(p.Delete))
			}
		})
	}
	// The token of the held deletions confirms exactly them.
	set := planSet(t, basicSet)
	set.Annotations = map[string]string{MaxDeletionsAnnotation: "0"}
	existing := []v1alpha1.Application{ownedBy(set, newApp("a", "a")), ownedBy(set, newApp("b", "b"))}
	p, _ := MakePlan(PlanInput{Set: set, Existing: existing})
	set.Annotations[ConfirmDeletionsAnnotation] = p.ConfirmToken
	p, _ = MakePlan(PlanInput{Set: set, Existing: existing})
	if names(p.Delete) != "a,b" {
		t.Errorf("confirmed pass deletes %q", names(p.Delete))
	}
}
