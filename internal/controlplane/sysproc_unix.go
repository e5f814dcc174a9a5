//go:build unix && !linux

package controlplane

import "syscall"

// sysProcAttr puts a daemon in its own process group. Without Pdeathsig
// outside Linux, daemons outlive a killed test binary.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// signalGroup sends sig to the process group led by pid.
func signalGroup(pid int, sig syscall.Signal) error { return syscall.Kill(-pid, sig) }
