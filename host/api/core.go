package api

import (
	"context"
	"time"

	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/host/unitlog"
)

// Core is what the control service needs from the core (host/manager implements it), as containerd's
// services/*/service.go sits over local.go: the service checks and translates each request, the Core carries it
// out on its event loop and answers in Go types. A Core method may block until the loop has run it or ctx ends;
// it never sees the wire format, and the service never sees the core's state.
//
// Errors are errdefs classes (not found, invalid argument, …); the server translates them for the wire.
type Core interface {
	ListUnits(ctx context.Context, f UnitFilter) ([]UnitStatus, error)
	ListUnitFiles(ctx context.Context, f UnitFilter) ([]UnitFile, error)
	// Show returns each unit's properties in systemctl show's order, and what is wrong with the configuration.
	Show(ctx context.Context, units []string) ([]UnitProperties, []string, error)
	Cat(ctx context.Context, units []string) ([]CatUnit, error)
	// Enqueue returns the jobs of each unit named first, in order, then the jobs they pulled in.
	Enqueue(ctx context.Context, units []string, t job.Type, mode job.Mode, manual bool) ([]JobInfo, error)
	// WaitJobs returns, for each id, a channel that yields its result once the job is finished (at once for a
	// job finished earlier, "unknown" for one the core does not know).
	WaitJobs(ctx context.Context, ids []uint64) ([]JobWait, error)
	ListJobs(ctx context.Context) ([]JobInfo, error)
	// CancelJobs cancels the jobs (all without ids); an unknown id is a NotFound error.
	CancelJobs(ctx context.Context, ids []uint64) error
	// ResetFailed resets the units (all without names).
	ResetFailed(ctx context.Context, units []string) error
	// Reload is a daemon-reload; it returns what is wrong with the configuration read.
	Reload(ctx context.Context) ([]string, error)
	// Reexec returns once the loop has ended for a daemon-reexec.
	Reexec(ctx context.Context) error
	// Instance names this process image: a re-executed core has another.
	Instance() string
	ChangeUnitFiles(ctx context.Context, op string, units []string, runtime bool) ([]unit.Change, error)
	ListPlugins(ctx context.Context) ([]PluginInfo, error)
	// ReloadPlugin swaps typ's plugin for the binary at path (the configured one when empty).
	ReloadPlugin(ctx context.Context, typ, path string) (PluginSwap, error)
	// Shutdown starts the target of action (poweroff, reboot, halt, kexec, exit); "<action>-force" ends the
	// manager at once instead, with no unit stopped in order (systemctl poweroff -f).
	Shutdown(ctx context.Context, action string) error
	// Kill sends signal to whom ("main", "control" or "all") of each unit, which must be up.
	Kill(ctx context.Context, units []string, whom string, signal int32) error
	// SetEnvironment changes the manager environment: unset (NAME, or NAME=VALUE when the value matches), then
	// set (NAME=VALUE); a bad entry is an InvalidArgument error and changes nothing.
	SetEnvironment(ctx context.Context, unset, set []string) error
	// UnitLogs returns the ids of the units whose logs ctx's caller may read, and the store that holds them.
	UnitLogs(ctx context.Context, units []string) ([]string, *unitlog.Store, error)
	// Watch returns a queue that gets the core's events from now on, until ctx ends.
	Watch(ctx context.Context) (*EventQueue, error)
	// UnitByPID names the unit a live process belongs to: the unit that spawned or adopted it, else the one whose
	// cgroup holds it; a pid of no unit is a NotFound error.
	UnitByPID(ctx context.Context, pid int) (string, error)
	// UnitByInvocationID names the loaded unit whose current invocation has id (32 hex digits); none is a NotFound
	// error.
	UnitByInvocationID(ctx context.Context, id string) (string, error)
	// LoadedUnit returns the list-units line of the unit name is loaded as (its id, for an alias), or nil when it
	// is not loaded, without loading it.
	LoadedUnit(ctx context.Context, name string) (*UnitStatus, error)

	// The manager's verbs (service_verbs.go).

	// Freeze freezes (thaw: thaws) the cgroups of active units and returns once the kernel says they are.
	Freeze(ctx context.Context, units []string, thaw bool) error
	// Clean removes the directories of inactive units that what names ("runtime", "state", "cache", "logs",
	// "configuration") and returns the paths removed.
	Clean(ctx context.Context, units []string, what []string) ([]string, error)
	// SetManagerOption sets a run-time setting of the manager: LogLevel, LogTarget or ServiceWatchdogs.
	SetManagerOption(ctx context.Context, name, value string) error

	// Transient units (transient.go).
	Transient
}

// UnitFilter selects units or unit files: each non-empty list must match (states: load, active or sub state;
// patterns: shell globs on the name). Without states, ListUnits shows only units that are up, failed or have a
// job unless All.
type UnitFilter struct {
	States, Types, Patterns []string
	All                     bool
}

// UnitStatus is a line of list-units.
type UnitStatus struct {
	Name, Description, LoadState, ActiveState, SubState string
	JobID                                               uint64
	JobType                                             string
}

// UnitFile is a line of list-unit-files.
type UnitFile struct{ Path, State, Preset string }

// UnitProperties are a unit's properties as systemctl show names them, in its order.
type UnitProperties struct {
	Unit       string
	Properties Properties
}

// CatUnit is a unit's fragment and drop-ins, in that order.
type CatUnit struct {
	Unit  string
	Files []CatFile
}

// CatFile is one file of a unit.
type CatFile struct{ Path, Content string }

// JobInfo is a job as list-jobs shows it; State is empty for a job just enqueued.
type JobInfo struct {
	ID                uint64
	Unit, Type, State string
}

// JobWait is a job WaitJobs waits for: Result is its result when it is known already, else Done yields it.
type JobWait struct {
	ID         uint64
	Unit, Type string
	Result     string
	Done       <-chan job.Result
}

// PluginInfo is a line of list-plugins.
type PluginInfo struct {
	Type, Path, SHA256, Pinned, State, Version, Error, RunningSHA256, SwappedFrom string
	Pid                                                                           int
	Units, Restarts                                                               int
	LastSwap                                                                      time.Time
}

// PluginSwap is what a live swap did.
type PluginSwap struct {
	OldPid, NewPid         int
	OldVersion, NewVersion string
	SHA256                 string
	Units                  int
	Pause                  time.Duration
}
