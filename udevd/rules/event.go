package rules

import (
	"fmt"
	"time"

	"github.com/sysmaster/sysmaster/udevd/device"
)

// DefaultTimeout is udevd's event timeout (--event-timeout): PROGRAM and IMPORT{program} are killed when an event
// has run this long.
const DefaultTimeout = 180 * time.Second

// DefaultProgramDir is where a program named without a path is looked up (Debian's udev libexec directory).
const DefaultProgramDir = "/lib/udev"

// escape is OPTIONS="string_escape=…" for the current line.
type escape int

const (
	escapeUnset escape = iota
	escapeNone
	escapeReplace
)

// Run is one RUN entry, collected by the rules and carried out by the caller after the event.
type Run struct {
	Command string
	Builtin bool
}

// Seclabel is one SECLABEL{module}="label".
type Seclabel struct {
	Module, Label string
}

// Event is one device event as the rules see it, and what they decided.
type Event struct {
	// Dev is the event's device; the rules add properties, tags and symlinks to it.
	Dev *device.Device
	// DBDev is the device as the database knew it before this event (IMPORT{db} reads it); nil if none.
	DBDev *device.Device

	// Timeout bounds the whole event (see DefaultTimeout); Start is when it started.
	Timeout time.Duration
	Start   time.Time
	// ProgramDir is where relative program names are found (DefaultProgramDir).
	ProgramDir string
	// Test is a dry run: ATTR{} and SYSCTL{} are not written and builtins are told not to change the system.
	Test bool
	// Cmdline is the kernel command line IMPORT{cmdline} reads; empty means read /proc/cmdline.
	Cmdline string
	// SysctlRoot is where SYSCTL{} entries live ("/proc/sys" when empty).
	SysctlRoot string
	// ReadDB loads what the database holds for a parent device (properties and tags), for IMPORT{parent} and
	// TAGS; nil means parents have only what sysfs shows.
	ReadDB func(*device.Device)
	// Log receives the event's messages (errors, warnings, a program's stderr); nil discards them.
	Log func(msg string)

	// Results. UID, GID and Mode are -1 when no rule set them.
	UID, GID, Mode int
	// Name is NAME= (network interfaces only).
	Name      string
	Run       []Run
	Seclabels []Seclabel
	// Watch is OPTIONS="watch" (1), "nowatch" (0) or unset (-1).
	Watch int
	// LogLevel is OPTIONS="log_level=" (-2 unset, -1 reset).
	LogLevel int

	ownerFinal, groupFinal, modeFinal, nameFinal, devlinkFinal, runFinal, watchFinal bool

	esc           escape
	parent        *device.Device // the parent the last parent-key match selected (%b, $driver, $attr fallback)
	programResult string
	builtinRan    map[string]bool
	builtinFailed map[string]bool
	dbLoaded      map[*device.Device]bool
}

// NewEvent makes an event for dev with udevd's defaults.
func NewEvent(dev *device.Device) *Event {
	return &Event{Dev: dev, Timeout: DefaultTimeout, Start: time.Now(), ProgramDir: DefaultProgramDir,
		UID: -1, GID: -1, Mode: -1, Watch: -1, LogLevel: -2,
		builtinRan: map[string]bool{}, builtinFailed: map[string]bool{}}
}

func (ev *Event) logf(format string, a ...any) {
	if ev.Log != nil {
		ev.Log(fmt.Sprintf("%s: ", ev.Dev.Sysname) + fmt.Sprintf(format, a...))
	}
}

// remaining is what is left of the event's timeout.
func (ev *Event) remaining() time.Duration {
	if ev.Timeout <= 0 {
		return DefaultTimeout
	}
	r := ev.Timeout - time.Since(ev.Start)
	if r < time.Millisecond {
		r = time.Millisecond
	}
	return r
}
