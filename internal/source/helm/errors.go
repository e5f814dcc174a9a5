package helm

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Kinds of failure, for errors.Is.
var (
	ErrChartNotFound        = errors.New("chart not found")
	ErrVersionNotFound      = errors.New("chart version not found")
	ErrRepositoryNotFound   = errors.New("repository not found")
	ErrAuthenticationFailed = errors.New("authentication failed")
)

// sourceError carries a message already free of secrets. It does not wrap
// the error it came from, whose text may hold credentials; it unwraps only
// to its kinds and to context errors.
type sourceError struct {
	msg   string
	kinds []error
}

func (e *sourceError) Error() string   { return e.msg }
func (e *sourceError) Unwrap() []error { return e.kinds }

// newError builds a sourceError from a message that may hold secrets.
func newError(auth *Auth, msg string, kinds ...error) error {
	return &sourceError{msg: redact(msg, auth.secrets()...), kinds: kinds}
}

// wrapError reports err, which may hold secrets, after op ("fetch index of
// https://…"), keeping context errors classifiable.
func wrapError(ctx context.Context, auth *Auth, op string, err error, kinds ...error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		kinds = append(kinds, contextError(err))
	} else if ctxErr := ctx.Err(); ctxErr != nil {
		kinds = append(kinds, ctxErr)
	}
	var se *sourceError
	if errors.As(err, &se) {
		kinds = append(kinds, se.kinds...)
	}
	return newError(auth, fmt.Sprintf("%s: %s", op, err.Error()), kinds...)
}

func contextError(err error) error {
	if errors.Is(err, context.Canceled) {
		return context.Canceled
	}
	return context.DeadlineExceeded
}

// userinfoPassword matches the password part of a URL's userinfo.
var userinfoPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://[^/?#@\s:]*):[^/?#\s@]*@`)

// redact masks passwords in URLs found in s and every given secret.
func redact(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	return userinfoPassword.ReplaceAllString(s, "$1:***@")
}
