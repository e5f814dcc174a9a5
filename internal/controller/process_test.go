package controller_test

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"flotilla.dev/flotilla/internal/logbuffer"
)

// reexecEnv makes the test binary run the flotilla command line with the
// newline-separated arguments it holds, instead of the tests.
const reexecEnv = "FLOTILLA_TEST_REEXEC"

// controllerProcess is `flotilla controller` running as its own process.
type controllerProcess struct {
	cmd *exec.Cmd
	log *logbuffer.Buffer
}

// startControllerProcess runs `flotilla controller` for the Applications
// of namespace ns in a child process, with extra environment variables.
func startControllerProcess(t *testing.T, kubeconfig, ns string, env ...string) *controllerProcess {
	t.Helper()
	args := []string{"controller", "--kubeconfig", kubeconfig, "-n", ns, "--cache-dir", t.TempDir(),
		"--metrics-addr", "0", "--health-addr", "0", "--poll-interval", "1h", "--leader-elect=false"}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(append(os.Environ(), reexecEnv+"="+strings.Join(args, "\n")), env...)
	log := &logbuffer.Buffer{}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start controller process: %v", err)
	}
	p := &controllerProcess{cmd: cmd, log: log}
	t.Cleanup(p.kill)
	return p
}

// kill ends the process with SIGKILL, as a node failure or OOM would.
func (p *controllerProcess) kill() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
}
