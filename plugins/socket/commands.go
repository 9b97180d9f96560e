package socket

import (
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/control"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

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
	if i >= len(m.commands(phase)) {
		return false
	}
	if sub != "" {
		m.enter(sub)
	}
	if _, err := m.r.Run(phase, i, control.Process{}); err != nil {
		m.u.Logf("Failed to load environment files: %v", err)
		m.commandFailed(phase, resResources)
		return true
	}
	m.s.Control = true
	return true
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
	phase, _, _, ok := m.r.Done(id)
	if !ok {
		return
	}
	m.s.Control = false
	m.commandFailed(phase, resResources)
}

// onChildExited is the end of a control process: the end of the running command, or of one killed in a
// killing sub-state.
func (m *machine) onChildExited(e *sdk.EventChildExited) {
	if e.Role != sdk.RoleControl && e.Role != 0 {
		return
	}
	m.s.Control = false
	if phase, i, cmd, ok := m.r.Done(e.ID); ok {
		m.commandExited(phase, i, control.Result(cmd, e.Code, e.Status), e.Code, e.Status)
		return
	}
	switch m.s.Sub {
	case subStopPreSigterm, subStopPreSigkill, subFinalSigterm, subFinalSigkill:
		m.afterSignal(m.s.Sub, control.Outcome(e.Code, e.Status))
	}
}

// commandExited goes on after command i of phase ended with res: the next command, or the next phase.
func (m *machine) commandExited(phase string, i int, res string, code sdk.ExitCode, status int32) {
	if res != resSuccess {
		m.u.Logf("Control process exited, %s", exec.Describe(int32(code), status))
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
