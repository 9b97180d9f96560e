package socket

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/control"
)

// sim plays the host for the state machine, without processes or sockets: it keeps the unit's state bytes,
// hands out pids, and records what the plugin asked for (open fds, watches, timers, kills, jobs).
type sim struct {
	t      *testing.T
	name   string
	c      Config
	state  []byte
	rt     sdk.Runtime
	clock  time.Time
	active sdk.ActiveState
	sub    string
	result string
	props  map[string]string
	states []string

	nextPid int64
	pids    map[string]int64
	spawns  []*sdk.Spawn
	kills   []*sdk.KillAction
	timers  map[string]uint64
	jobs    []*sdk.EnqueueJob
	logs    []string
	open    map[string]*sdk.OpenSocket
	closed  []string
	watched map[string]string // id → "watch" or "accept"
}

// newSim parses lines into the config of unit name (foo.socket when empty).
func newSim(t *testing.T, lines ...string) *sim {
	t.Helper()
	c, res := parse(lines...)
	if res.Failed() {
		t.Fatalf("config: %v", res.Problems)
	}
	return &sim{t: t, name: "foo.socket", c: c, clock: time.Unix(1_700_000_000, 0), nextPid: 100,
		pids: map[string]int64{}, timers: map[string]uint64{}, props: map[string]string{},
		open: map[string]*sdk.OpenSocket{}, watched: map[string]string{}}
}

func (s *sim) send(ev *sdk.Event) {
	s.t.Helper()
	u := &sdk.Unit{Name: s.name, Config: sdk.EncodeJSON(s.c), State: s.state, Runtime: &s.rt}
	typ := socketType{clock: func() time.Time { return s.clock }}
	if err := typ.Handle(u, ev); err != nil {
		s.t.Fatal(err)
	}
	s.state = u.State
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
			s.spawns = append(s.spawns, k)
			s.pids[k.ID] = s.nextPid
			s.rt.ControlPid = s.nextPid
		case *sdk.KillAction:
			s.kills = append(s.kills, k)
		case *sdk.ArmTimer:
			s.timers[k.ID] = k.USec
		case *sdk.DisarmTimer:
			delete(s.timers, k.ID)
		case *sdk.EnqueueJob:
			s.jobs = append(s.jobs, k)
		case *sdk.Log:
			s.logs = append(s.logs, k.Text)
		case *sdk.OpenSocket:
			s.open[k.ID] = k
		case *sdk.CloseFd:
			delete(s.open, k.ID)
			s.closed = append(s.closed, k.ID)
		case *sdk.WatchFd:
			switch {
			case !k.Watch:
				delete(s.watched, k.ID)
			case k.Accept:
				s.watched[k.ID] = "accept"
			default:
				s.watched[k.ID] = "watch"
			}
		}
	}
}

func ev(k sdk.EventKind) *sdk.Event { return &sdk.Event{Kind: k} }

func (s *sim) start() { s.send(ev(&sdk.EventStart{})) }
func (s *sim) stop()  { s.send(ev(&sdk.EventStop{})) }

// readable reports traffic on an Accept=no listener; the host ends the watch with the event.
func (s *sim) readable(id string) {
	s.t.Helper()
	if s.watched[id] != "watch" {
		s.t.Fatalf("%s is not watched (%v)", id, s.watched)
	}
	delete(s.watched, id)
	s.send(ev(&sdk.EventFdReadable{ID: id}))
}

// accept reports a connection the host accepted on id.
func (s *sim) accept(id, conn, instance, source string) {
	s.t.Helper()
	if s.watched[id] != "accept" {
		s.t.Fatalf("%s is not accepting (%v)", id, s.watched)
	}
	delete(s.watched, id)
	s.send(ev(&sdk.EventFdReadable{ID: id, Accepted: conn, Instance: instance, Source: source}))
}

func (s *sim) changed(unit string, active sdk.ActiveState, sub, result string) {
	s.send(ev(&sdk.EventUnitChanged{Unit: unit, Active: active, Sub: sub, Result: result}))
}

func (s *sim) fire(id string) {
	s.t.Helper()
	if _, ok := s.timers[id]; !ok {
		s.t.Fatalf("timer %q is not armed (armed: %v)", id, s.timers)
	}
	delete(s.timers, id)
	s.send(ev(&sdk.EventTimerFired{ID: id}))
}

// exit ends the control process spawned under id with code (1 exited, 2 killed) and status.
func (s *sim) exit(id string, code, status int32) {
	s.t.Helper()
	pid, ok := s.pids[id]
	if !ok {
		s.t.Fatalf("no live process %q (live: %v)", id, s.pids)
	}
	delete(s.pids, id)
	s.rt.ControlPid = 0
	s.send(ev(&sdk.EventChildExited{ID: id, Pid: pid, Role: sdk.RoleControl, Code: sdk.ExitCode(code), Status: status}))
}

func (s *sim) want(active sdk.ActiveState, sub, result string) {
	s.t.Helper()
	if s.active != active || s.sub != sub || (result != "" && s.result != result) {
		s.t.Fatalf("state %s/%s result %s, want %s/%s result %s (path %v, logs %q)",
			s.active, s.sub, s.result, active, sub, result, s.states, s.logs)
	}
}

func (s *sim) wantWatched(want map[string]string) {
	s.t.Helper()
	if len(s.watched) != len(want) {
		s.t.Fatalf("watched %v, want %v", s.watched, want)
	}
	for k, v := range want {
		if s.watched[k] != v {
			s.t.Fatalf("watched %v, want %v", s.watched, want)
		}
	}
}

func (s *sim) logged(substr string) bool {
	for _, l := range s.logs {
		if strings.Contains(l, substr) {
			return true
		}
	}
	return false
}

// TestUnsupportedListenerFailsTheStart: a socket with a listener sysmaster cannot open loads, and its start fails
// (result resources) saying why, without opening the others.
func TestUnsupportedListenerFailsTheStart(t *testing.T) {
	s := newSim(t, "ListenStream=/run/foo.sock", "ListenSpecial=/dev/rfkill")
	s.start()
	s.want(sdk.Failed, subFailed, resResources)
	if len(s.open) != 0 {
		t.Errorf("opened %v", s.open)
	}
}

func TestAcceptNoActivation(t *testing.T) {
	s := newSim(t, "ListenStream=/run/foo.sock", "ListenDatagram=127.0.0.1:53", "SocketMode=0600", "RemoveOnStop=yes")
	s.start()
	s.want(sdk.Active, subListening, resSuccess)
	if len(s.open) != 2 {
		t.Fatalf("open %v", s.open)
	}
	o := s.open["listen0"]
	if o.Family != "unix" || o.Type != "stream" || o.Address != "/run/foo.sock" || o.Options["SocketMode"] != "0600" ||
		o.Options["RemoveOnStop"] != "yes" || o.Options["FileDescriptorName"] != "foo.socket" {
		t.Errorf("listen0 %v", o)
	}
	if o := s.open["listen1"]; o.Family != "inet" || o.Type != "dgram" {
		t.Errorf("listen1 %v", o)
	}
	s.wantWatched(map[string]string{"listen0": "watch", "listen1": "watch"})

	s.readable("listen1")
	s.want(sdk.Active, subRunning, resSuccess)
	if len(s.jobs) != 1 || s.jobs[0].Unit != "foo.service" || s.jobs[0].Type != "start" || s.jobs[0].Mode != "replace" || len(s.jobs[0].Fds) != 0 {
		t.Fatalf("jobs %v", s.jobs)
	}
	s.wantWatched(nil) // the service owns the listeners now

	s.changed("foo.service", sdk.Activating, "start", "success")
	s.changed("foo.service", sdk.Active, "running", "success")
	s.want(sdk.Active, subRunning, "")
	s.changed("foo.service", sdk.Inactive, "dead", "success")
	s.want(sdk.Active, subListening, resSuccess)
	s.wantWatched(map[string]string{"listen0": "watch", "listen1": "watch"})
	s.changed("foo.service", sdk.Failed, "failed", "exit-code")
	s.want(sdk.Active, subListening, resSuccess)

	// A service started by hand takes the listeners too.
	s.changed("foo.service", sdk.Activating, "start", "success")
	s.want(sdk.Active, subRunning, "")
	s.wantWatched(nil)
	s.changed("foo.service", sdk.Activating, "auto-restart", "exit-code")
	s.want(sdk.Active, subListening, "")

	s.stop()
	s.want(sdk.Inactive, subDead, resSuccess)
	s.wantWatched(nil)
	if len(s.open) != 0 || len(s.timers) != 0 {
		t.Fatalf("open %v timers %v", s.open, s.timers)
	}
	// A stale readiness after the stop does nothing.
	s.send(ev(&sdk.EventFdReadable{ID: "listen0"}))
	s.want(sdk.Inactive, subDead, "")
	if len(s.jobs) != 1 {
		t.Fatalf("jobs %v", s.jobs)
	}
}

func TestServiceActiveAtStartOwnsTheListeners(t *testing.T) {
	s := newSim(t, "ListenStream=80", "Service=web.service")
	s.changed("web.service", sdk.Active, "running", "success")
	s.start()
	s.want(sdk.Active, subRunning, resSuccess)
	s.wantWatched(nil)
	s.changed("other.service", sdk.Inactive, "dead", "success") // not ours
	s.want(sdk.Active, subRunning, "")
	s.changed("web.service", sdk.Inactive, "dead", "success")
	s.want(sdk.Active, subListening, "")
	s.wantWatched(map[string]string{"listen0": "watch"})
	s.readable("listen0")
	if s.jobs[0].Unit != "web.service" {
		t.Fatalf("jobs %v", s.jobs)
	}
}

func TestServiceStartLimitHit(t *testing.T) {
	s := newSim(t, "ListenStream=80")
	s.start()
	s.readable("listen0")
	s.changed("foo.service", sdk.Failed, "failed", "start-limit-hit")
	s.want(sdk.Failed, subFailed, resServiceStartLimitHit)
	if len(s.open) != 0 {
		t.Fatalf("open %v", s.open)
	}
	s.send(ev(&sdk.EventResetFailed{}))
	s.want(sdk.Inactive, subDead, resSuccess)
}

func TestTriggerLimit(t *testing.T) {
	s := newSim(t, "ListenStream=80", "TriggerLimitBurst=3", "TriggerLimitIntervalSec=10s", "PollLimitIntervalSec=0")
	s.start()
	for i := 0; i < 3; i++ {
		s.readable("listen0")
		s.changed("foo.service", sdk.Failed, "failed", "exit-code")
		s.clock = s.clock.Add(time.Second)
	}
	s.want(sdk.Active, subListening, "")
	s.readable("listen0")
	s.want(sdk.Failed, subFailed, resTriggerLimitHit)
	if !s.logged("Trigger limit hit") || len(s.jobs) != 3 {
		t.Fatalf("logs %q jobs %v", s.logs, s.jobs)
	}
	// After the interval the count starts again.
	s.send(ev(&sdk.EventResetFailed{}))
	s.clock = s.clock.Add(time.Minute)
	s.start()
	s.readable("listen0")
	s.want(sdk.Active, subRunning, resSuccess)
}

func TestPollLimit(t *testing.T) {
	s := newSim(t, "ListenStream=80", "PollLimitBurst=2", "PollLimitIntervalSec=4s", "TriggerLimitBurst=0")
	s.start()
	s.readable("listen0")
	s.changed("foo.service", sdk.Inactive, "dead", "success")
	s.clock = s.clock.Add(time.Second)
	s.readable("listen0")
	s.changed("foo.service", sdk.Inactive, "dead", "success")
	s.clock = s.clock.Add(time.Second)
	s.readable("listen0") // third event in 4s: paused, nothing started
	s.want(sdk.Active, subListening, resSuccess)
	if len(s.jobs) != 2 || s.timers[timerPollLimit] != 2e6+1 {
		t.Fatalf("jobs %v timers %v", s.jobs, s.timers)
	}
	s.wantWatched(nil)
	s.clock = s.clock.Add(time.Duration(s.timers[timerPollLimit]) * time.Microsecond)
	s.fire(timerPollLimit)
	s.wantWatched(map[string]string{"listen0": "watch"})
	s.readable("listen0")
	s.want(sdk.Active, subRunning, "")
	if len(s.jobs) != 3 {
		t.Fatalf("jobs %v", s.jobs)
	}
}

func TestAcceptYes(t *testing.T) {
	s := newSim(t, "ListenStream=127.0.0.1:23", "Accept=yes", "MaxConnections=2", "MaxConnectionsPerSource=1")
	s.name = "telnet.socket"
	s.start()
	s.want(sdk.Active, subListening, resSuccess)
	s.wantWatched(map[string]string{"listen0": "accept"})

	s.accept("listen0", "conn1", "127.0.0.1:23-10.0.0.1:4000", "10.0.0.1")
	if len(s.jobs) != 1 || s.jobs[0].Unit != "telnet@0-127.0.0.1:23-10.0.0.1:4000.service" || !slices.Equal(s.jobs[0].Fds, []string{"conn1"}) {
		t.Fatalf("jobs %v", s.jobs)
	}
	s.wantWatched(map[string]string{"listen0": "accept"}) // re-armed at once
	// Same source again: refused by MaxConnectionsPerSource=1.
	s.accept("listen0", "conn2", "127.0.0.1:23-10.0.0.1:4001", "10.0.0.1")
	if len(s.jobs) != 1 || !slices.Equal(s.closed, []string{"conn2"}) || !s.logged("Too many incoming connections (2) from source 10.0.0.1") {
		t.Fatalf("jobs %v closed %v logs %q", s.jobs, s.closed, s.logs)
	}
	s.accept("listen0", "conn3", "127.0.0.1:23-10.0.0.2:5000", "10.0.0.2")
	if len(s.jobs) != 2 || s.jobs[1].Unit != "telnet@1-127.0.0.1:23-10.0.0.2:5000.service" {
		t.Fatalf("jobs %v", s.jobs)
	}
	// MaxConnections=2 reached.
	s.accept("listen0", "conn4", "127.0.0.1:23-10.0.0.3:6000", "10.0.0.3")
	if len(s.jobs) != 2 || !s.logged("Too many incoming connections (2), dropping connection.") {
		t.Fatalf("jobs %v logs %q", s.jobs, s.logs)
	}
	if s.props["NAccepted"] != "2" || s.props["NConnections"] != "2" || s.props["NRefused"] != "2" {
		t.Fatalf("props %v", s.props)
	}
	// The first instance ends: its slot is free (only once, whatever follows).
	s.changed("telnet@0-127.0.0.1:23-10.0.0.1:4000.service", sdk.Active, "running", "success")
	s.changed("telnet@0-127.0.0.1:23-10.0.0.1:4000.service", sdk.Inactive, "dead", "success")
	s.changed("telnet@0-127.0.0.1:23-10.0.0.1:4000.service", sdk.Failed, "failed", "exit-code")
	if s.props["NConnections"] != "1" {
		t.Fatalf("props %v", s.props)
	}
	s.accept("listen0", "conn5", "127.0.0.1:23-10.0.0.1:4002", "10.0.0.1")
	if len(s.jobs) != 3 || s.jobs[2].Unit != "telnet@2-127.0.0.1:23-10.0.0.1:4002.service" {
		t.Fatalf("jobs %v", s.jobs)
	}
	// An accept error is logged and the listener re-armed.
	s.send(ev(&sdk.EventFdReadable{ID: "listen0", AcceptError: "accept: too many open files"}))
	s.wantWatched(map[string]string{"listen0": "accept"})
	if !s.logged("too many open files") {
		t.Fatal(s.logs)
	}
	s.want(sdk.Active, subListening, resSuccess)
	// A job that cannot be enqueued fails the socket (systemd: resources) and frees the slot.
	s.send(ev(&sdk.EventEnqueueFailed{Unit: "telnet@2-127.0.0.1:23-10.0.0.1:4002.service", Type: "start", Message: "Unit telnet@.service not found."}))
	s.want(sdk.Failed, subFailed, resResources)
	if s.props["NConnections"] != "1" {
		t.Fatalf("props %v", s.props)
	}
}

func TestAcceptedWhileStoppingIsRefused(t *testing.T) {
	s := newSim(t, "ListenStream=/run/a", "Accept=yes", "ExecStopPre=/bin/stoppre")
	s.start()
	s.stop()
	s.want(sdk.Deactivating, subStopPre, "")
	s.send(ev(&sdk.EventFdReadable{ID: "listen0", Accepted: "late", Instance: "1-0"}))
	if len(s.jobs) != 0 || !slices.Contains(s.closed, "late") || s.props["NRefused"] != "1" {
		t.Fatalf("jobs %v closed %v props %v", s.jobs, s.closed, s.props)
	}
	s.exit("stop-pre/0", 1, 0)
	s.want(sdk.Inactive, subDead, resSuccess)
}

func TestOpenFailed(t *testing.T) {
	s := newSim(t, "ListenStream=/run/a", "ListenStream=80")
	s.start()
	s.send(ev(&sdk.EventFdOpenFailed{ID: "listen1", Message: "bind [::]:80: address already in use"}))
	s.want(sdk.Failed, subFailed, resResources)
	if !s.logged("address already in use") || !slices.Equal(s.closed, []string{"listen0"}) {
		t.Fatalf("logs %q closed %v", s.logs, s.closed)
	}
	// The next start opens both again.
	s.send(ev(&sdk.EventResetFailed{}))
	s.start()
	s.want(sdk.Active, subListening, resSuccess)
	s.wantWatched(map[string]string{"listen0": "watch", "listen1": "watch"})
}

func TestEnqueueFailedForTheService(t *testing.T) {
	s := newSim(t, "ListenStream=80")
	s.start()
	s.readable("listen0")
	s.send(ev(&sdk.EventEnqueueFailed{Unit: "foo.service", Type: "start", Message: "Unit foo.service not found."}))
	s.want(sdk.Failed, subFailed, resResources)
	if !s.logged("Failed to queue service startup job: Unit foo.service not found.") {
		t.Fatal(s.logs)
	}
}

func TestControlCommands(t *testing.T) {
	s := newSim(t, "ListenStream=/run/a", "ExecStartPre=/bin/pre1", "ExecStartPre=/bin/pre2", "ExecStartPost=/bin/post",
		"ExecStopPre=/bin/stoppre", "ExecStopPost=/bin/stoppost", "Environment=A=1")
	s.rt.InvocationID = "abc"
	s.start()
	s.want(sdk.Activating, subStartPre, resSuccess)
	if len(s.open) != 0 || s.spawns[0].Role != sdk.RoleControl || s.spawns[0].ID != "start-pre/0" || s.timers[timerPhase] != 90e6 {
		t.Fatalf("open %v spawns %v timers %v", s.open, s.spawns, s.timers)
	}
	if env := s.spawns[0].Exec.Environment; !slices.Contains(env, "A=1") || !slices.Contains(env, "INVOCATION_ID=abc") {
		t.Errorf("env %v", env)
	}
	s.exit("start-pre/0", 1, 0)
	s.want(sdk.Activating, subStartPre, "")
	s.exit("start-pre/1", 1, 0)
	s.want(sdk.Activating, subStartPost, "")
	if len(s.open) != 1 {
		t.Fatalf("open %v", s.open)
	}
	s.wantWatched(nil) // not before listening
	s.exit("start-post/0", 1, 0)
	s.want(sdk.Active, subListening, resSuccess)
	if _, ok := s.timers[timerPhase]; ok {
		t.Fatal("phase timer left armed")
	}
	s.stop()
	s.want(sdk.Deactivating, subStopPre, "")
	if len(s.open) != 1 {
		t.Fatal("closed before stop-post")
	}
	s.exit("stop-pre/0", 1, 0)
	s.want(sdk.Deactivating, subStopPost, "")
	if len(s.open) != 0 {
		t.Fatal("not closed in stop-post")
	}
	s.exit("stop-post/0", 1, 0)
	s.want(sdk.Inactive, subDead, resSuccess)
}

func TestStartPreFails(t *testing.T) {
	for _, tc := range []struct {
		code, status int32
		result       string
	}{{1, 3, control.ExitCode}, {2, 9, control.Signal}, {3, 11, control.CoreDump}} {
		s := newSim(t, "ListenStream=/run/a", "ExecStartPre=/bin/pre", "ExecStopPost=/bin/never")
		s.start()
		s.exit("start-pre/0", tc.code, tc.status)
		s.want(sdk.Failed, subFailed, tc.result)
		if len(s.open) != 0 || len(s.closed) != 0 || len(s.spawns) != 1 {
			t.Fatalf("open %v closed %v spawns %v", s.open, s.closed, s.spawns)
		}
	}
	// "-" ignores the failure.
	s := newSim(t, "ListenStream=/run/a", "ExecStartPre=-/bin/pre")
	s.start()
	s.exit("start-pre/0", 1, 1)
	s.want(sdk.Active, subListening, resSuccess)
}

func TestStartPostFailsRunsTheStopCommands(t *testing.T) {
	s := newSim(t, "ListenStream=/run/a", "ExecStartPost=/bin/post", "ExecStopPre=/bin/stoppre")
	s.start()
	s.exit("start-post/0", 1, 2)
	s.want(sdk.Deactivating, subStopPre, control.ExitCode)
	s.exit("stop-pre/0", 1, 0)
	s.want(sdk.Failed, subFailed, control.ExitCode)
	if len(s.open) != 0 {
		t.Fatalf("open %v", s.open)
	}
}

func TestSpawnFailed(t *testing.T) {
	s := newSim(t, "ListenStream=/run/a", "ExecStartPost=/bin/post")
	s.start()
	s.send(ev(&sdk.EventSpawnFailed{ID: "start-post/0", ExitCode: 203, Message: "exec: no such file", Role: sdk.RoleControl}))
	s.want(sdk.Failed, subFailed, resResources)
}

func TestStopDuringStartPreKills(t *testing.T) {
	s := newSim(t, "ListenStream=/run/a", "ExecStartPre=/bin/slow", "KillSignal=SIGINT")
	s.start()
	s.stop()
	s.want(sdk.Deactivating, subStopPreSigterm, "")
	if k := s.kills[0]; k.Whom != sdk.WhomAll || k.Signal != 2 {
		t.Fatalf("kill %v", k)
	}
	s.exit("start-pre/0", 2, 2)
	s.want(sdk.Failed, subFailed, control.Signal) // a killed command failed, as in systemd
}

func TestTimeoutsEscalate(t *testing.T) {
	s := newSim(t, "ListenStream=/run/a", "ExecStopPre=/bin/hang", "TimeoutSec=5s", "KillMode=mixed")
	s.start()
	s.stop()
	s.want(sdk.Deactivating, subStopPre, "")
	if s.timers[timerPhase] != 5e6 {
		t.Fatalf("timers %v", s.timers)
	}
	s.fire(timerPhase)
	s.want(sdk.Deactivating, subStopPreSigterm, resTimeout)
	if k := s.kills[0]; k.Whom != sdk.WhomControl || k.Signal != 15 {
		t.Fatalf("mixed SIGTERM goes to the control process: %v", k)
	}
	s.fire(timerPhase)
	s.want(sdk.Deactivating, subStopPreSigkill, resTimeout)
	if k := s.kills[1]; k.Whom != sdk.WhomAll || k.Signal != 9 {
		t.Fatalf("SIGKILL goes to all: %v", k)
	}
	s.fire(timerPhase)
	s.want(sdk.Failed, subFailed, resTimeout)
	if !s.logged("Processes still around after SIGKILL. Ignoring.") || len(s.open) != 0 {
		t.Fatal(s.logs)
	}
	// The killed process's late exit changes nothing.
	s.exit("stop-pre/0", 2, 9)
	s.want(sdk.Failed, subFailed, resTimeout)
}

func TestStartPreTimeout(t *testing.T) {
	s := newSim(t, "ListenStream=/run/a", "ExecStartPre=/bin/hang", "SendSIGKILL=no")
	s.start()
	s.fire(timerPhase)
	s.want(sdk.Deactivating, subFinalSigterm, resTimeout)
	s.fire(timerPhase)
	s.want(sdk.Failed, subFailed, resTimeout)
	if !s.logged("Skipping SIGKILL") {
		t.Fatal(s.logs)
	}
}

func TestRecoverRewatches(t *testing.T) {
	s := newSim(t, "ListenStream=/run/a", "ListenStream=/run/b")
	s.start()
	s.watched = map[string]string{} // a new host lost the watches
	s.send(ev(&sdk.EventRecover{Fds: []string{"listen0", "listen1"}}))
	s.want(sdk.Active, subListening, resSuccess)
	s.wantWatched(map[string]string{"listen0": "watch", "listen1": "watch"})

	a := newSim(t, "ListenStream=/run/a", "Accept=yes")
	a.start()
	a.watched = map[string]string{}
	a.send(ev(&sdk.EventRecover{Fds: []string{"listen0"}}))
	a.wantWatched(map[string]string{"listen0": "accept"})

	// A running socket stays unwatched: its service owns the listeners.
	r := newSim(t, "ListenStream=/run/a")
	r.start()
	r.readable("listen0")
	r.send(ev(&sdk.EventRecover{Fds: []string{"listen0"}}))
	r.want(sdk.Active, subRunning, "")
	r.wantWatched(nil)
}

// A listener the host did not keep across its restart is opened again; when that fails the socket fails.
func TestRecoverReopensLostListeners(t *testing.T) {
	s := newSim(t, "ListenStream=/run/a", "ListenStream=/run/b")
	s.start()
	s.open = map[string]*sdk.OpenSocket{}
	s.send(ev(&sdk.EventRecover{Fds: []string{"listen0"}}))
	if _, ok := s.open["listen1"]; !ok || len(s.open) != 1 {
		t.Fatalf("after Recover without listen1, opened %v; want listen1 alone", s.open)
	}
	s.want(sdk.Active, subListening, resSuccess)
	s.send(ev(&sdk.EventFdOpenFailed{ID: "listen1", Message: "bind: address already in use"}))
	s.want(sdk.Failed, subFailed, resResources)
}

func TestStartAndStopAreIdempotent(t *testing.T) {
	s := newSim(t, "ListenStream=/run/a")
	s.stop()
	s.want(sdk.Inactive, subDead, resSuccess)
	s.start()
	s.start()
	s.want(sdk.Active, subListening, resSuccess)
	if len(s.open) != 1 {
		t.Fatalf("open %v", s.open)
	}
	s.stop()
	s.stop()
	s.want(sdk.Inactive, subDead, resSuccess)
}

func TestUnknownEventIsAnError(t *testing.T) {
	c, _ := parse("ListenStream=/run/a")
	u := &sdk.Unit{Name: "foo.socket", Config: sdk.EncodeJSON(c)}
	if err := (socketType{}).Handle(u, &sdk.Event{}); err == nil || len(u.Actions()) != 0 {
		t.Fatalf("err %v actions %v", err, u.Actions())
	}
}

// Issue 15, bug 1 (a stale listener): a socket stopped while the start of its service runs with the
// socket's listeners replaces that start by a stop, so that the service is not left up with listeners that are
// closed and unlinked; a service that is already running keeps going, as in systemd.
func TestStaleListener(t *testing.T) {
	s := newSim(t, "ListenStream=/run/foo.sock")
	s.start()
	s.readable("listen0")
	s.changed("foo.service", sdk.Activating, "start", "")
	s.stop()
	if n := len(s.jobs); n != 2 || s.jobs[1].Unit != "foo.service" || s.jobs[1].Type != "stop" {
		t.Fatalf("jobs %v: the pending start of foo.service is not replaced by a stop", s.jobs)
	}
	// The stop of the listeners goes on as usual; started again, the socket listens with new listeners.
	s.changed("foo.service", sdk.Inactive, "dead", "success")
	s.start()
	s.want(sdk.Active, subListening, resSuccess)

	s.readable("listen0")
	s.changed("foo.service", sdk.Active, "running", "success")
	s.stop()
	if n := len(s.jobs); n != 3 {
		t.Fatalf("jobs %v: a running service was stopped with its socket", s.jobs)
	}
}
