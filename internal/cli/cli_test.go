package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// result is what one run of the command line printed.
type result struct {
	stdout, stderr string
	code           int
}

// run executes the flotilla command line in-process, as a user would.
func run(t *testing.T, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Execute(context.Background(), args, &out, &errOut)
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

// examplesDir is the repository's examples/: our users' repository
// layouts (four-repo, homelab-app-of-apps) and the demo.
func examplesDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "examples"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("examples not found in the repository: %v", err)
	}
	return dir
}
