package sdk

import "strconv"

// ActiveState is a unit's generic state, the one every unit type shares (systemd's ActiveState= property). A
// plugin reports it with a type-specific sub-state; the host turns its transitions into job results.
type ActiveState int32

// Generic active states. The zero value means "not reported".
const (
	Inactive ActiveState = iota + 1
	Activating
	Active
	Deactivating
	Failed
	Reloading
	Maintenance
)

// String is systemd's name of the state ("active", "inactive", …), the protocol's name for it (wire.go); an
// unknown value reads "inactive".
func (s ActiveState) String() string {
	if n, ok := activeNames[s]; ok {
		return n
	}
	return "inactive"
}

// Role is what a process is to its unit.
type Role int32

// Process roles. The zero value is an unknown role (a pid the host found alive but never knew).
const (
	RoleMain    Role = 1
	RoleControl Role = 2
	// RoleHelper is neither main nor control (an Accept=yes connection handler owned by its own unit).
	RoleHelper Role = 3
)

// Whom says which processes of a unit a Kill action signals.
type Whom int32

// Kill targets; a Kill event with the zero value means WhomAll.
const (
	WhomMain    Whom = 1
	WhomControl Whom = 2
	WhomAll     Whom = 3 // every process in the unit's cgroup
)

// ExitCode is how a process ended (waitid's si_code).
type ExitCode int32

// Exit codes.
const (
	Exited ExitCode = 1 // CLD_EXITED: the status is the exit status
	Killed ExitCode = 2 // CLD_KILLED: the status is the signal
	Dumped ExitCode = 3 // CLD_DUMPED: the status is the signal
)

// UnitInfo is what the host knows of a unit from its [Unit] and [Install] sections and from its name.
type UnitInfo struct {
	Name                string   // full unit name, "getty@tty1.service"
	Names               []string // the name and its aliases
	Description         string
	DefaultDependencies bool // DefaultDependencies= (default yes)
	// Dependencies as configured, before the type's default and implicit ones are added.
	Dependencies []*Dependency
	FragmentPath string
}

// GetName returns u.Name, or "" for a nil u.
func (u *UnitInfo) GetName() string {
	if u == nil {
		return ""
	}
	return u.Name
}

// Dependency is one kind of dependency ("Requires", "After", "Triggers", … as in a unit file) on some units.
type Dependency struct {
	Kind  string
	Units []string
}

// Section is one section of a unit file: the main file's entries, then the drop-ins', in order.
type Section struct {
	Name    string
	Entries []*Entry
}

// Entry is one assignment in a unit file. Value has specifiers expanded and continuation lines joined; quotes
// and escapes are left for the type's parser. An empty value means "reset" for list keys.
type Entry struct {
	Key   string
	Value string
	File  string
	Line  int32
}

// Runtime is what the host holds for a unit, handed to the plugin with every event.
type Runtime struct {
	MainPid    int64
	ControlPid int64
	Cgroup     string // relative to the cgroup root, "/system.slice/foo.service"
	// Fds are the descriptors the unit may pass to its processes, in order: the listening fds of the socket
	// units that trigger it, then those it holds itself. FdNames are their names, for LISTEN_FDNAMES.
	Fds, FdNames []string
	Timers       []string // ids of the armed timers
	InvocationID string
	// ActivationEnv are the activation details of the current activation (KEY=VALUE: TRIGGER_UNIT=, …), from
	// the EnqueueJob of the timer or path unit that started it; the control kit adds them to every command.
	ActivationEnv []string
}

// Severity is how bad a Problem is.
type Severity int32

// Severities: an error makes the unit bad-setting; a warning is logged and the unit loads.
const (
	SeverityError   Severity = 1
	SeverityWarning Severity = 2
)

// Problem is one complaint about a unit file, tied to the file and line of the entry when there is one.
type Problem struct {
	Severity Severity
	File     string
	Line     int32
	Section  string
	Key      string
	Message  string
}

// String reads "FILE:LINE: [Section] Key=: message", with what is known of the place.
func (p *Problem) String() string {
	s := ""
	if p.File != "" {
		s = p.File + ":"
		if p.Line > 0 {
			s += strconv.Itoa(int(p.Line)) + ":"
		}
		s += " "
	}
	if p.Section != "" {
		s += "[" + p.Section + "] "
	}
	if p.Key != "" {
		s += p.Key + "=: "
	}
	return s + p.Message
}
