package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/execconf"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/sdk"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// machine is one event being applied to one socket: systemd's socket state machine (src/core/socket.c in
// spirit), with every process, fd, timer and job carried out by the host through actions. It is pure: the
// only outside input besides the event is the clock, which tests replace.
type machine struct {
	c   *Config
	s   *State
	u   *sdk.Unit
	rt  *sdk.Runtime
	now func() time.Time
}

// handle dispatches one event; an event without a kind is refused.
func (m *machine) handle(ev *sdk.Event) error {
	switch e := ev.Kind.(type) {
	case *sdk.EventStart:
		m.onStart()
	case *sdk.EventStop:
		m.onStop()
	case *sdk.EventReload:
		m.enter(orDead(m.s.Sub)) // sockets cannot reload: the job is done at once
	case *sdk.EventKill:
		whom := e.Kill.Whom
		if whom == 0 {
			whom = sdk.WhomAll
		}
		m.u.Kill(whom, int(e.Kill.Signal))
	case *sdk.EventResetFailed:
		if m.s.Sub == subFailed {
			m.s.Result = resSuccess
			m.enter(subDead)
		}
	case *sdk.EventRecover:
		m.onRecover(e.Recover)
	case *sdk.EventSpawned, *sdk.EventExecuted, *sdk.EventNotify:
		// Nothing to do: a control process is followed until its exit.
	case *sdk.EventCgroupEmpty, *sdk.EventMountChanged, *sdk.EventDeviceChanged:
	case *sdk.EventSpawnFailed:
		m.onSpawnFailed(e.SpawnFailed.Id, e.SpawnFailed.Message)
	case *sdk.EventChildExited:
		m.onChildExited(e.ChildExited.Id, e.ChildExited.Role, int32(e.ChildExited.Code), e.ChildExited.Status)
	case *sdk.EventTimerFired:
		m.onTimer(e.TimerFired.Id)
	case *sdk.EventFdReadable:
		m.onReadable(e.FdReadable)
	case *sdk.EventFdOpenFailed:
		m.onOpenFailed(e.FdOpenFailed.Id, e.FdOpenFailed.Message)
	case *sdk.EventEnqueueFailed:
		m.onEnqueueFailed(e.EnqueueFailed.Unit, e.EnqueueFailed.Message)
	case *sdk.EventUnitChanged:
		m.onUnitChanged(e.UnitChanged)
	default:
		return fmt.Errorf("socket: unexpected event %T", ev.Kind)
	}
	return nil
}

func orDead(sub string) string {
	if sub == "" {
		return subDead
	}
	return sub
}

// enter moves to sub and reports it with the counters only this plugin knows.
func (m *machine) enter(sub string) {
	m.s.Sub = sub
	m.u.Report(&sdk.StateReport{
		Active: activeOf[sub], Sub: sub, Result: orSuccess(m.s.Result),
		Properties: map[string]string{
			"NAccepted":    strconv.FormatUint(m.s.NAccepted, 10),
			"NConnections": strconv.FormatUint(m.s.NConnections, 10),
			"NRefused":     strconv.FormatUint(m.s.NRefused, 10),
			"Result":       orSuccess(m.s.Result),
		},
	})
}

func orSuccess(r string) string {
	if r == "" {
		return resSuccess
	}
	return r
}

// record keeps the first failure: a later success does not hide it.
func (m *machine) record(res string) {
	if res != resSuccess && (m.s.Result == "" || m.s.Result == resSuccess) {
		m.s.Result = res
	}
}

func (m *machine) armPhase() {
	if m.c.TimeoutUSec == 0 {
		m.u.DisarmTimer(timerPhase)
		return
	}
	m.u.ArmTimer(timerPhase, m.c.TimeoutUSec)
}

func (m *machine) commands(phase string) []Command {
	switch phase {
	case phaseStartPre:
		return m.c.ExecStartPre
	case phaseStartPost:
		return m.c.ExecStartPost
	case phaseStopPre:
		return m.c.ExecStopPre
	case phaseStopPost:
		return m.c.ExecStopPost
	}
	return nil
}

// run enters sub (unless empty) and spawns command i of phase as the control process; false when there is no
// such command.
func (m *machine) run(phase string, i int, sub string) bool {
	cmds := m.commands(phase)
	if i >= len(cmds) {
		return false
	}
	if sub != "" {
		m.enter(sub)
	}
	cmd := cmds[i]
	var extra []string
	if id := m.rt.GetInvocationId(); id != "" {
		extra = append(extra, "INVOCATION_ID="+id)
	}
	ec, argv, err := m.c.SpawnContext(cmd, extra, m.c.NoCapabilities)
	if err != nil {
		m.u.Logf("Failed to load environment files: %v", err)
		m.s.Phase = ""
		m.commandFailed(phase, resResources)
		return true
	}
	m.s.Phase, m.s.Index, m.s.Control = phase, i, true
	m.u.Spawn(&sdk.Spawn{Id: fmt.Sprintf("%s/%d", phase, i), Role: sdk.RoleControl, Path: cmd.Path, Argv: argv, Exec: ec, Cgroup: m.c.Cgroup})
	return true
}

// listeners returns the listeners the host holds (all but those whose open failed).
func (m *machine) listeners() []Listener {
	var out []Listener
	for _, l := range m.c.Listen {
		if !slices.Contains(m.s.NotOpen, l.ID) {
			out = append(out, l)
		}
	}
	return out
}

func (m *machine) watchAll() {
	if m.s.PollPaused {
		return
	}
	for _, l := range m.listeners() {
		m.watch(l.ID)
	}
}

func (m *machine) watch(id string) {
	if m.c.Accept {
		m.u.AcceptFd(id)
	} else {
		m.u.WatchFd(id, true)
	}
}

func (m *machine) unwatchAll() {
	for _, l := range m.listeners() {
		m.u.WatchFd(l.ID, false)
	}
}

func (m *machine) closeAll() {
	if !m.s.Open {
		return
	}
	m.s.Open = false
	for _, l := range m.listeners() {
		m.u.CloseFd(l.ID)
	}
}

func (m *machine) onStart() {
	switch m.s.Sub {
	case "", subDead, subFailed:
		m.start()
	case subStartPre, subStartPost, subListening, subRunning:
		m.enter(m.s.Sub) // already on it, or up: the job is done
	default:
		m.u.Logf("Start asked while %s; ignored", m.s.Sub)
	}
}

// start begins ExecStartPre=, then opens the listeners. The counters survive a restart, as in systemd.
func (m *machine) start() {
	m.s.Result, m.s.Phase, m.s.Index, m.s.NotOpen, m.s.PollPaused, m.s.Control = resSuccess, "", 0, nil, false, false
	m.u.DisarmTimer(timerPollLimit)
	m.armPhase()
	if m.run(phaseStartPre, 0, subStartPre) {
		return
	}
	m.open()
}

// open asks the host to open every listener, then goes on with ExecStartPost=. A listener that cannot be opened
// comes back as FdOpenFailed.
func (m *machine) open() {
	for _, l := range m.c.Listen {
		opts := make(map[string]string, len(m.c.Options))
		for k, v := range m.c.Options {
			opts[k] = v
		}
		m.u.OpenSocket(&pb.OpenSocket{Id: l.ID, Family: l.Family, Type: l.Type, Address: l.Address, Options: opts})
	}
	m.s.Open = true
	m.startPost()
}

func (m *machine) startPost() {
	m.armPhase()
	if m.run(phaseStartPost, 0, subStartPost) {
		return
	}
	m.listening()
}

// listening settles a started socket: it watches its listeners, unless the service it triggers is up already
// and owns them (Accept=no).
func (m *machine) listening() {
	m.s.Phase = ""
	m.u.DisarmTimer(timerPhase)
	if !m.c.Accept && m.s.ServiceActive {
		m.enter(subRunning)
		return
	}
	m.watchAll()
	m.enter(subListening)
}

func (m *machine) onStop() {
	if !m.c.Accept && m.s.ServiceStarting && m.s.Sub != "" && m.s.Sub != subDead && m.s.Sub != subFailed {
		// The service's start took the listeners this stop closes (and unlinks): left alone, it would come up
		// serving sockets no client can reach while a restarted socket listens on new ones nobody accepts on.
		// Its pending start is replaced by a stop, so that it is started again with the socket's next
		// listeners.
		m.u.Logf("Stopping %s, whose start was pending on this socket's listeners.", m.c.Service)
		m.u.EnqueueJob(m.c.Service, "stop", "replace")
		m.s.ServiceStarting = false
	}
	switch m.s.Sub {
	case "", subDead, subFailed:
		m.enter(orDead(m.s.Sub))
	case subStartPre, subStartChown, subStartPost:
		m.signal(subStopPreSigterm, resSuccess)
	case subListening, subRunning:
		m.stopPre(resSuccess)
	default:
		m.enter(m.s.Sub) // already on its way down
	}
}

// stopPre stops watching and runs ExecStopPre=; the listeners stay open until stop-post.
func (m *machine) stopPre(res string) {
	m.record(res)
	m.unwatchAll()
	m.u.DisarmTimer(timerPollLimit)
	m.s.PollPaused = false
	m.armPhase()
	if m.run(phaseStopPre, 0, subStopPre) {
		return
	}
	m.stopPost(resSuccess)
}

// stopPost closes the listeners (the host removes their files with RemoveOnStop=) and runs ExecStopPost=.
func (m *machine) stopPost(res string) {
	m.record(res)
	m.closeAll()
	m.armPhase()
	if m.run(phaseStopPost, 0, subStopPost) {
		return
	}
	m.signal(subFinalSigterm, resSuccess)
}

// signal enters one of the killing sub-states: what is left of the control process gets the signal KillMode=
// and the sub-state ask for, with TimeoutSec=; when nothing is left it goes straight on.
func (m *machine) signal(sub, res string) {
	m.record(res)
	m.s.Phase = ""
	if !m.s.Control || m.c.KillMode == "none" {
		m.afterSignal(sub, resSuccess)
		return
	}
	sig, kill := m.c.KillSignal, sub == subStopPreSigkill || sub == subFinalSigkill
	if kill {
		sig = m.c.FinalKillSignal
	}
	switch mode := m.c.KillMode; {
	case mode == "process" || mode == "mixed" && !kill:
		m.u.Kill(sdk.WhomControl, sig)
	default:
		m.u.KillWith(&sdk.KillAction{Whom: sdk.WhomAll, Signal: int32(sig), AlsoSighup: m.c.SendSIGHUP && !kill})
	}
	m.armPhase()
	m.enter(sub)
}

// afterSignal is where a killing sub-state leads once the control process is gone (with res, how it ended).
func (m *machine) afterSignal(sub, res string) {
	switch sub {
	case subStopPreSigterm, subStopPreSigkill:
		m.stopPost(res)
	default:
		m.dead(res)
	}
}

// dead ends the socket: dead, or failed when a failure was recorded.
func (m *machine) dead(res string) {
	m.record(res)
	m.s.Phase, m.s.PollPaused = "", false
	m.closeAll()
	m.u.DisarmTimer(timerPhase)
	m.u.DisarmTimer(timerPollLimit)
	if m.s.Result == "" || m.s.Result == resSuccess {
		m.enter(subDead)
		return
	}
	m.enter(subFailed)
}

// commandFailed is systemd's way out of a control phase whose command failed (or could not be spawned).
func (m *machine) commandFailed(phase, res string) {
	switch phase {
	case phaseStartPre:
		m.signal(subFinalSigterm, res)
	case phaseStartPost:
		m.stopPre(res)
	case phaseStopPre:
		m.stopPost(res)
	default:
		m.dead(res)
	}
}

func (m *machine) onSpawnFailed(id, msg string) {
	m.u.Logf("Failed to spawn %s: %s", id, msg)
	phase, idx, _ := strings.Cut(id, "/")
	if phase != m.s.Phase || idx != strconv.Itoa(m.s.Index) {
		return
	}
	m.s.Phase, m.s.Control = "", false
	m.commandFailed(phase, resResources)
}

// classify tells how a control process ended: only exit status 0 is success (a command killed by SIGTERM
// failed, as systemd's EXIT_CLEAN_COMMAND says).
func classify(code, status int32) string {
	switch {
	case code == 1 && status == 0:
		return resSuccess
	case code == 1:
		return resExitCode
	case code == 2:
		return resSignal
	}
	return resCoreDump
}

func (m *machine) onChildExited(id string, role sdk.Role, code, status int32) {
	if role != sdk.RoleControl && role != pb.Role_ROLE_UNSPECIFIED {
		return
	}
	m.s.Control = false
	res := classify(code, status)
	phase, idx, _ := strings.Cut(id, "/")
	if m.s.Phase != "" && phase == m.s.Phase && idx == strconv.Itoa(m.s.Index) {
		m.commandExited(phase, m.s.Index, res, code, status)
		return
	}
	// A command killed in one of the killing sub-states.
	switch m.s.Sub {
	case subStopPreSigterm, subStopPreSigkill, subFinalSigterm, subFinalSigkill:
		m.afterSignal(m.s.Sub, res)
	}
}

func (m *machine) commandExited(phase string, i int, res string, code, status int32) {
	cmd := m.commands(phase)[i]
	if res != resSuccess && cmd.IgnoreFailure {
		res = resSuccess
	}
	m.s.Phase = ""
	if res != resSuccess {
		m.u.Logf("Control process exited, %s", execconf.Describe(code, status))
		m.commandFailed(phase, res)
		return
	}
	if m.run(phase, i+1, "") {
		return
	}
	switch phase {
	case phaseStartPre:
		m.open()
	case phaseStartPost:
		m.listening()
	case phaseStopPre:
		m.stopPost(resSuccess)
	default:
		m.dead(resSuccess)
	}
}

func (m *machine) onTimer(id string) {
	switch id {
	case timerPollLimit:
		m.s.PollPaused = false
		if m.s.Sub == subListening {
			m.watchAll()
		}
	case timerPhase:
		m.phaseTimeout()
	}
}

// phaseTimeout is TimeoutSec= running out in the current sub-state (socket_dispatch_timer).
func (m *machine) phaseTimeout() {
	switch sub := m.s.Sub; sub {
	case subStartPre:
		m.u.Logf("Starting timed out. Terminating.")
		m.signal(subFinalSigterm, resTimeout)
	case subStartChown, subStartPost:
		m.u.Logf("Starting timed out. Stopping.")
		m.stopPre(resTimeout)
	case subStopPre:
		m.u.Logf("Stopping timed out. Terminating.")
		m.signal(subStopPreSigterm, resTimeout)
	case subStopPreSigterm:
		if m.c.SendSIGKILL {
			m.u.Logf("Stopping timed out. Killing.")
			m.signal(subStopPreSigkill, resTimeout)
		} else {
			m.u.Logf("Stopping timed out. Skipping SIGKILL. Ignoring.")
			m.s.Control = false
			m.stopPost(resTimeout)
		}
	case subStopPreSigkill:
		m.u.Logf("Processes still around after SIGKILL. Ignoring.")
		m.s.Control = false
		m.stopPost(resTimeout)
	case subStopPost:
		m.u.Logf("Stopping timed out (2). Terminating.")
		m.signal(subFinalSigterm, resTimeout)
	case subFinalSigterm:
		if m.c.SendSIGKILL {
			m.u.Logf("Stopping timed out (2). Killing.")
			m.signal(subFinalSigkill, resTimeout)
		} else {
			m.u.Logf("Stopping timed out (2). Skipping SIGKILL. Ignoring.")
			m.s.Control = false
			m.dead(resTimeout)
		}
	case subFinalSigkill:
		m.u.Logf("Still around after SIGKILL (2). Entering failed mode.")
		m.s.Control = false
		m.dead(resTimeout)
	}
}

// below applies one of systemd's rate limits (ratelimit_below): at most burst events per interval µs, counted
// from the first event of the interval; interval or burst 0 turns it off.
func (m *machine) below(begin *int64, num *uint32, interval uint64, burst uint32) bool {
	if interval == 0 || burst == 0 {
		return true
	}
	now := m.now().UnixMicro()
	if *begin <= 0 || now < *begin || uint64(now-*begin) > interval {
		*begin, *num = now, 0
	}
	if *num < burst {
		*num++
		return true
	}
	return false
}

func (m *machine) pollBelow() bool {
	return m.below(&m.s.PollBegin, &m.s.PollNum, m.c.PollLimitIntervalUSec, m.c.PollLimitBurst)
}

func (m *machine) triggerBelow() bool {
	return m.below(&m.s.TriggerBegin, &m.s.TriggerNum, m.c.TriggerLimitIntervalUSec, m.c.TriggerLimitBurst)
}

// pausePolling stops watching until the rest of the poll-limit interval has passed (PollLimitIntervalSec=).
func (m *machine) pausePolling() {
	if m.s.PollPaused {
		return
	}
	m.s.PollPaused = true
	left := uint64(1)
	if elapsed := m.now().UnixMicro() - m.s.PollBegin; elapsed >= 0 && uint64(elapsed) < m.c.PollLimitIntervalUSec {
		left = m.c.PollLimitIntervalUSec - uint64(elapsed) + 1 // past the interval: a fresh count
	}
	m.u.Logf("Poll limit hit (%d events in %s), pausing polling for %s.", m.c.PollLimitBurst,
		usec(m.c.PollLimitIntervalUSec, false), usec(left, false))
	m.unwatchAll()
	m.u.ArmTimer(timerPollLimit, left)
}

func (m *machine) onReadable(r *pb.FdReadable) {
	switch {
	case r.Accepted != "":
		m.onAccepted(r)
	case r.AcceptError != "":
		m.u.Logf("Failed to accept connection on %s: %s", r.Id, r.AcceptError)
		if m.s.Sub != subListening {
			return
		}
		if !m.pollBelow() {
			m.pausePolling()
			return
		}
		m.watch(r.Id)
	default:
		m.onTraffic(r.Id)
	}
}

// onTraffic is incoming traffic on an Accept=no listener: the service is started and takes over the listeners.
func (m *machine) onTraffic(id string) {
	if m.s.Sub != subListening || m.c.Accept {
		return // a readiness reported before the watch ended
	}
	if !m.pollBelow() {
		m.pausePolling()
		return
	}
	if !m.triggerBelow() {
		m.u.Logf("Trigger limit hit, refusing further activation.")
		m.stopPre(resTriggerLimitHit)
		return
	}
	m.unwatchAll() // the others still watched; id's watch is spent
	m.u.EnqueueJob(m.c.Service, "start", "replace")
	m.enter(subRunning)
}

// onAccepted is one connection the host accepted on an Accept=yes listener: it starts an instance of the
// service template with the connection, or is refused.
func (m *machine) onAccepted(r *pb.FdReadable) {
	refuse := func() {
		m.u.CloseFd(r.Accepted)
		m.s.NRefused++
	}
	if m.s.Sub != subListening {
		m.u.Logf("Suppressing connection request since unit stop is scheduled.")
		refuse()
		m.enter(orDead(m.s.Sub))
		return
	}
	pollOK := m.pollBelow()
	if !m.triggerBelow() {
		m.u.Logf("Trigger limit hit, refusing further activation.")
		refuse()
		m.stopPre(resTriggerLimitHit)
		return
	}
	switch n := m.fromSource(r.Source); {
	case m.s.NConnections >= uint64(m.c.MaxConnections):
		m.u.Logf("Too many incoming connections (%d), dropping connection.", m.s.NConnections)
		refuse()
	case m.c.MaxConnectionsPerSource > 0 && r.Source != "" && n >= int(m.c.MaxConnectionsPerSource):
		m.u.Logf("Too many incoming connections (%d) from source %s, dropping connection.", n+1, r.Source)
		refuse()
	default:
		name := m.instanceName(r.Instance)
		m.u.EnqueueJob(name, "start", "replace", r.Accepted)
		m.s.NAccepted++
		m.s.NConnections++
		if m.s.Conns == nil {
			m.s.Conns = map[string]string{}
		}
		m.s.Conns[name] = r.Source
	}
	if pollOK {
		m.watch(r.Id)
	} else {
		m.pausePolling()
	}
	m.enter(subListening)
}

// instanceName is the unit that serves connection number NAccepted: "PREFIX@NR-INSTANCE.service", PREFIX being
// the socket's name before "@" or the suffix.
func (m *machine) instanceName(instance string) string {
	prefix, _, _ := unitname.Split(m.u.Name)
	if instance == "" {
		instance = "unknown"
	}
	return fmt.Sprintf("%s@%d-%s.service", prefix, m.s.NAccepted, instance)
}

// fromSource counts the running instances whose connection came from source.
func (m *machine) fromSource(source string) int {
	n := 0
	for _, s := range m.s.Conns {
		if s == source {
			n++
		}
	}
	return n
}

func (m *machine) onOpenFailed(id, msg string) {
	m.u.Logf("Failed to listen on sockets: %s", msg)
	if !slices.Contains(m.s.NotOpen, id) {
		m.s.NotOpen = append(m.s.NotOpen, id)
	}
	switch m.s.Sub {
	case subStartPost:
		m.signal(subStopPreSigterm, resResources)
	case subListening, subRunning:
		m.stopPre(resResources)
	}
}

func (m *machine) onEnqueueFailed(unit, msg string) {
	if _, ok := m.s.Conns[unit]; ok {
		delete(m.s.Conns, unit)
		m.s.NConnections--
		m.u.Logf("Failed to queue service startup job (Maybe the service is missing or is a template unit?): %s", msg)
	} else if unit == m.c.Service {
		m.u.Logf("Failed to queue service startup job: %s", msg)
	} else {
		return
	}
	switch m.s.Sub {
	case subListening, subRunning:
		m.stopPre(resResources)
	}
}

// onUnitChanged follows the units this socket triggers: an Accept=yes instance that ended frees its connection
// slot; the Accept=no service's state moves the socket between listening and running (socket_trigger_notify).
func (m *machine) onUnitChanged(uc *pb.UnitChanged) {
	down := uc.Active == sdk.Inactive || uc.Active == sdk.Failed
	if _, ok := m.s.Conns[uc.Unit]; ok {
		if down {
			delete(m.s.Conns, uc.Unit)
			m.s.NConnections--
			if m.s.Sub != "" {
				m.enter(m.s.Sub)
			}
		}
		return
	}
	if m.c.Accept || uc.Unit != m.c.Service {
		return
	}
	// auto-restart and the final kill states count as down, as in systemd: the socket listens again.
	switch uc.Sub {
	case "auto-restart", "final-sigterm", "final-sigkill":
		down = true
	}
	up := !down && (uc.Active == sdk.Active || uc.Active == sdk.Activating || uc.Active == sdk.Reloading)
	m.s.ServiceActive = up
	m.s.ServiceStarting = up && uc.Active == sdk.Activating
	if m.s.Sub != subListening && m.s.Sub != subRunning {
		return
	}
	switch {
	case uc.Active == sdk.Failed && uc.Result == serviceStartLimitHit:
		m.u.Logf("Service %s hit its start limit.", uc.Unit)
		m.stopPre(resServiceStartLimitHit)
	case down && m.s.Sub == subRunning:
		m.listening()
	case up && m.s.Sub == subListening:
		m.unwatchAll()
		m.enter(subRunning)
	}
}

// onRecover brings the state in line after a restart of the core or the plugin: the host kept the fds, timers
// and processes; the watches are asked again.
func (m *machine) onRecover(r *pb.Recover) {
	m.s.Control = false
	for _, c := range r.GetAlive() {
		if c.Role == sdk.RoleControl {
			m.s.Control = true
		}
	}
	if m.s.PollPaused && !slices.Contains(r.GetTimers(), timerPollLimit) {
		m.s.PollPaused = false
	}
	// A listener the host no longer holds (a core that came back without init's copy) is asked for again;
	// if it cannot be opened, FdOpenFailed fails the socket.
	if m.s.Open {
		for _, l := range m.c.Listen {
			if !slices.Contains(r.GetFds(), l.ID) && !slices.Contains(m.s.NotOpen, l.ID) {
				m.u.OpenSocket(&pb.OpenSocket{Id: l.ID, Family: l.Family, Type: l.Type, Address: l.Address, Options: maps.Clone(m.c.Options)})
			}
		}
	}
	if m.s.Sub == subListening {
		m.watchAll()
	}
	if m.s.Sub != "" {
		m.enter(m.s.Sub)
	}
}
