package transient

// Property is one property of a transient unit: systemd's name, and the value as the Go type of its D-Bus
// signature: string (s), bool (b), int32 (i), uint32 (u), int64 (x), uint64 (t), []string (as), []uint32 (au),
// []ExecCommand (a(sasb)), []TimerSpan (a(st)), []CalendarSpec (a(ss)), []EnvironmentFile (a(sb)).
type Property struct {
	Name  string
	Value any
}

// ExecCommand is one element of an Exec*= property: the executable, argv (argv[0] included) and whether a
// failure is ignored (the "-" prefix).
type ExecCommand struct {
	Path          string
	Argv          []string
	IgnoreFailure bool
}

// TimerSpan is one monotonic timer of TimersMonotonic: its base ("OnActiveSec", "OnBootSec", …) and the span in µs.
type TimerSpan struct {
	Base string
	USec uint64
}

// CalendarSpec is one realtime timer of TimersCalendar: its base ("OnCalendar") and the calendar event.
type CalendarSpec struct {
	Base, Spec string
}

// EnvironmentFile is one EnvironmentFiles entry: the path and whether a missing file is ignored ("-").
type EnvironmentFile struct {
	Path     string
	Optional bool
}

// Aux is an auxiliary unit of StartTransientUnit: created and loaded beside the main one, not started (the
// service a transient timer triggers).
type Aux struct {
	Name       string
	Properties []Property
}
