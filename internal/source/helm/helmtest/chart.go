package helmtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
)

// Archive is a packaged chart.
type Archive struct {
	Name, Version string
	Metadata      *chart.Metadata
	// Data is the .tgz; Digest its sha256 in hex.
	Data   []byte
	Digest string
}

// Package packages the chart directory dir as `helm package` does.
func Package(t TB, dir string) Archive {
	t.Helper()
	ch, err := loader.LoadDir(dir)
	if err != nil {
		t.Fatalf("helmtest: load chart %s: %v", dir, err)
	}
	out, err := chartutil.Save(ch, t.TempDir())
	if err != nil {
		t.Fatalf("helmtest: package chart %s: %v", dir, err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("helmtest: %v", err)
	}
	sum := sha256.Sum256(data)
	return Archive{
		Name:     ch.Name(),
		Version:  ch.Metadata.Version,
		Metadata: ch.Metadata,
		Data:     data,
		Digest:   hex.EncodeToString(sum[:]),
	}
}

// WriteChart writes a small application chart named name at version under
// a new temporary directory and returns the chart directory. Its one
// template is a ConfigMap named after the release holding the chart's
// version, so a render shows which version was fetched; files add or
// replace files (path relative to the chart → content).
func WriteChart(t TB, name, version string, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	all := map[string]string{
		"Chart.yaml":  fmt.Sprintf("apiVersion: v2\nname: %s\nversion: %s\n", name, version),
		"values.yaml": "greeting: hello\n",
		"templates/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-" + name + "\n" +
			"data:\n  chartVersion: {{ .Chart.Version | quote }}\n  greeting: {{ .Values.greeting | quote }}\n",
	}
	for k, v := range files {
		all[k] = v
	}
	for rel, content := range all {
		path := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("helmtest: %v", err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatalf("helmtest: %v", err)
		}
	}
	return dir
}
