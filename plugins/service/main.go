// Command service is the service unit type (man systemd.service), built on the public SDK only. It is a state
// machine: the host spawns, signals, reaps and times; this plugin decides what comes next.
package main

import (
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/sdk"
)

// stateVersion is the schema of State; bump it when a field changes meaning.
const stateVersion = 1

// version is what Describe tells the host (sctl list-plugins shows it); a build may set it with
// -ldflags "-X main.version=…".
var version = "1.0.0"

type serviceType struct{ sdk.Defaults }

func (serviceType) Describe() sdk.Description {
	return sdk.Description{Type: "service", Sections: []string{"Service"}, Version: version, StateVersion: stateVersion}
}

func (serviceType) Parse(req *sdk.ParseRequest) *sdk.ParseResult {
	res := &sdk.ParseResult{}
	c := parseConfig(req, res)
	if res.Failed() {
		return res
	}
	res.Config = sdk.EncodeJSON(c)
	res.Properties = c.properties()
	if len(c.ExecReload) > 0 || c.Type == "notify-reload" {
		res.Annotations = map[string]string{"CanReload": "yes"}
	}
	// systemd.service's default dependencies.
	res.AddDefault("Requires", "sysinit.target")
	res.AddDefault("After", "sysinit.target", "basic.target")
	res.AddDefault("Conflicts", "shutdown.target")
	res.AddDefault("Before", "shutdown.target")
	return res
}

func (serviceType) Handle(u *sdk.Unit, ev *sdk.Event) error {
	var c Config
	var st State
	if err := sdk.DecodeJSON(u.Config, &c); err != nil {
		return err
	}
	if err := sdk.DecodeJSON(u.State, &st); err != nil {
		return err
	}
	m := &machine{c: &c, s: &st, u: u, rt: u.Runtime}
	m.handle(ev)
	u.State = sdk.EncodeJSON(st)
	return nil
}

// handle dispatches one event.
func (m *machine) handle(ev *sdk.Event) {
	switch e := ev.Kind.(type) {
	case *sdk.EventStart:
		m.onStart()
	case *sdk.EventStop:
		m.onStop()
	case *sdk.EventReload:
		m.onReload()
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
	case *sdk.EventSpawned:
		m.onSpawned(e.Spawned.Role)
	case *sdk.EventExecuted:
		if e.Executed.Role == sdk.RoleMain && m.s.Sub == subStart && m.c.Type == "exec" {
			m.startPost() // Type=exec is started once its command runs
		}
	case *sdk.EventSpawnFailed:
		m.onSpawnFailed(e.SpawnFailed.Id, e.SpawnFailed.Role, e.SpawnFailed.Message)
	case *sdk.EventChildExited:
		x := e.ChildExited
		m.oomKilled = x.OomKilled
		m.onChildExited(x.Id, x.Role, int32(x.Code), x.Status)
	case *sdk.EventTimerFired:
		m.onTimer(e.TimerFired.Id)
	case *sdk.EventNotify:
		m.onNotify(e.Notify.Pid, e.Notify.Fields)
	case *sdk.EventCgroupEmpty:
		m.onCgroupEmpty()
	}
}

func (m *machine) onStart() {
	switch m.s.Sub {
	case "", subDead, subFailed, subAutoRestart:
		m.start()
	case subRunning, subExited:
		m.enter(m.s.Sub) // already up: the job is done
	default:
		m.u.Logf("Start asked while %s; ignored", m.s.Sub)
	}
}

func (m *machine) onStop() {
	switch m.s.Sub {
	case "", subDead, subFailed:
		m.enter(orDead(m.s.Sub))
	case subAutoRestart:
		m.u.DisarmTimer(timerRestart)
		m.enter(subDead)
	case subCondition, subStartPre, subStart, subStartPost:
		m.s.Stopping = true
		m.signal(subStopSigterm, resSuccess)
	case subRunning, subExited, subReload, subReloadSignal, subReloadNotify:
		m.s.Stopping = true
		m.stop(resSuccess)
	default:
		m.s.Stopping = true // already on its way down
	}
}

func orDead(sub string) string {
	if sub == "" {
		return subDead
	}
	return sub
}

func (m *machine) onReload() {
	if m.s.Sub != subRunning && m.s.Sub != subExited {
		m.enter(m.s.Sub)
		return
	}
	m.s.ReloadResult = ""
	m.armPhase(m.c.TimeoutStartUSec)
	if m.c.Type == "notify-reload" && m.s.Sub == subRunning {
		m.u.Kill(sdk.WhomMain, m.c.ReloadSignal)
		m.enter(subReloadSignal)
		return
	}
	if m.run(phaseReload, 0, subReload) {
		return
	}
	m.s.ReloadResult = resSuccess
	m.running()
}

// onSpawned: the main process of simple and idle services counts as started once it exists (exec waits for
// Executed).
func (m *machine) onSpawned(role sdk.Role) {
	if role != sdk.RoleMain || m.s.Sub != subStart {
		return
	}
	switch m.c.Type {
	case "simple", "idle", "":
		m.startPost()
	}
}

func (m *machine) onSpawnFailed(id string, role sdk.Role, msg string) {
	m.u.Logf("Failed to spawn %s: %s", id, msg)
	phase, _, _ := strings.Cut(id, "/")
	if role == sdk.RoleMain && m.c.Type != "oneshot" {
		m.s.MainExited = true
		m.failed(phaseStart, resResources)
		return
	}
	if phase != m.s.Phase {
		return
	}
	m.s.Phase = ""
	m.failed(phase, resResources)
}

func (m *machine) onChildExited(id string, role sdk.Role, code, status int32) {
	if role == sdk.RoleMain && m.c.Type == "oneshot" && m.s.Phase == phaseStart {
		m.s.MainExited, m.s.MainCode, m.s.MainStatus = true, code, status
		m.commandExited(id, code, status, true)
		return
	}
	if role == sdk.RoleMain {
		m.mainExited(code, status)
		return
	}
	if m.s.Phase != "" && strings.HasPrefix(id, m.s.Phase+"/") {
		m.commandExited(id, code, status, false)
		return
	}
	if m.oomKilled {
		m.oomPolicy()
		return
	}
	m.maybeGone()
}

// oomPolicy applies OOMPolicy= to the OOM kill of a process that is neither the main nor a control process.
func (m *machine) oomPolicy() {
	m.u.Logf("A process of this unit has been killed by the OOM killer.")
	if m.c.OOMPolicy != "continue" {
		m.record(resOOMKill) // the main process may be the one: its exit, if it comes next, says no more
	}
	if activeOf[m.s.Sub] != sdk.Active && activeOf[m.s.Sub] != sdk.Activating && activeOf[m.s.Sub] != sdk.Reloading {
		m.maybeGone()
		return
	}
	switch m.c.OOMPolicy {
	case "continue":
		m.maybeGone()
	case "kill":
		m.u.Logf("Killing the rest of the unit (OOMPolicy=kill).")
		m.signal(subStopSigkill, resOOMKill)
	default: // stop
		m.u.Logf("Stopping the unit (OOMPolicy=stop).")
		m.stop(resOOMKill)
	}
}

func (m *machine) onCgroupEmpty() {
	m.s.CgroupEmpty = true
	switch m.s.Sub {
	case subRunning:
		if m.s.MainExited || m.rt.GetMainPid() == 0 {
			m.running()
		}
	default:
		m.maybeGone()
	}
}

func (m *machine) onTimer(id string) {
	switch id {
	case timerRestart:
		if m.s.Sub != subAutoRestart {
			return
		}
		m.s.RestartQueued = true
		m.u.Logf("Scheduled restart job, restart counter is at %d.", m.s.NRestarts+1)
		m.u.EnqueueJob(m.u.Name, "restart", "replace")
	case timerWatchdog:
		if m.s.Sub != subRunning && m.s.Sub != subStart && m.s.Sub != subStartPost && !strings.HasPrefix(m.s.Sub, "reload") {
			return
		}
		m.u.Logf("Watchdog timeout (limit %dus)!", m.watchdogUSec())
		m.signal(subStopWatchdog, resWatchdog)
	case timerPhase:
		m.phaseTimeout()
	}
}

func (m *machine) phaseTimeout() {
	switch sub := m.s.Sub; sub {
	case subCondition, subStartPre, subStart:
		m.u.Logf("%s operation timed out. Terminating.", startOrCondition(sub))
		m.signal(subStopSigterm, resTimeout)
	case subStartPost:
		m.u.Logf("Start-post operation timed out. Stopping.")
		m.stop(resTimeout)
	case subRunning:
		m.u.Logf("Service reached runtime time limit. Stopping.")
		m.stop(resTimeout)
	case subReload, subReloadSignal, subReloadNotify:
		m.u.Logf("Reload operation timed out. Killing reload process.")
		m.u.Kill(sdk.WhomControl, 9)
		m.s.Phase = ""
		m.s.ReloadResult = resTimeout
		m.running()
	case subStop:
		m.u.Logf("Stopping timed out. Terminating.")
		m.signal(subStopSigterm, resTimeout)
	case subStopSigterm, subStopWatchdog:
		if m.c.SendSIGKILL {
			m.u.Logf("State '%s' timed out. Killing.", sub)
			m.signal(subStopSigkill, resTimeout)
		} else {
			m.u.Logf("State '%s' timed out. Skipping SIGKILL.", sub)
			m.record(resTimeout)
			m.stopPost()
		}
	case subStopSigkill:
		m.u.Logf("Processes still around after SIGKILL. Ignoring.")
		m.record(resTimeout)
		m.stopPost()
	case subStopPost:
		m.u.Logf("Stopping timed out (2). Terminating.")
		m.signal(subFinalSigterm, resTimeout)
	case subFinalSigterm:
		if m.c.SendSIGKILL {
			m.u.Logf("State 'final-sigterm' timed out. Killing.")
			m.signal(subFinalSigkill, resTimeout)
		} else {
			m.u.Logf("State 'final-sigterm' timed out. Skipping SIGKILL. Entering failed mode.")
			m.record(resTimeout)
			m.dead()
		}
	case subFinalSigkill:
		m.u.Logf("Processes still around after final SIGKILL. Entering failed mode.")
		m.record(resTimeout)
		m.dead()
	}
}

func startOrCondition(sub string) string {
	if sub == subCondition {
		return "Condition check"
	}
	if sub == subStartPre {
		return "Start-pre"
	}
	return "Start"
}

func (m *machine) notifyAccess() string {
	if m.c.NotifyAccess != "" {
		return m.c.NotifyAccess
	}
	if m.notifyType() || m.c.WatchdogUSec > 0 {
		return "main"
	}
	return "none"
}

func (m *machine) watchdogUSec() uint64 {
	if m.s.WatchdogUSec > 0 {
		return m.s.WatchdogUSec
	}
	return m.c.WatchdogUSec
}

// onNotify applies one sd_notify datagram from pid, if NotifyAccess= lets pid speak (man sd_notify).
func (m *machine) onNotify(pid int64, fields []string) {
	mainPid, controlPid := m.rt.GetMainPid(), m.rt.GetControlPid()
	allowed := false
	switch m.notifyAccess() {
	case "all":
		allowed = true
	case "exec":
		allowed = pid == mainPid || pid == controlPid
	case "main":
		allowed = pid == mainPid
	}
	if !allowed {
		m.u.Logf("Got notification message from PID %d, but reception only permitted for %s (main PID %d)", pid, m.notifyAccess(), mainPid)
		return
	}
	report := false
	for _, f := range fields {
		key, value, _ := strings.Cut(f, "=")
		switch key {
		case "READY":
			if value != "1" {
				continue
			}
			m.s.ReadySeen = true
			switch m.s.Sub {
			case subStart:
				if m.notifyType() {
					m.startPost()
					report = false
				}
			case subReloadSignal, subReloadNotify:
				m.s.ReloadResult = resSuccess
				m.running()
				report = false
			}
		case "RELOADING":
			if value == "1" && (m.s.Sub == subRunning || m.s.Sub == subReloadSignal) {
				m.armPhase(m.c.TimeoutStartUSec)
				m.enter(subReloadNotify)
				report = false
			}
		case "STOPPING":
			if value == "1" && (m.s.Sub == subRunning || strings.HasPrefix(m.s.Sub, "reload")) {
				m.armPhase(m.c.TimeoutStopUSec)
				m.enter(subStopSigterm)
				report = false
			}
		case "STATUS":
			m.s.StatusText = value
			report = true
		case "ERRNO":
			if n, err := strconv.Atoi(value); err == nil {
				m.s.StatusErrno = n
				report = true
			}
		case "MAINPID":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n <= 1 {
				m.u.Logf("Failed to parse MAINPID=%s, ignoring", value)
				continue
			}
			if n != mainPid {
				m.u.SetMainPid(n)
				m.s.MainExited = false
			}
		case "WATCHDOG":
			switch value {
			case "1":
				if m.watchdogUSec() > 0 {
					m.u.ArmTimer(timerWatchdog, m.watchdogUSec())
				}
			case "trigger":
				m.onTimer(timerWatchdog)
				return
			}
		case "WATCHDOG_USEC":
			if n, err := strconv.ParseUint(value, 10, 64); err == nil && n > 0 {
				m.s.WatchdogUSec = n
				m.u.ArmTimer(timerWatchdog, n)
			}
		case "EXTEND_TIMEOUT_USEC":
			if n, err := strconv.ParseUint(value, 10, 64); err == nil && n > 0 {
				switch activeOf[m.s.Sub] {
				case sdk.Activating, sdk.Deactivating, sdk.Reloading:
					m.u.ArmTimer(timerPhase, n)
				}
			}
		}
	}
	if report {
		m.enter(m.s.Sub)
	}
}

func main() { sdk.Serve(serviceType{}) }
