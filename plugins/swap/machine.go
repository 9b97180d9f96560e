package swap

import (
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/control"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

// State is what the host keeps for one swap between events. The zero value is a swap that never started.
type State struct {
	control.State // Sub, Result, and the running command (Phase, Index)
	// On says the swap is in use: set by swapon's success and by /proc/swaps showing it, cleared by swapoff's
	// success and by /proc/swaps no longer showing it.
	On bool `json:",omitempty"`
	// StartPending is a start that came during the swapoff: it runs once the swapoff is over.
	StartPending bool `json:",omitempty"`
}

// Sub-states, systemd's swap states.
const (
	subDead                = "dead"
	subActivating          = "activating"
	subActivatingDone      = "activating-done" // /proc/swaps shows the swap; swapon has not exited yet
	subActive              = "active"
	subDeactivating        = "deactivating"
	subDeactivatingSigterm = "deactivating-sigterm"
	subDeactivatingSigkill = "deactivating-sigkill"
	subFailed              = "failed"
)

var activeOf = map[string]sdk.ActiveState{
	subDead: sdk.Inactive, subActivating: sdk.Activating, subActivatingDone: sdk.Activating, subActive: sdk.Active, subDeactivating: sdk.Deactivating,
	subDeactivatingSigterm: sdk.Deactivating, subDeactivatingSigkill: sdk.Deactivating, subFailed: sdk.Failed,
}

// The control commands and their phases (one command each).
const (
	phaseOn  = "swapon"
	phaseOff = "swapoff"
)

// commands returns the command of a phase, as systemd's swap_enter_activating and swap_enter_deactivating.
func (c *Config) commands(phase string) []exec.Command {
	switch phase {
	case phaseOn:
		argv := []string{"swapon", "--fixpgsz"}
		if o := c.options(); o != "" {
			argv = append(argv, "-o", o)
		}
		return []exec.Command{{Path: "/sbin/swapon", Argv: append(argv, c.What), NoExpand: true}}
	case phaseOff:
		return []exec.Command{{Path: "/sbin/swapoff", Argv: []string{"swapoff", c.What}, NoExpand: true}}
	}
	return nil
}

// stopping is a swap's kill escalation.
var stopping = control.Escalation{Term: subDeactivatingSigterm, Kill: subDeactivatingSigkill}

// machine applies one event to one swap (systemd's swap.c).
type machine struct {
	c  *Config
	st *State
	u  *sdk.Unit
	r  *control.Runner
}

func newMachine(c *Config, st *State, u *sdk.Unit) *machine {
	m := &machine{c: c, st: st, u: u}
	m.r = &control.Runner{Unit: u, State: &st.State, Commands: c.commands, Exec: &c.ExecSettings,
		Kill: &c.KillSettings, Cgroup: c.Cgroup, Enter: m.enter}
	return m
}

func (m *machine) enter(sub string) {
	m.st.Sub = sub
	m.u.Report(&sdk.StateReport{Active: activeOf[sub], Sub: sub, Result: m.st.ResultName(),
		Properties: map[string]string{"Result": m.st.ResultName()}})
}

func (m *machine) handle(ev *sdk.Event) {
	switch e := ev.Kind.(type) {
	case *sdk.EventStart:
		m.start()
	case *sdk.EventStop:
		m.stop()
	case *sdk.EventSpawnFailed:
		if _, _, _, ok := m.r.Done(e.ID); ok {
			m.u.Logf("Failed to run '%s' task: %s", e.ID, e.Message)
			m.ended(control.Resources)
		}
	case *sdk.EventChildExited:
		_, _, cmd, ok := m.r.Done(e.ID)
		if !ok && e.Role == sdk.RoleControl && m.st.Sub == subDeactivatingSigkill {
			ok = true // the kit lets go of the command it escalates to SIGKILL
		}
		if ok {
			res := control.Result(cmd, e.Code, e.Status)
			if res != control.Success {
				m.u.Logf("Swap process exited, %s", exec.Describe(int32(e.Code), e.Status))
			}
			m.ended(res)
		}
	case *sdk.EventTimerFired:
		m.timedOut()
	case *sdk.EventSwapChanged:
		m.swapChanged(e)
	case *sdk.EventRecover:
		if m.st.Sub != "" {
			m.enter(m.st.Sub)
		}
	case *sdk.EventKill:
		m.r.OnKill(e)
	case *sdk.EventResetFailed:
		m.r.ResetFailed(subFailed, subDead)
	}
}

func (m *machine) start() {
	switch m.st.Sub {
	case subActivating, subActivatingDone, subActive:
		m.enter(m.st.Sub)
		return
	case subDeactivating, subDeactivatingSigterm, subDeactivatingSigkill:
		m.st.StartPending = true // as systemd, the start waits for the swapoff
		m.enter(m.st.Sub)
		return
	}
	m.swapOn()
}

// swapOn runs swapon (swap_enter_activating).
func (m *machine) swapOn() {
	m.st.StartPending = false
	m.st.State = control.State{Result: control.Success}
	if m.st.On {
		m.enter(subActive)
		return
	}
	m.r.ArmTimeout(m.c.TimeoutUSec)
	if _, err := m.r.Run(phaseOn, 0, control.Process{}); err != nil {
		m.u.Logf("Failed to run 'swapon' task: %v", err)
		m.enterDead(control.Resources)
		return
	}
	m.enter(subActivating)
}

func (m *machine) stop() {
	switch m.st.Sub {
	case subActivating, subActivatingDone:
		m.enterSignal(control.Success)
	case subActive:
		m.r.ArmTimeout(m.c.TimeoutUSec)
		if _, err := m.r.Run(phaseOff, 0, control.Process{}); err != nil {
			m.u.Logf("Failed to run 'swapoff' task: %v", err)
			m.enterDeadOrActive(control.Resources)
			return
		}
		m.enter(subDeactivating)
	case subDeactivating, subDeactivatingSigterm, subDeactivatingSigkill, subFailed:
		m.st.StartPending = false
		m.enter(m.st.Sub)
	default:
		m.enter(subDead)
	}
}

// swapChanged follows /proc/swaps (systemd's swap_process_proc_swaps): a swap turned on by hand makes a dead or
// failed unit active, one turned on by the unit's swapon moves it to activating-done until swapon exits; a swap
// turned off by hand makes an active unit dead. Every other state holds, its own command's end decides.
func (m *machine) swapChanged(e *sdk.EventSwapChanged) {
	m.st.On = e.Active
	switch {
	case e.Active && (m.st.Sub == subDead || m.st.Sub == subFailed || m.st.Sub == ""):
		m.st.State = control.State{Result: control.Success}
		m.enterActive(control.Success)
	case e.Active && m.st.Sub == subActivating:
		m.enter(subActivatingDone)
	case !e.Active && m.st.Sub == subActive:
		m.enterDeadOrActive(control.Success)
	}
}

// ended is the end of swapon or swapoff with result res (swap_sigchld_event).
func (m *machine) ended(res string) {
	m.r.DisarmTimeout()
	switch m.st.Sub {
	case subActivating, subActivatingDone:
		if res == control.Success {
			m.st.On = true
		}
		if m.st.On {
			m.enterActive(res)
		} else {
			m.enterDead(res)
		}
	case subDeactivating, subDeactivatingSigterm, subDeactivatingSigkill:
		if res == control.Success && m.st.Sub == subDeactivating {
			m.st.On = false
		}
		if m.st.StartPending && !m.st.On {
			m.swapOn() // straight on: passing through dead would end the waiting start job
			return
		}
		m.enterDeadOrActive(res)
	}
}

func (m *machine) timedOut() {
	switch sub := m.st.Sub; sub {
	case subActivating, subActivatingDone:
		m.u.Logf("Activation timed out. Stopping.")
		m.enterSignal(control.Timeout)
	case subDeactivating:
		m.u.Logf("Deactivation timed out. Stopping.")
		m.enterSignal(control.Timeout)
	case subDeactivatingSigterm, subDeactivatingSigkill:
		if m.r.TimedOut(m.bounded(), sub) {
			m.enterDeadOrActive(control.Timeout)
		}
	}
}

func (m *machine) enterSignal(res string) {
	m.st.Record(res)
	if !m.r.Begin(m.bounded(), control.Term) {
		m.enterDeadOrActive(control.Success)
	}
}

// bounded is the kill escalation with each of its states bounded by TimeoutSec=.
func (m *machine) bounded() control.Escalation {
	e := stopping
	e.Timeout = m.c.TimeoutUSec
	return e
}

func (m *machine) enterActive(res string) {
	m.st.Record(res)
	m.enter(subActive)
}

func (m *machine) enterDead(res string) {
	m.st.Record(res)
	m.st.On = false
	if m.st.Failed() {
		m.u.Logf("Failed with result '%s'.", m.st.ResultName())
	}
	m.r.Stopped(subFailed, subDead)
}

func (m *machine) enterDeadOrActive(res string) {
	if m.st.On {
		m.r.DisarmTimeout()
		m.enterActive(res)
		return
	}
	m.enterDead(res)
}
