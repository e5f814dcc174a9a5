package scm

import (
	"errors"
	"fmt"
)

// APIError is a forge's error answer.
type APIError struct {
	// Method and URL are the request's (the URL without credentials).
	Method, URL string
	// Status is the HTTP status code.
	Status int
	// Message is the forge's message (its "message", "error",
	// "errors[].message" field), or the start of the body.
	Message string
}

func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s %s: %d", e.Method, e.URL, e.Status)
	}
	return fmt.Sprintf("%s %s: %d: %s", e.Method, e.URL, e.Status, e.Message)
}

// NotFoundError is a repository or organisation the forge does not know
// (or does not show to this token).
type NotFoundError struct{ Err error }

func (e *NotFoundError) Error() string { return e.Err.Error() }
func (e *NotFoundError) Unwrap() error { return e.Err }

// IsNotFound says whether err is (or wraps) a NotFoundError.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}

// notFound turns a 404 APIError into a NotFoundError and leaves any
// other error as it is. Providers call it on the request that names the
// repository or organisation itself.
func notFound(err error) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == 404 {
		return &NotFoundError{Err: err}
	}
	return err
}
