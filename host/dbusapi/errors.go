package dbusapi

import (
	"errors"
	"strings"

	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// The error names systemd's API answers with (sd-bus's and src/basic/bus-error.h's): a client that tells errors
// apart by name (systemctl does) sees the same here.
const (
	errFailed         = "org.freedesktop.DBus.Error.Failed"
	errInvalidArgs    = "org.freedesktop.DBus.Error.InvalidArgs"
	errAccessDenied   = "org.freedesktop.DBus.Error.AccessDenied"
	errNotSupported   = "org.freedesktop.DBus.Error.NotSupported"
	errUnknownMethod  = "org.freedesktop.DBus.Error.UnknownMethod"
	errUnknownObject  = "org.freedesktop.DBus.Error.UnknownObject"
	errUnknownIface   = "org.freedesktop.DBus.Error.UnknownInterface"
	errUnknownProp    = "org.freedesktop.DBus.Error.UnknownProperty"
	errPropReadOnly   = "org.freedesktop.DBus.Error.PropertyReadOnly"
	errLimitsExceeded = "org.freedesktop.DBus.Error.LimitsExceeded"
	errNoSuchUnit     = "org.freedesktop.systemd1.NoSuchUnit"
	errNoSuchJob      = "org.freedesktop.systemd1.NoSuchJob"
	errNoUnitForPID   = "org.freedesktop.systemd1.NoUnitForPID"
	errNoUnitForInvID = "org.freedesktop.systemd1.NoUnitForInvocationID"
	errUnitMasked     = "org.freedesktop.systemd1.UnitMasked"
	errLoadFailed     = "org.freedesktop.systemd1.LoadFailed"
	errOnlyByDep      = "org.freedesktop.systemd1.OnlyByDependency"
	errNoIsolation    = "org.freedesktop.systemd1.NoIsolation"
	errNotApplicable  = "org.freedesktop.systemd1.JobTypeNotApplicable"
	errDestructive    = "org.freedesktop.systemd1.TransactionIsDestructive"
	errUnitInactive   = "org.freedesktop.systemd1.UnitInactive"
	errUnitBusy       = "org.freedesktop.systemd1.UnitBusy"
	errNothingToClean = "org.freedesktop.systemd1.NothingToClean"
)

// busError is an error with its D-Bus name.
type busError struct{ name, text string }

func (e *busError) Error() string { return e.text }

func newError(name, text string) error { return &busError{name, text} }

func errLimits(err error) error { return &busError{errLimitsExceeded, err.Error()} }

// refusals name the core's refusals of a job by their text, as systemd's own messages read.
var refusals = []struct{ text, name string }{
	{"may be requested by dependency only", errOnlyByDep},
	{"may not be isolated", errNoIsolation},
	{"is not applicable", errNotApplicable},
	{"is masked", errUnitMasked},
	{"destructive", errDestructive},
	{"failed to load", errLoadFailed},
	{"bad unit file setting", errLoadFailed},
	// freeze, thaw and clean (systemd's bus_unit_method_freezer_generic and bus_unit_method_clean)
	{"does not support freezing", errNotSupported},
	{"does not support cleaning", errNotSupported},
	{"Unit is inactive.", errUnitInactive},
	{"Unit has a pending job.", errUnitBusy},
	{"is still in progress", errUnitBusy},
	{"Unit is not inactive or has pending job.", errUnitBusy},
	{"No matching resources found.", errNothingToClean},
}

// errorName is the D-Bus error name and message for err: its own name, else its errdefs class's.
func errorName(err error) (name, text string) {
	var be *busError
	if errors.As(err, &be) {
		return be.name, be.text
	}
	text = err.Error()
	switch {
	case errdefs.IsNotFound(err):
		return errNoSuchUnit, text
	case errdefs.IsInvalidArgument(err):
		for _, r := range refusals {
			if strings.Contains(text, r.text) {
				return r.name, text
			}
		}
		return errInvalidArgs, text
	case errdefs.IsPermissionDenied(err):
		return errAccessDenied, text
	case errors.Is(err, errdefs.ErrNotImplemented):
		return errNotSupported, text
	case errdefs.IsFailedPrecondition(err):
		for _, r := range refusals {
			if strings.Contains(text, r.text) {
				return r.name, text
			}
		}
		return errFailed, text
	}
	return errFailed, text
}
