package api

import (
	"context"

	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/host/transient"
)

// Transient is the part of Core that makes units at run time and hands processes to them, as systemd's
// StartTransientUnit, AttachProcessesToUnit and AbandonScope (man org.freedesktop.systemd1); the D-Bus API
// serves it.
type Transient interface {
	// StartTransient writes name's unit file from props (systemd's D-Bus property names and types, see package
	// transient), and the aux units' beside it, loads them and enqueues name's start job in mode. A name that is
	// a unit already is an AlreadyExists error; an unknown property or a bad value an InvalidArgument error
	// naming it; either changes nothing.
	StartTransient(ctx context.Context, name string, mode job.Mode, props []transient.Property, aux []transient.Aux) (JobInfo, error)
	// AttachProcesses moves pids into the cgroup of the unit, which must be up (sub: a cgroup below the unit's,
	// "" for the unit's own).
	AttachProcesses(ctx context.Context, unit, sub string, pids []uint32) error
	// AbandonScope tells a running scope that its client no longer manages it.
	AbandonScope(ctx context.Context, unit string) error
	// SetUnitProperties sets props (systemd's D-Bus names and types, as StartTransient takes them; only those
	// transient.Settable allows) on the unit: as drop-ins of the configuration directory (runtime: the runtime
	// one), reloaded, and at once on the running unit's cgroup. A unit not found is a NotFound error; a property
	// refused or a bad value an InvalidArgument error naming it; either changes nothing.
	SetUnitProperties(ctx context.Context, unit string, runtime bool, props []transient.Property) error
}
