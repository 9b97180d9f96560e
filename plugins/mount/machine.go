package mount

import (
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/control"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

// machine applies one event to one mount (systemd's mount.c).
type machine struct {
	c  *Config
	st *State
	u  *sdk.Unit
	r  *control.Runner
}

// The two kill escalations of a mount: of a remount (the mount stays) and of a mount or umount.
var (
	remounting = control.Escalation{Term: subRemountingSigterm, Kill: subRemountingSigkill}
	unmounting = control.Escalation{Term: subUnmountingSigterm, Kill: subUnmountingSigkill}
)

func newMachine(c *Config, st *State, u *sdk.Unit) *machine {
	m := &machine{c: c, st: st, u: u}
	m.r = &control.Runner{Unit: u, State: &st.State, Commands: c.commands, Exec: &c.ExecSettings,
		Kill: &c.KillSettings, Cgroup: c.Cgroup, Enter: m.enter}
	return m
}

// enter moves the mount to sub and reports it with the results.
func (m *machine) enter(sub string) {
	m.st.Sub = sub
	reload := m.st.ReloadResult
	if reload == "" {
		reload = control.Success
	}
	m.u.Report(&sdk.StateReport{Active: activeOf[sub], Sub: sub, Result: m.st.ResultName(),
		Properties: map[string]string{"Result": m.st.ResultName(), "ReloadResult": reload}})
}

func (m *machine) handle(ev *sdk.Event) {
	switch e := ev.Kind.(type) {
	case *sdk.EventStart:
		m.start()
	case *sdk.EventStop:
		m.stop()
	case *sdk.EventReload:
		m.reload()
	case *sdk.EventSpawnFailed:
		if _, _, _, ok := m.r.Done(e.ID); ok {
			m.u.Logf("Failed to run '%s' task: %s", e.ID, e.Message)
			m.commandEnded(control.Resources)
		}
	case *sdk.EventChildExited:
		_, _, cmd, ok := m.r.Done(e.ID)
		if !ok && e.Role == sdk.RoleControl && (m.st.Sub == subUnmountingSigkill || m.st.Sub == subRemountingSigkill) {
			// The kit lets go of the command it escalates to SIGKILL; its end still ends the state.
			ok = true
		}
		if ok {
			res := control.Result(cmd, e.Code, e.Status)
			if res != control.Success {
				m.u.Logf("Mount process exited, %s", exec.Describe(int32(e.Code), e.Status))
			}
			m.commandEnded(res)
		}
	case *sdk.EventTimerFired:
		m.timedOut()
	case *sdk.EventMountChanged:
		m.mountChanged(e)
	case *sdk.EventRecover:
		if m.st.Sub != "" {
			m.enter(m.st.Sub) // the state holds; an exit that came meanwhile follows as its own event
		}
	case *sdk.EventKill:
		m.r.OnKill(e)
	case *sdk.EventResetFailed:
		m.r.ResetFailed(subFailed, subDead)
	}
}

// start mounts (mount_start, mount_enter_mounting). A mount that is there already (made by hand and reported
// by the host) is simply mounted; one on its way answers when it gets there; one being unmounted is mounted
// again once the umount is over.
func (m *machine) start() {
	switch m.st.Sub {
	case subMounting, subMountingDone, subMounted, subRemounting, subRemountingSigterm, subRemountingSigkill:
		m.enter(m.st.Sub)
		return
	case subUnmounting, subUnmountingSigterm, subUnmountingSigkill:
		// systemd makes the start wait for the umount; the state stays until it is over.
		m.st.StartPending = true
		m.enter(m.st.Sub)
		return
	}
	m.mount()
}

// mount runs mount (mount_enter_mounting), or enters mounted when the file system is there already.
func (m *machine) mount() {
	m.st.StartPending = false
	m.st.State = control.State{Result: control.Success}
	m.st.ReloadResult = ""
	if m.c.Where == "/" {
		// The root is mounted before the manager runs, and stays (systemd's -.mount is perpetual).
		m.st.Mounted = true
	}
	if m.st.Mounted {
		m.enter(subMounted)
		return
	}
	m.r.ArmTimeout(m.c.TimeoutUSec)
	if _, err := m.r.Run(phaseMount, 0, control.Process{}); err != nil {
		m.u.Logf("Failed to run 'mount' task: %v", err)
		m.enterDead(control.Resources)
		return
	}
	m.enter(subMounting)
}

// stop unmounts (mount_stop): a mount or remount still running is killed first.
func (m *machine) stop() {
	switch m.st.Sub {
	case subMounting, subMountingDone, subRemounting:
		m.enterSignal(unmounting, control.Success)
	case subRemountingSigterm:
		m.enter(subUnmountingSigterm)
	case subRemountingSigkill:
		m.enter(subUnmountingSigkill)
	case subMounted:
		if m.c.Where == "/" {
			// The root is never unmounted by its unit: the final stage of shutdown remounts it read-only.
			m.enter(subDead)
			return
		}
		m.r.ArmTimeout(m.c.TimeoutUSec)
		if _, err := m.r.Run(phaseUnmount, 0, control.Process{}); err != nil {
			m.u.Logf("Failed to run 'umount' task: %v", err)
			m.enterDeadOrMounted(control.Resources)
			return
		}
		m.enter(subUnmounting)
	case subUnmounting, subUnmountingSigterm, subUnmountingSigkill:
		m.st.StartPending = false // a stop replaces a start that waited
		m.enter(m.st.Sub)         // on its way already
	case subFailed:
		m.enter(subFailed)
	default:
		m.enter(subDead)
	}
}

// reload remounts with the unit's options (mount_reload, mount_enter_remounting); a mount that is not mounted
// has nothing to remount.
func (m *machine) reload() {
	if m.st.Sub != subMounted {
		m.enter(m.st.Sub)
		return
	}
	m.st.ReloadResult = control.Success
	m.r.ArmTimeout(m.c.TimeoutUSec)
	if _, err := m.r.Run(phaseRemount, 0, control.Process{}); err != nil {
		m.u.Logf("Failed to run 'remount' task: %v", err)
		m.st.ReloadResult = control.Resources
		m.enter(subMounted)
		return
	}
	m.enter(subRemounting)
}

// commandEnded is the end of the running mount, remount or umount with result res (mount_sigchld_event).
func (m *machine) commandEnded(res string) {
	m.r.DisarmTimeout()
	switch m.st.Sub {
	case subMounting, subMountingDone:
		if res == control.Success {
			m.st.Mounted = true
			m.enterMounted(control.Success)
		} else if m.st.Mounted {
			// mount failed, yet the file system is there: someone else mounted it; that is forgiven.
			m.enterMounted(control.Success)
		} else {
			m.enterDead(res)
		}
	case subRemounting, subRemountingSigterm, subRemountingSigkill:
		if m.st.ReloadResult == "" || m.st.ReloadResult == control.Success {
			m.st.ReloadResult = res
		}
		m.enterDeadOrMounted(control.Success)
	case subUnmounting, subUnmountingSigterm, subUnmountingSigkill:
		if res == control.Success && m.st.Sub == subUnmounting {
			m.st.Mounted = false
		}
		if m.st.StartPending && !m.st.Mounted {
			// Straight on to mounting: passing through dead would end the waiting start job.
			m.mount()
			return
		}
		m.enterDeadOrMounted(res)
	}
}

// timedOut is the phase timer: the running command or a killing sub-state took longer than TimeoutSec=.
func (m *machine) timedOut() {
	switch sub := m.st.Sub; sub {
	case subMounting, subMountingDone:
		m.u.Logf("Mounting timed out. Terminating.")
		m.enterSignal(unmounting, control.Timeout)
	case subUnmounting:
		m.u.Logf("Unmounting timed out. Terminating.")
		m.enterSignal(unmounting, control.Timeout)
	case subRemounting:
		m.u.Logf("Remounting timed out. Terminating remount process.")
		m.st.ReloadResult = control.Timeout
		m.enterSignal(remounting, control.Success)
	case subRemountingSigterm:
		// A remount's timeout is the reload's result; the mount's own result stays.
		m.st.ReloadResult = control.Timeout
		if m.c.SendSIGKILL {
			m.u.Logf("Remounting timed out. Killing.")
			m.r.Signal(control.Kill, m.c.TimeoutUSec)
			m.enter(subRemountingSigkill)
			return
		}
		m.u.Logf("Remounting timed out. Skipping SIGKILL. Ignoring.")
		m.enterDeadOrMounted(control.Success)
	case subRemountingSigkill:
		m.st.ReloadResult = control.Timeout
		m.u.Logf("Mount process still around after SIGKILL. Ignoring.")
		m.enterDeadOrMounted(control.Success)
	case subUnmountingSigterm, subUnmountingSigkill:
		if m.r.TimedOut(m.bounded(unmounting), sub) {
			m.enterDeadOrMounted(control.Timeout)
		}
	}
}

// mountChanged follows the mount table as the host reports it (mount_process_proc_self_mountinfo).
func (m *machine) mountChanged(e *sdk.EventMountChanged) {
	was := m.st.Mounted
	m.st.Mounted = e.Mounted
	switch {
	case e.Mounted && (m.st.Sub == subDead || m.st.Sub == subFailed || m.st.Sub == ""):
		// Mounted by someone else: follow it, forgetting earlier failures.
		m.st.State = control.State{Result: control.Success}
		m.enter(subMounted)
	case e.Mounted && m.st.Sub == subMounting:
		m.enter(subMountingDone)
	case !e.Mounted && was && m.st.Sub == subMounted:
		m.enterDead(control.Success)
	case !e.Mounted && m.st.Sub == subMountingDone:
		// The mount appeared and went again while mount runs (a helper that failed after mounting): its exit
		// decides.
		m.enter(subMounting)
	}
}

// enterSignal kills what runs of the unit and enters e's SIGTERM sub-state, recording res; with
// KillMode=none it goes on at once.
func (m *machine) enterSignal(e control.Escalation, res string) {
	m.st.Record(res)
	if !m.r.Begin(m.bounded(e), control.Term) {
		m.enterDeadOrMounted(control.Success)
	}
}

// bounded is e with each of its states bounded by TimeoutSec=.
func (m *machine) bounded(e control.Escalation) control.Escalation {
	e.Timeout = m.c.TimeoutUSec
	return e
}

func (m *machine) enterMounted(res string) {
	m.r.DisarmTimeout()
	m.st.Record(res)
	m.enter(subMounted)
}

func (m *machine) enterDead(res string) {
	m.st.Record(res)
	m.st.Mounted = false
	if m.st.Failed() {
		m.u.Logf("Failed with result '%s'.", m.st.ResultName())
	}
	m.r.Stopped(subFailed, subDead)
}

// enterDeadOrMounted ends a command that may or may not have left the file system mounted.
func (m *machine) enterDeadOrMounted(res string) {
	if m.st.Mounted {
		m.enterMounted(res)
		return
	}
	m.enterDead(res)
}
