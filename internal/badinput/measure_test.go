package badinput

import (
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// usage is what one case cost: wall time, the highest heap (live and not
// yet swept objects) above the heap before it, the bytes it allocated,
// how far the process's peak RSS rose above its RSS before it, and the
// peak RSS of the largest child process (jsonnet runs in one) when it
// beat every child before.
type usage struct {
	wall      time.Duration
	peakHeap  uint64
	allocated uint64
	peakRSS   uint64
	childRSS  uint64
}

const (
	heapObjects = "/memory/classes/heap/objects:bytes"
	heapAllocs  = "/gc/heap/allocs:bytes"
)

// measure runs fn and reports what it cost, sampling the heap every
// millisecond. The measured process is the whole test binary, with the
// in-process controller and git server, so numbers are upper bounds.
func measure(fn func()) (u usage) {
	runtime.GC()
	start := []metrics.Sample{{Name: heapObjects}, {Name: heapAllocs}}
	metrics.Read(start)
	base := start[0].Value.Uint64()
	rssBefore := resetPeakRSS()
	childBefore := childPeakRSS()
	var peak atomic.Uint64
	peak.Store(base)
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		s := []metrics.Sample{{Name: heapObjects}}
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	began := time.Now()
	defer func() {
		u.wall = time.Since(began)
		close(stop)
		<-stopped
		end := []metrics.Sample{{Name: heapObjects}, {Name: heapAllocs}}
		metrics.Read(end)
		if v := end[0].Value.Uint64(); v > peak.Load() {
			peak.Store(v)
		}
		u.peakHeap = peak.Load() - base
		u.allocated = end[1].Value.Uint64() - start[1].Value.Uint64()
		if hwm := procStatus("VmHWM"); hwm > rssBefore {
			u.peakRSS = hwm - rssBefore
		}
		if child := childPeakRSS(); child > childBefore {
			u.childRSS = child
		}
	}()
	fn()
	return u
}

// resetPeakRSS resets the kernel's peak RSS of this process (VmHWM) to
// its current RSS and returns that; 0 where /proc does not allow it.
func resetPeakRSS() uint64 {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return 0
	}
	return procStatus("VmRSS")
}

// childPeakRSS is the peak RSS of the largest child process waited for so
// far (getrusage's RUSAGE_CHILDREN).
func childPeakRSS() uint64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return uint64(ru.Maxrss) << 10
}

// procStatus reads a kB field of /proc/self/status, in bytes.
func procStatus(field string) uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// measured is one case's usage, for the table the tests log.
type measured struct {
	name string
	usage
}

// usageTable formats the usages as a text table, worst peak heap last.
func usageTable(rows []measured) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-30s %10s %12s %12s %12s %12s\n", "case", "wall", "peak heap", "allocated", "peak RSS +", "child RSS")
	for _, r := range rows {
		child := "-"
		if r.childRSS > 0 {
			child = mib(r.childRSS)
		}
		fmt.Fprintf(&b, "%-30s %10s %12s %12s %12s %12s\n", r.name, r.wall.Round(time.Millisecond), mib(r.peakHeap), mib(r.allocated), mib(r.peakRSS), child)
	}
	return b.String()
}

// worst returns the rows with the highest peak heap, the longest wall
// time and the largest child process.
func worst(rows []measured) (heap, wall, child measured) {
	for _, r := range rows {
		if r.peakHeap > heap.peakHeap {
			heap = r
		}
		if r.wall > wall.wall {
			wall = r
		}
		if r.childRSS > child.childRSS {
			child = r
		}
	}
	return heap, wall, child
}
