package helm

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
)

// loadChart loads the chart directory dir after checking that no symlink
// in it leads outside repoRoot: helm's loader follows symlinks, so one
// pointing outside would put that file into the chart (and .Files).
func loadChart(repoRoot, dir string) (*chart.Chart, error) {
	if err := checkSymlinks(repoRoot, dir); err != nil {
		return nil, err
	}
	ch, err := loader.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load chart: %w", err)
	}
	return ch, nil
}

// checkSymlinks walks dir like helm's loader does (following symlinked
// directories) and fails on the first symlink whose target is outside root
// or a directory holding the link.
func checkSymlinks(root, dir string) error {
	realRoot, err := realAbs(root)
	if err != nil {
		return fmt.Errorf("repository root: %w", err)
	}
	realDir, err := realAbs(dir)
	if err != nil {
		return fmt.Errorf("chart directory: %w", err)
	}
	if !within(realRoot, realDir) {
		return fmt.Errorf("chart directory %s %w", filepath.Base(dir), errOutside)
	}
	visited := map[string]bool{}
	return walkLinks(realRoot, realDir, "", visited)
}

// walkLinks checks the tree at real (shown as rel in errors).
func walkLinks(realRoot, real, rel string, visited map[string]bool) error {
	if visited[real] {
		return nil
	}
	visited[real] = true
	return filepath.WalkDir(real, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		name, _ := filepath.Rel(real, path)
		name = filepath.ToSlash(filepath.Join(rel, name))
		target, err := filepath.EvalSymlinks(path)
		if err != nil {
			// A dangling link: the loader fails on it, reading nothing.
			return nil
		}
		if !within(realRoot, target) {
			return fmt.Errorf("symlink %s %w", name, errOutside)
		}
		fi, err := os.Stat(target)
		if err == nil && fi.IsDir() {
			// The loader would follow it down and down until the path
			// grows too long, loading the files on the way each time.
			if within(target, filepath.Dir(path)) {
				return fmt.Errorf("symlink %s leads back to a directory holding it (a loop)", name)
			}
			return walkLinks(realRoot, target, name, visited)
		}
		return nil
	})
}
