package unitfile

import (
	"strconv"
	"strings"
)

// Error is a problem in a unit file. Every user-facing complaint about a unit file is one, so that it names the
// file, the line and, where known, the section and key.
type Error struct {
	File    string
	Line    int // 0 when the problem is not tied to a line
	Section string
	Key     string
	Msg     string
}

// Error formats "FILE:LINE: [SECTION] KEY: MSG", leaving out what is unknown.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Section != "" {
		b.WriteString("[" + e.Section + "] ")
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}
