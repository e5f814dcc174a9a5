package controlplane

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrBinariesMissing is wrapped by Start's error when the control plane
// binaries have not been built.
var ErrBinariesMissing = errors.New("control plane binaries not found")

// binaries are the executables Start needs in the bin dir.
var binaries = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"}

// kwokStagesDir is the folder, under the bin dir, of kwok's stage configs.
const kwokStagesDir = "kwok-stages"

// binDirCandidates lists where the binaries may be, best first: the
// explicit option, $FLOTILLA_CONTROLPLANE_BIN, $FLOTILLA_CACHE_DIR (where
// hack/build-controlplane.sh builds when it is set) and the repository's
// .cache folder, found by walking up from the working dir to a go.mod.
func binDirCandidates(explicit string) []string {
	if explicit != "" {
		return []string{explicit}
	}
	if dir := os.Getenv("FLOTILLA_CONTROLPLANE_BIN"); dir != "" {
		return []string{dir}
	}
	var dirs []string
	if cache := os.Getenv("FLOTILLA_CACHE_DIR"); cache != "" {
		dirs = append(dirs, filepath.Join(cache, "controlplane", "bin"))
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				dirs = append(dirs, filepath.Join(dir, ".cache", "controlplane", "bin"))
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	return dirs
}

// findBinDir returns the first candidate holding every binary and stage
// config, or an error wrapping ErrBinariesMissing that says what is missing
// where.
func findBinDir(explicit string) (string, error) {
	dirs := binDirCandidates(explicit)
	if len(dirs) == 0 {
		return "", fmt.Errorf("%w (no bin dir: set FLOTILLA_CONTROLPLANE_BIN or run inside the repository): run hack/build-controlplane.sh", ErrBinariesMissing)
	}
	var firstMissing []string
	for i, dir := range dirs {
		missing := missingBinaries(dir)
		if len(missing) == 0 {
			abs, err := filepath.Abs(dir)
			if err != nil {
				return "", fmt.Errorf("bin dir: %w", err)
			}
			return abs, nil
		}
		if i == 0 {
			firstMissing = missing
		}
	}
	return "", fmt.Errorf("%w in %s (missing %s): run hack/build-controlplane.sh",
		ErrBinariesMissing, strings.Join(dirs, " or "), strings.Join(firstMissing, ", "))
}

func missingBinaries(dir string) []string {
	var missing []string
	for _, name := range binaries {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			missing = append(missing, name)
		}
	}
	if stages, _ := kwokStages(dir); len(stages) == 0 {
		missing = append(missing, kwokStagesDir+"/*.yaml")
	}
	return missing
}

// kwokStages lists kwok's stage configs in the bin dir.
func kwokStages(binDir string) ([]string, error) {
	return filepath.Glob(filepath.Join(binDir, kwokStagesDir, "*.yaml"))
}
