package controlplane

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// tailBytes is how much of a component's log goes into an error message.
const tailBytes = 4 << 10

// logSink is where one component's output goes.
type logSink interface {
	// attach points cmd's stdout and stderr at the sink; the returned
	// function runs once the process has started (or failed to).
	attach(cmd *exec.Cmd) (started func(), err error)
	// tail returns the last n bytes of output.
	tail(n int) string
	// where describes the destination for error messages.
	where() string
}

// fileSink writes a component's output straight to a file (the daemon gets
// the file descriptor itself, so no goroutine copies its output).
type fileSink struct{ path string }

func (s fileSink) attach(cmd *exec.Cmd) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return nil, fmt.Errorf("create log dir: %w", err)
	}
	f, err := os.OpenFile(s.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	return func() { _ = f.Close() }, nil
}

func (s fileSink) tail(n int) string {
	f, err := os.Open(s.path)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(st.Size()-int64(n), 0)
	b, _ := io.ReadAll(io.NewSectionReader(f, off, st.Size()-off))
	return trimToLines(b, off > 0)
}

func (s fileSink) where() string { return s.path }

// writerSink copies a component's output to a shared writer, each line
// prefixed with the component name, and keeps the last bytes for tail.
type writerSink struct {
	mu     *sync.Mutex // shared by all sinks of one writer
	w      io.Writer
	prefix []byte
	line   []byte // incomplete last line
	last   []byte // ring of recent output, at most tailBytes*2
	cut    bool   // last lost its beginning
}

func newWriterSink(mu *sync.Mutex, w io.Writer, name string) *writerSink {
	return &writerSink{mu: mu, w: w, prefix: []byte(name + ": ")}
}

func (s *writerSink) attach(cmd *exec.Cmd) (func(), error) {
	// The same value for both makes exec use one pipe and one copier.
	cmd.Stdout, cmd.Stderr = s, s
	return func() {}, nil
}

func (s *writerSink) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = append(s.last, b...)
	if len(s.last) > 2*tailBytes {
		s.last = append(s.last[:0], s.last[len(s.last)-tailBytes:]...)
		s.cut = true
	}
	s.line = append(s.line, b...)
	for {
		i := bytes.IndexByte(s.line, '\n')
		if i < 0 {
			break
		}
		// A failing destination must not block or kill the daemon.
		_, _ = s.w.Write(append(append([]byte{}, s.prefix...), s.line[:i+1]...))
		s.line = s.line[i+1:]
	}
	return len(b), nil
}

func (s *writerSink) tail(n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.last
	cut := s.cut
	if len(b) > n {
		b, cut = b[len(b)-n:], true
	}
	return trimToLines(b, cut)
}

func (s *writerSink) where() string { return "the log writer" }

// trimToLines drops a partial first line when b lost its beginning.
func trimToLines(b []byte, cut bool) string {
	if cut {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(bytes.TrimRight(b, "\n"))
}
