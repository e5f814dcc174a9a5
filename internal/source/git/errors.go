package git

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

// Kinds of failure, for errors.Is.
var (
	ErrRevisionNotFound     = errors.New("revision not found")
	ErrRepositoryNotFound   = errors.New("repository not found")
	ErrAuthenticationFailed = errors.New("authentication failed")
	ErrEmptyRepository      = errors.New("repository is empty")
)

// sourceError carries a message already free of secrets. It deliberately does
// not wrap the go-git error it came from, whose text may hold credentials;
// it unwraps only to its kind and to context errors.
type sourceError struct {
	msg   string
	kinds []error
}

func (e *sourceError) Error() string   { return e.msg }
func (e *sourceError) Unwrap() []error { return e.kinds }

// revisionNotFound reports a revision that names nothing in the repository.
func revisionNotFound(revision string, loc location) error {
	return &sourceError{
		msg:   fmt.Sprintf("revision %q not found in %s", revision, loc.display),
		kinds: []error{ErrRevisionNotFound},
	}
}

// remoteError turns an error from talking to a remote into one that says what
// went wrong in words and holds no secret. op is what was attempted, such as
// "list references of".
func remoteError(ctx context.Context, op string, loc location, auth *Auth, err error) error {
	secrets := append(auth.secrets(), loc.password)
	e := &sourceError{}
	if ctxErr := contextError(err); ctxErr != nil {
		e.kinds = append(e.kinds, ctxErr)
	} else if ctxErr := ctx.Err(); ctxErr != nil {
		// The transport may report a cancellation as, say, a killed process.
		e.kinds = append(e.kinds, ctxErr)
	}
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired),
		errors.Is(err, transport.ErrAuthorizationFailed),
		errors.Is(err, transport.ErrInvalidAuthMethod),
		isSSHAuthError(err):
		e.msg = fmt.Sprintf("authentication failed for %s", loc.display)
		e.kinds = append(e.kinds, ErrAuthenticationFailed)
	case isHostKeyError(err):
		e.msg = fmt.Sprintf("ssh host key verification failed for %s: %s", loc.display, redact(err.Error(), secrets...))
	case errors.Is(err, transport.ErrRepositoryNotFound):
		e.msg = fmt.Sprintf("repository %s not found", loc.display)
		e.kinds = append(e.kinds, ErrRepositoryNotFound)
	case errors.Is(err, transport.ErrEmptyRemoteRepository):
		e.msg = fmt.Sprintf("repository %s is empty", loc.display)
		e.kinds = append(e.kinds, ErrEmptyRepository)
	default:
		e.msg = fmt.Sprintf("%s %s: %s", op, loc.display, redact(err.Error(), secrets...))
	}
	return e
}

// contextError returns the context error err stands for, if any.
func contextError(err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return context.DeadlineExceeded
	}
	return nil
}

// isSSHAuthError recognises x/crypto/ssh's authentication failures, which
// have no sentinel.
func isSSHAuthError(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "ssh: unable to authenticate") ||
		strings.Contains(msg, "no supported methods remain")
}

// isHostKeyError recognises a host key that known_hosts does not vouch for.
func isHostKeyError(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "knownhosts:") || strings.Contains(msg, "host key mismatch")
}

// localError reports a failure of the local cache, scrubbing secrets all the
// same: paths and go-git messages may echo the URL.
func localError(op string, loc location, auth *Auth, err error) error {
	e := &sourceError{msg: fmt.Sprintf("%s %s: %s", op, loc.display, redact(err.Error(), append(auth.secrets(), loc.password)...))}
	if ctxErr := contextError(err); ctxErr != nil {
		e.kinds = append(e.kinds, ctxErr)
	}
	return e
}
