package cli

import "errors"

// exitError carries a process exit code other than 1.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }
func (e *exitError) ExitCode() int { return e.code }

func asExitCoder(err error, target *interface{ ExitCode() int }) bool {
	var e *exitError
	if errors.As(err, &e) {
		*target = e
		return true
	}
	return false
}
