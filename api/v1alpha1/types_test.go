package v1alpha1

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestApplicationSpecSources(t *testing.T) {
	single := ApplicationSource{RepoURL: "https://example.com/single.git"}
	first := ApplicationSource{RepoURL: "https://example.com/first.git"}
	second := ApplicationSource{RepoURL: "https://example.com/second.git", Ref: "values"}
	tests := []struct {
		name     string
		spec     ApplicationSpec
		sources  ApplicationSources
		source   ApplicationSource
		multiple bool
	}{
		{
			name:    "neither",
			spec:    ApplicationSpec{},
			sources: ApplicationSources{},
		},
		{
			name:    "source only",
			spec:    ApplicationSpec{Source: &single},
			sources: ApplicationSources{single},
			source:  single,
		},
		{
			name:     "sources only",
			spec:     ApplicationSpec{Sources: ApplicationSources{first, second}},
			sources:  ApplicationSources{first, second},
			source:   first,
			multiple: true,
		},
		{
			name:     "sources win over source",
			spec:     ApplicationSpec{Source: &single, Sources: ApplicationSources{first}},
			sources:  ApplicationSources{first},
			source:   first,
			multiple: true,
		},
		{
			name:    "empty sources fall back to source",
			spec:    ApplicationSpec{Source: &single, Sources: ApplicationSources{}},
			sources: ApplicationSources{single},
			source:  single,
		},
		{
			name: "hydrator gives the sync source",
			spec: ApplicationSpec{Sources: ApplicationSources{first}, SourceHydrator: &SourceHydrator{
				DrySource:  DrySource{RepoURL: "https://example.com/dry.git", TargetRevision: "HEAD", Path: "dry"},
				SyncSource: SyncSource{TargetBranch: "env/prod", Path: "hydrated"},
			}},
			sources: ApplicationSources{{RepoURL: "https://example.com/dry.git", Path: "hydrated", TargetRevision: "env/prod"}},
			source:  ApplicationSource{RepoURL: "https://example.com/dry.git", Path: "hydrated", TargetRevision: "env/prod"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.spec.GetSources(); !reflect.DeepEqual(got, tt.sources) {
				t.Errorf("GetSources() = %+v, want %+v", got, tt.sources)
			}
			if got := tt.spec.GetSource(); !reflect.DeepEqual(got, tt.source) {
				t.Errorf("GetSource() = %+v, want %+v", got, tt.source)
			}
			if got := tt.spec.HasMultipleSources(); got != tt.multiple {
				t.Errorf("HasMultipleSources() = %v, want %v", got, tt.multiple)
			}
		})
	}
}

func TestIsAutomatedSyncEnabled(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name   string
		policy *SyncPolicy
		want   bool
	}{
		{"no policy", nil, false},
		{"no automated", &SyncPolicy{}, false},
		{"automated", &SyncPolicy{Automated: &SyncPolicyAutomated{}}, true},
		{"enabled true", &SyncPolicy{Automated: &SyncPolicyAutomated{Enabled: &yes}}, true},
		{"enabled false", &SyncPolicy{Automated: &SyncPolicyAutomated{Prune: true, Enabled: &no}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.policy.IsAutomatedSyncEnabled(); got != tt.want {
				t.Errorf("IsAutomatedSyncEnabled() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSetConditions(t *testing.T) {
	old := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	now := metav1.NewTime(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC))
	existing := []ApplicationCondition{
		{Type: ApplicationConditionComparisonError, Message: "boom", LastTransitionTime: &old},
		{Type: ApplicationConditionSharedResourceWarning, Message: "shared", LastTransitionTime: &old},
	}
	evaluated := map[ApplicationConditionType]bool{
		ApplicationConditionComparisonError: true,
		ApplicationConditionSyncError:       true,
	}
	tests := []struct {
		name       string
		conditions []ApplicationCondition
		want       []ApplicationCondition
	}{
		{
			name:       "unchanged condition keeps its time, others are kept",
			conditions: []ApplicationCondition{{Type: ApplicationConditionComparisonError, Message: "boom"}},
			want: []ApplicationCondition{
				{Type: ApplicationConditionComparisonError, Message: "boom", LastTransitionTime: &old},
				{Type: ApplicationConditionSharedResourceWarning, Message: "shared", LastTransitionTime: &old},
			},
		},
		{
			name:       "changed message gets now",
			conditions: []ApplicationCondition{{Type: ApplicationConditionComparisonError, Message: "bang"}},
			want: []ApplicationCondition{
				{Type: ApplicationConditionComparisonError, Message: "bang", LastTransitionTime: &now},
				{Type: ApplicationConditionSharedResourceWarning, Message: "shared", LastTransitionTime: &old},
			},
		},
		{
			name:       "evaluated and absent is removed",
			conditions: nil,
			want: []ApplicationCondition{
				{Type: ApplicationConditionSharedResourceWarning, Message: "shared", LastTransitionTime: &old},
			},
		},
		{
			name:       "new condition is added in order",
			conditions: []ApplicationCondition{{Type: ApplicationConditionSyncError, Message: "sync failed"}},
			want: []ApplicationCondition{
				{Type: ApplicationConditionSharedResourceWarning, Message: "shared", LastTransitionTime: &old},
				{Type: ApplicationConditionSyncError, Message: "sync failed", LastTransitionTime: &now},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status := ApplicationStatus{Conditions: append([]ApplicationCondition(nil), existing...)}
			status.SetConditions(tt.conditions, evaluated, now)
			if !reflect.DeepEqual(status.Conditions, tt.want) {
				t.Errorf("conditions = %+v, want %+v", status.Conditions, tt.want)
			}
		})
	}
}

func TestApplicationConditionIsError(t *testing.T) {
	for conditionType, want := range map[ApplicationConditionType]bool{
		ApplicationConditionComparisonError:         true,
		ApplicationConditionInvalidSpecError:        true,
		ApplicationConditionOrphanedResourceWarning: false,
	} {
		if got := (ApplicationCondition{Type: conditionType}).IsError(); got != want {
			t.Errorf("%s: IsError() = %v, want %v", conditionType, got, want)
		}
	}
}

func TestOperationPhaseCompleted(t *testing.T) {
	for phase, want := range map[OperationPhase]bool{
		OperationRunning:     false,
		OperationTerminating: false,
		OperationFailed:      true,
		OperationError:       true,
		OperationSucceeded:   true,
	} {
		if got := phase.Completed(); got != want {
			t.Errorf("%s: Completed() = %v, want %v", phase, got, want)
		}
	}
}

func TestPluginParameterKeepsPresentButEmpty(t *testing.T) {
	s := "v"
	tests := []struct {
		name  string
		param ApplicationSourcePluginParameter
		want  string
	}{
		{"string", ApplicationSourcePluginParameter{Name: "a", String_: &s}, `{"name":"a","string":"v"}`},
		{"nil map is {}", ApplicationSourcePluginParameter{Name: "m", OptionalMap: &OptionalMap{}}, `{"map":{},"name":"m"}`},
		{"nil array is []", ApplicationSourcePluginParameter{Name: "l", OptionalArray: &OptionalArray{}}, `{"array":[],"name":"l"}`},
		{"absent stays absent", ApplicationSourcePluginParameter{Name: "n"}, `{"name":"n"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(tt.param)
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != tt.want {
				t.Errorf("marshal = %s, want %s", data, tt.want)
			}
			var back ApplicationSourcePluginParameter
			if err := json.Unmarshal(data, &back); err != nil {
				t.Fatal(err)
			}
			if (back.OptionalMap != nil) != (tt.param.OptionalMap != nil) || (back.OptionalArray != nil) != (tt.param.OptionalArray != nil) {
				t.Errorf("unmarshal lost presence: %+v", back)
			}
		})
	}
}

func TestEmptyStructFieldsAreLeftOut(t *testing.T) {
	app := Application{
		TypeMeta:   metav1.TypeMeta{APIVersion: SchemeGroupVersion.String(), Kind: ApplicationKind},
		ObjectMeta: metav1.ObjectMeta{Name: "a"},
		Spec:       ApplicationSpec{Project: "default", Source: &ApplicationSource{RepoURL: "r", Directory: &ApplicationSourceDirectory{Recurse: true}}},
	}
	data, err := json.Marshal(app)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"kind":"Application","apiVersion":"argoproj.io/v1alpha1","metadata":{"name":"a"},` +
		`"spec":{"source":{"repoURL":"r","directory":{"recurse":true}},"destination":{},"project":"default"}}`
	if string(data) != want {
		t.Errorf("marshal =\n%s\nwant\n%s", data, want)
	}
}

func TestRichApplicationDecodesIntoTypes(t *testing.T) {
	var app Application
	loadTestdata(t, "application-full.yaml", &app)

	if !app.Spec.HasMultipleSources() || len(app.Spec.GetSources()) != 5 {
		t.Errorf("want 5 sources, got %d", len(app.Spec.GetSources()))
	}
	if app.Spec.RevisionHistoryLimit == nil || *app.Spec.RevisionHistoryLimit != 0 {
		t.Errorf("revisionHistoryLimit 0 must stay set, got %v", app.Spec.RevisionHistoryLimit)
	}
	if app.Spec.SyncPolicy.IsAutomatedSyncEnabled() {
		t.Error("automated.enabled: false must disable automated sync")
	}
	var values map[string]any
	if err := json.Unmarshal(app.Spec.Source.Helm.ValuesObject.Raw, &values); err != nil {
		t.Fatalf("valuesObject: %v", err)
	}
	if values["image"].(map[string]any)["tag"] != "1.27" {
		t.Errorf("valuesObject image tag = %v", values["image"])
	}
	replicas := app.Spec.Sources[2].Kustomize.Replicas
	if replicas[0].Count != intstr.FromInt32(3) || replicas[1].Count != intstr.FromString("2") {
		t.Errorf("kustomize replicas = %+v", replicas)
	}
	if target := app.Spec.Sources[2].Kustomize.Patches[0].Target; target.Kind != "Deployment" || target.Name != "web" || target.LabelSelector != "app=web" {
		t.Errorf("kustomize patch target = %+v", target)
	}
	params := app.Spec.Sources[4].Plugin.Parameters
	if params[3].OptionalArray == nil || params[3].Array == nil || len(params[3].Array) != 0 {
		t.Errorf("empty array parameter lost: %+v", params[3])
	}
	if app.Operation == nil || app.Operation.Sync == nil || !app.Operation.DryRun() || !app.Operation.Sync.SyncStrategy.Force() {
		t.Errorf("operation = %+v", app.Operation)
	}
	state := app.Status.OperationState
	if state == nil || state.Phase != OperationSucceeded || state.SyncResult.Resources[1].HookType != HookTypePreSync {
		t.Errorf("operationState = %+v", state)
	}
	if last, ok := app.Status.History.LastRevisionHistory(); !ok || last.ID != 1 || last.InitiatedBy.Username != "admin" {
		t.Errorf("last history = %+v", last)
	}
	if got := app.Status.GetRevisions(); len(got) != 2 {
		t.Errorf("GetRevisions() = %v", got)
	}
	if app.Status.Health.Status != HealthStatusProgressing || app.Status.Sync.Status != SyncStatusCodeOutOfSync {
		t.Errorf("health/sync = %v/%v", app.Status.Health.Status, app.Status.Sync.Status)
	}
}

func TestRichApplicationSetNestedGenerators(t *testing.T) {
	var appset ApplicationSet
	loadTestdata(t, "applicationset-full.yaml", &appset)

	matrix := appset.Spec.Generators[3].Matrix
	if matrix == nil || len(matrix.Generators) != 2 || matrix.Generators[0].Clusters == nil {
		t.Fatalf("matrix generator = %+v", matrix)
	}
	merge, err := ToNestedMergeGenerator(matrix.Generators[1].Merge)
	if err != nil {
		t.Fatal(err)
	}
	if len(merge.Generators) != 2 || merge.Generators[0].List == nil || merge.Generators[1].Git == nil || merge.MergeKeys[0] != "app" {
		t.Errorf("nested merge = %+v", merge)
	}
	if converted := merge.ToMergeGenerator(); len(converted.Generators) != 2 || converted.Generators[1].Git.Revision != "main" {
		t.Errorf("ToMergeGenerator() = %+v", converted)
	}

	topMerge := appset.Spec.Generators[4].Merge
	nestedMatrix, err := ToNestedMatrixGenerator(topMerge.Generators[2].Matrix)
	if err != nil {
		t.Fatal(err)
	}
	if len(nestedMatrix.Generators) != 2 || nestedMatrix.Generators[0].Git == nil || nestedMatrix.Generators[1].List == nil {
		t.Errorf("nested matrix = %+v", nestedMatrix)
	}
	if none, err := ToNestedMatrixGenerator(nil); none != nil || err != nil {
		t.Errorf("ToNestedMatrixGenerator(nil) = %v, %v", none, err)
	}

	if !appset.Spec.GoTemplate || appset.Spec.TemplatePatch == nil || appset.Spec.Template.Name != "{{.cluster}}-guestbook" {
		t.Errorf("template = %+v", appset.Spec.Template)
	}
	if policy := appset.Spec.SyncPolicy.ApplicationsSync; policy == nil || !policy.AllowUpdate() || policy.AllowDelete() {
		t.Errorf("applicationsSync = %v", policy)
	}
	steps := appset.Spec.Strategy.RollingSync.Steps
	if steps[0].MaxUpdate != nil || *steps[1].MaxUpdate != intstr.FromString("10%") || *steps[2].MaxUpdate != intstr.FromInt32(1) {
		t.Errorf("rolling sync steps = %+v", steps)
	}
}

func TestDeepCopyIsDeep(t *testing.T) {
	var app Application
	loadTestdata(t, "application-full.yaml", &app)
	copied := app.DeepCopy()
	if !reflect.DeepEqual(&app, copied) {
		t.Fatal("DeepCopy differs from the original")
	}
	copied.Spec.Sources[0].Helm.ValueFiles[0] = "changed"
	copied.Spec.Source.Helm.ValuesObject.Raw[0] = ' '
	copied.Status.OperationState.SyncResult.Resources[0].Name = "changed"
	*copied.Spec.SyncPolicy.Automated.Enabled = true
	if app.Spec.Sources[0].Helm.ValueFiles[0] == "changed" ||
		app.Spec.Source.Helm.ValuesObject.Raw[0] == ' ' ||
		app.Status.OperationState.SyncResult.Resources[0].Name == "changed" ||
		*app.Spec.SyncPolicy.Automated.Enabled {
		t.Error("changing the copy changed the original")
	}

	var appset ApplicationSet
	loadTestdata(t, "applicationset-full.yaml", &appset)
	if !reflect.DeepEqual(&appset, appset.DeepCopy()) {
		t.Error("ApplicationSet DeepCopy differs from the original")
	}
	var project AppProject
	loadTestdata(t, "appproject-full.yaml", &project)
	if !reflect.DeepEqual(&project, project.DeepCopy()) {
		t.Error("AppProject DeepCopy differs from the original")
	}
}

func TestSchemeDecodesAllKinds(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	decoder := serializer.NewCodecFactory(scheme).UniversalDeserializer()
	tests := []struct {
		file string
		gvk  string
	}{
		{"application-full.yaml", ApplicationGroupVersionKind.String()},
		{"appproject-full.yaml", AppProjectGroupVersionKind.String()},
		{"applicationset-full.yaml", ApplicationSetGroupVersionKind.String()},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := readTestdata(t, tt.file)
			obj, gvk, err := decoder.Decode(data, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if gvk.String() != tt.gvk {
				t.Errorf("gvk = %s, want %s", gvk, tt.gvk)
			}
			if _, ok := obj.(interface{ GetName() string }); !ok {
				t.Errorf("decoded %T is not an object", obj)
			}
		})
	}
	for _, list := range []runtime.Object{&ApplicationList{}, &AppProjectList{}, &ApplicationSetList{}} {
		if _, _, err := scheme.ObjectKinds(list); err != nil {
			t.Errorf("%T not registered: %v", list, err)
		}
	}
}
