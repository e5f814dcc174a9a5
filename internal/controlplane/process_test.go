package controlplane

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestWaitUntilReportsEarlyExit(t *testing.T) {
	for _, tc := range []struct {
		name string
		sink func(dir string) logSink
	}{
		{"file", func(dir string) logSink { return fileSink{path: filepath.Join(dir, "logs", "sh.log")} }},
		{"writer", func(string) logSink { return newWriterSink(&sync.Mutex{}, &bytes.Buffer{}, "sh") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proc, err := startProcess("sh", "/bin/sh", []string{"-c", "echo starting; echo boom >&2; exit 3"}, nil, tc.sink(t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			defer proc.stop(time.Second)
			err = waitUntil(context.Background(), 30*time.Second, proc, nil, func(context.Context) error {
				return errors.New("never ready")
			})
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range []string{"sh not ready: sh exited early", "exit status 3", "starting\nboom"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

func TestStopKillsStubbornGroup(t *testing.T) {
	// The shell and its sleep child both ignore SIGTERM.
	proc, err := startProcess("stubborn", "/bin/sh", []string{"-c", `trap "" TERM; sleep 60 & wait`}, nil, fileSink{path: filepath.Join(t.TempDir(), "x.log")})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the shell start its child
	begin := time.Now()
	if err := proc.stop(200 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took > 5*time.Second {
		t.Errorf("stop took %s", took)
	}
	// The orphaned sleep is killed but reaped by init, so allow a moment.
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := syscall.Kill(-proc.cmd.Process.Pid, 0)
		if errors.Is(err, syscall.ESRCH) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("process group still alive after stop (kill 0: %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestWriterSinkPrefixesLines(t *testing.T) {
	var out bytes.Buffer
	s := newWriterSink(&sync.Mutex{}, &out, "etcd")
	_, _ = s.Write([]byte("one\ntw"))
	_, _ = s.Write([]byte("o\nthree"))
	if got, want := out.String(), "etcd: one\netcd: two\n"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
	if got, want := s.tail(100), "one\ntwo\nthree"; got != want {
		t.Errorf("tail = %q, want %q", got, want)
	}
}
