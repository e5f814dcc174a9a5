package controlplane

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// process is one running daemon of the control plane.
type process struct {
	name    string
	cmd     *exec.Cmd
	logs    logSink
	done    chan struct{} // closed when the process has exited
	waitErr error         // set before done is closed
}

// startProcess starts bin with args in its own process group, stdin from
// /dev/null, output to logs.
func startProcess(name, bin string, args, env []string, logs logSink) (*process, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdin = nil // exec gives the child os.DevNull
	cmd.SysProcAttr = sysProcAttr()
	// With a writer sink a copier goroutine reads the daemon's output; do
	// not let a stray inheritor of the pipe block Wait for ever.
	cmd.WaitDelay = 5 * time.Second
	started, err := logs.attach(cmd)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	err = cmd.Start()
	started()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, logs: logs, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has exited, and how.
func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.waitErr
	default:
		return false, nil
	}
}

// stop sends SIGTERM to the process group, then SIGKILL after grace.
func (p *process) stop(grace time.Duration) error {
	pid := p.cmd.Process.Pid
	select {
	case <-p.done:
	default:
		if err := signalGroup(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("stop %s: %w", p.name, err)
		}
		select {
		case <-p.done:
		case <-time.After(grace):
			_ = signalGroup(pid, syscall.SIGKILL)
			select {
			case <-p.done:
			case <-time.After(10 * time.Second):
				return fmt.Errorf("stop %s: still running after SIGKILL", p.name)
			}
		}
	}
	// Anything the daemon left behind in its group goes too.
	_ = signalGroup(pid, syscall.SIGKILL)
	return nil
}

// failure wraps err with the tail of the process's log.
func (p *process) failure(err error) error {
	if ok, werr := p.exited(); ok {
		err = fmt.Errorf("%w (%s exited: %v)", err, p.name, werr)
	}
	tail := p.logs.tail(tailBytes)
	if tail == "" {
		return fmt.Errorf("%w; %s wrote no log to %s", err, p.name, p.logs.where())
	}
	return fmt.Errorf("%w; last lines of %s log (%s):\n%s", err, p.name, p.logs.where(), tail)
}

// logPath is the log file of a component under dir.
func logPath(dir, name string) string { return filepath.Join(dir, "logs", name+".log") }
