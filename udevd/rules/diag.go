package rules

import "fmt"

// Level is the severity of a diagnostic, as udevd logs it.
type Level int

// Severities; an Error means the line (or the token, where udevd ignores only the token) was dropped.
const (
	LevelError Level = iota
	LevelWarning
	LevelNotice
)

func (l Level) String() string {
	return [...]string{"error", "warning", "notice"}[l]
}

// Diag is a message about a rules file: "file:line message", as udevd prints it.
type Diag struct {
	File  string
	Line  int
	Level Level
	Msg   string
	// Drop says the line was dropped because of this (the rest of the file still loads).
	Drop bool
}

func (d Diag) String() string { return fmt.Sprintf("%s:%d %s", d.File, d.Line, d.Msg) }

// Error makes a Diag usable as an error.
func (d Diag) Error() string { return d.String() }
