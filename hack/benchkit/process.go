package benchkit

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Process is a child process in its own process group, its output in a
// log file. The kernel kills it when the benchmark dies.
type Process struct {
	Name    string
	LogPath string
	cmd     *exec.Cmd
	log     *os.File
	done    chan struct{} // closed when the process has exited
	waitErr error         // set before done is closed
}

// StartProcess starts bin with args and env (nil: the benchmark's own),
// stdout and stderr appended to logPath. argv0, when not empty, is the
// process's argv[0] (for binaries that act by the name they are called).
func StartProcess(name, bin, argv0 string, args, env []string, logPath string) (*Process, error) {
	if _, err := exec.LookPath(bin); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	if argv0 != "" {
		cmd.Args[0] = argv0
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = log.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{Name: name, LogPath: logPath, cmd: cmd, log: log, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		_ = log.Close()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited reports whether the process has exited, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.waitErr
	default:
		return false, nil
	}
}

// Check is an error if the process has exited, naming its log.
func (p *Process) Check() error {
	if ok, err := p.Exited(); ok {
		return fmt.Errorf("%s exited (%v); see its log %s", p.Name, err, p.LogPath)
	}
	return nil
}

// Stop sends SIGTERM to the process group, SIGKILL after grace, and
// kills whatever the process left in its group.
func (p *Process) Stop(grace time.Duration) error {
	pid := p.cmd.Process.Pid
	select {
	case <-p.done:
	default:
		if err := syscall.Kill(-pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("stop %s: %w", p.Name, err)
		}
		select {
		case <-p.done:
		case <-time.After(grace):
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			select {
			case <-p.done:
			case <-time.After(10 * time.Second):
				return fmt.Errorf("stop %s: still running after SIGKILL", p.Name)
			}
		}
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	return nil
}

// Kill sends SIGKILL to the process group at once, as a crash or an
// evicted Pod would end the process, and waits until the process is gone.
func (p *Process) Kill() error {
	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill %s: %w", p.Name, err)
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("kill %s: still running after SIGKILL", p.Name)
	}
}
