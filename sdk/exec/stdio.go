package exec

import (
	"encoding/base64"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/sdk"
)

// standardInput accepts null, tty, tty-force, tty-fail, socket, data, fd:NAME (plain "fd" is "fd:stdin") and
// file:PATH; an empty value restores null.
func (p *Parser) standardInput(e *sdk.Entry) {
	v := e.Value
	switch {
	case v == "":
		v = "null"
	case v == "fd":
		v = "fd:stdin"
	case v == "null", v == "tty", v == "tty-force", v == "tty-fail", v == "socket", v == "data":
	case strings.HasPrefix(v, "fd:") && len(v) > 3:
	case strings.HasPrefix(v, "file:"):
		if !NormalPath(v[len("file:"):]) {
			p.Bad(e, "file: needs an absolute normalized path")
			return
		}
	default:
		p.Bad(e, "expected null, tty, tty-force, tty-fail, socket, data, fd:NAME or file:PATH")
		return
	}
	p.x.Exec.StandardInput = v
	p.stdinSet = e.Value != ""
}

// standardOutput parses StandardOutput= and StandardError=: inherit, null, tty, journal, kmsg,
// journal+console, kmsg+console, socket, fd:NAME (plain "fd" is fd:stdout or fd:stderr), file:PATH,
// append:PATH, truncate:PATH; the obsolete syslog and syslog+console mean journal and journal+console. An
// empty value restores the default (journal for output, inherit for error).
func (p *Parser) standardOutput(e *sdk.Entry) {
	dst, def, fd := &p.x.Exec.StandardOutput, "journal", "fd:stdout"
	if e.Key == "StandardError" {
		dst, def, fd = &p.x.Exec.StandardError, "inherit", "fd:stderr"
	}
	v := e.Value
	switch {
	case v == "":
		v = def
	case v == "fd":
		v = fd
	case v == "syslog", v == "syslog+console":
		v = strings.Replace(v, "syslog", "journal", 1)
		p.Res.Warnf(e, p.Section, e.Key, "%s=%s is obsolete, using %s", e.Key, e.Value, v)
	case v == "inherit", v == "null", v == "tty", v == "journal", v == "kmsg", v == "journal+console",
		v == "kmsg+console", v == "socket":
	case strings.HasPrefix(v, "fd:") && len(v) > 3:
	case strings.HasPrefix(v, "file:"), strings.HasPrefix(v, "append:"), strings.HasPrefix(v, "truncate:"):
		_, path, _ := strings.Cut(v, ":")
		if !NormalPath(path) {
			p.Bad(e, "needs an absolute normalized path")
			return
		}
	default:
		p.Bad(e, "expected inherit, null, tty, journal, kmsg, journal+console, kmsg+console, socket, fd:NAME, file:PATH, append:PATH or truncate:PATH")
		return
	}
	*dst = v
	if e.Key == "StandardOutput" {
		p.stdoutSet = e.Value != ""
	}
}

// standardInputText appends one C-unescaped line and a newline to the standard input data; empty resets.
func (p *Parser) standardInputText(e *sdk.Entry) {
	if e.Value == "" {
		p.stdinData = nil
		return
	}
	s, err := unitfile.Unescape(e.Value)
	if err != nil {
		p.Bad(e, "%v", err)
		return
	}
	p.stdinData = append(append(p.stdinData, s...), '\n')
}

// standardInputData appends base64 data (whitespace allowed inside) to the standard input data; empty resets.
func (p *Parser) standardInputData(e *sdk.Entry) {
	if strings.TrimSpace(e.Value) == "" {
		p.stdinData = nil
		return
	}
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(e.Value), ""))
	if err != nil {
		p.Bad(e, "not base64: %v", err)
		return
	}
	p.stdinData = append(p.stdinData, b...)
}

// finishStdio applies systemd's defaults between the three streams: data given implies StandardInput=data,
// and a terminal, socket or fd as input makes an unset output inherit it.
func (p *Parser) finishStdio() {
	x := p.x.Exec
	if len(p.stdinData) > 0 {
		x.StandardInputData = p.stdinData
		if !p.stdinSet {
			x.StandardInput = "data"
		}
	}
	if x.StandardInput == "data" && len(p.stdinData) == 0 {
		p.WholeErrorf([]string{"StandardInput"}, "StandardInput=data needs StandardInputText= or StandardInputData=")
	}
	in := x.StandardInput
	if !p.stdoutSet && (strings.HasPrefix(in, "tty") || in == "socket" || strings.HasPrefix(in, "fd:")) {
		x.StandardOutput = "inherit"
	}
}
