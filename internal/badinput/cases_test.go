package badinput

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// layout is the kind of repository the last good revision holds at app/
// (testdata/good/<layout>): a plain directory, a Helm chart or a
// kustomization, each rendering the ConfigMaps "settings" and "keep".
type layout string

const (
	directoryLayout layout = "directory"
	helmLayout      layout = "helm"
	kustomizeLayout layout = "kustomize"
)

// flow is how a case is brought to flotilla.
type flow int

const (
	// pushed: the bad revision is pushed over the good one (the
	// Application may change with it, see badCase.app).
	pushed flow = iota
	// wrongCredentials: the repository needs basic auth and the
	// credentials given are wrong.
	wrongCredentials
	// tagGone: the tag the app tracks and its commit are removed by a
	// force-push (and the server's garbage collection).
	tagGone
	// commitGone: as tagGone, for an app pinned to the commit's SHA.
	commitGone
)

// badCase is one entry of the corpus.
type badCase struct {
	// name is the case, the Application's name and, when it exists, the
	// folder testdata/cases/<name> holding the bad revision's repository
	// (the app path is app/).
	name string
	// fault is the input at fault, for docs/bad-input.md.
	fault string
	// good is the layout of the last good revision.
	good layout
	// generate writes (more of) the bad revision into the repository
	// directory dir: what is large, or a symlink.
	generate func(t *testing.T, dir string)
	// app changes the Application along with the bad revision.
	app  func(app *v1alpha1.Application)
	flow flow
	// want are what the error must say, in `flotilla render` and in the
	// controller's condition alike.
	want []string
	// offline marks a case `flotilla render` cannot see without a
	// cluster (a kind the cluster does not serve): the render succeeds
	// and prints the object; the controller still reports want.
	offline bool
	// cached marks a case the controller does not see: it still holds
	// the commit in its cache and keeps the app as it was.
	cached bool
}

// upToRoot climbs from any checkout to the file system's root.
var upToRoot = strings.Repeat("../", 24)

var cases = []badCase{
	{
		name: "malformed-yaml", fault: "a YAML manifest with an unclosed flow sequence", good: directoryLayout,
		want: []string{"settings.yaml", "did not find expected"},
	},
	{
		name: "malformed-json", fault: "a JSON manifest cut off in the middle", good: directoryLayout,
		want: []string{"settings.json", "unexpected EOF"},
	},
	{
		name: "yaml-billion-laughs", fault: "a YAML manifest whose aliases expand to 9^9 strings", good: directoryLayout,
		generate: billionLaughs,
		want:     []string{"laughs.yaml", "excessive aliasing"},
	},
	{
		name: "yaml-deep-nesting-flow", fault: "a YAML manifest nesting 100 000 flow sequences", good: directoryLayout,
		generate: deepFlow,
		want:     []string{"deep.yaml", "exceeded max depth"},
	},
	{
		name: "yaml-deep-nesting-block", fault: "a YAML manifest nesting 150 block mappings", good: directoryLayout,
		generate: deepBlock,
		want:     []string{"deep.yaml", "nesting deeper than 100 levels"},
	},
	{
		name: "yaml-huge-document", fault: "one 50 MB YAML document", good: directoryLayout,
		generate: hugeDocument,
		want:     []string{"huge.yaml", "larger than the limit"},
	},
	{
		name: "duplicate-keys", fault: "a YAML manifest giving one key twice", good: directoryLayout,
		want: []string{"settings.yaml", `key "value" already set in map`},
	},
	{
		name: "no-kind", fault: "a manifest without kind", good: directoryLayout,
		want: []string{"settings.yaml", "object has no kind"},
	},
	{
		name: "no-apiversion", fault: "a manifest without apiVersion", good: directoryLayout,
		want: []string{"settings.yaml", "object has no apiVersion"},
	},
	{
		name: "no-name", fault: "a manifest without metadata.name", good: directoryLayout,
		want: []string{"settings.yaml", "ConfigMap has no metadata.name"},
	},
	{
		name: "unknown-kind", fault: "a kind the cluster does not serve (ConfigMapp)", good: directoryLayout,
		want: []string{"ConfigMapp"}, offline: true,
	},
	{
		name: "missing-crd", fault: "a custom resource whose CRD is not installed", good: directoryLayout,
		want: []string{"ServiceMonitor"}, offline: true,
	},
	{
		name: "helm-malformed-chart-yaml", fault: "a Chart.yaml that is not YAML", good: helmLayout,
		want: []string{"Chart.yaml", "did not find expected"},
	},
	{
		name: "helm-chart-without-name", fault: "a Chart.yaml without name", good: helmLayout,
		want: []string{"chart.metadata.name is required"},
	},
	{
		name: "helm-fail", fault: "a template calling fail", good: helmLayout,
		want: []string{"templates/settings.yaml", "set confirmed: true to render this chart"},
	},
	{
		name: "helm-required-value", fault: "a template whose required value is missing", good: helmLayout,
		want: []string{"templates/settings.yaml", "image.tag is required"},
	},
	{
		name: "helm-values-not-a-map", fault: "a chart whose values.yaml is a list", good: helmLayout,
		want: []string{"cannot load values.yaml"},
	},
	{
		name: "helm-value-file-not-a-map", fault: "a value file (valueFiles) holding a sentence", good: helmLayout,
		app:  helmValueFiles("values-prod.yaml"),
		want: []string{"parse value file app/values-prod.yaml"},
	},
	{
		name: "kustomize-cycle", fault: "a base including itself through another base", good: kustomizeLayout,
		want: []string{"base-a", "cycle"},
	},
	{
		name: "jsonnet-infinite-recursion", fault: "a jsonnet function calling itself for ever", good: directoryLayout,
		want: []string{"settings.jsonnet", "max stack frames exceeded"},
	},
	{
		name: "jsonnet-tailstrict-loop", fault: "a jsonnet loop of tailstrict calls that never ends", good: directoryLayout,
		want: []string{"settings.jsonnet", "recursion deeper than the 128 MiB stack allows"},
	},
	{
		name: "jsonnet-endless-loop", fault: "jsonnet folding 10^15 times in constant memory", good: directoryLayout,
		want: []string{"settings.jsonnet", "did not finish within"},
	},
	{
		name: "jsonnet-memory-bomb", fault: "jsonnet making an array of 10^8 objects", good: directoryLayout,
		want: []string{"settings.jsonnet", "used more than 1 GiB of memory"},
	},
	{
		name: "symlink-loop", fault: "two manifests that are symlinks to each other", good: directoryLayout,
		generate: symlinkLoop,
		want:     []string{"a.yaml", "too many links"},
	},
	{
		name: "helm-symlink-loop", fault: "a chart's templates/loop symlinked to templates/", good: helmLayout,
		generate: helmSymlinkLoop,
		want:     []string{"templates/loop", "(a loop)"},
	},
	{
		name: "symlink-outside", fault: "a manifest that is a symlink to /etc/passwd", good: directoryLayout,
		generate: symlinkOutside("app/passwd.yaml"),
		want:     []string{"passwd.yaml", "outside the repository"},
	},
	{
		name: "helm-symlink-outside", fault: "a chart template that is a symlink to /etc/passwd", good: helmLayout,
		generate: symlinkOutside("app/templates/passwd.yaml"),
		want:     []string{"templates/passwd.yaml", "outside the repository"},
	},
	{
		name: "app-path-dotdot", fault: "an Application path climbing out of the repository", good: directoryLayout,
		app:  func(app *v1alpha1.Application) { app.Spec.Source.Path = "../../.." },
		want: []string{"../../..", "outside the repository"},
	},
	{
		name: "kustomize-resource-dotdot", fault: "a kustomize resource climbing to /etc/passwd with ..", good: kustomizeLayout,
		want: []string{"etc/passwd", "outside the repository"},
	},
	{
		name: "kustomize-resource-absolute", fault: "a kustomize resource /etc/passwd", good: kustomizeLayout,
		want: []string{"/etc/passwd", "outside the repository"},
	},
	{
		name: "jsonnet-import-dotdot", fault: "a jsonnet importstr climbing to /etc/passwd with ..", good: directoryLayout,
		want: []string{"settings.jsonnet", "etc/passwd", "outside the repository"},
	},
	{
		name: "jsonnet-import-absolute", fault: "a jsonnet importstr of /etc/passwd", good: directoryLayout,
		want: []string{"settings.jsonnet", "/etc/passwd", "outside the repository"},
	},
	{
		name: "helm-dependency-outside", fault: "a file:// chart dependency outside the repository", good: helmLayout,
		want: []string{"etc", "outside the repository"},
	},
	{
		name: "helm-value-file-dotdot", fault: "a value file climbing to /etc/passwd with ..", good: helmLayout,
		app:  helmValueFiles(upToRoot + "etc/passwd"),
		want: []string{"etc/passwd", "outside the repository"},
	},
	{
		name: "helm-value-file-absolute", fault: "a value file /etc/passwd (absolute: the repository's root)", good: helmLayout,
		app:  helmValueFiles("/etc/passwd"),
		want: []string{`"/etc/passwd" not found`},
	},
	{
		name: "helm-ref-value-file-outside", fault: "a $ref value file climbing out of its repository", good: helmLayout,
		app:  refValueFile("$values/" + upToRoot + "etc/passwd"),
		want: []string{"$values/", "outside the repository"},
	},
	{
		name: "huge-repository", fault: "10 000 manifests, 72 MB in all", good: directoryLayout,
		generate: hugeRepository,
		want:     []string{"size limit", "cm-"},
	},
	{
		name: "wrong-credentials", fault: "a private repository and a wrong password", good: directoryLayout,
		flow: wrongCredentials,
		want: []string{"authentication failed"},
	},
	{
		name: "tag-gone", fault: "the tracked tag and its commit force-pushed away", good: directoryLayout,
		flow: tagGone,
		want: []string{`revision "v1" not found`},
	},
	{
		name: "commit-gone", fault: "the tracked commit force-pushed away", good: directoryLayout,
		flow: commitGone,
		want: []string{"not found"}, cached: true,
	},
}

func helmValueFiles(files ...string) func(*v1alpha1.Application) {
	return func(app *v1alpha1.Application) {
		app.Spec.Source.Helm = &v1alpha1.ApplicationSourceHelm{ValueFiles: files}
	}
}

// refValueFile makes the app two sources: the chart, with file as a value
// file, and the same repository as ref "values".
func refValueFile(file string) func(*v1alpha1.Application) {
	return func(app *v1alpha1.Application) {
		chart := *app.Spec.Source
		chart.Helm = &v1alpha1.ApplicationSourceHelm{ValueFiles: []string{file}}
		ref := v1alpha1.ApplicationSource{RepoURL: chart.RepoURL, TargetRevision: chart.TargetRevision, Ref: "values"}
		app.Spec.Source, app.Spec.Sources = nil, v1alpha1.ApplicationSources{chart, ref}
	}
}

// writeFile writes content to dir/name, creating parents.
func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, dir, name, target string) {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}

const configMapHead = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"

// keepChanged is the ConfigMap "keep" with a new value: were any of a bad
// revision applied, the live "keep" would change.
const keepChanged = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\ndata:\n  value: changed\n"

func billionLaughs(t *testing.T, dir string) {
	var b strings.Builder
	b.WriteString(configMapHead)
	b.WriteString(`lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		fmt.Fprintf(&b, "%s: &%s [%s]\n", name, name, strings.TrimSuffix(strings.Repeat("*"+prev+",", 9), ","))
		prev = name
	}
	b.WriteString("data:\n  value: *i\n")
	writeFile(t, dir, "app/laughs.yaml", b.String())
	writeFile(t, dir, "app/keep.yaml", keepChanged)
}

func deepFlow(t *testing.T, dir string) {
	const n = 100_000
	writeFile(t, dir, "app/deep.yaml", configMapHead+"data:\n  value: "+strings.Repeat("[", n)+strings.Repeat("]", n)+"\n")
	writeFile(t, dir, "app/keep.yaml", keepChanged)
}

func deepBlock(t *testing.T, dir string) {
	var b strings.Builder
	b.WriteString(configMapHead + "spec:\n")
	for i := 1; i <= 150; i++ {
		fmt.Fprintf(&b, "%slevel%d:\n", strings.Repeat("  ", i), i)
	}
	fmt.Fprintf(&b, "%sbottom: true\n", strings.Repeat("  ", 151))
	writeFile(t, dir, "app/deep.yaml", b.String())
	writeFile(t, dir, "app/keep.yaml", keepChanged)
}

// hugeDocument writes one ConfigMap of 50 MB (52 428 800 bytes and a
// little), as a user's generated manifest could be.
func hugeDocument(t *testing.T, dir string) {
	path := filepath.Join(dir, "app", "huge.yaml")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	n, _ := w.WriteString(configMapHead + "data:\n")
	for i := 0; n < 50<<20; i++ {
		m, _ := fmt.Fprintf(w, "  key%08d: value number %08d of a very large generated document\n", i, i)
		n += m
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "app/keep.yaml", keepChanged)
}

// hugeRepository writes 10 000 ConfigMaps of 7.2 kB each: 72 MB, more
// than a directory source may render (64 MiB).
func hugeRepository(t *testing.T, dir string) {
	filler := strings.Repeat("0123456789abcdef", 7200/16)
	for i := range 10_000 {
		writeFile(t, dir, fmt.Sprintf("app/cm-%05d.yaml", i),
			fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%05d\ndata:\n  filler: %s\n", i, filler))
	}
	writeFile(t, dir, "app/keep.yaml", keepChanged)
}

func symlinkLoop(t *testing.T, dir string) {
	symlink(t, dir, "app/a.yaml", "b.yaml")
	symlink(t, dir, "app/b.yaml", "a.yaml")
	writeFile(t, dir, "app/keep.yaml", keepChanged)
}

func helmSymlinkLoop(t *testing.T, dir string) {
	writeFile(t, dir, "app/Chart.yaml", "apiVersion: v2\nname: good\nversion: 0.2.0\n")
	writeFile(t, dir, "app/templates/keep.yaml", keepChanged)
	symlink(t, dir, "app/templates/loop", ".")
}

func symlinkOutside(name string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		if strings.Contains(name, "templates/") {
			writeFile(t, dir, "app/Chart.yaml", "apiVersion: v2\nname: good\nversion: 0.2.0\n")
			writeFile(t, dir, "app/templates/keep.yaml", keepChanged)
		} else {
			writeFile(t, dir, "app/keep.yaml", keepChanged)
		}
		symlink(t, dir, name, "/etc/passwd")
	}
}
