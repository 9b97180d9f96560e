package manager

import (
	"testing"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

func TestExecDirective(t *testing.T) {
	for phase, want := range map[string]string{"start-pre": "ExecStartPre", "start": "ExecStart", "stop-post": "ExecStopPost",
		"condition": "ExecCondition", "reload": "ExecReload"} {
		if got := execDirective(phase); got != want {
			t.Errorf("execDirective(%q) = %q, want %q", phase, got, want)
		}
	}
	for _, id := range []string{"", "start", "start/x", "mount/0", "start-pre/0/1"} {
		if _, _, ok := splitSpawnID(id); ok {
			t.Errorf("splitSpawnID(%q) accepted", id)
		}
	}
}

// TestExecProcesses: the commands that ended, in the directives' order, a command run again replacing its
// earlier run, spawns not named after a phase left out.
func TestExecProcesses(t *testing.T) {
	u := &Unit{}
	u.noteFinished(12, child{id: "start/0", role: pb.Role_ROLE_MAIN, argv: []string{"/bin/sleep", "1"}}, 2, 15)
	u.noteFinished(10, child{id: "start-pre/1", argv: []string{"/bin/false"}}, 1, 1)
	u.noteFinished(9, child{id: "start-pre/0", argv: []string{"/bin/true"}}, 1, 0)
	u.noteFinished(11, child{id: "start-pre/1", argv: []string{"/bin/false"}}, 1, 0) // run again: replaces pid 10
	u.noteFinished(13, child{id: "helper"}, 1, 0)
	want := "9\tExecStartPre\t1\t0\t/bin/true\n11\tExecStartPre\t1\t0\t/bin/false\n12\tExecStart\t2\t15\t/bin/sleep 1"
	if got := u.execProcesses(); got != want {
		t.Errorf("execProcesses:\n%q\nwant\n%q", got, want)
	}
}
