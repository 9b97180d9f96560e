package manager

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The commands of the current activation that ended, for the Process: lines of sctl status (systemd's exec
// status of each ExecStartPre=, ExecStart=, … command, which systemctl status lists). A plugin names a spawn
// "PHASE/INDEX", PHASE an Exec* key without "Exec" in lower case with dashes ("start-pre/0": the first
// ExecStartPre=), as sdk/control does; a spawn named otherwise is not listed.

// finishedProc is one command that ended; kept in the checkpoint with the process table.
type finishedProc struct {
	Pid    int      `json:"pid"`
	ID     string   `json:"id"`
	Argv   []string `json:"argv,omitempty"`
	Code   int      `json:"code"`
	Status int      `json:"status"`
}

// execPhases are the phases in systemd's order of the Exec* properties.
var execPhases = map[string]int{"condition": 0, "start-pre": 1, "start": 2, "start-post": 3, "reload": 4,
	"stop": 5, "stop-post": 6}

// execDirective is the directive of a phase: "start-pre" is ExecStartPre.
func execDirective(phase string) string {
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
	f := finishedProc{Pid: pid, ID: c.id, Argv: c.argv, Code: code, Status: status}
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
