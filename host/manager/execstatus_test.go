package manager

import (
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/pkg/execprop"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

func TestExecDirective(t *testing.T) {
	for phase, want := range map[string]string{"start-pre": "ExecStartPre", "start": "ExecStart", "stop-post": "ExecStopPost",
		"condition": "ExecCondition", "reload": "ExecReload", "stop-pre": "ExecStopPre", "mount": "ExecMount",
		"remount": "ExecRemount", "swapon": "ExecActivate", "swapoff": "ExecDeactivate"} {
		if got := execDirective(phase); got != want {
			t.Errorf("execDirective(%q) = %q, want %q", phase, got, want)
		}
	}
	for _, id := range []string{"", "start", "start/x", "bogus/0", "start-pre/0/1"} {
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

// TestExecProperties: the plugin's commands with the status of their last run: one that ended, one running
// (started again after an earlier run), one never run; a phase the plugin lists no commands for (a mount's) has
// the ones that ran; …Ex only for services.
func TestExecProperties(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 21, 0, 0, 0, time.UTC)
	u := &Unit{Type: "service"}
	u.noteFinished(9, child{id: "start-pre/0", path: "/bin/true", argv: []string{"/bin/true"}, start: stamp{t0.UnixNano(), time.Second}}, 1, 0)
	u.noteFinished(10, child{id: "start/0", path: "/bin/sleep", argv: []string{"/bin/sleep", "1"}}, 2, 9)
	u.addChild(11, child{id: "start/0", path: "/bin/sleep", argv: []string{"/bin/sleep", "1"}, start: stamp{t0.UnixNano(), 2 * time.Second}})
	u.noteFinished(12, child{id: "mount/0", path: "/bin/mount", argv: []string{"/bin/mount", "a b"}}, 1, 32)
	own := map[string]string{
		"ExecStartPre": execprop.Encode([]execprop.Command{{Path: "/bin/true", Argv: []string{"/bin/true"}, Flags: []string{"ignore-failure"}}}),
		"ExecStart":    execprop.Encode([]execprop.Command{{Path: "/bin/sleep", Argv: []string{"/bin/sleep", "1"}}, {Path: "/bin/x", Argv: []string{"x"}}}),
		"ExecStop":     "", "ExecReload": "not a command list",
	}
	ps := u.execProperties(own)
	pre := ps["ExecStartPre"].Raw.(api.ExecCommands)
	if len(pre) != 1 || pre[0].Pid != 9 || pre[0].Code != 1 || pre[0].StartRealtime != uint64(t0.UnixMicro()) ||
		pre[0].StartMonotonic != 1e6 || pre[0].ExitRealtime == 0 || !pre[0].IgnoreFailure() {
		t.Errorf("ExecStartPre: %+v", pre)
	}
	start := ps["ExecStart"].Raw.(api.ExecCommands)
	if len(start) != 2 || start[0].Pid != 11 || start[0].Code != 0 || start[0].ExitRealtime != 0 || start[0].StartMonotonic != 2e6 ||
		start[1].Pid != 0 || start[1].Path != "/bin/x" {
		t.Errorf("ExecStart: %+v", start)
	}
	if v := ps["ExecStart"].Value; !strings.Contains(v, "pid=11 ; code=(null) ; status=0/0 }\n{ path=/bin/x ; argv[]=x ;") {
		t.Errorf("ExecStart's text: %s", v)
	}
	if m := ps["ExecMount"].Raw.(api.ExecCommands); len(m) != 1 || m[0].Path != "/bin/mount" || m[0].Argv[1] != "a b" || m[0].Status.Status != 32 {
		t.Errorf("ExecMount: %+v", m)
	}
	if p, ok := ps["ExecStop"]; !ok || p.Value != "" || len(p.Raw.(api.ExecCommands)) != 0 {
		t.Errorf("ExecStop: %+v %v", p, ok)
	}
	if _, ok := ps["ExecReload"]; ok {
		t.Errorf("ExecReload (not a command list) was read as one")
	}
	if _, ok := ps["ExecStartEx"]; !ok {
		t.Errorf("no ExecStartEx for a service")
	}
	u.Type = "socket"
	if _, ok := u.execProperties(own)["ExecStartEx"]; ok {
		t.Errorf("ExecStartEx for a socket")
	}
}
