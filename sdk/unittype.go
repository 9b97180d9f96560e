package sdk

// UnitType is the interface a plugin implements. The host calls it from one goroutine at a time.
type UnitType interface {
	// Describe says who the plugin is. It is called once per launch, before anything else.
	Describe() Description
	// Parse interprets the type's own sections of one unit (after the host merged drop-ins and expanded
	// specifiers) into config bytes, which the host stores and hands back with every event for the unit.
	Parse(req *ParseRequest) *ParseResult
	// Handle applies one event to one unit: it reads u.Config and u.State, records actions with u's methods and
	// sets u.State. An error leaves the unit's state as it was and drops the recorded actions (the host logs
	// it). An event of a kind this SDK does not know (sent by a newer host) never reaches Handle: Serve answers
	// it with the state unchanged and no action.
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
