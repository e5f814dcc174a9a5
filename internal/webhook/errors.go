package webhook

import (
	"errors"
	"fmt"
)

// Errors returned by Parse, to be told apart with errors.Is.
var (
	// ErrUnauthorized: the provider's secret is set and the request's
	// signature, token, hook UUID or basic auth is missing or wrong.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrIgnored: a well-formed event that is neither a push nor a
	// pull-request event of an action that can change a pull-request
	// generator's list (GitHub's ping, Bitbucket Server's diagnostics:ping,
	// issues, pull requests assigned or reviewed...). It is no error to the
	// sender.
	ErrIgnored = errors.New("event ignored")
	// ErrMalformed: the payload is not valid JSON or lacks the fields of a
	// push or pull-request event.
	ErrMalformed = errors.New("malformed payload")
	// ErrTooLarge: the body exceeds the size limit.
	ErrTooLarge = errors.New("payload too large")
	// ErrUnknownProvider: the request carries none of the event headers of
	// the supported providers, and its body is no Azure DevOps service hook
	// event.
	ErrUnknownProvider = errors.New("unknown webhook provider")
)

// ignoredError is an ErrIgnored with the reason, which Handler reports.
type ignoredError struct{ reason string }

func (e *ignoredError) Error() string        { return "event ignored: " + e.reason }
func (e *ignoredError) Is(target error) bool { return target == ErrIgnored }

func ignored(format string, args ...any) error {
	return &ignoredError{reason: fmt.Sprintf(format, args...)}
}

func unauthorized(provider, format string, args ...any) error {
	return fmt.Errorf("verify %s webhook: %w: %s", provider, ErrUnauthorized, fmt.Sprintf(format, args...))
}

func malformed(provider string, err error) error {
	return fmt.Errorf("parse %s push: %w: %w", provider, ErrMalformed, err)
}

func malformedPullRequest(provider string, err error) error {
	return fmt.Errorf("parse %s pull request: %w: %w", provider, ErrMalformed, err)
}
