// Package errdefs defines the few classes of error that sysmaster's components tell apart, and their translation
// to and from gRPC status codes so that a class survives the wire: "unit not found" is a class, not a string.
//
// Wrap an error into a class with fmt.Errorf("…: %w", errdefs.ErrNotFound) or errdefs.NotFound(err); test with
// errors.Is or the Is* helpers; cross a gRPC boundary with ToGRPC on the server and FromGRPC on the client.
package errdefs

import (
	"errors"
	"fmt"
)

// The error classes.
var (
	ErrNotFound           = errors.New("not found")
	ErrAlreadyExists      = errors.New("already exists")
	ErrInvalidArgument    = errors.New("invalid argument")
	ErrFailedPrecondition = errors.New("failed precondition")
	ErrPermissionDenied   = errors.New("permission denied")
	ErrUnavailable        = errors.New("unavailable")
	ErrNotImplemented     = errors.New("not implemented")
	ErrCanceled           = errors.New("canceled")
	ErrDeadlineExceeded   = errors.New("deadline exceeded")
)

// classed keeps the message of the original error and adds a class that errors.Is finds.
type classed struct {
	err   error
	class error
}

func (c *classed) Error() string   { return c.err.Error() }
func (c *classed) Unwrap() []error { return []error{c.err, c.class} }

func wrap(class, err error) error {
	if err == nil || errors.Is(err, class) {
		return err
	}
	return &classed{err: err, class: class}
}

// NotFound marks err as ErrNotFound; likewise the other constructors. A nil err stays nil.
func NotFound(err error) error           { return wrap(ErrNotFound, err) }
func InvalidArgument(err error) error    { return wrap(ErrInvalidArgument, err) }
func FailedPrecondition(err error) error { return wrap(ErrFailedPrecondition, err) }
func PermissionDenied(err error) error   { return wrap(ErrPermissionDenied, err) }
func Unavailable(err error) error        { return wrap(ErrUnavailable, err) }
func NotImplemented(err error) error     { return wrap(ErrNotImplemented, err) }
func AlreadyExists(err error) error      { return wrap(ErrAlreadyExists, err) }

// Errorf formats a message and marks it with class.
func Errorf(class error, format string, args ...any) error {
	return wrap(class, fmt.Errorf(format, args...))
}

func IsNotFound(err error) bool           { return errors.Is(err, ErrNotFound) }
func IsInvalidArgument(err error) bool    { return errors.Is(err, ErrInvalidArgument) }
func IsFailedPrecondition(err error) bool { return errors.Is(err, ErrFailedPrecondition) }
func IsPermissionDenied(err error) bool   { return errors.Is(err, ErrPermissionDenied) }
func IsUnavailable(err error) bool        { return errors.Is(err, ErrUnavailable) }
func IsAlreadyExists(err error) bool      { return errors.Is(err, ErrAlreadyExists) }
