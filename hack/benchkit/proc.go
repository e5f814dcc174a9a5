package benchkit

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is the kernel's USER_HZ, the unit of /proc/<pid>/stat times.
const clockTicks = 100

// CPU is a process's CPU time from /proc/<pid>/stat: its own (utime +
// stime) and that of its children it has waited for (cutime + cstime),
// such as the git commands a server runs.
type CPU struct {
	Self, Children time.Duration
}

// Total is the process's own CPU time plus its children's.
func (c CPU) Total() time.Duration { return c.Self + c.Children }

// Sub is the CPU time used between o and c.
func (c CPU) Sub(o CPU) CPU { return CPU{Self: c.Self - o.Self, Children: c.Children - o.Children} }

// Add sums two readings.
func (c CPU) Add(o CPU) CPU { return CPU{Self: c.Self + o.Self, Children: c.Children + o.Children} }

// ReadCPU reads the CPU time of process pid.
func ReadCPU(pid int) (CPU, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return CPU{}, fmt.Errorf("read cpu time: %w", err)
	}
	// the command may contain spaces; the fields after ") " are fixed
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 > len(s) {
		return CPU{}, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	fields := strings.Fields(s[i+2:])
	if len(fields) < 15 {
		return CPU{}, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	var ticks [4]int64
	for k := range ticks {
		v, err := strconv.ParseInt(fields[11+k], 10, 64)
		if err != nil {
			return CPU{}, fmt.Errorf("parse /proc/%d/stat", pid)
		}
		ticks[k] = v
	}
	tick := func(n int64) time.Duration { return time.Duration(n) * time.Second / clockTicks }
	return CPU{Self: tick(ticks[0] + ticks[1]), Children: tick(ticks[2] + ticks[3])}, nil
}

// ProcessCPU is a process's own user plus system CPU time, from /proc.
func ProcessCPU(pid int) (time.Duration, error) {
	c, err := ReadCPU(pid)
	return c.Self, err
}

// Memory is a process's resident memory in bytes, from
// /proc/<pid>/status: the peak (VmHWM), the current total (VmRSS) and its
// anonymous (RssAnon: heap, stacks) and file-backed (RssFile: the
// binary's code and data, mapped files) parts.
type Memory struct {
	Peak, RSS, Anon, File int64
}

// Add sums two readings (of different processes).
func (m Memory) Add(o Memory) Memory {
	return Memory{Peak: m.Peak + o.Peak, RSS: m.RSS + o.RSS, Anon: m.Anon + o.Anon, File: m.File + o.File}
}

// ReadMemory reads the resident memory of process pid.
func ReadMemory(pid int) (Memory, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, fmt.Errorf("read memory: %w", err)
	}
	var m Memory
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmHWM:":
			m.Peak = kb << 10
		case "VmRSS:":
			m.RSS = kb << 10
		case "RssAnon:":
			m.Anon = kb << 10
		case "RssFile:":
			m.File = kb << 10
		}
	}
	return m, nil
}

// MiB converts bytes to mebibytes.
func MiB(b int64) float64 { return float64(b) / (1 << 20) }

// Max is the larger of each field of two readings (of one process).
func (m Memory) Max(o Memory) Memory {
	return Memory{Peak: max(m.Peak, o.Peak), RSS: max(m.RSS, o.RSS), Anon: max(m.Anon, o.Anon), File: max(m.File, o.File)}
}

// MemorySampler reads a process's memory at a fixed interval and keeps
// the largest value of each field seen: the peak of RssAnon and RssFile
// on their own, which VmHWM (the peak of their sum) does not tell.
type MemorySampler struct {
	pid  int
	mu   sync.Mutex
	peak Memory
	stop chan struct{}
	done chan struct{}
}

// SampleMemory starts sampling process pid every interval until Stop or
// until the process is gone.
func SampleMemory(pid int, every time.Duration) *MemorySampler {
	s := &MemorySampler{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	s.sample()
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				if !s.sample() {
					return
				}
			}
		}
	}()
	return s
}

func (s *MemorySampler) sample() bool {
	m, err := ReadMemory(s.pid)
	if err != nil {
		return false
	}
	s.mu.Lock()
	s.peak = s.peak.Max(m)
	s.mu.Unlock()
	return true
}

// Peak is the largest reading of each field so far, taking one more
// reading first if the process is still there.
func (s *MemorySampler) Peak() Memory {
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// Stop ends the sampling and returns Peak.
func (s *MemorySampler) Stop() Memory {
	p := s.Peak()
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	<-s.done
	return p
}
