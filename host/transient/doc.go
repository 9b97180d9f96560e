// Package transient turns the properties of a transient unit, as StartTransientUnit carries them (systemd's
// D-Bus property names and value types, man org.freedesktop.systemd1), into the unit file the core writes under
// /run/sysmaster/transient and loads like any other: systemd does the same with /run/systemd/transient.
//
// A property this package does not know, one that does not apply to the unit's type, or a value of the wrong
// type is an InvalidArgument error naming it, and nothing is written. Properties that are not directives are
// handed back to the caller: PIDs (the processes a scope is started with, which the core holds) and AddRef.
//
//	f, err := transient.Build("x.scope", []transient.Property{{Name: "PIDs", Value: []uint32{42}}})
//	// f.Text is the unit file, f.PIDs is [42]
package transient
