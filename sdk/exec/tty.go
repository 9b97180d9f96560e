package exec

import (
	"os"
	"path"
	"regexp"
	"strings"

	"github.com/sysmaster/sysmaster/sdk"
)

// ttyDirectives are the terminal and login-record keys of man systemd.exec beside TTYPath=.
func ttyDirectives(h map[string]handler) {
	h["TTYReset"] = func(p *Parser, e *sdk.Entry) { p.Bool(e, &p.x.Exec.TTYReset, false) }
	h["TTYVHangup"] = func(p *Parser, e *sdk.Entry) { p.Bool(e, &p.x.Exec.TTYVHangup, false) }
	h["TTYVTDisallocate"] = func(p *Parser, e *sdk.Entry) { p.Bool(e, &p.x.Exec.TTYVTDisallocate, false) }
	size := func(dst func(*sdk.ExecContext) *uint32) handler {
		return func(p *Parser, e *sdk.Entry) {
			if n, _, ok := p.IntRange(e, 0, 0xffff); ok {
				*dst(p.x.Exec) = uint32(n)
			}
		}
	}
	h["TTYRows"] = size(func(x *sdk.ExecContext) *uint32 { return &x.TTYRows })
	h["TTYColumns"] = size(func(x *sdk.ExecContext) *uint32 { return &x.TTYColumns })
	h["UtmpIdentifier"] = func(p *Parser, e *sdk.Entry) { p.x.Exec.UtmpIdentifier = e.Value }
	h["UtmpMode"] = func(p *Parser, e *sdk.Entry) { p.Enum(e, &p.x.Exec.UtmpMode, "", "init", "login", "user") }
}

// needsTerm is systemd's exec_context_needs_term: a standard stream on a terminal, or TTYPath= set.
func needsTerm(x *sdk.ExecContext) bool {
	return strings.HasPrefix(x.StandardInput, "tty") || x.StandardOutput == "tty" || x.StandardError == "tty" ||
		x.TTYPath != ""
}

var virtualConsole = regexp.MustCompile(`^tty[0-9]+$`)

// consoleActive is where the kernel says which terminal /dev/console is (the last one listed).
var consoleActive = "/sys/class/tty/console/active"

// DefaultTerm is $TERM for a service on tty (TTYPath=, /dev/console when empty), as systemd 252 picks it: the
// manager's own $TERM for /dev/console, else "linux" on a virtual console and "vt220" on anything else
// (a serial line, a pseudo-terminal).
func DefaultTerm(tty string) string {
	if tty == "" {
		tty = "/dev/console"
	}
	if tty == "/dev/console" {
		if t := os.Getenv("TERM"); t != "" {
			return t
		}
		if b, err := os.ReadFile(consoleActive); err == nil {
			if f := strings.Fields(string(b)); len(f) > 0 {
				tty = "/dev/" + f[len(f)-1]
			}
		}
	}
	name := path.Base(tty)
	if virtualConsole.MatchString(name) || name == "console" {
		return "linux"
	}
	return "vt220"
}
