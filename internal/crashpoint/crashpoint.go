package crashpoint

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Env names the point to crash at.
const Env = "FLOTILLA_CRASH_AT"

// The points. Each is reached in the controller where its name says.
const (
	StatusBeforeWrite     = "status/before-write"     // an Application's status patch
	StatusAfterWrite      = "status/after-write"      //
	OperationRequested    = "operation/requested"     // automated sync decided on an operation
	OperationStep         = "operation/step"          // a step of a running operation starts
	OperationFinish       = "operation/finish"        // an attempt ends (success, retry or failure)
	ApplyBefore           = "apply/before"            // a resource is applied
	ApplyAfter            = "apply/after"             //
	HookBeforeCreate      = "hook/before-create"      // a hook is created
	HookAfterCreate       = "hook/after-create"       //
	HookBeforeDelete      = "hook/before-delete"      // a hook is deleted (delete policy)
	HookAfterDelete       = "hook/after-delete"       //
	PruneBeforeDelete     = "prune/before-delete"     // an object is pruned
	PruneAfterDelete      = "prune/after-delete"      //
	CascadeBeforeDelete   = "cascade/before-delete"   // an Application's object is deleted with it
	CascadeAfterDelete    = "cascade/after-delete"    //
	CascadeBeforeFinalize = "cascade/before-finalize" // the resources finalizer is removed
	AppSetBeforeCreate    = "appset/before-create"    // an ApplicationSet creates an Application
	AppSetAfterCreate     = "appset/after-create"     //
	AppSetBeforeUpdate    = "appset/before-update"    // an ApplicationSet updates an Application
	AppSetBeforeStatus    = "appset/before-status"    // an ApplicationSet's status patch
)

// Points lists every point.
var Points = []string{
	StatusBeforeWrite, StatusAfterWrite, OperationRequested, OperationStep, OperationFinish,
	ApplyBefore, ApplyAfter, HookBeforeCreate, HookAfterCreate, HookBeforeDelete, HookAfterDelete,
	PruneBeforeDelete, PruneAfterDelete, CascadeBeforeDelete, CascadeAfterDelete, CascadeBeforeFinalize,
	AppSetBeforeCreate, AppSetAfterCreate, AppSetBeforeUpdate, AppSetBeforeStatus,
}

var target = parse(os.Getenv(Env))

var (
	mu   sync.Mutex
	hits int
)

type spec struct {
	point string
	nth   int
}

// parse reads "<point>" or "<point>#<n>"; an empty or malformed value
// asks for no crash.
func parse(v string) spec {
	if v == "" {
		return spec{}
	}
	point, n, found := strings.Cut(v, "#")
	nth := 1
	if found {
		i, err := strconv.Atoi(n)
		if err != nil || i < 1 {
			fmt.Fprintf(os.Stderr, "crashpoint: ignoring %s=%q: the count after # must be a positive number\n", Env, v)
			return spec{}
		}
		nth = i
	}
	return spec{point: point, nth: nth}
}

// Hit kills the process with SIGKILL, as a node failure or the OOM killer
// would, when point is the one asked for and reached for the asked time.
func Hit(point string) {
	if target.point == "" || point != target.point {
		return
	}
	mu.Lock()
	hits++
	n := hits
	mu.Unlock()
	if n != target.nth {
		return
	}
	fmt.Fprintf(os.Stderr, "crashpoint: killed at %s#%d\n", point, n)
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // SIGKILL cannot be caught: never go on
}
