package service

import (
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/control"
)

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

// start begins ExecCondition=, ExecStartPre=, ExecStart=, … from a dead, failed or auto-restart service.
func (m *machine) start() {
	n := m.s.NRestarts
	if m.s.RestartQueued {
		n++
	} else {
		n = 0
	}
	*m.s = State{NRestarts: n, State: control.State{Result: resSuccess}}
	m.u.DisarmTimer(timerRestart)
	m.u.DisarmTimer(timerWatchdog)
	m.armPhase(m.c.TimeoutStartUSec)
	if m.run(phaseCondition, 0, subCondition) {
		return
	}
	m.startPre()
}

func (m *machine) startPre() {
	if m.run(phaseStartPre, 0, subStartPre) {
		return
	}
	m.startMain()
}

func (m *machine) startMain() {
	if len(m.c.ExecStart) == 0 {
		// Type=oneshot without ExecStart= (RemainAfterExit= units that only have ExecStop=, say).
		m.s.MainExited = true
		m.startPost()
		return
	}
	m.run(phaseStart, 0, subStart)
}

func (m *machine) startPost() {
	m.armPhase(m.c.TimeoutStartUSec)
	if m.run(phaseStartPost, 0, subStartPost) {
		return
	}
	m.running()
}

// running settles a started service: running while its main process (or, without one, its cgroup) lives,
// exited with RemainAfterExit=, otherwise it stops as systemd does when the main process ended by itself.
func (m *machine) running() {
	m.s.Phase = ""
	alive := !m.s.MainExited && (m.rt.MainPid > 0 || !m.s.CgroupEmpty)
	if m.c.Type == "dbus" && !m.s.BusNameGood {
		alive = false // systemd's service_good: a D-Bus service without its name is not running
	}
	switch {
	case alive:
		m.armPhase(m.c.RuntimeMaxUSec)
		m.armWatchdog()
		m.enter(subRunning)
	case m.c.RemainAfterExit && !m.s.Failed():
		m.r.DisarmTimeout()
		m.enter(subExited)
	default:
		m.stop(resSuccess)
	}
}

// onSpawned: the main process of simple and idle services counts as started once it exists (exec waits for
// Executed).
func (m *machine) onSpawned(role sdk.Role) {
	if role != sdk.RoleMain || m.s.Sub != subStart {
		return
	}
	switch m.c.Type {
	case "simple", "idle", "":
		m.startPost() // Type=dbus waits for its name (dbus.go)
	}
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
