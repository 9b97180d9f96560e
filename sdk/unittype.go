package sdk

import (
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// UnitType is the interface a plugin implements. The host calls it from one goroutine at a time.
type UnitType interface {
	// Describe says who the plugin is. It is called once per launch, before anything else.
	Describe() Description
	// Parse interprets the type's own sections of one unit (after the host merged drop-ins and expanded
	// specifiers) into config bytes, which the host stores and hands back with every event for the unit.
	Parse(req *ParseRequest) *ParseResult
	// Handle applies one event to one unit: it reads u.Config and u.State, records actions with u's methods and
	// sets u.State. An error leaves the unit's state as it was and drops the recorded actions.
	Handle(u *Unit, ev *Event) error
}

// Description is what a plugin declares about its unit type up front.
type Description struct {
	// Type is the unit name suffix without the dot ("service").
	Type string
	// Sections are the unit-file sections the type interprets besides [Unit] and [Install].
	Sections []string
	// Version is the plugin's own version, shown by `sctl list-plugins`.
	Version string
	// StateVersion is the schema version of the state bytes this plugin writes; the host hands it back with each
	// blob so that a newer plugin can read an older one.
	StateVersion uint32
	// RefuseManualStart and RefuseManualStop forbid users to start or stop units of the type.
	RefuseManualStart, RefuseManualStop bool
	// Passive types (target, device) hold no processes.
	Passive bool
}

// Defaults can be embedded in a UnitType; it gives nothing today and keeps room for optional capabilities
// (discovered by type assertion) without breaking plugins that embed it.
type Defaults struct{}

// Shorter names for the wire types a plugin works with.
type (
	Event       = pb.Event
	Spawn       = pb.Spawn
	ExecContext = pb.ExecContext
	Dependency  = pb.Dependency
	Section     = pb.Section
	Entry       = pb.Entry
	UnitInfo    = pb.UnitInfo
	Runtime     = pb.UnitRuntime
	ActiveState = pb.ActiveState
	Role        = pb.Role
	Whom        = pb.Whom

	EventStart         = pb.Event_Start
	EventStop          = pb.Event_Stop
	EventReload        = pb.Event_Reload
	EventKill          = pb.Event_Kill
	EventResetFailed   = pb.Event_ResetFailed
	EventRecover       = pb.Event_Recover
	EventSpawned       = pb.Event_Spawned
	EventSpawnFailed   = pb.Event_SpawnFailed
	EventChildExited   = pb.Event_ChildExited
	EventTimerFired    = pb.Event_TimerFired
	EventNotify        = pb.Event_Notify
	EventFdReadable    = pb.Event_FdReadable
	EventCgroupEmpty   = pb.Event_CgroupEmpty
	EventMountChanged  = pb.Event_MountChanged
	EventDeviceChanged = pb.Event_DeviceChanged
	EventUnitChanged   = pb.Event_UnitChanged
	EventExecuted      = pb.Event_Executed
	EventFdOpenFailed  = pb.Event_FdOpenFailed
	EventEnqueueFailed = pb.Event_EnqueueFailed
)

// Generic active states.
const (
	Inactive     = pb.ActiveState_ACTIVE_STATE_INACTIVE
	Activating   = pb.ActiveState_ACTIVE_STATE_ACTIVATING
	Active       = pb.ActiveState_ACTIVE_STATE_ACTIVE
	Deactivating = pb.ActiveState_ACTIVE_STATE_DEACTIVATING
	Failed       = pb.ActiveState_ACTIVE_STATE_FAILED
	Reloading    = pb.ActiveState_ACTIVE_STATE_RELOADING
	Maintenance  = pb.ActiveState_ACTIVE_STATE_MAINTENANCE
)

// Process roles and kill targets.
const (
	RoleMain    = pb.Role_ROLE_MAIN
	RoleControl = pb.Role_ROLE_CONTROL
	RoleHelper  = pb.Role_ROLE_HELPER

	WhomMain    = pb.Whom_WHOM_MAIN
	WhomControl = pb.Whom_WHOM_CONTROL
	WhomAll     = pb.Whom_WHOM_ALL
)

// StateName is the name systemd uses for a generic active state ("active", "inactive", …).
func StateName(s ActiveState) string {
	switch s {
	case Inactive:
		return "inactive"
	case Activating:
		return "activating"
	case Active:
		return "active"
	case Deactivating:
		return "deactivating"
	case Failed:
		return "failed"
	case Reloading:
		return "reloading"
	case Maintenance:
		return "maintenance"
	}
	return "inactive"
}
