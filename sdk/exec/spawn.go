package exec

import (
	"fmt"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/execprop"
	"github.com/sysmaster/sysmaster/pkg/exitstatus"

	"github.com/sysmaster/sysmaster/pkg/signame"
	"github.com/sysmaster/sysmaster/sdk"
)

// SpawnContext is the execution context and argv of cmd at spawn time: the unit's context with the
// environment computed now (extra last, see Environment), the command's prefixes applied and its argv expanded.
// An error means an environment file could not be read.
func (x *ExecSettings) SpawnContext(cmd Command, extra []string, noCapabilities bool) (*sdk.ExecContext, []string, error) {
	env, err := x.Environment(extra)
	if err != nil {
		return nil, nil, err
	}
	var ec *sdk.ExecContext
	if x.Exec != nil {
		ec = x.Exec.Clone()
	} else {
		ec = &sdk.ExecContext{}
	}
	ec.Environment = env
	ec.FullPrivileges, ec.AmbientOnly, ec.IgnoreFailure = cmd.FullPrivileges, cmd.AmbientOnly, cmd.IgnoreFailure
	ec.Setsid = !x.SamePgrp
	ec.NoCapabilities = noCapabilities
	argv := cmd.Argv
	if !cmd.NoExpand {
		argv = cmd.Expand(env)
	}
	return ec, argv, nil
}

// CommandsProperty is a list of commands as a plugin gives an Exec*= property to the host (pkg/execprop), which
// adds each command's last run and prints it as systemctl show does.
func CommandsProperty(cmds []Command) string {
	out := make([]execprop.Command, len(cmds))
	for i, c := range cmds {
		out[i] = execprop.Command{Path: c.Path, Argv: c.Argv, Flags: c.flags()}
	}
	return execprop.Encode(out)
}

// flags are systemd's names of the command's prefixes, in execprop.FlagOrder.
func (c Command) flags() []string {
	var f []string
	for i, set := range []bool{c.IgnoreFailure, c.FullPrivileges, c.AmbientOnly && !c.NoAmbient, c.NoAmbient, c.NoExpand} {
		if set {
			f = append(f, execprop.FlagOrder[i])
		}
	}
	return f
}

// Describe is how systemd logs a process's end: "code=exited, status=1/FAILURE", "code=killed, signal=TERM".
// code is the ChildExited code (1 exited, 2 killed, 3 dumped).
func Describe(code, status int32) string {
	if code == 1 {
		return fmt.Sprintf("code=exited, status=%d/%s", status, ExitStatusName(int(status)))
	}
	return fmt.Sprintf("code=%s, signal=%s", ExitCodeName(code), strings.TrimPrefix(signame.Name(int(status)), "SIG"))
}

// DescribeStatus is Describe as systemctl status prints it in its Process: and Main PID: lines, which name only
// libc's and systemd's own exit statuses (EXIT_STATUS_LIBC|EXIT_STATUS_SYSTEMD): "status=3", not LSB's
// "3/NOTIMPLEMENTED". The unit's log names them all, as systemd's does (Describe).
func DescribeStatus(code, status int32) string {
	if code == 1 && status > 1 && status < 200 {
		return fmt.Sprintf("code=exited, status=%d", status)
	}
	return Describe(code, status)
}

// ExitCodeName is systemd's name for a ChildExited code, as in $EXIT_CODE.
func ExitCodeName(code int32) string {
	switch code {
	case 1:
		return "exited"
	case 2:
		return "killed"
	}
	return "dumped"
}

// ExitStatusName is systemd's name for an exit status, as `systemctl status` prints it ("203/EXEC",
// "206/OOM_ADJUST"): pkg/exitstatus's table, systemd's exit-status.c.
func ExitStatusName(s int) string { return exitstatus.StatusName(s) }
