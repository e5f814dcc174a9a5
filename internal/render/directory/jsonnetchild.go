package directory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Jsonnet runs in a child process. go-jsonnet can be neither interrupted
// nor bounded: a loop of tailstrict calls, a long chain of locals or a
// deeply nested literal overflows the Go stack, which kills the whole
// process (no recover), and some std functions run for minutes on a big
// array. The child is this same executable started again with
// jsonnetChildEnv set: the init function below turns it into an evaluator
// before main (or a test binary's TestMain) runs, so every binary that
// renders directories can evaluate jsonnet this way. The parent kills the
// child past JsonnetLimits and reports which file was being evaluated.

// JsonnetLimits bound the evaluation of the .jsonnet files of one render.
// It is a variable so that tests can shorten the time limit.
var JsonnetLimits = Limits{Time: 90 * time.Second, Memory: 1 << 30, Stack: 128 << 20, Output: 256 << 20}

// Limits bound a jsonnet evaluation. Memory is the child's resident set,
// checked where /proc exists (Linux).
type Limits struct {
	Time   time.Duration
	Memory int64
	Stack  int
	Output int64
}

const jsonnetChildEnv = "FLOTILLA_JSONNET_CHILD"

func init() {
	if os.Getenv(jsonnetChildEnv) != "1" {
		return
	}
	os.Exit(serveJsonnet(os.Stdin, os.Stdout, os.Stderr))
}

// childRequest is what the parent sends the child on stdin.
type childRequest struct {
	Root   string
	JPaths []string
	Opts   Jsonnet
	// Files are repository-relative, evaluated in order.
	Files []string
	Stack int
}

// childResult is the child's answer for one file, one JSON value per
// file on stdout; it stops after the first error.
type childResult struct {
	Output string `json:",omitempty"`
	Error  string `json:",omitempty"`
}

// serveJsonnet is the child: it evaluates the requested files in order.
func serveJsonnet(in io.Reader, out, errOut io.Writer) int {
	var req childRequest
	if err := json.NewDecoder(in).Decode(&req); err != nil {
		fmt.Fprintf(errOut, "read request: %v\n", err)
		return 2
	}
	if req.Stack > 0 {
		debug.SetMaxStack(req.Stack)
	}
	e := &jsonnetEval{root: req.Root, jpaths: req.JPaths, opts: req.Opts}
	enc := json.NewEncoder(out)
	for _, file := range req.Files {
		output, err := e.evaluateHere(file)
		res := childResult{Output: output}
		if err != nil {
			res.Error = err.Error()
		}
		if err := enc.Encode(res); err != nil {
			fmt.Fprintf(errOut, "write result: %v\n", err)
			return 2
		}
		if res.Error != "" {
			break
		}
	}
	return 0
}

// jsonnetBatch is the outcome of evaluating files in one child: the
// output of each file up to the first that failed, and that failure.
type jsonnetBatch struct {
	rels    []string // relative to the app path
	files   []string // repository-relative
	outputs []string
	err     error // of files[len(outputs)]
}

// result returns the repository-relative name of the file at rel
// (relative to the app path) and its output, or the error of evaluating
// it.
func (b *jsonnetBatch) result(rel string) (file, output string, err error) {
	for i, r := range b.rels {
		file := b.files[i]
		switch {
		case r != rel:
		case i < len(b.outputs):
			return file, b.outputs[i], nil
		case i == len(b.outputs) && b.err != nil:
			return file, "", b.err
		default:
			return file, "", fmt.Errorf("%s: not evaluated: an earlier file failed", file)
		}
	}
	return rel, "", fmt.Errorf("%s: not evaluated", rel)
}

// evaluateAll evaluates files (relative to the app path) in one child
// process within JsonnetLimits.
func (e *jsonnetEval) evaluateAll(ctx context.Context, rels []string) *jsonnetBatch {
	b := &jsonnetBatch{rels: rels}
	for _, rel := range rels {
		b.files = append(b.files, path.Join(e.jpaths[0], rel))
	}
	lim := JsonnetLimits
	fail := func(err error) *jsonnetBatch {
		b.err = fmt.Errorf("%s: evaluate jsonnet: %w", b.files[len(b.outputs)], err)
		return b
	}
	exe, err := os.Executable()
	if err != nil {
		return fail(fmt.Errorf("find the executable to evaluate in: %w", err))
	}
	req, err := json.Marshal(childRequest{Root: e.root, JPaths: e.jpaths, Opts: e.opts, Files: b.files, Stack: lim.Stack})
	if err != nil {
		return fail(err)
	}
	runCtx, cancel := context.WithTimeout(ctx, lim.Time)
	defer cancel()
	cmd := exec.CommandContext(runCtx, exe)
	// A binary built with -race sleeps a second at exit unless told
	// not to; other binaries ignore GORACE.
	cmd.Env = append(os.Environ(), jsonnetChildEnv+"=1", "GORACE=atexit_sleep_ms=0")
	cmd.Stdin = bytes.NewReader(req)
	stderr := &headBuffer{max: 4096}
	cmd.Stderr = stderr
	cmd.WaitDelay = time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fail(err)
	}
	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("start the evaluation: %w", err))
	}
	var overMemory atomic.Bool
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		watchMemory(runCtx, cmd.Process, lim.Memory, &overMemory)
	}()
	limited := &io.LimitedReader{R: stdout, N: lim.Output + 1}
	dec := json.NewDecoder(limited)
	var childErr string
	for len(b.outputs) < len(b.files) {
		var res childResult
		if err := dec.Decode(&res); err != nil {
			break
		}
		if res.Error != "" {
			childErr = res.Error
			break
		}
		b.outputs = append(b.outputs, res.Output)
	}
	tooMuch := limited.N <= 0
	if tooMuch {
		_ = cmd.Process.Kill()
	}
	_, _ = io.Copy(io.Discard, stdout)
	waitErr := cmd.Wait()
	timedOut := errors.Is(runCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	cancel()
	<-watched
	switch {
	case childErr != "":
		return fail(errors.New(childErr))
	case len(b.outputs) == len(b.files) && waitErr == nil:
		return b
	case tooMuch:
		return fail(fmt.Errorf("output larger than %s", size(lim.Output)))
	case overMemory.Load():
		return fail(fmt.Errorf("used more than %s of memory", size(lim.Memory)))
	case ctx.Err() != nil:
		return fail(ctx.Err())
	case timedOut:
		return fail(fmt.Errorf("did not finish within %s", lim.Time))
	}
	return fail(crash(stderr.String(), waitErr, lim))
}

// crash explains how the child died from what it printed.
func crash(stderr string, waitErr error, lim Limits) error {
	switch {
	case strings.Contains(stderr, "stack overflow"), strings.Contains(stderr, "stack exceeds"):
		return fmt.Errorf("recursion deeper than the %s stack allows (a loop of tailstrict calls, a long chain of locals or a deeply nested value)", size(int64(lim.Stack)))
	case strings.Contains(stderr, "out of memory"):
		return errors.New("ran out of memory")
	}
	for line := range strings.SplitSeq(stderr, "\n") {
		if strings.HasPrefix(line, "fatal error:") || strings.HasPrefix(line, "panic:") {
			return fmt.Errorf("the evaluation crashed: %s", line)
		}
	}
	if waitErr != nil {
		return fmt.Errorf("the evaluation failed: %w", waitErr)
	}
	return errors.New("the evaluation stopped without an answer")
}

// watchMemory kills p once its resident set passes limit, until ctx is
// done. Without /proc it watches nothing.
func watchMemory(ctx context.Context, p *os.Process, limit int64, over *atomic.Bool) {
	status := "/proc/" + strconv.Itoa(p.Pid) + "/status"
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		rss, ok := residentBytes(status)
		if !ok {
			return
		}
		if rss > limit {
			over.Store(true)
			_ = p.Kill()
			return
		}
	}
}

// residentBytes reads VmRSS from a /proc/<pid>/status file.
func residentBytes(status string) (int64, bool) {
	data, err := os.ReadFile(status)
	if err != nil {
		return 0, false
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

func size(b int64) string {
	if b >= 1<<30 && b%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", b>>30)
	}
	return fmt.Sprintf("%d MiB", b>>20)
}

// headBuffer keeps the first max bytes written to it.
type headBuffer struct {
	buf bytes.Buffer
	max int
}

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := h.max - h.buf.Len(); room > 0 {
		h.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (h *headBuffer) String() string { return h.buf.String() }
