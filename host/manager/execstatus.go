package manager

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/pkg/execprop"
)

// The commands of the current activation that ended, for the Process: lines of sctl status (systemd's exec
// status of each ExecStartPre=, ExecStart=, … command, which systemctl status lists). A plugin names a spawn
// "PHASE/INDEX", PHASE an Exec* key without "Exec" in lower case with dashes ("start-pre/0": the first
// ExecStartPre=), as sdk/control does; a spawn named otherwise is not listed.

// finishedProc is one command that ended; kept in the checkpoint with the process table.
type finishedProc struct {
	Pid    int         `json:"pid"`
	ID     string      `json:"id"`
	Argv   []string    `json:"argv,omitempty"`
	Path   string      `json:"path,omitempty"`
	Start  stampRecord `json:"start"`
	Exit   stampRecord `json:"exit"`
	Code   int         `json:"code"`
	Status int         `json:"status"`
}

// execPhases are the phases in systemd's order of the Exec* properties.
var execPhases = map[string]int{"condition": 0, "start-pre": 1, "start": 2, "start-post": 3, "reload": 4,
	"stop-pre": 5, "stop": 6, "stop-post": 7, "mount": 8, "unmount": 9, "remount": 10, "swapon": 11, "swapoff": 12}

// execDirective is the directive of a phase: "start-pre" is ExecStartPre; a swap's swapon is ExecActivate.
func execDirective(phase string) string {
	switch phase {
	case "swapon":
		return "ExecActivate"
	case "swapoff":
		return "ExecDeactivate"
	}
	var b strings.Builder
	b.WriteString("Exec")
	for _, w := range strings.Split(phase, "-") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// splitSpawnID is the phase and index of a spawn id, ok false when it is not "PHASE/INDEX" of a known phase.
func splitSpawnID(id string) (phase string, index int, ok bool) {
	phase, n, found := strings.Cut(id, "/")
	if _, known := execPhases[phase]; !found || !known {
		return "", 0, false
	}
	index, err := strconv.Atoi(n)
	return phase, index, err == nil
}

// noteFinished records a child that ended, replacing an earlier run of the same command (systemd keeps each
// command's last status).
func (u *Unit) noteFinished(pid int, c child, code, status int) {
	if _, _, ok := splitSpawnID(c.id); !ok {
		return
	}
	f := finishedProc{Pid: pid, ID: c.id, Argv: c.argv, Path: c.path, Start: rec(c.start), Exit: rec(now()), Code: code, Status: status}
	for i := range u.finished {
		if u.finished[i].ID == c.id {
			u.finished[i] = f
			return
		}
	}
	u.finished = append(u.finished, f)
}

// execProcesses is the ExecProcesses property (not systemd's: what systemctl status reads from its Exec*
// properties): one line per command that ended, in the directives' order, "PID<TAB>DIRECTIVE<TAB>CODE<TAB>
// STATUS<TAB>COMMAND LINE", CODE 1 exited, 2 killed, 3 dumped.
func (u *Unit) execProcesses() string {
	fs := append([]finishedProc(nil), u.finished...)
	sort.SliceStable(fs, func(i, j int) bool {
		pi, ii, _ := splitSpawnID(fs[i].ID)
		pj, ij, _ := splitSpawnID(fs[j].ID)
		if execPhases[pi] != execPhases[pj] {
			return execPhases[pi] < execPhases[pj]
		}
		return ii < ij
	})
	lines := make([]string, len(fs))
	for i, f := range fs {
		phase, _, _ := splitSpawnID(f.ID)
		lines[i] = fmt.Sprintf("%d\t%s\t%d\t%d\t%s", f.Pid, execDirective(phase), f.Code, f.Status, strings.Join(f.Argv, " "))
	}
	return strings.Join(lines, "\n")
}

// execProperties are u's Exec*= properties, each command with its last run (pkg/execprop): the commands the
// plugin listed (own, its properties by name), with the status of the spawns of this activation that ended
// (u.finished) or still run (u.children), as systemd's ExecStart=, … serve them. A phase whose commands the
// plugin does not list (a mount's ExecMount=, built at run time) has the commands that ran. Services have the
// …Ex variants too, as in systemd.
func (u *Unit) execProperties(own map[string]string) map[string]api.Property {
	entries := map[string][]execprop.Entry{}
	for phase := range execPhases {
		key := execDirective(phase)
		if v, ok := own[key]; ok {
			cmds, ok := execprop.Decode(v)
			if !ok {
				continue // not the plugin's command list: shown as it is
			}
			entries[key] = make([]execprop.Entry, len(cmds))
			for i, c := range cmds {
				entries[key][i].Command = c
			}
		}
	}
	at := func(phase string, i int, path string, argv []string) *execprop.Entry {
		key := execDirective(phase)
		list := entries[key]
		for len(list) <= i {
			list = append(list, execprop.Entry{})
		}
		if list[i].Path == "" {
			list[i].Path, list[i].Argv = path, argv
		}
		entries[key] = list
		return &list[i]
	}
	for _, f := range u.finished {
		phase, i, _ := splitSpawnID(f.ID)
		e := at(phase, i, f.Path, f.Argv)
		e.Status = execprop.Status{Pid: uint32(f.Pid), Code: int32(f.Code), Status: int32(f.Status)}
		e.StartRealtime, e.StartMonotonic = usecs(f.Start.stamp())
		e.ExitRealtime, e.ExitMonotonic = usecs(f.Exit.stamp())
	}
	for pid, c := range u.children {
		if phase, i, ok := splitSpawnID(c.id); ok {
			e := at(phase, i, c.path, c.argv)
			e.Status = execprop.Status{Pid: uint32(pid)}
			e.StartRealtime, e.StartMonotonic = usecs(c.start)
		}
	}
	out := make(map[string]api.Property, 2*len(entries))
	for key, list := range entries {
		out[key] = execProperty(key, list, false)
		if u.Type == "service" {
			out[key+"Ex"] = execProperty(key+"Ex", list, true)
		}
	}
	return out
}

func execProperty(name string, list []execprop.Entry, ex bool) api.Property {
	lines := make([]string, len(list))
	for i, e := range list {
		lines[i] = e.Line(ex, time.Local)
	}
	return api.Property{Name: name, Value: strings.Join(lines, "\n"), Raw: api.ExecCommands(list)}
}

// usecs are a stamp's wall-clock and monotonic times in µs, 0 for the zero time.
func usecs(s stamp) (realtime, monotonic uint64) {
	if s.wall == 0 {
		return 0, 0
	}
	return uint64(s.wall / 1e3), uint64(s.mono.Microseconds())
}
