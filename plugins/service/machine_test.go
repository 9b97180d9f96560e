package service

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

// sim plays the host for the state machine, without processes: it keeps the unit's state bytes and runtime, hands
// out pids for spawns, remembers timers, kills and jobs, and delivers Spawned at once as the host does.
type sim struct {
	t      *testing.T
	c      Config
	state  []byte
	rt     sdk.Runtime
	active sdk.ActiveState
	sub    string
	result string
	props  map[string]string
	states []string // every sub-state reported, in order

	nextPid int64
	pids    map[string]int64 // spawn id → live pid
	spawns  []*sdk.Spawn
	kills   []*sdk.KillAction
	timers  map[string]uint64
	jobs    []*sdk.EnqueueJob
	mainSet []int64
	logs    []string
}

func newSim(t *testing.T, c Config) *sim {
	if c.Type == "" {
		c.Type = "simple"
	}
	if c.KillMode == "" {
		c.KillMode = "control-group"
	}
	if c.KillSignal == 0 {
		c.KillSignal, c.FinalKillSignal, c.WatchdogSignal, c.ReloadSignal = 15, 9, 6, 1
	}
	if c.Restart == "" {
		c.Restart = "no"
	}
	c.SendSIGKILL = true // the parser's default
	return &sim{t: t, c: c, nextPid: 100, pids: map[string]int64{}, timers: map[string]uint64{}, props: map[string]string{}}
}

func cmd(argv ...string) Command { return Command{Path: argv[0], Argv: argv} }

func (s *sim) send(ev *sdk.Event) {
	s.t.Helper()
	rt := &s.rt
	u := &sdk.Unit{Name: "x.service", Config: sdk.EncodeJSON(s.c), State: s.state, Runtime: rt}
	if err := (serviceType{}).Handle(u, ev); err != nil {
		s.t.Fatal(err)
	}
	s.state = u.State
	var follow []*sdk.Event
	for _, a := range u.Actions() {
		switch k := a.(type) {
		case *sdk.SetState:
			s.active, s.sub, s.result = k.Active, k.Sub, k.Result
			for key, v := range k.Properties {
				s.props[key] = v
			}
			s.states = append(s.states, k.Sub)
		case *sdk.Spawn:
			s.nextPid++
			pid := s.nextPid
			s.spawns = append(s.spawns, k)
			s.pids[k.ID] = pid
			switch k.Role {
			case sdk.RoleMain:
				s.rt.MainPid = pid
			case sdk.RoleControl:
				s.rt.ControlPid = pid
			}
			follow = append(follow, &sdk.Event{Kind: &sdk.EventSpawned{ID: k.ID, Pid: pid, Role: k.Role}})
		case *sdk.KillAction:
			s.kills = append(s.kills, k)
		case *sdk.ArmTimer:
			s.timers[k.ID] = k.USec
		case *sdk.DisarmTimer:
			delete(s.timers, k.ID)
		case *sdk.EnqueueJob:
			s.jobs = append(s.jobs, k)
		case *sdk.SetMainPid:
			s.mainSet = append(s.mainSet, k.Pid)
			if k.Pid > 0 {
				s.rt.MainPid = k.Pid
			}
		case *sdk.Log:
			s.logs = append(s.logs, k.Text)
		}
	}
	for _, ev := range follow {
		s.send(ev)
	}
}

func (s *sim) start()  { s.send(&sdk.Event{Kind: &sdk.EventStart{}}) }
func (s *sim) stop()   { s.send(&sdk.Event{Kind: &sdk.EventStop{}}) }
func (s *sim) reload() { s.send(&sdk.Event{Kind: &sdk.EventReload{}}) }
func (s *sim) fire(id string) {
	s.t.Helper()
	if _, ok := s.timers[id]; !ok {
		s.t.Fatalf("timer %q is not armed (armed: %v)", id, s.timers)
	}
	delete(s.timers, id)
	s.send(&sdk.Event{Kind: &sdk.EventTimerFired{ID: id}})
}
func (s *sim) empty() { s.send(&sdk.Event{Kind: &sdk.EventCgroupEmpty{}}) }
func (s *sim) notify(pid int64, fields ...string) {
	s.send(&sdk.Event{Kind: &sdk.EventNotify{Pid: pid, Fields: fields}})
}

// exit ends the process spawned under id with code (1 exited, 2 killed) and status.
func (s *sim) exit(id string, code, status int32) {
	s.t.Helper()
	pid, ok := s.pids[id]
	if !ok {
		s.t.Fatalf("no live process %q (live: %v)", id, s.pids)
	}
	delete(s.pids, id)
	role := sdk.RoleControl
	if pid == s.rt.MainPid {
		role, s.rt.MainPid = sdk.RoleMain, 0
	} else if pid == s.rt.ControlPid {
		s.rt.ControlPid = 0
	}
	s.send(&sdk.Event{Kind: &sdk.EventChildExited{ID: id, Pid: pid, Role: role, Code: sdk.ExitCode(code), Status: status}})
}

// exitMain ends the main process set by SetMainPid (no spawn id).
func (s *sim) exitMain(code, status int32) {
	pid := s.rt.MainPid
	s.rt.MainPid = 0
	s.send(&sdk.Event{Kind: &sdk.EventChildExited{Pid: pid, Role: sdk.RoleMain, Code: sdk.ExitCode(code), Status: status}})
}

func (s *sim) want(active sdk.ActiveState, sub, result string) {
	s.t.Helper()
	if s.active != active || s.sub != sub || (result != "" && s.result != result) {
		s.t.Fatalf("state %s/%s result %s, want %s/%s result %s (path %v, logs %q)",
			s.active, s.sub, s.result, active, sub, result, s.states, s.logs)
	}
}

func (s *sim) lastKill() *sdk.KillAction {
	s.t.Helper()
	if len(s.kills) == 0 {
		s.t.Fatal("nothing was killed")
	}
	return s.kills[len(s.kills)-1]
}

func TestSimpleStartStop(t *testing.T) {
	s := newSim(t, Config{ExecStart: []Command{cmd("/bin/sleep", "100")}, TimeoutStopUSec: 90e6})
	s.start()
	s.want(sdk.Active, subRunning, resSuccess)
	if len(s.spawns) != 1 || s.spawns[0].Role != sdk.RoleMain || s.spawns[0].Argv[1] != "100" {
		t.Fatalf("spawns %v", s.spawns)
	}
	s.stop()
	s.want(sdk.Deactivating, subStopSigterm, "")
	if k := s.lastKill(); k.Whom != sdk.WhomAll || k.Signal != 15 {
		t.Fatalf("kill %v", k)
	}
	s.exit("start/0", 2, 15)
	s.want(sdk.Deactivating, subStopSigterm, "") // the cgroup may still hold processes
	s.empty()
	s.want(sdk.Inactive, subDead, resSuccess)
	if len(s.timers) != 0 {
		t.Fatalf("timers left armed: %v", s.timers)
	}
}

func TestMainExitsByItself(t *testing.T) {
	s := newSim(t, Config{ExecStart: []Command{cmd("/bin/false")}, ExecStopPost: []Command{cmd("/bin/true")}})
	s.start()
	s.exit("start/0", 1, 1)
	s.want(sdk.Deactivating, subStopSigterm, resExitCode)
	s.empty()
	s.want(sdk.Deactivating, subStopPost, resExitCode)
	if env := strings.Join(s.spawns[1].Exec.Environment, " "); !strings.Contains(env, "SERVICE_RESULT=exit-code") ||
		!strings.Contains(env, "EXIT_CODE=exited") || !strings.Contains(env, "EXIT_STATUS=1") {
		t.Fatalf("ExecStopPost environment %q", env)
	}
	s.exit("stop-post/0", 1, 0)
	s.empty()
	s.want(sdk.Failed, subFailed, resExitCode)
}

func TestOneshotSequence(t *testing.T) {
	s := newSim(t, Config{Type: "oneshot", RemainAfterExit: true, ExecStart: []Command{cmd("/bin/a"), cmd("/bin/b")}})
	s.start()
	s.want(sdk.Activating, subStart, "")
	s.exit("start/0", 1, 0)
	s.want(sdk.Activating, subStart, "")
	if len(s.spawns) != 2 || s.spawns[1].Path != "/bin/b" || s.spawns[1].Role != sdk.RoleMain {
		t.Fatalf("spawns %v", s.spawns)
	}
	s.exit("start/1", 1, 0)
	s.want(sdk.Active, subExited, resSuccess)
	s.stop()
	s.empty()
	s.want(sdk.Inactive, subDead, resSuccess)
}

func TestOneshotWithoutRemainEndsDead(t *testing.T) {
	s := newSim(t, Config{Type: "oneshot", ExecStart: []Command{cmd("/bin/true")}})
	s.start()
	s.exit("start/0", 1, 0)
	s.empty()
	s.want(sdk.Inactive, subDead, resSuccess)
}

func TestIgnoreFailurePrefix(t *testing.T) {
	c := cmd("/bin/false")
	c.IgnoreFailure = true
	s := newSim(t, Config{Type: "oneshot", RemainAfterExit: true, ExecStartPre: []Command{c}, ExecStart: []Command{cmd("/bin/true")}})
	s.start()
	s.exit("start-pre/0", 1, 1)
	s.exit("start/0", 1, 0)
	s.want(sdk.Active, subExited, resSuccess)
}

func TestStartPreFailureRunsStopPost(t *testing.T) {
	s := newSim(t, Config{ExecStartPre: []Command{cmd("/bin/false")}, ExecStart: []Command{cmd("/bin/sleep")},
		ExecStopPost: []Command{cmd("/bin/cleanup")}})
	s.start()
	s.want(sdk.Activating, subStartPre, "")
	s.exit("start-pre/0", 1, 3)
	s.empty()
	s.want(sdk.Deactivating, subStopPost, resExitCode)
	s.exit("stop-post/0", 1, 0)
	s.empty()
	s.want(sdk.Failed, subFailed, resExitCode)
	for _, sp := range s.spawns {
		if sp.Path == "/bin/sleep" {
			t.Fatal("ExecStart ran after a failed ExecStartPre")
		}
	}
}

func TestExecConditionSkips(t *testing.T) {
	s := newSim(t, Config{Restart: "always", ExecCondition: []Command{cmd("/bin/false")}, ExecStart: []Command{cmd("/bin/sleep")}})
	s.start()
	s.exit("condition/0", 1, 1)
	s.empty()
	s.want(sdk.Inactive, subDead, resSuccess)
	if _, armed := s.timers[timerRestart]; armed {
		t.Fatal("a skipped service is scheduled for restart")
	}
}

func TestRestartOnFailureCountsRestarts(t *testing.T) {
	s := newSim(t, Config{Restart: "on-failure", RestartUSec: 200000, ExecStart: []Command{cmd("/bin/false")}})
	for round := 1; round <= 3; round++ {
		s.start()
		s.exit(fmt.Sprintf("start/%d", 0), 1, 1)
		s.empty()
		s.want(sdk.Activating, subAutoRestart, resExitCode)
		if !slices.Contains(s.states, subFailed) {
			t.Fatalf("did not pass through failed: %v", s.states)
		}
		if s.timers[timerRestart] != 200000 {
			t.Fatalf("restart timer %v", s.timers)
		}
		s.fire(timerRestart)
		if j := s.jobs[len(s.jobs)-1]; j.Unit != "x.service" || j.Type != "restart" {
			t.Fatalf("job %v", j)
		}
		want := fmt.Sprintf("Scheduled restart job, restart counter is at %d.", round)
		if !slices.Contains(s.logs, want) {
			t.Fatalf("logs %q lack %q", s.logs, want)
		}
		s.stop() // the restart job's stop half
		s.want(sdk.Inactive, subDead, "")
	}
	s.start()
	if s.props["NRestarts"] != "3" {
		t.Fatalf("NRestarts %q, want 3", s.props["NRestarts"])
	}
	s.stop()
	s.exit("start/0", 2, 15)
	s.empty()
	s.want(sdk.Inactive, subDead, resSuccess)
	s.start()
	if s.props["NRestarts"] != "0" {
		t.Fatalf("NRestarts %q after a manual start, want 0", s.props["NRestarts"])
	}
}

// TestRestartMatrix is the table under Restart= in man systemd.service, for each way a service can end.
func TestRestartMatrix(t *testing.T) {
	type ending struct {
		name string
		run  func(s *sim)
	}
	endings := []ending{
		{"clean", func(s *sim) { s.exit("start/0", 1, 0); s.empty() }},
		{"clean-signal", func(s *sim) { s.exit("start/0", 2, 15); s.empty() }},
		{"unclean-code", func(s *sim) { s.exit("start/0", 1, 3); s.empty() }},
		{"unclean-signal", func(s *sim) { s.exit("start/0", 2, 9); s.empty() }},
		{"timeout", func(s *sim) { s.fire(timerPhase); s.exit("start/0", 2, 15); s.empty() }},
		{"watchdog", func(s *sim) { s.fire(timerWatchdog); s.exit("start/0", 2, 6); s.empty() }},
	}
	restarts := map[string][]string{ // Restart= value → endings that restart
		"no":          nil,
		"always":      {"clean", "clean-signal", "unclean-code", "unclean-signal", "timeout", "watchdog"},
		"on-success":  {"clean", "clean-signal"},
		"on-failure":  {"unclean-code", "unclean-signal", "timeout", "watchdog"},
		"on-abnormal": {"unclean-signal", "timeout", "watchdog"},
		"on-abort":    {"unclean-signal"},
		"on-watchdog": {"watchdog"},
	}
	for restart, yes := range restarts {
		for _, e := range endings {
			t.Run(restart+"/"+e.name, func(t *testing.T) {
				c := Config{Restart: restart, ExecStart: []Command{cmd("/bin/x")}, WatchdogUSec: 1e6}
				if e.name == "timeout" {
					c.RuntimeMaxUSec = 5e6
				}
				s := newSim(t, c)
				s.start()
				s.want(sdk.Active, subRunning, "")
				e.run(s)
				_, armed := s.timers[timerRestart]
				if armed != slices.Contains(yes, e.name) {
					t.Fatalf("restart armed %v, want %v (state %s, result %s, path %v)", armed, !armed, s.sub, s.result, s.states)
				}
			})
		}
	}
}

func TestRestartPreventAndForce(t *testing.T) {
	s := newSim(t, Config{Restart: "always", RestartPreventExitStatus: ExitStatusSet{Statuses: []int{42}}, ExecStart: []Command{cmd("/bin/x")}})
	s.start()
	s.exit("start/0", 1, 42)
	s.empty()
	s.want(sdk.Failed, subFailed, resExitCode)

	s = newSim(t, Config{Restart: "no", RestartForceExitStatus: ExitStatusSet{Signals: []int{9}}, ExecStart: []Command{cmd("/bin/x")}})
	s.start()
	s.exit("start/0", 2, 9)
	s.empty()
	s.want(sdk.Activating, subAutoRestart, resSignal)
}

func TestSuccessExitStatus(t *testing.T) {
	s := newSim(t, Config{SuccessExitStatus: ExitStatusSet{Statuses: []int{7}}, ExecStart: []Command{cmd("/bin/x")}})
	s.start()
	s.exit("start/0", 1, 7)
	s.empty()
	s.want(sdk.Inactive, subDead, resSuccess)
}

func TestRestartSteps(t *testing.T) {
	s := newSim(t, Config{RestartUSec: 100000, RestartMaxDelayUSec: 1600000, RestartSteps: 4})
	m := &machine{c: &s.c, s: &State{}}
	var got []uint64
	for n := uint32(0); n < 6; n++ {
		m.s.NRestarts = n
		got = append(got, m.restartDelay())
	}
	want := []uint64{200000, 400000, 800000, 1600000, 1600000, 1600000}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("delays %v, want %v", got, want)
	}
}

func TestNotifyReadyAndAccess(t *testing.T) {
	s := newSim(t, Config{Type: "notify", ExecStart: []Command{cmd("/bin/x")}, TimeoutStartUSec: 90e6})
	s.start()
	s.want(sdk.Activating, subStart, "")
	if !s.spawns[0].NotifySocket {
		t.Fatal("a notify service gets no NOTIFY_SOCKET")
	}
	s.notify(9999, "READY=1", "MAINPID=9999") // not the main process: NotifyAccess=main
	s.want(sdk.Activating, subStart, "")
	if len(s.mainSet) != 0 {
		t.Fatalf("MAINPID from an unauthorised pid was applied: %v", s.mainSet)
	}
	s.notify(s.rt.MainPid, "STATUS=warming up")
	s.want(sdk.Activating, subStart, "")
	s.notify(s.rt.MainPid, "READY=1", "STATUS=serving")
	s.want(sdk.Active, subRunning, resSuccess)
	if _, armed := s.timers[timerPhase]; armed {
		t.Fatal("start timeout still armed when running")
	}
}

func TestNotifyWithoutReadyTimesOut(t *testing.T) {
	s := newSim(t, Config{Type: "notify", ExecStart: []Command{cmd("/bin/x")}, TimeoutStartUSec: 1e6, TimeoutStopUSec: 1e6})
	s.start()
	s.fire(timerPhase)
	s.want(sdk.Deactivating, subStopSigterm, resTimeout)
	s.fire(timerPhase)
	s.want(sdk.Deactivating, subStopSigkill, resTimeout)
	if k := s.lastKill(); k.Signal != 9 || k.Whom != sdk.WhomAll {
		t.Fatalf("kill %v", k)
	}
	s.exit("start/0", 2, 9)
	s.empty()
	s.want(sdk.Failed, subFailed, resTimeout)
}

func TestNotifyExitWithoutReadyIsProtocol(t *testing.T) {
	s := newSim(t, Config{Type: "notify", ExecStart: []Command{cmd("/bin/x")}})
	s.start()
	s.exit("start/0", 1, 0)
	s.empty()
	s.want(sdk.Failed, subFailed, resProtocol)
}

func TestNotifyReload(t *testing.T) {
	s := newSim(t, Config{Type: "notify-reload", ExecStart: []Command{cmd("/bin/x")}})
	s.start()
	s.notify(s.rt.MainPid, "READY=1")
	s.reload()
	s.want(sdk.Reloading, subReloadSignal, "")
	if k := s.lastKill(); k.Whom != sdk.WhomMain || k.Signal != 1 {
		t.Fatalf("kill %v", k)
	}
	s.notify(s.rt.MainPid, "RELOADING=1", "MONOTONIC_USEC=1")
	s.want(sdk.Reloading, subReloadNotify, "")
	s.notify(s.rt.MainPid, "READY=1")
	s.want(sdk.Active, subRunning, resSuccess)
	if s.props["ReloadResult"] != resSuccess {
		t.Fatalf("ReloadResult %q", s.props["ReloadResult"])
	}
}

func TestExecReloadFailureKeepsRunning(t *testing.T) {
	s := newSim(t, Config{ExecStart: []Command{cmd("/bin/x")}, ExecReload: []Command{cmd("/bin/kill", "-HUP", "$MAINPID")}})
	s.start()
	s.reload()
	s.want(sdk.Reloading, subReload, "")
	if env := strings.Join(s.spawns[1].Exec.Environment, " "); !strings.Contains(env, fmt.Sprintf("MAINPID=%d", s.rt.MainPid)) {
		t.Fatalf("ExecReload environment %q lacks MAINPID", env)
	}
	s.exit("reload/0", 1, 1)
	s.want(sdk.Active, subRunning, resSuccess)
	if s.props["ReloadResult"] != resExitCode {
		t.Fatalf("ReloadResult %q", s.props["ReloadResult"])
	}
}

func TestWatchdogPingsKeepItAlive(t *testing.T) {
	s := newSim(t, Config{Type: "notify", Restart: "on-watchdog", ExecStart: []Command{cmd("/bin/x")}, WatchdogUSec: 500000})
	s.start()
	s.notify(s.rt.MainPid, "READY=1")
	if s.timers[timerWatchdog] != 500000 {
		t.Fatalf("watchdog timer %v", s.timers)
	}
	s.notify(s.rt.MainPid, "WATCHDOG=1")
	s.want(sdk.Active, subRunning, "")
	s.fire(timerWatchdog)
	s.want(sdk.Deactivating, subStopWatchdog, resWatchdog)
	if k := s.lastKill(); k.Signal != 6 {
		t.Fatalf("watchdog signal %d, want SIGABRT", k.Signal)
	}
	s.exit("start/0", 2, 6)
	s.empty()
	s.want(sdk.Activating, subAutoRestart, resWatchdog)
}

func TestForkingPIDFile(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "d.pid")
	if err := os.WriteFile(pidfile, []byte("4242\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := newSim(t, Config{Type: "forking", PIDFile: pidfile, ExecStart: []Command{cmd("/usr/sbin/d")}})
	s.start()
	if s.spawns[0].Role != sdk.RoleControl {
		t.Fatalf("forking's ExecStart role %v, want control", s.spawns[0].Role)
	}
	s.exit("start/0", 1, 0)
	s.want(sdk.Active, subRunning, resSuccess)
	if fmt.Sprint(s.mainSet) != "[4242]" {
		t.Fatalf("main pid set %v", s.mainSet)
	}
	s.exitMain(1, 0)
	s.empty()
	s.want(sdk.Inactive, subDead, resSuccess)
}

func TestForkingGuessesMainPid(t *testing.T) {
	s := newSim(t, Config{Type: "forking", GuessMainPID: true, ExecStart: []Command{cmd("/usr/sbin/d")}})
	s.start()
	s.exit("start/0", 1, 0)
	if fmt.Sprint(s.mainSet) != "[0]" {
		t.Fatalf("main pid set %v, want a guess (0)", s.mainSet)
	}
	s.want(sdk.Active, subRunning, "")
	// Without a main pid found, the service lives as long as its cgroup.
	s.empty()
	s.want(sdk.Inactive, subDead, resSuccess)
}

func TestKillModes(t *testing.T) {
	for _, tc := range []struct {
		mode  string
		first []sdk.Whom
	}{
		{"control-group", []sdk.Whom{sdk.WhomAll}},
		{"mixed", []sdk.Whom{sdk.WhomMain, sdk.WhomControl}},
		{"process", []sdk.Whom{sdk.WhomMain, sdk.WhomControl}},
		{"none", nil},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			s := newSim(t, Config{KillSettings: exec.KillSettings{KillMode: tc.mode, SendSIGKILL: true}, ExecStart: []Command{cmd("/bin/x")}, TimeoutStopUSec: 1e6})
			s.start()
			s.stop()
			var got []sdk.Whom
			for _, k := range s.kills {
				got = append(got, k.Whom)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.first) {
				t.Fatalf("first kills %v, want %v", got, tc.first)
			}
			if tc.mode == "none" {
				// Nothing signalled, nothing to wait for: stopped at once, the processes left alone.
				s.want(sdk.Inactive, subDead, resSuccess)
				return
			}
			s.fire(timerPhase)
			s.want(sdk.Deactivating, subStopSigkill, resTimeout)
			if tc.mode == "mixed" || tc.mode == "control-group" {
				if k := s.lastKill(); k.Whom != sdk.WhomAll || k.Signal != 9 {
					t.Fatalf("SIGKILL stage %v", k)
				}
			}
		})
	}
}

func TestStopDuringAutoRestart(t *testing.T) {
	s := newSim(t, Config{Restart: "always", RestartUSec: 1e6, ExecStart: []Command{cmd("/bin/x")}})
	s.start()
	s.exit("start/0", 1, 0)
	s.empty()
	s.want(sdk.Activating, subAutoRestart, "")
	s.stop()
	s.want(sdk.Inactive, subDead, "")
	if _, armed := s.timers[timerRestart]; armed {
		t.Fatal("restart timer survives a stop")
	}
}

func TestSpawnFailure(t *testing.T) {
	s := newSim(t, Config{ExecStart: []Command{cmd("/nonexistent")}})
	s.send(&sdk.Event{Kind: &sdk.EventStart{}})
	s.send(&sdk.Event{Kind: &sdk.EventSpawnFailed{ID: "start/0", Role: sdk.RoleMain, ExitCode: 203, Message: "no such file"}})
	s.rt.MainPid = 0
	delete(s.pids, "start/0")
	s.empty()
	s.want(sdk.Failed, subFailed, resResources)
}

func TestExecTypeWaitsForExecuted(t *testing.T) {
	s := newSim(t, Config{Type: "exec", ExecStart: []Command{cmd("/bin/x")}})
	s.start()
	s.want(sdk.Activating, subStart, "")
	s.send(&sdk.Event{Kind: &sdk.EventExecuted{ID: "start/0", Pid: s.rt.MainPid, Role: sdk.RoleMain}})
	s.want(sdk.Active, subRunning, resSuccess)

	// A command that cannot be executed fails the start itself.
	s = newSim(t, Config{Type: "exec", ExecStart: []Command{cmd("/nonexistent")}})
	s.start()
	s.exit("start/0", 1, 203)
	s.empty()
	s.want(sdk.Failed, subFailed, resExitCode)
	if slices.Contains(s.states, subRunning) {
		t.Fatalf("Type=exec went through running before its exec: %v", s.states)
	}
}

// A missing EnvironmentFile= fails the start at once with result resources: the phase's sub-state must not be
// entered after the failure (it was, and the start hung in "start" until TimeoutStartSec=).
func TestMissingEnvironmentFileFailsAtOnce(t *testing.T) {
	for _, pre := range []bool{false, true} {
		c := Config{Type: "oneshot", ExecStart: []Command{cmd("/bin/true")},
			ExecSettings: exec.ExecSettings{EnvironmentFiles: []EnvironmentFile{{Path: "/nonexistent/sysmaster-test.env"}}}}
		if pre {
			c.ExecStartPre = []Command{cmd("/bin/true")}
		}
		s := newSim(t, c)
		s.start()
		if len(s.spawns) != 0 {
			t.Fatalf("spawned %v without its environment", s.spawns)
		}
		s.want(sdk.Deactivating, subStopSigterm, resResources)
		s.empty()
		s.want(sdk.Failed, subFailed, resResources)
	}
}

// With SendSIGKILL=no, a stop-sigterm (and final-sigterm) that times out skips SIGKILL but still fails the
// service with result timeout, as systemd's service_dispatch_timer does; so does a SIGKILL that does not help.
func TestStopTimeoutWithoutSIGKILLIsTimeout(t *testing.T) {
	c := Config{ExecStart: []Command{cmd("/bin/x")}, TimeoutStopUSec: 1e6}
	s := newSim(t, c)
	s.c.SendSIGKILL = false
	s.start()
	s.stop()
	s.want(sdk.Deactivating, subStopSigterm, "")
	s.fire(timerPhase)
	s.want(sdk.Deactivating, subFinalSigterm, resTimeout)
	s.fire(timerPhase)
	s.want(sdk.Failed, subFailed, resTimeout)
	for _, k := range s.kills {
		if k.Signal == 9 {
			t.Fatalf("SIGKILL sent with SendSIGKILL=no: %v", s.kills)
		}
	}

	s = newSim(t, c)
	s.start()
	s.stop()
	s.fire(timerPhase)
	s.want(sdk.Deactivating, subStopSigkill, resTimeout)
	s.fire(timerPhase) // still not gone after SIGKILL
	s.want(sdk.Deactivating, subFinalSigterm, resTimeout)
}

// KillMode=mixed: SIGTERM to the main process only; once it has exited, the rest of the cgroup gets SIGKILL at
// once (final-sigkill) and the stop succeeds; nothing waits for TimeoutStopSec=.
func TestKillModeMixedKillsTheRestWhenMainExits(t *testing.T) {
	s := newSim(t, Config{KillSettings: exec.KillSettings{KillMode: "mixed"}, ExecStart: []Command{cmd("/bin/x")}, TimeoutStopUSec: 1e6})
	s.start()
	s.stop()
	s.want(sdk.Deactivating, subStopSigterm, "")
	if k := s.lastKill(); k.Whom != sdk.WhomMain && k.Whom != sdk.WhomControl || k.Signal != 15 {
		t.Fatalf("first kill %v", k)
	}
	s.exit("start/0", 2, 15)
	s.want(sdk.Deactivating, subFinalSigkill, resSuccess)
	if k := s.lastKill(); k.Whom != sdk.WhomAll || k.Signal != 9 {
		t.Fatalf("after the main process: %v, want SIGKILL to all", k)
	}
	s.empty()
	s.want(sdk.Inactive, subDead, resSuccess)
}

// OOMPolicy= decides what the OOM kill of a process that is neither main nor control does to the service.
func TestOOMPolicy(t *testing.T) {
	oom := func(s *sim) {
		s.send(&sdk.Event{Kind: &sdk.EventChildExited{Pid: 4242, Role: sdk.RoleHelper, Code: 2, Status: 9, OOMKilled: true}})
	}
	for _, tc := range []struct {
		policy string
		sub    string
	}{{"continue", subRunning}, {"stop", subStopSigterm}, {"kill", subStopSigkill}} {
		s := newSim(t, Config{OOMPolicy: tc.policy, ExecStart: []Command{cmd("/bin/x")}})
		s.start()
		oom(s)
		s.want(activeOf[tc.sub], tc.sub, "")
		if tc.policy != "continue" && s.result != resOOMKill {
			t.Errorf("OOMPolicy=%s: result %s", tc.policy, s.result)
		}
	}
}

// TestSocketFdsGoToTheMainProcess: systemd passes the socket fds (LISTEN_FDS) to ExecStart= only; a control
// command gets them only when its standard input or output is the socket.
func TestSocketFdsGoToTheMainProcess(t *testing.T) {
	s := newSim(t, Config{ExecStartPre: []Command{cmd("/bin/pre")}, ExecStart: []Command{cmd("/bin/x")}, ExecStartPost: []Command{cmd("/bin/post")}})
	s.rt.Fds, s.rt.FdNames = []string{"a.socket/listen0", "a.socket/listen1"}, []string{"a", "b"}
	s.start()
	s.exit("start-pre/0", 1, 0)
	if len(s.spawns) != 3 {
		t.Fatalf("spawns %v", s.spawns)
	}
	if len(s.spawns[0].Fds) != 0 || len(s.spawns[2].Fds) != 0 {
		t.Errorf("control commands got fds: %v %v", s.spawns[0].Fds, s.spawns[2].Fds)
	}
	if m := s.spawns[1]; !slices.Equal(m.Fds, s.rt.Fds) || !slices.Equal(m.FdNames, []string{"a", "b"}) || m.Role != sdk.RoleMain {
		t.Errorf("main: fds %v names %v", m.Fds, m.FdNames)
	}

	c := Config{ExecStartPre: []Command{cmd("/bin/pre")}, ExecStart: []Command{cmd("/bin/x")}}
	c.Exec = &sdk.ExecContext{StandardInput: "socket", StandardOutput: "inherit"}
	s = newSim(t, c)
	s.rt.Fds, s.rt.FdNames = []string{"conn"}, []string{"connection"}
	s.start()
	if len(s.spawns) != 1 || !slices.Equal(s.spawns[0].Fds, []string{"conn"}) {
		t.Errorf("StandardInput=socket: the pre command needs the socket: %v", s.spawns)
	}
}

// TestNotifyFields: a message is applied whole, in one order whatever the order of its fields (sdk/notify
// parses it); a field whose value cannot be understood is logged and left out, the rest still counts.
func TestNotifyFields(t *testing.T) {
	for _, order := range [][]string{
		{"STATUS=serving", "ERRNO=5000", "MAINPID=abc", "READY=1", "ERRNO=17"},
		{"MAINPID=abc", "READY=1", "ERRNO=5000", "STATUS=serving", "ERRNO=17"},
	} {
		s := newSim(t, Config{Type: "notify", ExecStart: []Command{cmd("/bin/x")}})
		s.start()
		s.notify(s.rt.MainPid, order...)
		s.want(sdk.Active, subRunning, resSuccess)
		var st State
		if err := sdk.DecodeJSON(s.state, &st); err != nil {
			t.Fatal(err)
		}
		// The first ERRNO= decides, as in systemd; out of range, it is refused, and ERRNO=17 does not count.
		if st.StatusText != "serving" || st.StatusErrno != 0 || len(s.mainSet) != 0 {
			t.Errorf("%q: status %q errno %d main pids %v", order, st.StatusText, st.StatusErrno, s.mainSet)
		}
		n := 0
		for _, l := range s.logs {
			if strings.HasPrefix(l, "Failed to parse notification message") {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%q: %d parse problems logged, want 2 (MAINPID=abc, ERRNO=5000): %q", order, n, s.logs)
		}
	}
}
