package gittest

import (
	"fmt"
	"os"
	"sync"
)

// TB is the part of testing.TB this package uses.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
	TempDir() string
}

var _ TB = (*Standalone)(nil)

// Standalone is a TB for programs that are not tests. Fatalf panics with an
// error; Close runs the cleanups, last registered first, and removes the
// temporary directories.
type Standalone struct {
	mu       sync.Mutex
	dir      string
	cleanups []func()
}

// NewStandalone returns a Standalone whose temporary directories live under
// a new directory in os.TempDir().
func NewStandalone() (*Standalone, error) {
	dir, err := os.MkdirTemp("", "gittest-")
	if err != nil {
		return nil, fmt.Errorf("create temporary directory: %w", err)
	}
	return &Standalone{dir: dir}, nil
}

// Helper does nothing.
func (s *Standalone) Helper() {}

// Fatalf panics with the formatted error.
func (s *Standalone) Fatalf(format string, args ...any) {
	panic(fmt.Errorf(format, args...))
}

// Cleanup registers fn to run on Close.
func (s *Standalone) Cleanup(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cleanups = append(s.cleanups, fn)
}

// TempDir returns a new directory removed on Close.
func (s *Standalone) TempDir() string {
	dir, err := os.MkdirTemp(s.dir, "")
	if err != nil {
		s.Fatalf("create temporary directory: %v", err)
	}
	return dir
}

// Close runs the registered cleanups, last first, and removes the temporary
// directories. It is safe to call more than once.
func (s *Standalone) Close() error {
	s.mu.Lock()
	cleanups := s.cleanups
	s.cleanups = nil
	s.mu.Unlock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("remove temporary directory: %w", err)
	}
	return nil
}
