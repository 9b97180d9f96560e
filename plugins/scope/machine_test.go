package scope

import (
	"slices"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
)

// sim plays the host for the scope's state machine: it keeps the state bytes and records what was asked.
type sim struct {
	t      *testing.T
	config []byte
	state  []byte
	active sdk.ActiveState
	sub    string
	result string
	attach int
	kills  []*sdk.KillAction
	timers map[string]uint64
	logs   []string
}

func newSim(t *testing.T, entries ...*sdk.Entry) *sim {
	t.Helper()
	res := scopeType{}.Parse(&sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: "x.scope"},
		Sections: []*sdk.Section{{Name: "Scope", Entries: entries}}})
	if res.Failed() {
		t.Fatalf("parse: %+v", res.Problems)
	}
	return &sim{t: t, config: res.Config, sub: "dead", timers: map[string]uint64{}}
}

func (s *sim) send(kind sdk.EventKind) {
	s.t.Helper()
	u := &sdk.Unit{Name: "x.scope", Config: s.config, State: s.state, Runtime: &sdk.Runtime{}}
	if err := (scopeType{}).Handle(u, &sdk.Event{Kind: kind}); err != nil {
		s.t.Fatal(err)
	}
	s.state = u.State
	for _, a := range u.Actions() {
		switch k := a.(type) {
		case *sdk.SetState:
			s.active, s.sub, s.result = k.Active, k.Sub, k.Result
		case *sdk.AttachProcesses:
			s.attach++
		case *sdk.KillAction:
			s.kills = append(s.kills, k)
		case *sdk.ArmTimer:
			s.timers[k.ID] = k.USec
		case *sdk.DisarmTimer:
			delete(s.timers, k.ID)
		case *sdk.Log:
			s.logs = append(s.logs, k.Text)
		}
	}
}

func (s *sim) want(active sdk.ActiveState, sub, result string) {
	s.t.Helper()
	if s.active != active || s.sub != sub || s.result != result {
		s.t.Fatalf("state %v/%s/%s, want %v/%s/%s (logs %q)", s.active, s.sub, s.result, active, sub, result, s.logs)
	}
}

func (s *sim) start() {
	s.t.Helper()
	s.send(&sdk.EventStart{})
	s.want(sdk.Activating, "start-chown", "success")
	if s.attach != 1 {
		s.t.Fatalf("start asked for %d attaches", s.attach)
	}
	s.send(&sdk.EventProcessesAttached{Pids: []int64{42}})
	s.want(sdk.Active, "running", "success")
}

// A scope is active while its cgroup has processes: empty, it is dead with success.
func TestRunsUntilEmpty(t *testing.T) {
	s := newSim(t)
	s.start()
	s.send(&sdk.EventAbandon{})
	s.want(sdk.Active, "abandoned", "success")
	s.send(&sdk.EventCgroupEmpty{})
	s.want(sdk.Inactive, "dead", "success")
}

// No process could be moved (all had exited): the scope fails with resources, as systemd's "No PIDs left".
func TestNoProcessesLeft(t *testing.T) {
	s := newSim(t)
	s.send(&sdk.EventStart{})
	s.send(&sdk.EventProcessesAttached{Errors: []string{"process 7: no such process"}})
	s.want(sdk.Failed, "failed", "resources")
	if !slices.ContainsFunc(s.logs, func(l string) bool { return strings.Contains(l, "No PIDs left") }) {
		t.Errorf("logs %q", s.logs)
	}
	s.send(&sdk.EventStart{})
	s.want(sdk.Failed, "failed", "resources")
	if s.attach != 1 {
		t.Errorf("a failed scope attached again")
	}
	s.send(&sdk.EventResetFailed{})
	s.want(sdk.Inactive, "dead", "success")
}

// Stop sends KillSignal= (with SIGHUP when SendSIGHUP=yes) to the cgroup, then SIGKILL after TimeoutStopSec=;
// the empty cgroup ends it, failed with timeout once SIGKILL was needed.
func TestStopEscalates(t *testing.T) {
	s := newSim(t, &sdk.Entry{Key: "SendSIGHUP", Value: "yes"}, &sdk.Entry{Key: "TimeoutStopSec", Value: "3"})
	s.start()
	s.send(&sdk.EventStop{})
	s.want(sdk.Deactivating, "stop-sigterm", "success")
	if len(s.kills) != 1 || s.kills[0].Whom != sdk.WhomAll || s.kills[0].Signal != 15 || !s.kills[0].AlsoSighup {
		t.Fatalf("kills %+v", s.kills)
	}
	if s.timers["timeout"] != 3e6 {
		t.Fatalf("timers %v", s.timers)
	}
	s.send(&sdk.EventTimerFired{ID: "timeout"})
	s.want(sdk.Deactivating, "stop-sigkill", "timeout")
	if k := s.kills[len(s.kills)-1]; k.Signal != 9 {
		t.Fatalf("second kill %+v", k)
	}
	s.send(&sdk.EventCgroupEmpty{})
	s.want(sdk.Failed, "failed", "timeout")
	if len(s.timers) != 0 {
		t.Errorf("timers left %v", s.timers)
	}
}

// A stop the processes obey ends dead with success.
func TestStopClean(t *testing.T) {
	s := newSim(t)
	s.start()
	s.send(&sdk.EventStop{})
	s.send(&sdk.EventCgroupEmpty{})
	s.want(sdk.Inactive, "dead", "success")
}

// RuntimeMaxSec= stops the scope when it passes, result timeout.
func TestRuntimeMax(t *testing.T) {
	s := newSim(t, &sdk.Entry{Key: "RuntimeMaxSec", Value: "2s"})
	s.start()
	if s.timers[runtimeTimer] != 2e6 {
		t.Fatalf("timers %v", s.timers)
	}
	s.send(&sdk.EventTimerFired{ID: runtimeTimer})
	s.want(sdk.Deactivating, "stop-sigterm", "timeout")
	s.send(&sdk.EventCgroupEmpty{})
	s.want(sdk.Failed, "failed", "timeout")
}

// OOMPolicy=: stop (the default) stops the scope with oom-kill, continue leaves it.
func TestOOMPolicy(t *testing.T) {
	s := newSim(t)
	s.start()
	s.send(&sdk.EventChildExited{Role: sdk.RoleHelper, OOMKilled: true, Code: sdk.Killed, Status: 9})
	s.want(sdk.Deactivating, "stop-sigterm", "oom-kill")
	s = newSim(t, &sdk.Entry{Key: "OOMPolicy", Value: "continue"})
	s.start()
	s.send(&sdk.EventChildExited{Role: sdk.RoleHelper, OOMKilled: true, Code: sdk.Killed, Status: 9})
	s.want(sdk.Active, "running", "success")
}

// KillMode=none: a stop leaves the processes and the scope is dead at once.
func TestKillModeNone(t *testing.T) {
	s := newSim(t, &sdk.Entry{Key: "KillMode", Value: "none"})
	s.start()
	s.send(&sdk.EventStop{})
	s.want(sdk.Inactive, "dead", "success")
	if len(s.kills) != 0 {
		t.Errorf("kills %+v", s.kills)
	}
}

func TestParseProblems(t *testing.T) {
	res := scopeType{}.Parse(&sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: "x.scope"}, Sections: []*sdk.Section{{
		Name: "Scope", Entries: []*sdk.Entry{{Key: "RuntimeMaxSec", Value: "soon", File: "x.scope", Line: 3},
			{Key: "ExecStart", Value: "/bin/true", File: "x.scope", Line: 4}}}}})
	if len(res.Problems) != 2 {
		t.Fatalf("problems %+v", res.Problems)
	}
	for _, p := range res.Problems {
		if p.File != "x.scope" || p.Line == 0 || p.Key == "" {
			t.Errorf("problem without its place: %+v", p)
		}
	}
	if res.Annotations["Slice"] != "" {
		t.Errorf("Slice annotation %q", res.Annotations["Slice"])
	}
	if _, ok := res.Annotations["Slice"]; !ok {
		t.Errorf("no Slice annotation: the host would not put the scope below a slice")
	}
}

func FuzzParse(f *testing.F) {
	for _, v := range []string{"1h", "infinity", "", "x", "-1", "5min 3s"} {
		f.Add("RuntimeMaxSec", v)
	}
	f.Add("OOMPolicy", "kill")
	f.Add("KillMode", "mixed")
	f.Add("MemoryMax", "1G")
	f.Fuzz(func(t *testing.T, key, value string) {
		res := scopeType{}.Parse(&sdk.ParseRequest{Unit: &sdk.UnitInfo{Name: "f.scope"},
			Sections: []*sdk.Section{{Name: "Scope", Entries: []*sdk.Entry{{Key: key, Value: value, File: "f.scope", Line: 1}}}}})
		if !res.Failed() && res.Config == nil {
			t.Fatalf("%s=%q: neither config nor error", key, value)
		}
	})
}
