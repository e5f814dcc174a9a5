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

// examplesDir is ../shared/examples beside the repository.
func examplesDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "examples"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("shared examples not found beside the repository: %v", err)
	}
	return dir
}
