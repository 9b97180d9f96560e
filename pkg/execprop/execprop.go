// Package execprop is a unit's Exec*= properties (ExecStart=, ExecStartPre=, …, a mount's ExecMount=, a swap's
// ExecActivate=): how a plugin lists its commands for the host (Encode, Decode), and each command with the
// status of its last run as systemd 252 serves it, typed for the D-Bus API's a(sasbttttuii) and a(sasasttttuii)
// and printed as systemctl show prints those (Line), so that sctl show and D-Bus come from one value.
//
// A plugin knows the commands (it parses the unit file); the host knows how each one last ran (it spawns and
// reaps them): a plugin names the spawn of the i-th command of ExecStartPre= "start-pre/i" (sdk/control), and
// the host puts the two together.
package execprop

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/signame"
	"github.com/sysmaster/sysmaster/pkg/timestamp"
)

// Command is one command line of an Exec*= setting.
type Command struct {
	Path string   // the executable
	Argv []string // argv[0] included
	// Flags are systemd's names of the line's prefixes ("-", "+", "!", "!!", ":"), in systemd's order:
	// ignore-failure, privileged, no-setuid, ambient, no-env-expand.
	Flags []string
}

// FlagOrder is systemd's order of the flag names (exec_command_flags_to_strv).
var FlagOrder = []string{"ignore-failure", "privileged", "no-setuid", "ambient", "no-env-expand"}

// IgnoreFailure reports the "-" prefix, the ignore_errors of the non-Ex properties.
func (c Command) IgnoreFailure() bool {
	for _, f := range c.Flags {
		if f == "ignore-failure" {
			return true
		}
	}
	return false
}

// Status is how a command last ran, systemd's ExecStatus: 0 times, pid and code when it never did; a running
// command has its start and pid, code 0.
type Status struct {
	StartRealtime, StartMonotonic uint64 // µs
	ExitRealtime, ExitMonotonic   uint64
	Pid                           uint32
	Code                          int32 // CLD_EXITED 1, CLD_KILLED 2, CLD_DUMPED 3
	Status                        int32 // exit status or signal
}

// Entry is a command with its status: one element of an Exec*= property.
type Entry struct {
	Command
	Status
}

// Encode is the value a plugin gives an Exec*= property: one command per line, "{ path=P ; argv[]=A… ;
// flags=F… }" with the path and each argument quoted as Go quotes strings, so that the host reads every
// argument back as it was (systemctl's own form joins them with spaces).
func Encode(cmds []Command) string {
	lines := make([]string, len(cmds))
	for i, c := range cmds {
		argv := make([]string, len(c.Argv))
		for j, a := range c.Argv {
			argv[j] = strconv.Quote(a)
		}
		lines[i] = "{ path=" + strconv.Quote(c.Path) + " ; argv[]=" + strings.Join(argv, " ") + " ; flags=" +
			strings.Join(c.Flags, " ") + " }"
	}
	return strings.Join(lines, "\n")
}

// Decode reads what Encode wrote; ok is false for any other text (a property that is not a command list).
func Decode(s string) (cmds []Command, ok bool) {
	if s == "" {
		return nil, true
	}
	for _, line := range strings.Split(s, "\n") {
		c, ok := decodeLine(line)
		if !ok {
			return nil, false
		}
		cmds = append(cmds, c)
	}
	return cmds, true
}

func decodeLine(line string) (Command, bool) {
	var c Command
	rest, ok := strings.CutPrefix(line, "{ path=")
	if !ok {
		return c, false
	}
	q, err := strconv.QuotedPrefix(rest)
	if err != nil {
		return c, false
	}
	c.Path, _ = strconv.Unquote(q)
	if rest, ok = strings.CutPrefix(rest[len(q):], " ; argv[]="); !ok {
		return c, false
	}
	for !strings.HasPrefix(rest, " ; flags=") {
		rest = strings.TrimPrefix(rest, " ")
		q, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return c, false
		}
		a, _ := strconv.Unquote(q)
		c.Argv, rest = append(c.Argv, a), rest[len(q):]
	}
	flags, ok := strings.CutSuffix(strings.TrimPrefix(rest, " ; flags="), " }")
	if !ok {
		return c, false
	}
	if f := strings.Fields(flags); len(f) > 0 {
		c.Flags = f
	}
	return c, true
}

// Line is e as systemctl show prints one element of the property (systemctl-show.c's print_property): ex for
// the …Ex properties, whose flags replace ignore_errors.
func (e Entry) Line(ex bool, local *time.Location) string {
	var b strings.Builder
	b.WriteString("{ path=" + e.Path + " ; argv[]=" + strings.Join(e.Argv, " ") + " ; ")
	if ex {
		b.WriteString("flags=" + strings.Join(e.Flags, " "))
	} else {
		b.WriteString("ignore_errors=" + map[bool]string{true: "yes", false: "no"}[e.IgnoreFailure()])
	}
	stamp := func(us uint64) string {
		if s, ok := timestamp.Format(us, timestamp.Pretty, local); ok {
			return s
		}
		return "n/a"
	}
	fmt.Fprintf(&b, " ; start_time=[%s] ; stop_time=[%s] ; pid=%d ; code=%s ; status=%d", stamp(e.StartRealtime),
		stamp(e.ExitRealtime), e.Pid, codeName(e.Code), e.Status.Status)
	if e.Code != 1 { // a signal, by name (systemctl's signal_to_string: "15/TERM"; 0 for none: "0/0")
		b.WriteString("/" + strings.TrimPrefix(signame.Name(int(e.Status.Status)), "SIG"))
	}
	b.WriteString(" }")
	return b.String()
}

// codeName is systemd's sigchld_code_to_string, "(null)" (glibc's printf of NULL) for a command not ended.
func codeName(code int32) string {
	switch code {
	case 1:
		return "exited"
	case 2:
		return "killed"
	case 3:
		return "dumped"
	}
	return "(null)"
}
